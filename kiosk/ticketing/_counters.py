"""What counter staff do: call next, recall, skip, done, transfer, pause, resume."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk import freetext
from kiosk.config import Config
from kiosk.rules.policy import Candidate, Streak, choose_next
from kiosk.store import Store, Tx, kv
from kiosk.ticketing._board import record_call
from kiosk.ticketing._common import (
    Refused,
    Ticket,
    change,
    front_rank,
    load_ticket,
    need_counter,
    need_service,
    reload,
)


@dataclass(frozen=True)
class CounterRow:
    counter: int
    ticket_id: int | None
    paused: bool
    pause_reason: str
    paused_at: float | None
    streak: Streak


@dataclass(frozen=True)
class Called:
    counter: int
    ticket: Ticket | None  # None: nobody is waiting
    finished: Ticket | None  # the ticket this call closed as done, if any

    def to_json(self) -> dict[str, Any]:
        return {
            "counter": self.counter,
            "called": None if self.ticket is None else self.ticket.to_json(),
            "finished": None if self.finished is None else self.finished.to_json(),
        }


def _counter(tx: Tx, number: int) -> CounterRow:
    tx.execute("INSERT OR IGNORE INTO counter_state (counter) VALUES (?)", (number,))
    row = tx.execute(
        "SELECT counter, ticket_id, paused, pause_reason, paused_at, streak_priority, "
        "streak_normal "
        "FROM counter_state WHERE counter = ?",
        (number,),
    ).fetchone()
    return CounterRow(row[0], row[1], bool(row[2]), row[3], row[4], Streak(row[5], row[6]))


def _serving(tx: Tx, counter: CounterRow) -> Ticket | None:
    if counter.ticket_id is None:
        return None
    ticket = load_ticket(tx, "id = ?", (counter.ticket_id,))
    return ticket if ticket is not None and ticket.status == "called" else None


def _need_serving(tx: Tx, config: Config, number: int) -> tuple[CounterRow, Ticket]:
    need_counter(config, number)
    counter = _counter(tx, number)
    ticket = _serving(tx, counter)
    if ticket is None:
        raise Refused("not_serving", f"counter {number} is not serving anyone")
    return counter, ticket


def _ref(ticket: Ticket, counter: int) -> dict[str, Any]:
    return {
        "ticket": ticket.uid,
        "number": ticket.number,
        "service": ticket.service,
        "counter": counter,
    }


def _finish(tx: Tx, ticket: Ticket, counter: int, auto: bool) -> Ticket:
    seconds = max(0.0, tx.now - (ticket.called_at or tx.now))
    tx.execute(
        "UPDATE tickets SET status = 'done', finished_at = ?, service_seconds = ? WHERE id = ?",
        (tx.now, seconds, ticket.id),
    )
    # The rating keys now belong to this ticket, for ratings.window_seconds.
    tx.execute(
        "UPDATE counter_state SET ticket_id = NULL, last_done_id = ?, last_done_at = ? "
        "WHERE counter = ?",
        (ticket.id, tx.now, counter),
    )
    tx.event(
        "ticket.done",
        {
            **_ref(ticket, counter),
            "service_seconds": round(seconds, 3),
            "auto": auto,
            "staff": ticket.staff,
        },
    )
    return reload(tx, ticket.id)


_CANDIDATE = "SELECT id, service, priority, rank, queued_at FROM tickets WHERE status = 'waiting'"


def _candidates(tx: Tx, services: tuple[str, ...], now: float, aging: float) -> list[Candidate]:
    """The only tickets the calling policy can pick: the head of each service's priority
    and normal queue, and the first in queue order of those waiting ``aging`` seconds.

    Each is one step down an index, so a call costs the same however long the queues
    are. "Aged" is tested exactly as :func:`choose_next` tests it (``now - queued_at >=
    aging``, the same floating-point sum); the range on ``queued_at`` only lets SQLite
    skip services where nobody has waited that long.
    """
    rows = []
    for service in services:
        for priority in (1, 0):
            rows.append(
                tx.execute(
                    f"{_CANDIDATE} AND service = ? AND priority = ? ORDER BY rank LIMIT 1",
                    (service, priority),
                ).fetchone()
            )
        oldest = tx.one(
            "SELECT MIN(queued_at) FROM tickets WHERE status = 'waiting' AND service = ?",
            (service,),
        )
        if oldest is not None and now - oldest >= aging:
            # Walk this service's queue in rank order to its first aged ticket.
            rows.append(
                tx.execute(
                    "SELECT id, service, priority, rank, queued_at FROM tickets "
                    "INDEXED BY tickets_queue WHERE status = 'waiting' AND service = ? "
                    "AND ? - queued_at >= ? ORDER BY rank LIMIT 1",
                    (service, now, aging),
                ).fetchone()
            )
    found = {row[0]: row for row in rows if row is not None}
    return [Candidate(r[0], r[1], bool(r[2]), r[3], r[4]) for r in found.values()]


def call_next(store: Store, config: Config, number: int, *, now: float) -> Called:
    """Call the next ticket for counter ``number`` across its services.

    A ticket still being served at the counter is closed as done first.
    """
    need_counter(config, number)
    services = config.counter(number).services
    with change(store, config, now) as (tx, day):
        counter = _counter(tx, number)
        if counter.paused:
            raise Refused(
                "paused", f"counter {number} is paused ({counter.pause_reason or 'no reason'})"
            )
        finished = None
        if (current := _serving(tx, counter)) is not None:
            finished = _finish(tx, current, number, auto=True)
        candidates = _candidates(tx, services, now, config.queue.aging_minutes * 60)
        choice = choose_next(candidates, services, config.queue, counter.streak, now)
        if choice is None:
            return Called(number, None, finished)
        chosen, streak = choice
        tx.execute(
            "UPDATE tickets SET status = 'called', called_at = ?, counter = ?, staff = ? "
            "WHERE id = ?",
            (now, number, config.counter(number).staff_id or None, chosen.ticket_id),
        )
        tx.execute(
            "UPDATE counter_state SET ticket_id = ?, streak_priority = ?, streak_normal = ? "
            "WHERE counter = ?",
            (chosen.ticket_id, streak.priority, streak.normal, number),
        )
        ticket = reload(tx, chosen.ticket_id)
        waited = round(max(0.0, now - ticket.queued_at), 3)
        record_call(tx, day, ticket, number, "call", waited=waited)
        tx.event(
            "ticket.called",
            {
                **_ref(ticket, number),
                "priority": ticket.priority,
                "waited_seconds": waited,
                "staff": ticket.staff,
            },
        )
    return Called(number, ticket, finished)


def recall(store: Store, config: Config, number: int, *, now: float) -> Ticket:
    """Announce the number being served again."""
    with change(store, config, now) as (tx, day):
        _, ticket = _need_serving(tx, config, number)
        tx.execute("UPDATE tickets SET recalls = recalls + 1 WHERE id = ?", (ticket.id,))
        record_call(tx, day, ticket, number, "recall")
        tx.event("ticket.recalled", {**_ref(ticket, number), "recalls": ticket.recalls + 1})
        return reload(tx, ticket.id)


def skip(store: Store, config: Config, number: int, *, now: float) -> Ticket:
    """The citizen did not come: the number goes to the missed list."""
    with change(store, config, now) as (tx, _):
        _, ticket = _need_serving(tx, config, number)
        tx.execute(
            "UPDATE tickets SET status = 'missed', finished_at = ? WHERE id = ?", (now, ticket.id)
        )
        tx.execute("UPDATE counter_state SET ticket_id = NULL WHERE counter = ?", (number,))
        tx.event("ticket.skipped", _ref(ticket, number))
        return reload(tx, ticket.id)


def done(store: Store, config: Config, number: int, *, now: float) -> Ticket:
    """Service finished; its duration feeds the wait estimate."""
    with change(store, config, now) as (tx, _):
        _, ticket = _need_serving(tx, config, number)
        return _finish(tx, ticket, number, auto=False)


def transfer(store: Store, config: Config, number: int, service_id: str, *, now: float) -> Ticket:
    """Send the citizen being served to another service's queue, keeping their number."""
    need_service(config, service_id)
    with change(store, config, now) as (tx, _):
        _, ticket = _need_serving(tx, config, number)
        if ticket.service == service_id:
            raise Refused("same_service", f"ticket {ticket.number} is already in {service_id}")
        if config.queue.transfer_position == "front":
            rank, queued_at = front_rank(tx, service_id, ticket.rank), ticket.issued_at
        else:
            rank, queued_at = kv.RANK.bump(tx), now
        tx.execute(
            "UPDATE tickets SET status = 'waiting', service = ?, rank = ?, queued_at = ?, "
            "counter = NULL, called_at = NULL, staff = NULL WHERE id = ?",
            (service_id, rank, queued_at, ticket.id),
        )
        tx.execute("UPDATE counter_state SET ticket_id = NULL WHERE counter = ?", (number,))
        served = max(0.0, now - (ticket.called_at or now))
        tx.event(
            "ticket.transferred",
            {**_ref(ticket, number), "to_service": service_id, "served_seconds": round(served, 3)},
        )
        return reload(tx, ticket.id)


