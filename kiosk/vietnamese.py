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


# The alphabet's order (ă and â after a, đ after d, ...) and the tones' (none, huyền, sắc,
# hỏi, ngã, nặng), for sorting as a Vietnamese dictionary does.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
_TONE_RANK = {tone: index for index, tone in enumerate(_TONES) if tone}


def sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A key that sorts Vietnamese text as a dictionary does: by the letters (ă, â after
    a, đ after d; case aside), then by the tones."""
    letters: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", text.casefold()):
        if ch in _TONE_RANK:
            tones[-1:] = [_TONE_RANK[ch]]
            continue
        if unicodedata.combining(ch) and letters:  # a vowel's breve, circumflex or horn
            base = _ALPHABET[letters[-1]] if letters[-1] < len(_ALPHABET) else ""
            joined = unicodedata.normalize("NFC", base + ch)
            if joined in _RANK:
                letters[-1] = _RANK[joined]
            continue
        letters.append(_RANK.get(ch, len(_ALPHABET) + ord(ch)) if ch != " " else -1)
        tones.append(0)
    return tuple(letters), tuple(tones)
