"""Text on a ticket: lines wrapped evenly, fitted to the paper, drawn whole in 1-bit.

Every line of a face is drawn in the same line box, with its baseline at the same depth,
and that box holds the ink of every character a ticket may print (:data:`CHARS`), measured
once per font and size from the font's own glyph boxes. A Vietnamese capital with a hook
or two marks (Ẩ, Ổ, Ấ, Ỷ) reaches well above the font's ascent (a fifth of the size in
DejaVu Sans Bold): a box cut at the ascent would print "BỔ SUNG" as "BỐ SUNG" and "GIẤY"
as "GIÂY".
"""

from __future__ import annotations

import functools
import math
import string

from PIL import Image, ImageDraw, ImageFont

from kiosk.vietnamese import DRAWN
from printer._fonts import font
from printer._wrap import even_lines

INK = 1

# Every character whose ink a line box holds (the screens' set); a line with any other
# character gets a box that holds that one's ink too.
CHARS = DRAWN
_KNOWN = frozenset(CHARS + string.whitespace)


@functools.cache
def _reach(face: ImageFont.FreeTypeFont) -> tuple[int, int]:
    """How far above and below the baseline the ink of :data:`CHARS` reaches in ``face``
    (whole dots, as it is drawn in 1-bit); one glyph box of them all, cached per face
    (:func:`printer._fonts.font` keeps one a font and size)."""
    _, top, _, bottom = face.getbbox(CHARS, mode="1", anchor="ls")
    return -int(top), int(bottom)


def line_box(face: ImageFont.FreeTypeFont, text: str = "") -> tuple[int, int]:
    """(depth of the baseline below the line's top, line height) of ``face``: the font's
    ascent and descent, and the ink of every character of :data:`CHARS` and ``text``."""
    ascent, descent = face.getmetrics()
    above, below = _reach(face)
    others = "".join(sorted(set(text) - _KNOWN))
    if others:
        _, top, _, bottom = face.getbbox(others, mode="1", anchor="ls")
        above, below = max(above, -int(top)), max(below, int(bottom))
    baseline = max(ascent, above)
    return baseline, baseline + max(descent, below)


def span(face: ImageFont.FreeTypeFont, text: str) -> tuple[int, int]:
    """(left, right) of ``text`` drawn from x = 0: its advance and its ink, whichever
    reaches farther (a glyph may overhang its advance by a dot)."""
    left, _, right, _ = face.getbbox(text, mode="1", anchor="ls")
    return min(0, int(left)), max(int(right), math.ceil(face.getlength(text)))


def width_of(face: ImageFont.FreeTypeFont, text: str) -> int:
    left, right = span(face, text)
    return right - left


def wrap(
    text: str, face: ImageFont.FreeTypeFont, width: int, *, break_words: bool = False
) -> list[str]:
    """``text`` on as few lines no wider than ``width`` dots as it takes, as even as its
    words allow (:func:`printer._wrap.even_lines`); a word wider than ``width`` stays whole
    (the caller shrinks), or with ``break_words`` is cut where the line ends."""
    return even_lines(text, functools.partial(width_of, face), width, break_words=break_words)


def fitted(
    text: str, path: str, size: int, width: int, *, max_lines: int, smallest: int
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size from ``size`` down at which ``text`` wraps into ``max_lines`` lines."""
    for candidate in range(size, smallest - 1, -1):
        face = font(path, candidate)
        lines = wrap(text, face, width)
        if len(lines) <= max_lines and all(width_of(face, line) <= width for line in lines):
            return face, lines
    # Too long even at the smallest size: more lines, a word wider than a line cut where the
    # line ends, rather than any of it lost past the margin.
    face = font(path, smallest)
    return face, wrap(text, face, width, break_words=True)


def text_block(
    lines: list[str], face: ImageFont.FreeTypeFont, width: int, *, center: bool = True
) -> Image.Image:
    """``lines`` one under another, each in the face's line box (:func:`line_box`) with its
    baseline at the same depth; centred on their ink and advance, or from the left edge."""
    baseline, line_height = line_box(face, "".join(lines))
    image = Image.new("1", (width, line_height * len(lines)), 0)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        left, right = span(face, line)
        x = (width - (right - left)) / 2 - left if center else -left
        y = row * line_height + baseline
        draw.text((round(x), y), line, font=face, fill=INK, anchor="ls")
    return image