def pause(store: Store, config: Config, number: int, reason: str, *, now: float) -> None:
    """Stop calling at a counter (break, meeting); the ticket being served stays. A
    ``reason`` that breaks the rule of :mod:`kiosk.freetext` (at most
    :data:`~kiosk.freetext.MAX_REASON` characters) is refused with
    :class:`~kiosk.freetext.BadText`; "" records none."""
    reason = freetext.field("pause reason", reason, freetext.MAX_REASON)
    need_counter(config, number)
    with change(store, config, now) as (tx, _):
        counter = _counter(tx, number)
        if counter.paused:
            raise Refused("already_paused", f"counter {number} is already paused")
        tx.execute(
            "UPDATE counter_state SET paused = 1, pause_reason = ?, paused_at = ? "
            "WHERE counter = ?",
            (reason, now, number),
        )
        tx.event("counter.paused", {"counter": number, "reason": reason})


def resume(store: Store, config: Config, number: int, *, now: float) -> None:
    need_counter(config, number)
    with change(store, config, now) as (tx, _):
        counter = _counter(tx, number)
        if not counter.paused:
            raise Refused("not_paused", f"counter {number} is not paused")
        tx.execute(
            "UPDATE counter_state SET paused = 0, pause_reason = '', paused_at = NULL "
            "WHERE counter = ?",
            (number,),
        )
        paused_for = max(0.0, now - (counter.paused_at or now))
        tx.event("counter.resumed", {"counter": number, "paused_seconds": round(paused_for, 3)})
