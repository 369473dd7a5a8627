"""The demo's summary: tickets per service, waits, counters; as text and JSON."""

from __future__ import annotations

import json
from typing import Any

from kiosk.cli._render import table
from kiosk.config import Config
from kiosk.demo._sim import Tally
from kiosk.stats import percentile
from kiosk.store import Store


def summarise(store: Store, config: Config, tally: Tally) -> dict[str, Any]:
    conn = store.conn
    waits: dict[str, list[float]] = {s.id: [] for s in config.services}
    longest: tuple[float, str, str] = (0.0, "", "")
    for (data,) in conn.execute("SELECT data FROM events WHERE type = 'ticket.called'"):
        event = json.loads(data)
        waits[event["service"]].append(event["waited_seconds"])
        if event["waited_seconds"] > longest[0]:
            longest = (event["waited_seconds"], event["number"], event["service"])
    services = []
    for service in config.services:
        rows = dict(
            conn.execute(
                "SELECT status, COUNT(*) FROM tickets WHERE origin_service = ? GROUP BY status",
                (service.id,),
            ).fetchall()
        )
        served = conn.execute(
            "SELECT COUNT(*), AVG(service_seconds) FROM tickets WHERE service = ? "
            "AND status = 'done'",
            (service.id,),
        ).fetchone()
        mine = waits[service.id]
        services.append(
            {
                "id": service.id,
                "name": service.name,
                "tickets": sum(rows.values()),
                "served": served[0],
                "no_shows": rows.get("missed", 0),
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
    every_wait = [w for values in waits.values() for w in values]
    return {
        "site": config.site.name,
        "day": conn.execute("SELECT value FROM kv WHERE key = 'business_day'").fetchone()[0],
        "tickets": tally.issued,
        "refused": sum(sum(codes.values()) for codes in tally.refused.values()),
        "average_wait_minutes": round(sum(every_wait) / max(1, len(every_wait)) / 60, 1),
        "longest_wait": {
            "minutes": round(longest[0] / 60, 1),
            "number": longest[1],
            "service": longest[2],
        },
        "recalls": tally.recalls,
        "reentries": tally.reentries,
        "transfers": tally.transfers,
        "scans": tally.scans,
        "events": conn.execute("SELECT COUNT(*) FROM events").fetchone()[0],
        "services": services,
        "counters": counters,
        "ratings": ratings,
    }


def _score(mean: float | None) -> float | None:
    return None if mean is None else round(mean, 2)


def as_text(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['site']} — mô phỏng ngày {summary['day']}",
        f"{summary['tickets']} tickets issued, {summary['refused']} refused "
        f"(closed hours or cap), {summary['events']} events in the outbox",
        f"average wait {summary['average_wait_minutes']} min; longest "
        f"{summary['longest_wait']['minutes']} min ({summary['longest_wait']['number']})",
        f"{summary['recalls']} recalls, {summary['reentries']} missed numbers re-entered, "
        f"{summary['transfers']} transfers, {summary['scans']} scans at the look-up scanner",
        "",
    ]
    head = ["SERVICE", "TICKETS", "SERVED", "NO-SHOW", "AVG WAIT", "P90", "LONGEST", "AVG SERVICE"]
    rows = [head] + [
        [s["name"], str(s["tickets"]), str(s["served"]), str(s["no_shows"]),
         f"{s['average_wait_minutes']} min", f"{s['p90_wait_minutes']} min",
         f"{s['longest_wait_minutes']} min", f"{s['average_service_minutes']} min"]
        for s in summary["services"]
    ]  # fmt: skip
    lines += table(rows)
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
    if "central" in summary:
        lines.append(central_line(summary["central"]))
    return "\n".join(line.rstrip() for line in lines)


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
