"""The look-up screen's catalogue by touch (SDL's own touch and click events, on the dummy
screen): a touch on the scan screen opens it; touches browse, search and ask for a print;
a screen turned for portrait takes touches where its picture shows them; untouched, it
goes back to the scan screen; a scanned procedure code opens its page, a scanned slip or
ticket shows over it; a screen of its own (``lookup.home = "catalogue"``) rests on the
catalogue's fields."""

from __future__ import annotations

import dataclasses
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from display import LookupDaemon, fonts_for
from display._loop import TOUCHES
from display.pygame_lib import pygame
from kiosk import procedures
from kiosk.config import Config, load_config
from kiosk.lookup import look_up, record_scan
from kiosk.procedures import DETAIL, FIELD, HOME, RESULTS
from kiosk.store import Store
from tests.conftest import CATALOGUE, ROOT, with_catalogue

BASE = load_config(ROOT / "config.toml")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def screen_config(rotation: int = 0, home: str = "instructions") -> Config:
    lookup = dataclasses.replace(
        BASE.lookup, resolution=(1024, 768), rotation=rotation, index=0, home=home
    )
    return dataclasses.replace(BASE, lookup=lookup)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = with_catalogue(Store(tmp_path / "kiosk.db"))
    yield opened
    opened.close()


@pytest.fixture
def make(store: Store) -> Iterator[Any]:
    made: list[LookupDaemon] = []

    def build(
        rotation: int = 0, clock: Clock | None = None, home: str = "instructions"
    ) -> LookupDaemon:
        config = screen_config(rotation, home)
        daemon = LookupDaemon(config, store.path, fonts_for(config), clock=clock or Clock())
        made.append(daemon)
        daemon.step()
        return daemon

    TOUCHES.clear()
    yield build
    for daemon in made:
        daemon.close()


def touch(daemon: LookupDaemon, action: str) -> None:
    """A click in the middle of what shows ``action``, where the window has it."""
    assert daemon.laid is not None
    x, y, w, h = next(t.rect for t in daemon.laid.targets if t.action == action)
    px, py = x + w // 2, y + h // 2
    wx, wy = _window_point(daemon, px, py)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(wx, wy), button=1))
    daemon.step()


def _window_point(daemon: LookupDaemon, x: int, y: int) -> tuple[int, int]:
    """Where the window shows the picture's point (x, y) (the inverse of to_picture)."""
    width, height = daemon.screen.picture_size
    rotation = daemon.screen.config.rotation
    if rotation == 90:
        return height - y, x
    if rotation == 270:
        return y, width - x
    return x, y


def test_ok__a_touch_opens_the_catalogue_and_touches_browse_it(make: Any) -> None:
    daemon = make()
    assert daemon.browser is None and daemon.frame is not None
    assert "THỦ TỤC HÀNH CHÍNH" in daemon.frame.text  # the instructions say how to enter
    finger = {"x": 0.5, "y": 0.5, "touch_id": 1, "finger_id": 1, "pressure": 1.0}
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, dx=0, dy=0, **finger))
    daemon.step()
    assert daemon.browser is not None and daemon.browser.page.kind == HOME
    touch(daemon, "field:Hộ tịch")
    assert daemon.browser.page.kind == FIELD
    touch(daemon, "procedure:1.001193")
    assert (daemon.browser.page.kind, daemon.browser.page.code) == (DETAIL, "1.001193")
    touch(daemon, "back")
    touch(daemon, "back")
    assert daemon.browser.page.kind == HOME
    touch(daemon, "search")
    assert daemon.browser.page.kind == RESULTS
    for key in ("key:k", "key:e", "key:t"):
        touch(daemon, key)
    touch(daemon, "space")
    for key in ("key:h", "key:o", "key:n"):
        touch(daemon, key)
    assert daemon.browser.typed == "ket hon"
    assert daemon.browser.page.entries[0].title == "Đăng ký kết hôn"


@pytest.mark.parametrize("rotation", [90, 270])
def test_ok__a_screen_turned_for_portrait_takes_touches_where_they_show(
    make: Any, rotation: int
) -> None:
    daemon = make(rotation)
    width, height = daemon.screen.picture_size
    assert height > width  # a portrait picture on a landscape mode
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 5), button=1))
    daemon.step()
    touch(daemon, "field:Hộ tịch")
    assert daemon.browser is not None and daemon.browser.page.title == "HỘ TỊCH"


def test_ok__a_print_is_asked_and_its_outcome_shown(make: Any, store: Store) -> None:
    daemon = make()
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 5), button=1))
    daemon.step()
    assert daemon.browser is not None
    daemon.browser.open_procedure("1.001193")
    daemon.dirty = True
    daemon.step()
    touch(daemon, "print")
    assert daemon.job is not None and daemon.job_note == "Đang in danh sách giấy tờ…"
    touch(daemon, "print")  # one at a time
    job = procedures.jobs.claim(store, now=Clock()())  # as the kiosk daemon takes it
    assert job is not None and job.code == "1.001193"
    assert procedures.jobs.claim(store, now=Clock()()) is None
    said = "Đã in danh sách giấy tờ, mời nhận ở máy in"
    procedures.jobs.finish(store, job.id, ok=True, message=said, now=Clock()())
    daemon.step()
    assert daemon.job is None
    assert daemon.laid is not None
    assert daemon.job_note == said


def test_ok__untouched_it_goes_back_to_the_scan_screen(make: Any) -> None:
    clock = Clock()
    daemon = make(clock=clock)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 5), button=1))
    daemon.step()
    touch(daemon, "search")
    clock.now += BASE.lookup.catalogue_idle_seconds + 1
    daemon.step()
    assert daemon.browser is None and daemon.view.kind == "idle"


