"""The config loader: the example file, every field's validation, cross-field checks,
unknown keys, layering of files and the ``kiosk config check`` command."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import (
    Config,
    ConfigError,
    CounterConfig,
    HoursConfig,
    QueueConfig,
    ServiceConfig,
    SiteConfig,
    StoreConfig,
    capacity,
    config_files,
    load_config,
    parse_config,
)
from kiosk.store import Store
from tests.conftest import EXAMPLE, ROOT, example_raw, make_config

Key = str | int
DELETE: Any = object()  # a value for ``edited`` meaning "remove this key"


def edited(*changes: tuple[tuple[Key, ...], Any]) -> dict[str, Any]:
    """The example config as raw TOML data, with values at key paths replaced or removed."""
    raw = example_raw()
    for path, value in changes:
        parent: Any = raw
        for key in path[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[path[-1]]
        elif isinstance(parent, list) and path[-1] == len(parent):
            parent.append(copy.deepcopy(value))
        else:
            parent[path[-1]] = copy.deepcopy(value)
    return raw


def problems_of(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert caught.value.problems, "a ConfigError must carry at least one problem"
    return caught.value.problems


def key_path(problem: str) -> str:
    """``services[2].daily_cap`` of ``services[2].daily_cap: must be ...``."""
    return problem.split(": ", 1)[0]


def field_path(path: str) -> str:
    """``services[].daily_cap`` of ``services[2].daily_cap``: the schema field, any index."""
    return re.sub(r"\[\d+\]", "[]", path)


def schema_fields(cls: type = Config, prefix: str = "") -> dict[str, dataclasses.Field[Any]]:
    """Every TOML key path of the model, recursively: ``hours.special[].date`` etc."""
    out: dict[str, dataclasses.Field[Any]] = {}
    for f in dataclasses.fields(cls):
        if f.metadata.get("internal"):
            continue
        path = prefix + f.name
        out[path] = f
        if (nested := f.metadata.get("table")) is not None:
            out.update(schema_fields(nested, path + "."))
        elif (item_cls := f.metadata.get("tables")) is not None:
            out.update(schema_fields(item_cls, path + "[]."))
    return out


def is_required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


# ---------------------------------------------------------------------------------------
# The example file
# ---------------------------------------------------------------------------------------


def test_ok__example_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.sources == (str(EXAMPLE),)
    assert len(config.services) >= 6
    assert len(config.counters) == 8
    assert dataclasses.replace(config, sources=()) == make_config()


def test_ok__example_services_have_vietnamese_nfc_names() -> None:
    config = load_config(EXAMPLE)
    for service in config.services:
        assert unicodedata.is_normalized("NFC", service.name), service.name
        assert any(ord(ch) > 127 for ch in service.name), service.name
    assert len({service.id for service in config.services}) == len(config.services)


def test_ok__example_counters_serve_several_services() -> None:
    config = load_config(EXAMPLE)
    shared = [counter for counter in config.counters if len(counter.services) > 1]
    assert len(shared) >= 2
    known = {service.id for service in config.services}
    served = {sid for counter in config.counters for sid in counter.services}
    assert served == known
    assert len({counter.number for counter in config.counters}) == len(config.counters)
    named = next(counter for counter in config.counters if counter.name)
    assert config.counter(named.number).label == named.name
    unnamed = next(counter for counter in config.counters if not counter.name)
    assert unnamed.label == f"Quầy {unnamed.number}"


def test_ok__example_has_no_problems_in_its_number_formats() -> None:
    config = load_config(EXAMPLE)
    for service in config.services:
        assert bool(service.prefix) != (service.band is not None), service.id
        assert service.daily_cap is None or service.daily_cap <= capacity(service)


def test_ok__example_values_are_typed() -> None:
    raw = example_raw()
    config = load_config(EXAMPLE)
    assert config.hours.open == dt.time.fromisoformat(raw["hours"]["open"])
    assert config.hours.closed_dates == tuple(
        dt.date.fromisoformat(day) for day in raw["hours"]["closed_dates"]
    )
    assert config.hours.special[0].date == dt.date.fromisoformat(raw["hours"]["special"][0]["date"])
    assert config.queue.priority_ratio == tuple(raw["queue"]["priority_ratio"])
    banded = next(s for s in raw["services"] if "band" in s)
    assert config.service(banded["id"]).band == tuple(banded["band"])
    assert isinstance(config.service(banded["id"]).service_minutes, float)
    with pytest.raises(KeyError):
        config.service("no-such-service")
    with pytest.raises(KeyError):
        config.counter(999)


def test_ok__config_is_frozen() -> None:
    config = make_config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.site.name = "x"  # type: ignore[misc]
    assert isinstance(config.services, tuple)
    assert isinstance(config.counters[0].services, tuple)


# ---------------------------------------------------------------------------------------
# Good values that need care
# ---------------------------------------------------------------------------------------


def minimal_raw() -> dict[str, Any]:
    return {
        "site": {"id": "hcc-test", "name": "Trung tâm thử nghiệm"},
        "services": [{"id": "dat-dai", "name": "Đất đai", "prefix": "A"}],
        "counters": [{"number": 1, "services": ["dat-dai"]}],
    }


def test_ok__minimal_config_gets_defaults() -> None:
    config = parse_config(minimal_raw())
    assert config.store == StoreConfig()
    assert config.hours == HoursConfig()
    assert config.queue == QueueConfig()
    defaults = {f.name: f.default for f in dataclasses.fields(SiteConfig)}
    assert config.site.device == defaults["device"]
    assert config.site.timezone == defaults["timezone"]
    service_defaults = ServiceConfig(id="x", name="x")
    assert config.services[0].digits == service_defaults.digits
    assert config.services[0].daily_cap is None
    assert config.counters[0].name == CounterConfig(number=1, services=("x",)).name == ""


def test_ok__text_is_stripped_and_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Đăng ký kinh doanh")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    raw = edited((("services", 2, "name"), f"  {decomposed}\u3000"))
    name = parse_config(raw).services[2].name
    assert name == unicodedata.normalize("NFC", decomposed)
    assert unicodedata.is_normalized("NFC", name)


# Free text: the one rule (kiosk.freetext) the command line and central's messages follow
# too, with each kind of text's length.
ESC_CLEAR = "\x1b[2J"
FREE_TEXT: list[Any] = [
    pytest.param(
        ("site", "name"), "a" * 201, "site.name: too long (201 characters; at most 200)", id="name"
    ),
    pytest.param(
        ("site", "name"),
        "Trung tâm \ue000",
        "site.name: must not contain characters no font draws (U+E000)",
        id="private-use",
    ),
    pytest.param(
        ("services", 0, "name"),
        "Đất đai \u202e",
        "services[0].name: must not contain invisible characters (U+202E)",
        id="direction-override",
    ),
    pytest.param(
        ("counters", 0, "name"),
        "x" * 201,
        "counters[0].name: too long (201 characters; at most 200)",
        id="counter-name",
    ),
    pytest.param(
        ("counters", 0, "staff_id"),
        "x" * 101,
        "counters[0].staff_id: too long (101 characters; at most 100)",
        id="staff_id",
    ),
    pytest.param(
        ("counter_keys", "pause_reason"),
        f"Tạm nghỉ{ESC_CLEAR}",
        "counter_keys.pause_reason: must not contain control characters (U+001B)",
        id="pause_reason-escape",
    ),
    pytest.param(
        ("counter_keys", "pause_reason"),
        "x" * 201,
        "counter_keys.pause_reason: too long (201 characters; at most 200)",
        id="pause_reason-long",
    ),
    pytest.param(
        ("counters", 0, "buttons", 0, "action"),
        f"pause:Họp{ESC_CLEAR}",
        "counters[0].buttons[0].action: must not contain control characters (U+001B)",
        id="pause-key-reason-escape",
    ),
    pytest.param(
        ("counters", 0, "buttons", 0, "action"),
        "pause:" + "x" * 201,
        "counters[0].buttons[0].action: too long (201 characters; at most 200)",
        id="pause-key-reason-long",
    ),
    pytest.param(
        ("display", "notice"),
        "x" * 501,
        "display.notice: too long (501 characters; at most 500)",
        id="notice",
    ),
    pytest.param(
        ("kiosk", "footer"),
        "x" * 501,
        "kiosk.footer: too long (501 characters; at most 500)",
        id="footer",
    ),
    pytest.param(
        ("ratings", "labels"),
        ["Tốt", f"Chưa tốt{ESC_CLEAR}"],
        "ratings.labels: item 2: must not contain control characters (U+001B)",
        id="rating-label",
    ),
    pytest.param(
        ("store", "path"),
        "/" + "x" * 5000,
        "store.path: too long (5001 characters; at most 4096)",
        id="path",
    ),
]


@pytest.mark.parametrize(("where", "value", "expected"), FREE_TEXT)
def test_fail__free_text_breaks_the_one_rule(
    where: tuple[Key, ...], value: Any, expected: str
) -> None:
    assert problems_of(edited((where, value))) == [expected]


def test_ok__free_text_at_its_limit_counts_characters_after_nfc() -> None:
    name = "Nguyễn " * 27 + "Lê Thị Hồng"  # 200 characters, 258 code points in NFD
    assert len(name) == 200 and len(unicodedata.normalize("NFD", name)) > 200
    raw = edited(
        (("site", "name"), unicodedata.normalize("NFD", name)),
        (("store", "path"), "/var/lib/kiosk/" + "d" * 1000 + "/kiosk.db"),
        (("display", "notice"), "x" * 500),
    )
    config = parse_config(raw)
    assert config.site.name == name
    assert len(config.store.path) == 1024 and len(config.display.notice) == 500


@pytest.mark.parametrize(
    ("changes", "attribute", "expected"),
    [
        pytest.param(
            [(("hours", "lunch_start"), ""), (("hours", "lunch_end"), "")],
            lambda c: (c.hours.lunch_start, c.hours.lunch_end),
            (None, None),
            id="no-lunch",
        ),
        pytest.param(
            [(("hours", "lunch_end"), DELETE)],
            lambda c: c.hours.lunch_end,
            HoursConfig().lunch_end,
            id="missing-key-takes-default-only-empty-string-removes-lunch",
        ),
        pytest.param(
            [(("hours", "open"), dt.time(7, 0, 30))],
            lambda c: c.hours.open,
            dt.time(7, 0),
            id="toml-local-time-seconds-dropped",
        ),
        pytest.param(
            [(("hours", "closed_dates"), [dt.date(2026, 4, 30)])],
            lambda c: c.hours.closed_dates,
            (dt.date(2026, 4, 30),),
            id="toml-date-literal",
        ),
        pytest.param(
            [(("services", 5, "close"), "24:00")],
            lambda c: c.services[5].close,
            dt.time.max,
            id="service-until-midnight",
        ),
        pytest.param(
            [(("services", 5, "open"), ""), (("services", 5, "close"), "")],
            lambda c: (c.services[5].open, c.services[5].close),
            (None, None),
            id="service-centre-hours",
        ),
        pytest.param(
            [(("services", 0, "daily_cap"), 999)],
            lambda c: c.services[0].daily_cap,
            999,
            id="daily-cap-equals-capacity",
        ),
        pytest.param(
            [
                (("services", 2, "band"), [1, 999_999]),
                (("services", 3, "band"), DELETE),
                (("services", 3, "prefix"), "D"),
            ],
            lambda c: c.services[2].band,
            (1, 999_999),
            id="widest-band",
        ),
        pytest.param(
            [(("services", 3, "band"), [2000, 2999])],
            lambda c: c.services[3].band,
            (2000, 2999),
            id="adjacent-bands",
        ),
        pytest.param(
            [(("services", 0, "prefix"), "AB"), (("services", 0, "digits"), 5)],
            lambda c: (c.services[0].prefix, capacity(c.services[0])),
            ("AB", 99_999),
            id="two-letter-prefix",
        ),
        pytest.param(
            [(("queue", "priority_ratio"), [0, 1])],
            lambda c: c.queue.priority_ratio,
            (0, 1),
            id="no-priority",
        ),
        pytest.param(
            [(("site", "timezone"), "UTC")],
            lambda c: c.site.timezone,
            "UTC",
            id="utc",
        ),
        pytest.param(
            [(("counters", 0, "name"), ""), (("counters", 0, "staff_id"), "")],
            lambda c: (c.counters[0].name, c.counters[0].label),
            ("", "Quầy 1"),
            id="empty-optional-text",
        ),
        pytest.param(
            [(("services", 0, "service_minutes"), 1)],
            lambda c: c.services[0].service_minutes,
            1.0,
            id="integer-minutes-become-float",
        ),
    ],
)
def test_ok__edge_values(
    changes: list[tuple[tuple[Key, ...], Any]],
    attribute: Callable[[Config], Any],
    expected: Any,
) -> None:
    assert attribute(parse_config(edited(*changes))) == expected


# ---------------------------------------------------------------------------------------
# A bad value for every field
# ---------------------------------------------------------------------------------------

SLUG = "must be lowercase letters, digits, '-' or '_' (1-63 chars)"
TIME = 'must be a time of day "HH:MM"'
DATE = 'must be a date "YYYY-MM-DD"'
NOT_TABLE = "must be a table"
PIN = 'must be a GPIO number 0-53, "GPIO17" or a header pin "BOARD11"'

# (where to put the value, the value, the start of the one problem expected)
BAD_VALUES: list[Any] = [
    # [site]
    pytest.param(("site",), "hcc-hung-yen", f"site: {NOT_TABLE}", id="site-string"),
    pytest.param(("site",), ["hcc"], f"site: {NOT_TABLE}", id="site-list"),
    pytest.param(("site", "id"), "HCC Hưng Yên", f"site.id: {SLUG}", id="site.id-text"),
    pytest.param(("site", "id"), "", f"site.id: {SLUG}", id="site.id-empty"),
    pytest.param(("site", "id"), "-hcc", f"site.id: {SLUG}", id="site.id-leading-dash"),
    pytest.param(("site", "id"), "a" * 64, f"site.id: {SLUG}", id="site.id-too-long"),
    pytest.param(("site", "id"), 7, f"site.id: {SLUG} (got 7)", id="site.id-int"),
    pytest.param(("site", "name"), "", "site.name: must not be empty", id="site.name-empty"),
    pytest.param(("site", "name"), " \t ", "site.name: must not be empty", id="site.name-blank"),
    pytest.param(
        ("site", "name"),
        "Trung tâm\nHưng Yên",
        "site.name: must not contain control characters",
        id="site.name-newline",
    ),
    pytest.param(("site", "name"), 42, "site.name: must be a string (got 42)", id="site.name-int"),
    pytest.param(("site", "device"), "Controller 1", f"site.device: {SLUG}", id="site.device"),
    pytest.param(
        ("site", "timezone"),
        "Mars/Olympus",
        "site.timezone: unknown time zone 'Mars/Olympus'",
        id="site.timezone-unknown",
    ),
    pytest.param(
        ("site", "timezone"),
        "Asia",
        "site.timezone: unknown time zone 'Asia'",
        id="site.timezone-directory",
    ),
    pytest.param(
        ("site", "timezone"),
        "../zoneinfo",
        "site.timezone: unknown time zone",
        id="site.timezone-relative",
    ),
    pytest.param(
        ("site", "timezone"), "", "site.timezone: must not be empty", id="site.timezone-empty"
    ),
    pytest.param(
        ("site", "timezone"), 7, "site.timezone: must be a string", id="site.timezone-int"
    ),
    # [store]
    pytest.param(("store",), "/var/lib/kiosk", f"store: {NOT_TABLE}", id="store-string"),
    pytest.param(("store", "path"), "", "store.path: must not be empty", id="store.path-empty"),
    pytest.param(("store", "path"), 0, "store.path: must be a string", id="store.path-int"),
    pytest.param(
        ("store", "busy_timeout_ms"),
        99,
        "store.busy_timeout_ms: must be an integer from 100 to 600000 (got 99)",
        id="store.busy_timeout_ms-low",
    ),
    pytest.param(
        ("store", "busy_timeout_ms"),
        600_001,
        "store.busy_timeout_ms: must be an integer from 100 to 600000 (got 600001)",
        id="store.busy_timeout_ms-high",
    ),
    pytest.param(
        ("store", "busy_timeout_ms"),
        5000.0,
        "store.busy_timeout_ms: must be an integer (got 5000.0)",
        id="store.busy_timeout_ms-float",
    ),
    # [hours]
    pytest.param(("hours",), "07:30-17:00", f"hours: {NOT_TABLE}", id="hours-string"),
    pytest.param(("hours", "open"), "7:30", f"hours.open: {TIME}", id="hours.open-one-digit"),
    pytest.param(("hours", "open"), "25:00", f"hours.open: {TIME}", id="hours.open-25h"),
    pytest.param(("hours", "open"), "07:60", f"hours.open: {TIME}", id="hours.open-60min"),
    pytest.param(("hours", "open"), "24:01", f"hours.open: {TIME}", id="hours.open-24:01"),
    pytest.param(("hours", "open"), "", f"hours.open: {TIME}", id="hours.open-empty"),
    pytest.param(("hours", "open"), 730, f"hours.open: {TIME} (got 730)", id="hours.open-int"),
    pytest.param(("hours", "close"), "5pm", f"hours.close: {TIME}", id="hours.close"),
    pytest.param(
        ("hours", "close"),
        dt.datetime(2026, 1, 1, 17, 0),
        f"hours.close: {TIME}",
        id="hours.close-datetime",
    ),
    pytest.param(("hours", "lunch_start"), "noon", f"hours.lunch_start: {TIME}", id="lunch_start"),
    pytest.param(("hours", "lunch_end"), 1300, f"hours.lunch_end: {TIME}", id="lunch_end-int"),
    pytest.param(
        ("hours", "days"), [], "hours.days: must have at least 1 item(s)", id="hours.days-empty"
    ),
    pytest.param(
        ("hours", "days"),
        ["mon", "tue", "mon"],
        "hours.days: must not repeat an item",
        id="hours.days-repeat",
    ),
    pytest.param(
        ("hours", "days"),
        ["mon", "Tuesday"],
        "hours.days: item 2: must be one of mon, tue, wed, thu, fri, sat, sun (got 'Tuesday')",
        id="hours.days-name",
    ),
    pytest.param(
        ("hours", "days"), "mon", "hours.days: must be a list (got 'mon')", id="hours.days-string"
    ),
    pytest.param(
        ("hours", "last_ticket_minutes"),
        -1,
        "hours.last_ticket_minutes: must be an integer from 0 to 240 (got -1)",
        id="hours.last_ticket_minutes-negative",
    ),
    pytest.param(
        ("hours", "last_ticket_minutes"),
        241,
        "hours.last_ticket_minutes: must be an integer from 0 to 240 (got 241)",
        id="hours.last_ticket_minutes-high",
    ),
    pytest.param(
        ("hours", "closed_dates"),
        ["2026-01-01", "2026-02-30"],
        f"hours.closed_dates: item 2: {DATE} (got '2026-02-30')",
        id="hours.closed_dates-feb-30",
    ),
    pytest.param(
        ("hours", "closed_dates"),
        ["02/09/2026"],
        f"hours.closed_dates: item 1: {DATE}",
        id="hours.closed_dates-format",
    ),
    pytest.param(
        ("hours", "closed_dates"),
        [dt.datetime(2026, 9, 2, 0, 0)],
        f"hours.closed_dates: item 1: {DATE}",
        id="hours.closed_dates-datetime",
    ),
    pytest.param(
        ("hours", "closed_dates"),
        ["2026-09-02", dt.date(2026, 9, 2)],
        "hours.closed_dates: must not repeat an item",
        id="hours.closed_dates-repeat",
    ),
    pytest.param(
        ("hours", "closed_dates"),
        "2026-09-02",
        "hours.closed_dates: must be a list",
        id="hours.closed_dates-string",
    ),
    # [[hours.special]]
    pytest.param(
        ("hours", "special"),
        {"date": "2026-12-26", "open": "07:30", "close": "11:30"},
        "hours.special: must be an array of tables ([[hours.special]])",
        id="hours.special-table",
    ),
    pytest.param(
        ("hours", "special"),
        ["2026-12-26"],
        "hours.special: must be an array of tables ([[hours.special]])",
        id="hours.special-strings",
    ),
    pytest.param(
        ("hours", "special", 0, "date"),
        "26/12/2026",
        f"hours.special[0].date: {DATE}",
        id="hours.special.date",
    ),
    pytest.param(
        ("hours", "special", 1),
        {"date": "2026-12-27", "open": "7h30", "close": "11:30"},
        f"hours.special[1].open: {TIME}",
        id="hours.special.open",
    ),
    pytest.param(
        ("hours", "special", 0, "open"),
        "",
        f"hours.special[0].open: {TIME}",
        id="hours.special.open-empty",
    ),
    pytest.param(
        ("hours", "special", 0, "close"),
        1130,
        f"hours.special[0].close: {TIME}",
        id="hours.special.close",
    ),
    # [queue]
    pytest.param(("queue",), 1, f"queue: {NOT_TABLE}", id="queue-int"),
    *(
        pytest.param(
            ("queue", "priority_ratio"),
            value,
            "queue.priority_ratio: must be [priority, normal], two non-negative integers, "
            "not both 0",
            id=f"queue.priority_ratio-{name}",
        )
        for name, value in [
            ("zeros", [0, 0]),
            ("one", [2]),
            ("three", [2, 1, 1]),
            ("negative", [-1, 1]),
            ("bool", [True, 1]),
            ("float", [2.0, 1]),
            ("string", "2:1"),
        ]
    ),
    pytest.param(
        ("queue", "aging_minutes"),
        0,
        "queue.aging_minutes: must be an integer from 1 to 1440 (got 0)",
        id="queue.aging_minutes-zero",
    ),
    pytest.param(
        ("queue", "aging_minutes"),
        1441,
        "queue.aging_minutes: must be an integer from 1 to 1440 (got 1441)",
        id="queue.aging_minutes-high",
    ),
    pytest.param(
        ("queue", "order"),
        "newest",
        "queue.order: must be one of oldest, listed (got 'newest')",
        id="queue.order",
    ),
    pytest.param(
        ("queue", "order"), "OLDEST", "queue.order: must be one of oldest, listed", id="order-case"
    ),
    pytest.param(
        ("queue", "missed_tolerance_minutes"),
        -1,
        "queue.missed_tolerance_minutes: must be an integer from 0 to 1440 (got -1)",
        id="queue.missed_tolerance_minutes-negative",
    ),
    pytest.param(
        ("queue", "missed_tolerance_minutes"),
        1441,
        "queue.missed_tolerance_minutes: must be an integer from 0 to 1440 (got 1441)",
        id="queue.missed_tolerance_minutes-high",
    ),
    pytest.param(
        ("queue", "max_reentries"),
        11,
        "queue.max_reentries: must be an integer from 0 to 10 (got 11)",
        id="queue.max_reentries-high",
    ),
    pytest.param(
        ("queue", "max_reentries"),
        -1,
        "queue.max_reentries: must be an integer from 0 to 10 (got -1)",
        id="queue.max_reentries-negative",
    ),
    pytest.param(
        ("queue", "transfer_position"),
        "middle",
        "queue.transfer_position: must be one of front, back (got 'middle')",
        id="queue.transfer_position",
    ),
    pytest.param(
        ("queue", "estimate_window"),
        0,
        "queue.estimate_window: must be an integer from 1 to 1000 (got 0)",
        id="queue.estimate_window-zero",
    ),
    pytest.param(
        ("queue", "estimate_window"),
        1001,
        "queue.estimate_window: must be an integer from 1 to 1000 (got 1001)",
        id="queue.estimate_window-high",
    ),
    # [[services]]
    pytest.param(
        ("services",),
        {"id": "dat-dai", "name": "Đất đai", "prefix": "A"},
        "services: must be an array of tables ([[services]])",
        id="services-table",
    ),
    pytest.param(
        ("services",),
        ["dat-dai"],
        "services: must be an array of tables ([[services]])",
        id="services-strings",
    ),
    pytest.param(("services", 0, "id"), "Đất đai", f"services[0].id: {SLUG}", id="svc.id-text"),
    pytest.param(("services", 1, "id"), "tu phap", f"services[1].id: {SLUG}", id="svc.id-space"),
    pytest.param(
        ("services", 0, "name"), "", "services[0].name: must not be empty", id="svc.name-empty"
    ),
    pytest.param(
        ("services", 0, "name"),
        "Đất\x00đai",
        "services[0].name: must not contain control characters",
        id="services.name-nul",
    ),
    pytest.param(
        ("services", 6, "name"), 1, "services[6].name: must be a string", id="services.name-int"
    ),
    *(
        pytest.param(
            ("services", 0, "prefix"),
            value,
            f"services[0].prefix: must be one or two capital letters A-Z (got {value!r})",
            id=f"services.prefix-{value}",
        )
        for value in ["a", "ABC", "Đ", "1", "A1"]
    ),
    pytest.param(
        ("services", 0, "digits"),
        0,
        "services[0].digits: must be an integer from 1 to 5 (got 0)",
        id="services.digits-zero",
    ),
    pytest.param(
        ("services", 0, "digits"),
        6,
        "services[0].digits: must be an integer from 1 to 5 (got 6)",
        id="services.digits-high",
    ),
    *(
        pytest.param(
            ("services", 2, "band"),
            value,
            f"services[2].band: must be [first, last], two integers (got {value!r})",
            id=f"services.band-{name}",
        )
        for name, value in [
            ("one", [1001]),
            ("three", [1, 2, 3]),
            ("string", "1001-1999"),
            ("float", [1001.0, 1999]),
            ("bool", [True, 5]),
        ]
    ),
    *(
        pytest.param(
            ("services", 2, "band"),
            value,
            f"services[2].band: must satisfy 1 <= first < last <= 999999 (got {value})",
            id=f"services.band-{name}",
        )
        for name, value in [
            ("reversed", [1999, 1001]),
            ("equal", [1001, 1001]),
            ("zero", [0, 999]),
            ("too-high", [1, 1_000_000]),
        ]
    ),
    pytest.param(
        ("services", 2, "daily_cap"),
        0,
        "services[2].daily_cap: must be a positive integer (got 0)",
        id="services.daily_cap-zero",
    ),
    pytest.param(
        ("services", 2, "daily_cap"),
        -5,
        "services[2].daily_cap: must be a positive integer (got -5)",
        id="services.daily_cap-negative",
    ),
    pytest.param(
        ("services", 2, "daily_cap"),
        1.5,
        "services[2].daily_cap: must be a positive integer (got 1.5)",
        id="services.daily_cap-float",
    ),
    pytest.param(
        ("lookup", "keypad"),
        [],
        "lookup.keypad: must be a string",
        id="lookup.keypad-list",
    ),
    pytest.param(
        ("lookup", "touch"),
        5,
        "lookup.touch: must be a string",
        id="lookup.touch-int",
    ),
    pytest.param(
        ("lookup", "catalogue_idle_seconds"),
        5,
        "lookup.catalogue_idle_seconds: must be from 10 to 900 (got 5)",
        id="lookup.catalogue_idle_seconds-low",
    ),
    pytest.param(
        ("lookup", "home"),
        "catalog",
        "lookup.home: must be one of",
        id="lookup.home",
    ),
    pytest.param(
        ("lookup", "diagonal_inches"),
        5,
        "lookup.diagonal_inches: must be from 7 to 100 (got 5)",
        id="lookup.diagonal_inches-low",
    ),
    pytest.param(
        ("lookup", "diagonal_inches"),
        "21.5 inch",
        "lookup.diagonal_inches: must be",
        id="lookup.diagonal_inches-text",
    ),
    pytest.param(
        ("services", 2, "fields"),
        "Hộ tịch",
        "services[2].fields: must be a list (got 'Hộ tịch')",
        id="services.fields-string",
    ),
    pytest.param(
        ("services", 2, "fields"),
        ["Hộ tịch", "Hộ tịch"],
        "services[2].fields: must not repeat an item",
        id="services.fields-repeated",
    ),
    pytest.param(
        ("services", 2, "fields"),
        ["Hộ tịch\x1b[2J"],
        "services[2].fields: item 1: must not contain control characters (U+001B)",
        id="services.fields-control",
    ),
    *(
        pytest.param(
            ("services", 0, "service_minutes"),
            value,
            f"services[0].service_minutes: must be a positive number (got {value!r})",
            id=f"services.service_minutes-{value!r}",
        )
        for value in [0, -1.5, "10", math.nan, math.inf]
    ),
    pytest.param(("services", 5, "open"), "8am", f"services[5].open: {TIME}", id="services.open"),
    pytest.param(
        ("services", 5, "close"), "16h30", f"services[5].close: {TIME}", id="services.close"
    ),
    # [[counters]]
    pytest.param(
        ("counters",),
        {"number": 1, "services": ["dat-dai"]},
        "counters: must be an array of tables ([[counters]])",
        id="counters-table",
    ),
    pytest.param(
        ("counters",),
        [1, 2],
        "counters: must be an array of tables ([[counters]])",
        id="counters-ints",
    ),
    pytest.param(
        ("counters", 0, "number"),
        0,
        "counters[0].number: must be an integer from 1 to 999 (got 0)",
        id="counters.number-zero",
    ),
    pytest.param(
        ("counters", 7, "number"),
        1000,
        "counters[7].number: must be an integer from 1 to 999 (got 1000)",
        id="counters.number-high",
    ),
    pytest.param(
        ("counters", 0, "name"), 5, "counters[0].name: must be a string", id="counters.name-int"
    ),
    pytest.param(
        ("counters", 0, "name"),
        "   ",
        "counters[0].name: must not be empty",
        id="counters.name-blank",
    ),
    pytest.param(
        ("counters", 0, "name"),
        "Quầy\n1",
        "counters[0].name: must not contain control characters",
        id="counters.name-newline",
    ),
    pytest.param(
        ("counters", 1, "services"),
        [],
        "counters[1].services: must have at least 1 item(s)",
        id="counters.services-empty",
    ),
    pytest.param(
        ("counters", 1, "services"),
        ["dat-dai", "thue", "dat-dai"],
        "counters[1].services: must not repeat an item",
        id="counters.services-repeat",
    ),
    pytest.param(
        ("counters", 1, "services"),
        ["dat-dai", "Thuế"],
        f"counters[1].services: item 2: {SLUG} (got 'Thuế')",
        id="counters.services-item",
    ),
    pytest.param(
        ("counters", 1, "services"),
        "dat-dai",
        "counters[1].services: must be a list (got 'dat-dai')",
        id="counters.services-string",
    ),
    pytest.param(
        ("counters", 0, "staff_id"),
        101,
        "counters[0].staff_id: must be a string (got 101)",
        id="counters.staff_id-int",
    ),
    pytest.param(
        ("counters", 0, "staff_id"),
        "cb\x070101",
        "counters[0].staff_id: must not contain control characters",
        id="counters.staff_id-bell",
    ),
    # [kiosk]
    pytest.param(("kiosk",), "on", f"kiosk: {NOT_TABLE}", id="kiosk-string"),
    pytest.param(
        ("kiosk", "bounce_seconds"),
        0.5,
        "kiosk.bounce_seconds: must be from 0 to 0.2 (got 0.5)",
        id="kiosk.bounce_seconds-long",
    ),
    pytest.param(
        ("kiosk", "bounce_seconds"),
        "30ms",
        "kiosk.bounce_seconds: must be a number",
        id="kiosk.bounce_seconds-text",
    ),
    pytest.param(
        ("kiosk", "cooldown_seconds"),
        -1,
        "kiosk.cooldown_seconds: must be from 0 to 60 (got -1)",
        id="kiosk.cooldown_seconds-negative",
    ),
    pytest.param(
        ("kiosk", "cooldown_seconds"),
        math.nan,
        "kiosk.cooldown_seconds: must be a number",
        id="kiosk.cooldown_seconds-nan",
    ),
    pytest.param(
        ("kiosk", "hold_seconds"),
        11,
        "kiosk.hold_seconds: must be from 0 to 10 (got 11)",
        id="kiosk.hold_seconds",
    ),
    pytest.param(
        ("kiosk", "hold_seconds"),
        True,
        "kiosk.hold_seconds: must be a number (got True)",
        id="kiosk.hold_seconds-bool",
    ),
    pytest.param(
        ("kiosk", "priority_button"),
        26,
        f"kiosk.priority_button: {NOT_TABLE}",
        id="kiosk.priority_button-int",
    ),
    pytest.param(
        ("kiosk", "priority_button", "pin"),
        54,
        f"kiosk.priority_button.pin: {PIN}",
        id="kiosk.priority_button.pin-range",
    ),
    pytest.param(
        ("kiosk", "priority_button", "pull"),
        "pullup",
        "kiosk.priority_button.pull: must be one of up, down, off",
        id="kiosk.priority_button.pull",
    ),
    pytest.param(
        ("kiosk", "priority_button", "active"),
        "on",
        "kiosk.priority_button.active: must be one of auto, low, high",
        id="kiosk.priority_button.active",
    ),
    pytest.param(
        ("kiosk", "priority_button", "window_seconds"),
        0,
        "kiosk.priority_button.window_seconds: must be from 1 to 120 (got 0)",
        id="kiosk.priority_button.window_seconds",
    ),
    pytest.param(
        ("kiosk", "buttons"),
        {"service": "thue"},
        "kiosk.buttons: must be an array of tables",
        id="kiosk.buttons-table",
    ),
    pytest.param(
        ("kiosk", "buttons", 0, "service"),
        "Đất đai",
        f"kiosk.buttons[0].service: {SLUG}",
        id="kiosk.buttons.service",
    ),
    pytest.param(
        ("kiosk", "buttons", 1, "pin"),
        "GPIO",
        f"kiosk.buttons[1].pin: {PIN}",
        id="kiosk.buttons.pin-name",
    ),
    pytest.param(
        ("kiosk", "buttons", 1, "pin"),
        "BOARD41",
        f"kiosk.buttons[1].pin: {PIN}",
        id="kiosk.buttons.pin-board",
    ),
    pytest.param(
        ("kiosk", "buttons", 1, "pin"),
        -1,
        f"kiosk.buttons[1].pin: {PIN}",
        id="kiosk.buttons.pin-negative",
    ),
    pytest.param(
        ("kiosk", "buttons", 2, "pull"),
        "none",
        "kiosk.buttons[2].pull: must be one of up, down, off",
        id="kiosk.buttons.pull",
    ),
    pytest.param(
        ("kiosk", "buttons", 2, "active"),
        True,
        "kiosk.buttons[2].active: must be one of auto, low, high",
        id="kiosk.buttons.active",
    ),
    pytest.param(("kiosk", "busy_led"), "LED1", f"kiosk.busy_led: {PIN}", id="kiosk.busy_led"),
    pytest.param(("kiosk", "error_led"), 99, f"kiosk.error_led: {PIN}", id="kiosk.error_led"),
    pytest.param(("kiosk", "paper_led"), 2.5, f"kiosk.paper_led: {PIN}", id="kiosk.paper_led"),
    pytest.param(("kiosk", "buzzer"), False, f"kiosk.buzzer: {PIN}", id="kiosk.buzzer"),
    pytest.param(
        ("kiosk", "footer"),
        "Xin cảm ơn\x00",
        "kiosk.footer: must not contain control",
        id="kiosk.footer",
    ),
    # [printer]
    pytest.param(("printer",), "usb", f"printer: {NOT_TABLE}", id="printer-string"),
    pytest.param(
        ("printer", "connection"),
        "bluetooth",
        "printer.connection: must be one of none, usb, serial, network, file, dummy",
        id="printer.connection",
    ),
    pytest.param(
        ("printer", "profile"), "", "printer.profile: must not be empty", id="printer.profile"
    ),
    pytest.param(
        ("printer", "width"),
        64,
        "printer.width: must be an integer from 128 to 2048 (got 64)",
        id="printer.width",
    ),
    pytest.param(
        ("printer", "mode"),
        "graphics",
        "printer.mode: must be one of image, text",
        id="printer.mode",
    ),
    pytest.param(
        ("printer", "codepage"),
        "tcvn3",
        "printer.codepage: must be one of cp1258, ascii",
        id="printer.codepage",
    ),
    pytest.param(
        ("printer", "codepage_table"),
        256,
        "printer.codepage_table: must be an integer from 0 to 255 (got 256)",
        id="printer.codepage_table",
    ),
    pytest.param(
        ("printer", "qr"),
        True,
        "printer.qr: must be one of auto, native, image, none",
        id="printer.qr",
    ),
    pytest.param(
        ("printer", "cut"),
        "half",
        "printer.cut: must be one of partial, full, none",
        id="printer.cut",
    ),
    pytest.param(
        ("printer", "status"),
        "on",
        "printer.status: must be one of auto, off",
        id="printer.status",
    ),
    pytest.param(
        ("printer", "timeout_seconds"),
        0,
        "printer.timeout_seconds: must be from 0.5 to 60",
        id="printer.timeout_seconds",
    ),
    pytest.param(
        ("printer", "retry_seconds"),
        3600,
        "printer.retry_seconds: must be from 0.5 to 300",
        id="printer.retry_seconds",
    ),
    pytest.param(
        ("printer", "usb_vendor_id"),
        0x10000,
        "printer.usb_vendor_id: must be a USB id from 0x0001 to 0xFFFF",
        id="printer.usb_vendor_id",
    ),
    pytest.param(
        ("printer", "usb_product_id"),
        "0e15",
        "printer.usb_product_id: must be a USB id from 0x0001 to 0xFFFF",
        id="printer.usb_product_id",
    ),
    pytest.param(
        ("printer", "usb_in_ep"),
        0x01,
        "printer.usb_in_ep: must be an integer from 129 to 143 (got 1)",
        id="printer.usb_in_ep",
    ),
    pytest.param(
        ("printer", "usb_out_ep"),
        0x81,
        "printer.usb_out_ep: must be an integer from 1 to 15 (got 129)",
        id="printer.usb_out_ep",
    ),
    pytest.param(
        ("printer", "serial_port"),
        ["/dev/ttyUSB0"],
        "printer.serial_port: must be a string",
        id="printer.serial_port",
    ),
    pytest.param(
        ("printer", "baudrate"),
        115201,
        "printer.baudrate: must be one of 2400, 4800",
        id="printer.baudrate",
    ),
    pytest.param(
        ("printer", "flow_control"),
        "hardware",
        "printer.flow_control: must be one of none, rtscts, dsrdtr, xonxoff",
        id="printer.flow_control",
    ),
    pytest.param(
        ("printer", "host"),
        "printer one",
        "printer.host: must be a host name or IP address",
        id="printer.host",
    ),
    pytest.param(
        ("printer", "port"),
        0,
        "printer.port: must be an integer from 1 to 65535 (got 0)",
        id="printer.port",
    ),
    pytest.param(("printer", "path"), 7, "printer.path: must be a string", id="printer.path"),
    pytest.param(("printer", "font"), 7, "printer.font: must be a string", id="printer.font"),
    pytest.param(
        ("printer", "font_bold"),
        "a\nb",
        "printer.font_bold: must not contain control",
        id="printer.font_bold",
    ),
    # counter keys, ratings and key maps
    pytest.param(("counter_keys",), 1, f"counter_keys: {NOT_TABLE}", id="counter_keys-int"),
    pytest.param(("ratings",), ["x"], f"ratings: {NOT_TABLE}", id="ratings-list"),
    pytest.param(
        ("counters", 0, "buttons"),
        {"pin": 4},
        "counters[0].buttons: must be an array of tables ([[counters[0].buttons]])",
        id="counters.buttons-table",
    ),
    pytest.param(
        ("counters", 1, "keypads"),
        "/dev/input/event3",
        "counters[1].keypads: must be an array of tables ([[counters[1].keypads]])",
        id="counters.keypads-string",
    ),
    pytest.param(
        ("counter_keys", "bounce_seconds"),
        0.5,
        "counter_keys.bounce_seconds: must be from 0 to 0.2 (got 0.5)",
        id="counter_keys.bounce_seconds",
    ),
    pytest.param(
        ("counter_keys", "repeat_guard_seconds"),
        -1,
        "counter_keys.repeat_guard_seconds: must be from 0 to 10 (got -1)",
        id="counter_keys.repeat_guard_seconds",
    ),
    pytest.param(
        ("counter_keys", "pause_reason"),
        "",
        "counter_keys.pause_reason: must not be empty",
        id="counter_keys.pause_reason",
    ),
    pytest.param(
        ("counter_keys", "keypad_retry_seconds"),
        0,
        "counter_keys.keypad_retry_seconds: must be from 0.2 to 60 (got 0)",
        id="counter_keys.keypad_retry_seconds",
    ),
    pytest.param(
        ("ratings", "labels"),
        ["Hài lòng"],
        "ratings.labels: must have at least 2 item(s)",
        id="ratings.labels",
    ),
    pytest.param(
        ("ratings", "labels"),
        [f"Mức {n}" for n in range(10)],
        "ratings.labels: must have at most 9 items (got 10)",
        id="ratings.labels-too-many",
    ),
    pytest.param(
        ("ratings", "labels"),
        ["Hài lòng", "Hài lòng"],
        "ratings.labels: must not repeat an item",
        id="ratings.labels-repeated",
    ),
    pytest.param(
        ("ratings", "window_seconds"),
        1,
        "ratings.window_seconds: must be from 5 to 900 (got 1)",
        id="ratings.window_seconds",
    ),
    pytest.param(("display",), ["x"], "display: must be a table", id="display-list"),
    pytest.param(
        ("display", "resolution"),
        "1920*1080",
        'display.resolution: must be "native" or WIDTHxHEIGHT',
        id="display.resolution-shape",
    ),
    pytest.param(
        ("display", "resolution"),
        "100x100",
        "display.resolution: must be from 320x240 to 7680x7680 (got 100x100)",
        id="display.resolution-small",
    ),
    pytest.param(
        ("display", "rotation"),
        45,
        "display.rotation: must be one of 0, 90, 180, 270 (got 45)",
        id="display.rotation",
    ),
    pytest.param(("display", "index"), 8, "display.index: must be", id="display.index"),
    pytest.param(("display", "font"), 3, "display.font: must be a string", id="display.font"),
    pytest.param(
        ("display", "font_bold"),
        ["x"],
        "display.font_bold: must be a string",
        id="display.font_bold",
    ),
    pytest.param(
        ("display", "highlight_seconds"),
        0,
        "display.highlight_seconds: must be from 1 to 120 (got 0)",
        id="display.highlight_seconds",
    ),
    pytest.param(("display", "history"), 20, "display.history: must be", id="display.history"),
    pytest.param(
        ("display", "notice"),
        "Dòng 1\nDòng 2",
        "display.notice: must not contain control characters",
        id="display.notice",
    ),
    pytest.param(
        ("display", "notice_speed"),
        -1,
        "display.notice_speed: must be from 0 to 600 (got -1)",
        id="display.notice_speed",
    ),
    pytest.param(("display", "poll_ms"), 5, "display.poll_ms: must be", id="display.poll_ms"),
    pytest.param(
        ("display", "retry_seconds"),
        0,
        "display.retry_seconds: must be from 0.5 to 300 (got 0)",
        id="display.retry_seconds",
    ),
    pytest.param(("voice",), "on", "voice: must be a table", id="voice-string"),
    pytest.param(
        ("voice", "enabled"), "yes", "voice.enabled: must be true or false", id="voice.enabled"
    ),
    pytest.param(("voice", "pack"), "", "voice.pack: must not be empty", id="voice.pack"),
    pytest.param(
        ("voice", "region"),
        "central",
        "voice.region: must be one of north, south (got 'central')",
        id="voice.region",
    ),
    pytest.param(
        ("voice", "four"), "tư", "voice.four: must be one of auto, tu, bon", id="voice.four"
    ),
    pytest.param(
        ("voice", "style"),
        "letters",
        "voice.style: must be one of number, digits",
        id="voice.style",
    ),
    pytest.param(
        ("voice", "volume"), 1.5, "voice.volume: must be from 0 to 1 (got 1.5)", id="voice.volume"
    ),
    pytest.param(("voice", "chime"), 1, "voice.chime: must be true or false", id="voice.chime"),
    pytest.param(("voice", "repeat"), 0, "voice.repeat: must be", id="voice.repeat"),
    pytest.param(("voice", "gap_ms"), 5000, "voice.gap_ms: must be", id="voice.gap_ms"),
    pytest.param(
        ("voice", "quiet_hours"),
        ["12:00-12:00"],
        "voice.quiet_hours: item 1: must not start and end at the same time",
        id="voice.quiet_hours-empty",
    ),
    pytest.param(
        ("voice", "quiet_hours"),
        ["noon"],
        'voice.quiet_hours: item 1: must be "HH:MM-HH:MM"',
        id="voice.quiet_hours-shape",
    ),
    pytest.param(
        ("voice", "quiet_hours"),
        ["11:30-25:00"],
        'voice.quiet_hours: item 1: must be a time of day "HH:MM"',
        id="voice.quiet_hours-time",
    ),
    pytest.param(
        ("voice", "stale_seconds"),
        1,
        "voice.stale_seconds: must be from 5 to 3600 (got 1)",
        id="voice.stale_seconds",
    ),
    pytest.param(
        ("voice", "espeak_voice"),
        7,
        "voice.espeak_voice: must be a string",
        id="voice.espeak_voice",
    ),
    pytest.param(("scanner",), 1, "scanner: must be a table", id="scanner-number"),
    pytest.param(("scanner", "stall_ms"), 5, "scanner.stall_ms: must be", id="scanner.stall_ms"),
    pytest.param(
        ("scanner", "repeat_seconds"),
        -1,
        "scanner.repeat_seconds: must be",
        id="scanner.repeat_seconds",
    ),
    pytest.param(
        ("scanner", "retry_seconds"),
        0,
        "scanner.retry_seconds: must be",
        id="scanner.retry_seconds",
    ),
    pytest.param(
        ("scanner", "devices"), "usb", "scanner.devices: must be", id="scanner.devices-string"
    ),
    pytest.param(
        ("scanner", "devices", 0, "id"),
        "Sảnh 1",
        "scanner.devices[0].id: must be",
        id="scanner.devices.id",
    ),
    pytest.param(
        ("scanner", "devices", 0, "device"),
        "ttyUSB0",
        "scanner.devices[0].device: must be an absolute path",
        id="scanner.devices.device",
    ),
    pytest.param(
        ("scanner", "devices", 0, "kind"),
        "usb",
        "scanner.devices[0].kind: must be one of auto, hid, serial",
        id="scanner.devices.kind",
    ),
    pytest.param(
        ("scanner", "devices", 1, "baudrate"),
        9601,
        "scanner.devices[1].baudrate: must be one of",
        id="scanner.devices.baudrate",
    ),
    pytest.param(
        ("scanner", "devices", 1, "framing"),
        "etx",
        "scanner.devices[1].framing: must be one of auto, cr, lf, crlf, idle",
        id="scanner.devices.framing",
    ),
    pytest.param(
        ("scanner", "devices", 1, "id"),
        "sanh-1",
        "scanner.devices[1].id: 'sanh-1' is used by another scanner",
        id="scanner.devices.id-repeated",
    ),
    pytest.param(
        ("scanner", "devices", 0, "kind"),
        "serial",
        "scanner.devices[0].kind: a serial scanner cannot be /dev/input/",
        id="scanner.devices.kind-serial-input",
    ),
    pytest.param(("lookup",), [], "lookup: must be a table", id="lookup-list"),
    pytest.param(
        ("lookup", "scanners"),
        ["sanh-3"],
        "lookup.scanners: no scanner 'sanh-3'",
        id="lookup.scanners",
    ),
    pytest.param(
        ("lookup", "scanners"),
        ["sanh-1", "sanh-1"],
        "lookup.scanners: must not repeat",
        id="lookup.scanners-repeated",
    ),
    pytest.param(
        ("lookup", "resolution"), "big", "lookup.resolution: must be", id="lookup.resolution"
    ),
    pytest.param(
        ("lookup", "rotation"),
        45,
        "lookup.rotation: must be one of 0, 90, 180, 270",
        id="lookup.rotation",
    ),
    pytest.param(("lookup", "index"), 8, "lookup.index: must be", id="lookup.index"),
    pytest.param(
        ("lookup", "show_seconds"),
        1,
        "lookup.show_seconds: must be from 5 to 600",
        id="lookup.show_seconds",
    ),
    pytest.param(
        ("lookup", "stale_minutes"), 0, "lookup.stale_minutes: must be", id="lookup.stale_minutes"
    ),
    pytest.param(("lookup", "help"), 3, "lookup.help: must be a string", id="lookup.help"),
    pytest.param(("dossiers",), "90", "dossiers: must be a table", id="dossiers-string"),
    pytest.param(
        ("dossiers", "purge_after_days"),
        0,
        "dossiers.purge_after_days: must be",
        id="dossiers.purge_after_days",
    ),
    pytest.param(("sync",), "x", "sync: must be a table", id="sync-string"),
    pytest.param(("sync", "host"), 3, "sync.host: must be a string", id="sync.host"),
    pytest.param(("sync", "port"), 0, "sync.port: must be", id="sync.port"),
    pytest.param(("sync", "username"), 3, "sync.username: must be a string", id="sync.username"),
    pytest.param(("sync", "password"), 3, "sync.password: must be a string", id="sync.password"),
    pytest.param(
        ("sync", "password_file"),
        3,
        "sync.password_file: must be a string",
        id="sync.password_file",
    ),
    pytest.param(("sync", "tls"), "yes", "sync.tls: must be true or false", id="sync.tls"),
    pytest.param(("sync", "ca"), 3, "sync.ca: must be a string", id="sync.ca"),
    pytest.param(("sync", "cert"), 3, "sync.cert: must be a string", id="sync.cert"),
    pytest.param(("sync", "key"), 3, "sync.key: must be a string", id="sync.key"),
    pytest.param(("sync", "keepalive"), 1, "sync.keepalive: must be", id="sync.keepalive"),
    pytest.param(
        ("sync", "reconnect_min_seconds"),
        0,
        "sync.reconnect_min_seconds: must be",
        id="sync.reconnect_min_seconds",
    ),
    pytest.param(
        ("sync", "reconnect_max_seconds"),
        0,
        "sync.reconnect_max_seconds: must be",
        id="sync.reconnect_max_seconds",
    ),
    pytest.param(
        ("sync", "session_expiry_hours"),
        0,
        "sync.session_expiry_hours: must be",
        id="sync.session_expiry_hours",
    ),
    pytest.param(
        ("sync", "enabled"), "yes", "sync.enabled: must be true or false", id="sync.enabled"
    ),
    pytest.param(("sync", "client_id"), 3, "sync.client_id: must be a string", id="sync.client_id"),
    pytest.param(("sync", "inflight"), 0, "sync.inflight: must be", id="sync.inflight"),
    pytest.param(("sync", "window"), 0, "sync.window: must be", id="sync.window"),
    pytest.param(
        ("sync", "ack_timeout_seconds"),
        0,
        "sync.ack_timeout_seconds: must be",
        id="sync.ack_timeout_seconds",
    ),
    pytest.param(
        ("sync", "state_seconds"), 1, "sync.state_seconds: must be", id="sync.state_seconds"
    ),
    pytest.param(
        ("sync", "command_timeout_seconds"),
        0,
        "sync.command_timeout_seconds: must be",
        id="sync.command_timeout_seconds",
    ),
    pytest.param(("central",), "x", "central: must be a table", id="central-string"),
    pytest.param(("central", "host"), 3, "central.host: must be a string", id="central.host"),
    pytest.param(("central", "port"), 0, "central.port: must be", id="central.port"),
    pytest.param(
        ("central", "username"), 3, "central.username: must be a string", id="central.username"
    ),
    pytest.param(
        ("central", "password"), 3, "central.password: must be a string", id="central.password"
    ),
    pytest.param(
        ("central", "password_file"),
        3,
        "central.password_file: must be a string",
        id="central.password_file",
    ),
    pytest.param(("central", "tls"), "yes", "central.tls: must be true or false", id="central.tls"),
    pytest.param(("central", "ca"), 3, "central.ca: must be a string", id="central.ca"),
    pytest.param(("central", "cert"), 3, "central.cert: must be a string", id="central.cert"),
    pytest.param(("central", "key"), 3, "central.key: must be a string", id="central.key"),
    pytest.param(("central", "keepalive"), 1, "central.keepalive: must be", id="central.keepalive"),
    pytest.param(
        ("central", "reconnect_min_seconds"),
        0,
        "central.reconnect_min_seconds: must be",
        id="central.reconnect_min_seconds",
    ),
    pytest.param(
        ("central", "reconnect_max_seconds"),
        0,
        "central.reconnect_max_seconds: must be",
        id="central.reconnect_max_seconds",
    ),
    pytest.param(
        ("central", "session_expiry_hours"),
        0,
        "central.session_expiry_hours: must be",
        id="central.session_expiry_hours",
    ),
    pytest.param(("central", "db"), 3, "central.db: must be a string", id="central.db"),
    pytest.param(
        ("central", "group"), "A B", "central.group: must be lowercase", id="central.group"
    ),
    pytest.param(
        ("central", "client_id"), 3, "central.client_id: must be a string", id="central.client_id"
    ),
    pytest.param(("central", "batch"), 0, "central.batch: must be", id="central.batch"),
    pytest.param(("central", "sites"), 3, "central.sites: must be a string", id="central.sites"),
    pytest.param(("central", "web_host"), "a b", "central.web_host: ", id="central.web_host"),
    pytest.param(("central", "web_port"), 0, "central.web_port: must be", id="central.web_port"),
    pytest.param(
        ("central", "timezone"), "Mars/Base", "central.timezone: unknown", id="central.timezone"
    ),
    pytest.param(
        ("central", "session_minutes"),
        1,
        "central.session_minutes: must be",
        id="central.session_minutes",
    ),
    pytest.param(
        ("central", "session_hours"),
        0,
        "central.session_hours: must be",
        id="central.session_hours",
    ),
    pytest.param(
        ("central", "offline_alert_minutes"),
        0,
        "central.offline_alert_minutes: must be",
        id="central.offline_alert_minutes",
    ),
    pytest.param(
        ("central", "wait_alert_minutes"),
        -5,
        "central.wait_alert_minutes: must be",
        id="central.wait_alert_minutes",
    ),
    pytest.param(
        ("keymaps",),
        {"staff": {"KEY_KP1": "call"}},
        "keymaps: staff: KEY_KP1: unknown action 'call'",
        id="keymaps-unknown-action",
    ),
    pytest.param(
        ("keymaps",),
        {"staff": {"kp1": "next"}},
        'keymaps: staff: kp1: must be a key name like "KEY_KP1"',
        id="keymaps-key-shape",
    ),
    pytest.param(
        ("keymaps",),
        {"staff": {"KEY_KP1": "transfer"}},
        "keymaps: staff: KEY_KP1: transfer needs a service id, like transfer:thue",
        id="keymaps-transfer-needs-service",
    ),
    pytest.param(
        ("keymaps",),
        {"staff": {"KEY_KP1": "rate:0"}},
        "keymaps: staff: KEY_KP1: rate needs a number from 1 to 9",
        id="keymaps-rate-zero",
    ),
    pytest.param(
        ("keymaps",),
        {"staff": {"KEY_KP1": "next:now"}},
        "keymaps: staff: KEY_KP1: next takes no argument",
        id="keymaps-argument-not-taken",
    ),
    pytest.param(
        ("keymaps",),
        {"staff": {}},
        "keymaps: staff: must map at least one key",
        id="keymaps-empty-map",
    ),
    pytest.param(
        ("keymaps",),
        {"staff": {"KEY_KP1": "next", "key_kp1": "recall"}},
        "keymaps: staff: maps a key twice",
        id="keymaps-key-twice",
    ),
    pytest.param(
        ("keymaps",),
        {"Staff Pad": {"KEY_KP1": "next"}},
        "keymaps: Staff Pad: must be lowercase letters",
        id="keymaps-name",
    ),
    pytest.param(
        ("counters", 0, "buttons", 0, "pin"),
        "GPIO99",
        f"counters[0].buttons[0].pin: {PIN}",
        id="counters.buttons.pin",
    ),
    pytest.param(
        ("counters", 0, "buttons", 0, "pin"),
        "BOARD6",
        "counters[0].buttons[0].pin: header pin 6 is power or ground, not a GPIO",
        id="counters.buttons.pin-ground",
    ),
    pytest.param(
        ("counters", 0, "buttons", 0, "action"),
        "nxt",
        "counters[0].buttons[0].action: unknown action 'nxt'",
        id="counters.buttons.action",
    ),
    pytest.param(
        ("counters", 0, "buttons", 0, "pull"),
        "sideways",
        "counters[0].buttons[0].pull: must be one of up, down, off",
        id="counters.buttons.pull",
    ),
    pytest.param(
        ("counters", 0, "buttons", 0, "active"),
        "on",
        "counters[0].buttons[0].active: must be one of auto, low, high",
        id="counters.buttons.active",
    ),
    pytest.param(
        ("counters", 1, "keypads", 0, "device"),
        "input/by-id/keypad",
        "counters[1].keypads[0].device: must be an absolute path",
        id="counters.keypads.device",
    ),
    pytest.param(
        ("counters", 1, "keypads", 0, "keymap"),
        "Numpad",
        "counters[1].keypads[0].keymap: must be lowercase letters",
        id="counters.keypads.keymap",
    ),
    pytest.param(("counters", 0, "led"), "LED", f"counters[0].led: {PIN}", id="counters.led"),
    pytest.param(
        ("counters", 0, "rating_led"),
        60,
        f"counters[0].rating_led: {PIN}",
        id="counters.rating_led",
    ),
]

# A required key left out: (where, the one problem expected).
MISSING: list[Any] = [
    pytest.param(("site",), "site: missing required key", id="site"),
    pytest.param(("site", "id"), "site.id: missing required key", id="site.id"),
    pytest.param(("site", "name"), "site.name: missing required key", id="site.name"),
    pytest.param(
        ("hours", "special", 0, "date"),
        "hours.special[0].date: missing required key",
        id="hours.special.date",
    ),
    pytest.param(
        ("hours", "special", 0, "open"),
        "hours.special[0].open: missing required key",
        id="hours.special.open",
    ),
    pytest.param(
        ("hours", "special", 0, "close"),
        "hours.special[0].close: missing required key",
        id="hours.special.close",
    ),
    pytest.param(("services",), "services: missing required key", id="services"),
    pytest.param(("services", 3, "id"), "services[3].id: missing required key", id="services.id"),
    pytest.param(
        ("services", 3, "name"), "services[3].name: missing required key", id="services.name"
    ),
    pytest.param(("counters",), "counters: missing required key", id="counters"),
    pytest.param(
        ("counters", 4, "number"), "counters[4].number: missing required key", id="number"
    ),
    pytest.param(
        ("counters", 4, "services"),
        "counters[4].services: missing required key",
        id="counters.services",
    ),
    pytest.param(
        ("kiosk", "buttons", 3, "service"),
        "kiosk.buttons[3].service: missing required key",
        id="kiosk.buttons.service",
    ),
    pytest.param(
        ("kiosk", "buttons", 3, "pin"),
        "kiosk.buttons[3].pin: missing required key",
        id="kiosk.buttons.pin",
    ),
    pytest.param(
        ("counters", 0, "buttons", 2, "pin"),
        "counters[0].buttons[2].pin: missing required key",
        id="counters.buttons.pin",
    ),
    pytest.param(
        ("counters", 0, "buttons", 2, "action"),
        "counters[0].buttons[2].action: missing required key",
        id="counters.buttons.action",
    ),
    pytest.param(
        ("counters", 1, "keypads", 1, "device"),
        "counters[1].keypads[1].device: missing required key",
        id="counters.keypads.device",
    ),
    pytest.param(
        ("scanner", "devices", 0, "id"),
        "scanner.devices[0].id: missing required key",
        id="scanner.devices.id",
    ),
    pytest.param(
        ("scanner", "devices", 1, "device"),
        "scanner.devices[1].device: missing required key",
        id="scanner.devices.device",
    ),
]


def _case_values(params: list[Any], index: int) -> list[Any]:
    return [param.values[index] for param in params]


@pytest.mark.parametrize(("where", "value", "expected"), BAD_VALUES)
def test_fail__bad_value(where: tuple[Key, ...], value: Any, expected: str) -> None:
    problems = problems_of(edited((where, value)))
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems
    with pytest.raises(ConfigError) as caught:
        parse_config(edited((where, value)))
    assert str(caught.value) == problems[0]


@pytest.mark.parametrize(("where", "expected"), MISSING)
def test_fail__missing_required_key(where: tuple[Key, ...], expected: str) -> None:
    assert problems_of(edited((where, DELETE))) == [expected]


def test_ok__every_field_has_a_bad_value_case() -> None:
    """A field added to the schema without a bad-value case here fails this test."""
    fields = schema_fields()
    # Taken from the messages the cases expect, so a case cannot claim a field it misses.
    covered = {field_path(key_path(expected)) for expected in _case_values(BAD_VALUES, 2)}
    assert covered <= set(fields), covered - set(fields)
    assert set(fields) - covered == set()
    # The walk itself must see nested tables and arrays of tables.
    assert {"site.timezone", "hours.special[].close", "services[].daily_cap"} <= set(fields)
    assert "sources" not in fields


def test_ok__every_required_field_has_a_missing_case() -> None:
    required = {path for path, f in schema_fields().items() if is_required(f)}
    covered = {field_path(key_path(expected)) for expected in _case_values(MISSING, 1)}
    assert required == covered


def test_ok__bad_value_cases_point_where_they_edit() -> None:
    for where, _value, expected in (param.values for param in BAD_VALUES):
        path = "".join(
            f"[{key}]" if isinstance(key, int) else ("." if i else "") + key
            for i, key in enumerate(where)
        )
        assert key_path(expected).startswith(path), (where, expected)


def test_fail__every_problem_is_collected() -> None:
    raw = edited(
        (("site", "id"), "Bad Id"),
        (("store", "busy_timeout_ms"), 1),
        (("hours", "days"), []),
        (("queue", "order"), "random"),
        (("services", 1, "daily_cap"), 0),
        (("services", 4, "dialy_cap"), 10),
        (("counters", 3, "number"), -4),
    )
    paths = [key_path(problem) for problem in problems_of(raw)]
    assert paths == [
        "site.id",
        "store.busy_timeout_ms",
        "hours.days",
        "queue.order",
        "services[1].daily_cap",
        "services[4].dialy_cap",
        "counters[3].number",
    ]


def test_fail__config_error_summarises_several_problems() -> None:
    raw = edited((("site", "id"), "Bad Id"), (("queue", "order"), "random"))
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    error = caught.value
    assert len(error.problems) == 2
    assert str(error) == f"{error.problems[0]} (and 1 more; run 'kiosk config check')"


@pytest.mark.parametrize(
    "raw", [pytest.param([], id="list"), pytest.param("site = 1", id="string")]
)
def test_fail__not_a_table_at_all(raw: Any) -> None:
    assert problems_of(raw) == ["config: must be a table"]


# ---------------------------------------------------------------------------------------
# Type errors
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        pytest.param(
            ("services", 0, "daily_cap"),
            "300",
            "services[0].daily_cap: must be a positive integer (got '300')",
            id="string-for-positive-int",
        ),
        pytest.param(
            ("store", "busy_timeout_ms"),
            "5000",
            "store.busy_timeout_ms: must be an integer (got '5000')",
            id="string-for-int",
        ),
        pytest.param(
            ("hours", "last_ticket_minutes"),
            "15",
            "hours.last_ticket_minutes: must be an integer (got '15')",
            id="string-for-int-range",
        ),
        pytest.param(
            ("counters", 0, "number"),
            "1",
            "counters[0].number: must be an integer (got '1')",
            id="string-for-counter-number",
        ),
        pytest.param(
            ("queue", "aging_minutes"),
            True,
            "queue.aging_minutes: must be an integer (got True)",
            id="bool-for-int",
        ),
        pytest.param(
            ("queue", "max_reentries"),
            False,
            "queue.max_reentries: must be an integer (got False)",
            id="false-for-int-zero-allowed",
        ),
        pytest.param(
            ("counters", 2, "number"),
            True,
            "counters[2].number: must be an integer (got True)",
            id="bool-for-counter-number",
        ),
        pytest.param(
            ("services", 1, "digits"),
            True,
            "services[1].digits: must be an integer (got True)",
            id="bool-for-digits",
        ),
        pytest.param(
            ("services", 1, "daily_cap"),
            True,
            "services[1].daily_cap: must be a positive integer (got True)",
            id="bool-for-positive-int",
        ),
        pytest.param(
            ("services", 1, "service_minutes"),
            True,
            "services[1].service_minutes: must be a positive number (got True)",
            id="bool-for-number",
        ),
        pytest.param(
            ("queue", "aging_minutes"),
            45.0,
            "queue.aging_minutes: must be an integer (got 45.0)",
            id="float-for-int",
        ),
        pytest.param(
            ("hours", "days"),
            {"mon": True},
            "hours.days: must be a list (got {'mon': True})",
            id="table-for-list",
        ),
        pytest.param(
            ("counters", 0, "services"),
            {"dat-dai": 1},
            "counters[0].services: must be a list (got {'dat-dai': 1})",
            id="table-for-list-in-array",
        ),
        pytest.param(
            ("hours", "closed_dates"),
            {"tet": "2026-02-17"},
            "hours.closed_dates: must be a list (got {'tet': '2026-02-17'})",
            id="table-for-date-list",
        ),
        pytest.param(
            ("services",),
            {"id": "dat-dai"},
            "services: must be an array of tables ([[services]])",
            id="table-for-array-of-tables",
        ),
        pytest.param(
            ("hours", "special"),
            {"date": "2026-12-26"},
            "hours.special: must be an array of tables ([[hours.special]])",
            id="table-for-nested-array-of-tables",
        ),
        pytest.param(
            ("queue",),
            [{"order": "oldest"}],
            "queue: must be a table",
            id="array-of-tables-for-table",
        ),
        pytest.param(
            ("site", "name"),
            ["Trung tâm"],
            "site.name: must be a string (got ['Trung tâm'])",
            id="list-for-string",
        ),
        pytest.param(
            ("queue", "order"),
            ["oldest"],
            "queue.order: must be one of oldest, listed (got ['oldest'])",
            id="list-for-choice",
        ),
    ],
)
def test_fail__type_error(where: tuple[Key, ...], value: Any, expected: str) -> None:
    assert problems_of(edited((where, value))) == [expected]


def test_fail__long_values_are_shortened_in_messages() -> None:
    problems = problems_of(edited((("site", "id"), "x" * 200)))
    assert len(problems) == 1
    assert problems[0].endswith("...)")
    assert len(problems[0]) < 150


# ---------------------------------------------------------------------------------------
# Cross-field checks
# ---------------------------------------------------------------------------------------

CROSS_FIELD: list[Any] = [
    # hours
    pytest.param(
        [(("hours", "lunch_end"), "")],
        ["hours.lunch_end: set both lunch_start and lunch_end, or neither"],
        id="lunch-start-without-end",
    ),
    pytest.param(
        [(("hours", "lunch_start"), "")],
        ["hours.lunch_end: set both lunch_start and lunch_end, or neither"],
        id="lunch-end-without-start",
    ),
    pytest.param(
        [
            (("hours", "open"), "17:00"),
            (("hours", "close"), "07:30"),
            (("hours", "lunch_start"), ""),
            (("hours", "lunch_end"), ""),
        ],
        ["hours.close: must be later than open (07:30 is not after 17:00)"],
        id="open-after-close",
    ),
    pytest.param(
        [
            (("hours", "close"), "07:30"),
            (("hours", "lunch_start"), ""),
            (("hours", "lunch_end"), ""),
        ],
        ["hours.close: must be later than open (07:30 is not after 07:30)"],
        id="open-equals-close",
    ),
    pytest.param(
        [(("hours", "open"), "12:00")],
        ["hours.lunch_start: must be later than open (11:30 is not after 12:00)"],
        id="open-after-lunch",
    ),
    pytest.param(
        [(("hours", "lunch_start"), "07:00")],
        ["hours.lunch_start: must be later than open (07:00 is not after 07:30)"],
        id="lunch-before-open",
    ),
    pytest.param(
        [(("hours", "lunch_end"), "17:30")],
        ["hours.close: must be later than lunch_end (17:00 is not after 17:30)"],
        id="lunch-after-close",
    ),
    pytest.param(
        [(("hours", "lunch_start"), "13:00"), (("hours", "lunch_end"), "11:30")],
        ["hours.lunch_end: must be later than lunch_start (11:30 is not after 13:00)"],
        id="lunch-reversed",
    ),
    pytest.param(
        [(("hours", "lunch_end"), "11:30")],
        ["hours.lunch_end: must be later than lunch_start (11:30 is not after 11:30)"],
        id="lunch-zero-length",
    ),
    pytest.param(
        [(("hours", "special", 0, "open"), "11:30"), (("hours", "special", 0, "close"), "07:30")],
        ["hours.special[0].close: must be later than open (07:30 is not after 11:30)"],
        id="special-open-after-close",
    ),
    pytest.param(
        [(("hours", "special", 1), {"date": "2026-12-26", "open": "08:00", "close": "10:00"})],
        ["hours.special[1].date: 2026-12-26 is listed twice"],
        id="special-twice",
    ),
    pytest.param(
        [(("hours", "special", 0, "date"), "2026-09-02")],
        ["hours.special[0].date: 2026-09-02 is also in hours.closed_dates"],
        id="special-also-closed",
    ),
    # services: number formats
    pytest.param(
        [(("services", 0, "band"), [5001, 5999])],
        ['services[0].prefix: set either prefix (like "A") or band (like [1001, 1999])'],
        id="prefix-and-band",
    ),
    pytest.param(
        [(("services", 0, "prefix"), DELETE)],
        ['services[0].prefix: set either prefix (like "A") or band (like [1001, 1999])'],
        id="neither-prefix-nor-band",
    ),
    pytest.param(
        [(("services", 2, "band"), [])],
        ['services[2].prefix: set either prefix (like "A") or band (like [1001, 1999])'],
        id="empty-band-is-no-band",
    ),
    pytest.param(
        [(("services", 1, "prefix"), "A")],
        ["services[1].prefix: 'A' is already used by services[0]"],
        id="duplicate-prefix",
    ),
    pytest.param(
        [(("services", 3, "band"), [1500, 2500])],
        ["services[3].band: overlaps services[2].band"],
        id="overlapping-bands",
    ),
    pytest.param(
        [(("services", 3, "band"), [1999, 2999])],
        ["services[3].band: overlaps services[2].band"],
        id="bands-share-one-number",
    ),
    pytest.param(
        [(("services", 3, "band"), [1200, 1400])],
        ["services[3].band: overlaps services[2].band"],
        id="band-inside-band",
    ),
    pytest.param(
        [(("services", 3, "band"), [1, 9999])],
        ["services[3].band: overlaps services[2].band"],
        id="band-around-band",
    ),
    pytest.param(
        [(("services", 0, "daily_cap"), 1000)],
        ["services[0].daily_cap: 1000 is more than the number format holds (999)"],
        id="daily-cap-over-digits",
    ),
    pytest.param(
        [(("services", 0, "digits"), 2)],
        ["services[0].daily_cap: 300 is more than the number format holds (99)"],
        id="digits-too-few-for-cap",
    ),
    pytest.param(
        [(("services", 2, "daily_cap"), 1000)],
        ["services[2].daily_cap: 1000 is more than the number format holds (999)"],
        id="daily-cap-over-band",
    ),
    # services: hours
    pytest.param(
        [(("services", 0, "open"), "08:00")],
        ["services[0].close: set both open and close, or neither"],
        id="service-open-without-close",
    ),
    pytest.param(
        [(("services", 5, "open"), DELETE)],
        ["services[5].close: set both open and close, or neither"],
        id="service-close-without-open",
    ),
    pytest.param(
        [(("services", 5, "open"), "16:30")],
        ["services[5].close: must be later than open (16:30 is not after 16:30)"],
        id="service-open-equals-close",
    ),
    pytest.param(
        [(("services", 0, "open"), "08:00"), (("services", 0, "band"), [5001, 5999])],
        [
            "services[0].close: set both open and close, or neither",
            'services[0].prefix: set either prefix (like "A") or band (like [1001, 1999])',
        ],
        id="service-hours-checked-despite-format-problem",
    ),
    # ids and references
    pytest.param(
        [(("services", 7), {"id": "thue", "name": "Thuế 2", "prefix": "H"})],
        ["services[7].id: 'thue' is used by another service"],
        id="duplicate-service-id",
    ),
    pytest.param(
        [(("counters", 1, "number"), 1)],
        ["counters[1].number: counter 1 is defined twice"],
        id="duplicate-counter-number",
    ),
    pytest.param(
        [(("counters", 0, "services"), ["dat-dia"])],
        ["counters[0].services[0]: unknown service 'dat-dia' (did you mean 'dat-dai'?)"],
        id="unknown-service-with-hint",
    ),
    pytest.param(
        [(("counters", 7, "services"), ["bao-hiem-xa-hoi", "thuee"])],
        ["counters[7].services[1]: unknown service 'thuee' (did you mean 'thue'?)"],
        id="unknown-second-service-with-hint",
    ),
    pytest.param(
        [(("counters", 2, "services"), ["tu-phap-ho-tich", "cong-an"])],
        ["counters[2].services[1]: unknown service 'cong-an'"],
        id="unknown-service-without-hint",
    ),
    pytest.param(
        [(("services", 7), {"id": "cong-an", "name": "Công an", "prefix": "H"})],
        ["services[7].id: no counter serves 'cong-an'"],
        id="service-not-served",
    ),
    pytest.param(
        [
            (("counters", 7, "services"), ["bao-hiem-xa-hoi"]),
            (("counters", 1, "services"), ["dat-dai"]),
        ],
        ["services[6].id: no counter serves 'thue'"],
        id="service-no-longer-served",
    ),
    pytest.param(
        [(("counters",), [])],
        ["counters: at least one [[counters]] table is required"],
        id="no-counters",
    ),
    pytest.param(
        [
            (("services",), []),
            (("counters",), []),
            (("kiosk", "buttons"), []),
            (("keymaps",), DELETE),
        ],
        [
            "services: at least one [[services]] table is required",
            "counters: at least one [[counters]] table is required",
        ],
        id="no-services-no-counters",
    ),
    # the kiosk's pins and buttons
    pytest.param(
        [(("kiosk", "buttons", 2, "service"), "dang-ky-kinh-doan")],
        [
            "kiosk.buttons[2].service: unknown service 'dang-ky-kinh-doan' "
            "(did you mean 'dang-ky-kinh-doanh'?)"
        ],
        id="button-unknown-service",
    ),
    pytest.param(
        [(("kiosk", "buttons", 1, "pin"), "GPIO5")],
        ["kiosk.buttons[1].pin: GPIO5 is already used by kiosk.buttons[0].pin"],
        id="button-pin-twice",
    ),
    pytest.param(
        [(("kiosk", "buzzer"), "bcm26")],
        ["kiosk.buzzer: GPIO26 is already used by kiosk.priority_button.pin"],
        id="output-on-an-input-pin",
    ),
    pytest.param(
        [(("kiosk", "buttons", 0, "pull"), "off")],
        ['kiosk.buttons[0].active: with pull = "off" set "low" or "high"'],
        id="floating-button-needs-active",
    ),
    pytest.param(
        [(("kiosk", "priority_button", "pull"), "off")],
        ['kiosk.priority_button.active: with pull = "off" set "low" or "high"'],
        id="floating-priority-needs-active",
    ),
    # counter keys
    pytest.param(
        [(("counters", 0, "buttons", 0, "pin"), 5)],
        ["counters[0].buttons[0].pin: GPIO5 is already used by kiosk.buttons[0].pin"],
        id="counter-key-on-a-kiosk-pin",
    ),
    pytest.param(
        [(("counters", 0, "led"), "BOARD29")],
        ["counters[0].led: BOARD29 is already used by kiosk.buttons[0].pin (as GPIO5)"],
        id="header-pin-alias-of-a-used-pin",
    ),
    pytest.param(
        [(("counters", 0, "buttons", 1, "action"), "transfer:thuee")],
        [
            "counters[0].buttons[1].action: 'transfer:thuee' names an unknown service "
            "(did you mean 'thue'?)"
        ],
        id="transfer-to-unknown-service",
    ),
    pytest.param(
        [(("counters", 0, "buttons", 7, "action"), "rate:5")],
        ["counters[0].buttons[7].action: 'rate:5' but ratings.labels has only 4 label(s)"],
        id="rate-beyond-labels",
    ),
    pytest.param(
        [(("ratings", "labels"), ["Hài lòng", "Không hài lòng"])],
        [
            "counters[0].buttons[6].action: 'rate:3' but ratings.labels has only 2 label(s)",
            "counters[0].buttons[7].action: 'rate:4' but ratings.labels has only 2 label(s)",
        ],
        id="fewer-labels-than-rating-keys",
    ),
    pytest.param(
        [(("keymaps", "numpad-transfer", "KEY_KPSLASH"), "transfer:cong-an")],
        ["keymaps.numpad-transfer.KEY_KPSLASH: 'transfer:cong-an' names an unknown service"],
        id="keymap-transfer-to-unknown-service",
    ),
    pytest.param(
        [(("counters", 1, "keypads", 0, "keymap"), "numpd")],
        [
            "counters[1].keypads[0].keymap: unknown key map 'numpd' (did you mean 'numpad'?); "
            "key maps: numpad, numpad-transfer, presenter, rating"
        ],
        id="unknown-keymap",
    ),
    pytest.param(
        [
            (
                ("counters", 2, "keypads"),
                [{"device": "/dev/input/by-id/usb-SIGMACHIP_USB_Keyboard-event-kbd"}],
            )
        ],
        [
            "counters[2].keypads[0].device: /dev/input/by-id/usb-SIGMACHIP_USB_Keyboard-event-kbd "
            "is already used by counters[1].keypads[0].device (a keypad is grabbed by one counter)"
        ],
        id="keypad-on-two-counters",
    ),
    pytest.param(
        [(("counters", 0, "buttons", 0, "pull"), "off")],
        ['counters[0].buttons[0].active: with pull = "off" set "low" or "high"'],
        id="floating-counter-key-needs-active",
    ),
    # what each printer connection needs
    pytest.param(
        [(("printer", "usb_product_id"), DELETE)],
        ["printer.usb_product_id: required when connection = 'usb'"],
        id="usb-needs-ids",
    ),
    pytest.param(
        [(("printer", "connection"), "serial")],
        ["printer.serial_port: required when connection = 'serial'"],
        id="serial-needs-port",
    ),
    pytest.param(
        [(("printer", "connection"), "network")],
        ["printer.host: required when connection = 'network'"],
        id="network-needs-host",
    ),
    pytest.param(
        [(("printer", "connection"), "file")],
        ["printer.path: required when connection = 'file'"],
        id="file-needs-path",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), CROSS_FIELD)
def test_fail__cross_field(changes: list[tuple[tuple[Key, ...], Any]], expected: list[str]) -> None:
    assert problems_of(edited(*changes)) == expected


def test_fail__no_services_also_flags_every_counter_reference() -> None:
    problems = problems_of(edited((("services",), [])))
    assert "services: at least one [[services]] table is required" in problems
    unknown = [p for p in problems if ": unknown service " in p]
    raw = example_raw()
    references = sum(len(counter["services"]) for counter in raw["counters"])
    references += len(raw["kiosk"]["buttons"])
    assert len(unknown) == references
    transfers = [p for p in problems if "names an unknown service" in p]
    assert len(transfers) == 2  # the example key map's two transfer keys
    references += len(transfers)
    assert len(problems) == references + 1


def test_fail__several_cross_field_problems_are_all_reported() -> None:
    raw = edited(
        (("hours", "lunch_end"), ""),
        (("services", 1, "prefix"), "A"),
        (("counters", 1, "number"), 1),
    )
    assert problems_of(raw) == [
        "hours.lunch_end: set both lunch_start and lunch_end, or neither",
        "services[1].prefix: 'A' is already used by services[0]",
        "counters[1].number: counter 1 is defined twice",
    ]


@pytest.mark.parametrize(("digits", "expected"), [(1, 9), (3, 999), (5, 99_999)])
def test_ok__capacity_of_prefix_format(digits: int, expected: int) -> None:
    service = ServiceConfig(id="x", name="x", prefix="A", digits=digits)
    assert capacity(service) == expected
    assert capacity(service) == len(range(1, 10**digits))


@pytest.mark.parametrize("band", [(1001, 1999), (1, 2), (5, 999_999)])
def test_ok__capacity_of_band(band: tuple[int, int]) -> None:
    assert capacity(ServiceConfig(id="x", name="x", band=band)) == len(range(band[0], band[1] + 1))


# ---------------------------------------------------------------------------------------
# Unknown keys
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        pytest.param(("sitee",), "sitee: unknown key (did you mean 'site'?)", id="top-site"),
        pytest.param(
            ("servises",), "servises: unknown key (did you mean 'services'?)", id="top-services"
        ),
        pytest.param(
            ("sources",), "sources: unknown key (did you mean 'store'?)", id="top-internal"
        ),
        pytest.param(("site", "nmae"), "site.nmae: unknown key (did you mean 'name'?)", id="site"),
        pytest.param(
            ("store", "busy_timeout"),
            "store.busy_timeout: unknown key (did you mean 'busy_timeout_ms'?)",
            id="store",
        ),
        pytest.param(
            ("hours", "lunchstart"),
            "hours.lunchstart: unknown key (did you mean 'lunch_start'?)",
            id="hours",
        ),
        pytest.param(
            ("hours", "special", 0, "dat"),
            "hours.special[0].dat: unknown key (did you mean 'date'?)",
            id="hours.special",
        ),
        pytest.param(
            ("queue", "agingminutes"),
            "queue.agingminutes: unknown key (did you mean 'aging_minutes'?)",
            id="queue",
        ),
        pytest.param(
            ("services", 2, "dialy_cap"),
            "services[2].dialy_cap: unknown key (did you mean 'daily_cap'?)",
            id="services",
        ),
        pytest.param(
            ("counters", 1, "service"),
            "counters[1].service: unknown key (did you mean 'services'?)",
            id="counters",
        ),
        pytest.param(("services", 0, "colour"), "services[0].colour: unknown key", id="no-hint"),
        pytest.param(("colour",), "colour: unknown key", id="top-no-hint"),
        pytest.param(
            ("kiosk", "buttons", 0, "pinn"),
            "kiosk.buttons[0].pinn: unknown key (did you mean 'pin'?)",
            id="kiosk.buttons",
        ),
        pytest.param(
            ("printer", "vendor_id"),
            "printer.vendor_id: unknown key (did you mean 'usb_vendor_id'?)",
            id="printer",
        ),
    ],
)
def test_fail__unknown_key(where: tuple[Key, ...], expected: str) -> None:
    assert problems_of(edited((where, 1))) == [expected]


def test_fail__misspelled_key_replacing_the_real_one() -> None:
    raw = example_raw()
    raw["services"][2]["dialy_cap"] = raw["services"][2].pop("daily_cap")
    assert problems_of(raw) == ["services[2].dialy_cap: unknown key (did you mean 'daily_cap'?)"]


def test_fail__misspelled_required_key_reports_both() -> None:
    raw = example_raw()
    raw["counters"][3]["numbr"] = raw["counters"][3].pop("number")
    assert problems_of(raw) == [
        "counters[3].numbr: unknown key (did you mean 'number'?)",
        "counters[3].number: missing required key",
    ]


# ---------------------------------------------------------------------------------------
# Files: layering, KIOSK_CONFIG, unreadable files
# ---------------------------------------------------------------------------------------

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def replaced(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def main_file(tmp_path: Path) -> Path:
    return write(tmp_path / "etc" / "config.toml", EXAMPLE_TEXT)


def test_ok__load_without_dropins(main_file: Path) -> None:
    config = load_config(main_file)
    assert config.sources == (str(main_file),)
    assert config_files(main_file) == [main_file]
    assert dataclasses.replace(config, sources=()) == make_config()


def test_ok__load_accepts_str_and_relative_path(
    main_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(main_file.parent.parent)
    config = load_config(str(Path(main_file.parent.name) / main_file.name))
    assert config.sources == (str(main_file),)


def test_ok__dropins_merge_in_name_order(main_file: Path) -> None:
    dropins = main_file.parent / "config.d"
    # Written out of order: the name decides, not the time of writing.
    write(dropins / "20-late.toml", "[queue]\naging_minutes = 20\n")
    write(dropins / "10-early.toml", "[queue]\naging_minutes = 10\nmax_reentries = 3\n")
    write(dropins / "README", "[queue]\naging_minutes = 99\n")
    write(dropins / "30-old.toml.bak", "[queue]\naging_minutes = 98\n")
    config = load_config(main_file)
    assert config.queue.aging_minutes == 20
    assert config.queue.max_reentries == 3
    expected = [main_file, dropins / "10-early.toml", dropins / "20-late.toml"]
    assert config_files(main_file) == expected
    assert config.sources == tuple(str(path) for path in expected)


def test_ok__dropin_tables_merge_key_by_key(main_file: Path) -> None:
    write(main_file.parent / "config.d" / "hours.toml", '[hours]\nclose = "16:30"\n')
    config = load_config(main_file)
    base = make_config()
    assert config.hours.close == dt.time(16, 30) != base.hours.close
    # Everything else in [hours] (and elsewhere) still comes from the main file.
    assert dataclasses.replace(config.hours, close=base.hours.close) == base.hours
    assert config.queue == base.queue
    assert config.site == base.site


def test_ok__dropin_arrays_replace(main_file: Path) -> None:
    write(
        main_file.parent / "config.d" / "50-small.toml",
        """
