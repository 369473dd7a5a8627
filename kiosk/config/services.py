"""``[[services]]``: the service areas citizens pick at the kiosk, their number formats
and their checks."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from kiosk.config import _parse as p
from kiosk.config._fields import opt, required
from kiosk.config.hours import ordered


def letter_prefix(value: Any) -> str:
    if value == "":
        return ""  # none: the service numbers by band
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{1,2}", value):
        raise ValueError(f"must be one or two capital letters A-Z (got {p.describe(value)})")
    return value


def number_band(value: Any) -> tuple[int, int] | None:
    if value == []:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
    ):
        raise ValueError(f"must be [first, last], two integers (got {p.describe(value)})")
    first, last = value
    if not 1 <= first < last <= 999_999:
        raise ValueError(f"must satisfy 1 <= first < last <= 999999 (got [{first}, {last}])")
    return first, last


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """A service area (lĩnh vực) citizens pick at the kiosk."""

    id: str = required(p.slug)
    name: str = required(p.name_text)
    # Number format: a letter prefix with zero-padded digits (A023) or a band (1001-1999).
    prefix: str = opt("", letter_prefix)
    digits: int = opt(3, p.int_range(1, 5))
    band: tuple[int, int] | None = opt(None, number_band)
    daily_cap: int | None = opt(None, p.positive_int)
    service_minutes: float = opt(10.0, p.positive_number)
    open: dt.time | None = opt(None, p.optional_clock_time)
    close: dt.time | None = opt(None, p.optional_clock_time)
    # The fields (lĩnh vực) of the procedure catalogue whose procedures this service
    # receives: their codes (MALINHVUC) or names, as the catalogue has them.
    fields: tuple[str, ...] = opt((), p.list_of(p.name_text, max_items=100, unique=True))


def capacity(service: ServiceConfig) -> int:
    """How many distinct numbers the service's format can show in one day."""
    if service.band is not None:
        return service.band[1] - service.band[0] + 1
    return int(10**service.digits) - 1


def check_services(services: tuple[ServiceConfig, ...]) -> list[str]:
    problems: list[str] = []
    ids: set[str] = set()
    prefixes: dict[str, int] = {}
    bands: list[tuple[int, tuple[int, int]]] = []
    for index, service in enumerate(services):
        path = f"services[{index}]."
        if service.id in ids:
            problems.append(f"{path}id: {service.id!r} is used by another service")
        ids.add(service.id)
        if (service.open is None) != (service.close is None):
            problems.append(f"{path}close: set both open and close, or neither")
        problems += ordered(path, ("open", service.open), ("close", service.close))
        if bool(service.prefix) == (service.band is not None):
            problems.append(
                f'{path}prefix: set either prefix (like "A") or band (like [1001, 1999])'
            )
            continue
        if service.prefix:
            if service.prefix in prefixes:
                problems.append(
                    f"{path}prefix: {service.prefix!r} is already used by "
                    f"services[{prefixes[service.prefix]}]"
                )
            prefixes[service.prefix] = index
        elif service.band is not None:
            for other_index, other in bands:
                if service.band[0] <= other[1] and other[0] <= service.band[1]:
                    problems.append(f"{path}band: overlaps services[{other_index}].band")
            bands.append((index, service.band))
        if service.daily_cap and service.daily_cap > capacity(service):
            problems.append(
                f"{path}daily_cap: {service.daily_cap} is more than the number format holds "
                f"({capacity(service)})"
            )
    if not services:
        problems.append("services: at least one [[services]] table is required")
    return problems
