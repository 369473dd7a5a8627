"""The kiosk's GPIO buttons. Callbacks run on gpiozero's thread and only enqueue a press."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.config import KioskConfig
from kiosk.pins import button_args


@dataclass(frozen=True)
class Press:
    service: str | None  # None: the dedicated priority key
    long: bool  # held past hold_seconds: a priority ticket
    at: float  # time.monotonic() when it happened


class Buttons:
    """Builds gpiozero Buttons from ``[kiosk]``; every press lands on ``presses``.

    With ``hold_seconds`` set, a service button issues on release (a short press) or
    when held (a long press, priority) so each press gives exactly one event.
    """

    def __init__(
        self,
        config: KioskConfig,
        presses: queue.Queue[Press],
        *,
        pin_factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from gpiozero import Button

        self.presses = presses
        self.clock = clock
        self.devices: list[Any] = []
        self._held: set[str] = set()
        self._lock = threading.Lock()
        bounce = config.bounce_seconds or None
        hold = config.hold_seconds
        try:
            for spec in config.buttons:
                button = Button(
                    spec.pin, bounce_time=bounce, hold_time=hold or 1.0,
                    pin_factory=pin_factory, **button_args(spec.pull, spec.active),
                )  # fmt: skip
                self.devices.append(button)
                self._wire(button, spec.service, long_press=hold > 0)
            priority = config.priority_button
            if priority.pin is not None:
                key = Button(
                    priority.pin, bounce_time=bounce, pin_factory=pin_factory,
                    **button_args(priority.pull, priority.active),
                )  # fmt: skip
                self.devices.append(key)
                key.when_pressed = lambda: self._put(None, long=False)
        except BaseException:
            self.close()
            raise

    def _put(self, service: str | None, *, long: bool) -> None:
        self.presses.put_nowait(Press(service, long, self.clock()))

    def _wire(self, button: Any, service: str, *, long_press: bool) -> None:
        if not long_press:
            button.when_pressed = lambda: self._put(service, long=False)
            return
        key = f"{service}@{id(button)}"

        def pressed() -> None:
            with self._lock:
                self._held.discard(key)

        def held() -> None:
            with self._lock:
                self._held.add(key)
            self._put(service, long=True)

        def released() -> None:
            with self._lock:
                was_held = key in self._held
                self._held.discard(key)
            if not was_held:
                self._put(service, long=False)

        button.when_pressed = pressed
        button.when_held = held
        button.when_released = released

    def close(self) -> None:
        for device in self.devices:
            device.close()
        self.devices.clear()
