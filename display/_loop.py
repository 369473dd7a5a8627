"""What every screen daemon does: open the database and the screen, look for either
again when it is missing or goes away, notice when the window must be redrawn, and
report its health when that changes."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from display._screen import Screen, ScreenUnavailable
from display._text import ScreenFonts
from display.pygame_lib import pygame
from kiosk.config import Config
from kiosk.store import NotKioskDatabase, Store, StoreError, bell
from kiosk.store.bell import Listener

log = logging.getLogger("kiosk.display")

# Expose events seen by any screen loop of this process (a count).
_EXPOSED = [0]
# Touches and clicks seen by any screen loop of this process, for the loop that takes
# them: (x, y) in window pixels, or as fractions of the window ("finger" events).
TOUCHES: list[tuple[str, float, float]] = []
# Screens only read; they must not sit out a long write lock with the picture frozen.
READ_TIMEOUT_MS = 250


class ScreenLoop:
    health_name = "display"
    role = "wall"  # its name for the screens' bell (kiosk.store.bell)
    parts: tuple[str, ...] = ("store", "screen")

    def __init__(
        self,
        config: Config,
        db_path: str | Path,
        faces: ScreenFonts,
        screen: Screen,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.db_path = str(db_path)
        self.faces = faces
        self.screen = screen
        self.clock = clock
        self.store: Store | None = None
        self.listener: Listener | None = None  # rung by a change committed (kiosk.store.bell)
        self.rung = False  # the bell rang since the loop last looked at the database
        self.dirty = True
        self.retry = dict.fromkeys(self.parts, 0.0)
        self.problems = dict.fromkeys(self.parts, "")
        self.reported: tuple[str, str] | None = None
        self._exposed = _EXPOSED[0]

    def step(self) -> float:
        """One pass of the loop; how long to sleep before the next."""
        raise NotImplementedError

    def close(self) -> None:
        self._close_store_and_screen()

    def run(self, stop: threading.Event, on_tick: Callable[[], None] | None = None) -> None:
        run_loops([self], stop, on_tick)

    def open_store(self) -> None:
        """Open the database when it is time to try again. One missing or unusable for now
        is tried again later; a file that is no kiosk database (store.path naming another
        program's) is :class:`NotKioskDatabase`, raised: no retry mends a configuration."""
        if self.store is not None or time.monotonic() < self.retry["store"]:
            return
        try:
            timeout = min(self.config.store.busy_timeout_ms, READ_TIMEOUT_MS)
            self.store = Store(self.db_path, timeout)
            if self.listener is None:
                self.listener = Listener(self.db_path, self.role)
            self._ok("store")
        except NotKioskDatabase:
            raise
        except StoreError as exc:
            self._problem(
                "store", f"database unavailable: {exc}", self.config.display.retry_seconds
            )

    def _open_store_and_screen(self) -> None:
        retry = self.config.display.retry_seconds
        retry_now = time.monotonic()  # retries keep their pace if the clock is set back
        self.open_store()
        if not self.screen.is_open and retry_now >= self.retry["screen"]:
            try:
                self.screen.open()
                self.dirty = True
                self._ok("screen")
                assert self.screen.size is not None
                width, height = self.screen.size
                log.info("screen %dx%d (rotation %d)", width, height, self.screen.config.rotation)
            except ScreenUnavailable as exc:
                self._problem("screen", f"screen unavailable: {exc}", retry)

    def _problem(self, part: str, message: str, retry_in: float) -> None:
        if self.problems[part] != message:
            log.warning("%s (trying again every %g s)", message, self.config.display.retry_seconds)
        self.problems[part] = message
        self.retry[part] = time.monotonic() + retry_in

    def _ok(self, part: str) -> None:
        if self.problems[part]:
            log.info("%s is back", part)
        self.problems[part] = ""

    def _lost_store(self, exc: Exception) -> None:
        self._problem(
            "store", f"cannot read the database: {exc}", self.config.display.retry_seconds
        )
        if self.store is not None:
            self.store.close()
        self.store = None

    def _lost_screen(self, exc: Exception) -> float:
        self.screen.close()
        self._problem("screen", f"screen lost: {exc}", self.config.display.retry_seconds)
        return self.config.display.retry_seconds

    def _handle_events(self) -> None:
        if not self.screen.is_open:
            return
        try:
            for event in pygame.event.get():
                if event.type in (pygame.VIDEOEXPOSE, pygame.WINDOWEXPOSED, pygame.WINDOWRESIZED):
                    _EXPOSED[0] += 1
                elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                    TOUCHES.append(("pixels", float(event.pos[0]), float(event.pos[1])))
                elif event.type == pygame.FINGERDOWN:
                    TOUCHES.append(("fraction", float(event.x), float(event.y)))
        except pygame.error:
            pass
        # One event queue for the process: a loop may take the events of another's window,
        # so an expose seen by any loop redraws every screen.
        if self._exposed != _EXPOSED[0]:
            self._exposed = _EXPOSED[0]
            self.dirty = True

    def _report(self, now: float) -> None:
        problems = [message for message in self.problems.values() if message]
        state = ("ok", "") if not problems else ("degraded", "; ".join(problems))
        if state == self.reported or self.store is None:
            return
        try:
            self.store.report_health(self.health_name, *state, now)
            self.reported = state
        except (sqlite3.Error, StoreError):
            pass  # told next time round

    def _close_store_and_screen(self) -> None:
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        if self.store is not None:
            with contextlib.suppress(sqlite3.Error, StoreError):
                self.store.report_health(self.health_name, "stopped", "", self.clock())
            self.store.close()
            self.store = None
        self.screen.close()


def run_loops(
    loops: list[ScreenLoop], stop: threading.Event, on_tick: Callable[[], None] | None = None
) -> None:
    """Run screen loops in this thread, each pass stepping every one, until ``stop``; then
    close them. Several loops: one process driving several screens (see
    :class:`display._screen.WindowScreen`)."""
    try:
        while not stop.is_set():
            listeners = [loop.listener for loop in loops if loop.listener is not None]
            if _wait(stop, min(loop.step() for loop in loops), listeners):
                for loop in loops:
                    loop.rung = True
            if on_tick is not None:
                on_tick()
    finally:
        for loop in loops:
            with contextlib.suppress(Exception):
                loop.close()


# A wait at most this long is one sleep: a stop asked meanwhile (SIGTERM's handler,
# central's new configuration) is seen right after it; a longer one is cut into these.
SHORT_WAIT = 0.1


def _wait(stop: threading.Event, seconds: float, listeners: Sequence[Listener] = ()) -> bool:
    """Sleep ``seconds``, or until ``stop``, or until the screens' bell rings (a change
    committed: the loop looks at the database at once). A short wait is a plain sleep
    (or ``select`` on the bell): a scrolling notice wakes the loop 30 times a second, and
    ``Event.wait`` (a lock made and taken with a timeout each time) costs a small machine
    about 0.15% of a core more at that pace. Whether the bell rang."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if bell.wait(listeners, min(left, SHORT_WAIT)):
            return True
    return False
