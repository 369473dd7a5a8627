"""``[voice]``: spoken calls from a voice pack, and when to stay quiet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kiosk.config import _parse as p
from kiosk.config._fields import opt


def time_range(value: Any) -> tuple[dt.time, dt.time]:
    """ "HH:MM-HH:MM"; a range past midnight ("21:00-06:00") wraps."""
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f'must be "HH:MM-HH:MM" like "11:30-13:00" (got {p.describe(value)})')
    start, end = (p.clock_time(part.strip()) for part in value.split("-"))
    if start == end:
        raise ValueError(f"must not start and end at the same time (got {value!r})")
    return start, end


@dataclass(frozen=True, kw_only=True)
class VoiceConfig:
    """Spoken calls: "Mời công dân có số thứ tự A023 đến quầy số 5", from a voice pack."""

    enabled: bool = opt(True, p.boolean)
    # A folder with one WAV per clip (kiosk voice build makes one; a recorded pack drops in).
    pack: str = opt("/var/lib/kiosk/voice", p.path)
    # north: linh, nghìn, hai mươi tư; south: lẻ, ngàn, hai mươi bốn.
    region: str = opt("north", p.one_of("north", "south"))
    # 4 after mươi: "tu" (tư), "bon" (bốn) or "auto" (by region).
    four: str = opt("auto", p.one_of("auto", "tu", "bon"))
    # Ticket numbers: "number" (A023: a, hai mươi ba) or "digits" (a, không, hai, ba).
    style: str = opt("number", p.one_of("number", "digits"))
    volume: float = opt(1.0, p.number_range(0, 1))
    chime: bool = opt(True, p.boolean)
    # Each call is said this many times (a recall says it again).
    repeat: int = opt(1, p.int_range(1, 3))
    # Silence between words (milliseconds).
    gap_ms: int = opt(60, p.int_range(0, 1000))
    # No voice in these ranges of local time, e.g. ["11:30-13:00"] (the screen still shows).
    quiet_hours: tuple[tuple[dt.time, dt.time], ...] = opt((), p.list_of(time_range))
    # A call not yet spoken this long after it was made is dropped, not said late.
    stale_seconds: float = opt(120.0, p.number_range(5, 3600))
    # espeak-ng voice for `kiosk voice build`; "" picks by region (vi, vi-vn-x-south).
    espeak_voice: str = opt("", p.optional_text)
