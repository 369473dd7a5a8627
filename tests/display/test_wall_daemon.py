"""The wall display daemon (``kiosk run display --role wall``) against a real SQLite file.

The daemon runs in the test thread on SDL's dummy screen and sound card; the queue is
changed through a separate connection to the same file, as the counter daemons would.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from display import HEALTH_NAME, WallDaemon, fonts_for
from kiosk import ticketing
from kiosk.config import Config
from kiosk.store import Store
from kiosk.ticketing import Board, CounterBoard, ServiceBoard
from tests.conftest import OPEN_ALL_DAY, ROOT, at, kiosk_in, make_config, wait_until
from tests.pixels import surface_bytes

# ``Spoken.started`` is when a sound was handed to the mixer, which mixes one buffer
# (1024 frames at 22.05 kHz) ahead of the sound card; SDL's dummy sound card also takes
# 46 ms for each 46.4 ms buffer. Two buffers is the most that can seem to overlap.
MIXER_SLACK_SECONDS = 2 * 1024 / 22050
CALL_LABEL = "ĐẾN QUẦY 1 - ĐẤT ĐAI"  # "ĐẾN " + counter 1's label, upper case


# -- helpers ------------------------------------------------------------------------------


def day_clock(hour: int = 9, minute: int = 0, second: float = 5.0) -> Callable[[], float]:
    """Epoch "now" on the Monday test day, with real seconds passing from ``second``."""
    base = at(hour, minute, second)
    start = time.monotonic()
    return lambda: base + (time.monotonic() - start)


def wall_config(voice_pack: Path | None = None, **display: object) -> Config:
    voice: dict[str, object] = {"chime": False, "gap_ms": 0}
    if voice_pack is not None:
        voice["pack"] = str(voice_pack)
    return make_config(hours=OPEN_ALL_DAY, display={"retry_seconds": 0.5, **display}, voice=voice)


@dataclass(frozen=True)
class Shown:
    """One full repaint as the daemon reported it."""

    board: Board
    at: float  # monotonic
    styles: tuple[str, ...]
    texts: tuple[str, ...]

    @property
    def number(self) -> str | None:
        return None if self.board.newest is None else self.board.newest.number


@dataclass
class Recorder:
    """``on_frame`` for a daemon: what each full repaint showed."""

    shown: list[Shown] = field(default_factory=list)
    daemon: WallDaemon | None = None

    def __call__(self, board: Board, monotonic: float) -> None:
        assert self.daemon is not None and self.daemon.frame is not None
        frame = self.daemon.frame
        self.shown.append(
            Shown(
                board,
                monotonic,
                tuple(panel.style for panel in frame.layout.panels),
                tuple(placed.text for placed in frame.placed),
            )
        )

    def first_with(self, number: str) -> Shown | None:
        return next((s for s in self.shown if s.number == number), None)


def new_daemon(
    config: Config,
    db_path: Path,
    recorder: Recorder,
    *,
    voice: bool | None = False,
    clock: Callable[[], float] | None = None,
) -> WallDaemon:
    daemon = WallDaemon(
        config,
        db_path,
        fonts_for(config),
        voice=voice,
        on_frame=recorder,
        clock=clock or day_clock(),
    )
    recorder.daemon = daemon
    return daemon


def drive(daemon: WallDaemon, until: Callable[[], bool], timeout: float = 3.0) -> list[float]:
    """Step the daemon (sleeping as it asks, at most 20 ms) until ``until`` holds.

    Returns how long each step took."""
    took: list[float] = []
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError("timed out driving the daemon")
        started = time.monotonic()
        pause = daemon.step()
        took.append(time.monotonic() - started)
        time.sleep(min(pause, 0.02))
    return took


def drive_for(daemon: WallDaemon, seconds: float) -> list[float]:
    end = time.monotonic() + seconds
    return drive(daemon, lambda: time.monotonic() >= end, timeout=seconds + 2)


def health_of(db_path: Path) -> dict[str, Any]:
    """The display's health row, as another process sees it."""
    with Store(db_path) as store:
        rows = {row["daemon"]: row for row in store.health()}
    assert HEALTH_NAME in rows, rows
    return rows[HEALTH_NAME]


