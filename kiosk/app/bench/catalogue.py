"""The procedure catalogue's figures, with 2,000 procedures cached: importing them, a tap on
a touch panel (its last event) to the look-up screen's frame showing what it opened, a key
of the on-screen keyboard to the frame of the new results, a procedure's code scanned (a
poster's QR) to the frame of its page, and the bytes of a ten-paper list of papers. The
panel and the scanner are simulated (evdev events on a pipe, read by the display's own
reader and by the scanner daemon); the screen is SDL's dummy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from kiosk import procedures
from kiosk.app.demo.catalogue import catalogue_file
from kiosk.config import Config
from kiosk.stats import timing
from kiosk.store import Store

COUNT = 2000
PANEL = "/dev/input/by-id/bench-touch-event"
SIZE = (1024, 768)
RANGE = 4095


def many(count: int) -> bytes:
    """``count`` procedures in the portal's field names: the example centre's catalogue,
    each again with its own code and a numbered name (JSON Lines)."""
    text = catalogue_file().read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines()]
    lines = []
    for index in range(count):
        record = dict(records[index % len(records)])
        round_ = index // len(records)
        if round_:
            record["MATTHC"] = f"3.{index:06d}"
            record["TENTTHC"] = f"{record['TENTTHC']} (mẫu {round_})"
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def catalogue_figures(config: Config, work: Path, n: int) -> dict[str, Any]:
    db = work / "catalogue.db"
    with Store(db) as store:
        started = time.perf_counter()
        report = procedures.import_jsonl(store, io.BytesIO(many(COUNT)))
        imported = time.perf_counter() - started
    touches, keys = _taps(config, db, n)
    from kiosk.app.bench.lookup import scan_to_frame

    with Store(db) as store:
        codes = [row[0] for row in store.conn.execute("SELECT code FROM procedures")]
    scans = scan_to_frame(config, db, codes, n, catalogue=True)
    del scans["cached_dossiers"]
    return {
        "procedures": COUNT,
        "import": {"seconds": round(imported, 3), "written": report.written, "goal_seconds": 5},
        "touch_to_frame": {**timing(touches), "goal_p99_ms": 100},
        "key_to_results": {**timing(keys), "goal_p99_ms": 100},
        "scan_to_detail": scans,
        "checklist_bytes": _checklist_bytes(config, db),
    }


def _checklist_bytes(config: Config, db: Path) -> dict[str, Any]:
    """The bytes of the first catalogue list with ten papers or more (80 mm, image mode)."""
    from printer import Renderer

    with Store(db) as store:
        for code in [row[0] for row in store.conn.execute("SELECT code FROM procedures")]:
            found = procedures.by_code(store.conn, code)
            if found is not None and len(found.papers) == 10:
                sheet = procedures.checklist_for(found, config, dt.datetime(2026, 12, 7, 9, 0))
                data = Renderer(config.printer).render_checklist(sheet).data
                return {"code": found.code, "papers": 10, "bytes": len(data), "goal_bytes": 20480}
    return {"papers": 10, "bytes": None, "goal_bytes": 20480}


class _Screen:
    """The look-up screen running in a thread, with a simulated touch panel to tap."""

    def __init__(self, config: Config, db: Path) -> None:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        from display import LookupDaemon, fonts_for
        from kiosk.app.inputsim import Keyboards
        from kiosk.evdev_lib import ecodes

        lookup = dataclasses.replace(
            config.lookup, resolution=SIZE, rotation=0, index=0, touch=PANEL
        )
        config = dataclasses.replace(config, lookup=lookup)
        self.board = Keyboards()
        axes = (ecodes.ABS_X, ecodes.ABS_Y)
        self.board.plug(PANEL, ranges=dict.fromkeys(axes, (0, RANGE)))
        self.painted = threading.Condition()
        self.frames: list[float] = []
        self.daemon = LookupDaemon(
            config, db, fonts_for(config), touch_opener=self.board.open, on_page=self._page
        )
        self.stop = threading.Event()
        self.runner = threading.Thread(target=self.daemon.run, args=(self.stop,), daemon=True)

    def _page(self, _page: Any, at: float) -> None:
        with self.painted:
            self.frames.append(at)
            self.painted.notify_all()

    def start(self) -> None:
        self.daemon.step()
        self.runner.start()
        deadline = time.monotonic() + 10
        while self.daemon.panel.reader.state != "connected" and time.monotonic() < deadline:
            time.sleep(0.01)

    def tap(self, x: int, y: int) -> float | None:
        """A tap where the picture has (x, y): ms from its last event to the frame."""
        from kiosk.app.inputsim import event, syn
        from kiosk.evdev_lib import ecodes

        seen = len(self.frames)
        down = [
            event(ecodes.EV_KEY, ecodes.BTN_TOUCH, 1),
            event(ecodes.EV_ABS, ecodes.ABS_X, x * RANGE // SIZE[0]),
            event(ecodes.EV_ABS, ecodes.ABS_Y, y * RANGE // SIZE[1]),
        ]
        self.board.send(PANEL, [*down, event(ecodes.EV_KEY, ecodes.BTN_TOUCH, 0)])
        sent = time.monotonic()
        self.board.send(PANEL, [syn()])
        with self.painted:
            self.painted.wait_for(lambda: len(self.frames) > seen, timeout=5)
        time.sleep(0.05)  # the way a citizen taps: never two in one frame
        return (self.frames[seen] - sent) * 1000 if len(self.frames) > seen else None

    def on(self, action: str) -> float | None:
        """A tap on what shows ``action``."""
        laid = self.daemon.laid
        assert laid is not None
        x, y, w, h = next(t.rect for t in laid.targets if t.action == action)
        return self.tap(x + w // 2, y + h // 2)

    def close(self) -> None:
        self.stop.set()
        self.runner.join(timeout=10)
        self.daemon.close()
        self.board.close()


def _taps(config: Config, db: Path, n: int) -> tuple[list[float], list[float]]:
    """Taps on fields and back (``n`` of each), and every fourth time the keys of a search."""
    screen = _Screen(config, db)
    touches: list[float | None] = []
    keys: list[float | None] = []
    try:
        screen.start()
        screen.tap(10, 10)  # the catalogue opens
        for index in range(n):
            touches += [screen.on("field:Hộ tịch"), screen.on("back")]
            if index % 4 == 0:
                screen.on("search")
                keys += [screen.on("space" if c == " " else f"key:{c}") for c in "ket hon"]
                screen.on("back")
    finally:
        screen.close()
    return [t for t in touches if t is not None], [k for k in keys if k is not None]
