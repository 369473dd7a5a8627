"""Text on screens: fonts checked for Vietnamese, and text fitted into a box.

A box gets the largest size at which its text fits: wrapped at spaces onto at most
``lines`` lines, each no wider than the box, all together no taller. Below the
smallest readable size the last line is cut with an ellipsis instead. Text never
leaves its box. A line's height holds the ink of the characters its text may be made of
(:mod:`display._chars`): any the screens draw, or a field's own few.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from display._chars import DRAWN, line_chars
from display._sizing import REFERENCE, Advances, breaks, guess, largest
from display.pygame_lib import pygame
from kiosk import fonts
from kiosk.vietnamese import nfc
from kiosk.words import narrowest, units

MIN_SIZE = 10
ELLIPSIS = "…"


@functools.cache
def check_screen_font(path: str, key: str) -> str:
    """``path`` if the font has every Vietnamese letter, as the screen draws them: each
    code point's own glyph (FreeType, no shaping that could stack a missing letter out
    of a base and combining marks); :class:`FontError` naming the missing ones."""
    try:
        face = _face(path)
    except (OSError, pygame.error) as exc:
        raise fonts.FontError(f"{key}: cannot read font {path}: {exc}") from None
    return fonts.require_letters(path, key, lambda ch: face.render_raw(ch, size=24))


@functools.cache
def _face(path: str) -> Any:
    """The FreeType face of a font file, opened once: the font check and every size drawn
    share it."""
    import pygame.freetype  # noqa: TID251  # pygame is loaded (display.pygame_lib)

    pygame.freetype.init()
    face = pygame.freetype.Font(path)
    face.pad = True  # a line's full height and advances, as a text box lays lines out
    face.kerning = True
    return face


class Face:
    """A font at one size, drawn with pygame's FreeType module: every size of a font shares
    one FreeType face, where each size of a ``pygame.font.Font`` (SDL_ttf) would hold a face,
    shaping tables and glyph caches of its own (about 0.3 MB each, and a screen uses
    dozens of sizes). Vietnamese is drawn from NFC text, one glyph a letter.

    Every line is drawn :meth:`get_linesize` tall with its baseline at the same height, and
    that line box holds the font's ascent and descent and the ink of every character of
    ``chars`` (every character a screen draws, by default) whole. A capital with a hook or
    two marks (Ẳ, Ổ, Ấ) reaches well above the font's ascent (a fifth of the size in DejaVu
    Sans Bold): a line box cut at the ascent would turn "SỐ" into "SÔ" and "BỔ" into "BỐ".
    :attr:`room` is how much of the box lies above the ascent, empty in a line without such
    a capital (and none at all in the box of a ticket number's or the time's characters).
    """

    def __init__(self, face: Any, size: int, chars: str = DRAWN) -> None:
        self.face = face
        self.px = size
        ascent = int(face.get_sized_ascender(size))
        descent = -int(face.get_sized_descender(size))
        gap = max(0, int(face.get_sized_height(size)) - ascent - descent)
        top, below = _reach(face, size, chars)
        self.baseline = max(ascent, top)  # its depth below the line's top
        self.room = self.baseline - ascent
        self.height = self.baseline + max(descent, below) + gap

    def size(self, text: str) -> tuple[int, int]:
        return _laid(self.face, self.px, text, True)[1], self.height

    def get_linesize(self) -> int:
        return self.height

    def render(
        self, text: str, antialias: bool, color: Any, background: Any = None
    ) -> pygame.Surface:
        # Drawn into a surface of SDL's own pixel order (ARGB, as SDL_ttf's), where
        # FreeType's own RGBA surface would be converted pixel by pixel at every blit. On a
        # background it is opaque, in the screen's format once a screen is open: a blit of
        # it is a plain copy (the scrolling notice is blitted 30 times a second).
        width = _laid(self.face, self.px, text, antialias)[1]
        if background is None:
            surface = pygame.Surface((width, self.height), pygame.SRCALPHA)
        else:
            surface = pygame.Surface((width, self.height))
            surface.fill(background)
        self._draw(surface, (0, 0), text, color, background=background, antialias=antialias)
        return surface

    def draw(self, surface: pygame.Surface, at: tuple[int, int], text: str, color: Any) -> int:
        """Draw ``text`` antialiased straight onto ``surface``, its line box's top left
        corner at ``at``, the ink clipped to the line box as :meth:`render`'s; its width."""
        x, y = at
        width = _laid(self.face, self.px, text, True)[1]
        previous = surface.get_clip()
        surface.set_clip(pygame.Rect(x, y, width, self.height).clip(previous))
        try:
            self._draw(surface, at, text, color)
        finally:
            surface.set_clip(previous)
        return width

    def _draw(
        self,
        surface: pygame.Surface,
        at: tuple[int, int],
        text: str,
        color: Any,
        *,
        background: Any = None,
        antialias: bool = True,
    ) -> None:
        # Placed so that its baseline is every line's: a taller text is not pushed down (the
        # line box holds the tallest letter: the layout's top is never below the baseline).
        top = at[1] + self.baseline - _laid(self.face, self.px, text, antialias)[0]
        self.face.antialiased = antialias
        self.face.render_to(surface, (at[0], top), text, color, background, size=self.px)


