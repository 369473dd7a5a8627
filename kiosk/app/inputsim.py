"""Simulated keyboards on pipes: keypads, remotes and scanners for the bench and tests.

A machine without the hardware (or /dev/uinput) still runs the real input path:
each simulated device is a pipe carrying evdev ``InputEvent`` sequences as the
kernel's ``struct input_event`` bytes, which the daemons read with evdev's own
decoder (``EventIO.read``) through :class:`kiosk.inputdev.InputReader`.
Unplugging closes the pipe (the reader sees the device vanish) and removes the
path, so opening it fails with ENOENT until it is plugged in again.
"""

from __future__ import annotations

import errno
import os
import struct
import threading
import time
from collections.abc import Iterable
from typing import Any, NamedTuple

from kiosk.evdev_lib import EventIO, InputEvent, ecodes

_EVENT = struct.Struct("llHHi")


class AbsInfo(NamedTuple):
    """An axis of a device, as evdev describes it."""

    value: int
    min: int
    max: int
    fuzz: int
    flat: int
    resolution: int


# struct input_event on 64-bit Linux: timeval, type, code, value


class PipeDevice(EventIO):
    """The reading side of one plugged-in device (with the ranges of its axes, for a touch
    panel: ``{code: (least, most)}``)."""

    def __init__(
        self,
        fd: int,
        grab_error: int | None = None,
        ranges: dict[int, tuple[int, int]] | None = None,
    ) -> None:
        self.fd = fd
        self.grabbed = False
        self.grab_error = grab_error
        self.ranges = dict(ranges or {})

    def absinfo(self, code: int) -> AbsInfo:
        """An axis's range, as evdev's ``InputDevice.absinfo`` gives it."""
        if code not in self.ranges:
            raise KeyError(code)
        least, most = self.ranges[code]
        return AbsInfo(0, least, most, 0, 0, 0)

    def grab(self) -> None:
        if self.grab_error is not None:
            raise OSError(self.grab_error, os.strerror(self.grab_error))
        self.grabbed = True

    def close(self) -> None:
        os.close(self.fd)


class Keyboards:
    """Plays any number of input devices by path; ``open`` is the readers' opener."""

    def __init__(self) -> None:
        self._writers: dict[str, int] = {}
        self._devices: dict[str, PipeDevice] = {}
        self._denied: set[str] = set()
        self._busy: set[str] = set()
        self.opened: list[str] = []
        self._lock = threading.Lock()

    def plug(self, path: str, ranges: dict[int, tuple[int, int]] | None = None) -> None:
        with self._lock:
            read_end, write_end = os.pipe()
            os.set_blocking(read_end, False)
            self._writers[path] = write_end
            busy = errno.EBUSY if path in self._busy else None
            self._devices[path] = PipeDevice(read_end, busy, ranges)

    def unplug(self, path: str) -> None:
        with self._lock:
            os.close(self._writers.pop(path))
            self._devices.pop(path, None)

    def deny(self, path: str, denied: bool = True) -> None:
        (self._denied.add if denied else self._denied.discard)(path)

    def busy(self, path: str, busy: bool = True) -> None:
        (self._busy.add if busy else self._busy.discard)(path)

    def open(self, path: str) -> PipeDevice:
        with self._lock:
            if path in self._denied:
                raise PermissionError(errno.EACCES, "Permission denied", path)
            device = self._devices.pop(path, None)  # one open per plug, like a grab
            if device is None:
                raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
            self.opened.append(path)
            return device

    def send(self, path: str, events: Iterable[Any]) -> None:
        data = b"".join(_EVENT.pack(e.sec, e.usec, e.type, e.code, e.value) for e in events)
        os.write(self._writers[path], data)

    def close(self) -> None:
        for path in list(self._writers):
            self.unplug(path)


def event(type_: int, code: int, value: int) -> InputEvent:
    now = time.time()
    return InputEvent(int(now), int(now % 1 * 1e6), type_, code, value)


def syn() -> InputEvent:
    return event(ecodes.EV_SYN, ecodes.SYN_REPORT, 0)


def down(name: str) -> list[InputEvent]:
    return [
        event(ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70000),
        event(ecodes.EV_KEY, ecodes.ecodes[name], 1),
        syn(),
    ]


def up(name: str) -> list[InputEvent]:
    return [event(ecodes.EV_KEY, ecodes.ecodes[name], 0), syn()]


def repeat(name: str) -> list[InputEvent]:
    return [event(ecodes.EV_KEY, ecodes.ecodes[name], 2), syn()]


def tap(*names: str) -> list[InputEvent]:
    """Each key pressed and released, as a keypad reports it."""
    return [e for name in names for e in (*down(name), *up(name))]
