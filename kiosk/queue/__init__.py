"""Queue operations on the store: each one transaction that changes rows and appends events.

Every function takes ``now`` (epoch seconds) so callers, tests and the demo
control the clock.
"""

from kiosk.queue._common import Refused, Ticket, local_time
from kiosk.queue._counters import (
    Called,
    call_next,
    done,
    pause,
    recall,
    resume,
    skip,
    transfer,
)
from kiosk.queue._ratings import Rating, rate
from kiosk.queue._status import CounterState, counter_states, snapshot
from kiosk.queue._tickets import Issued, issue, mark_printed, reenter, refuse, void

__all__ = [
    "Called",
    "CounterState",
    "Issued",
    "Rating",
    "Refused",
    "Ticket",
    "call_next",
    "counter_states",
    "done",
    "issue",
    "local_time",
    "mark_printed",
    "pause",
    "rate",
    "recall",
    "reenter",
    "refuse",
    "resume",
    "skip",
    "snapshot",
    "transfer",
    "void",
]
