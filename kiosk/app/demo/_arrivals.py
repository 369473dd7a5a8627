"""Who arrives when: a realistic day with a morning peak, an afternoon bump and bursts."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass

from kiosk.config import Config

# Relative arrival intensity by local hour: most citizens come early in the morning.
_PROFILE = {7: 0.6, 8: 1.6, 9: 1.8, 10: 1.3, 11: 0.7, 12: 0.2, 13: 0.9, 14: 1.1, 15: 0.8, 16: 0.4}
# Land (đất đai) and civil status (hộ tịch) dominate a typical centre's day.
_POPULARITY = {
    "dat-dai": 2.0,
    "tu-phap-ho-tich": 2.0,
    "lao-dong-viec-lam": 1.2,
    "bao-hiem-xa-hoi": 1.2,
    "dang-ky-kinh-doanh": 1.0,
    "thue": 0.8,
}
PRIORITY_SHARE = 0.12


@dataclass(frozen=True)
class Arrival:
    at: float  # epoch seconds
    service: str
    priority: bool


def arrivals(config: Config, day: dt.date, count: int, rng: random.Random) -> list[Arrival]:
    """``count`` arrivals on ``day``: weighted by hour, plus two bursts (a group, a bus)."""
    tz = zoneinfo.ZoneInfo(config.site.timezone)
    services = [s.id for s in config.services]
    weights = [_POPULARITY.get(s, 0.7) for s in services]
    hours = list(_PROFILE)
    hour_weights = list(_PROFILE.values())
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz).timestamp()
    out = []
    bursts = [
        (9 * 3600 + 15 * 60, services[0], count // 30),
        (14 * 3600, services[-1], count // 45),
    ]
    for offset, service, size in bursts:
        for _ in range(size):
            out.append(Arrival(start + offset + rng.uniform(0, 240), service, False))
    for _ in range(count - len(out)):
        hour = rng.choices(hours, hour_weights)[0]
        moment = start + hour * 3600 + rng.uniform(0, 3600)
        service = rng.choices(services, weights)[0]
        out.append(Arrival(moment, service, rng.random() < PRIORITY_SHARE))
    return sorted(out, key=lambda a: a.at)
