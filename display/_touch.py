"""A touch panel read through evdev (``lookup.touch``): USB HID touch screens and the Pi's
DSI panels, single-touch (``ABS_X``/``ABS_Y`` with ``BTN_TOUCH``) or multitouch protocol B
(slots, tracking ids, ``ABS_MT_POSITION_X``/``_Y``). Each touch is reported once, where the
first finger came down, as fractions of the panel (which covers the window, in the
window's own orientation): the screen turns them back into the picture.

The reader is :class:`kiosk.inputdev.InputReader` (grabbed, looked for again when
unplugged); the panel's ranges are read from the device when it is opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.evdev_lib import ecodes
from kiosk.inputdev import Device, InputReader, open_evdev

Touch = tuple[float, float]  # fractions of the panel's width and height


class TouchDecoder:
    """evdev events in, a touch out at the report that begins it."""

    def __init__(self) -> None:
        # (least, most) of each axis, from the device; 0..4095 until it says.
        self.ranges = dict.fromkeys(("x", "y"), (0, 4095))
        self.x = self.y = 0
        self.slot = 0
        self.fingers: set[int] = set()  # slots with a finger on the glass
        self.began = False  # a first finger came down since the last report

    def read_ranges(self, device: Any) -> None:
        """The panel's ranges, from the device (multitouch axes first)."""
        for axis, codes in (
            ("x", (ecodes.ABS_MT_POSITION_X, ecodes.ABS_X)),
            ("y", (ecodes.ABS_MT_POSITION_Y, ecodes.ABS_Y)),
        ):
            for code in codes:
                try:
                    info = device.absinfo(code)
                except (OSError, AttributeError, KeyError):
                    continue
                if info.max > info.min:
                    self.ranges[axis] = (int(info.min), int(info.max))
                    break

    def feed(self, event: Any) -> Touch | None:
        kind, code, value = event.type, event.code, event.value
        if kind == ecodes.EV_KEY and code == ecodes.BTN_TOUCH:
            if value == 1 and not self.fingers:
                self.began = True
            if value:
                self.fingers.add(-1)
            else:
                self.fingers.discard(-1)
        elif kind == ecodes.EV_ABS:
            self._axis(code, value)
        elif kind == ecodes.EV_SYN and code == ecodes.SYN_REPORT and self.began:
            self.began = False
            return self._fraction("x", self.x), self._fraction("y", self.y)
        return None

    def _axis(self, code: int, value: int) -> None:
        if code == ecodes.ABS_MT_SLOT:
            self.slot = value
        elif code == ecodes.ABS_MT_TRACKING_ID:
            if value >= 0:
                if not self.fingers - {-1}:
                    self.began = True
                self.fingers.add(self.slot)
            else:
                self.fingers.discard(self.slot)
        elif code in (ecodes.ABS_MT_POSITION_X, ecodes.ABS_X) and self._first():
            self.x = value
        elif code in (ecodes.ABS_MT_POSITION_Y, ecodes.ABS_Y) and self._first():
            self.y = value

    def _first(self) -> bool:
        """Whether the slot reporting is the one the touch is read from (the lowest)."""
        slots = self.fingers - {-1}
        return not slots or self.slot == min(slots)

    def _fraction(self, axis: str, value: int) -> float:
        least, most = self.ranges[axis]
        return min(1.0, max(0.0, (value - least) / (most - least)))


class TouchPanel:
    """Reads the panel at ``path`` on a thread; each touch goes to ``on_touch``."""

    def __init__(
        self,
        path: str,
        on_touch: Callable[[Touch], None],
        *,
        opener: Callable[[str], Device] = open_evdev,
        retry_seconds: float = 2.0,
    ) -> None:
        self.decoder = TouchDecoder()
        self.on_touch = on_touch
        self.opener = opener

        def open_panel(where: str) -> Device:
            device = self.opener(where)
            self.decoder = TouchDecoder()
            self.decoder.read_ranges(device)
            return device

        self.reader = InputReader(
            path, self._event, opener=open_panel, retry_seconds=retry_seconds, label="touch panel"
        )

    def _event(self, event: Any) -> None:
        touch = self.decoder.feed(event)
        if touch is not None:
            self.on_touch(touch)

    def start(self) -> TouchPanel:
        self.reader.start()
        return self

    def close(self) -> None:
        self.reader.close()
