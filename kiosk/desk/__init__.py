"""The ticket desk: presses in, tickets out, through the queue rules and a printer.

Core: what the desk needs from a printer and from the kiosk's lights and buzzer are
protocols here (:class:`TicketPrinter`, :class:`Feedback`); ``printer`` and ``kiosk.keys``
provide them. Imports only the core.
"""

from kiosk.desk._desk import Desk, Outcome
from kiosk.desk._ports import (
    COVER_OPEN,
    DISCONNECTED,
    ERROR,
    OFFLINE,
    PAPER_LOW,
    PAPER_OUT,
    PRINTABLE,
    READY,
    SILENT,
    UNCHECKED,
    Feedback,
    Press,
    PrinterStatus,
    PrintFailed,
    TicketPrinter,
)

__all__ = [
    "COVER_OPEN",
    "DISCONNECTED",
    "ERROR",
    "OFFLINE",
    "PAPER_LOW",
    "PAPER_OUT",
    "PRINTABLE",
    "READY",
    "SILENT",
    "UNCHECKED",
    "Desk",
    "Feedback",
    "Outcome",
    "Press",
    "PrintFailed",
    "PrinterStatus",
    "TicketPrinter",
]
