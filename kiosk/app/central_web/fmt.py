"""How central's pages write numbers, dates, times and states: the Vietnamese way (1.234,5;
dd/mm/yyyy; 14:05)."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

PRINTER = {
    "ready": "Bình thường",
    "paper_low": "Sắp hết giấy",
    "paper_out": "Hết giấy",
    "cover_open": "Nắp máy in mở",
    "offline": "Máy in tạm dừng",
    "silent": "Không phản hồi",
    "disconnected": "Mất kết nối",
    "error": "Lỗi",
    "unchecked": "Không kiểm tra được",
    "": "Chưa rõ",
}
PRINTER_BAD = frozenset({"paper_out", "cover_open", "offline", "silent", "disconnected", "error"})
COUNTER = {"open": "Đang mở", "serving": "Đang phục vụ", "paused": "Tạm nghỉ"}
ROLE = {"admin": "Quản trị tỉnh", "manager": "Quản lý điểm", "viewer": "Xem"}


def number(value: Any, decimals: int = 0) -> str:
    """``1234.5`` as ``1.234,5``; None as a dash."""
    if value is None:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def minutes(seconds: float | None) -> str:
    """Seconds as minutes to a tenth, ``12,5``; None as a dash."""
    return "–" if seconds is None else number(seconds / 60, 1)


def duration(seconds: float) -> str:
    """``1 giờ 5 phút``, ``12 phút``, ``dưới 1 phút``."""
    whole = int(max(0, seconds) // 60)
    if whole < 1:
        return "dưới 1 phút"
    hours, mins = divmod(whole, 60)
    days, hours = divmod(hours, 24)
    parts = []
    if days:
        parts.append(f"{days} ngày")
    if hours:
        parts.append(f"{hours} giờ")
    if mins and not days:
        parts.append(f"{mins} phút")
    return " ".join(parts)


class Clock:
    """Times as the sites' zone shows them."""

    def __init__(self, timezone: str) -> None:
        self.zone = zoneinfo.ZoneInfo(timezone)

    def local(self, moment: float | str) -> dt.datetime:
        if isinstance(moment, str):
            when = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
        else:
            when = dt.datetime.fromtimestamp(moment, dt.UTC)
        return when.astimezone(self.zone)

    def time(self, moment: float | str) -> str:
        return f"{self.local(moment):%H:%M}" if moment else "–"

    def stamp(self, moment: float | str) -> str:
        """``14:05 07/12/2026``."""
        return f"{self.local(moment):%H:%M %d/%m/%Y}" if moment else "–"

    def today(self, now: float) -> dt.date:
        return self.local(now).date()

    def day_bounds(self, day: dt.date) -> tuple[str, str]:
        """The UTC ISO times a local day starts and ends at (for the events' ``ts``)."""
        start = dt.datetime.combine(day, dt.time(), self.zone)
        end = start + dt.timedelta(days=1)
        return _iso(start), _iso(end)


def date(day: dt.date | str) -> str:
    value = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{value:%d/%m/%Y}"


def parse_date(text: str) -> dt.date:
    """``08/12/2026`` (as the pages write it) or ``2026-12-08``; ValueError otherwise."""
    found = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", text)
    if found:
        value = dt.date(int(found[3]), int(found[2]), int(found[1]))
    elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        value = dt.date.fromisoformat(text)
    else:
        raise ValueError(text)
    if not 2000 <= value.year <= 2999:
        raise ValueError(text)
    return value


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
