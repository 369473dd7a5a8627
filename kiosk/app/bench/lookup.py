"""Bench figures of the dossier look-up: import speed and size of the dossier cache,
and a scan's last key event to the look-up screen's frame showing its result, with
the cache full (a million dossiers by default).

The scan runs the real path: a simulated USB scanner (a pipe carrying evdev
events) read and grabbed by the scanner daemon, decoded, classified, looked up and
recorded, and the look-up screen daemon (SDL's dummy driver) polling the database
and painting the result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

from kiosk.config import Config, LookupConfig, ScannerConfig, ScannerDevice
from kiosk.stats import timing
from kiosk.store import Store

SCANNER = "/dev/input/by-id/usb-bench-scanner-event-kbd"


def fill_cache(config: Config, work: Path, count: int) -> tuple[Path, dict[str, Any], list[str]]:
    """A database holding ``count`` dossiers imported from JSON Lines; the import figures,
    and some of the codes."""
    from kiosk import dossiers
    from kiosk.app.demo.dossiers import sample_dossiers

    source = work / "dossiers.jsonl"
    rng = random.Random(5)
    codes: list[str] = []
    with source.open("w", encoding="utf-8") as handle:
        for record in sample_dossiers(dt.date.today(), count, seed=3):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            if len(codes) < 2000 and rng.random() < 2000 / count:
                codes.append(record["code"])
    db = work / "lookup.db"
    with Store(db, config.store.busy_timeout_ms) as store, source.open("rb") as handle:
        report = dossiers.import_jsonl(store, handle, config.site.timezone)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db.stat().st_size
    figures = {
        "dossiers": count,
        "rows_per_second": round(report.lines / report.seconds) if report.seconds else None,
        "seconds": round(report.seconds, 1),
        "rejected": report.rejected,
        "jsonl_mb": round(source.stat().st_size / 1e6, 1),
        "database_mb": round(size / 1e6, 1),
        "database_mb_per_million": round(size / 1e6 * 1_000_000 / count, 1),
    }
    source.unlink()
    return db, figures, codes


def _typing(text: str) -> list[Any]:
    """The key events a US-layout scanner sends for ``text`` (without the Enter)."""
    from kiosk.app.inputsim import down, tap, up

    events: list[Any] = []
    names = {"-": "KEY_MINUS", ".": "KEY_DOT"}
    for char in text:
        if char.isdigit():
            events += tap(f"KEY_{char}")
        elif char.isalpha():
            events += down("KEY_LEFTSHIFT") + tap(f"KEY_{char}") + up("KEY_LEFTSHIFT")
        else:
            events += tap(names[char])
    return events


def _bench_config(config: Config) -> Config:
    """The site's, with the simulated scanner and a Full HD look-up screen."""
    return dataclasses.replace(
        config,
        scanner=ScannerConfig(devices=(ScannerDevice(id="bench", device=SCANNER),)),
        lookup=LookupConfig(scanners=(), resolution=(1920, 1080), rotation=0, index=0),
    )


class _Frames:
    """``on_frame`` (and ``on_page``) for the look-up screen: when each code (a view's, or a
    catalogue page's) was first shown."""

    def __init__(self) -> None:
        self.shown: dict[str, float] = {}
        self.seen = threading.Condition()

    def __call__(self, view: Any, at: float) -> None:
        with self.seen:
            self.shown.setdefault(view.code, at)
            self.seen.notify_all()

    def wait_for(self, code: str, timeout: float) -> None:
        with self.seen:
            self.seen.wait_for(lambda: code in self.shown, timeout=timeout)


def scan_to_frame(
    config: Config, db: Path, codes: list[str], n: int, *, catalogue: bool = False
) -> dict[str, Any]:
    """Scans of ``codes`` (``n`` of them) to the frame showing each: a dossier's or ticket's
    result, or with ``catalogue`` a procedure's page."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"  # measured headless, whatever screen is attached
    from display import LookupDaemon, fonts_for
    from kiosk.app.inputsim import Keyboards, tap
    from scanner import ScannerDaemon

    config = _bench_config(config)
    keyboards = Keyboards()
    keyboards.plug(SCANNER)
    frames = _Frames()
    store = Store(db, config.store.busy_timeout_ms)
    scanner = ScannerDaemon(config, store, hid_opener=keyboards.open).start()
    screen = LookupDaemon(
        config, db, fonts_for(config), on_frame=frames, on_page=frames if catalogue else None
    )
    stop = threading.Event()
    scanner_thread = threading.Thread(target=scanner.run, args=(stop,), daemon=True)
    scanner_thread.start()
    sent: dict[str, float] = {}
    rng = random.Random(9)
    picked = rng.sample(codes, min(n, len(codes)))

    def scan_all() -> None:
        try:
            for code in picked:
                time.sleep(rng.uniform(0.05, 0.15))
                keyboards.send(SCANNER, _typing(code))
                sent[code] = time.monotonic()
                keyboards.send(SCANNER, tap("KEY_ENTER"))  # the last key event
                frames.wait_for(code, timeout=5)
        finally:
            stop.set()

    screen.step()  # first frame, screen and database open before the scans start
    shown_on = screen.screen.describe()
    deadline = time.monotonic() + 10
    while scanner.sources["bench"].state != "connected" and time.monotonic() < deadline:
        time.sleep(0.01)
    sender = threading.Thread(target=scan_all, daemon=True)
    sender.start()
    try:
        screen.run(stop)
    finally:
        sender.join(timeout=10)
        scanner_thread.join(timeout=10)
        keyboards.close()
        store.close()
    return _latencies(sent, frames.shown, shown_on, config)


def _latencies(
    sent: dict[str, float], shown: dict[str, float], screen: str, config: Config
) -> dict[str, Any]:
    latencies = [(shown[code] - at) * 1000 for code, at in sent.items() if code in shown]
    if not latencies:
        raise RuntimeError(f"no scan reached the look-up screen ({len(sent)} sent)")
    return {
        **timing(latencies),
        "missed": len(sent) - len(latencies),
        "cached_dossiers": None,
        "screen": screen,
        "poll_ms": config.display.poll_ms,
        "goal_p99_ms": 100,
    }


def lookup_figures(config: Config, work: Path, count: int, n: int) -> dict[str, Any]:
    db, imported, codes = fill_cache(config, work, count)
    scan = scan_to_frame(config, db, codes, n)
    scan["cached_dossiers"] = count
    return {"import": imported, "scan_to_frame": scan}