def test_ok__a_scanned_procedure_code_opens_its_page(make: Any, store: Store) -> None:
    clock = Clock()
    daemon = make(clock=clock)
    config = screen_config()
    view = look_up(store, config, "1.001193.000.00.00.H31", clock(), act=False)
    assert view.kind == "procedure"
    record_scan(store, "sanh-1", view, clock())
    daemon.step()
    assert daemon.browser is not None and daemon.browser.page.code == "1.001193"
    national = look_up(store, config, "2.000193", clock(), act=False)  # the code alone
    assert national.kind == "procedure"
    record_scan(store, "sanh-1", national, clock())
    daemon.step()
    assert daemon.browser.page.code == national.code != "1.001193"
    unknown = look_up(store, config, "1.999999", clock(), act=False)
    assert unknown.kind == "invalid"  # not in the catalogue: as before


def test_ok__a_slip_scanned_while_browsing_shows_over_the_catalogue(
    make: Any, store: Store
) -> None:
    clock = Clock()
    daemon = make(clock=clock)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 5), button=1))
    daemon.step()
    touch(daemon, "search")
    assert daemon.browser is not None
    view = look_up(store, screen_config(), "HS-KHONG-CO", clock(), act=False)
    record_scan(store, "sanh-1", view, clock())
    daemon.step()
    assert daemon.browser is None and daemon.view.kind == view.kind != "idle"
    clock.now += BASE.lookup.show_seconds + 1
    daemon.step()
    assert daemon.browser is None and daemon.view.kind == "idle"


def test_ok__a_screen_of_its_own_rests_on_the_catalogue(make: Any, store: Store) -> None:
    clock = Clock()
    daemon = make(clock=clock, home="catalogue")
    assert daemon.browser is not None and daemon.browser.page.kind == HOME
    assert daemon.laid is not None  # painted: the fields, with no touch first
    touch(daemon, next(t.action for t in daemon.laid.targets if t.action.startswith("field:")))
    assert daemon.browser.page.kind == FIELD
    touch(daemon, "back")
    assert daemon.browser is not None and daemon.browser.page.kind == HOME
    assert "back" not in {t.action for t in daemon.laid.targets}  # nowhere to go back to
    touch(daemon, "search")
    clock.now += BASE.lookup.catalogue_idle_seconds + 1
    daemon.step()  # untouched: back to the fields, not to the scan instructions
    assert daemon.browser is not None and daemon.browser.page.kind == HOME
    view = look_up(store, screen_config(), "HS-KHONG-CO", clock(), act=False)
    record_scan(store, "sanh-1", view, clock())
    daemon.step()  # a slip: shown, then the fields again
    assert daemon.browser is None and daemon.view.kind == view.kind
    clock.now += BASE.lookup.show_seconds + 1
    daemon.step()
    assert daemon.browser is not None and daemon.browser.page.kind == HOME
    assert daemon.laid is not None and daemon.laid.layout.size == (1024, 768)


def test_ok__left_on_the_fields_it_goes_back_to_the_instructions(make: Any) -> None:
    clock = Clock()
    daemon = make(clock=clock)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 5), button=1))
    daemon.step()  # opened, and left on its first page
    assert daemon.browser is not None and daemon.browser.page.kind == HOME
    clock.now += BASE.lookup.catalogue_idle_seconds - 1
    daemon.step()
    assert daemon.browser is not None  # not yet
    clock.now += 2
    daemon.step()
    assert daemon.browser is None and daemon.view.kind == "idle"


def test_ok__a_screen_of_its_own_shows_the_catalogue_as_it_now_is(make: Any, store: Store) -> None:
    clock = Clock()
    daemon = make(clock=clock, home="catalogue")
    assert daemon.laid is not None
    record = json.loads(CATALOGUE.read_text(encoding="utf-8").splitlines()[0])
    record["MATTHC"] = "1.999001"
    record["LINHVUCTHUCHIEN"] = [{"MALINHVUC": "Z99", "TENLINHVUC": "Lĩnh vực mới"}]
    line = json.dumps(record, ensure_ascii=False).encode() + b"\n"
    assert procedures.import_jsonl(store, io.BytesIO(line)).written == 1
    daemon.step()  # at rest: the fields again, with the new one
    assert "field:Lĩnh vực mới" in {t.action for t in daemon.laid.targets}
    assert daemon.browser is not None and daemon.browser.page.kind == HOME
    assert daemon.laid.pages > 1  # the fields take two pages at 1024x768
    touch(daemon, "page:next")  # left on a later page of fields: back to the first
    assert daemon.browser.shown == 1
    clock.now += BASE.lookup.catalogue_idle_seconds + 1
    daemon.step()
    assert daemon.browser is not None and daemon.browser.shown == 0


def test_ok__a_screen_of_its_own_rides_out_a_lost_database(make: Any, store: Store) -> None:
    clock = Clock()
    daemon = make(clock=clock, home="catalogue")
    view = look_up(store, screen_config(), "HS-KHONG-CO", clock(), act=False)
    record_scan(store, "sanh-1", view, clock())
    daemon.step()
    assert daemon.browser is None and daemon.view.kind == view.kind
    daemon._lost_store(sqlite3.OperationalError("database is locked"))  # as a failed read does
    clock.now += BASE.lookup.show_seconds + 1
    daemon.step()  # the slip's time is up while the database is away: no catalogue yet
    assert daemon.view.kind == "idle"
    daemon.retry["store"] = 0.0  # its retry is due
    daemon.step()
    assert daemon.browser is not None and daemon.browser.page.kind == HOME
    touch(daemon, next(t.action for t in daemon.laid.targets if t.action.startswith("field:")))
    assert daemon.browser.page.kind == FIELD  # read through the database opened again
