"""The procedure catalogue in the simulated day: the example centre's catalogue imported
in the morning, the searches citizens type at the look-up terminal, the lists of papers
they print, and the look-up screen's catalogue pages as they go through it
(``procedures/``: searches.txt, each checklist's bytes and picture, screen-*.png).
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
    screens = _screens(config, store, folder, now)
    return {
        "imported": report.written,
        "rejected": report.rejected,
        "searches": len(SEARCHES),
        "checklists": sizes,
        "screens": screens,
    }


# The look-up screen's catalogue as a citizen goes through it (each a picture).
SCREENS = (
    ("1-linh-vuc", "home", ""),
    ("2-ho-tich", "field", "Hộ tịch"),
    ("3-tim-kiem", "search", "ket hon"),
    ("4-thu-tuc", "detail", "1.001193"),
    ("5-dat-dai-trang-2", "detail", "1.012756"),
)


def _screens(config: Config, store: Store, folder: Path, now: dt.datetime) -> int:
    """The catalogue's pages on the look-up screen, as pictures (``procedures/screen-*``)."""
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from display import fonts_for, lookup_moment, lookup_size, paint_catalogue
    from display.pygame_lib import pygame

    faces = fonts_for(config)
    moment = lookup_moment(config, now.timestamp(), 0)
    browser = procedures.Browser(store.conn, config, now.timestamp)
    for name, kind, value in SCREENS:
        browser.reset()
        shown = 0
        if kind == "field":
            browser.act(f"field:{value}")
        elif kind == "search":
            browser.act("search")
            for letter in value:
                browser.act("space" if letter == " " else f"key:{letter}")
        elif kind == "detail":
            browser.open_procedure(value)
            shown = 1 if name.endswith("trang-2") else 0
        surface = pygame.Surface(lookup_size(config, None))
        paint_catalogue(
            surface,
            faces,
            browser.page,
            config.site.name,
            moment,
            shown=shown,
            diagonal_inches=config.lookup.diagonal_inches,
        )
        pygame.image.save(surface, str(folder / f"screen-{name}.png"))
    return len(SCREENS)
