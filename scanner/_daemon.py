"""``kiosk run scanner``: every configured scanner, each code looked up and recorded.

Reader threads (evdev for keyboard-mode scanners, pyserial for serial ones) only
put what they read on the daemon's queue; the loop decodes, looks up and writes,
so a slow database never costs a key event. Each scan's view is written to
``scans`` for the look-up screens. A missed ticket's QR re-enters it (within the
queue's tolerance). Scanners may be absent or unplugged: the rest keep working,
and the missing one is looked for again.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk import codes, dossiers
from kiosk.config import Config, ScannerDevice
from kiosk.inputdev import CONNECTED, Device, InputReader, open_evdev
from kiosk.lookup import View, invalid_view, look_up, record_scan
from kiosk.store import Store, StoreError
from scanner._decode import KeyDecoder, Read
from scanner._frames import FrameSplitter
from scanner._serial import SerialReader, open_serial

log = logging.getLogger("kiosk.scanner")

HEALTH_NAME = "scanner"
PURGE_EVERY = 24 * 3600
PURGE_BATCH = 200  # dossiers deleted per loop pass (a few milliseconds)


@dataclass
class _Source:
    device: ScannerDevice
    reader: Any
    decoder: KeyDecoder | None = None
    splitter: FrameSplitter | None = None
    last_received: float = 0.0  # monotonic
    state: str = ""
    detail: str = "starting"
    recent: dict[str, float] = field(default_factory=dict)  # code -> monotonic time seen

    @property
    def pending(self) -> bool:
        part = self.decoder or self.splitter
        return part is not None and part.pending


@dataclass(frozen=True)
class Scanned:
    """A scan handled: for tests and the benchmark (``on_scan``)."""

    scanner: str
    scan_id: int
    view: View
    read_at: float  # when the last key or byte of it came
    text: str = ""  # what was read (an invalid code's view never shows it back)


class ScannerDaemon:
    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        hid_opener: Callable[[str], Device] = open_evdev,
        serial_opener: Callable[[str, int], Any] = open_serial,
        clock: Callable[[], float] = time.time,
        on_scan: Callable[[Scanned], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.clock = clock
        self.on_scan = on_scan
        self.queue: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.stall = config.scanner.stall_ms / 1000
        self.sources: dict[str, _Source] = {}
        self.scans = 0
        self.dropped = 0
        self.next_purge = 0.0
        self.purged = 0
        self.reported: tuple[str, str] | None = None
        retry = config.scanner.retry_seconds
        for device in config.scanner.devices:
            label = f"scanner {device.id}"
            on_state = self._state_handler(device.id)
            if device.is_hid:
                hid = InputReader(
                    device.device,
                    self._key_handler(device.id),
                    opener=hid_opener,
                    retry_seconds=retry,
                    label=label,
                    on_state=on_state,
                )
                self.sources[device.id] = _Source(device, hid, decoder=KeyDecoder(self.stall))
            else:
                port = SerialReader(
                    device.device,
                    device.baudrate,
                    self._bytes_handler(device.id),
                    opener=serial_opener,
                    retry_seconds=retry,
                    label=label,
                    on_state=on_state,
                    clock=clock,
                )
                splitter = FrameSplitter(device.framing, self.stall)
                self.sources[device.id] = _Source(device, port, splitter=splitter)

    # -- reader threads: enqueue only --------------------------------------------------

    def _key_handler(self, name: str) -> Callable[[Any], None]:
        return lambda event: self.queue.put(("key", name, event, time.monotonic()))

    def _bytes_handler(self, name: str) -> Callable[[bytes, float], None]:
        return lambda data, at: self.queue.put(("bytes", name, data, at, time.monotonic()))

    def _state_handler(self, name: str) -> Callable[[str, str], None]:
        return lambda state, detail: self.queue.put(("state", name, state, detail))

    # -- the loop ----------------------------------------------------------------------

    def start(self) -> ScannerDaemon:
        for source in self.sources.values():
            source.reader.start()
        return self

    def close(self) -> None:
        for source in self.sources.values():
            source.reader.close()

    def run(self, stop: threading.Event, on_tick: Callable[[], None] | None = None) -> None:
        try:
            while not stop.is_set():
                self.step()
                if on_tick is not None:
                    on_tick()
        finally:
            self.close()
            with contextlib.suppress(sqlite3.Error, StoreError):
                self.store.report_health(HEALTH_NAME, "stopped", "", self.clock())

    def step(self, timeout: float | None = None) -> None:
        """Handle what came in (waiting up to ``timeout``), drop stalled scans, report."""
        pending = any(s.pending for s in self.sources.values())
        wait = timeout if timeout is not None else (min(0.05, self.stall / 4) if pending else 0.5)
        if timeout is None and time.monotonic() >= self.next_purge:
            wait = 0.005  # purging: the next batch soon, scans still first
        try:
            item = self.queue.get(timeout=wait)
        except queue.Empty:
            item = None
        while item is not None:
            self._handle(item)
            try:
                item = self.queue.get_nowait()
            except queue.Empty:
                item = None
        self._expire()
        now = self.clock()
        self._purge(now)
        self._report(now)

    def _handle(self, item: tuple[Any, ...]) -> None:
        kind, name = item[0], item[1]
        source = self.sources[name]
        if kind == "state":
            source.state, source.detail = item[2], item[3]
            self._restart_reading(source)
            return
        if kind == "key":
            assert source.decoder is not None
            source.last_received = item[3]
            if (read := source.decoder.feed(item[2])) is not None:
                self._read(source, read)
        elif kind == "bytes":
            assert source.splitter is not None
            source.last_received = item[4]
            for read in source.splitter.feed(item[2], item[3]):
                self._read(source, read)

    def _restart_reading(self, source: _Source) -> None:
        """A scanner that went away or came back starts afresh: a code cut off by the
        unplug is dropped, and no key held down then (Shift) is taken as still held."""
        if source.pending:
            self._read(source, Read("", "scanner went away in the middle of a code; dropped"))
        if source.decoder is not None:
            source.decoder = KeyDecoder(self.stall)
        if source.splitter is not None:
            source.splitter = FrameSplitter(source.device.framing, self.stall)

    def _expire(self) -> None:
        quiet = time.monotonic()
        for source in self.sources.values():
            if not source.pending:
                continue
            if source.splitter is not None:
                for read in source.splitter.expire(self.clock()):
                    self._read(source, read)
            elif source.decoder is not None and quiet - source.last_received > self.stall:
                dropped = source.decoder.expire(math.inf)
                if dropped is not None:
                    self._read(source, dropped)

    # -- one scan --------------------------------------------------------------------

    def _read(self, source: _Source, read: Read) -> None:
        name = source.device.id
        if read.problem:
            self.dropped += 1
            log.warning("scanner %s: %s", name, read.problem)
            view = invalid_view(codes.Code(codes.INVALID, "", read.problem))
            self._record(source, view, read)
            return
        key = read.text.strip().upper()
        seen = time.monotonic()
        source.recent = {
            c: t for c, t in source.recent.items() if seen - t < self.config.scanner.repeat_seconds
        }
        if key in source.recent:
            source.recent[key] = seen
            return  # the same slip still under the scanner
        try:
            view = look_up(self.store, self.config, read.text, self.clock(), act=True)
        except (sqlite3.Error, StoreError) as exc:
            log.warning("scanner %s: cannot look up the scan: %s", name, exc)
            return
        except Exception:  # a fault in the look-up must not stop the scanner
            log.exception("scanner %s: look-up failed", name)
            view = invalid_view(codes.Code(codes.INVALID, "", "look-up failed"))
        if self._record(source, view, read) and len(source.recent) < 64:
            source.recent[key] = seen

    def _record(self, source: _Source, view: View, read: Read) -> bool:
        name = source.device.id
        try:
            scan_id = record_scan(self.store, name, view, self.clock())
        except (sqlite3.Error, StoreError) as exc:
            log.warning("scanner %s: cannot record the scan: %s", name, exc)
            return False
        self.scans += 1
        what = view.code or view.detail.get("reason", "")
        log.info("scanner %s: %s %s: %s", name, view.kind, what, view.title)
        if self.on_scan is not None:
            self.on_scan(Scanned(name, scan_id, view, read.at, read.text))
        return True

    # -- housekeeping --------------------------------------------------------------------

    def _purge(self, now: float) -> None:
        """Old returned dossiers go a small batch at a time between scans, so a long
        purge never keeps a citizen waiting; then not again for a day."""
        if time.monotonic() < self.next_purge:
            return
        days = self.config.dossiers.purge_after_days
        try:
            gone = dossiers.purge_batch(self.store, days, now=now, batch=PURGE_BATCH)
        except (sqlite3.Error, StoreError) as exc:
            log.warning("cannot purge old dossiers: %s", exc)
            self.next_purge = time.monotonic() + 600
            return
        self.purged += gone
        if gone < PURGE_BATCH:
            if self.purged:
                log.info("purged %d dossier(s) returned over %d days ago", self.purged, days)
            self.purged = 0
            self.next_purge = time.monotonic() + PURGE_EVERY

    def _report(self, now: float) -> None:
        problems = [
            f"{name}: {s.detail}" for name, s in self.sources.items() if s.state != CONNECTED
        ]
        state = ("ok", "") if not problems else ("degraded", "; ".join(problems))
        if not self.sources:
            state = ("degraded", "no scanner configured")
        if state == self.reported:
            return
        try:
            self.store.report_health(HEALTH_NAME, *state, now)
            self.reported = state
        except (sqlite3.Error, StoreError):
            pass