@functools.lru_cache(maxsize=16384)
def _laid(face: Any, px: int, text: str, antialias: bool) -> tuple[int, int]:
    """How FreeType lays ``text`` out at ``px``, antialiased or not (hinted for one or the
    other, a glyph may be a pixel wider): the top of its box above the baseline, and its
    width. Kept for the words and lines measured again and again (every size a box
    tries, every repaint of a screen; a dossier's labels, units and steps share most of
    their words) and for each line drawn, measured while it was fitted: a layout costs
    FreeType more than the rest of fitting together. 16,384 of them take about 3.5 MB."""
    face.antialiased = antialias
    rect = face.get_rect(text, size=px)
    return int(rect.y), int(rect.width)


def _reach(face: Any, size: int, chars: str) -> tuple[int, int]:
    """How far above and below the baseline the ink of ``chars`` reaches at ``size`` (whole
    pixels, as FreeType draws it hinted): measured on the few characters that reach
    farthest (:func:`_farthest`)."""
    top = below = 0
    for metrics in face.get_metrics(_farthest(face, chars), size=size):
        if metrics is None:  # a character the font lacks: drawn as its missing-glyph box
            continue
        # pygame gives the ink's lowest edge as an unsigned 32-bit number.
        lowest, highest = (_signed(value) for value in metrics[2:4])
        top, below = max(top, highest), max(below, -lowest)
    return top, below


@functools.cache
def _farthest(face: Any, chars: str) -> str:
    """The characters of ``chars`` whose ink reaches within a sixth of the farthest above
    or below the baseline, at a large size: hinting at a small one moves an edge by a pixel
    at most, never past these. Worked out once per font and set of characters."""
    size = 256
    reach = []
    for char, metrics in zip(chars, face.get_metrics(chars, size=size), strict=True):
        if metrics is not None:
            reach.append((char, _signed(metrics[3]), -_signed(metrics[2])))
    top = max(high for _, high, _ in reach)
    below = max(low for _, _, low in reach)
    return "".join(c for c, high, low in reach if high >= top * 5 / 6 or low >= below * 5 / 6)


