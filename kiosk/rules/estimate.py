"""Estimated wait from recent service durations and the counters open for a service."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def average_service_seconds(recent: Sequence[float], default_seconds: float) -> float:
    """Mean of recent service durations; the configured default until there are any.

    Durations that are not positive (a clock that jumped back) are ignored.
    """
    usable = [d for d in recent if d > 0]
    if not usable:
        return default_seconds
    return sum(usable) / len(usable)


def capacity(open_counters: Iterable[int]) -> float:
    """Counters working on a service, a counter that serves ``k`` services counting ``1/k``.

    Takes, for each open counter serving the service, how many services it serves.
    """
    return sum(1.0 / k for k in open_counters if k > 0)


def estimate_wait_minutes(ahead: int, average_seconds: float, counters: float) -> int | None:
    """Minutes until a ticket with ``ahead`` people before it is called; None if no counter."""
    if counters <= 0:
        return None
    if ahead <= 0:
        return 0
    return max(1, math.ceil(ahead * average_seconds / counters / 60))
