"""Touch panels read through evdev: recorded event sequences of a single-touch panel and of
a multitouch (protocol B) one, as the kernel reports them, drive the look-up screen's
catalogue; a panel on a screen turned for portrait is read as the picture shows."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from display import LookupDaemon, fonts_for
from display._loop import TOUCHES
from display._touch import TouchDecoder
from kiosk.app.inputsim import Keyboards, event, syn
from kiosk.config import Config, load_config
from kiosk.evdev_lib import ecodes
from kiosk.procedures import FIELD, HOME
from kiosk.store import Store
from tests.conftest import ROOT, with_catalogue

BASE = load_config(ROOT / "config.toml")
PANEL = "/dev/input/by-id/usb-ILITEK_Multi-Touch-event-if00"
MAX = 4095  # the panel's range on both axes, as its driver reports it


def single_touch(x: int, y: int) -> list[Any]:
    """A tap on a single-touch panel: down, where, then up."""
    return [
        event(ecodes.EV_KEY, ecodes.BTN_TOUCH, 1),
        event(ecodes.EV_ABS, ecodes.ABS_X, x),
        event(ecodes.EV_ABS, ecodes.ABS_Y, y),
        syn(),
        event(ecodes.EV_ABS, ecodes.ABS_X, x + 3),  # a finger moves a little
        syn(),
        event(ecodes.EV_KEY, ecodes.BTN_TOUCH, 0),
        syn(),
    ]


def multitouch(x: int, y: int, tracking: int) -> list[Any]:
    """A tap on a protocol B panel, a second finger touching and lifting meanwhile."""
    return [
        event(ecodes.EV_ABS, ecodes.ABS_MT_SLOT, 0),
        event(ecodes.EV_ABS, ecodes.ABS_MT_TRACKING_ID, tracking),
        event(ecodes.EV_ABS, ecodes.ABS_MT_POSITION_X, x),
        event(ecodes.EV_ABS, ecodes.ABS_MT_POSITION_Y, y),
        event(ecodes.EV_KEY, ecodes.BTN_TOUCH, 1),
        event(ecodes.EV_ABS, ecodes.ABS_X, x),
        event(ecodes.EV_ABS, ecodes.ABS_Y, y),
        syn(),
        event(ecodes.EV_ABS, ecodes.ABS_MT_SLOT, 1),
        event(ecodes.EV_ABS, ecodes.ABS_MT_TRACKING_ID, tracking + 1),
        event(ecodes.EV_ABS, ecodes.ABS_MT_POSITION_X, 10),
        event(ecodes.EV_ABS, ecodes.ABS_MT_POSITION_Y, 10),
        syn(),
        event(ecodes.EV_ABS, ecodes.ABS_MT_TRACKING_ID, -1),
        syn(),
        event(ecodes.EV_ABS, ecodes.ABS_MT_SLOT, 0),
        event(ecodes.EV_ABS, ecodes.ABS_MT_TRACKING_ID, -1),
        event(ecodes.EV_KEY, ecodes.BTN_TOUCH, 0),
        syn(),
    ]


def test_ok__each_tap_is_one_touch_where_the_first_finger_came_down() -> None:
    decoder = TouchDecoder()
    decoder.ranges = {"x": (0, MAX), "y": (0, MAX)}
    taps = [t for e in single_touch(1024, 3071) if (t := decoder.feed(e)) is not None]
    assert taps == [(1024 / MAX, 3071 / MAX)]
    taps = [t for e in multitouch(2048, 1024, 7) if (t := decoder.feed(e)) is not None]
    assert taps == [(2048 / MAX, 1024 / MAX)]  # the second finger is not a touch


def screen_config(rotation: int) -> Config:
    lookup = dataclasses.replace(
        BASE.lookup, resolution=(1024, 768), rotation=rotation, index=0, touch=PANEL
    )
    return dataclasses.replace(BASE, lookup=lookup)


@pytest.fixture
def panel() -> Iterator[Keyboards]:
    board = Keyboards()
    axes = (ecodes.ABS_X, ecodes.ABS_Y, ecodes.ABS_MT_POSITION_X, ecodes.ABS_MT_POSITION_Y)
    board.plug(PANEL, ranges=dict.fromkeys(axes, (0, MAX)))
    TOUCHES.clear()
    yield board
    board.close()


def run_until(daemon: LookupDaemon, done: Any, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "the touch never acted"
        daemon.step()
        time.sleep(0.01)


def at_target(daemon: LookupDaemon, action: str) -> tuple[int, int]:
    """Where the panel reads the middle of what shows ``action`` (picture -> window ->
    panel units)."""
    assert daemon.laid is not None
    x, y, w, h = next(t.rect for t in daemon.laid.targets if t.action == action)
    px, py = x + w // 2, y + h // 2
    width, height = daemon.screen.picture_size
    rotation = daemon.screen.config.rotation
    wx, wy = {90: (height - py, px), 270: (py, width - px)}.get(rotation, (px, py))
    window_w, window_h = daemon.screen.size or (1, 1)
    return round(wx / window_w * MAX), round(wy / window_h * MAX)


@pytest.mark.parametrize("rotation", [0, 90, 270])
@pytest.mark.parametrize("kind", ["single", "multitouch"])
def test_ok__recorded_taps_drive_the_catalogue(
    tmp_path: Path, panel: Keyboards, rotation: int, kind: str
) -> None:
    store = with_catalogue(Store(tmp_path / "kiosk.db"))
    config = screen_config(rotation)
    daemon = LookupDaemon(config, store.path, fonts_for(config), touch_opener=panel.open)
    try:
        daemon.step()
        run_until(daemon, lambda: daemon.panel.reader.state == "connected")

        def tap(x: int, y: int, n: int) -> None:
            panel.send(PANEL, single_touch(x, y) if kind == "single" else multitouch(x, y, n))

        tap(100, 100, 1)  # anywhere on the scan screen: the catalogue opens
        run_until(daemon, lambda: daemon.browser is not None and daemon.laid is not None)
        assert daemon.browser is not None and daemon.browser.page.kind == HOME
        tap(*at_target(daemon, "field:Hộ tịch"), 3)
        run_until(daemon, lambda: daemon.browser.page.kind == FIELD)  # type: ignore[union-attr]
        assert daemon.browser.page.title == "HỘ TỊCH"
        tap(*at_target(daemon, "procedure:1.001193"), 5)
        run_until(daemon, lambda: daemon.browser.page.code == "1.001193")  # type: ignore[union-attr]
        tap(*at_target(daemon, "print"), 7)
        run_until(daemon, lambda: daemon.job is not None)
    finally:
        daemon.close()
        store.close()
