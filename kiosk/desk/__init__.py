"""The ticket desk: buttons in, tickets out, through the queue rules and a printer."""

from kiosk.desk._buttons import Buttons, LongPress, Press
from kiosk.desk._desk import Desk, Outcome
from kiosk.desk._feedback import Feedback
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
    "Buttons",
    "Desk",
    "Feedback",
    "LongPress",
    "Outcome",
    "Press",
    "PrintFailed",
    "PrinterStatus",
    "TicketPrinter",
]
