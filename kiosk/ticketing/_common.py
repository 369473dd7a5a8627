"""Pieces shared by the queue operations: refusals, ticket rows, local time, the day."""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.config import Config, did_you_mean
from kiosk.rules.businessday import business_day, clock_went_back
from kiosk.store import Store, Tx, iso_utc, kv


class Refused(Exception):
    """A queue rule said no. ``code`` is stable for scripts; the text is for people."""

    def __init__(self, code: str, message: str, vi: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.vi = vi or message


@functools.cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_time(config: Config, now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, _zone(config.site.timezone))


TICKET_COLUMNS = (
    "id, uid, day, number, origin_service, service, priority, status, rank, issued_at, "
    "queued_at, called_at, finished_at, counter, recalls, reentries, service_seconds, staff"
)


@dataclass(frozen=True)
class Ticket:
    id: int
    uid: str
    day: str
    number: str
    origin_service: str
    service: str
    priority: bool
    status: str
    rank: int
    issued_at: float
    queued_at: float
    called_at: float | None
    finished_at: float | None
    counter: int | None
    recalls: int
    reentries: int
    service_seconds: float | None
    staff: str | None  # the officer at the counter that called it

    @classmethod
    def from_row(cls, row: sqlite3.Row | tuple[Any, ...]) -> Ticket:
        values = list(row)
        values[6] = bool(values[6])
        return cls(*values)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("issued_at", "queued_at", "called_at", "finished_at"):
            if out[key] is not None:
                out[key] = iso_utc(out[key])
        return out


def load_ticket(tx: Tx, where: str, params: Any) -> Ticket | None:
    row = tx.execute(f"SELECT {TICKET_COLUMNS} FROM tickets WHERE {where}", params).fetchone()
    return None if row is None else Ticket.from_row(row)


def reload(tx: Tx, ticket_id: int) -> Ticket:
    """The ticket as it is now inside the transaction (it exists: we just touched it)."""
    ticket = load_ticket(tx, "id = ?", (ticket_id,))
    if ticket is None:
        raise LookupError(f"ticket {ticket_id} vanished inside its transaction")
    return ticket


def front_rank(tx: Tx, service_id: str, rank: int) -> int:
    """A queue rank ahead of everyone now waiting for ``service_id`` (or ``rank`` if it is)."""
    lowest = tx.one(
        "SELECT MIN(rank) FROM tickets WHERE status = 'waiting' AND service = ?", (service_id,)
    )
    return rank if lowest is None or rank < lowest else int(lowest) - 1


def need_service(config: Config, service_id: str) -> None:
    ids = [s.id for s in config.services]
    if service_id not in ids:
        raise Refused(
            "unknown_service",
            f"unknown service {service_id!r}{did_you_mean(service_id, ids)}; "
            f"services: {', '.join(ids)}",
        )


def need_counter(config: Config, number: int) -> None:
    numbers = [c.number for c in config.counters]
    if number not in numbers:
        raise Refused(
            "unknown_counter",
            f"unknown counter {number}; counters: {', '.join(map(str, numbers))}",
        )


def current_day(db: kv.Executes, config: Config, now: float) -> str:
    """The business day as of ``now`` (never before the stored one), without writing: the
    day :func:`open_day` opens at the next change."""
    return business_day(kv.BUSINESS_DAY.read(db), local_time(config, now).date()).isoformat()


def open_day(tx: Tx, config: Config, now: float) -> str:
    """The current business day, opening a new one (and closing the old) when the date moved on.

    A clock behind the last recorded day keeps that day: numbers are never reused.
    """
    stored = kv.BUSINESS_DAY.read(tx)
    today = local_time(config, now).date()
    day = business_day(stored, today)
    last_seen = kv.LAST_SEEN.read(tx)
    if last_seen is not None and clock_went_back(last_seen, now):
        if not kv.CLOCK_BEHIND.read(tx):
            kv.CLOCK_BEHIND.write(tx, True)
            tx.event("clock.backwards", {"now": iso_utc(now), "last_seen": iso_utc(last_seen)})
    else:
        if kv.CLOCK_BEHIND.read(tx):
            kv.CLOCK_BEHIND.write(tx, False)
        kv.LAST_SEEN.write(tx, max(now, last_seen or 0.0))
    if day != stored:
        day_text = day.isoformat()
        expired = tx.execute(
            "UPDATE tickets SET status = 'expired', finished_at = ? "
            "WHERE status IN ('issued', 'waiting', 'called', 'missed') AND day < ?",
            (now, day_text),
        ).rowcount
        tx.execute(
            "UPDATE counter_state SET ticket_id = NULL, streak_priority = 0, streak_normal = 0, "
            "last_done_id = NULL, last_done_at = NULL"
        )
        kv.BUSINESS_DAY.write(tx, day)
        # The boards show today's calls; a week is kept for looking back.
        tx.execute("DELETE FROM calls WHERE day < date(?, '-7 days')", (day_text,))
        tx.event(
            "day.opened",
            {
                "day": day_text,
                "previous": None if stored is None else stored.isoformat(),
                "expired_tickets": expired,
            },
        )
    return day.isoformat()


@contextmanager
def change(store: Store, config: Config, now: float) -> Iterator[tuple[Tx, str]]:
    """A queue write transaction, on the current business day (opened first if it moved on).

    Every queue operation goes through here, so yesterday's leftovers have expired
    before any rule looks at a ticket or counter.
    """
    with store.change(now) as tx:
        yield tx, open_day(tx, config, now)
