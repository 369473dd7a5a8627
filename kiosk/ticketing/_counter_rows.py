"""What the database holds about each counter now, read by one function for ``kiosk
status``, the counter station's lamps and the wall's board."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.store.kv import Executes
from kiosk.ticketing._common import TICKET_COLUMNS, Ticket

# When the ticket a counter finished last was finished, if nobody has rated it yet.
_RATEABLE_AT = (
    "CASE WHEN s.last_done_id IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM ratings WHERE ratings.ticket_id = s.last_done_id) THEN s.last_done_at END"
)
_SERVING = ", ".join(f"t.{column.strip()}" for column in TICKET_COLUMNS.split(","))


@dataclass(frozen=True)
class CounterRow:
    """A counter as the database holds it (one that never did anything has no row)."""

    paused: bool
    pause_reason: str
    paused_at: float | None
    # The ticket called to it, if that ticket is of the day asked for: a ticket left called
    # overnight expires when the next day opens.
    serving: Ticket | None
    # When the ticket it finished last was finished, if nobody has rated that ticket yet.
    rateable_at: float | None


#: A counter that has no row yet (nothing ever happened at it).
UNUSED = CounterRow(paused=False, pause_reason="", paused_at=None, serving=None, rateable_at=None)


def counter_rows(db: Executes, day: str) -> dict[int, CounterRow]:
    """Every counter's row, by number, with the ticket of ``day`` it serves."""
    rows = db.execute(
        f"SELECT s.counter, s.paused, s.pause_reason, s.paused_at, {_RATEABLE_AT}, {_SERVING} "
        "FROM counter_state s LEFT JOIN tickets t "
        "ON t.id = s.ticket_id AND t.status = 'called' AND t.day = ?",
        (day,),
    )
    return {
        number: CounterRow(
            bool(paused),
            reason or "",
            paused_at,
            None if ticket[0] is None else Ticket.from_row(ticket),
            rateable_at,
        )
        for number, paused, reason, paused_at, rateable_at, *ticket in rows
    }
