"""The periods Vietnamese reports use, written as one word: a day ``2026-12-08``, a month
``2026-12``, a quarter ``2026-Q4``, the first 6 or 9 months ``2026-6T`` / ``2026-9T``
(6 tháng, 9 tháng đầu năm), a year ``2026``, or a range ``2026-01-05..2026-03-20``.

A period is read from whole years, quarters and months and the days left over, so that
a 9 months' report adds up 3 quarters rather than 273 days.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MAX_DAYS = 3 * 366  # a range longer than this is refused (read it by years)

_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
_FIRST_MONTHS = re.compile(r"([0-9]{4})-([69])T")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_YEAR = re.compile(r"([0-9]{4})")
FIRST_YEAR, LAST_YEAR = 2000, 2999


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date  # included
    name: str  # as written

    def title(self) -> str:
        """In Vietnamese, as a report's heading says it."""
        first, last = self.first, self.last
        if first == last:
            return f"Ngày {first:%d/%m/%Y}"
        if _whole_months(first, last):
            months = (last.year - first.year) * 12 + last.month - first.month + 1
            if months == 1:
                return f"Tháng {first.month:02d}/{first.year}"
            if months == 12 and first.month == 1:
                return f"Năm {first.year}"
            if months == 3 and first.month % 3 == 1:
                return f"Quý {first.month // 3 + 1}/{first.year}"
            if months in (6, 9) and first.month == 1:
                return f"{months} tháng đầu năm {first.year}"
        return f"Từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}"

    def days(self) -> int:
        return (self.last - self.first).days + 1


def parse_period(text: str) -> Period:
    """``text`` as one of the module's forms; :class:`BadPeriod` says what is wrong."""
    word = text.strip(" \t")
    try:
        first, last = _bounds(word)
    except ValueError as exc:
        if isinstance(exc, BadPeriod):
            raise
        raise BadPeriod(f"{word!r}: not a date that exists") from None
    if last < first:
        raise BadPeriod(f"{word!r}: the range ends before it starts")
    if first.year < FIRST_YEAR or last.year > LAST_YEAR:
        raise BadPeriod(f"{word!r}: the years {FIRST_YEAR} to {LAST_YEAR} only")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadPeriod(f"{word!r}: at most {MAX_DAYS} days")
    return Period(first, last, word)


def _bounds(word: str) -> tuple[dt.date, dt.date]:
    if ".." in word:
        start, _, end = word.partition("..")
        return _day(start), _day(end)
    if match := _QUARTER.fullmatch(word):
        year, quarter = int(match[1]), int(match[2])
        return dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
    if match := _FIRST_MONTHS.fullmatch(word):
        year = int(match[1])
        return dt.date(year, 1, 1), _month_end(year, int(match[2]))
    if match := _MONTH.fullmatch(word):
        year, month = int(match[1]), int(match[2])
        return dt.date(year, month, 1), _month_end(year, month)
    if _YEAR.fullmatch(word):
        year = int(word)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return _day(word), _day(word)


def _day(text: str) -> dt.date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip(" \t")):
        raise BadPeriod(
            f"{text.strip()!r}: use YYYY-MM-DD, YYYY-MM, YYYY-Q1..Q4, YYYY-6T, YYYY-9T, "
            "YYYY or FROM..TO"
        )
    return dt.date.fromisoformat(text.strip(" \t"))


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _whole_months(first: dt.date, last: dt.date) -> bool:
    return first.day == 1 and (last + dt.timedelta(days=1)).day == 1


def spans(period: Period) -> list[str]:
    """The figures' spans that make up ``period``: ``Y2026``, ``Q2026-4``, ``M2026-12``,
    ``D2026-12-08`` (each day counted once, in the largest spans that fit)."""
    out: list[str] = []
    day = period.first
    while day <= period.last:
        year_end = dt.date(day.year, 12, 31)
        quarter_end = _month_end(day.year, day.month + 2) if day.month % 3 == 1 else None
        month_end = _month_end(day.year, day.month)
        if day.month == 1 and day.day == 1 and year_end <= period.last:
            out.append(f"Y{day.year}")
            day = year_end + dt.timedelta(days=1)
        elif day.day == 1 and quarter_end is not None and quarter_end <= period.last:
            out.append(f"Q{day.year}-{(day.month + 2) // 3}")
            day = quarter_end + dt.timedelta(days=1)
        elif day.day == 1 and month_end <= period.last:
            out.append(f"M{day:%Y-%m}")
            day = month_end + dt.timedelta(days=1)
        else:
            out.append(f"D{day.isoformat()}")
            day += dt.timedelta(days=1)
    return out
