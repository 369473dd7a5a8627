"""Ticket layout: a :class:`~kiosk.slip.Slip` drawn as 1-bit pieces at the profile's width.

Pure drawing, no printer: the encoder turns the pieces into ESC/POS bytes and
the preview into a PNG, both from the same images. Images are ink masks (mode
"1", 1 = ink), which is also how ESC/POS raster data counts bits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.slip import Slip
from printer._textbox import INK, fitted, text_block

__all__ = ["INK", "Feed", "Fonts", "Piece", "Qr", "Raster", "TicketLayout", "centred", "qr_image"]


@dataclass(frozen=True, eq=False)  # identity hash: encoded bands are cached per piece
class Raster:
    """Rows of dots; ``scale`` 2 is drawn at half resolution and doubled by the printer."""

    image: Image.Image
    scale: int = 1
    # The line of text it draws, and in which face (none for a picture such as the QR).
    text: str = ""
    face: ImageFont.FreeTypeFont | None = None
    # Drawn from the left margin (a list's line): sent left-aligned, trimmed after its ink.
    left: bool = False
    # Drawn at half the width and widened by the printer (double-width raster): half the
    # bytes for text that stays legible, the marks above and below kept at full height.
    wide: bool = False


@dataclass(frozen=True)
class Qr:
    data: str
    module: int  # dots per module on paper
    native: bool  # the printer draws it (GS ( k) rather than us


@dataclass(frozen=True)
class Feed:
    dots: int


Piece = Raster | Qr | Feed


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str


@dataclass(frozen=True)
class Style:
    """How a kind of text is set: its size on 80 mm paper (576 dots), scaled to the paper's
    width but never below ``floor``, and shrunk down to ``smallest`` to fit ``max_lines``."""

    at_576: int
    floor: int
    smallest: int
    max_lines: int = 3

    def size(self, width: int) -> int:
        return max(self.floor, round(self.at_576 * width / 576))


SITE = Style(23, 18, 16, max_lines=2)
LABEL = Style(22, 18, 16)
SERVICE = Style(28, 22, 18)
COUNTERS = Style(24, 20, 16)
INFO = Style(21, 18, 14)
SMALL = Style(18, 16, 12)
FOOTER = Style(18, 16, 12, max_lines=4)
STYLES = (SITE, LABEL, SERVICE, COUNTERS, INFO, SMALL, FOOTER)


def qr_image(data: str, module: int) -> Image.Image:
    """The QR as an ink mask, ``module`` dots per module, no quiet zone (the page has margins)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    image = Image.new("1", (size, size), 0)
    image.putdata([INK if cell else 0 for row in matrix for cell in row])
    return image.resize((size * module, size * module), Image.Resampling.NEAREST)


@functools.lru_cache(maxsize=512)
def _lines(
    text: str, path: str, size: int, *, smallest: int, max_lines: int, width: int, margin: int
) -> tuple[Raster, ...]:
    # Cached: the site name, labels and footer are the same on every ticket.
    face, lines = fitted(
        text, path, size, width - 2 * margin, max_lines=max_lines, smallest=smallest
    )
    pieces = []
    for line in lines:
        block = text_block([line], face, width - 2 * margin)
        page = Image.new("1", (width, block.height), 0)
        page.paste(block, (margin, 0))
        pieces.append(Raster(page, text=line, face=face))
    return tuple(pieces)


def centred(image: Image.Image, width: int) -> Image.Image:
    page = Image.new("1", (width, image.height), 0)
    page.paste(image, ((width - image.width) // 2, 0))
    return page


class TicketLayout:
    """Draws slips for one paper width and font pair; font objects are cached."""

    def __init__(self, width: int, fonts: Fonts, *, native_qr: bool) -> None:
        self.width = width
        self.fonts = fonts
        self.native_qr = native_qr
        self.margin = 8 if width <= 384 else 16
        self.inner = width - 2 * self.margin

    def text_sizes(self) -> list[int]:
        """Every size a line of text (not the big number) may be drawn at on this paper."""
        sizes = {n for style in STYLES for n in range(style.smallest, style.size(self.width) + 1)}
        return sorted(sizes)

    def _block(self, text: str, style: Style, *, bold: bool) -> list[Piece]:
        """Centred, wrapped text; one raster per line so each line is trimmed to its own ink."""
        path = self.fonts.bold if bold else self.fonts.regular
        return list(
            _lines(
                text,
                path,
                style.size(self.width),
                smallest=style.smallest,
                max_lines=style.max_lines,
                width=self.width,
                margin=self.margin,
            )
        )

    def header(self, slip: Slip) -> list[Piece]:
        """The part every ticket of the site shares (cacheable by the caller)."""
        return [
            Feed(8),
            *self._block(slip.site, SITE, bold=True),
            Feed(12),
        ]

    def number(self, slip: Slip) -> list[Piece]:
        half = self.width // 2
        label = self._block(
            "SỐ THỨ TỰ ƯU TIÊN" if slip.priority else "SỐ THỨ TỰ", LABEL, bold=slip.priority
        )
        face, _ = fitted(
            slip.number, self.fonts.bold, 92 * half // 288, half - 16, max_lines=1, smallest=24
        )
        left, top, right, bottom = (round(v) for v in face.getbbox(slip.number))
        glyphs = Image.new("1", (right - left, bottom - top), 0)
        ImageDraw.Draw(glyphs).text((-left, -top), slip.number, font=face, fill=INK)
        number = Raster(centred(glyphs, half), scale=2, text=slip.number, face=face)
        return [*label, Feed(6), number, Feed(14)]

    def body(self, slip: Slip) -> list[Piece]:
        service = self._block(slip.service, SERVICE, bold=True)
        pieces: list[Piece] = [*service, Feed(4)]
        pieces += self._block(slip.counters_line, COUNTERS, bold=True)
        pieces.append(Feed(8))
        for line in (slip.ahead_line, slip.wait_line, slip.time_line):
            if line:
                pieces += self._block(line, INFO, bold=False)
        return pieces

    def code(self, slip: Slip) -> list[Piece]:
        if not slip.token:
            return []
        module = 6 if self.width >= 512 else 4
        caption = self._block("Quét mã để xem số thứ tự của bạn", SMALL, bold=False)
        if self.native_qr:
            qr: Piece = Qr(slip.token, module, native=True)
        else:
            # Drawn at half resolution and doubled by the printer: a quarter of the bytes.
            qr = Raster(centred(qr_image(slip.token, module // 2), self.width // 2), scale=2)
        return [Feed(14), qr, Feed(6), *caption]

    def footer(self, slip: Slip) -> list[Piece]:
        if not slip.footer:
            return []
        return [
            Feed(10),
            *self._block(slip.footer, FOOTER, bold=False),
        ]

    def pieces(self, slip: Slip) -> list[Piece]:
        return [
            *self.header(slip),
            *self.number(slip),
            *self.body(slip),
            *self.code(slip),
            *self.footer(slip),
        ]
