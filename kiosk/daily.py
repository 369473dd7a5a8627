"""A business day's statistics, computed from the events alone: the same function serves
central (which has only the events) and the device, so the two can be compared.

Tickets count by their business day (the ``day`` of ``ticket.issued``); everything that
happens to a ticket counts on that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from kiosk.stats import percentile


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def daily_report(events: Iterable[dict[str, Any]], day: str) -> dict[str, Any]:
    """``events``: dicts with ``type`` and ``data``, each device's in seq order (days and
    devices may be mixed)."""
    issued: dict[str, str] = {}  # ticket uid -> service, for the day's tickets
    printed: set[str] = set()
    voided: set[str] = set()
    waits: list[float] = []
    waits_by_service: dict[str, list[float]] = defaultdict(list)
    service_times: list[float] = []
    missed: set[str] = set()
    ratings: dict[tuple[str, Any], list[float]] = defaultdict(list)
    later: list[dict[str, Any]] = []
    for event in events:
        kind, data = event["type"], event["data"]
        if kind == "ticket.issued" and data.get("day") == day:
            issued[data["ticket"]] = data["service"]
        elif kind.startswith("ticket."):
            later.append(event)
    for event in later:
        kind, data = event["type"], event["data"]
        uid = data.get("ticket")
        if uid not in issued:
            continue
        if kind == "ticket.printed":
            printed.add(uid)
        elif kind == "ticket.voided":
            voided.add(uid)
        elif kind == "ticket.called" and "waited_seconds" in data:
            waits.append(float(data["waited_seconds"]))
            waits_by_service[issued[uid]].append(float(data["waited_seconds"]))
        elif kind == "ticket.done":
            service_times.append(float(data["service_seconds"]))
        elif kind == "ticket.skipped":
            missed.add(uid)  # the last of skipped / re-entered decides
        elif kind == "ticket.reentered":
            missed.discard(uid)
        elif kind == "ticket.rated":
            score = float(data["score"])
            ratings[("counter", int(data["counter"]))].append(score)
            if data.get("staff"):
                ratings[("officer", str(data["staff"]))].append(score)
    by_service: dict[str, int] = defaultdict(int)
    for uid, service in issued.items():
        if uid in printed and uid not in voided:
            by_service[service] += 1
    return {
        "day": day,
        "tickets": sum(by_service.values()),
        "tickets_by_service": dict(sorted(by_service.items())),
        "voided": len(voided),
        "called": len(waits),
        "wait_seconds": {
            "mean": _mean(waits),
            "p90": round(percentile(waits, 0.9), 1) if waits else None,
        },
        "wait_seconds_by_service": {
            service: {"mean": _mean(values), "p90": round(percentile(values, 0.9), 1)}
            for service, values in sorted(waits_by_service.items())
        },
        "service_seconds": {"mean": _mean(service_times), "served": len(service_times)},
        "no_shows": len(missed),
        "ratings": {
            "by_counter": _ratings(ratings, "counter"),
            "by_officer": _ratings(ratings, "officer"),
        },
    }


def _ratings(ratings: dict[tuple[str, Any], list[float]], kind: str) -> dict[str, Any]:
    chosen = sorted((str(key), scores) for (which, key), scores in ratings.items() if which == kind)
    return {key: {"n": len(scores), "mean": _mean(scores)} for key, scores in chosen}
