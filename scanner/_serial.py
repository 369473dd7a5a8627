"""A serial barcode scanner read on its own thread; reopened after unplug.

The port is opened exclusively (another program reading it would steal codes),
by its stable ``/dev/serial/by-id/`` name, which udev recreates on replug. Bytes
go to ``on_bytes`` (the daemon's queue) with the time they came; the daemon
splits them into codes. When the port is absent, unplugged or busy the reader
says so once and looks again every ``retry_seconds``.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import serial

from kiosk.inputdev import ABSENT, BUSY, CONNECTED, DENIED, DeviceState

log = logging.getLogger("kiosk.scanner")

READ_TIMEOUT = 0.05  # how long a read waits for a byte, so close() is prompt


def open_serial(path: str, baudrate: int) -> Any:
    return serial.Serial(path, baudrate=baudrate, timeout=READ_TIMEOUT, exclusive=True)


def _explain(exc: Exception) -> tuple[str, str]:
    cause = exc
    if isinstance(exc, serial.SerialException) and isinstance(exc.__context__, OSError):
        cause = exc.__context__
    if isinstance(cause, PermissionError):
        return DENIED, "permission denied (add the user to the 'dialout' group)"
    if isinstance(cause, OSError) and cause.errno in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return ABSENT, "not found (unplugged?)"
    text = str(exc)
    if "exclusively lock" in text or (isinstance(cause, OSError) and cause.errno == errno.EBUSY):
        return BUSY, "in use by another program (ModemManager or a serial console?)"
    return ABSENT, text or type(exc).__name__


class SerialReader:
    def __init__(
        self,
        path: str,
        baudrate: int,
        on_bytes: Callable[[bytes, float], None],
        *,
        opener: Callable[[str, int], Any] = open_serial,
        retry_seconds: float = 2.0,
        label: str = "serial scanner",
        on_state: Callable[[str, str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.baudrate = baudrate
        self.on_bytes = on_bytes
        self.opener = opener
        self.retry_seconds = retry_seconds
        self.label = label
        self.clock = clock
        self.status = DeviceState(label, path, retry_seconds, on_state, log)
        self._set = self.status.set
        self.connects = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"serial {path}", daemon=True)

    def start(self) -> SerialReader:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    @property
    def state(self) -> str:
        return self.status.state

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._session()
            except Exception as exc:  # a driver fault: say so, keep trying
                log.exception("%s: %s: unexpected error", self.label, self.path)
                self._set(ABSENT, f"error: {type(exc).__name__}: {exc}")
            if not self._stop.is_set():
                self._stop.wait(self.retry_seconds)

    def _session(self) -> None:
        try:
            port = self.opener(self.path, self.baudrate)
        except (OSError, serial.SerialException, ValueError) as exc:
            self._set(*_explain(exc))
            return
        try:
            self.connects += 1
            self._set(CONNECTED)
            while not self._stop.is_set():
                data = port.read(max(1, min(4096, port.in_waiting or 1)))
                if data:
                    try:
                        self.on_bytes(bytes(data), self.clock())
                    except Exception:
                        log.exception("%s: handler failed", self.label)
        except (OSError, serial.SerialException) as exc:
            state, detail = _explain(exc)
            self._set(state, "unplugged" if state == ABSENT else detail)
        finally:
            with contextlib.suppress(Exception):
                port.close()
