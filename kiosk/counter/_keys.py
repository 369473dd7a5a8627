"""What a counter key press means, wherever it came from (GPIO pin or keypad)."""

from __future__ import annotations

from dataclasses import dataclass


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