[hours]
days = ["sat"]
closed_dates = []

[[hours.special]]
date = 2027-01-30
open = "08:00"
close = "11:00"

[[services]]
id = "cong-an"
name = "Công an"
prefix = "K"

[[counters]]
number = 9
services = ["cong-an"]

[[kiosk.buttons]]
service = "cong-an"
pin = 5

[keymaps]
numpad-transfer = { KEY_KPSLASH = "transfer:cong-an", KEY_KPASTERISK = "recall" }
""",
    )
    config = load_config(main_file)
    assert [button.service for button in config.kiosk.buttons] == ["cong-an"]
    assert config.kiosk.priority_button.pin == "GPIO26"  # the rest of [kiosk] is kept
    assert config.hours.days == ("sat",)
    assert config.hours.closed_dates == ()
    assert [day.date for day in config.hours.special] == [dt.date(2027, 1, 30)]
    assert [service.id for service in config.services] == ["cong-an"]
    assert [counter.number for counter in config.counters] == [9]
    assert config.site == make_config().site


def test_fail__dropin_problem_is_reported(main_file: Path) -> None:
    write(main_file.parent / "config.d" / "10-x.toml", "[services]\nid = 'x'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(main_file)
    # A table over an array of tables replaces it, then fails validation.
    assert caught.value.problems == ["services: must be an array of tables ([[services]])"]


def test_fail__dropin_with_bad_toml_names_that_file(main_file: Path) -> None:
    bad = write(main_file.parent / "config.d" / "10-bad.toml", "[queue]\naging_minutes = \n")
    with pytest.raises(ConfigError) as caught:
        load_config(main_file)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{bad}: not valid TOML: ")
    assert "line 2" in caught.value.problems[0]


def test_ok__kiosk_config_environment_variable(
    main_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(main_file.parent / "config.d" / "site.toml", '[site]\nname = "Trung tâm Hà Nội"\n')
    monkeypatch.setenv("KIOSK_CONFIG", str(main_file))
    config = load_config()
    assert config.site.name == "Trung tâm Hà Nội"
    assert config.sources[0] == str(main_file)
    assert config_files() == [main_file, main_file.parent / "config.d" / "site.toml"]


def test_ok__explicit_path_wins_over_environment(
    main_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "missing.toml"))
    assert load_config(main_file).sources == (str(main_file),)


def test_fail__environment_variable_to_missing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "config.toml"
    monkeypatch.setenv("KIOSK_CONFIG", str(missing))
    with pytest.raises(ConfigError) as caught:
        load_config()
    assert caught.value.problems == [f"{missing}: config file not found"]


def test_ok__default_path_without_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert config_files()[0] == Path("/etc/kiosk/config.toml")


def test_fail__missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(missing)
    assert caught.value.problems == [f"{missing}: config file not found"]
    assert str(caught.value) == caught.value.problems[0]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param('[site]\nid = "hcc"\nname = \n', 3, id="missing-value"),
        pytest.param('[site]\nid = "hcc\n', 2, id="unterminated-string"),
        pytest.param("[site]\n[site]\n", 2, id="table-twice"),
        pytest.param('\n\n\n\n[hours]\nopen = "07:30"\nopen = "08:00"\n', 7, id="key-twice"),
    ],
)
def test_fail__invalid_toml(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: not valid TOML: ")
    assert f"line {line}" in problems[0]
    assert "\n" not in problems[0]


NOT_UTF8 = '[site]\nid = "hcc"\nname = "Trung tâm Hưng Yên"\n'


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16"])
def test_fail__not_utf8(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "config.toml"
    data = NOT_UTF8.encode(encoding)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [f"{path}: not valid TOML: the file must be UTF-8"]


def test_fail__path_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{tmp_path}: cannot read: ")


def test_ok__toml_native_dates_and_times(tmp_path: Path) -> None:
    text = replaced(
        EXAMPLE_TEXT,
        ('open = "07:30"\nclose = "17:00"', "open = 07:30:00\nclose = 17:00:00"),
        ('date = "2026-12-26"', "date = 2026-12-26"),
    )
    config = load_config(write(tmp_path / "config.toml", text))
    assert dataclasses.replace(config, sources=()) == make_config()


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------

EX_CONFIG = 78


def run_kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"KIOSK_CONFIG", "KIOSK_DB"}}
    clean.pop("KIOSK_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    text = replaced(
        EXAMPLE_TEXT,
        ("aging_minutes = 45", "aging_minutes = 0"),
        ('id = "thue"', 'id = "Thuế"'),
        ("max_reentries = 1", "max_reentrie = 1"),
    )
    return write(tmp_path / "config.toml", text)


BAD_FILE_PATHS = ["queue.max_reentrie", "queue.aging_minutes", "services[6].id"]


def test_fail__bad_file_problems(bad_file: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(bad_file)
    assert [key_path(problem) for problem in caught.value.problems] == BAD_FILE_PATHS


def test_ok__cli_check_good_config() -> None:
    result = run_kiosk("--config", str(EXAMPLE), "config", "check")
    assert result.returncode == 0, result.stderr
    config = load_config(EXAMPLE)
    assert result.stdout.startswith(
        f"config OK: {len(config.services)} services, {len(config.counters)} counters"
    )
    assert str(EXAMPLE) in result.stdout
    assert result.stderr == ""


def keep_central(db: Path, version: int, body: dict[str, Any]) -> None:
    """Central's configuration as the sync daemon keeps it in the database."""
    from kiosk.config._overlay import KEY, encode_stored

    with Store(db) as store:
        store.conn.execute("INSERT INTO kv (key, value) VALUES (?, ?)",
                           (KEY, encode_stored(version, body)))  # fmt: skip


