"""Display figures for ``kiosk bench``.

- A call committed by another process to the first frame showing it: the real
  :class:`WallDaemon` loop on SDL's dummy screen (asked for 1920x1080), the calls made by a
  separate process at irregular intervals. Both sides stamp ``time.monotonic()``
  (one clock for every process on Linux).
- The display process at rest: ``kiosk run display --role wall`` as systemd starts
  it, nothing changing, its CPU time and memory read from ``/proc``; once with a
  notice that fits (still) and once with one that scrolls.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from kiosk.app.bench.site import cpu_ticks, site_with, voice_pack
from kiosk.config import Config
from kiosk.stats import timing

SIZE = (1920, 1080)
LONG_NOTICE = (
    "Trung tâm làm việc từ thứ Hai đến thứ Sáu, sáng từ 7 giờ 30 đến 11 giờ 30, chiều từ "
    "13 giờ đến 17 giờ. Công dân vui lòng giữ trật tự, chờ đến lượt và theo dõi số thứ tự."
)


def _caller(db: str, config: Config, count: int, out: Any) -> None:
    """Another process: issue and call ``count`` tickets, sending (number, commit time)."""
    from kiosk import ticketing
    from kiosk.store import Store

    rng = random.Random(7)
    counters = [c for c in config.counters if c.services]
    with Store(db, config.store.busy_timeout_ms) as store:
        for index in range(count):
            time.sleep(rng.uniform(0.06, 0.14))
            counter = counters[index % len(counters)]
            now = time.time()
            ticketing.issue(store, config, counter.services[0], now=now, printed=True)
            called = ticketing.call_next(store, config, counter.number, now=now)
            committed = time.monotonic()
            if called.ticket is not None:
                out.send((called.ticket.number, committed))
    out.send(None)


def commit_to_frame(config: Config, work: Path, n: int) -> dict[str, Any]:
    os.environ["SDL_VIDEODRIVER"] = "dummy"  # measured headless, whatever screen is attached
    from display import WallDaemon, fonts_for
    from kiosk.store import Store
    from kiosk.ticketing import Board

    config = dataclasses.replace(
        config, display=dataclasses.replace(config.display, resolution=SIZE, rotation=0)
    )
    db = work / "display.db"
    Store(db).close()
    shown: dict[str, float] = {}

    def frame(board: Board, at: float) -> None:
        if board.newest is not None:
            shown.setdefault(board.newest.number, at)

    daemon = WallDaemon(config, db, fonts_for(config), voice=False, on_frame=frame)
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    caller = context.Process(target=_caller, args=(str(db), config, n, send), daemon=True)
    committed: dict[str, float] = {}
    finished = threading.Event()
    stop = threading.Event()
    deadline = time.monotonic() + 30 + n

    def collect() -> None:
        while receive.poll():
            item = receive.recv()
            if item is None:
                finished.set()
            else:
                committed[item[0]] = item[1]
        done = finished.is_set() and all(number in shown for number in committed)
        if done or time.monotonic() > deadline:
            stop.set()

    daemon.step()  # first frame, screen and database open before calls start
    screen = daemon.screen.describe()
    caller.start()
    daemon.run(stop, on_tick=collect)
    caller.join(timeout=10)
    latencies = [(shown[k] - at) * 1000 for k, at in committed.items() if k in shown]
    if not latencies:
        raise RuntimeError(f"no call reached the wall display's screen ({len(committed)} made)")
    return {
        **timing(latencies),
        "missed": len(committed) - len(latencies),
        "frames": daemon.frames,
        "screen": screen,
        "poll_ms": config.display.poll_ms,
        "goal_p99_ms": 100,
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _site(config_path: str, work: Path, name: str, notice: str, pack: str) -> Path:
    """The site's config with a drop-in for the figure: a notice, the pack, a mode."""
    lines = [
        "[display]",
        f'resolution = "{SIZE[0]}x{SIZE[1]}"',
        "rotation = 0",
        f'notice = "{notice}"',
        "[voice]",
        f'pack = "{pack}"',
    ]
    return site_with(config_path, work / name, "bench", lines)


def idle(config_path: str, config: Config, work: Path, seconds: float) -> dict[str, Any]:
    """CPU and memory of the display process with nothing changing."""
    pack, voice = voice_pack(work, config.voice), "on (mixer open)"
    if pack is None:  # no espeak-ng: measured without voice
        pack, voice = work / "no-voice", "off"
    db = work / "idle.db"
    from kiosk.store import Store

    Store(db).close()
    out: dict[str, Any] = {"seconds": seconds, "voice": voice}
    for label, notice, span in (
        ("notice_still", "Xin mời lấy số thứ tự.", seconds),
        ("notice_scrolling", LONG_NOTICE, max(5.0, seconds / 3)),
    ):
        site = _site(config_path, work, label, notice, str(pack))
        out[label] = _measure(site, db, span)
    out["goal_cpu_percent"] = 1.0
    return out


def _measure(config_path: Path, db: Path, seconds: float) -> dict[str, Any]:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    kiosk = [sys.executable, "-m", "kiosk", "--config", str(config_path), "--db", str(db)]
    command = [*kiosk, "run", "display", "--role", "wall"]
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if "wall display ready" in line:
                break
        else:
            raise RuntimeError(f"kiosk run display did not start (exit {process.wait()})")
        # Drain its log so a full pipe never stalls it.
        threading.Thread(target=process.stderr.read, daemon=True).start()
        time.sleep(2.0)
        tick = os.sysconf("SC_CLK_TCK")
        before, started = cpu_ticks(process.pid), time.monotonic()
        time.sleep(seconds)
        used = (cpu_ticks(process.pid) - before) / tick
        elapsed = time.monotonic() - started
        return {
            "cpu_percent": round(100 * used / elapsed, 2),
            "rss_mb": _rss_mb(process.pid),
        }
    finally:
        process.terminate()
        process.wait(timeout=10)
