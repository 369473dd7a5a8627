"""The demo's summary: tickets per service, waits, counters; as text and JSON."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from typing import Any

from kiosk import outbox
from kiosk.app.demo._definitions import FIGURES, SERVICES, label
from kiosk.app.demo._sim import Tally
from kiosk.app.render import table
from kiosk.config import Config
from kiosk.stats import percentile
from kiosk.store import Store, kv

#: What the summary's figures count, said once, in the summary itself.
DEFINITIONS = {"services": SERVICES, **FIGURES}


def summarise(store: Store, config: Config, tally: Tally) -> dict[str, Any]:
    conn = store.conn
    calls = _Calls(conn, config)
    services = []
    for service in config.services:
        rows = dict(
            conn.execute(
                "SELECT status, COUNT(*) FROM tickets WHERE origin_service = ? GROUP BY status",
                (service.id,),
            ).fetchall()
        )
        served = conn.execute(
            "SELECT COUNT(*), AVG(service_seconds) FROM tickets WHERE origin_service = ? "
            "AND status = 'done'",
            (service.id,),
        ).fetchone()
        mine = calls.waits[service.id]
        services.append(
            {
                "id": service.id,
                "name": service.name,
                "tickets": sum(rows.values()),
                "served": served[0],
                "no_shows": rows.get("missed", 0),
                "transferred": len(calls.transferred[service.id]),
                "refused": tally.refused.get(service.id, {}),
                "average_wait_minutes": round(sum(mine) / len(mine) / 60, 1) if mine else 0.0,
                "p90_wait_minutes": round(percentile(mine, 0.9) / 60, 1),
                "longest_wait_minutes": round(max(mine, default=0) / 60, 1),
                "average_service_minutes": round((served[1] or 0) / 60, 1),
            }
        )
    rated = {
        number: (count, mean)
        for number, count, mean in conn.execute(
            "SELECT counter, COUNT(*), AVG(score) FROM ratings GROUP BY counter"
        )
    }
    counters = [
        {
            "number": number,
            "staff_id": staff,
            "served": count,
            "busy_minutes": round((busy or 0) / 60),
            "ratings": rated.get(number, (0, None))[0],
            "mean_score": _score(rated.get(number, (0, None))[1]),
        }
        for number, staff, count, busy in conn.execute(
            "SELECT counter, MAX(staff), COUNT(*), SUM(service_seconds) FROM tickets "
            "WHERE status = 'done' GROUP BY counter ORDER BY counter"
        )
    ]
    labels = config.ratings.labels
    by_choice = dict(conn.execute("SELECT choice, COUNT(*) FROM ratings GROUP BY choice"))
    ratings = {
        "given": tally.ratings,
        "refused": tally.ratings_refused,
        "by_label": {label: by_choice.get(i, 0) for i, label in enumerate(labels, start=1)},
        "mean_score": _score(conn.execute("SELECT AVG(score) FROM ratings").fetchone()[0]),
        "score_scale": f"1 ({labels[-1]}) to {len(labels)} ({labels[0]})",
    }
    every_wait = [w for values in calls.waits.values() for w in values]
    longest = calls.longest
    return {
        "site": config.site.name,
        "day": kv.BUSINESS_DAY.need(conn).isoformat(),
        "tickets": tally.issued,
        "refused": sum(sum(codes.values()) for codes in tally.refused.values()),
        "served": sum(s["served"] for s in services),
        "no_shows": sum(s["no_shows"] for s in services),
        "skips": calls.count["ticket.skipped"],
        "reentries": calls.count["ticket.reentered"],
        "recalls": calls.count["ticket.recalled"],
        "transfers": calls.count["ticket.transferred"],
        "average_wait_minutes": round(sum(every_wait) / max(1, len(every_wait)) / 60, 1),
        "longest_wait": {
            "minutes": round(longest[0] / 60, 1),
            "number": longest[1],
            "service": longest[2],
        },
        "scans": tally.scans,
        "events": outbox.read_state(conn).held,
        "services": services,
        "counters": counters,
        "ratings": ratings,
        "definitions": DEFINITIONS,
    }


class _Calls:
    """The day's calls, skips, re-entries and transfers, from the events; waits and
    transfers under the service each ticket was issued for."""

    KINDS = (
        "ticket.called",
        "ticket.recalled",
        "ticket.transferred",
        "ticket.skipped",
        "ticket.reentered",
    )

    def __init__(self, conn: sqlite3.Connection, config: Config) -> None:
        origin = dict(conn.execute("SELECT uid, origin_service FROM tickets"))
        self.waits: dict[str, list[float]] = {s.id: [] for s in config.services}
        self.transferred: dict[str, set[str]] = {s.id: set() for s in config.services}
        self.count = dict.fromkeys(self.KINDS, 0)
        self.longest: tuple[float, str, str] = (0.0, "", "")
        marks = ", ".join("?" * len(self.KINDS))
        for kind, data in conn.execute(
            f"SELECT type, data FROM events WHERE type IN ({marks}) ORDER BY seq", self.KINDS
        ):
            self.count[kind] += 1
            event = json.loads(data)
            issued_for = origin[event["ticket"]]
            if kind == "ticket.transferred":
                self.transferred[issued_for].add(event["ticket"])
            elif kind == "ticket.called":
                waited = float(event["waited_seconds"])
                self.waits[issued_for].append(waited)
                if waited > self.longest[0]:
                    self.longest = (waited, event["number"], issued_for)


def _score(mean: float | None) -> float | None:
    return None if mean is None else round(mean, 2)


def as_text(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['site']} — mô phỏng ngày {summary['day']}",
        f"{summary['tickets']} tickets issued, {summary['refused']} refused "
        f"(closed hours or cap), {summary['events']} events in the outbox",
        f"{summary['served']} served, {summary['no_shows']} no-shows (still missed at the "
        f"close); {summary['skips']} skips when nobody came ({summary['reentries']} of them "
        f"came back and re-entered the queue), {summary['recalls']} recalls, "
        f"{summary['transfers']} transfers",
        f"average wait {summary['average_wait_minutes']} min; longest "
        f"{summary['longest_wait']['minutes']} min ({summary['longest_wait']['number']}); "
        f"{summary['scans']} scans at the look-up scanner",
        "",
    ]
    head = [
        "SERVICE",
        "TICKETS",
        "SERVED",
        "NO-SHOWS",
        "TRANSFERRED",
        "AVG WAIT",
        "P90",
        "LONGEST",
        "AVG SERVICE",
    ]
    rows = [head] + [
        [
            s["name"],
            str(s["tickets"]),
            str(s["served"]),
            str(s["no_shows"]),
            str(s["transferred"]),
            f"{s['average_wait_minutes']} min",
            f"{s['p90_wait_minutes']} min",
            f"{s['longest_wait_minutes']} min",
            f"{s['average_service_minutes']} min",
        ]
        for s in summary["services"]
    ]
    lines += table(rows)
    lines.append("")
    for name, meaning in summary["definitions"].items():
        lines += textwrap.wrap(f"{label(name)}: {meaning}", 92, subsequent_indent="  ")
    lines.append("")
    lines.append(
        "counters: "
        + ", ".join(f"{c['number']}: {c['served']} served" for c in summary["counters"])
    )
    ratings = summary["ratings"]
    refused = ", ".join(f"{code} {n}" for code, n in sorted(ratings["refused"].items()))
    lines.append(
        f"ratings: {ratings['given']} given, refused: {refused or 'none'}; "
        + ", ".join(f"{label} {count}" for label, count in ratings["by_label"].items())
        + f"; mean score {ratings['mean_score']} on {ratings['score_scale']}"
    )
    if "procedures" in summary:
        lines.append(procedures_line(summary["procedures"]))
    if "central" in summary:
        lines.append(central_line(summary["central"]))
    if "central_web" in summary:
        web = summary["central_web"]
        lines.append(
            f"central's pages: not pictured ({web['skipped']})"
            if "skipped" in web
            else "central's pages: "
            + ", ".join(web["screenshots"])
            + f" pictured by chromium in {web['seconds']} s"
        )
    return "\n".join(line.rstrip() for line in lines)


def procedures_line(catalogue: dict[str, Any]) -> str:
    sizes = ", ".join(f"{code} {size:,} B" for code, size in catalogue["checklists"].items())
    return (
        f"procedures: {catalogue['imported']} imported into the catalogue "
        f"({catalogue['rejected']} rejected), {catalogue['searches']} searches, "
        f"checklists printed: {sizes}; {catalogue['screens']} pages of the look-up screen"
    )


def central_line(central: dict[str, Any]) -> str:
    if "skipped" in central:
        return f"central: not run ({central['skipped']})"
    verdict = (
        "its daily report matches the device's"
        if central["central_report_matches_device"]
        else "its daily report differs from the device's in " + ", ".join(central["differences"])
    )
    return (
        f"central: {central['events_stored_by_central']} of {central['events_sent']} events "
        f"stored by kiosk central over MQTT in {central['sync_seconds']} s, "
        f"{central['left_in_outbox']} left in the outbox; {verdict}\n"
        f"  {central['report_command']}"
    )
