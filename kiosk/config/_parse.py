"""Value parsers shared by the config sections (text, numbers, times, lists, GPIO pins).

Each parser takes the raw TOML value and returns the typed value, or raises
:class:`ValueError` with a message that completes the sentence "KEY: ...". A parser
used by one section only lives in that section's module.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Callable
from typing import Any, TypeVar

from kiosk import freetext

T = TypeVar("T")

# Takes a raw TOML value, returns it typed; ValueError says what is wrong with it.
Parser = Callable[[Any], T]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def describe(value: Any) -> str:
    """The value as a message quotes it: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def text_up_to(limit: int, *, optional: bool = False) -> Parser[str]:
    """Free text of at most ``limit`` characters, by the rule of :mod:`kiosk.freetext`
    (the same rule the command line and central's messages go through); "" only when
    ``optional``."""

    def parse(value: Any) -> str:
        if optional and value == "":
            return ""
        return freetext.clean(value, limit, required=True)

    return parse


text = text_up_to(freetext.MAX_LINE)
optional_text = text_up_to(freetext.MAX_LINE, optional=True)
name_text = text_up_to(freetext.MAX_NAME)
optional_name_text = text_up_to(freetext.MAX_NAME, optional=True)
staff_id = text_up_to(freetext.MAX_STAFF_ID, optional=True)
reason = text_up_to(freetext.MAX_REASON)
notice = text_up_to(freetext.MAX_NOTICE, optional=True)
path = text_up_to(freetext.MAX_PATH)
optional_path = text_up_to(freetext.MAX_PATH, optional=True)


def slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise ValueError(
            f"must be lowercase letters, digits, '-' or '_' (1-63 chars) (got {describe(value)})"
        )
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false (got {describe(value)})")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be an integer (got {describe(value)})")
    return value


def int_range(low: int, high: int) -> Parser[int]:
    def parse(value: Any) -> int:
        number = _integer(value)
        if not low <= number <= high:
            raise ValueError(f"must be an integer from {low} to {high} (got {number})")
        return number

    return parse


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"must be a positive integer (got {describe(value)})")
    return value


def non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be zero or a positive integer (got {describe(value)})")
    return value


def positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ValueError(f"must be a positive number (got {describe(value)})")
    try:
        return float(value)
    except OverflowError:
        problem = f"must be a positive number of sensible size (got {describe(value)})"
        raise ValueError(problem) from None


def clock_time(value: Any) -> dt.time:
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str) and value.strip() == "24:00":
        return dt.time.max  # end of the day, for round-the-clock services
    if isinstance(value, str) and (match := _HHMM.match(value.strip())):
        return dt.time(int(match[1]), int(match[2]))
    raise ValueError(f'must be a time of day "HH:MM" (got {describe(value)})')


def optional_clock_time(value: Any) -> dt.time | None:
    if value == "":
        return None
    return clock_time(value)


def date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f'must be a date "YYYY-MM-DD" (got {describe(value)})')


def timezone(value: Any) -> str:
    name = text(value)
    try:
        zoneinfo.ZoneInfo(name)
    # OSError: the name of a tz directory, e.g. 'Asia', is not a zone.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r} (e.g. 'Asia/Ho_Chi_Minh')") from None
    return name


def one_of(*choices: str) -> Parser[str]:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)} (got {describe(value)})")
        return str(value)

    return parse


def list_of(
    item: Parser[T], *, min_items: int = 0, max_items: int | None = None, unique: bool = False
) -> Parser[tuple[T, ...]]:
    def parse(value: Any) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise ValueError(f"must be a list (got {describe(value)})")
        if len(value) < min_items:
            raise ValueError(f"must have at least {min_items} item(s)")
        if max_items is not None and len(value) > max_items:
            raise ValueError(f"must have at most {max_items} items (got {len(value)})")
        items = []
        for index, raw in enumerate(value):
            try:
                items.append(item(raw))
            except ValueError as exc:
                raise ValueError(f"item {index + 1}: {exc}") from None
        if unique and len(set(items)) != len(items):
            raise ValueError("must not repeat an item")
        return tuple(items)

    return parse


def weekday(value: Any) -> str:
    if value not in WEEKDAYS:
        raise ValueError(f"must be one of {', '.join(WEEKDAYS)} (got {describe(value)})")
    return str(value)


