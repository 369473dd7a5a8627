"""The procedure catalogue in the simulated day: the example centre's catalogue imported
in the morning, the searches citizens type at the look-up terminal, and the lists of
papers they print (``procedures/``: searches.txt, and each checklist's bytes and picture).
"""

from __future__ import annotations

import datetime as dt
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from kiosk import procedures
from kiosk.config import Config
from kiosk.store import Store

# What citizens type, as they type it: without accents, half a word, a slip, a code.
SEARCHES = (
    "khai sinh",
    "dang ky ket hon",
    "giay phep xay dung",
    "tro cap that ngiep",
    "tách thửa",
    "ho kinh doanh",
    "le phi truoc ba",
    "1.001193",
)
# The checklists printed: a short one, a long one, one of two cases.
CHECKLISTS = ("1.001193", "1.012756", "2.000575")


def catalogue_file() -> Path:
    """The example centre's catalogue (100 procedures, the portal's field names)."""
    return Path(str(resources.files("kiosk.app.demo") / "catalogue.jsonl"))


def run_catalogue(config: Config, store: Store, out: Path, now: dt.datetime) -> dict[str, Any]:
    folder = out / "procedures"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with catalogue_file().open("rb") as stream:
        report = procedures.import_jsonl(store, stream, now=now.timestamp)
    lines = []
    for query in SEARCHES:
        hits = procedures.search(store.conn, query, limit=3)
        lines.append(f"{query!r}:")
        lines += [f"  {hit.code}  {hit.name}" for hit in hits] or ["  (nothing found)"]
    (folder / "searches.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    from printer import Renderer

    renderer = Renderer(config.printer)
    sizes = {}
    for code in CHECKLISTS:
        found = procedures.by_code(store.conn, code)
        if found is None:
            continue
        rendered = renderer.render_checklist(procedures.checklist_for(found, config, now))
        (folder / f"{code}.bin").write_bytes(rendered.data)
        rendered.preview().save(folder / f"{code}.png", optimize=True)
        sizes[code] = len(rendered.data)
    return {
        "imported": report.written,
        "rejected": report.rejected,
        "searches": len(SEARCHES),
        "checklists": sizes,
    }
