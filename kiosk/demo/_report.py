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
    counters = [
        {
            "number": number,
            "served": count,
            "busy_minutes": round((busy or 0) / 60),
        }
        for number, count, busy in conn.execute(
            "SELECT counter, COUNT(*), SUM(service_seconds) FROM tickets WHERE status = 'done' "
            "GROUP BY counter ORDER BY counter"
        )
    ]
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
        "events": conn.execute("SELECT COUNT(*) FROM events").fetchone()[0],
        "services": services,
        "counters": counters,
    }


def as_text(summary: dict[str, Any]) -> str:
    lines = [
        f"{summary['site']} — mô phỏng ngày {summary['day']}",
        f"{summary['tickets']} tickets issued, {summary['refused']} refused "
        f"(closed hours or cap), {summary['events']} events in the outbox",
        f"average wait {summary['average_wait_minutes']} min; longest "
        f"{summary['longest_wait']['minutes']} min ({summary['longest_wait']['number']})",
        f"{summary['recalls']} recalls, {summary['reentries']} missed numbers re-entered, "
        f"{summary['transfers']} transfers",
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
    return "\n".join(line.rstrip() for line in lines)