def number_range(low: float, high: float) -> Parser[float]:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise ValueError(f"must be a number (got {describe(value)})")
        if not low <= value <= high:
            raise ValueError(f"must be from {low:g} to {high:g} (got {value:g})")
        return float(value)

    return parse


def optional_int_range(low: int, high: int) -> Parser[int | None]:
    inner = int_range(low, high)

    def parse(value: Any) -> int | None:
        return None if value == "" else inner(value)

    return parse


_PIN = re.compile(r"^(?:(?:GPIO|BCM)(\d{1,2})|(BOARD|J8:)(\d{1,2}))$")

# The 40-pin header's GPIO pins and their Broadcom numbers (the rest are power and ground).
# fmt: off
HEADER_TO_BCM = {
    3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27, 15: 22, 16: 23, 18: 24, 19: 10,
    21: 9, 22: 25, 23: 11, 24: 8, 26: 7, 27: 0, 28: 1, 29: 5, 31: 6, 32: 12, 33: 13, 35: 19,
    36: 16, 37: 26, 38: 20, 40: 21,
}
# fmt: on


def gpio_pin(value: Any) -> str:
    """A GPIO pin as gpiozero names it: 17 or "GPIO17" (Broadcom), "BOARD11" (header pin)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 53:
        return f"GPIO{value}"
    if isinstance(value, str) and (match := _PIN.match(value.strip().upper())):
        bcm, board_kind, board = match.groups()
        if bcm is not None and int(bcm) <= 53:
            return f"GPIO{int(bcm)}"
        if board is not None and 1 <= int(board) <= 40:
            if int(board) not in HEADER_TO_BCM:
                raise ValueError(
                    f"header pin {int(board)} is power or ground, not a GPIO "
                    f"(GPIO header pins: {', '.join(map(str, sorted(HEADER_TO_BCM)))})"
                )
            return f"{board_kind}{int(board)}"
    raise ValueError(
        f'must be a GPIO number 0-53, "GPIO17" or a header pin "BOARD11" (got {describe(value)})'
    )


def same_pin(pin: str) -> str:
    """One name per physical pin, so "BOARD11" and "GPIO17" are seen as the same."""
    match = re.fullmatch(r"(?:BOARD|J8:)(\d+)", pin)
    return f"GPIO{HEADER_TO_BCM[int(match.group(1))]}" if match else pin


def optional_gpio_pin(value: Any) -> str | None:
    if value == "":
        return None
    return gpio_pin(value)


# A GPIO input's pull resistor, and which level means "pressed": auto is low with a
# pull-up, high with a pull-down.
pull = one_of("up", "down", "off")
active = one_of("auto", "low", "high")


def usb_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 0xFFFF:
        raise ValueError(f"must be a USB id from 0x0001 to 0xFFFF (got {describe(value)})")
    return value


def optional_usb_id(value: Any) -> int | None:
    if value in ("", 0):
        return None
    return usb_id(value)


def host(value: Any) -> str:
    name = text(value)
    if not re.fullmatch(r"[A-Za-z0-9.:-]{1,253}", name):
        raise ValueError(f"must be a host name or IP address (got {describe(value)})")
    return name


def optional_host(value: Any) -> str:
    return "" if value == "" else host(value)


def one_of_ints(*choices: int) -> Parser[int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or value not in choices:
            raise ValueError(
                f"must be one of {', '.join(map(str, choices))} (got {describe(value)})"
            )
        return int(value)

    return parse


def device_path(value: Any) -> str:
    """An absolute device path, best a stable /dev/input/by-id/... name."""
    found = path(value)
    if not found.startswith("/"):
        raise ValueError(
            f"must be an absolute path like /dev/input/by-id/usb-...-event-kbd (got {found!r})"
        )
    return found


def resolution(value: Any) -> tuple[int, int] | None:
    """A screen mode "1920x1080", or "native" (None: the screen's own mode)."""
    if value == "native":
        return None
    match = re.fullmatch(r"(\d{1,5})x(\d{1,5})", value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f'must be "native" or WIDTHxHEIGHT like "1920x1080" (got {describe(value)})'
        )
    width, height = int(match.group(1)), int(match.group(2))
    if not (320 <= width <= 7680 and 240 <= height <= 7680):
        raise ValueError(f"must be from 320x240 to 7680x7680 (got {width}x{height})")
    return width, height
