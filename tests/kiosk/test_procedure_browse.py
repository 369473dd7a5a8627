"""Moving through the catalogue as a citizen does on the look-up screen: the fields, a
field's procedures, a procedure, back; a search typed key by key (with or without accents);
a scanned procedure code; pages; a print asked; back to the start when nobody touches it."""

from __future__ import annotations

import pytest

from kiosk.config import load_config
from kiosk.procedures import DETAIL, FIELD, HOME, RESULTS, Browser
from kiosk.store import Store
from tests.conftest import ROOT

CONFIG = load_config(ROOT / "config.toml")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def store(catalogue: Store) -> Store:
    return catalogue


def test_ok__a_field_then_a_procedure_then_back(store: Store) -> None:
    browser = Browser(store.conn, CONFIG, Clock())
    assert browser.page.kind == HOME
    assert "field:Hộ tịch" in [e.action for e in browser.page.entries]
    browser.act("field:Hộ tịch")
    assert (browser.page.kind, browser.page.title) == (FIELD, "HỘ TỊCH")
    assert "procedure:1.001193" in [e.action for e in browser.page.entries]
    browser.act("procedure:1.001193")
    assert (browser.page.kind, browser.page.title) == (DETAIL, "Đăng ký khai sinh")
    assert browser.page.where == "Nộp tại quầy 3, 4 (Tư pháp - Hộ tịch)"
    browser.act("print")
    assert browser.printed == ["1.001193"]
    browser.act("back")
    browser.act("back")
    assert browser.page.kind == HOME
    browser.act("back")  # nothing under the start
    assert browser.page.kind == HOME


def test_ok__a_search_typed_key_by_key_updates_its_results(store: Store) -> None:
    browser = Browser(store.conn, CONFIG, Clock())
    browser.act("search")
    assert (browser.page.kind, browser.page.entries) == (RESULTS, ())
    for letter in "ket hon":
        browser.act("space" if letter == " " else f"key:{letter}")
    assert browser.typed == "ket hon"
    first = browser.page.entries[0]
    assert first.title == "Đăng ký kết hôn"
    browser.act("delete")
    browser.act("delete")
    browser.act("key:ô")
    browser.act("key:n")
    assert browser.typed == "ket hôn"
    browser.act("tone:sac")  # on the last vowel of the last word
    assert browser.typed == "ket hốn"
    browser.act("delete")
    assert browser.typed == "ket hố"
    assert len([p for p in browser.stack if p.kind == RESULTS]) == 1  # one results page
    browser.act(first.action)
    assert browser.page.kind == DETAIL
    browser.act("back")
    assert (browser.page.kind, browser.typed) == (RESULTS, "ket hố")


def test_ok__a_scanned_procedure_code_opens_its_detail(store: Store) -> None:
    browser = Browser(store.conn, CONFIG, Clock())
    assert browser.open_procedure("1.001193.000.00.00.H31")
    assert browser.page.code == "1.001193"
    assert not browser.open_procedure("9.999999")
    assert browser.page.code == "1.001193"


def test_ok__pages_turn_within_their_count(store: Store) -> None:
    browser = Browser(store.conn, CONFIG, Clock())
    browser.act("procedure:1.012756")
    browser.act("page:previous", pages=4)
    assert browser.shown == 0
    for _ in range(6):
        browser.act("page:next", pages=4)
    assert browser.shown == 3
    browser.act("back")
    assert browser.shown == 0


def test_ok__back_to_the_start_after_a_while_untouched(store: Store) -> None:
    clock = Clock()
    browser = Browser(store.conn, CONFIG, clock)
    assert not browser.idle_for(60)  # at the start already
    browser.act("search")
    browser.act("key:x")
    clock.now += 59
    assert not browser.idle_for(60)
    clock.now += 1
    assert browser.idle_for(60)
    assert (browser.page.kind, browser.typed, len(browser.stack)) == (HOME, "", 1)


def test_ok__typing_is_bounded_and_nfc(store: Store) -> None:
    browser = Browser(store.conn, CONFIG, Clock())
    browser.act("search")
    for _ in range(200):
        browser.act("key:a")
    assert len(browser.typed) == 60
