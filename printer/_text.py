"""Code-page mode: the ticket as the printer's own text, for models known to print Vietnamese.

About 1 KB a ticket instead of ~10 KB of raster. CP1258 holds the Vietnamese
base letters (ă â ê ô ơ ư đ) and the five tone marks as combining characters,
so each letter is sent as base + tone; Python's cp1258 codec cannot do that
split itself. ``ascii`` drops the marks: readable on any printer, but only a
last resort.
"""

from __future__ import annotations

import unicodedata

from kiosk.slip import Slip
from printer._escpos import CUT, ESC, GS, TAIL_FEED, Commands, qr_native
from printer._profile import Profile
from printer._wrap import even_lines

TONES = "\u0300\u0301\u0303\u0309\u0323"
BOLD_ON, BOLD_OFF = ESC + b"E\x01", ESC + b"E\x00"
NORMAL = GS + b"!\x00"
DOUBLE = GS + b"!\x11"  # double width and height
NUMBER = GS + b"!\x44"  # five times wide and high: the number across the room
FONT_A_DOTS = 12  # Font A is 12 x 24 dots


def encode_cp1258(text: str) -> bytes:
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out += (base + tones).encode("cp1258", errors="replace")
    return bytes(out)


def encode_ascii(text: str) -> bytes:
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in plain if not unicodedata.combining(c)).encode(
        "ascii", errors="replace"
    )


def wrapped(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` characters, as even as its words allow (a
    lone dash ends a line, never starts one); a line that fits is kept as it is written, and
    a word longer than a line is cut as the printer would wrap it."""
    if len(text) <= columns and text.isprintable():
        return [text.strip()]
    return even_lines(text, len, columns, break_words=True)


def encode_text_ticket(slip: Slip, profile: Profile, cut: str) -> Commands:
    encode = encode_cp1258 if profile.codepage == "cp1258" else encode_ascii
    columns = profile.width // FONT_A_DOTS
    out = Commands()
    out.add(ESC + b"@", ESC + b"t" + bytes((profile.codepage_table or 0,)), ESC + b"a\x01")

    def lines(text: str, width: int, *, style: bytes = NORMAL, bold: bool = False) -> None:
        out.add(style, BOLD_ON if bold else b"")
        for line in wrapped(text, width):
            out.add(encode(line) + b"\n")
        out.add(BOLD_OFF if bold else b"", NORMAL if style != NORMAL else b"")

    lines(slip.site, columns, bold=True)
    out.add(b"\n")
    lines("SỐ THỨ TỰ ƯU TIÊN" if slip.priority else "SỐ THỨ TỰ", columns)
    lines(slip.number, columns // 5, style=NUMBER, bold=True)
    lines(slip.service, columns // 2, style=DOUBLE, bold=True)
    lines(slip.counters_line, columns, bold=True)
    for text in (slip.ahead_line, slip.wait_line, slip.time_line):
        if text:
            lines(text, columns)
    if slip.token and profile.native_qr:
        out.add(b"\n", qr_native(slip.token, 6 if profile.width >= 512 else 4), b"\n")
        lines("Quét mã để xem số thứ tự của bạn", columns)
    if slip.footer:
        out.add(b"\n")
        lines(slip.footer, columns)
    out.feed(TAIL_FEED)
    if cut in CUT:
        out.add(CUT[cut])
    else:
        out.feed(96)
    return out
