"""Plain-text renderings for people at a terminal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk.config import Config
from kiosk.ticketing import Ticket, local_time


def clock(config: Config, epoch: float) -> str:
    return f"{local_time(config, epoch):%H:%M}"


def named(config: Config, ticket: Ticket) -> str:
    """``A002 (priority, Đất đai)``: a ticket's number with its kind and service."""
    kind = "priority, " if ticket.priority else ""
    return f"{ticket.number} ({kind}{config.service(ticket.service).name})"


def _hhmm(iso: str | None, config_tz: dt.tzinfo | None) -> str:
    if iso is None:
        return "-"
    moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return f"{moment.astimezone(config_tz):%H:%M}"


def table(rows: list[list[str]]) -> list[str]:
    """Left-aligned columns two spaces apart; the first row is the heading."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def status_text(snap: dict[str, Any]) -> str:
    now = dt.datetime.fromisoformat(snap["now"])
    tz = now.tzinfo
    state = "issuing tickets" if snap["issuing"] else f"not issuing ({snap['closed_reason']})"
    lines = [f"{snap['site']['name']}", f"{snap['day']} {now:%H:%M}  {state}", ""]
    rows = [["SERVICE", "WAITING", "PRIORITY", "ISSUED", "LEFT", "EST. WAIT"]]
    for s in snap["services"]:
        wait = "-" if s["wait_minutes"] is None else f"{s['wait_minutes']} min"
        rows.append(
            [
                s["name"],
                str(s["waiting"]),
                str(s["waiting_priority"]),
                str(s["issued"]),
                str(s["remaining"]),
                wait,
            ]
        )
    lines += table(rows)
    lines.append("")
    rows = [["COUNTER", "STAFF", "SERVING", "SINCE", "SERVED", "RATED", "STATE"]]
    for c in snap["counters"]:
        state = f"paused: {c['pause_reason'] or 'no reason'}" if c["paused"] else "open"
        if c["paused"] and c["paused_since"]:
            state += f" since {_hhmm(c['paused_since'], tz)}"
        rated = f"{c['ratings_today']} ({c['mean_score']:.1f})" if c["ratings_today"] else "-"
        rows.append(
            [
                c["name"],
                c["staff_id"] or "-",
                c["serving"] or "-",
                _hhmm(c["since"], tz),
                str(c["served_today"]),
                rated,
                state,
            ]
        )
    lines += table(rows)
    if snap["staff"]:
        lines.append("")
        rows = [["STAFF", "SERVED", "AVG SERVICE", "RATED", "AVG SCORE"]]
        for o in snap["staff"]:
            score = "-" if o["mean_score"] is None else f"{o['mean_score']:.1f}"
            rows.append(
                [
                    o["staff_id"],
                    str(o["served_today"]),
                    f"{o['mean_service_minutes']:.1f} min",
                    str(o["ratings_today"]),
                    score,
                ]
            )
        lines += table(rows)
    if snap["missed"]:
        missed = ", ".join(f"{m['number']} ({_hhmm(m['missed_at'], tz)})" for m in snap["missed"])
        lines += ["", f"Missed: {missed}"]
    printer = snap.get("printer")
    if printer is not None:
        detail = f" ({printer['detail']})" if printer["detail"] else ""
        lines += ["", f"Printer: {printer['state']}{detail}"]
    if snap.get("daemons"):
        lines.append("")
    events = snap["events"]
    for daemon in snap.get("daemons", []):
        detail = f" ({daemon['detail']})" if daemon["detail"] else ""
        lines.append(f"{daemon['daemon']}: {daemon['state']}{detail}")
    lines += ["", f"Events: last seq {events['last_seq']}, {events['unacknowledged']} in outbox"]
    return "\n".join(lines)
