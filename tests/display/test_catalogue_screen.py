"""The look-up screen's catalogue pages at every screen size: what they say, that every
paper is shown across the pages, and that every button is a touch target of at least 9 mm."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from display import catalogue_layout, fonts_for, lookup_moment, paint_catalogue
from display._catalogue import target_px
from display.pygame_lib import pygame
from kiosk import procedures
from kiosk.config import load_config
from kiosk.store import Store
from tests.conftest import ROOT

CONFIG = load_config(ROOT / "config.toml")
# Screens the look-up screen is sold as: (width, height, diagonal in inches).
SCREENS = [
    (1920, 1080, 21.5),
    (1280, 720, 15.6),
    (1024, 600, 7.0),  # the common 7" HDMI touch screen
    (1920, 1080, 7.0),  # a dense one
    (1080, 1920, 32.0),  # a standing kiosk
    (720, 1280, 7.0),  # Raspberry Pi Touch Display 2, upright
    (800, 480, 7.0),  # Raspberry Pi Touch Display
]


@pytest.fixture(scope="module")
def store(catalogue: Store) -> Store:
    return catalogue


def pages(store: Store) -> dict[str, procedures.Page]:
    found = procedures.by_code(store.conn, "1.012756")  # the longest paper names
    assert found is not None
    return {
        "home": procedures.home_page(store.conn),
        "field": procedures.field_page(store.conn, "Hộ tịch"),
        "results": procedures.results_page(store.conn, "khai sinh"),
        "detail": procedures.detail_page(found, CONFIG),
    }


@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}-{d}in" for w, h, d in SCREENS])
def test_ok__every_page_fits_and_every_button_is_a_touch_target(
    store: Store, screen: tuple[int, int, float], tmp_path: Path
) -> None:
    faces = fonts_for(CONFIG)
    moment = lookup_moment(CONFIG, 0, 0)
    size = screen[:2]
    least = target_px(size, screen[2])
    assert 9 <= least * screen[2] * 25.4 / math.hypot(*size) < 9.5  # 9 mm, in pixels
    for name, page in pages(store).items():
        surface = pygame.Surface(size)
        laid, placed = paint_catalogue(
            surface, faces, page, CONFIG.site.name, moment, diagonal_inches=screen[2]
        )
        width, height = size
        for target in laid.targets:
            x, y, w, h = target.rect
            assert h >= least and w >= least, (name, target)
            assert x >= 0 and x + w <= width and y >= 0 and y + h <= height, (name, target)
        for line in placed:
            x, y, w, h = line.rect
            assert x >= 0 and x + w <= width and y >= 0 and y + h <= height, (name, line.text)
        for one, other in itertools.combinations(laid.targets, 2):  # no two overlap
            (ax, ay, aw, ah), (bx, by, bw, bh) = one.rect, other.rect
            apart = ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay
            assert apart, (name, one, other)
        actions = {t.action for t in laid.targets}
        assert "search" in actions
        assert ("back" in actions) == (name != "home")
        if name == "detail":
            assert "print" in actions and laid.qr is not None
        if name == "results":  # typed on the screen: every key there
            keys = {f"key:{letter}" for row in procedures.KEYS for letter in row}
            assert keys | set(procedures.TONES) | {"space", "delete"} <= actions
        pygame.image.save(surface, str(tmp_path / f"{name}.png"))


def test_ok__paging_through_a_detail_shows_every_paper(store: Store) -> None:
    faces = fonts_for(CONFIG)
    moment = lookup_moment(CONFIG, 0, 0)
    page = pages(store)["detail"]
    wanted = [line for s in page.sections if s.ticks for line in s.lines]
    drawn: list[str] = []
    starts: list[str] = []
    shown, count = 0, 1
    while shown < count:
        surface = pygame.Surface((1280, 720))
        laid, placed = paint_catalogue(surface, faces, page, CONFIG.site.name, moment, shown=shown)
        count = laid.pages
        # The column of the papers: left of the side panel, between the banner and the footer.
        papers = [
            p for p in placed if p.rect[0] < 1280 * 0.6 and 0.18 * 720 < p.rect[1] < 0.9 * 720
        ]
        lines = [p.text for p in sorted(papers, key=lambda p: (p.rect[1], p.rect[0]))]
        if shown > 0 and lines[0] not in {section.title for section in page.sections}:
            starts.append(lines[0])  # a screenful that goes on from the one before
        drawn += [line for line in lines if not line.endswith("(tiếp)")]
        shown += 1
    # Each screenful that begins inside a section says which, "(tiếp)".
    assert starts and all(line.endswith(" (tiếp)") for line in starts), starts
    text = " ".join(" ".join(drawn).split())
    for paper in wanted:  # whole, in order (a long one goes on in the rows after it)
        assert " ".join(f"☐ {paper}".split()) in text, paper
    assert "…" not in text
    assert count > 1


def test_ok__the_fields_page_lists_every_field_with_its_count(store: Store) -> None:
    page = pages(store)["home"]
    laid = catalogue_layout((1920, 1080), page, CONFIG.site.name, lookup_moment(CONFIG, 0, 0))
    fields = [t.action for t in laid.targets if t.action.startswith("field:")]
    assert fields[:2] == ["field:Bảo trợ xã hội", "field:Chứng thực"]
    assert len(fields) + (laid.pages - 1) * len(fields) >= len(procedures.fields(store.conn))
