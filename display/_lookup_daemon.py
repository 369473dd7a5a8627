"""``kiosk run display --role lookup``: the look-up screen beside the scanner.

It shows the newest scan meant for it (the scanner daemon writes each scan's view
to the database) for ``lookup.show_seconds``, counting down, then the
instructions again. It looks at ``PRAGMA data_version`` when the screens' bell rings (a
scan committed, :mod:`kiosk.store.bell`) and every ``display.poll_ms``, and repaints only
when something changed, once a second while a countdown runs, and
once a minute for the clock.
"""

from __future__ import annotations

import dataclasses
import math
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from display._catalogue import CatalogueLayout, Target, paint_catalogue
from display._lookup import LookupFrame, lookup_moment, lookup_screen, paint_lookup
from display._loop import TOUCHES, ScreenLoop
from display._screen import Screen
from display._text import ScreenFonts
from display.pygame_lib import pygame
from kiosk import procedures
from kiosk.config import Config
from kiosk.lookup import IDLE, PROCEDURE, View, idle_view, latest_scan
from kiosk.procedures import Browser, Page
from kiosk.store import StoreError

LOOKUP_HEALTH = "display.lookup"
FOCUS = (255, 214, 0)  # the keypad's highlight


class LookupDaemon(ScreenLoop):
    health_name = LOOKUP_HEALTH
    role = "lookup"

    def __init__(
        self,
        config: Config,
        db_path: str | Path,
        faces: ScreenFonts,
        *,
        screen: Screen | None = None,
        on_frame: Callable[[View, float], None] | None = None,
        clock: Callable[[], float] = time.time,
        touch_opener: Callable[[str], Any] | None = None,
        keypad_opener: Callable[[str], Any] | None = None,
        on_page: Callable[[Page, float], None] | None = None,
    ) -> None:
        screen = screen or Screen(lookup_screen(config), section="lookup", caption="look-up screen")
        super().__init__(config, db_path, faces, screen, clock)
        self.on_frame = on_frame
        self.on_page = on_page  # each catalogue page painted, and when (the bench's hook)
        # The touch panel read through evdev, when lookup.touch names one (its opener: a
        # test's simulated panel); evdev is loaded only then.
        self.panel: Any = None
        if config.lookup.touch:
            from display._touch import TouchPanel
            from kiosk.inputdev import open_evdev

            opener = touch_opener or open_evdev
            self.panel = TouchPanel(config.lookup.touch, self._panel_touch, opener=opener).start()
        # The keypad, when lookup.keypad names one: its moves, taken by the next pass.
        self.keypad: Any = None
        self.moves: list[str] = []
        self.focus = 0  # the button the keypad's highlight is on
        if config.lookup.keypad:
            from display._keypad import Keypad
            from kiosk.inputdev import open_evdev as open_keypad

            self.keypad = Keypad(
                config.lookup.keypad, self.moves.append, opener=keypad_opener or open_keypad
            ).start()
        self.seen_version: int | None = None
        self.shown_scan: int | None = None  # the newest scan already handled
        self.view = idle_view(config)
        self.until: float | None = None  # when the instructions come back (epoch seconds)
        self.stale = False
        self.frame: LookupFrame | None = None
        self.frames = 0
        self.shown: tuple[int, int] = (-1, -1)  # (minute, seconds left) last painted
        # The procedure catalogue, while a citizen uses it or the screen rests on it (None:
        # the scan screen), and the catalogue's state last seen (procedures.version).
        self.has_catalogue = False
        self.catalogue_seen: tuple[int, float | None] | None = None
        self.browser: Browser | None = None
        self.laid: CatalogueLayout | None = None  # the catalogue page painted last
        self.job: int | None = None  # the list of papers asked for, while it prints
        self.job_note = ""

    def step(self) -> float:
        now = self.clock()
        self.rung = False  # every pass looks at the database
        self._open_store_and_screen()
        if self.store is not None:
            self._poll(now)
        self._handle_events()
        self._touches()
        self._keypad_moves()
        self._follow_job()
        self._idle()
        wake = [self.config.display.poll_ms / 1000]
        if self.screen.is_open:
            wake.append(self._paint(now))
        self._report(now)
        return max(0.001, min(wake))

    def _poll(self, now: float) -> None:
        assert self.store is not None
        try:
            version = self.store.data_version()
            if version == self.seen_version and not self.stale:
                return
            scan = latest_scan(self.store, self.config.lookup.scanners)
            catalogue = procedures.version(self.store.conn)
        except (sqlite3.Error, StoreError) as exc:
            if not self.stale:
                self.dirty = True
            self.stale = True
            self._lost_store(exc)
            self.browser = self.laid = None  # its connection went with the store
            self.seen_version = None
            return
        if self.stale:
            self.dirty = True
        changed = catalogue != self.catalogue_seen
        if changed:
            self.catalogue_seen, self.has_catalogue = catalogue, catalogue[0] > 0
            self.dirty = True
        # At rest: shown again as the catalogue now is, or opened on a screen of its own once
        # there is one (at start, or the database back).
        resting = self.view.kind == IDLE and self.until is None
        if resting and (
            (changed and (self.browser is None or self._at_rest()))
            or (self.browser is None and self._rests_on_catalogue())
        ):
            self._home()
        self.seen_version, self.stale = version, False
        self._ok("store")
        show = self.config.lookup.show_seconds
        if scan is None or (self.shown_scan is not None and scan.id <= self.shown_scan):
            self.shown_scan = self.shown_scan or 0
            return
        first = self.shown_scan is None
        self.shown_scan = scan.id
        if first and not 0 <= now - scan.at < show:
            return  # at start: an old scan is not shown again
        if scan.view.kind == PROCEDURE and self._browse().open_procedure(scan.view.code):
            self.dirty = True
            return
        self.browser = self.laid = None  # a slip or a ticket: shown over the catalogue
        self.view = scan.view
        # From when it was scanned, unless the clock disagrees (it was set meanwhile).
        self.until = scan.at + show if 0 <= now - scan.at < show else now + show
        self.dirty = True

    def _paint(self, now: float) -> float:
        if self.until is not None and now >= self.until:
            self._home()
        left = 0 if self.until is None else max(1, math.ceil(self.until - now))
        shown = (int(now // 60), left)
        if shown != self.shown:
            self.dirty = True
        try:
            if self.dirty:
                self._paint_all(now, left)
                self.shown = shown
        except pygame.error as exc:
            return self._lost_screen(exc)
        due = [(int(now // 60) + 1) * 60 - now]
        if self.until is not None:
            due.append((self.until - now) % 1.0 or 1.0)
        return max(0.001, min(due))

    def _paint_all(self, now: float, left: int) -> None:
        assert self.screen.canvas is not None
        if self.browser is not None:
            self._paint_catalogue(now)
            return
        moment = lookup_moment(self.config, now, left, stale=self.stale)
        self.frame = paint_lookup(self.screen.canvas, self.faces, self.config, self.view, moment)
        self.screen.show()
        self.frames += 1
        self.dirty = False
        if self.on_frame is not None:
            self.on_frame(self.view, time.monotonic())

    # -- the procedure catalogue ----------------------------------------------------------

    def close(self) -> None:
        for reader in (self.panel, self.keypad):
            if reader is not None:
                reader.close()
        self.panel = self.keypad = None
        super().close()

    @staticmethod
    def _panel_touch(touch: tuple[float, float]) -> None:
        """A touch on the panel (its reader's thread): taken by the next pass."""
        TOUCHES.append(("fraction", *touch))

    def _browse(self) -> Browser:
        """The catalogue, opened at its start if the screen showed something else."""
        assert self.store is not None
        if self.browser is None:
            self.browser = Browser(self.store.conn, self.config, self.clock)
            self.browser.touched_at = self.clock()
            self.until = None
        return self.browser

    def _home(self) -> None:
        """What the screen shows when nobody uses it: the instructions, or the catalogue's
        fields on a screen of its own (``lookup.home``) once there is a catalogue."""
        self.browser = self.laid = None
        self.view, self.until = idle_view(self.config, catalogue=self.has_catalogue), None
        if self._rests_on_catalogue():
            self._browse()
        self.focus, self.job_note, self.dirty = 0, "", True

    def _rests_on_catalogue(self) -> bool:
        return (
            self.config.lookup.home == "catalogue" and self.has_catalogue and self.store is not None
        )

    def _at_rest(self) -> bool:
        """The catalogue as a screen of its own shows it untouched: its first page of fields."""
        browser = self.browser
        return (
            browser is not None
            and len(browser.stack) == 1
            and not browser.typed
            and (browser.shown == 0)
        )

    def _idle(self) -> None:
        """Untouched for ``lookup.catalogue_idle_seconds``: back to the instructions, or to
        the fields' first page on a screen of its own."""
        browser = self.browser
        if browser is None:
            return
        if self.clock() - browser.touched_at < self.config.lookup.catalogue_idle_seconds:
            return
        if self.config.lookup.home == "catalogue" and self._at_rest():
            return
        self._home()

    def _touches(self) -> None:
        """The touches since the last pass: on the scan screen one opens the catalogue; in
        the catalogue, what was touched acts."""
        while TOUCHES:
            kind, x, y = TOUCHES.pop(0)
            if not self.screen.is_open or self.store is None:
                continue
            if kind == "fraction":
                assert self.screen.size is not None
                x, y = x * self.screen.size[0], y * self.screen.size[1]
            if self.browser is None:
                if self.has_catalogue:
                    self._browse()
                    self.dirty = True
                continue
            self._act_at(*self.screen.to_picture(x, y))

    def _keypad_moves(self) -> None:
        """The keypad's moves since the last pass: on the scan screen any key opens the
        catalogue; in it, the arrows move the highlight, enter presses, back goes back."""
        while self.moves:
            move = self.moves.pop(0)
            if self.store is None or not self.screen.is_open:
                continue
            if self.browser is None:
                if self.has_catalogue:
                    self._browse()
                    self.focus, self.dirty = 0, True
                continue
            if self.laid is None or not self.laid.targets:
                continue
            self.browser.touched_at = self.clock()
            targets = self.laid.targets
            self.focus = min(self.focus, len(targets) - 1)
            if move == "back":
                self._act(next((t for t in targets if t.action == "back"), None))
            elif move == "enter":
                self._act(targets[self.focus])
            else:
                from display._keypad import nearest

                self.focus = nearest([t.rect for t in targets], self.focus, move)
                self.dirty = True

    def _act_at(self, x: int, y: int) -> None:
        assert self.browser is not None
        if self.laid is None:
            return
        self._act(next((t for t in self.laid.targets if _inside(t.rect, x, y)), None))

    def _act(self, hit: Target | None) -> None:
        assert self.browser is not None
        if hit is None:
            return
        self.dirty = True
        self.focus = 0 if hit.action != "print" else self.focus
        if self.job is None:
            self.job_note = ""  # the last print's outcome, said until the next touch
        if hit.action == "back" and len(self.browser.stack) == 1:
            self._home()
        elif hit.action == "print":
            self._ask_print()
        else:
            self.browser.act(hit.action, pages=self.laid.pages if self.laid else 1)

    def _ask_print(self) -> None:
        assert self.browser is not None and self.store is not None
        self.browser.touched_at = self.clock()
        if self.job is not None or not self.browser.page.code:
            return  # one at a time
        self.job = procedures.jobs.request(self.store, self.browser.page.code, now=self.clock())
        self.job_note = "Đang in danh sách giấy tờ…"

    def _follow_job(self) -> None:
        if self.job is None or self.store is None:
            return
        found = procedures.jobs.job(self.store, self.job)
        if found is None or found.state in ("pending", "printing"):
            return
        self.job, self.job_note, self.dirty = None, found.message, True

    def _paint_catalogue(self, now: float) -> None:
        assert self.browser is not None and self.screen.canvas is not None
        page = self.browser.page
        if self.job_note:
            page = dataclasses.replace(page, title=self.job_note)
        moment = lookup_moment(self.config, now, 0, stale=self.stale)
        self.laid, _ = paint_catalogue(
            self.screen.canvas,
            self.faces,
            page,
            self.config.site.name,
            moment,
            shown=self.browser.shown,
            diagonal_inches=self.config.lookup.diagonal_inches,
        )
        if self.keypad is not None and self.laid.targets:  # where enter would press
            self.focus = min(self.focus, len(self.laid.targets) - 1)
            width = max(4, self.screen.canvas.get_width() // 200)
            rect = pygame.Rect(self.laid.targets[self.focus].rect)
            pygame.draw.rect(self.screen.canvas, FOCUS, rect.inflate(width, width), width)
        self.screen.show()
        self.frames += 1
        self.dirty = False
        if self.on_page is not None:
            self.on_page(page, time.monotonic())


def _inside(rect: tuple[int, int, int, int], x: int, y: int) -> bool:
    left, top, width, height = rect
    return left <= x < left + width and top <= y < top + height
