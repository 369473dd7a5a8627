"""The checks every procedure record goes through, whichever format it came in: text by
:mod:`kiosk.freetext`'s rule and bounded, numbers plausible, lists bounded, links http(s).
A failed check is :class:`BadProcedure`, its message naming the field ("papers[2].name:
too long (10000 characters; at most 1000)")."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kiosk import freetext

T = TypeVar("T")

MAX_CODE = 64
MAX_NAME = 1000  # a procedure's or a paper's name
MAX_TEXT = 2000  # a description, a note, an agency
MAX_LONG = 8000  # conditions (yêu cầu, điều kiện)
MAX_URL = 2000
MAX_ITEMS = 100  # papers in a case, legal documents
MAX_FEW = 20  # ways, cases, fees, results, applicants, agencies, levels
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_]*$")
_URL = re.compile(r"^https?://[^\s]+$")


class BadProcedure(ValueError):
    """A record that cannot be used; the message names the field."""


def text(record: Mapping[str, Any], key: str, where: str, *, limit: int = MAX_TEXT) -> str:
    """A text field ("" when absent); longer kinds (conditions) keep their line breaks,
    the others are one line."""
    value = record.get(key)
    if value is None:
        value = ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    try:
        if limit > MAX_TEXT:
            return freetext.clean(value, limit)
        return freetext.one_line(value, limit)
    except freetext.BadText as exc:
        raise BadProcedure(f"{where}: {exc}") from None


def required_text(record: Mapping[str, Any], key: str, where: str, *, limit: int = MAX_TEXT) -> str:
    found = text(record, key, where, limit=limit)
    if not found:
        raise BadProcedure(f"{where}: missing")
    return found


def code(record: Mapping[str, Any], key: str, where: str) -> str:
    found = required_text(record, key, where, limit=MAX_CODE)
    if not _CODE.match(found):
        raise BadProcedure(f"{where}: {found!r} is not a procedure code (like 1.001193)")
    return found


def url(record: Mapping[str, Any], key: str, where: str) -> str:
    found = text(record, key, where, limit=MAX_URL)
    if found and not _URL.match(found):
        raise BadProcedure(f"{where}: must be an http(s) address")
    return found


def items(record: Mapping[str, Any], key: str, where: str, *, limit: int = MAX_FEW) -> list[Any]:
    """A list field ("" or absent: none)."""
    value = record.get(key)
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise BadProcedure(f"{where}: must be a list, not {type(value).__name__}")
    if len(value) > limit:
        raise BadProcedure(f"{where}: {len(value)} items; at most {limit}")
    return value


def each(
    record: Mapping[str, Any],
    key: str,
    where: str,
    read: Callable[[Mapping[str, Any], str], T],
    *,
    limit: int = MAX_FEW,
) -> tuple[T, ...]:
    """Each object of a list field, read by ``read(item, its place)``."""
    out = []
    for index, item in enumerate(items(record, key, where, limit=limit)):
        place = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            raise BadProcedure(f"{place}: must be an object, not {type(item).__name__}")
        out.append(read(item, place))
    return tuple(out)


def texts(
    record: Mapping[str, Any], key: str, where: str, *, limit: int = MAX_TEXT
) -> tuple[str, ...]:
    """A list of strings (a lone string is a list of one)."""
    value = record.get(key)
    if isinstance(value, str):
        value = [value] if value.strip() else []
    found = items({key: value}, key, where)
    out = []
    for index, item in enumerate(found):
        cleaned = text({"v": item}, "v", f"{where}[{index}]", limit=limit)
        if cleaned:
            out.append(cleaned)
    return tuple(out)


def number(
    record: Mapping[str, Any], key: str, where: str, *, most: float, whole: bool = False
) -> float | None:
    """A number, also written as text ("3", "0,5", "100.000" with dots between thousands
    when ``whole``); None when absent or empty."""
    value = record.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadProcedure(f"{where}: must be a number, not true/false")
    if isinstance(value, str):
        written = value.strip().replace(" ", "")
        written = written.replace(".", "").replace(",", "") if whole else written.replace(",", ".")
        try:
            parsed = float(written)
        except ValueError:
            raise BadProcedure(
                f"{where}: {freetext.shorten(value, 30)!r} is not a number"
            ) from None
        value = parsed
    if not isinstance(value, int | float) or not math.isfinite(value) or not 0 <= value <= most:
        raise BadProcedure(f"{where}: must be a number from 0 to {most:g}")
    if whole and value != int(value):
        raise BadProcedure(f"{where}: must be a whole number")
    return float(value)


def count(record: Mapping[str, Any], key: str, where: str, *, most: int = 100) -> int:
    found = number(record, key, where, most=most, whole=True)
    return 0 if found is None else int(found)
