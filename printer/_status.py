"""ESC/POS real-time status (DLE EOT n): the queries and what the reply bytes mean.

Every DLE EOT reply has bits 1 and 4 set and bits 0 and 7 clear; anything else
is a stray byte (an echo, an automatic status) and is not trusted.
"""

from __future__ import annotations

from kiosk.desk import (
    COVER_OPEN,
    ERROR,
    OFFLINE,
    PAPER_LOW,
    PAPER_OUT,
    READY,
    PrinterStatus,
)

PRINTER = b"\x10\x04\x01"  # online / offline
OFFLINE_CAUSE = b"\x10\x04\x02"  # cover, paper end, error
ERROR_CAUSE = b"\x10\x04\x03"
ROLL_PAPER = b"\x10\x04\x04"  # near-end and end sensors


def valid(reply: int) -> bool:
    return reply & 0x93 == 0x12


def interpret(printer: int, cause: int | None, error: int | None, paper: int) -> PrinterStatus:
    """One status from the four replies (``cause`` and ``error`` asked only when offline)."""
    if paper & 0x60:
        return PrinterStatus(PAPER_OUT, "paper roll end sensor: no paper")
    if printer & 0x08:
        if cause is not None and cause & 0x04:
            return PrinterStatus(COVER_OPEN, "cover is open")
        if cause is not None and cause & 0x20:
            return PrinterStatus(PAPER_OUT, "printing stopped: paper end")
        if cause is not None and cause & 0x40:
            what = []
            if error is not None:
                what += ["cutter error"] * bool(error & 0x08)
                what += ["unrecoverable error"] * bool(error & 0x20)
                what += ["head temperature or voltage error"] * bool(error & 0x40)
            return PrinterStatus(ERROR, ", ".join(what) or "printer reports an error")
        return PrinterStatus(OFFLINE, "printer is offline")
    if paper & 0x0C:
        return PrinterStatus(PAPER_LOW, "paper roll near its end")
    return PrinterStatus(READY)
