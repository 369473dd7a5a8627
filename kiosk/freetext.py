"""Free text from outside, one rule for every way in.

A name in ``config.toml``, a pause reason typed on the command line, a notice central sends:
text that reaches the database, a screen, a ticket, a terminal or an event is trimmed and
NFC (each Vietnamese letter one code point, as fonts and searches expect), holds no control
character (``ESC [2J`` would clear a technician's terminal), no invisible one (a direction
override, a line separator) and none that no font draws, and is at most its field's length,
so an event that carries it stays well inside the contract's 64 KiB.

:func:`clean` returns the text to keep or raises :class:`BadText`, whose message completes
the sentence "FIELD: ..."; :func:`field` puts the field's name in front. Text stored before
these checks existed is shown through :func:`for_terminal`.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

# Longest text of each kind, in characters (after NFC).
MAX_NAME = 200  # a site's, service's or counter's name, a rating label
MAX_STAFF_ID = 100  # the officer at a counter
MAX_REASON = 200  # why a counter is paused
MAX_NOTICE = 500  # the wall display's notice line (drawn once into one picture)
MAX_LINE = 500  # any other line: a ticket's footer, a printer profile, a host name
MAX_PATH = 4096  # a file name, a URL, a secret (Linux's PATH_MAX)

# Unicode categories refused, by what they are.
_CONTROL = frozenset({"Cc", "Zl", "Zp"})  # C0, DEL, C1; line and paragraph separators
_INVISIBLE = frozenset({"Cf"})  # direction overrides, zero-width and other format marks
_UNDRAWN = frozenset({"Co", "Cn"})  # private use, unassigned: no font draws them
_UNSAFE = _CONTROL | _INVISIBLE | {"Cs"}  # what a terminal must not get as it is


class BadText(ValueError):
    """Text that breaks the rule; the message says how (and, from :func:`field`, where)."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def _problem(text: str) -> str | None:
    if text.isprintable():  # no character of a category refused below (checked in C)
        return None
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs":
            return f"must be UTF-8 text ({_code_point(ch)} is not a character)"
        if category in _CONTROL:
            return f"must not contain control characters ({_code_point(ch)})"
        if category in _INVISIBLE:
            return f"must not contain invisible characters ({_code_point(ch)})"
        if category in _UNDRAWN:
            return f"must not contain characters no font draws ({_code_point(ch)})"
    return None


def clean(value: Any, limit: int, *, required: bool = False) -> str:
    """``value`` trimmed and NFC, or :class:`BadText`. "" is allowed unless ``required``."""
    if not isinstance(value, str):
        raise BadText(f"must be a string (got {_describe(value)})")
    text = value.strip()
    if problem := _problem(text):  # before NFC: it cannot take half a character
        raise BadText(problem)
    text = unicodedata.normalize("NFC", text)
    if not text and required:
        raise BadText("must not be empty")
    if len(text) > limit:
        raise BadText(f"too long ({len(text)} characters; at most {limit})")
    return text


def field(name: str, value: Any, limit: int, *, required: bool = False) -> str:
    """:func:`clean`, with ``name`` in front of the problem: "pause reason: too long (...)"."""
    try:
        return clean(value, limit, required=required)
    except BadText as exc:
        raise BadText(f"{name}: {exc}") from None


def one_line(value: Any, limit: int) -> str:
    """Typed text meant as one line (a notice): runs of spaces, tabs and line breaks become
    one space, then :func:`clean`."""
    if isinstance(value, str):
        value = " ".join(value.split())
    return clean(value, limit)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with "…" (for our own messages in events)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unsafe(ch: str) -> bool:
    return ch != "\t" and not ch.isprintable() and unicodedata.category(ch) in _UNSAFE


def _escaped(text: str, escape: Callable[[str], str]) -> str:
    return "\n".join(
        line if line.isprintable() else "".join(escape(ch) if _unsafe(ch) else ch for ch in line)
        for line in text.split("\n")
    )


def for_terminal(text: str) -> str:
    """``text`` as a terminal may print it: control and invisible characters as escapes
    (``\\x1b``, ``\\u202e``); line breaks and tabs stay. For text read back from a
    database older than :func:`clean`, and for anything echoed from a command line."""
    return _escaped(text, lambda ch: ch.encode("unicode_escape").decode())


def json_for_terminal(dumped: str) -> str:
    """JSON text with the characters :func:`json.dumps` leaves raw (DEL, C1, invisible ones)
    written as ``\\u`` escapes too: the same JSON, safe on a terminal."""
    return _escaped(dumped, lambda ch: json.dumps(ch)[1:-1])
