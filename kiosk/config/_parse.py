"""Value parsers for config fields.

Each parser takes the raw TOML value and returns the typed value, or raises
:class:`ValueError` with a message that completes the sentence "KEY: ...".
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Callable
from typing import Any

from kiosk import freetext

Parser = Callable[[Any], Any]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def text_up_to(limit: int, *, optional: bool = False) -> Callable[[Any], str]:
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
            f"must be lowercase letters, digits, '-' or '_' (1-63 chars) (got {_describe(value)})"
        )
    return value


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false (got {_describe(value)})")
    return value


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be an integer (got {_describe(value)})")
    return value


def int_range(low: int, high: int) -> Parser:
    def parse(value: Any) -> int:
        number = _integer(value)
        if not low <= number <= high:
            raise ValueError(f"must be an integer from {low} to {high} (got {number})")
        return number

    return parse


def positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"must be a positive integer (got {_describe(value)})")
    return value


def non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be zero or a positive integer (got {_describe(value)})")
    return value


def positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise ValueError(f"must be a positive number (got {_describe(value)})")
    try:
        return float(value)
    except OverflowError:
        problem = f"must be a positive number of sensible size (got {_describe(value)})"
        raise ValueError(problem) from None


def clock_time(value: Any) -> dt.time:
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str) and value.strip() == "24:00":
        return dt.time.max  # end of the day, for round-the-clock services
    if isinstance(value, str) and (match := _HHMM.match(value.strip())):
        return dt.time(int(match[1]), int(match[2]))
    raise ValueError(f'must be a time of day "HH:MM" (got {_describe(value)})')


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
    raise ValueError(f'must be a date "YYYY-MM-DD" (got {_describe(value)})')


def timezone(value: Any) -> str:
    name = text(value)
    try:
        zoneinfo.ZoneInfo(name)
    # OSError: the name of a tz directory, e.g. 'Asia', is not a zone.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name!r} (e.g. 'Asia/Ho_Chi_Minh')") from None
    return name


def one_of(*choices: str) -> Parser:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)} (got {_describe(value)})")
        return str(value)

    return parse


def prefix(value: Any) -> str:
    if value == "":
        return ""  # none: the service numbers by band
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{1,2}", value):
        raise ValueError(f"must be one or two capital letters A-Z (got {_describe(value)})")
    return value


def list_of(
    item: Parser, *, min_items: int = 0, max_items: int | None = None, unique: bool = False
) -> Parser:
    def parse(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise ValueError(f"must be a list (got {_describe(value)})")
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
        raise ValueError(f"must be one of {', '.join(WEEKDAYS)} (got {_describe(value)})")
    return str(value)


def number_band(value: Any) -> tuple[int, int] | None:
    if value == []:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
    ):
        raise ValueError(f"must be [first, last], two integers (got {_describe(value)})")
    first, last = value
    if not 1 <= first < last <= 999_999:
        raise ValueError(f"must satisfy 1 <= first < last <= 999999 (got [{first}, {last}])")
    return first, last


def ratio(value: Any) -> tuple[int, int]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in value)
        or value == [0, 0]
    ):
        raise ValueError(
            f"must be [priority, normal], two non-negative integers, not both 0 "
            f"(got {_describe(value)})"
        )
    return value[0], value[1]


def number_range(low: float, high: float) -> Parser:
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise ValueError(f"must be a number (got {_describe(value)})")
        if not low <= value <= high:
            raise ValueError(f"must be from {low:g} to {high:g} (got {value:g})")
        return float(value)

    return parse


def optional_int_range(low: int, high: int) -> Parser:
    inner = int_range(low, high)

    def parse(value: Any) -> int | None:
        return None if value == "" else inner(value)

    return parse


_PIN = re.compile(r"^(?:(?:GPIO|BCM)(\d{1,2})|(BOARD|J8:)(\d{1,2}))$")

# The 40-pin header's GPIO pins and their Broadcom numbers (the rest are power and ground).
HEADER_TO_BCM = {
    3: 2, 5: 3, 7: 4, 8: 14, 10: 15, 11: 17, 12: 18, 13: 27, 15: 22, 16: 23, 18: 24, 19: 10,
    21: 9, 22: 25, 23: 11, 24: 8, 26: 7, 27: 0, 28: 1, 29: 5, 31: 6, 32: 12, 33: 13, 35: 19,
    36: 16, 37: 26, 38: 20, 40: 21,
}  # fmt: skip


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
        f'must be a GPIO number 0-53, "GPIO17" or a header pin "BOARD11" (got {_describe(value)})'
    )


def same_pin(pin: str) -> str:
    """One name per physical pin, so "BOARD11" and "GPIO17" are seen as the same."""
    match = re.fullmatch(r"(?:BOARD|J8:)(\d+)", pin)
    return f"GPIO{HEADER_TO_BCM[int(match.group(1))]}" if match else pin


def optional_gpio_pin(value: Any) -> str | None:
    if value == "":
        return None
    return gpio_pin(value)


def usb_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 0xFFFF:
        raise ValueError(f"must be a USB id from 0x0001 to 0xFFFF (got {_describe(value)})")
    return value


def optional_usb_id(value: Any) -> int | None:
    if value in ("", 0):
        return None
    return usb_id(value)


def host(value: Any) -> str:
    name = text(value)
    if not re.fullmatch(r"[A-Za-z0-9.:-]{1,253}", name):
        raise ValueError(f"must be a host name or IP address (got {_describe(value)})")
    return name


def optional_host(value: Any) -> str:
    return "" if value == "" else host(value)


def one_of_ints(*choices: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or value not in choices:
            raise ValueError(
                f"must be one of {', '.join(map(str, choices))} (got {_describe(value)})"
            )
        return int(value)

    return parse


COUNTER_ACTIONS = ("next", "recall", "skip", "done", "pause", "resume", "transfer", "rate")
_NEEDS_ARGUMENT = {"transfer": "a service id, like transfer:thue", "rate": "a number, like rate:1"}


def counter_action(value: Any) -> str:
    """What a counter key does: next, recall, skip, done, pause (toggles; "pause:REASON"
    gives the reason), resume, "transfer:SERVICE" or "rate:N" (N-th rating label)."""
    if not isinstance(value, str):
        raise ValueError(f"must be an action string (got {_describe(value)})")
    name, _, argument = value.strip().partition(":")
    name, argument = name.strip().lower(), unicodedata.normalize("NFC", argument.strip())
    if name not in COUNTER_ACTIONS:
        raise ValueError(
            f"unknown action {value!r}; actions: next, recall, skip, done, pause, "
            "pause:REASON, resume, transfer:SERVICE, rate:N"
        )
    if name in _NEEDS_ARGUMENT and not argument:
        raise ValueError(f"{name} needs {_NEEDS_ARGUMENT[name]} (got {value!r})")
    if name == "transfer":
        slug(argument)
    elif name == "rate":
        if not argument.isdigit() or not 1 <= int(argument) <= 9:
            raise ValueError(f"rate needs a number from 1 to 9, like rate:1 (got {value!r})")
        argument = str(int(argument))
    elif argument and name != "pause":
        raise ValueError(f"{name} takes no argument (got {value!r})")
    elif argument:
        argument = freetext.clean(argument, freetext.MAX_REASON)
    return f"{name}:{argument}" if argument else name


_KEY_NAME = re.compile(r"^(?:KEY|BTN)_[A-Z0-9_]{1,40}$")


def key_name(value: Any) -> str:
    """A Linux input key name as evdev spells it: KEY_KP1, KEY_ENTER, BTN_LEFT.

    Only the shape is checked here (loading evdev would slow every command); that the
    name exists is checked by ``config check`` and the counter daemon.
    """
    if not isinstance(value, str) or not _KEY_NAME.match(value.strip().upper()):
        raise ValueError(f'must be a key name like "KEY_KP1" (got {_describe(value)})')
    return value.strip().upper()


def keymap(value: Any) -> tuple[tuple[str, str], ...]:
    """A key map: key names to counter actions, as a TOML table."""
    if not isinstance(value, dict):
        raise ValueError(f'must be a table like {{ KEY_KP1 = "next" }} (got {_describe(value)})')
    if not value:
        raise ValueError("must map at least one key")
    out = []
    for raw_key, raw_action in value.items():
        try:
            out.append((key_name(raw_key), counter_action(raw_action)))
        except ValueError as exc:
            raise ValueError(f"{raw_key}: {exc}") from None
    if len({key for key, _ in out}) != len(out):
        raise ValueError("maps a key twice")
    return tuple(out)


def keymaps(value: Any) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """``[keymaps]``: named key maps, each a table of key names to actions."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a table of key maps (got {_describe(value)})")
    out = []
    for name, mapping in value.items():
        try:
            out.append((slug(name), keymap(mapping)))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return tuple(out)


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
            f'must be "native" or WIDTHxHEIGHT like "1920x1080" (got {_describe(value)})'
        )
    width, height = int(match.group(1)), int(match.group(2))
    if not (320 <= width <= 7680 and 240 <= height <= 7680):
        raise ValueError(f"must be from 320x240 to 7680x7680 (got {width}x{height})")
    return width, height


def time_range(value: Any) -> tuple[dt.time, dt.time]:
    """ "HH:MM-HH:MM"; a range past midnight ("21:00-06:00") wraps."""
    if not isinstance(value, str) or value.count("-") != 1:
        raise ValueError(f'must be "HH:MM-HH:MM" like "11:30-13:00" (got {_describe(value)})')
    start, end = (clock_time(part.strip()) for part in value.split("-"))
    if start == end:
        raise ValueError(f"must not start and end at the same time (got {value!r})")
    return start, end
