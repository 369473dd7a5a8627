"""Drawing a layout onto a pygame surface, and the notice strip that scrolls under it."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Protocol

from display._chars import DRAWN, line_chars
from display._layout import Panel, Rect, TextBox, inset
from display._text import MIN_SIZE, Fitted, ScreenFonts
from display.pygame_lib import pygame
from kiosk.ticketing import MAX_NOTICE
from kiosk.vietnamese import nfc

Colour = tuple[int, int, int]

NAVY: Colour = (9, 28, 54)
RED: Colour = (168, 22, 32)
YELLOW: Colour = (255, 212, 0)
WHITE: Colour = (255, 255, 255)

BACKGROUNDS: dict[str, Colour] = {
    "header": RED,
    "panel": (16, 44, 84),
    "call": (16, 44, 84),
    "call-hot": YELLOW,
    "row": (22, 56, 104),
    "row-alt": (18, 48, 92),
    "tile": (26, 64, 118),
    "tile-paused": (60, 64, 72),
    "notice": (5, 16, 32),
    # the look-up screen
    "tone-ok": (18, 120, 64),
    "tone-info": (20, 84, 160),
    "tone-warn": (196, 112, 0),
    "tone-bad": RED,
    "tone-plain": (70, 76, 88),
    "badge": WHITE,
    "action": (255, 246, 214),
    "step": (22, 56, 104),
    "step-current": (30, 76, 140),
    "footer": (5, 16, 32),
}
FOREGROUNDS: dict[str, Colour] = {
    "header": YELLOW,
    "header-dim": (255, 236, 180),
    "call": WHITE,
    "call-dim": (190, 210, 240),
    "call-number": YELLOW,
    "call-hot": RED,
    "call-hot-dim": (110, 16, 24),
    "call-hot-number": RED,
    "title": (150, 196, 255),
    "row": WHITE,
    "row-new": YELLOW,
    "row-count": YELLOW,
    "tile-label": (190, 210, 240),
    "tile-number": WHITE,
    "tile-paused": (200, 200, 200),
    "notice": YELLOW,
    # the look-up screen
    "banner": WHITE,
    "badge-ok": (18, 120, 64),
    "badge-bad": RED,
    "heading": WHITE,
    "label": (150, 196, 255),
    "value": WHITE,
    "action": NAVY,
    "step-time": YELLOW,
    "step": WHITE,
    "step-dim": (190, 210, 240),
    "step-late": (255, 170, 170),
    "note": (255, 236, 180),
    "footer": (190, 210, 240),
    "hint": YELLOW,
}


@dataclass(frozen=True)
class Placed:
    """A line of text as drawn: where, and what (for checks and tests)."""

    rect: Rect
    text: str
    size: int


class Drawing(Protocol):
    """A layout to paint: coloured panels, then text boxes on top."""

    @property
    def panels(self) -> tuple[Panel, ...]: ...

    @property
    def texts(self) -> tuple[TextBox, ...]: ...


def paint(surface: pygame.Surface, layout: Drawing, faces: ScreenFonts) -> list[Placed]:
    surface.fill(NAVY)
    for panel in layout.panels:
        pygame.draw.rect(surface, BACKGROUNDS[panel.style], pygame.Rect(panel.rect))
    charsets = _group_chars(layout.texts)
    sizes = _group_sizes(layout.texts, faces, charsets)
    _hold_below(layout.texts, sizes)
    floors = _hold_above(layout.texts, sizes)
    placed: list[Placed] = []
    for box in layout.texts:
        if box.group:
            floor = floors.get(box.group, MIN_SIZE)
            placed += draw_text(
                surface, box, faces, cap=sizes[box.group], floor=floor, chars=charsets[box.group]
            )
        else:
            placed += draw_text(surface, box, faces)
    return placed


def _group_sizes(
    boxes: tuple[TextBox, ...], faces: ScreenFonts, charsets: dict[str, str]
) -> dict[str, int]:
    """Each group's size: the smallest its boxes' texts fit at."""
    sizes: dict[str, int] = {}
    for box in boxes:
        if box.group:
            size = _fit(faces, box, chars=charsets[box.group]).size
            sizes[box.group] = min(size, sizes.get(box.group, size))
    return sizes


def _hold_below(boxes: tuple[TextBox, ...], sizes: dict[str, int]) -> None:
    """A label is never larger than its values (which may themselves be held below another
    group: as many passes as there are groups settle every chain)."""
    for _ in sizes:
        settled = True
        for box in boxes:
            for other in box.at_most:
                if box.group in sizes and other in sizes and sizes[other] < sizes[box.group]:
                    sizes[box.group], settled = sizes[other], False
        if settled:
            break


def _hold_above(boxes: tuple[TextBox, ...], sizes: dict[str, int]) -> dict[str, int]:
    """Nor a value smaller than its label: the groups raised, with the floor each got."""
    floors: dict[str, int] = {}
    for box in boxes:
        for other in box.at_least:
            if box.group in sizes and other in sizes and sizes[other] > sizes[box.group]:
                sizes[box.group] = floors[box.group] = sizes[other]
    return floors


def _group_chars(boxes: tuple[TextBox, ...]) -> dict[str, str]:
    """The characters each group's line boxes hold: its boxes' own while every text of the
    group is made of them, else every character the screens draw, so that a row given
    another text (a ticket number with a Vietnamese letter) keeps the rows' one size and
    baseline."""
    out: dict[str, str] = {}
    for box in boxes:
        if box.group:
            chars = out.get(box.group, box.chars)
            out[box.group] = line_chars(chars, box.text) if chars == box.chars else DRAWN
    return out


def _fit(
    faces: ScreenFonts,
    box: TextBox,
    cap: int | None = None,
    floor: int = MIN_SIZE,
    chars: str | None = None,
) -> Fitted:
    _, _, w, h = box.rect
    top = box.cap if cap is None else min(cap, box.cap)
    return faces.fit(
        box.text,
        w,
        h,
        lines=box.lines,
        cap=top,
        bold=box.bold,
        floor=floor,
        chars=box.chars if chars is None else chars,
    )


def draw_text(
    surface: pygame.Surface,
    box: TextBox,
    faces: ScreenFonts,
    *,
    cap: int | None = None,
    floor: int = MIN_SIZE,
    chars: str | None = None,
) -> list[Placed]:
    """``box``'s text fitted and drawn (at most ``cap``, at least ``floor`` pixels), in
    lines that hold the ink of ``chars`` (the box's own, if not given)."""
    x, y, w, h = box.rect
    fitted = _fit(faces, box, cap, floor, chars)
    if not fitted.lines:
        return []
    font = faces.get(fitted.size, box.bold, fitted.chars)
    step = font.get_linesize()
    top = block_top(y, h, step * len(fitted.lines), font.room)
    placed = []
    for index, line in enumerate(fitted.lines):
        lw, lh = font.size(line)
        if box.align == "left":
            left = x
        elif box.align == "right":
            left = x + w - lw
        else:
            left = x + (w - lw) // 2
        rect = (left, top + index * step, lw, lh)
        font.draw(surface, rect[:2], line, FOREGROUNDS[box.style])
        placed.append(Placed(rect, line, fitted.size))
    return placed


def block_top(y: int, h: int, block: int, room: int) -> int:
    """Where a block of lines ``block`` tall starts in a box ``h`` tall from ``y``: what
    lies below its lines' ``room`` (the ink of a line without a hooked or twice-marked
    capital) is centred, and the whole block stays in the box."""
    return max(y, min(y + (h - block - room) // 2, y + h - block))


class NoticeStrip:
    """The notice line: still when it fits, else scrolling right to left."""

    GAP = "     •     "

    def __init__(self, faces: ScreenFonts, rect: Rect, text: str, speed: float) -> None:
        self.rect = rect
        inner = inset(rect, max(1, rect[3] // 8))
        self.inner = inner
        self.image: pygame.Surface | None = None
        self.band = rect  # where the text runs: what a step of the scroll redraws
        self.scrolls = False
        self.text = ""  # what it shows (cut with "…" when it stands still and is too long)
        self.size = 0  # its size in pixels
        text = nfc(" ".join(text.split()))[:MAX_NOTICE]
        if not text or inner[3] <= 0:
            return
        fitted = faces.fit(text, 10**6, inner[3], cap=inner[3])
        if not fitted.lines:
            return
        font = faces.get(fitted.size, False)
        self.scrolls = speed > 0 and font.size(text)[0] > inner[2]
        if not self.scrolls:  # still: it must fit, cut with "…" if it cannot
            fitted = faces.fit(text, inner[2], inner[3], cap=inner[3])
            if not fitted.lines:
                return
            font, text = faces.get(fitted.size, False), fitted.lines[0]
        self.text, self.size = text, font.px
        shown = text + self.GAP if self.scrolls else text
        # On the strip's own colour: opaque, so each step of the scroll is a copy of the
        # text's band, with no blending and no background to paint first.
        image = font.render(shown, True, FOREGROUNDS["notice"], BACKGROUNDS["notice"])
        self.speed = speed
        x, y, w, h = inner
        top = block_top(y, h, image.get_height(), font.room)  # the line box's top edge
        # Only the rows the letters reach are kept: the rest of the line box is the strip's
        # colour, painted with the strip, and a step of the scroll copies fewer rows.
        ink = _ink_rows(image, BACKGROUNDS["notice"])
        self.image = image.subsurface((0, ink[0], image.get_width(), ink[1])).copy()
        self._top = top + ink[0]
        band = pygame.Rect(x, self._top, w, self.image.get_height()).clip(pygame.Rect(inner))
        self.band = (band.x, band.y, band.w, band.h)
        # The surface a step was last drawn on and the offset it drew: the next step on it
        # only moves what is there (:meth:`scroll`).
        self._drawn: tuple[weakref.ref[pygame.Surface], int] | None = None

    def draw(self, surface: pygame.Surface, seconds: float) -> Rect:
        """Draw the strip as it is ``seconds`` into scrolling; the rect to update."""
        pygame.draw.rect(surface, BACKGROUNDS["notice"], pygame.Rect(self.rect))
        if self.image is not None:
            self._text(surface, self._offset(seconds))
        return self.rect

    def scroll(self, surface: pygame.Surface, seconds: float) -> Rect:
        """The next step of a strip already drawn (:meth:`draw`): only the band its text
        runs in is drawn again; that band, the rect to update. On the surface the last
        step was drawn on, the band is moved left and only the columns it uncovers are drawn
        (a step at 90 pixels a second moves it 3)."""
        if self.image is not None:
            offset = self._offset(seconds)
            if not self._move(surface, offset):
                self._text(surface, offset)
        return self.band

    def _offset(self, seconds: float) -> int:
        """How far the text has scrolled left at ``seconds``, within one turn of it."""
        assert self.image is not None
        return int(seconds * self.speed) % self.image.get_width() if self.scrolls else 0

    def _text(self, surface: pygame.Surface, offset: int) -> None:
        """The text drawn whole, scrolled ``offset`` pixels."""
        self._tiles(surface, pygame.Rect(self.inner), offset)
        self._drawn = (weakref.ref(surface), offset) if self.scrolls else None

    def _move(self, surface: pygame.Surface, offset: int) -> bool:
        """Move the text ``surface`` shows from the last step's offset to ``offset``: its
        band scrolled left, the columns uncovered on the right drawn. False, with nothing
        done, if ``surface`` does not show the last step or it moved too far for this to be
        worth it."""
        assert self.image is not None
        if self._drawn is None or self._drawn[0]() is not surface:
            return False
        band = pygame.Rect(self.band)
        shift = (offset - self._drawn[1]) % self.image.get_width()
        if shift > band.w // 2:
            return False
        if shift:
            previous = surface.get_clip()
            try:
                surface.set_clip(band.clip(previous))
                surface.scroll(-shift, 0)
            finally:
                surface.set_clip(previous)
            self._tiles(surface, pygame.Rect(band.right - shift, band.y, shift, band.h), offset)
        self._drawn = (self._drawn[0], offset)
        return True

    def _tiles(self, surface: pygame.Surface, clip: pygame.Rect, offset: int) -> None:
        """The text, repeated along the strip when it scrolls, drawn within ``clip``."""
        assert self.image is not None
        x, _, w, _ = self.inner
        top, iw = self._top, self.image.get_width()
        previous = surface.get_clip()
        surface.set_clip(clip.clip(previous))
        try:
            if not self.scrolls:
                surface.blit(self.image, (x + (w - iw) // 2, top))
            else:
                left = x - offset
                while left < x + w:
                    surface.blit(self.image, (left, top))
                    left += iw
        finally:
            surface.set_clip(previous)


def _ink_rows(image: pygame.Surface, background: Colour) -> tuple[int, int]:
    """The first row of ``image`` with a pixel not of ``background``, and how many rows
    from it to the last such (all of it if none)."""
    image.set_colorkey(background)  # the pixels of that colour then count as empty
    try:
        ink = image.get_bounding_rect()
    finally:
        image.set_colorkey(None)
    return (ink.top, ink.height) if ink.height else (0, image.get_height())
