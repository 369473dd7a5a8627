"""``kiosk run display --role wall``: the wall display and the voice, one loop.

The loop sleeps until something is due: a database change (the screens' bell rung by a
commit, :mod:`kiosk.store.bell`, and ``PRAGMA data_version`` every ``display.poll_ms``),
the clock's minute, the end of a highlight, the next
step of a scrolling notice, the end of an announcement. It repaints only then, so
an idle screen costs next to nothing. The screen, the sound output and the
database may each be missing or go away: the others carry on, and the missing one
is looked for again every ``display.retry_seconds``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from display._loop import ScreenLoop
from display._screen import Screen
from display._text import ScreenFonts
from display._wall import Frame, highlight_ends, paint_wall
from display.pygame_lib import pygame
from display.voice import Announcer, Clips, Spoken, VoiceError, init_mixer
from kiosk.config import Config
from kiosk.store import StoreError
from kiosk.ticketing import (
    Board,
    CounterBoard,
    ServiceBoard,
    calls_after,
    mark_said,
    read_board,
    voice_start,
)

log = logging.getLogger("kiosk.display")

HEALTH_NAME = "display.wall"


def empty_board(config: Config) -> Board:
    """What is shown before the database could ever be read."""
    counters = tuple(CounterBoard(c.number, c.label, None, False, "") for c in config.counters)
    services = tuple(ServiceBoard(s.id, s.name, 0) for s in config.services)
    return Board("", (), counters, services, config.display.notice)


class WallDaemon(ScreenLoop):
    health_name = HEALTH_NAME
    parts = ("store", "screen", "voice")

    def __init__(
        self,
        config: Config,
        db_path: str | Path,
        faces: ScreenFonts,
        *,
        screen: Screen | None = None,
        voice: bool | None = None,
        on_frame: Callable[[Board, float], None] | None = None,
        on_said: Callable[[Spoken, float], None] | None = None,
        on_dropped: Callable[[int, int, float], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(config, db_path, faces, screen or Screen(config.display), clock)
        self.want_voice = config.voice.enabled if voice is None else voice
        self.on_frame = on_frame  # after each whole picture: the board shown, when
        self.on_said = on_said  # a call's announcement started: what, when
        self.on_dropped = on_dropped  # calls too old to say: how many, up to which call, when
        self.seen_version: int | None = None
        self.read_minute = -1
        self.board = empty_board(config)
        self.stale = True
        self.last_call: int | None = None  # the newest call already handed to the voice
        self.announcer: Announcer | None = None
        self.frame: Frame | None = None
        self.frames = 0
        self.scroll_started = time.monotonic()
        self.next_scroll = 0.0
        self.next_look = 0.0  # monotonic: when the database is looked at again
        self.shown_minute = -1
        self.highlight_until: float | None = None

    # -- the loop ---------------------------------------------------------------

    def step(self) -> float:
        """One pass: read, speak, paint what is due. Returns how long to sleep.

        The database, the parts that come and go, the window's events and the health are
        looked at every ``display.poll_ms``; a wake between two looks (a scrolling notice
        steps 30 times a second) only speaks and paints what is due. While the notice
        scrolls, a look is made on the first step after ``poll_ms`` rather than on a wake
        of its own: half as many wake-ups, each of which costs a core more than its work
        on a small machine (README, "Performance": the wall at rest)."""
        now = self.clock()
        mono = time.monotonic()
        if self.dirty or self.rung or mono >= self.next_look or not self.screen.is_open:
            self.rung = False
            self._look(now)
            self.next_look = mono + self.config.display.poll_ms / 1000
        wake = []
        if self.announcer is not None:
            try:
                if (due := self._speak(now)) is not None:
                    wake.append(due)
            except (pygame.error, ValueError) as exc:
                self.announcer.stop()
                self.announcer = None
                if pygame.mixer.get_init() is not None:
                    pygame.mixer.quit()
                self._problem("voice", f"voice failed: {exc}", self.config.display.retry_seconds)
        if self.screen.is_open:
            wake.append(self._paint(now))
        if not self._scrolling():
            wake.append(self.next_look - time.monotonic())
        return max(0.001, min(wake))

    def _look(self, now: float) -> None:
        """The database, the parts that come and go, the window's events, the health."""
        self._open_parts(now)
        if self.store is not None:
            self._poll(now)
        self._handle_events()
        self._feed_voice(now)
        self._report(now)

    def _scrolling(self) -> bool:
        return self.screen.is_open and self.frame is not None and self.frame.notice.scrolls

    # -- parts that come and go ---------------------------------------------------

    def _open_parts(self, now: float) -> None:
        self._open_store_and_screen()
        retry, retry_now = self.config.display.retry_seconds, time.monotonic()
        if self.want_voice and self.announcer is None and retry_now >= self.retry["voice"]:
            try:
                init_mixer()
                self.announcer = Announcer(self.config, Clips(self.config.voice.pack))
                self._ok("voice")
            except (pygame.error, VoiceError) as exc:
                if pygame.mixer.get_init() is not None:
                    pygame.mixer.quit()
                # Sound cards rarely appear by themselves: look again less often.
                self._problem("voice", f"voice unavailable: {exc}", max(retry, 30.0))

    # -- data ---------------------------------------------------------------

    def _poll(self, now: float) -> None:
        assert self.store is not None
        try:
            version = self.store.data_version()
            minute = int(now // 60)  # the day and a timed notice end without a commit
            if version == self.seen_version and not self.stale and minute == self.read_minute:
                return
            board = read_board(
                self.store, self.config, now=now, history=self.config.display.history
            )
            if self.last_call is None:
                stale = self.config.voice.stale_seconds
                self.last_call = voice_start(self.store, HEALTH_NAME, now=now, stale_seconds=stale)
        except (sqlite3.Error, StoreError) as exc:
            if not self.stale:
                self.dirty = True  # show that the picture may be old
            self.stale = True
            self._lost_store(exc)
            self.seen_version = None
            return
        self.seen_version, self.read_minute = version, minute
        if board != self.board or self.stale:
            self.board = board
            self.dirty = True
            self.highlight_until = highlight_ends(self.config, board)
        self.stale = False
        self._ok("store")

    def _speak(self, now: float) -> float | None:
        assert self.announcer is not None
        handled = self.announcer.handled
        before = self.announcer.spoken[-1] if self.announcer.spoken else None
        dropped = self.announcer.dropped
        due = self.announcer.tick(now)
        spoken = self.announcer.spoken[-1] if self.announcer.spoken else None
        if self.on_said is not None and spoken is not None and spoken is not before:
            self.on_said(spoken, now)
        if self.on_dropped is not None and self.announcer.dropped != dropped:
            self.on_dropped(self.announcer.dropped - dropped, self.announcer.handled, now)
        if self.announcer.handled != handled and self.store is not None:
            try:
                mark_said(self.store, HEALTH_NAME, self.announcer.handled, now=now)
            except (sqlite3.Error, StoreError) as exc:
                log.warning("voice: cannot record the last call said: %s", exc)
        return due

    def _feed_voice(self, now: float) -> None:
        if self.store is None or self.last_call is None:
            return
        newest = self.board.newest
        if newest is None or newest.id <= self.last_call:
            return
        if self.announcer is None:
            self.last_call = newest.id  # no voice now: these calls will not be said
            return
        try:
            for call in calls_after(self.store, self.last_call):
                self.announcer.add(call)
                self.last_call = call.id
        except (sqlite3.Error, StoreError) as exc:
            log.warning("voice: cannot read new calls: %s", exc)

    # -- the picture ---------------------------------------------------------------

    def _paint(self, now: float) -> float:
        """Repaint what is due; seconds until the next thing is."""
        minute = int(now // 60)
        if minute != self.shown_minute:
            self.dirty = True
        if self.highlight_until is not None and now >= self.highlight_until:
            self.highlight_until = None
            self.dirty = True
        try:
            if self.dirty:
                self._paint_all(now, minute)
            elif (
                self.frame is not None
                and self.frame.notice.scrolls
                and self.screen.canvas is not None
                and time.monotonic() >= self.next_scroll
            ):
                rect = self.frame.notice.scroll(self.screen.canvas, self._scrolled())
                self.screen.show(rect)
                self.next_scroll = time.monotonic() + 1 / 30
        except pygame.error as exc:
            return self._lost_screen(exc)
        due = [(minute + 1) * 60 - now]
        if self.highlight_until is not None:
            due.append(self.highlight_until - now)
        if self.frame is not None and self.frame.notice.scrolls:
            due.append(max(0.0, self.next_scroll - time.monotonic()))
        return max(0.001, min(due))

    def _scrolled(self) -> float:
        return time.monotonic() - self.scroll_started

    def _paint_all(self, now: float, minute: int) -> None:
        assert self.screen.canvas is not None
        self.frame = paint_wall(
            self.screen.canvas,
            self.faces,
            self.config,
            self.board,
            now,
            stale=self.stale,
            scrolled=self._scrolled(),
        )
        self.screen.show()
        self.frames += 1
        self.dirty = False
        self.shown_minute = minute
        self.next_scroll = time.monotonic() + 1 / 30
        if self.on_frame is not None:
            self.on_frame(self.board, time.monotonic())

    def close(self) -> None:
        if self.announcer is not None:
            self.announcer.stop()
        self._close_store_and_screen()
        if pygame.mixer.get_init() is not None:
            pygame.mixer.quit()
