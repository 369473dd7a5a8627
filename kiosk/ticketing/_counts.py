"""How many of a business day's tickets are in each state: what ``kiosk status``, the
wall display and sync's state message show, counted by one function for all of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.store.kv import Executes


@dataclass(frozen=True)
class Waiting:
    """A day's tickets waiting, per (service, priority): priority 1 for a priority ticket."""

    by: Mapping[tuple[str, int], int]

    def count(self, service: str | None = None, *, priority: int | None = None) -> int:
        """Tickets waiting (for ``service``, of ``priority``, when given)."""
        return sum(
            count
            for (of, prio), count in self.by.items()
            if service in (None, of) and priority in (None, prio)
        )


@dataclass(frozen=True)
class QueueCounts:
    """A business day's tickets counted, in one read."""

    day: str
    waiting: Waiting
    by_status: Mapping[str, int]  # every ticket of the day, per status
    done_by_counter: Mapping[int, int]  # tickets served, per counter

    @property
    def issued(self) -> int:
        """Tickets issued that day, voided ones left out."""
        return sum(self.by_status.values()) - self.by_status.get("void", 0)

    @property
    def serving(self) -> int:
        """Tickets called to a counter now."""
        return self.by_status.get("called", 0)

    @property
    def done(self) -> int:
        return self.by_status.get("done", 0)

    @property
    def missed(self) -> int:
        """Tickets called that did not come (and have not come back since)."""
        return self.by_status.get("missed", 0)


def waiting_counts(db: Executes, day: str) -> Waiting:
    """Tickets of ``day`` waiting: one cheap read (an index holds the waiting tickets), for
    what shows the queues after every change (the wall), where counting the whole day's
    tickets would cost more."""
    rows = db.execute(
        "SELECT service, priority, COUNT(*) FROM tickets "
        "WHERE status = 'waiting' AND day = ? GROUP BY service, priority",
        (day,),
    )
    return Waiting({(service, priority): count for service, priority, count in rows})


def queue_counts(db: Executes, day: str) -> QueueCounts:
    """``day``'s tickets counted: waiting per service, per status, served per counter."""
    by_status: dict[str, int] = {}
    done_by_counter: dict[int, int] = {}
    for status, counter, count in db.execute(
        "SELECT status, counter, COUNT(*) FROM tickets WHERE day = ? GROUP BY status, counter",
        (day,),
    ):
        by_status[status] = by_status.get(status, 0) + count
        if status == "done":
            done_by_counter[counter] = count
    return QueueCounts(day, waiting_counts(db, day), by_status, done_by_counter)


def last_ticket_day(db: Executes) -> str | None:
    """The latest day any ticket was issued on; None before the first ticket."""
    day = db.execute("SELECT max(day) FROM tickets").fetchone()[0]
    return None if day is None else str(day)
