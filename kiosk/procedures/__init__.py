"""The procedure catalogue (thủ tục hành chính): the centre's procedures as the national
database publishes them, kept on the device so the look-up screen can browse, search and
print the papers to bring, with or without the network.

``_model`` is a procedure; ``_portal`` and ``_ours`` read a record in the national portal's
field names or in this project's own format (``records`` detects which); ``_cache`` keeps
them in SQLite with their search index; ``_search`` finds them as people type on a kiosk
(with or without accents, by code, forgiving a slip); ``_import`` loads a JSON Lines file;
``_where`` says which service and counters receive a procedure here.

Core: imports only the standard library and the core (:mod:`kiosk.store`,
:mod:`kiosk.config`, :mod:`kiosk.freetext`, :mod:`kiosk.jsonl`).
"""

from kiosk.jsonl import ImportReport
from kiosk.procedures import jobs
from kiosk.procedures._browse import KEYS, TONES, Browser
from kiosk.procedures._cache import (
    by_code,
    count,
    fields,
    in_field,
    upsert,
    version,
)
from kiosk.procedures._checklist import Checklist, Item, checklist_for
from kiosk.procedures._import import import_jsonl
from kiosk.procedures._model import (
    CHANNELS,
    ONLINE_LEVELS,
    Basis,
    Case,
    Fee,
    Paper,
    Procedure,
    Way,
    national_code,
)
from kiosk.procedures._pages import (
    DETAIL,
    FIELD,
    HOME,
    RESULTS,
    Entry,
    Page,
    Section,
    detail_page,
    field_page,
    home_page,
    results_page,
)
from kiosk.procedures._records import BadProcedure, parse_record
from kiosk.procedures._search import Hit, fold, search
from kiosk.procedures._where import Where, receiving

__all__ = [
    "CHANNELS",
    "DETAIL",
    "FIELD",
    "HOME",
    "KEYS",
    "ONLINE_LEVELS",
    "RESULTS",
    "TONES",
    "BadProcedure",
    "Basis",
    "Browser",
    "Case",
    "Checklist",
    "Entry",
    "Fee",
    "Hit",
    "ImportReport",
    "Item",
    "Page",
    "Paper",
    "Procedure",
    "Section",
    "Way",
    "Where",
    "by_code",
    "checklist_for",
    "count",
    "detail_page",
    "field_page",
    "fields",
    "fold",
    "home_page",
    "import_jsonl",
    "in_field",
    "jobs",
    "national_code",
    "parse_record",
    "receiving",
    "results_page",
    "search",
    "upsert",
    "version",
]
