"""A business day's statistics, computed from the events alone: the same function serves
central (which has only the events) and the device, so the two can be compared.

Tickets count by their business day (the ``day`` of ``ticket.issued``); everything that
happens to a ticket counts on that day. :func:`device_report` computes the same figures from
a device's tables, so the two can be checked against each other.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kiosk.figures import Figures


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


@dataclass
class _Tally:
    """What the events of a business day's tickets add up to, taken one at a time."""

    issued: dict[str, str]  # ticket uid -> service, for the day's tickets
    printed: set[str] = field(default_factory=set)
    voided: set[str] = field(default_factory=set)
    waits: list[float] = field(default_factory=list)
    waits_by_service: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    service_times: list[float] = field(default_factory=list)
    missed: set[str] = field(default_factory=set)
    ratings: dict[tuple[str, Any], list[float]] = field(default_factory=lambda: defaultdict(list))

    def take(self, kind: str, data: dict[str, Any]) -> None:
        uid = data.get("ticket")
        if uid not in self.issued:
            return
        if kind == "ticket.printed":
            self.printed.add(uid)
        elif kind == "ticket.voided":
            self.voided.add(uid)
        elif kind == "ticket.called" and "waited_seconds" in data:
            self.waits.append(float(data["waited_seconds"]))
            self.waits_by_service[self.issued[uid]].append(float(data["waited_seconds"]))
        elif kind == "ticket.done":
            self.service_times.append(float(data["service_seconds"]))
        elif kind == "ticket.skipped":
            self.missed.add(uid)  # the last of skipped / re-entered decides
        elif kind == "ticket.reentered":
            self.missed.discard(uid)
        elif kind == "ticket.rated":
            score = float(data["score"])
            self.ratings[("counter", int(data["counter"]))].append(score)
            if data.get("staff"):
                self.ratings[("officer", str(data["staff"]))].append(score)

    def tickets_by_service(self) -> dict[str, int]:
        """The day's tickets printed and not voided, per service."""
        by_service: dict[str, int] = defaultdict(int)
        for uid, service in self.issued.items():
            if uid in self.printed and uid not in self.voided:
                by_service[service] += 1
        return by_service


def daily_report(events: Iterable[dict[str, Any]], day: str) -> dict[str, Any]:
    """``events``: dicts with ``type`` and ``data``, each device's in seq order (days and
    devices may be mixed)."""
    issued: dict[str, str] = {}
    later: list[dict[str, Any]] = []
    for event in events:
        kind, data = event["type"], event["data"]
        if kind == "ticket.issued" and data.get("day") == day:
            issued[data["ticket"]] = data["service"]
        elif kind.startswith("ticket."):
            later.append(event)
    tally = _Tally(issued)
    for event in later:
        tally.take(event["type"], event["data"])
    return _summary(
        day,
        tally.tickets_by_service(),
        len(tally.voided),
        tally.waits,
        tally.waits_by_service,
        tally.service_times,
        len(tally.missed),
        tally.ratings,
    )


def device_report(conn: sqlite3.Connection, day: str) -> dict[str, Any]:
    """The same statistics from a device's own tables (its events leave once central has
    acked them): tickets, the calls with how long each citizen waited, and ratings. For the
    current business day: at the next one, tickets still missed are marked expired."""
    by_service: dict[str, int] = defaultdict(int)
    voided = missed = 0
    service_times: list[float] = []
    for service, status, seconds in conn.execute(
        "SELECT origin_service, status, service_seconds FROM tickets WHERE day = ?", (day,)
    ):
        if status == "void":
            voided += 1
            continue
        if status != "issued":  # printed (or issued without a printer)
            by_service[service] += 1
        if status == "missed":
            missed += 1
        elif status == "done":
            service_times.append(round(float(seconds), 3))
    waits: list[float] = []
    waits_by_service: dict[str, list[float]] = defaultdict(list)
    for service, waited in conn.execute(
        "SELECT t.origin_service, c.waited FROM calls c JOIN tickets t ON t.id = c.ticket_id "
        "WHERE t.day = ? AND c.kind = 'call' AND c.waited IS NOT NULL ORDER BY c.id",
        (day,),
    ):
        waits.append(float(waited))
        waits_by_service[service].append(float(waited))
    ratings: dict[tuple[str, Any], list[float]] = defaultdict(list)
    for counter, staff, score in conn.execute(
        "SELECT r.counter, r.staff, r.score FROM ratings r JOIN tickets t ON t.id = r.ticket_id "
        "WHERE t.day = ? ORDER BY r.id",
        (day,),
    ):
        ratings[("counter", int(counter))].append(float(score))
        if staff:
            ratings[("officer", str(staff))].append(float(score))
    return _summary(
        day, by_service, voided, waits, waits_by_service, service_times, missed, ratings
    )


def _summary(  # noqa: PLR0917 (the figures, in the report's order)
    day: str,
    by_service: dict[str, int],
    voided: int,
    waits: list[float],
    waits_by_service: dict[str, list[float]],
    service_times: list[float],
    missed: int,
    ratings: dict[tuple[str, Any], list[float]],
) -> dict[str, Any]:
    every = _waited(waits)
    served = Figures()
    for seconds in service_times:
        served.add_service(seconds)
    return {
        "day": day,
        "tickets": sum(by_service.values()),
        "tickets_by_service": dict(sorted(by_service.items())),
        "voided": voided,
        "called": len(waits),
        "wait_seconds": {"mean": every.wait_mean(), "p90": every.wait_p90()},
        "wait_seconds_by_service": {
            service: {"mean": figures.wait_mean(), "p90": figures.wait_p90()}
            for service, values in sorted(waits_by_service.items())
            for figures in [_waited(values)]
        },
        "service_seconds": {"mean": served.service_mean(), "served": served.served},
        "no_shows": missed,
        "ratings": {
            "by_counter": _ratings(ratings, "counter"),
            "by_officer": _ratings(ratings, "officer"),
        },
    }


def _waited(waits: list[float]) -> Figures:
    figures = Figures()
    for seconds in waits:
        figures.add_wait(seconds)
    return figures


def _ratings(ratings: dict[tuple[str, Any], list[float]], kind: str) -> dict[str, Any]:
    chosen = sorted((str(key), scores) for (which, key), scores in ratings.items() if which == kind)
    return {key: {"n": len(scores), "mean": _mean(scores)} for key, scores in chosen}
