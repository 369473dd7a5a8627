"""What the public boards show: the calls made, who each counter serves, who waits.

Every call and recall is written to ``calls`` in the transaction that makes it, so
the wall display and the voice see each one exactly once, in order, however long
they were away. The event outbox is not used for this: it is pruned once central
has the events.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from kiosk import freetext
from kiosk.config import Config
from kiosk.freetext import MAX_NOTICE
from kiosk.store import Store, Tx, kv
from kiosk.ticketing._common import Ticket, current_day
from kiosk.ticketing._counter_rows import UNUSED, counter_rows
from kiosk.ticketing._counts import waiting_counts


def record_call(
    tx: Tx, day: str, ticket: Ticket, counter: int, kind: str, *, waited: float | None = None
) -> None:
    """A call or recall for the wall display and the voice; a call keeps how long the
    citizen waited (the same figure as its ``ticket.called`` event)."""
    tx.execute(
        "INSERT INTO calls (day, ticket_id, number, service, counter, kind, at, waited) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (day, ticket.id, ticket.number, ticket.service, counter, kind, tx.now, waited),
    )


@dataclass(frozen=True)
class Call:
    id: int
    number: str
    service: str
    counter: int
    kind: str  # call | recall
    at: float


@dataclass(frozen=True)
class CounterBoard:
    number: int
    label: str
    serving: str | None
    paused: bool
    pause_reason: str


@dataclass(frozen=True)
class ServiceBoard:
    id: str
    name: str
    waiting: int


@dataclass(frozen=True)
class Board:
    """One consistent read of everything the wall display shows."""

    day: str
    # Newest first, one per ticket: its latest call, a recall ("recall") moving it to the top.
    # A day's numbers are unique, so no number is listed twice: screens show them as they are.
    calls: tuple[Call, ...]
    counters: tuple[CounterBoard, ...]
    services: tuple[ServiceBoard, ...]
    notice: str  # central's notice while it lasts, else the configured one

    @property
    def newest(self) -> Call | None:
        return self.calls[0] if self.calls else None


_CALL_COLUMNS = "id, number, service, counter, kind, at"


def _latest_calls(conn: sqlite3.Connection, day: str, count: int) -> tuple[Call, ...]:
    """The day's ``count`` latest called tickets, newest first, each once: a recall (or a
    call at another counter) replaces the ticket's earlier calls, so a citizen called twice
    is never listed as two. Rows are read newest first until ``count`` tickets are found."""
    found: dict[int, Call] = {}
    if count <= 0:
        return ()
    rows = conn.execute(
        f"SELECT {_CALL_COLUMNS}, ticket_id FROM calls WHERE day = ? ORDER BY id DESC", (day,)
    )
    try:
        for row in rows:
            found.setdefault(row[-1], Call(*row[:-1]))
            if len(found) >= count:
                break
    finally:
        rows.close()
    return tuple(found.values())


def read_board(store: Store, config: Config, *, now: float, history: int = 10) -> Board:
    with store.read() as conn:
        day = current_day(conn, config, now)
        calls = _latest_calls(conn, day, history)
        states = counter_rows(conn, day)
        waiting = waiting_counts(conn, day)
        notice = kv.NOTICE.read(conn)
    counters = []
    for counter in config.counters:
        state = states.get(counter.number, UNUSED)
        number = None if state.serving is None else state.serving.number
        counters.append(
            CounterBoard(counter.number, counter.label, number, state.paused, state.pause_reason)
        )
    services = tuple(ServiceBoard(s.id, s.name, waiting.count(s.id)) for s in config.services)
    live = "" if notice is None else notice.live(now)
    return Board(day, calls, tuple(counters), services, live or config.display.notice)


def calls_after(store: Store, after_id: int, *, limit: int = 100) -> list[Call]:
    """Calls made since call ``after_id``, oldest first (what the voice has still to say)."""
    with store.read() as conn:
        return [
            Call(*row)
            for row in conn.execute(
                f"SELECT {_CALL_COLUMNS} FROM calls WHERE id > ? ORDER BY id LIMIT ?",
                (after_id, limit),
            )
        ]


def voice_start(store: Store, reader: str, *, now: float, stale_seconds: float) -> int:
    """The call after which a (re)started voice goes on: the last one it handled, but
    nothing already too old to say and nothing beyond the newest call."""
    with store.read() as conn:
        saved = kv.said(reader).read(conn)
        old = conn.execute("SELECT MAX(id) FROM calls WHERE at < ?", (now - stale_seconds,))
        too_old = int(old.fetchone()[0] or 0)
        newest = int(conn.execute("SELECT MAX(id) FROM calls").fetchone()[0] or 0)
    if saved is None:
        return newest  # first start: only what is called from now on
    return min(newest, max(saved, too_old))


def mark_said(store: Store, reader: str, call_id: int, *, now: float) -> None:
    """Remember the last call the voice took up (said or dropped), across restarts."""
    with store.change(now) as tx:
        kv.said(reader).write(tx, call_id)


def set_notice(store: Store, text: str, *, now: float, minutes: float | None = None) -> None:
    """Replace the configured notice on the wall display ("" clears), for ``minutes`` or
    until cleared. Central's "broadcast notice" command lands here too. Text that breaks
    the rule of :mod:`kiosk.freetext` (at most :data:`MAX_NOTICE` characters) is refused
    with :class:`~kiosk.freetext.BadText`, whoever the caller."""
    text = freetext.field("notice", text, MAX_NOTICE)
    until = None if minutes is None else now + minutes * 60
    with store.change(now) as tx:
        kv.NOTICE.write(tx, kv.Notice(text, until))
        tx.event("notice.set", {"text": text, "minutes": minutes})
