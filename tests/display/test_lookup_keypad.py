"""The catalogue with a small keypad where there is no touch panel (``lookup.keypad``):
any key opens it, the arrows move the highlight to the nearest button that way, enter
presses it, back goes back; keypad digits work as arrows."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from display import LookupDaemon, fonts_for
from display._keypad import keypad_move, nearest
from kiosk.app.inputsim import Keyboards, tap
from kiosk.config import load_config
from kiosk.procedures import FIELD, HOME
from kiosk.store import Store
from tests.conftest import ROOT, with_catalogue

BASE = load_config(ROOT / "config.toml")
KEYPAD = "/dev/input/by-id/usb-Lookup_Keypad-event-kbd"


def test_ok__the_nearest_button_that_way() -> None:
    grid = [(0, 0, 10, 10), (20, 0, 10, 10), (0, 20, 10, 10), (20, 20, 10, 10)]
    assert nearest(grid, 0, "right") == 1
    assert nearest(grid, 0, "down") == 2
    assert nearest(grid, 3, "up") == 1
    assert nearest(grid, 3, "left") == 2
    assert nearest(grid, 0, "up") == 0  # nothing that way: it stays


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[LookupDaemon, Keyboards]]:
    board = Keyboards()
    board.plug(KEYPAD)
    store = with_catalogue(Store(tmp_path / "kiosk.db"))
    lookup = dataclasses.replace(BASE.lookup, resolution=(1024, 768), index=0, keypad=KEYPAD)
    config = dataclasses.replace(BASE, lookup=lookup)
    made = LookupDaemon(config, store.path, fonts_for(config), keypad_opener=board.open)
    made.step()
    yield made, board
    made.close()
    board.close()
    store.close()


def press(made: LookupDaemon, board: Keyboards, *keys: str) -> None:
    """Each key pressed and released; the screen takes it."""
    before = made.frames
    board.send(KEYPAD, tap(*keys))
    deadline = time.monotonic() + 3
    while made.moves or made.frames == before:
        assert time.monotonic() < deadline, "the keys never acted"
        made.step()
        time.sleep(0.01)


def focused(made: LookupDaemon) -> str:
    assert made.laid is not None
    return made.laid.targets[made.focus].action


def test_ok__arrows_move_the_highlight_and_enter_presses(daemon: Any) -> None:
    made, board = daemon
    deadline = time.monotonic() + 3
    while made.keypad.reader.state != "connected":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    press(made, board, "KEY_ENTER")  # any key on the scan screen opens the catalogue
    assert made.browser is not None and made.browser.page.kind == HOME
    first = focused(made)
    assert first.startswith("field:")
    press(made, board, "KEY_DOWN")
    second = focused(made)
    assert second.startswith("field:") and second != first
    press(made, board, "KEY_KP8")  # keypad 8: up
    assert focused(made) == first
    press(made, board, "KEY_DOWN", "KEY_KP5")  # down, then keypad 5: enter
    assert made.browser.page.kind == FIELD
    assert made.browser.page.title == second.removeprefix("field:").upper()
    press(made, board, "KEY_ESC")
    assert made.browser.page.kind == HOME


def test_ok__only_presses_and_repeats_of_the_keys_it_knows_move() -> None:
    from kiosk.app.inputsim import event
    from kiosk.evdev_lib import ecodes

    assert keypad_move(event(ecodes.EV_KEY, ecodes.KEY_UP, 1)) == "up"
    assert keypad_move(event(ecodes.EV_KEY, ecodes.KEY_UP, 2)) == "up"  # held: repeats
    assert keypad_move(event(ecodes.EV_KEY, ecodes.KEY_UP, 0)) is None  # let go
    assert keypad_move(event(ecodes.EV_KEY, ecodes.KEY_A, 1)) is None
