"""Vietnamese text facts shared by every screen and printer: the letters a font must cover."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Hashable

_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # ngang huyền sắc hỏi ngã nặng
#: The five tone marks as combining characters (huyền sắc hỏi ngã nặng).
TONES = "".join(_TONES)


def _letters() -> tuple[str, ...]:
    lower = [unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES] + [
        "đ"
    ]
    lower = [ch for ch in lower if not ch.isascii()]
    return tuple(lower + [ch.upper() for ch in lower])


#: The 134 letters of Vietnamese outside ASCII (67 lower case, 67 upper case), NFC.
LETTERS: tuple[str, ...] = _letters()

#: Every character a screen or a ticket draws whole, so a line box holds the ink of them all:
#: the Vietnamese letters, printable ASCII, Latin-1 and the typographic signs names and
#: notices use.
DRAWN = "".join(
    [*LETTERS, *map(chr, range(0x21, 0x7F)), *map(chr, range(0xA1, 0x100)), "–—‘’“”…•€№"]
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def missing_letters(render: Callable[[str], Hashable], letters: tuple[str, ...] = LETTERS) -> str:
    """The letters a font draws as its missing-glyph box.

    ``render`` draws one character and returns something comparable (e.g. the
    bitmap bytes and size). A character the font lacks comes out exactly like a
    private-use code point no font maps, so it is compared with that.
    """
    tofu = {render("\ue000"), render("\U0010fffd")}
    return "".join(ch for ch in letters if render(ch) in tofu)