def health_state(db_path: Path) -> str | None:
    with Store(db_path) as store:
        states = {row["daemon"]: row["state"] for row in store.health()}
    return states.get(HEALTH_NAME)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kiosk.db"


@pytest.fixture
def writer(db_path: Path) -> Iterator[Store]:
    """The counters' side: a connection of its own to the daemon's file."""
    with Store(db_path) as store:
        yield store


# -- 1. a call made elsewhere shows at once ------------------------------------------------


def test_ok__call_committed_by_another_connection_is_shown_within_half_a_second(
    db_path: Path, writer: Store
) -> None:
    config = wall_config()
    clock = day_clock()
    ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder, clock=clock)
    stop = threading.Event()
    committed: list[float] = []
    deadline = time.monotonic() + 10

    def counter_calls() -> None:
        time.sleep(0.2)
        with Store(db_path) as counter_side:
            started = time.monotonic()
            ticketing.call_next(counter_side, config, 1, now=clock())
            committed.append(started)

    caller = threading.Thread(target=counter_calls)

    def on_tick() -> None:
        if recorder.shown and caller.ident is None:
            caller.start()
        if recorder.first_with("A001") is not None or time.monotonic() > deadline:
            stop.set()

    daemon.run(stop, on_tick=on_tick)
    caller.join(5)

    assert daemon.screen.is_open is False  # run() closed everything
    shown = recorder.first_with("A001")
    assert shown is not None, [s.number for s in recorder.shown]
    assert committed
    assert shown.at - committed[0] < 0.5
    newest = shown.board.newest
    assert newest is not None
    assert (newest.number, newest.counter, newest.kind) == ("A001", 1, "call")
    assert "A001" in shown.texts
    assert CALL_LABEL in shown.texts
    # The frame before the call showed nobody called yet.
    assert recorder.shown[0].number is None
    assert health_of(db_path)["state"] == "stopped"


# -- 2. idle costs nothing; the highlight ends by itself -----------------------------------


def test_ok__idle_screen_is_not_repainted_and_highlight_ends_with_one_repaint(
    db_path: Path, writer: Store
) -> None:
    config = wall_config(highlight_seconds=1)
    clock = day_clock(9, 0, 5)  # the minute does not roll over during the test
    ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder, clock=clock)
    try:
        drive(daemon, lambda: daemon.frames >= 1)
        first = daemon.frames
        drive_for(daemon, 1.5)
        assert daemon.frames == first, [s.at for s in recorder.shown]
        assert len(recorder.shown) == first

        ticketing.call_next(writer, config, 1, now=clock())
        drive(daemon, lambda: recorder.first_with("A001") is not None)
        hot = recorder.shown[-1]
        assert hot.number == "A001"
        assert "call-hot" in hot.styles
        assert "call" not in hot.styles
        assert daemon.frames == first + 1

        drive(daemon, lambda: daemon.frames >= first + 2, timeout=3)
        cooled = recorder.shown[-1]
        assert cooled.number == "A001"
        assert "call-hot" not in cooled.styles
        assert "call" in cooled.styles
        assert 0.7 <= cooled.at - hot.at <= 1.5
        assert daemon.frame is not None
        assert "call-hot" not in {panel.style for panel in daemon.frame.layout.panels}

        drive_for(daemon, 0.5)  # and nothing more to do after that
        assert daemon.frames == first + 2
    finally:
        daemon.close()