def _signed(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value


class ScreenFonts:
    """The regular and bold faces at any pixel size (one FreeType face per weight)."""

    def __init__(self, regular: str, bold: str) -> None:
        self.regular = regular
        self.bold = bold

    @classmethod
    def configured(cls, font: str, font_bold: str) -> ScreenFonts:
        """The display's fonts: configured or found, checked (:class:`FontError` if not)."""
        regular = check_screen_font(
            fonts.find_font(font, fonts.REGULAR, "display.font"), "display.font"
        )
        bold = check_screen_font(
            fonts.find_font(font_bold, fonts.BOLD, "display.font_bold"), "display.font_bold"
        )
        return cls(regular, bold)

    def get(self, size: int, bold: bool = False, chars: str = DRAWN) -> Face:
        """The face at ``size`` whose line box holds the ink of ``chars``."""
        return self._get(size, bold, chars)

    # One key however it is called. A set of characters is one of the few the layouts
    # name (its hash is kept by the string): a face is a few ints, 512 of them a few
    # hundred kilobytes at most.
    @functools.lru_cache(maxsize=512)  # noqa: B019 (one instance per process)
    def _get(self, size: int, bold: bool, chars: str) -> Face:
        return Face(self._faces[bold], size, chars)

    @functools.cached_property
    def _faces(self) -> dict[bool, Any]:
        return {False: _face(self.regular), True: _face(self.bold)}

    @functools.cached_property
    def _advances(self) -> dict[bool, Advances]:
        return {bold: Advances(face) for bold, face in self._faces.items()}

    def guess(
        self,
        text: str,
        box: tuple[int, int],
        *,
        lines: int,
        bold: bool,
        chars: str,
        sizes: tuple[int, int],
    ) -> int:
        """The size in ``sizes`` (lowest, highest) at which ``text`` would fit ``box``,
        estimated from the font's advances without laying it out
        (:func:`display._sizing.guess`)."""
        widths, space = self._reference(text, bold)
        line = self.get(REFERENCE, bold, chars).get_linesize()
        return guess(widths, space, line, box, lines=lines, sizes=sizes)

    # A text is fitted more than once (a group's boxes are fitted for the group's size,
    # then at it) and its words come again in the same places.
    @functools.lru_cache(maxsize=1024)  # noqa: B019
    def _reference(self, text: str, bold: bool) -> tuple[tuple[float, ...], float]:
        """Each word's width and a space's at :data:`REFERENCE` pixels, estimated."""
        advances = self._advances[bold]
        return tuple(advances.width(word) for word in units(text)), advances.width(" ")

    @functools.lru_cache(maxsize=4096)  # noqa: B019
    def fit(
        self,
        text: str,
        width: int,
        height: int,
        *,
        lines: int = 1,
        cap: int = 1000,
        bold: bool = False,
        floor: int = MIN_SIZE,
        chars: str = DRAWN,
    ) -> Fitted:
        return fit(
            self,
            nfc(text),
            (width, height),
            lines=lines,
            cap=cap,
            bold=bold,
            floor=floor,
            chars=chars,
        )


@dataclass(frozen=True)
class Fitted:
    size: int
    lines: tuple[str, ...]
    # The characters its line box holds: those asked for, or every one the screens draw
    # for a text not made of them alone.
    chars: str = field(default=DRAWN, repr=False)


def _wrap(font: Face, text: str, width: int, lines: int) -> tuple[str, ...] | None:
    """``text`` on at most ``lines`` lines no wider than ``width``, evened out: the lines
    that a narrower width still holds on as many lines, so a name never leaves one word
    alone on its last line ("Lao động - Thương / binh và Xã hội", not "… và Xã / hội")."""
    # Each word is measured once and lines are summed from the words and spaces (measuring
    # every candidate line costs FreeType a layout each time); the lines made are then
    # measured whole, as they are drawn, and must fit too.
    words = units(text)
    widths = [font.size(word)[0] for word in words]
    if not words or max(widths) > width:
        return None
    space = font.size(" ")[0]
    counts = breaks(widths, space, width)
    if len(counts) > lines:
        return None
    if len(counts) > 1:
        even = narrowest(lambda w: len(breaks(widths, space, w)), max(widths), width)
        counts = breaks(widths, space, even)
    out: list[str] = []
    for count in counts:
        out.append(" ".join(words[:count]))
        words = words[count:]
    if any(font.size(line)[0] > width for line in out):
        return None
    return tuple(out)


def _cut(font: Face, text: str, width: int) -> str:
    """The longest start of ``text`` that fits ``width`` with an ellipsis."""
    if font.size(text)[0] <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if font.size(text[:middle].rstrip() + ELLIPSIS)[0] <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS if low else ""


def fit(
    faces: ScreenFonts,
    text: str,
    box: tuple[int, int],
    *,
    lines: int,
    cap: int,
    bold: bool,
    floor: int = MIN_SIZE,
    chars: str = DRAWN,
) -> Fitted:
    """The largest size up to ``cap`` at which ``text`` fits ``box`` whole, in lines that
    hold the ink of ``chars`` (of every character the screens draw if ``text`` is not made
    of ``chars`` alone); below ``floor`` (the smallest readable size, or more for a value
    never smaller than its label) the lines are filled at ``floor`` and the last is cut
    with an ellipsis."""
    width, height = box
    text = " ".join(text.split())
    floor = max(MIN_SIZE, floor)
    chars = line_chars(chars, text)
    if not text or width <= 0 or height <= 0:
        return Fitted(floor, (), chars)
    low, high = floor, max(floor, min(cap, height))

    def attempt(size: int) -> Fitted | None:
        font = faces.get(size, bold, chars)
        room = min(lines, height // font.get_linesize())  # the lines the box is tall enough for
        wrapped = _wrap(font, text, width, room) if room > 0 else None
        return None if wrapped is None else Fitted(size, wrapped, chars)

    best = largest(
        attempt,
        low,
        high,
        faces.guess(text, box, lines=lines, bold=bold, chars=chars, sizes=(low, high)),
    )
    if best is not None:
        return best
    # Too long even at the smallest size: fill the lines there, cutting the last.
    font = faces.get(floor, bold, chars)
    room = min(lines, height // font.get_linesize())
    if room < 1:
        return Fitted(floor, (), chars)  # a box too small for any text stays empty
    words = units(text)  # a lone dash stays with its word here too
    out: list[str] = []
    while words and len(out) < room - 1:
        line = words.pop(0)
        while words and font.size(f"{line} {words[0]}")[0] <= width:
            line += " " + words.pop(0)
        out.append(_cut(font, line, width))
    if words:
        out.append(_cut(font, " ".join(words), width))
    return Fitted(floor, tuple(line for line in out if line), chars)