def test_ok__cli_check_names_central_configuration_kept_in_the_database(
    main_file: Path,
) -> None:
    db = main_file.parent / "kiosk.db"
    services = [
        *example_raw()["services"],
        {"id": "cong-chung", "name": "Công chứng", "prefix": "H"},
    ]
    counters = [{"number": 1, "services": ["dat-dai", "cong-chung"]}]
    keep_central(db, 4, {"services": services, "counters": counters})
    result = run_kiosk("--config", str(main_file), "--db", str(db), "config", "check")
    assert result.returncode == 0, result.stderr
    config = load_config(main_file)
    assert result.stdout == (
        f"config OK: {len(config.services) + 1} services, {len(config.counters)} counters "
        f"({main_file}, central v4)\n"
    )
    assert result.stderr == ""


def test_fail__cli_check_warns_of_central_configuration_that_no_longer_fits(
    main_file: Path,
) -> None:
    # Stored by an older release, whose text rule let a soft hyphen and a long name through:
    # every daemon leaves it out and runs on the files; config check says so before a restart.
    db = main_file.parent / "kiosk.db"
    services = [dict(service) for service in example_raw()["services"]]
    services[0]["name"] = "Đất\u00adđai"
    services[1]["name"] = "Thuế " * 50
    keep_central(db, 3, {"services": services})
    result = run_kiosk("--config", str(main_file), "--db", str(db), "config", "check")
    assert result.returncode == 0, result.stderr  # the daemons still run, on the files
    assert result.stderr.splitlines() == [
        "kiosk: config: central configuration v3 is left out: services[0].name: "
        "must not contain invisible characters (U+00AD)",
        "kiosk: config: central configuration v3 is left out: services[1].name: "
        "too long (249 characters; at most 200)",
    ]
    config = load_config(main_file)
    assert result.stdout == (
        f"config OK: {len(config.services)} services, {len(config.counters)} counters "
        f"({main_file})\n"
    )
    report = run_kiosk("--config", str(main_file), "--db", str(db), "config", "check", "--json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["central"] == {
        "version": 3,
        "applied": False,
        "problems": [
            "services[0].name: must not contain invisible characters (U+00AD)",
            "services[1].name: too long (249 characters; at most 200)",
        ],
    }


