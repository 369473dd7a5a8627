"""``[queue]``: the calling policy every counter shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.config import _parse as p
from kiosk.config._fields import opt


def ratio(value: Any) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value)
        or value == [0, 0]
    ):
        raise ValueError(
            f"must be [priority, normal], two non-negative integers, not both 0 "
            f"(got {p.describe(value)})"
        )
    return value[0], value[1]


@dataclass(frozen=True, kw_only=True)
class QueueConfig:
    """Calling policy shared by every counter."""

    # Calls in a row: this many priority tickets, then this many normal ones.
    priority_ratio: tuple[int, int] = opt((2, 1), ratio)
    # A ticket waiting longer than this is called before anyone issued after it.
    aging_minutes: int = opt(45, p.int_range(1, 24 * 60))
    # How a counter picks among its services: the oldest ticket, or the first service listed.
    order: str = opt("oldest", p.one_of("oldest", "listed"))
    missed_tolerance_minutes: int = opt(30, p.int_range(0, 24 * 60))
    max_reentries: int = opt(1, p.int_range(0, 10))
    transfer_position: str = opt("front", p.one_of("front", "back"))
    # Recent completed services per service used for the wait estimate.
    estimate_window: int = opt(20, p.int_range(1, 1000))
