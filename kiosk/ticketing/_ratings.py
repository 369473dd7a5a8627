"""Satisfaction ratings: one per ticket, from the counter that just finished it, in time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.config import Config
from kiosk.store import Store, Tx, iso_utc
from kiosk.ticketing._common import Refused, Ticket, change, load_ticket, need_counter


@dataclass(frozen=True)
class Rating:
    ticket: Ticket
    counter: int
    choice: int  # 1 = the first of ratings.labels
    label: str
    score: int  # higher is better: len(labels) for the first label, 1 for the last
    rated_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket.uid,
            "number": self.ticket.number,
            "counter": self.counter,
            "service": self.ticket.service,
            "staff": self.ticket.staff,
            "choice": self.choice,
            "label": self.label,
            "score": self.score,
            "rated_at": iso_utc(self.rated_at),
        }


def _target(tx: Tx, config: Config, day: str, number: int, ticket_number: str | None) -> Ticket:
    """The ticket the rating keys at counter ``number`` belong to now, or why none does."""
    row = tx.execute(
        "SELECT last_done_id, last_done_at FROM counter_state WHERE counter = ?", (number,)
    ).fetchone()
    last_id, last_at = (None, None) if row is None else row
    if ticket_number is not None:
        ticket_number = ticket_number.strip().upper()
        named = load_ticket(tx, "day = ? AND number = ?", (day, ticket_number))
        if named is None:
            raise Refused("unknown_ticket", f"no ticket {ticket_number} today")
        if named.status != "done" or named.counter != number:
            raise Refused(
                "not_served_here",
                f"ticket {ticket_number} was not served at counter {number}",
            )
        if named.id != last_id:
            raise Refused(
                "rating_closed",
                f"rating for {ticket_number} is closed: counter {number} has finished "
                "another ticket since",
            )
    if last_id is None:
        raise Refused("nothing_to_rate", f"counter {number} has not just finished a ticket")
    ticket = load_ticket(tx, "id = ?", (last_id,))
    if ticket is None:
        raise Refused("nothing_to_rate", f"counter {number} has not just finished a ticket")
    window = config.ratings.window_seconds
    # Either way: a clock stepped back by time sync (a Pi has no RTC) keeps a window of
    # the same length, not one as long as the step.
    if abs(tx.now - float(last_at or tx.now)) > window:
        raise Refused(
            "rating_closed",
            f"rating for {ticket.number} closed {window:g} s after it was finished",
        )
    if tx.one("SELECT 1 FROM ratings WHERE ticket_id = ?", (ticket.id,)):
        raise Refused("already_rated", f"ticket {ticket.number} is already rated")
    return ticket


def rate(
    store: Store,
    config: Config,
    number: int,
    choice: int,
    *,
    now: float,
    ticket_number: str | None = None,
) -> Rating:
    """Record the citizen's rating (``choice`` 1..len(labels)) at counter ``number``.

    Only the ticket the counter finished last, within ``ratings.window_seconds``, and
    once. ``ticket_number`` names the ticket the rater means (a remote rating pad);
    it must be that same ticket. A refusal is recorded as a ``rating.refused`` event.
    """
    need_counter(config, number)
    labels = config.ratings.labels
    refusal: Refused | None = None
    rating: Rating | None = None
    with change(store, config, now) as (tx, day):
        try:
            if not 1 <= choice <= len(labels):
                raise Refused("bad_choice", f"rating must be from 1 to {len(labels)}, not {choice}")
            ticket = _target(tx, config, day, number, ticket_number)
        except Refused as refused:
            refusal = refused
            tx.event(
                "rating.refused",
                {
                    "counter": number,
                    "choice": choice,
                    "ticket_number": ticket_number,
                    "reason": refused.code,
                },
            )
        else:
            label, score = labels[choice - 1], config.ratings.score(choice)
            tx.execute(
                "INSERT INTO ratings (ticket_id, day, counter, service, staff, choice, label, "
                "score, rated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ticket.id, day, number, ticket.service, ticket.staff, choice, label, score, now),
            )
            rating = Rating(ticket, number, choice, label, score, now)
            event = rating.to_json()
            del event["rated_at"]  # the event's own ts
            tx.event("ticket.rated", event)
    if rating is None:
        raise refusal or Refused("nothing_to_rate", f"counter {number}: nothing to rate")
    return rating