def test_fail__cli_check_unknown_key_name(main_file: Path) -> None:
    """Key names are checked against evdev by config check (not by every command)."""
    write(
        main_file.parent / "config.d" / "keys.toml",
        '[keymaps]\nstaff = { KEY_NUMPAD1 = "next", KEY_KP1 = "recall" }\n',
    )
    result = run_kiosk("--config", str(main_file), "config", "check")
    assert result.returncode == 78
    assert result.stderr.splitlines() == [
        "kiosk: config: keymaps.staff.KEY_NUMPAD1: unknown key name 'KEY_NUMPAD1' "
        "(see evdev's ecodes, e.g. KEY_KP1)"
    ]
    Store(main_file.parent / "k.db").close()  # status only reads an existing database
    status = run_kiosk("--config", str(main_file), "--db", str(main_file.parent / "k.db"),
                       "status")  # fmt: skip
    assert status.returncode == 0, status.stderr  # other commands are not held up by it
    daemon = run_kiosk(
        "--config", str(main_file), "--db", str(main_file.parent / "k.db"), "run", "counter",
        env={"GPIOZERO_PIN_FACTORY": "mock"},
    )  # fmt: skip
    assert daemon.returncode == 78
    assert "keymaps.staff.KEY_NUMPAD1: unknown key name" in daemon.stderr


