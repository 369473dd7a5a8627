"""What the voice says: Vietnamese number reading and the call sentence, as clip ids.

An announcement is a list of clip ids; each clip is one recorded word or phrase
(:data:`CLIPS` gives what it says). A voice pack is a folder with one WAV file per
clip id, so a generated pack and a recorded human one are interchangeable.

Number reading follows the spoken rules (giving the word after each rule):

- 10-19 are *mười* ...; 20-99 use *mươi*: 20 *hai mươi*, 30 *ba mươi*;
- 1 after *mươi* is *mốt* (21 *hai mươi mốt*), but 11 is *mười một* and 101 *... linh một*;
- 5 after *mười* or *mươi* is *lăm* (15 *mười lăm*, 25 *hai mươi lăm*), otherwise *năm*;
- 4 after *mươi* may be *tư* (24 *hai mươi tư*), a regional choice; never after *mười*;
- a zero tens digit before units reads *linh* (north) or *lẻ* (south): 105 *một trăm linh năm*;
- inside a thousand, zero hundreds read *không trăm*: 1023 *một nghìn không trăm hai mươi ba*;
- 1000 is *nghìn* (north) or *ngàn* (south).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Every clip a voice pack holds: id (the WAV file's name) to what is said.
CLIPS: dict[str, str] = {
    "call": "Mời công dân có số thứ tự",
    "to-counter": "đến quầy số",
    "khong": "không",
    "mot": "một",
    "hai": "hai",
    "ba": "ba",
    "bon": "bốn",
    "nam": "năm",
    "sau": "sáu",
    "bay": "bảy",
    "tam": "tám",
    "chin": "chín",
    "mot-sac": "mốt",
    "tu": "tư",
    "lam": "lăm",
    "muoi-huyen": "mười",
    "muoi": "mươi",
    "tram": "trăm",
    "linh": "linh",
    "le": "lẻ",
    "nghin": "nghìn",
    "ngan": "ngàn",
}

# Letters as Vietnamese read them out in codes and ticket numbers.
# fmt: off
LETTER_NAMES = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "E": "e", "F": "ép", "G": "giê", "H": "hát",
    "I": "i", "J": "gi", "K": "ca", "L": "e lờ", "M": "em mờ", "N": "en nờ", "O": "o",
    "P": "pê", "Q": "quy", "R": "e rờ", "S": "ét xì", "T": "tê", "U": "u", "V": "vê",
    "W": "vê kép", "X": "ích xì", "Y": "i dài", "Z": "dét",
}
# fmt: on
CLIPS.update({f"letter-{letter.lower()}": name for letter, name in LETTER_NAMES.items()})

#: The chime played before a call: a sound, not a word (not in :data:`CLIPS`).
CHIME = "chime"

_DIGITS = ("khong", "mot", "hai", "ba", "bon", "nam", "sau", "bay", "tam", "chin")
_TICKET = re.compile(r"^([A-Z]{0,2})(\d{1,6})$")


@dataclass(frozen=True)
class Reading:
    """How numbers are read: ``region`` north (linh, nghìn) or south (lẻ, ngàn); ``four``
    after *mươi*: "bon" (bốn), "tu" (tư) or "auto" (tư in the north, bốn in the south);
    ``style`` for ticket numbers: "number" (hai mươi ba) or "digits" (không, hai, ba)."""

    region: str = "north"
    four: str = "auto"
    style: str = "number"

    @property
    def zero_tens(self) -> str:
        return "linh" if self.region == "north" else "le"

    @property
    def thousand(self) -> str:
        return "nghin" if self.region == "north" else "ngan"

    @property
    def four_after_tens(self) -> str:
        if self.four == "auto":
            return "tu" if self.region == "north" else "bon"
        return self.four


def _units_after_tens(units: int, reading: Reading) -> list[str]:
    if units == 0:
        return []
    special = {1: "mot-sac", 4: reading.four_after_tens, 5: "lam"}
    return [special.get(units, _DIGITS[units])]


def _group(n: int, inside: bool, reading: Reading) -> list[str]:
    """A group of three digits (0-999). ``inside``: a higher group came before, so zero
    hundreds are still read (*không trăm*) and a lone unit takes *linh*/*lẻ*."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or inside:
        words += [_DIGITS[hundreds], "tram"]
    if tens == 0:
        if units:
            if words:
                words.append(reading.zero_tens)
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("muoi-huyen")
        if units:
            words.append("lam" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "muoi"]
        # 1 after mươi is mốt; 4 may be tư; 5 is lăm. After mười only lăm changes.
        words += _units_after_tens(units, reading)
    return words


def number_clips(n: int, reading: Reading = Reading()) -> list[str]:
    """The clip ids reading ``n`` (0 to 999,999) aloud."""
    if not 0 <= n <= 999_999:
        raise ValueError(f"can read 0 to 999999, not {n}")
    if n == 0:
        return ["khong"]
    thousands, rest = divmod(n, 1000)
    words: list[str] = []
    if thousands:
        words += [*_group(thousands, False, reading), reading.thousand]
    if rest:
        words += _group(rest, bool(thousands), reading)
    return words


def ticket_clips(number: str, reading: Reading = Reading()) -> list[str]:
    """A ticket number: its letters by name, then the number (or its digits one by one)."""
    match = _TICKET.match(number.strip().upper())
    if match is None:
        raise ValueError(
            f"ticket number must be up to 2 letters then up to 6 digits, like A023 or 1023 "
            f"(got {number!r})"
        )
    letters, digits = match.groups()
    clips = [f"letter-{letter.lower()}" for letter in letters]
    if reading.style == "digits":
        return clips + [_DIGITS[int(d)] for d in digits]
    return clips + number_clips(int(digits), reading)


def call_clips(number: str, counter: int, reading: Reading = Reading()) -> list[str]:
    """Mời công dân có số thứ tự NUMBER đến quầy số COUNTER."""
    if not 1 <= counter <= 999:
        raise ValueError(f"counter must be from 1 to 999, not {counter}")
    return ["call", *ticket_clips(number, reading), "to-counter", *number_clips(counter, reading)]


def words(clips: list[str]) -> str:
    """The sentence the clips say, as text (the chime is not a word)."""
    return " ".join(CLIPS[clip] for clip in clips if clip != CHIME)
