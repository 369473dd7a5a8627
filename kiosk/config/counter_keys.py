"""``[counter_keys]``: how the counter daemon treats its keys, at every counter."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt


@dataclass(frozen=True, kw_only=True)
class CounterKeysConfig:
    """How the counter daemon treats its keys (all counters)."""

    bounce_seconds: float = opt(0.03, p.number_range(0, 0.2))
    # The same key at the same counter again within this is ignored, so a double press
    # of "next" never calls (and closes) two citizens. 0 turns it off.
    repeat_guard_seconds: float = opt(1.0, p.number_range(0, 10))
    # The reason recorded when the pause key is pressed without one of its own.
    pause_reason: str = opt("Tạm nghỉ", p.reason)
    # An absent or unplugged keypad is looked for again this often.
    keypad_retry_seconds: float = opt(2.0, p.number_range(0.2, 60))
