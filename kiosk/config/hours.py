"""``[hours]`` and ``[[hours.special]]``: when the centre is open, and its checks."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt, required, tables


@dataclass(frozen=True, kw_only=True)
class SpecialDay:
    """A date with its own hours, e.g. a Saturday worked in lieu of a holiday."""

    date: dt.date = required(p.date)
    open: dt.time = required(p.clock_time)
    close: dt.time = required(p.clock_time)


@dataclass(frozen=True, kw_only=True)
class HoursConfig:
    """Opening hours of the centre (local time of ``site.timezone``)."""

    open: dt.time = opt(dt.time(7, 30), p.clock_time)
    close: dt.time = opt(dt.time(17, 0), p.clock_time)
    lunch_start: dt.time | None = opt(dt.time(11, 30), p.optional_clock_time)
    lunch_end: dt.time | None = opt(dt.time(13, 0), p.optional_clock_time)
    days: tuple[str, ...] = opt(
        ("mon", "tue", "wed", "thu", "fri"), p.list_of(p.weekday, min_items=1, unique=True)
    )
    # Tickets stop this many minutes before closing so the last citizen can still be served.
    last_ticket_minutes: int = opt(0, p.int_range(0, 240))
    closed_dates: tuple[dt.date, ...] = opt((), p.list_of(p.date, unique=True))
    special: tuple[SpecialDay, ...] = tables(SpecialDay)


def ordered(path: str, *times: tuple[str, dt.time | None]) -> list[str]:
    """A problem if the times given (None: not set) are not each later than the one before."""
    present = [(name, value) for name, value in times if value is not None]
    for (first_name, first), (second_name, second) in itertools.pairwise(present):
        if not first < second:
            return [
                f"{path}{second_name}: must be later than {first_name} "
                f"({second:%H:%M} is not after {first:%H:%M})"
            ]
    return []


def check_hours(hours: HoursConfig) -> list[str]:
    problems: list[str] = []
    if (hours.lunch_start is None) != (hours.lunch_end is None):
        problems.append("hours.lunch_end: set both lunch_start and lunch_end, or neither")
    problems += ordered(
        "hours.",
        ("open", hours.open),
        ("lunch_start", hours.lunch_start),
        ("lunch_end", hours.lunch_end),
        ("close", hours.close),
    )
    seen: set[dt.date] = set()
    for index, day in enumerate(hours.special):
        path = f"hours.special[{index}]."
        problems += ordered(path, ("open", day.open), ("close", day.close))
        if day.date in seen:
            problems.append(f"{path}date: {day.date} is listed twice")
        if day.date in hours.closed_dates:
            problems.append(f"{path}date: {day.date} is also in hours.closed_dates")
        seen.add(day.date)
    return problems
