"""The list of papers to bring (:class:`kiosk.procedures.Checklist`) drawn as 1-bit pieces
at the profile's width, as the ticket is: always in image mode (the boxes to tick and
every Vietnamese letter are drawn, whatever code pages the printer has)."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from kiosk.procedures import Checklist, Item
from printer._fonts import font
from printer._layout import (
    INFO,
    SITE,
    SMALL,
    Feed,
    Piece,
    Qr,
    Raster,
    Style,
    TicketLayout,
    centred,
    qr_image,
)
from printer._textbox import INK, line_box, span, wrap

# A paper's name with its copies and form: as many lines as it takes, never shrunk. The
# sizes keep a ten-paper list under 20 KiB, what a 115200-baud printer takes in 2 s.
PAPER = Style(18, 18, 18)
# A grey level (of 255) from which a halved dot is ink: strokes of one dot keep their ink.
HALF_INK = 96
CASE = Style(19, 16, 16)
TITLE = Style(20, 17, 16)
NAME = Style(24, 20, 18, max_lines=6)
PLACE = Style(21, 18, 16)


class ChecklistLayout(TicketLayout):
    """Draws checklists for one paper width and font pair."""

    def checklist(self, sheet: Checklist) -> list[Piece]:
        pieces: list[Piece] = [
            Feed(8),
            *self._centred(sheet.site, SITE, bold=True),
            Feed(10),
            *self._block(sheet.title, TITLE, bold=True),
            Feed(6),
            *self._block(sheet.procedure, NAME, bold=True),
            *self._centred(f"Mã thủ tục: {sheet.code}", SMALL, bold=False),
            Feed(12),
        ]
        for case, items in sheet.cases:
            if case:
                pieces += [*self._left(case, CASE, bold=True, indent=0), Feed(6)]
            for item in items:
                pieces += [*self._item(item), Feed(8)]
        pieces.append(Feed(6))
        pieces += self._block(sheet.where, PLACE, bold=True)
        for line in (sheet.time, sheet.fees):
            if line:
                pieces += self._centred(line, INFO, bold=False)
        pieces += self._online(sheet)
        pieces += [Feed(8), *self._centred(sheet.printed, SMALL, bold=False)]
        return pieces

    def _item(self, item: Item) -> list[Piece]:
        """A box to tick and beside it the paper's name, its copies and form."""
        face = self._face(PAPER, bold=False)
        details = "; ".join(part for part in (item.counts, item.form) if part)
        text = f"{item.name} ({details})" if details else item.name
        baseline, _ = line_box(face, text)
        side = max(12, baseline * 2 // 3)
        indent = side + 10
        lines = wrap(text, face, self.inner - indent, break_words=True)
        return [
            self._wide(line, face, indent, box=side if index == 0 else 0)
            for index, line in enumerate(lines)
        ]

    def _left(self, text: str, style: Style, *, bold: bool, indent: int) -> list[Piece]:
        face = self._face(style, bold=bold)
        return [
            self._wide(line, face, indent)
            for line in wrap(text, face, self.inner - indent, break_words=True)
        ]

    def _centred(self, text: str, style: Style, *, bold: bool) -> list[Piece]:
        """Centred lines of a secondary kind, drawn as :meth:`_wide` draws."""
        face = self._face(style, bold=bold)
        return [self._wide(line, face, None) for line in wrap(text, face, self.inner)]

    def _wide(
        self, line: str, face: ImageFont.FreeTypeFont, indent: int | None, *, box: int = 0
    ) -> Raster:
        """One line ``indent`` dots from the left margin (None: centred), with a box of side
        ``box`` before it, drawn in grey at full size, then halved across for the printer
        to widen again."""
        baseline, height = line_box(face, line)
        page = Image.new("L", (self.width, height), 0)
        draw = ImageDraw.Draw(page)
        left, right = span(face, line)
        x = (self.width - (right - left)) // 2 if indent is None else self.margin + indent
        draw.text((x - left, baseline), line, font=face, fill=255, anchor="ls")
        if box:
            corner = (self.margin, baseline - box, self.margin + box, baseline)
            draw.rectangle(corner, outline=255, width=2)
        half = page.resize((self.width // 2, height), Image.Resampling.BOX)
        ink = half.point(lambda level: INK if level >= HALF_INK else 0, mode="1")
        return Raster(ink, text=line, face=face, left=indent is not None, wide=True)

    def _face(self, style: Style, *, bold: bool) -> ImageFont.FreeTypeFont:
        return font(self.fonts.bold if bold else self.fonts.regular, style.size(self.width))

    def _online(self, sheet: Checklist) -> list[Piece]:
        if not sheet.portal_url:
            return []
        module = 4 if self.width >= 512 else 2
        if self.native_qr:
            qr: Piece = Qr(sheet.portal_url, module, native=True)
        else:
            image = qr_image(sheet.portal_url, max(1, module // 2))
            qr = Raster(centred(image, self.width // 2), scale=2)
        return [Feed(12), *self._centred(sheet.online, SMALL, bold=False), Feed(6), qr]