def test_ok__a_long_notice_scrolls_without_repainting_the_rest_of_the_screen(
    db_path: Path, writer: Store
) -> None:
    from display.pygame_lib import pygame
    from tests.display.test_wall import LONG_NOTICE

    config = wall_config(notice=LONG_NOTICE)
    clock = day_clock(9, 0, 5)
    ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    daemon = new_daemon(config, db_path, Recorder(), clock=clock)
    try:
        drive(daemon, lambda: daemon.frames >= 1)
        canvas, frame = daemon.screen.canvas, daemon.frame
        assert canvas is not None and frame is not None and frame.notice.scrolls
        strip = pygame.Rect(frame.layout.notice)

        def apart() -> tuple[bytes, bytes]:
            rest = canvas.copy()
            rest.fill((1, 2, 3), strip)
            return (surface_bytes(canvas.subsurface(strip), "RGB"),
                    surface_bytes(rest, "RGB"))  # fmt: skip

        notice, rest = apart()
        seen = {notice}
        for _ in range(5):
            drive_for(daemon, 0.1)
            notice, now_rest = apart()
            seen.add(notice)
            assert now_rest == rest
        assert len(seen) >= 4  # it moved at each look
        assert daemon.frames == 1  # by steps of the strip alone
    finally:
        daemon.close()


