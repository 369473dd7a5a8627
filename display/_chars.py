"""The characters a screen's text is made of: a line box holds the ink of a set of them.

Free text (names, headings, notices, a date with "Thứ Hai") may hold any character the
screens draw, :data:`DRAWN`, and its line box reaches as high as the tallest Vietnamese
capital (Ổ, Ấ, Ử). A field that can only hold a ticket number, a count or the time is
measured on its own few characters, none of which reaches above the font's ascent, and is
drawn that much larger in the same box.
"""

from __future__ import annotations

import functools
import string

from kiosk.rules.numbering import NUMBER_CHARS
from kiosk.vietnamese import DRAWN

__all__ = ["CLOCK", "COUNT", "DRAWN", "NUMBER", "holds"]

# Each with the ellipsis a text too long for its box is cut with.
NUMBER = NUMBER_CHARS + "—…"  # a ticket number ("A023", "1023"), or the dash shown for none
COUNT = string.digits + "…"  # how many wait
CLOCK = string.digits + ":…"  # "09:41"


def line_chars(chars: str, text: str) -> str:
    """The characters a line box for ``text`` holds: ``chars`` while ``text`` is made of
    them, else every character the screens draw (a number field given a Vietnamese letter
    gets the full line box, so that letter is drawn whole)."""
    return chars if holds(chars, text) else DRAWN


def holds(chars: str, text: str) -> bool:
    """Whether ``text`` is made of ``chars`` alone (spaces, which have no ink, aside)."""
    return _made_of(chars).issuperset(text)


@functools.cache
def _made_of(chars: str) -> frozenset[str]:
    return frozenset(chars + string.whitespace)
