"""What a counter key press means, wherever it came from (GPIO pin or keypad)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Key:
    """An action from the config: next, recall, skip, done, pause, resume, transfer, rate."""

    action: str
    argument: str = ""  # transfer: the service id; rate: the choice; pause: the reason

    @classmethod
    def parse(cls, text: str) -> Key:
        """``text`` as the config parser left it ("next", "transfer:thue", "rate:2")."""
        action, _, argument = text.partition(":")
        return cls(action, argument)

    def __str__(self) -> str:
        return f"{self.action}:{self.argument}" if self.argument else self.action


@dataclass(frozen=True)
class Press:
    counter: int
    key: Key
    at: float  # time.monotonic() when it happened
    source: str  # the pin or keypad it came from, for the log


# Signals a counter's status LED plays over its steady state: (on, off, times).
EMPTY = (0.15, 0.15, 3)  # three quick blinks: nobody waiting
REFUSED = (0.06, 0.06, 6)  # six fast: refused
THANKS = (0.1, 0.1, 2)  # the citizen's rating was taken


class Lights(Protocol):
    """Each counter's status and rating LEDs: :class:`kiosk.keys.CounterLights` drives
    them on GPIO."""

    rating_until: dict[int, float]  # counter -> when its rating keys stop being live

    def set_steady(self, number: int, state: str) -> None:
        """``off`` (idle), ``on`` (serving) or ``slow`` (paused)."""

    def signal(self, number: int, pattern: tuple[float, float, int], now: float) -> None:
        """Play ``pattern`` (:data:`EMPTY`, :data:`REFUSED`, :data:`THANKS`) over it."""

    def rating_open(self, number: int, until: float) -> None:
        """The rating keys are live until ``until`` (monotonic)."""

    def rating_closed(self, number: int, *, thanks: bool = False) -> None:
        """The rating keys are no longer live (``thanks``: a rating was taken)."""

    def next_due(self) -> float | None:
        """When :meth:`tick` must next run (monotonic), if a signal plays."""

    def tick(self, now: float) -> None:
        """Put back steady states whose signal has played."""