def test_ok__a_scrolling_notice_wakes_the_daemon_for_its_steps_only_and_calls_still_show(
    db_path: Path, writer: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the notice scrolling 30 steps a second, the database is looked at on a step
    at least poll_ms after the last look, never on a wake of its own; a call committed
    meanwhile is on the screen within two steps of the look that finds it."""
    from tests.display.test_wall import LONG_NOTICE

    config = wall_config(notice=LONG_NOTICE)
    clock = day_clock(9, 0, 5)
    ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder, clock=clock)
    looks: list[float] = []
    poll = daemon._poll
    monkeypatch.setattr(daemon, "_poll", lambda now: (looks.append(time.monotonic()), poll(now)))
    stop = threading.Event()
    wakes: list[float] = []
    committed: list[float] = []

    def on_tick() -> None:
        wakes.append(time.monotonic())
        if len(wakes) == 30:
            committed.append(time.monotonic())
            ticketing.call_next(writer, config, 1, now=clock())
        if recorder.first_with("A001") is not None or len(wakes) > 150:
            stop.set()

    daemon.run(stop, on_tick=on_tick)
    assert daemon.frame is not None and daemon.frame.notice.scrolls
    steps = [b - a for a, b in itertools.pairwise(wakes[1:])]
    assert statistics.median(steps) == pytest.approx(1 / 30, abs=0.01)  # the scroll's pace
    gaps = [b - a for a, b in itertools.pairwise(looks[1:])]
    assert min(gaps) >= config.display.poll_ms / 1000 - 0.005  # no look of its own
    assert len(looks) <= len(wakes) // 2 + 2
    shown = recorder.first_with("A001")
    assert shown is not None and committed
    assert shown.at - committed[0] < config.display.poll_ms / 1000 + 3 / 30


# -- 3. the voice: every new call said once, in order, never over each other ---------------


def test_ok__new_calls_are_announced_in_commit_order_without_overlap(
    db_path: Path, writer: Store, voice_pack: Path
) -> None:
    config = wall_config(voice_pack)
    clock = day_clock()
    for service in ("dat-dai", "dat-dai", "dat-dai", "thue"):
        ticketing.issue(writer, config, service, now=clock(), printed=True)
    before = ticketing.call_next(writer, config, 1, now=clock())  # made before the daemon ran
    assert before.ticket is not None
    old_id = int(writer.conn.execute("SELECT MAX(id) FROM calls").fetchone()[0])

    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder, voice=None, clock=clock)
    try:
        drive(daemon, lambda: daemon.frames >= 1 and daemon.announcer is not None)
        assert daemon.problems == {"store": "", "screen": "", "voice": ""}

        first = ticketing.call_next(writer, config, 1, now=clock())
        second = ticketing.call_next(writer, config, 2, now=clock())
        ticketing.recall(writer, config, 1, now=clock())
        assert first.ticket is not None and second.ticket is not None
        new_ids = [old_id + 1, old_id + 2, old_id + 3]
        assert int(writer.conn.execute("SELECT MAX(id) FROM calls").fetchone()[0]) == new_ids[-1]

        announcer = daemon.announcer
        assert announcer is not None
        drive(daemon, lambda: len(announcer.spoken) >= 3 and not announcer.busy, timeout=30)
        spoken = announcer.spoken
        assert [s.call_id for s in spoken] == new_ids
        assert old_id not in [s.call_id for s in spoken]
        assert [s.kind for s in spoken] == ["call", "call", "recall"]
        assert [(s.number, s.counter) for s in spoken] == [
            (first.ticket.number, 1),
            (second.ticket.number, 2),
            (first.ticket.number, 1),
        ]
        for earlier, later in itertools.pairwise(spoken):
            assert earlier.seconds > 0.5
            # The next starts only once the last has been played out (one channel).
            assert later.started >= earlier.started + earlier.seconds - MIXER_SLACK_SECONDS, (
                earlier,
                later,
            )
        assert announcer.dropped == 0
    finally:
        daemon.close()


# -- 4. no database at start: the screen still shows, and the database is found later -----


def test_ok__unavailable_database_at_start_then_found(tmp_path: Path) -> None:
    config = wall_config()
    blocker = tmp_path / "site"
    blocker.write_text("not a folder", encoding="utf-8")
    db_path = blocker / "kiosk.db"
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder)
    try:
        took = drive_for(daemon, 1.2)  # a couple of retries go by
        assert max(took) < 0.5
        assert daemon.problems["store"] != ""
        assert "database unavailable" in daemon.problems["store"]
        assert daemon.stale is True
        assert daemon.screen.is_open
        assert daemon.frames >= 1
        counters = tuple(CounterBoard(c.number, c.label, None, False, "") for c in config.counters)
        services = tuple(ServiceBoard(s.id, s.name, 0) for s in config.services)
        assert daemon.board == Board("", (), counters, services, config.display.notice)
        assert daemon.board.newest is None
        assert [c.number for c in daemon.board.counters] == list(range(1, 9))
        assert daemon.frame is not None
        texts = [placed.text for placed in daemon.frame.placed]
        assert "Quầy 1 - Đất đai" in texts
        assert "Mất kết nối dữ liệu" in texts  # the picture may be old

        blocker.unlink()
        blocker.mkdir()
        with Store(db_path) as writer:
            ticketing.issue(writer, config, "dat-dai", now=daemon.clock(), printed=True)
            ticketing.call_next(writer, config, 1, now=daemon.clock())
        drive(daemon, lambda: recorder.first_with("A001") is not None, timeout=5)
        assert daemon.problems["store"] == ""
        assert daemon.stale is False
        assert daemon.frame is not None
        texts = [placed.text for placed in daemon.frame.placed]
        assert "A001" in texts
        assert "Mất kết nối dữ liệu" not in texts
        row = health_of(db_path)
        assert (row["state"], row["detail"]) == ("ok", "")
    finally:
        daemon.close()
    assert health_of(db_path)["state"] == "stopped"


# -- 5. a long write lock does not freeze the screen ------------------------------------------


def test_ok__write_lock_held_by_another_connection_does_not_stall_the_daemon(
    db_path: Path, writer: Store
) -> None:
    config = wall_config()
    clock = day_clock()
    for _ in range(2):
        ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    ticketing.call_next(writer, config, 1, now=clock())
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder, clock=clock)
    try:
        drive(daemon, lambda: recorder.first_with("A001") is not None)

        # While the daemon is connected, SQLite in WAL mode will not give anyone an
        # EXCLUSIVE-mode lock (every WAL connection holds a shared lock on the file)...
        locker = sqlite3.connect(db_path, isolation_level=None, timeout=0.2)
        try:
            locker.execute("PRAGMA locking_mode = EXCLUSIVE")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                locker.execute("BEGIN EXCLUSIVE")
            # ...so the longest lock another connection can hold is the write lock.
            locker.execute("PRAGMA locking_mode = NORMAL")
            locker.execute("BEGIN EXCLUSIVE")
            locker.execute("UPDATE kv SET value = value WHERE key = 'event_seq'")
            took = drive_for(daemon, 1.5)
            assert max(took) < 0.5
            assert daemon.stale is False  # readers are not blocked by a writer in WAL
            assert daemon.problems["store"] == ""
        finally:
            locker.execute("ROLLBACK")
            locker.close()

        ticketing.call_next(writer, config, 1, now=clock())
        drive(daemon, lambda: recorder.first_with("A002") is not None, timeout=3)
        assert daemon.board.newest is not None
        assert daemon.board.newest.number == "A002"
    finally:
        daemon.close()


def test_ok__exclusive_lock_at_start_does_not_stall_the_daemon(
    db_path: Path, writer: Store
) -> None:
    config = wall_config()
    clock = day_clock()
    ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    writer.close()  # nobody else is connected: an EXCLUSIVE-mode lock can be had
    locker = sqlite3.connect(db_path, isolation_level=None, timeout=1)
    locker.execute("PRAGMA locking_mode = EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    locker.execute("UPDATE kv SET value = value WHERE key = 'event_seq'")
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder, clock=clock)
    try:
        try:
            took = drive_for(daemon, 1.5)
            assert max(took) < 0.5, took
            assert "database unavailable" in daemon.problems["store"]
            assert "locked" in daemon.problems["store"]
            assert daemon.stale is True
            assert daemon.frames >= 1  # the screen shows what it has meanwhile
        finally:
            locker.execute("ROLLBACK")
            locker.close()

        with Store(db_path) as counter_side:
            ticketing.call_next(counter_side, config, 1, now=clock())
        drive(daemon, lambda: recorder.first_with("A001") is not None, timeout=5)
        assert daemon.problems["store"] == ""
        assert daemon.stale is False
    finally:
        daemon.close()


# -- 6. no screen: the voice carries on, and the screen is found later ------------------------


def test_ok__unavailable_screen_keeps_the_voice_then_screen_comes_back(
    db_path: Path, writer: Store, voice_pack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = wall_config(voice_pack)
    clock = day_clock()
    ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder, voice=None, clock=clock)
    try:
        drive(daemon, lambda: daemon.announcer is not None and daemon.problems["screen"] != "")
        assert "screen unavailable" in daemon.problems["screen"]
        assert daemon.screen.is_open is False
        row = health_of(db_path)
        assert row["state"] == "degraded"
        assert "screen unavailable" in str(row["detail"])

        ticketing.call_next(writer, config, 1, now=clock())
        call_id = int(writer.conn.execute("SELECT MAX(id) FROM calls").fetchone()[0])
        announcer = daemon.announcer
        assert announcer is not None
        drive(daemon, lambda: any(s.call_id == call_id for s in announcer.spoken), timeout=3)
        assert [(s.number, s.counter) for s in announcer.spoken] == [("A001", 1)]
        assert daemon.frames == 0
        assert daemon.screen.is_open is False

        monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
        drive(daemon, lambda: daemon.frames >= 1, timeout=3)
        assert daemon.screen.is_open
        assert daemon.problems["screen"] == ""
        shown = recorder.shown[0]
        assert shown.number == "A001"
        assert "A001" in shown.texts
        assert CALL_LABEL in shown.texts
        drive(daemon, lambda: health_state(db_path) == "ok", timeout=3)
    finally:
        daemon.close()


# -- 7, 8. the daemon as a user runs it ---------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path, voice_pack: Path) -> Path:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    old = 'pack = "/var/lib/kiosk/voice"'
    assert old in text
    (tmp_path / "config.toml").write_text(
        text.replace(old, f"pack = {json.dumps(str(voice_pack))}"), encoding="utf-8"
    )
    return tmp_path


def user_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}


class Lines:
    """A process's stderr, read line by line in a thread of its own."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert process.stderr is not None
        self.thread = threading.Thread(target=self._read, args=(process.stderr,), daemon=True)
        self.thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def has(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))


