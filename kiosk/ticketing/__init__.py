"""Queue operations on the store: each one transaction that changes rows and appends events.

Every function takes ``now`` (epoch seconds) so callers, tests and the demo
control the clock.

Core: imports only the core (config, store, rules).
"""

from kiosk.freetext import MAX_NOTICE
from kiosk.ticketing._board import (
    Board,
    Call,
    CounterBoard,
    ServiceBoard,
    calls_after,
    mark_said,
    read_board,
    set_notice,
    voice_start,
)
from kiosk.ticketing._common import Refused, Ticket, current_day, local_time
from kiosk.ticketing._counters import (
    Called,
    call_next,
    done,
    pause,
    recall,
    resume,
    skip,
    transfer,
)
from kiosk.ticketing._counts import (
    QueueCounts,
    Waiting,
    last_ticket_day,
    queue_counts,
    waiting_counts,
)
from kiosk.ticketing._ratings import Rating, rate
from kiosk.ticketing._status import CounterState, counter_states, snapshot
from kiosk.ticketing._tickets import (
    Issued,
    Position,
    issue,
    last_printed,
    mark_printed,
    reenter,
    reentry_refused,
    refuse,
    ticket_position,
    void,
)

__all__ = [
    "MAX_NOTICE",
    "Board",
    "Call",
    "Called",
    "CounterBoard",
    "CounterState",
    "Issued",
    "Position",
    "QueueCounts",
    "Rating",
    "Refused",
    "ServiceBoard",
    "Ticket",
    "Waiting",
    "call_next",
    "calls_after",
    "counter_states",
    "current_day",
    "done",
    "issue",
    "last_printed",
    "last_ticket_day",
    "local_time",
    "mark_printed",
    "mark_said",
    "pause",
    "queue_counts",
    "rate",
    "read_board",
    "recall",
    "reenter",
    "reentry_refused",
    "refuse",
    "resume",
    "set_notice",
    "skip",
    "snapshot",
    "ticket_position",
    "transfer",
    "voice_start",
    "void",
    "waiting_counts",
]
