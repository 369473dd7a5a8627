"""The business day: numbers restart each day, and the day never goes backwards.

A Raspberry Pi has no real-time clock and boots with a stale time until it syncs.
The store remembers the last business day it opened; a clock that reads an
earlier date keeps that day (and its numbering) instead of starting over.
"""

from __future__ import annotations

import datetime as dt


def business_day(stored: dt.date | None, local_today: dt.date) -> dt.date:
    """The day new tickets belong to."""
    if stored is not None and local_today <= stored:
        return stored
    return local_today


def clock_went_back(last_seen: float | None, now: float, slack: float = 60.0) -> bool:
    """True when ``now`` is more than ``slack`` seconds before a time already recorded."""
    return last_seen is not None and now < last_seen - slack
