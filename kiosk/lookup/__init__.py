"""The look-up screen's content: what a scanned slip or ticket shows, as plain text
(``display`` draws it).

Core: imports only the core (dossiers, tokens, the queue's operations)."""

from kiosk.lookup._dossier import dossier_view, invalid_view, not_found_view, stale_note
from kiosk.lookup._idle import idle_view
from kiosk.lookup._scan import KEEP_SCANS, Scan, latest_scan, look_up, record_scan
from kiosk.lookup._ticket import ticket_view
from kiosk.lookup._view import (
    DOSSIER,
    IDLE,
    INVALID,
    NOT_FOUND,
    PROCEDURE,
    TICKET,
    TONES,
    Row,
    TimelineStep,
    View,
)

__all__ = [
    "DOSSIER",
    "IDLE",
    "INVALID",
    "KEEP_SCANS",
    "NOT_FOUND",
    "PROCEDURE",
    "TICKET",
    "TONES",
    "Row",
    "Scan",
    "TimelineStep",
    "View",
    "dossier_view",
    "idle_view",
    "invalid_view",
    "latest_scan",
    "look_up",
    "not_found_view",
    "record_scan",
    "stale_note",
    "ticket_view",
]
