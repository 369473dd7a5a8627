"""Opening hours: may a ticket be issued at this local time?"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.config import WEEKDAYS, HoursConfig, ServiceConfig


@dataclass(frozen=True)
class Closed:
    """Why no ticket can be issued now: a stable ``code`` and a sentence for citizens."""

    code: str  # closed_day | before_open | lunch | after_close
    message: str


def day_hours(hours: HoursConfig, day: dt.date) -> tuple[dt.time, dt.time] | None:
    """Opening and closing time of ``day``, or ``None`` if the centre is closed."""
    for special in hours.special:
        if special.date == day:
            return special.open, special.close
    if day in hours.closed_dates or WEEKDAYS[day.weekday()] not in hours.days:
        return None
    return hours.open, hours.close


def _minus(time: dt.time, minutes: int) -> dt.time:
    moment = dt.datetime.combine(dt.date(2000, 1, 1), time) - dt.timedelta(minutes=minutes)
    return moment.time()


def check_issue(
    hours: HoursConfig, service: ServiceConfig | None, local: dt.datetime
) -> Closed | None:
    """``None`` if a ticket may be issued at ``local`` (naive or aware local time)."""
    window = day_hours(hours, local.date())
    if window is None:
        return Closed("closed_day", "Hôm nay Trung tâm không làm việc.")
    opening, closing = window
    if service is not None and service.open is not None and service.close is not None:
        opening, closing = max(opening, service.open), min(closing, service.close)
    last = _minus(closing, hours.last_ticket_minutes)
    now = local.time().replace(tzinfo=None)
    if now < opening:
        return Closed("before_open", f"Chưa đến giờ cấp số, mời quay lại lúc {opening:%H:%M}.")
    if now >= last:
        return Closed("after_close", "Đã hết giờ cấp số hôm nay.")
    if (
        hours.lunch_start is not None
        and hours.lunch_end is not None
        and hours.lunch_start <= now < hours.lunch_end
    ):
        return Closed("lunch", f"Đang nghỉ trưa, mời quay lại lúc {hours.lunch_end:%H:%M}.")
    return None