def test_ok__cli_wall_display_runs_announces_and_stops_on_sigterm(site: Path) -> None:
    db_path = site / "kiosk.db"
    config = make_config(hours=OPEN_ALL_DAY)
    with Store(db_path) as store:
        ticketing.issue(store, config, "dat-dai", now=time.time(), printed=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", str(site / "config.toml"),
         "--db", str(db_path), "run", "display", "--role", "wall"],
        cwd=ROOT, env=user_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, encoding="utf-8",
    )  # fmt: skip
    stderr = Lines(process)
    try:
        wait_until(lambda: stderr.has("wall display ready"), timeout=20)
        assert process.poll() is None
        with Store(db_path) as store:
            ticketing.call_next(store, config, 1, now=time.time())
        wait_until(lambda: stderr.has("announcing A001 → quầy 1"), timeout=10)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr.thread.join(5)
    assert stderr.has("wall display stopped"), stderr.lines
    assert not stderr.has("Traceback"), stderr.lines
    assert health_of(db_path)["state"] == "stopped"


def test_fail__cli_run_display_without_role_is_a_usage_error(site: Path) -> None:
    done = kiosk_in(site, "run", "display")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "--role" in done.stderr


def test_fail__cli_role_is_only_for_the_display(site: Path) -> None:
    done = kiosk_in(site, "run", "kiosk", "--role", "wall")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "--role" in done.stderr