def test_ok__cli_check_good_config_json(main_file: Path) -> None:
    write(main_file.parent / "config.d" / "queue.toml", "[queue]\norder = 'listed'\n")
    result = run_kiosk("--config", str(main_file), "config", "check", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    config = load_config(main_file)
    assert summary == {
        "ok": True,
        "files": list(config.sources),
        "site": config.site.id,
        "services": len(config.services),
        "counters": len(config.counters),
    }


def test_ok__cli_check_uses_environment_variable(main_file: Path) -> None:
    result = run_kiosk("config", "check", env={"KIOSK_CONFIG": str(main_file)})
    assert result.returncode == 0, result.stderr
    assert str(main_file) in result.stdout


def test_fail__cli_check_bad_config(bad_file: Path) -> None:
    result = run_kiosk("--config", str(bad_file), "config", "check")
    assert result.returncode == EX_CONFIG
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    with pytest.raises(ConfigError) as caught:
        load_config(bad_file)
    assert lines == [f"kiosk: config: {problem}" for problem in caught.value.problems]
    assert [key_path(line.removeprefix("kiosk: config: ")) for line in lines] == BAD_FILE_PATHS


def test_fail__cli_check_bad_config_json(bad_file: Path) -> None:
    result = run_kiosk("--config", str(bad_file), "config", "check", "--json")
    assert result.returncode == EX_CONFIG
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert set(report) == {"ok", "problems"}
    assert report["ok"] is False
    assert [key_path(problem) for problem in report["problems"]] == BAD_FILE_PATHS
    assert "Thuế" in report["problems"][2]  # readable, not \u escapes
    assert "Thuế" in result.stdout


def test_fail__cli_check_json_flag_before_command(bad_file: Path) -> None:
    result = run_kiosk("--json", "--config", str(bad_file), "config", "check")
    assert result.returncode == EX_CONFIG
    assert json.loads(result.stdout)["ok"] is False


@pytest.mark.parametrize(
    ("content", "expected_start"),
    [
        pytest.param(None, "{path}: config file not found", id="missing"),
        pytest.param(b"[site\n", "{path}: not valid TOML: ", id="invalid-toml"),
        pytest.param(
            NOT_UTF8.encode("cp1258"),
            "{path}: not valid TOML: the file must be UTF-8",
            id="not-utf8",
        ),
        pytest.param(
            replaced(
                EXAMPLE_TEXT, ('timezone = "Asia/Ho_Chi_Minh"\n', 'timezone = "Asia"\n')
            ).encode(),
            "site.timezone: unknown time zone 'Asia'",
            id="timezone-directory",
        ),
    ],
)
def test_fail__cli_check_unusable_config(
    tmp_path: Path, content: bytes | None, expected_start: str
) -> None:
    path = tmp_path / "config.toml"
    if content is not None:
        path.write_bytes(content)
    result = run_kiosk("--config", str(path), "config", "check")
    assert result.returncode == EX_CONFIG
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("kiosk: config: " + expected_start.format(path=path))


def test_fail__cli_status_with_bad_config(bad_file: Path, tmp_path: Path) -> None:
    result = run_kiosk("--config", str(bad_file), "--db", str(tmp_path / "kiosk.db"), "status")
    assert result.returncode == EX_CONFIG
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    with pytest.raises(ConfigError) as caught:
        load_config(bad_file)
    assert lines == [f"kiosk: config: {caught.value}"]
    assert lines[0].endswith("(and 2 more; run 'kiosk config check')")


def test_fail__cli_status_with_missing_config(tmp_path: Path) -> None:
    missing = tmp_path / "config.toml"
    result = run_kiosk("status", env={"KIOSK_CONFIG": str(missing)})
    assert result.returncode == EX_CONFIG
    assert result.stderr.splitlines() == [f"kiosk: config: {missing}: config file not found"]


def test_ok__empty_prefix_means_numbering_by_band() -> None:
    raw = example_raw()
    raw["services"][2]["prefix"] = ""  # dang-ky-kinh-doanh numbers by band [1001, 1999]
    assert make_config(raw).services[2].prefix == ""
    raw["services"][2].pop("band")
    with pytest.raises(ConfigError, match=r"services\[2\]\.prefix: set either prefix"):
        make_config(raw)


def _section_classes(cls: type) -> list[tuple[str, type]]:
    """Every table class inside ``cls``, with the key path that reaches it."""
    found: list[tuple[str, type]] = []
    for f in dataclasses.fields(cls):
        nested = f.metadata.get("table") or f.metadata.get("tables")
        if nested is not None:
            found += [(f.name, nested)]
            found += [(f"{f.name}.{path}", inner) for path, inner in _section_classes(nested)]
    return found


def test_ok__each_section_is_declared_in_the_module_named_after_it() -> None:
    """[printer] in kiosk.config.printer, [[kiosk.buttons]] in kiosk.config.kiosk, ..."""
    for path, cls in _section_classes(Config):
        section = path.split(".")[0]
        assert cls.__module__ == f"kiosk.config.{section}", path
    keymaps = next(f for f in dataclasses.fields(Config) if f.name == "keymaps")
    assert keymaps.metadata["parse"].__module__ == "kiosk.config.keymaps"
