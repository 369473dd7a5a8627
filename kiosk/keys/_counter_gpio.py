"""Counter keys and lights on GPIO pins (gpiozero). Callbacks only enqueue."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

from kiosk.config import Config
from kiosk.counter import EMPTY, REFUSED, THANKS, Key, Press
from kiosk.keys._pins import input_device


class CounterButtons:
    """A GPIO input (:func:`kiosk.keys._pins.input_device`) per ``[[counters.buttons]]`` given."""

    def __init__(
        self,
        config: Config,
        counters: list[int],
        presses: queue.Queue[Press],
        *,
        pin_factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.devices: list[Any] = []
        specs = [(n, b) for n in counters for b in config.counter(n).buttons]
        if not specs:
            return
        bounce = config.counter_keys.bounce_seconds or None
        try:
            for number, spec in specs:
                button = input_device(
                    spec.pin, spec.pull, spec.active, bounce=bounce, pin_factory=pin_factory
                )
                self.devices.append(button)
                press = _presser(presses, number, Key.parse(spec.action), spec.pin, clock)
                button.when_activated = press
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for device in self.devices:
            device.close()
        self.devices.clear()


def _presser(
    presses: queue.Queue[Press], number: int, key: Key, pin: str, clock: Callable[[], float]
) -> Callable[[], None]:
    def press() -> None:
        presses.put_nowait(Press(number, key, clock(), pin))

    return press


class CounterLights:
    """Each counter's status LED and rating LED, where configured.

    The status LED is steady: off when idle, on while serving, blinking slowly while
    paused. A signal (three quick blinks: nobody waiting; six fast: refused) plays
    over it and :meth:`tick` puts the steady state back. The rating LED is lit while
    the rating keys are live.
    """

    EMPTY = EMPTY
    REFUSED = REFUSED
    THANKS = THANKS

    def __init__(self, config: Config, counters: list[int], *, pin_factory: Any = None) -> None:
        self.devices: list[Any] = []
        self.led: dict[int, Any] = {}
        self.rating_led: dict[int, Any] = {}
        self.steady: dict[int, str] = {}
        self._restore_at: dict[int, float] = {}
        self.rating_until: dict[int, float] = {}
        pins = [(n, c.led, c.rating_led) for n in counters for c in [config.counter(n)]]
        if not any(led or rating for _, led, rating in pins):
            return
        from kiosk.keys.gpio_lib import LED, factory

        pin_factory = factory(pin_factory)
        try:
            for number, led, rating in pins:
                if led is not None:
                    self.led[number] = LED(led, pin_factory=pin_factory)
                    self.devices.append(self.led[number])
                if rating is not None:
                    self.rating_led[number] = LED(rating, pin_factory=pin_factory)
                    self.devices.append(self.rating_led[number])
        except BaseException:
            self.close()
            raise

    def set_steady(self, number: int, state: str) -> None:
        """``off`` (idle), ``on`` (serving) or ``slow`` (paused)."""
        if self.steady.get(number) == state:
            return  # unchanged: do not restart a slow blink
        self.steady[number] = state
        if number not in self._restore_at:
            self._show(number)

    def _show(self, number: int) -> None:
        led = self.led.get(number)
        if led is None:
            return
        state = self.steady.get(number, "off")
        if state == "slow":
            led.blink(on_time=1.0, off_time=1.0)
        elif state == "on":
            led.on()
        else:
            led.off()

    def signal(self, number: int, pattern: tuple[float, float, int], now: float) -> None:
        led = self.led.get(number)
        if led is None:
            return
        on_time, off_time, n = pattern
        led.blink(on_time=on_time, off_time=off_time, n=n)
        self._restore_at[number] = now + (on_time + off_time) * n

    def rating_open(self, number: int, until: float) -> None:
        led = self.rating_led.get(number)
        if led is not None:
            led.on()
            self.rating_until[number] = until

    def rating_closed(self, number: int, *, thanks: bool = False) -> None:
        self.rating_until.pop(number, None)
        led = self.rating_led.get(number)
        if led is not None:
            if thanks:
                on_time, off_time, n = self.THANKS
                led.blink(on_time=on_time, off_time=off_time, n=n)
            else:
                led.off()

    def next_due(self) -> float | None:
        """When :meth:`tick` next has something to do (monotonic), or None."""
        return min([*self._restore_at.values(), *self.rating_until.values()], default=None)

    def tick(self, now: float) -> None:
        for number, at in list(self._restore_at.items()):
            if now >= at:
                del self._restore_at[number]
                self._show(number)
        for number, until in list(self.rating_until.items()):
            if now >= until:
                self.rating_closed(number)

    def close(self) -> None:
        for device in self.devices:
            device.close()
        self.devices.clear()
