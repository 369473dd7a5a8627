"""Issuing tickets and their print outcome; late re-entry of a missed number."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from kiosk.config import Config
from kiosk.rules.hours import check_issue
from kiosk.rules.numbering import daily_limit, format_number
from kiosk.store import Store, Tx, kv
from kiosk.ticketing._common import (
    Refused,
    Ticket,
    change,
    current_day,
    front_rank,
    load_ticket,
    local_time,
    need_service,
    reload,
)
from kiosk.ticketing._estimate import ahead_of, wait_minutes


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    ahead: int
    wait_minutes: int | None

    def to_json(self) -> dict[str, Any]:
        return {**self.ticket.to_json(), "ahead": self.ahead, "wait_minutes": self.wait_minutes}


def issue(
    store: Store,
    config: Config,
    service_id: str,
    *,
    now: float,
    priority: bool = False,
    printed: bool = False,
) -> Issued:
    """Take the next number of the day for ``service_id``.

    The ticket starts as ``issued`` and becomes callable only once printed
    (``printed=True`` marks it printed in the same transaction). Outside opening
    hours or past the daily cap it is refused, and the refusal is recorded.
    """
    need_service(config, service_id)
    service = config.service(service_id)
    refusal: Refused | None = None
    with change(store, config, now) as (tx, day):
        closed = check_issue(config.hours, service, local_time(config, now))
        last = tx.one(
            "SELECT last FROM day_numbers WHERE day = ? AND service = ?", (day, service_id)
        )
        last = int(last or 0)
        if closed is not None:
            refusal = Refused(closed.code, f"{service.name}: {closed.message}", closed.message)
        elif last >= daily_limit(service):
            message = f"Đã hết số thứ tự {service.name} hôm nay."
            refusal = Refused("cap_reached", message, message)
        if refusal is not None:
            _refused(tx, service_id, priority, refusal.code)
        else:
            seq = last + 1
            tx.execute(
                "INSERT INTO day_numbers (day, service, last) VALUES (?, ?, ?) "
                "ON CONFLICT (day, service) DO UPDATE SET last = excluded.last",
                (day, service_id, seq),
            )
            number = format_number(service, seq)
            rank = kv.RANK.bump(tx)
            uid = str(uuid.uuid4())
            ahead = ahead_of(tx, service_id, rank, priority)
            cursor = tx.execute(
                "INSERT INTO tickets (uid, day, number, seq, origin_service, service, priority, "
                "status, rank, issued_at, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    uid,
                    day,
                    number,
                    seq,
                    service_id,
                    service_id,
                    int(priority),
                    "waiting" if printed else "issued",
                    rank,
                    now,
                    now,
                ),
            )
            ticket = reload(tx, int(cursor.lastrowid or 0))
            wait = wait_minutes(tx, config, service_id, ahead)
            tx.event(
                "ticket.issued",
                {
                    "ticket": uid,
                    "number": number,
                    "service": service_id,
                    "priority": priority,
                    "day": day,
                    "ahead": ahead,
                    "wait_minutes": wait,
                },
            )
            if printed:
                tx.event("ticket.printed", {"ticket": uid, "number": number})
    if refusal is not None:
        raise refusal
    return Issued(ticket, ahead, wait)


def _refused(tx: Tx, service_id: str, priority: bool, reason: str) -> None:
    tx.event("ticket.refused", {"service": service_id, "priority": priority, "reason": reason})


def refuse(
    store: Store, config: Config, service_id: str, reason: str, *, priority: bool, now: float
) -> None:
    """Record a press that got no ticket for a reason outside the queue (e.g. the printer)."""
    with change(store, config, now) as (tx, _):
        _refused(tx, service_id, priority, reason)


def _print_outcome(
    store: Store, config: Config, ticket_uid: str, *, failure: str | None, now: float
) -> Ticket:
    """Settle an ``issued`` ticket: printed (joins the queue now) or voided with a reason."""
    status, column, event = (
        ("waiting", "queued_at", "ticket.printed")
        if failure is None
        else ("void", "finished_at", "ticket.voided")
    )
    with change(store, config, now) as (tx, _):
        ticket = load_ticket(tx, "uid = ?", (ticket_uid,))
        if ticket is None or ticket.status != "issued":
            raise Refused("not_awaiting_print", f"ticket {ticket_uid} is not awaiting print")
        tx.execute(
            f"UPDATE tickets SET status = ?, {column} = ? WHERE id = ?", (status, now, ticket.id)
        )
        data: dict[str, Any] = {"ticket": ticket.uid, "number": ticket.number}
        if failure is not None:
            data["reason"] = failure
        tx.event(event, data)
        return reload(tx, ticket.id)


def mark_printed(store: Store, config: Config, ticket_uid: str, *, now: float) -> Ticket:
    """The printer confirmed the ticket: it joins the queue."""
    return _print_outcome(store, config, ticket_uid, failure=None, now=now)


def void(store: Store, config: Config, ticket_uid: str, reason: str, *, now: float) -> Ticket:
    """The print failed: the number is never called (and never reused)."""
    return _print_outcome(store, config, ticket_uid, failure=reason, now=now)


def reentry_refused(config: Config, ticket: Ticket, now: float) -> Refused | None:
    """Why a missed ticket cannot re-enter now (None: it can)."""
    queue = config.queue
    if ticket.status != "missed":
        return Refused("not_missed", f"ticket {ticket.number} is {ticket.status}, not missed")
    late = now - (ticket.finished_at or now)
    if late > queue.missed_tolerance_minutes * 60:
        return Refused(
            "too_late",
            f"ticket {ticket.number} was missed {int(late // 60)} min ago; re-entry is "
            f"allowed within {queue.missed_tolerance_minutes} min",
            "Số thứ tự đã quá thời gian chờ, mời lấy số mới.",
        )
    if ticket.reentries >= queue.max_reentries:
        return Refused(
            "reentry_limit",
            f"ticket {ticket.number} has already re-entered {ticket.reentries} time(s)",
            "Số thứ tự đã hết lượt vào lại, mời lấy số mới.",
        )
    return None


def reenter(store: Store, config: Config, number: str, *, now: float) -> Ticket:
    """A missed (no-show) number comes back within the tolerance and goes to the front."""
    with change(store, config, now) as (tx, day):
        ticket = load_ticket(tx, "day = ? AND number = ?", (day, number.strip().upper()))
        if ticket is None:
            raise Refused("unknown_ticket", f"no ticket {number} today")
        if (refused := reentry_refused(config, ticket, now)) is not None:
            raise refused
        tx.execute(
            "UPDATE tickets SET status = 'waiting', reentries = reentries + 1, counter = NULL, "
            "finished_at = NULL, rank = ? WHERE id = ?",
            (front_rank(tx, ticket.service, ticket.rank), ticket.id),
        )
        tx.event(
            "ticket.reentered",
            {"ticket": ticket.uid, "number": ticket.number, "service": ticket.service},
        )
        return reload(tx, ticket.id)


@dataclass(frozen=True)
class Position:
    """Where a ticket stands: for the look-up screen when its QR is scanned."""

    ticket: Ticket
    current_day: str  # the business day now (a ticket of another day is no longer valid)
    ahead: int | None  # waiting tickets only
    wait_minutes: int | None


def ticket_position(
    store: Store, config: Config, day: str, number: str, *, now: float
) -> Position | None:
    """The ticket ``number`` of business day ``day`` as it is now; None if there is none."""
    with store.read() as conn:
        tx = Tx(conn, now)
        ticket = load_ticket(tx, "day = ? AND number = ?", (day, number))
        if ticket is None:
            return None
        ahead, wait = _standing(tx, config, ticket)
        return Position(ticket, current_day(tx, config, now), ahead, wait)


def last_printed(store: Store, config: Config, *, now: float) -> Issued | None:
    """The last ticket printed this business day, with where it stands now (a reprint)."""
    with store.read() as conn:
        tx = Tx(conn, now)
        day = current_day(tx, config, now)
        ticket = load_ticket(
            tx,
            "day = ? AND status IN ('waiting', 'called', 'done', 'missed') "
            "ORDER BY id DESC LIMIT 1",
            (day,),
        )
        if ticket is None:
            return None
        ahead, wait = _standing(tx, config, ticket)
        return Issued(ticket, ahead or 0, wait)


def _standing(tx: Tx, config: Config, ticket: Ticket) -> tuple[int | None, int | None]:
    """How many are ahead of a waiting ticket and its estimated wait; (None, None) for a
    ticket no longer waiting."""
    if ticket.status != "waiting":
        return None, None
    ahead = ahead_of(tx, ticket.service, ticket.rank, ticket.priority)
    return ahead, wait_minutes(tx, config, ticket.service, ahead)
