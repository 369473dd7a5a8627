"""The look-up screen's catalogue pages (:class:`kiosk.procedures.Page`) laid out: the
fields as large buttons, a field's procedures and search results as a list, a procedure's
detail with the papers to bring, where to submit it here and the portal's QR; a footer of
buttons (back, search, print) and the page number. Every button is at least
:data:`TARGET_MM` high at the screen's size, and each comes back as a touch target
(its action and its rectangle)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from display._layout import Panel, Rect, TextBox, inset, split_cols, split_rows
from display._lookup import lookup_moment, lookup_size
from display._lookup_layout import LookupLayout, LookupMoment
from display._paint import Placed, paint
from display._text import ScreenFonts
from display.pygame_lib import pygame
from kiosk.config import Config
from kiosk.procedures import DETAIL, HOME, KEYS, RESULTS, TONES, Page
from kiosk.store import Store

TARGET_MM = 9.0  # the smallest touch target, by the usual guideline for public kiosks
ASSUMED_MM_PER_PX = 21.5 * 25.4 / math.hypot(1920, 1080)  # a 21.5" Full HD screen


@dataclass(frozen=True)
class Target:
    action: str
    rect: Rect


@dataclass(frozen=True)
class CatalogueLayout:
    layout: LookupLayout
    targets: tuple[Target, ...]
    page: int  # shown, from 0
    pages: int
    qr: tuple[Rect, str] | None  # the portal's QR: its square and the address it holds


def target_px(mm_per_px: float = ASSUMED_MM_PER_PX) -> int:
    return math.ceil(TARGET_MM / mm_per_px)


def catalogue_layout(
    size: tuple[int, int],
    page: Page,
    site_name: str,
    moment: LookupMoment,
    *,
    shown: int = 0,
    mm_per_px: float = ASSUMED_MM_PER_PX,
) -> CatalogueLayout:
    """``page`` on a screen of ``size``, its ``shown``-th screenful."""
    width, height = size
    portrait = height > width
    unit = max(2, round(min(width, height) * 0.012))
    build = _Builder(unit, target_px(mm_per_px))
    header, banner, body, footer = split_rows(
        (0, 0, width, height), [0.08, 0.1, 0.72, 0.1] if not portrait else [0.06, 0.08, 0.76, 0.1]
    )
    build.header(header, site_name, moment)
    build.banner(banner, page)
    if page.kind == DETAIL:
        pages = build.detail(body, page, shown, portrait)
    elif page.kind == RESULTS:  # typed on the screen: what was typed, results, keyboard
        # The keyboard's six rows at least a touch target each (on a small screen they take
        # more of the page, and the results fewer lines).
        needed = 6 * (build.target + build.half) + 2 * unit
        keys_share = min(0.7, max(0.45, needed / body[3]))
        typed, listed, keys = split_rows(body, [0.13, 0.87 - keys_share, keys_share], unit)
        build.typed(typed, page)
        pages = build.entries(listed, page, shown, 1, lines=4)
        build.keyboard(keys)
    else:
        columns = 2 if page.kind == HOME and not portrait else 1
        pages = build.entries(body, page, shown, columns)
    shown = min(shown, pages - 1)
    build.footer(footer, page, shown, pages)
    layout = LookupLayout(size, tuple(build.panels), tuple(build.texts))
    return CatalogueLayout(layout, tuple(build.targets), shown, pages, build.qr)


class _Builder:
    def __init__(self, unit: int, target: int) -> None:
        self.unit = unit
        self.half = max(1, unit // 2)
        self.target = target
        self.panels: list[Panel] = []
        self.texts: list[TextBox] = []
        self.targets: list[Target] = []
        self.qr: tuple[Rect, str] | None = None  # where the portal's QR goes, and what it holds

    def _text(self, rect: Rect, text: str, style: str, **options: object) -> None:
        if text:
            self.texts.append(TextBox(rect, text, style, **options))  # type: ignore[arg-type]

    def _button(self, rect: Rect, action: str, label: str, style: str = "step") -> None:
        self.panels.append(Panel(rect, style))
        text_style = "action" if style == "action" else "value"
        self._text(inset(rect, self.unit), label, text_style, bold=True, lines=2, group="button")
        self.targets.append(Target(action, rect))

    def header(self, region: Rect, site_name: str, moment: LookupMoment) -> None:
        self.panels.append(Panel(region, "header"))
        name_box, clock_box = split_cols(inset(region, self.unit), [0.8, 0.2], self.unit)
        self._text(name_box, site_name, "header", lines=2, bold=True, align="left")
        self._text(clock_box, moment.clock, "header", bold=True, align="right")

    def banner(self, region: Rect, page: Page) -> None:
        self.panels.append(Panel(region, "tone-info"))
        title = page.title if not page.query else f"{page.title}: “{page.query}”"
        self._text(inset(region, self.unit), title, "banner", bold=True, lines=2)

    def typed(self, region: Rect, page: Page) -> None:
        box = inset(region, self.unit, self.half)
        self.panels.append(Panel(box, "badge"))
        shown = page.query or "Chạm vào các phím để gõ tên hoặc mã thủ tục"
        style = "badge-ok" if page.query else "step-dim"
        text = f"{shown}▏" if page.query else shown
        self._text(
            inset(box, self.unit, self.half), text, style, align="left", bold=bool(page.query)
        )

    def keyboard(self, region: Rect) -> None:
        """The keys: letters, the Vietnamese letters, digits; the tones, space and delete."""
        inner = inset(region, self.unit, self.half)
        rows = [*KEYS, "tones"]
        height = inner[3] // len(rows)
        for index, row in enumerate(rows):
            band = (inner[0], inner[1] + index * height, inner[2], height)
            if row == "tones":
                names = ["huyền", "sắc", "hỏi", "ngã", "nặng"]
                keys = [
                    (action, f"◌{TONES[action]} {name}")
                    for action, name in zip(TONES, names, strict=True)
                ]
                keys += [("space", "DẤU CÁCH"), ("delete", "⌫ XÓA")]
            else:
                keys = [(f"key:{letter}", letter.upper()) for letter in row]
            cells = split_cols(band, [1.0] * len(keys), self.half)
            for (action, label), cell in zip(keys, cells, strict=True):
                key = _tall(inset(cell, 0, self.half // 2), self.target)
                self.panels.append(Panel(key, "tile"))
                self._text(inset(key, self.half), label, "value", bold=True, group="key")
                self.targets.append(Target(action, key))

    def entries(self, region: Rect, page: Page, shown: int, columns: int, lines: int = 7) -> int:
        inner = inset(region, self.unit)
        row = max(self.target + self.half, round(inner[3] / lines))
        rows = max(1, inner[3] // row)
        per_page = rows * columns
        pages = max(1, math.ceil(len(page.entries) / per_page))
        shown = min(shown, pages - 1)
        on_page = page.entries[shown * per_page : (shown + 1) * per_page]
        if not on_page:
            self._text(inner, "Không có thủ tục nào. Mời tìm bằng từ khác.", "note", lines=2)
            return pages
        cells = split_cols(inner, [1.0] * columns, self.unit)
        for index, entry in enumerate(on_page):
            column, line = divmod(index, rows)
            x, y, w, _ = cells[column]
            cell = (x, y + line * row, w, row - self.half)
            self.panels.append(Panel(cell, "row" if index % 2 else "row-alt"))
            title, detail = split_cols(inset(cell, self.unit, self.half), [0.72, 0.28], self.unit)
            self._text(title, entry.title, "value", lines=2, align="left", group="entry")
            self._text(
                detail,
                entry.detail,
                "label",
                align="right",
                group="entry-detail",
                at_most=("entry",),
            )
            self.targets.append(Target(entry.action, cell))
        return pages

    def detail(self, region: Rect, page: Page, shown: int, portrait: bool) -> int:
        box = inset(region, self.unit)
        if portrait:
            papers, side = split_rows(box, [0.72, 0.28], self.unit)
        else:
            papers, side = split_cols(box, [0.66, 0.34], self.unit)
        self.panels.append(Panel(papers, "panel"))
        inner = inset(papers, self.unit)
        row = max(round(inner[3] / 8), self.unit * 5)
        # A line longer than its row's three lines hold goes on in the rows after it (and
        # onto the next page): shown whole, never cut.
        per_row = max(20, round(3 * inner[2] / (0.55 * self.unit * 4) * 0.85))
        flat: list[tuple[str, str]] = []  # (style, text)
        for section in page.sections:
            flat.append(("title", section.title))
            for line in section.lines:
                pieces = _pieces(line, per_row)
                flat.append(("tick" if section.ticks else "value", pieces[0]))
                flat += [("more", piece) for piece in pieces[1:]]
        per_page = max(1, inner[3] // row)
        pages = max(1, math.ceil(len(flat) / per_page))
        shown = min(shown, pages - 1)
        for index, (style, text) in enumerate(flat[shown * per_page : (shown + 1) * per_page]):
            rect = (inner[0], inner[1] + index * row, inner[2], row)
            cap = self.unit * 4
            if style == "title":
                self._text(rect, text, "title", bold=True, align="left", group="section", cap=cap)
            else:
                shown_text = (
                    f"☐ {text}" if style == "tick" else f"   {text}" if style == "more" else text
                )
                self._text(rect, shown_text, "value", lines=3, align="left", group="paper", cap=cap)
        self.panels.append(Panel(side, "panel"))
        inner_side = inset(side, self.unit)
        if portrait:  # a band under the papers: what to do on the left, the QR on the right
            info, qr = split_cols(inner_side, [0.66, 0.34], self.unit)
            where, code, button = split_rows(info, [0.4, 0.2, 0.4], self.half)
        else:
            where, code, qr, button = split_rows(inner_side, [0.22, 0.12, 0.44, 0.22], self.unit)
        place = page.where or "Hỏi quầy hướng dẫn để biết nơi nộp"
        self._text(where, place, "hint", bold=True, lines=3)
        self._text(code, f"Mã thủ tục: {page.code}", "label", cap=self.unit * 3)
        if page.portal_url:
            caption, picture = split_rows(qr, [0.16, 0.84], self.half)
            self._text(caption, page.online, "note", cap=self.unit * 3)
            self.qr = (_square(picture), page.portal_url)
        self._button(_tall(button, self.target), "print", "IN DANH SÁCH GIẤY TỜ", "action")
        return pages

    def footer(self, region: Rect, page: Page, shown: int, pages: int) -> None:
        self.panels.append(Panel(region, "footer"))
        inner = inset(region, self.unit, self.half)
        back, search, number, previous, following = split_cols(
            inner, [0.22, 0.22, 0.2, 0.18, 0.18], self.unit
        )
        if page.kind != HOME:
            self._button(_tall(back, self.target), "back", "‹ QUAY LẠI")
        self._button(_tall(search, self.target), "search", "TÌM KIẾM")
        if pages > 1:
            self._text(number, f"Trang {shown + 1}/{pages}", "footer", cap=self.unit * 3)
            if shown > 0:
                self._button(_tall(previous, self.target), "page:previous", "‹ TRANG TRƯỚC")
            if shown < pages - 1:
                self._button(_tall(following, self.target), "page:next", "TRANG SAU ›")


def _pieces(text: str, most: int) -> list[str]:
    """``text`` in pieces of at most ``most`` characters, cut between words."""
    pieces: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > most:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*pieces, current] if current else pieces or [""]


def _tall(rect: Rect, least: int) -> Rect:
    """``rect``, at least ``least`` high (centred on where it was)."""
    x, y, w, h = rect
    if h >= least:
        return rect
    return (x, y - (least - h) // 2, w, least)


def _square(rect: Rect) -> Rect:
    x, y, w, h = rect
    side = min(w, h)
    return (x + (w - side) // 2, y + (h - side) // 2, side, side)


def paint_catalogue(
    surface: pygame.Surface,
    faces: ScreenFonts,
    page: Page,
    site_name: str,
    moment: LookupMoment,
    *,
    shown: int = 0,
) -> tuple[CatalogueLayout, list[Placed]]:
    """``page`` painted on ``surface``: its layout (with the touch targets) and each line
    drawn."""
    laid = catalogue_layout(surface.get_size(), page, site_name, moment, shown=shown)
    placed = paint(surface, laid.layout, faces)
    if laid.qr is not None:
        _draw_qr(surface, *laid.qr)
    return laid, placed


def _draw_qr(surface: pygame.Surface, square: Rect, data: str) -> None:
    """The QR, black on white with its quiet zone, as large as whole dots fit ``square``."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    x, y, side, _ = square
    dot = max(1, side // len(matrix))
    left = x + (side - dot * len(matrix)) // 2
    top = y + (side - dot * len(matrix)) // 2
    pygame.draw.rect(surface, (255, 255, 255), (left, top, dot * len(matrix), dot * len(matrix)))
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                pygame.draw.rect(
                    surface, (0, 0, 0), (left + column * dot, top + row * dot, dot, dot)
                )


def save_catalogue(
    config: Config,
    store: Store,
    out: str | Path,
    *,
    now: float,
    faces: ScreenFonts,
    procedure: str | None = None,
    query: str | None = None,
    size: tuple[int, int] | None = None,
) -> tuple[CatalogueLayout, list[Placed]]:
    """Render the catalogue page the look-up screen shows for a procedure's code (its
    detail), for a search (its results) or, with neither, the fields (nothing changes).
    :class:`LookupError` for a code the catalogue does not have."""
    from kiosk import procedures

    if procedure is not None:
        found = procedures.by_code(store.conn, procedure)
        if found is None:
            raise LookupError(f"no procedure {procedure!r} in the catalogue")
        page = procedures.detail_page(found, config)
    elif query is not None:
        page = procedures.results_page(store.conn, query)
    else:
        page = procedures.home_page(store.conn)
    surface = pygame.Surface(lookup_size(config, size))
    moment = lookup_moment(config, now, 0)
    painted = paint_catalogue(surface, faces, page, config.site.name, moment)
    pygame.image.save(surface, str(out))
    return painted
