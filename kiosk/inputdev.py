"""One Linux input device (evdev) read on its own thread: grabbed, and reopened after unplug.

Keypads, wireless remotes and USB barcode scanners appear as keyboards. A reader
opens the device by path (best a stable ``/dev/input/by-id/`` name, which udev
recreates on replug), grabs it so its keys never reach a console or another
program, and hands every :class:`evdev.InputEvent` to ``on_event`` on the reader's
thread. That callback must only enqueue. When the device is absent, unplugged or
held by someone else, the reader says so once and looks again every
``retry_seconds``, without a restart.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import select
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

log = logging.getLogger("kiosk.input")

CONNECTED = "connected"
ABSENT = "absent"  # no such device (not plugged in, or unplugged)
BUSY = "busy"  # another program has grabbed it
DENIED = "denied"  # no permission (the user is not in the input group)


class Device(Protocol):
    """What a reader needs of an open device; :class:`evdev.InputDevice` is one."""

    fd: int

    def grab(self) -> None: ...

    def read(self) -> Iterable[Any]: ...

    def close(self) -> None: ...


def open_evdev(path: str) -> Device:
    from kiosk.evdev_lib import InputDevice

    device: Device = InputDevice(path)
    return device


def _explain(exc: OSError) -> tuple[str, str]:
    if isinstance(exc, PermissionError):
        return DENIED, "permission denied (add the user to the 'input' group)"
    if exc.errno == errno.EBUSY:
        return BUSY, "grabbed by another program"
    if exc.errno in (errno.ENOENT, errno.ENODEV):
        return ABSENT, "not found (unplugged?)"
    return ABSENT, exc.strerror or str(exc)


class DeviceState:
    """A device's state as its reader last found it: logged once per change (connected,
    or what is wrong and that it will be looked for again), and passed to ``on_state``."""

    def __init__(
        self,
        label: str,
        path: str,
        retry_seconds: float,
        on_state: Callable[[str, str], None] | None,
        logger: logging.Logger,
    ) -> None:
        self.label = label
        self.path = path
        self.retry_seconds = retry_seconds
        self.on_state = on_state
        self.log = logger
        self.state = ""
        self.detail = ""

    def set(self, state: str, detail: str = "") -> None:
        if (state, detail) == (self.state, self.detail):
            return
        if state == CONNECTED:
            self.log.info("%s: connected (%s)", self.label, self.path)
        else:
            self.log.warning(
                "%s: %s: %s; looking again every %gs",
                self.label,
                self.path,
                detail,
                self.retry_seconds,
            )
        # Set after the log line: whoever sees the new state also finds it logged.
        self.state, self.detail = state, detail
        if self.on_state is not None:
            try:
                self.on_state(state, detail)
            except Exception:
                self.log.exception("%s: state callback failed", self.label)


class InputReader:
    """Reads ``path`` on a daemon thread until :meth:`close`."""

    def __init__(
        self,
        path: str,
        on_event: Callable[[Any], None],
        *,
        opener: Callable[[str], Device] = open_evdev,
        retry_seconds: float = 2.0,
        label: str = "",
        on_state: Callable[[str, str], None] | None = None,
    ) -> None:
        self.path = path
        self.label = label or "input device"
        self.on_event = on_event
        self.opener = opener
        self.retry_seconds = retry_seconds
        self.status = DeviceState(self.label, path, retry_seconds, on_state, log)
        self._set = self.status.set
        self.connects = 0
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name=f"input {path}", daemon=True)

    def start(self) -> InputReader:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop reading and release the device; safe to call more than once."""
        self._stop.set()
        if self._wake_w < 0:
            return
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._thread.is_alive():
            return  # still inside a call: leave the pipe to it rather than close a reused fd
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_r = self._wake_w = -1

    @property
    def state(self) -> str:
        return self.status.state

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._session()
            except Exception as exc:  # a driver or library fault: say so, keep trying
                log.exception("%s: %s: unexpected error", self.label, self.path)
                self._set(ABSENT, f"error: {type(exc).__name__}: {exc}")
            if self.state != CONNECTED:
                self._stop.wait(self.retry_seconds)

    def _session(self) -> None:
        """Open, grab and read the device once, until it goes away or the reader closes."""
        try:
            device = self.opener(self.path)
        except OSError as exc:
            self._set(*_explain(exc))
            return
        try:
            device.grab()
            self.connects += 1
            self._set(CONNECTED)
            self._pump(device)
        except OSError as exc:
            state, detail = _explain(exc)
            if self.state == CONNECTED and state == ABSENT:
                detail = "unplugged"
            self._set(state, detail)
        finally:
            with contextlib.suppress(Exception):
                device.close()

    def _pump(self, device: Device) -> None:
        """Deliver events until the device goes away (an OSError) or the reader closes."""
        while not self._stop.is_set():
            ready, _, _ = select.select([device.fd, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                events = list(device.read())
            except BlockingIOError:
                continue
            if not events:  # readable but nothing to read: the device is gone
                raise OSError(errno.ENODEV, "No such device")
            for event in events:
                try:
                    self.on_event(event)
                except Exception:
                    log.exception("%s: event handler failed", self.label)
