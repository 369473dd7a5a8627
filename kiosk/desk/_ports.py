"""What the ticket desk needs from a printer, and what a printer can tell it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kiosk import freetext
from kiosk.config import PrinterConfig
from kiosk.slip import Slip
from kiosk.store.kv import PrinterReport

# Printer states, worst first where it matters to a citizen.
READY = "ready"
PAPER_LOW = "paper_low"  # prints, but someone must change the roll soon
UNCHECKED = "unchecked"  # the connection cannot answer (file, dummy) or status is off
PAPER_OUT = "paper_out"
COVER_OPEN = "cover_open"
OFFLINE = "offline"
SILENT = "silent"  # connected but does not answer status queries
DISCONNECTED = "disconnected"
ERROR = "error"

PRINTABLE = frozenset({READY, PAPER_LOW, UNCHECKED})
# A longer detail (an error naming a long path) is cut: the device's state message takes
# 500 characters (sync/schemas/state.json), and so does its printer.status event.
MAX_DETAIL = 500

# The status queries of one call (at most four, each sent and answered within a second).
QUERY_ALLOWANCE_SECONDS = 5.0


def longest_call(config: PrinterConfig) -> float:
    """The longest one :meth:`TicketPrinter.status` or :meth:`TicketPrinter.print_slip` may
    take: connecting and sending what a cut-off write still owes each get
    ``printer.timeout_seconds``, then the queries their allowance."""
    return 2 * config.timeout_seconds + QUERY_ALLOWANCE_SECONDS


@dataclass(frozen=True)
class PrinterStatus:
    state: str
    detail: str = ""

    def __post_init__(self) -> None:
        if len(self.detail) > MAX_DETAIL:
            object.__setattr__(self, "detail", freetext.shorten(self.detail, MAX_DETAIL))

    @property
    def printable(self) -> bool:
        return self.state in PRINTABLE

    def to_json(self) -> PrinterReport:
        return {"state": self.state, "detail": self.detail}


class PrintFailed(Exception):
    """The ticket did not reach the printer whole; ``status`` says why."""

    def __init__(self, status: PrinterStatus) -> None:
        super().__init__(status.detail or status.state)
        self.status = status


class TicketPrinter(Protocol):
    """A ticket printer as the desk drives it (python-escpos behind it, or a fake). Each
    call returns within :func:`longest_call` of its configuration."""

    def status(self) -> PrinterStatus:
        """Connect if needed and ask the printer; never raises."""
        ...

    def print_slip(self, slip: Slip) -> int:
        """Render and send one ticket; the number of bytes sent. Raises :class:`PrintFailed`."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Press:
    service: str | None  # None: the dedicated priority key
    long: bool  # held past hold_seconds: a priority ticket
    at: float  # time.monotonic() when it happened


class Feedback(Protocol):
    """What the citizen sees and hears at the kiosk besides the ticket (LEDs, a buzzer):
    :class:`kiosk.keys.Feedback` drives them on GPIO."""

    def busy(self, on: bool) -> None:
        """A ticket is being issued and printed (``on``), or no longer."""

    def ticket(self) -> None:
        """A press gave a ticket."""

    def refused(self) -> None:
        """A press gave no ticket."""

    def armed(self) -> None:
        """The priority key was pressed: the next service press gives a priority ticket."""

    def printer(self, status: PrinterStatus) -> None:
        """The printer's state changed."""
