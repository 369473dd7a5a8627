"""The kiosk's GPIO buttons. Callbacks run on gpiozero's thread and only enqueue a press."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from kiosk.config import KioskConfig
from kiosk.desk import Press
from kiosk.keys._pins import input_device


class Buttons:
    """Builds the GPIO buttons of ``[kiosk]``; every press lands on ``presses``.

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
        self.presses = presses
        self.clock = clock
        self.devices: list[Any] = []
        self._holds: list[LongPress] = []
        bounce = config.bounce_seconds or None
        hold = config.hold_seconds
        try:
            for spec in config.buttons:
                button = input_device(
                    spec.pin, spec.pull, spec.active, bounce=bounce, pin_factory=pin_factory
                )
                self.devices.append(button)
                self._wire(button, spec.service, hold)
            priority = config.priority_button
            if priority.pin is not None:
                key = input_device(
                    priority.pin,
                    priority.pull,
                    priority.active,
                    bounce=bounce,
                    pin_factory=pin_factory,
                )
                self.devices.append(key)
                key.when_activated = lambda: self._put(None, long=False)
        except BaseException:
            self.close()
            raise

    def _put(self, service: str | None, *, long: bool) -> None:
        self.presses.put_nowait(Press(service, long, self.clock()))

    def _wire(self, button: Any, service: str, hold: float) -> None:
        if hold <= 0:
            button.when_activated = lambda: self._put(service, long=False)
            return
        long_press = LongPress(hold, lambda long: self._put(service, long=long))
        self._holds.append(long_press)
        button.when_activated = long_press.pressed
        button.when_deactivated = long_press.released

    def close(self) -> None:
        for device in self.devices:
            device.close()
        self.devices.clear()
        for long_press in self._holds:
            long_press.cancel()
        self._holds.clear()


class LongPress:
    """One button's short and long presses: exactly one of them per push.

    Held ``seconds``, it reports a long press at once (nothing more on release);
    let go sooner, a short press on release. The hold is timed by a one-shot timer
    that lives only while the button is down: nothing runs while nobody presses.
    """

    def __init__(self, seconds: float, report: Callable[[bool], None]) -> None:
        self.seconds = seconds
        self._report = report
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._held = False

    def pressed(self) -> None:
        timer = threading.Timer(self.seconds, self._held_down)
        timer.daemon = True
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer, self._held = timer, False
        timer.start()

    def _held_down(self) -> None:
        with self._lock:
            if self._timer is not threading.current_thread():
                return  # let go (or pressed again) as the time ran out
            self._timer, self._held = None, True
        self._report(True)

    def released(self) -> None:
        with self._lock:
            timer, held = self._timer, self._held
            self._timer, self._held = None, False
        if timer is not None:
            timer.cancel()
            if not held:
                self._report(False)

    def cancel(self) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
