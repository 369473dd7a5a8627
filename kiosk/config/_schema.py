"""The configuration model: frozen dataclasses, each field declared with its parser.

Field metadata drives the loader (:mod:`kiosk.config._build`):
``parse`` converts and validates a value, ``table`` names a nested section and
``tables`` an array of tables. A field without a default is required.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kiosk.config import _parse as p


def opt(default: Any = None, parse: p.Parser | None = None, *, required: bool = False) -> Any:
    meta = {"parse": parse}
    if required:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def table(cls: type, *, required: bool = False) -> Any:
    if required:
        return field(metadata={"table": cls})
    return field(default_factory=cls, metadata={"table": cls})


def tables(cls: type, *, required: bool = False) -> Any:
    meta = {"tables": cls}
    if required:
        return field(metadata=meta)
    return field(default=(), metadata=meta)


@dataclass(frozen=True, kw_only=True)
class SiteConfig:
    """Who this controller is: the centre's name and ids used on the wire."""

    id: str = opt(parse=p.slug, required=True)
    name: str = opt(parse=p.text, required=True)
    device: str = opt("site-controller", p.slug)
    timezone: str = opt("Asia/Ho_Chi_Minh", p.timezone)


@dataclass(frozen=True, kw_only=True)
class StoreConfig:
    path: str = opt("/var/lib/kiosk/kiosk.db", p.text)
    busy_timeout_ms: int = opt(5000, p.int_range(100, 600_000))


@dataclass(frozen=True, kw_only=True)
class SpecialDay:
    """A date with its own hours, e.g. a Saturday worked in lieu of a holiday."""

    date: dt.date = opt(parse=p.date, required=True)
    open: dt.time = opt(parse=p.clock_time, required=True)
    close: dt.time = opt(parse=p.clock_time, required=True)


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


@dataclass(frozen=True, kw_only=True)
class QueueConfig:
    """Calling policy shared by every counter."""

    # Calls in a row: this many priority tickets, then this many normal ones.
    priority_ratio: tuple[int, int] = opt((2, 1), p.ratio)
    # A ticket waiting longer than this is called before anyone issued after it.
    aging_minutes: int = opt(45, p.int_range(1, 24 * 60))
    # How a counter picks among its services: the oldest ticket, or the first service listed.
    order: str = opt("oldest", p.one_of("oldest", "listed"))
    missed_tolerance_minutes: int = opt(30, p.int_range(0, 24 * 60))
    max_reentries: int = opt(1, p.int_range(0, 10))
    transfer_position: str = opt("front", p.one_of("front", "back"))
    # Recent completed services per service used for the wait estimate.
    estimate_window: int = opt(20, p.int_range(1, 1000))


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """A service area (lĩnh vực) citizens pick at the kiosk."""

    id: str = opt(parse=p.slug, required=True)
    name: str = opt(parse=p.text, required=True)
    # Number format: a letter prefix with zero-padded digits (A023) or a band (1001-1999).
    prefix: str = opt("", p.prefix)
    digits: int = opt(3, p.int_range(1, 5))
    band: tuple[int, int] | None = opt(None, p.number_band)
    daily_cap: int | None = opt(None, p.positive_int)
    service_minutes: float = opt(10.0, p.positive_number)
    open: dt.time | None = opt(None, p.optional_clock_time)
    close: dt.time | None = opt(None, p.optional_clock_time)


@dataclass(frozen=True, kw_only=True)
class CounterConfig:
    """A counter (quầy) and the services it calls, in preference order."""

    number: int = opt(parse=p.int_range(1, 999), required=True)
    name: str = opt("", p.optional_text)
    services: tuple[str, ...] = opt(
        parse=p.list_of(p.slug, min_items=1, unique=True), required=True
    )
    staff_id: str = opt("", p.optional_text)

    @property
    def label(self) -> str:
        return self.name or f"Quầy {self.number}"


@dataclass(frozen=True, kw_only=True)
class Config:
    """The whole, validated configuration of one site controller."""

    site: SiteConfig = table(SiteConfig, required=True)
    store: StoreConfig = table(StoreConfig)
    hours: HoursConfig = table(HoursConfig)
    queue: QueueConfig = table(QueueConfig)
    services: tuple[ServiceConfig, ...] = tables(ServiceConfig, required=True)
    counters: tuple[CounterConfig, ...] = tables(CounterConfig, required=True)
    # Where the configuration came from, for messages; not a TOML key.
    sources: tuple[str, ...] = field(default=(), metadata={"internal": True})

    def service(self, service_id: str) -> ServiceConfig:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def counter(self, number: int) -> CounterConfig:
        for counter in self.counters:
            if counter.number == number:
                return counter
        raise KeyError(number)