def test_fail__cli_wall_display_with_a_font_lacking_vietnamese_is_a_config_error(
    site: Path,
) -> None:
    mono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
    assert Path(mono).is_file()
    config = site / "config.toml"
    text = config.read_text(encoding="utf-8")
    old = '\nfont = ""'  # [display] font: the only one in the example
    assert text.count(old) == 1
    assert text.index("[display]") < text.index(old) < text.index("[voice]")
    config.write_text(text.replace(old, f'\nfont = "{mono}"'), encoding="utf-8")
    started = time.monotonic()
    done = kiosk_in(site, "run", "display", "--role", "wall")
    assert time.monotonic() - started < 30
    assert done.returncode == 78, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "lacks" in lines[0]
    assert "Traceback" not in done.stderr


def test_ok__status_lists_the_stopped_wall_display(site: Path) -> None:
    db_path = site / "kiosk.db"
    config = wall_config()
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder)
    try:
        drive(daemon, lambda: daemon.frames >= 1 and health_state(db_path) == "ok")
    finally:
        daemon.close()

    done = kiosk_in(site, "status")
    assert done.returncode == 0, done.stderr
    assert "display.wall: stopped" in done.stdout.splitlines()

    done = kiosk_in(site, "status", "--json")
    assert done.returncode == 0, done.stderr
    daemons = json.loads(done.stdout)["daemons"]
    assert [(d["daemon"], d["state"]) for d in daemons] == [("display.wall", "stopped")]
    assert daemons[0]["pid"] == os.getpid()


def test_ok__run_closes_the_screen_and_reports_stopped(db_path: Path) -> None:
    recorder = Recorder()
    daemon = new_daemon(wall_config(), db_path, recorder)
    stop = threading.Event()
    daemon.run(stop, on_tick=lambda: stop.set() if daemon.frames >= 1 else None)
    assert daemon.frames >= 1
    assert daemon.screen.is_open is False
    assert health_of(db_path)["state"] == "stopped"


# -- a restart goes on where the voice left off ------------------------------------------------


