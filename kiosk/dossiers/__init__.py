"""The dossier (hồ sơ) cache behind the look-up screen: records, statuses, import, purge.

Core: imports only the core (the store, free text)."""

from kiosk.dossiers._cache import (
    UPDATED_KEY,
    count,
    find,
    purge,
    purge_batch,
    updated_at,
    upsert,
)
from kiosk.dossiers._import import import_jsonl
from kiosk.dossiers._mask import is_organisation, mask_name
from kiosk.dossiers._model import IN_PROGRESS, RESULT_READY, RETURNED, STATUSES, Dossier, Step
from kiosk.dossiers._record import BadDossier, parse_dossier
from kiosk.jsonl import ImportReport

__all__ = [
    "IN_PROGRESS",
    "RESULT_READY",
    "RETURNED",
    "STATUSES",
    "UPDATED_KEY",
    "BadDossier",
    "Dossier",
    "ImportReport",
    "Step",
    "count",
    "find",
    "import_jsonl",
    "is_organisation",
    "mask_name",
    "parse_dossier",
    "purge",
    "purge_batch",
    "updated_at",
    "upsert",
]