def test_ok__a_restarted_display_says_the_calls_made_while_it_was_down(
    db_path: Path, writer: Store, voice_pack: Path
) -> None:
    config = wall_config(voice_pack)
    clock = day_clock()
    for _ in range(3):
        ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    daemon = new_daemon(config, db_path, Recorder(), voice=None, clock=clock)
    try:
        drive(daemon, lambda: daemon.announcer is not None and daemon.frames >= 1)
        ticketing.call_next(writer, config, 1, now=clock())
        announcer = daemon.announcer
        assert announcer is not None
        drive(daemon, lambda: len(announcer.spoken) == 1)
        said = announcer.spoken[0].call_id
    finally:
        daemon.close()
    # Down for a moment: a call is made meanwhile.
    missed = ticketing.call_next(writer, config, 1, now=clock())
    assert missed.ticket is not None
    again = new_daemon(config, db_path, Recorder(), voice=None, clock=clock)
    try:
        drive(again, lambda: again.announcer is not None and len(again.announcer.spoken) == 1)
        assert again.announcer is not None
        [spoken] = again.announcer.spoken
        assert spoken.call_id == said + 1 and spoken.number == missed.ticket.number
    finally:
        again.close()


def test_ok__call_ids_never_come_back_after_old_calls_are_deleted(writer: Store) -> None:
    config = wall_config()
    ticketing.issue(writer, config, "dat-dai", now=at(9), printed=True)
    ticketing.call_next(writer, config, 1, now=at(9, 1))
    first = int(writer.conn.execute("SELECT MAX(id) FROM calls").fetchone()[0])
    later = at(9, 0) + 9 * 86400  # after a nine-day closure: the old calls are deleted
    ticketing.issue(writer, config, "dat-dai", now=later, printed=True)
    ticketing.call_next(writer, config, 1, now=later + 60)
    ids = [row[0] for row in writer.conn.execute("SELECT id FROM calls")]
    assert ids == [first + 1]


def test_ok__status_shows_a_display_killed_without_a_word(tmp_path: Path, writer: Store) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    writer.report_health("display.wall", "ok", "", at(9))
    writer.conn.execute("UPDATE health SET pid = ?", (gone.pid,))
    [row] = writer.health()
    assert (row["state"], row["reported"]) == ("not running", "ok")
    writer.report_health("display.wall", "ok", "", at(9))  # this (live) process
    assert writer.health()[0]["state"] == "ok"


def test_ok__the_bell_shows_calls_long_before_the_next_look_at_the_database(
    db_path: Path, writer: Store
) -> None:
    """A wall that looks at the database only once a second shows each call within a
    fraction of it: the commit rings the screens' bell (kiosk.store.bell)."""
    config = wall_config(poll_ms=1000)
    clock = day_clock()
    for _ in range(5):
        ticketing.issue(writer, config, "dat-dai", now=clock(), printed=True)
    recorder = Recorder()
    daemon = new_daemon(config, db_path, recorder, clock=clock)
    stop = threading.Event()
    latencies: list[float] = []

    def counter_calls() -> None:
        try:
            with Store(db_path) as counter_side:
                for number in range(1, 6):
                    time.sleep(0.3)
                    started = time.monotonic()
                    ticketing.call_next(counter_side, config, 1, now=clock())
                    wait_until(lambda n=number: recorder.first_with(f"A{n:03d}") is not None)
                    shown = recorder.first_with(f"A{number:03d}")
                    assert shown is not None
                    latencies.append(shown.at - started)
        finally:
            stop.set()

    caller = threading.Thread(target=counter_calls)

    def on_tick() -> None:
        if recorder.shown and caller.ident is None:
            caller.start()

    daemon.run(stop, on_tick=on_tick)
    caller.join(10)
    assert len(latencies) == 5
    assert max(latencies) < 0.3, latencies  # by the polls alone: 0.5 s on average
