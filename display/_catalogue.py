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


def target_px(size: tuple[int, int], diagonal_inches: float) -> int:
    """The pixels :data:`TARGET_MM` takes on a screen of ``size`` pixels and
    ``diagonal_inches`` (``lookup.diagonal_inches``)."""
    mm_per_px = diagonal_inches * 25.4 / math.hypot(*size)
    return math.ceil(TARGET_MM / mm_per_px)


def catalogue_layout(
    size: tuple[int, int],
    page: Page,
    site_name: str,
    moment: LookupMoment,
    *,
    shown: int = 0,
    diagonal_inches: float = 21.5,
) -> CatalogueLayout:
    """``page`` on a screen of ``size`` pixels and ``diagonal_inches``, its ``shown``-th
    screenful."""
    width, height = size
    portrait = height > width
    unit = max(2, round(min(width, height) * 0.012))
    build = _Builder(unit, target_px(size, diagonal_inches))
    shares = [0.08, 0.1, 0.72, 0.1] if not portrait else [0.06, 0.08, 0.76, 0.1]
    header, banner, body, footer = split_rows((0, 0, width, height), shares)
    # The footer's buttons a touch target high, however short the screen.
    least = build.target + 2 * build.half
    if footer[3] < least:
        body = (body[0], body[1], body[2], body[3] - (least - footer[3]))
        footer = (footer[0], height - least, footer[2], least)
    build.header(header, site_name, moment)
    if page.kind == RESULTS:  # typed on the screen: what was typed, results, keyboard
        banner, body = build.typing_room(banner, body)
    build.banner(banner, page)
    if page.kind == DETAIL:
        pages = build.detail(body, page, shown, portrait)
    elif page.kind == RESULTS:
        typed, listed, keys = build.typing_split(body)
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


def key_rows(width: int, target: int, gap: int, most: int) -> list[list[tuple[str, str]]]:
    """The on-screen keyboard's keys (action, label) in rows: the letters, the Vietnamese
    letters, the digits, then the tones, space and delete. A row too wide for keys of at
    least ``target`` pixels is cut in two; on a screen with room for fewer than ``most``
    rows, neighbouring short rows share one."""
    names = ["huyền", "sắc", "hỏi", "ngã", "nặng"]
    tones = [
        (action, f"◌{TONES[action]} {name}") for action, name in zip(TONES, names, strict=True)
    ]
    logical = [[(f"key:{letter}", letter.upper()) for letter in row] for row in KEYS]
    logical.append([*tones, ("space", "DẤU CÁCH"), ("delete", "⌫ XÓA")])
    fit = max(1, (width + gap) // (target + gap))  # keys a row holds
    rows: list[list[tuple[str, str]]] = []
    for row in logical:
        parts = math.ceil(len(row) / fit)
        cut = math.ceil(len(row) / parts)
        rows += [row[start : start + cut] for start in range(0, len(row), cut)]
    while len(rows) > most:
        pairs = [i for i in range(len(rows) - 1) if len(rows[i]) + len(rows[i + 1]) <= fit]
        if not pairs:
            break
        join = min(pairs, key=lambda i: len(rows[i]) + len(rows[i + 1]))
        rows[join : join + 2] = [rows[join] + rows[join + 1]]
    return rows


class _Builder:
    def __init__(self, unit: int, target: int) -> None:
        self.unit = unit
        self.half = max(1, unit // 2)
        self.target = target
        self.panels: list[Panel] = []
        self.texts: list[TextBox] = []
        self.targets: list[Target] = []
        self.qr: tuple[Rect, str] | None = None  # where the portal's QR goes, and what it holds
        self.keys: list[list[tuple[str, str]]] = []  # the keyboard's rows, on a search page

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
        if region[3] <= 0:  # given to the keyboard (:meth:`typing_room`)
            return
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

    def typing_room(self, banner: Rect, body: Rect) -> tuple[Rect, Rect]:
        """The banner and the body of a search page: the banner gives its room to the body
        when the keyboard's rows and a line of results would not fit otherwise (what was
        typed stays on the page, in its own box)."""
        line = self.target + self.half
        rows = key_rows(body[2] - 2 * self.unit, self.target, self.half, 99)
        wanted = (len(rows) + 1) * line + self._typed_height(body) + 4 * self.unit
        if wanted <= body[3]:
            return banner, body
        return (banner[0], banner[1], banner[2], 0), (
            body[0],
            banner[1],
            body[2],
            body[3] + banner[3],
        )

    def _typed_height(self, body: Rect) -> int:
        return max(round(body[3] * 0.1), self.unit * 5)

    def typing_split(self, body: Rect) -> tuple[Rect, Rect, Rect]:
        """What was typed, the results and the keyboard: the keys' rows at least a touch
        target each, the results at least one line."""
        line = self.target + self.half
        typed_h = self._typed_height(body)
        room = body[3] - typed_h - 2 * self.unit
        self.keys = key_rows(body[2] - 2 * self.unit, self.target, self.half, room // line - 1)
        needed = len(self.keys) * line + self.unit
        keys_h = min(max(needed, round(body[3] * 0.45)), max(needed, round(body[3] * 0.7)))
        keys_h = min(keys_h, room - line)
        x, y, w, h = body
        typed = (x, y, w, typed_h)
        listed = (x, y + typed_h + self.unit, w, h - typed_h - keys_h - 2 * self.unit)
        keys = (x, y + h - keys_h, w, keys_h)
        return typed, listed, keys

    def keyboard(self, region: Rect) -> None:
        """The keys (:func:`key_rows`), each a touch target."""
        inner = inset(region, self.unit, 0)
        height = inner[3] // max(1, len(self.keys))
        for index, row in enumerate(self.keys):
            band = (inner[0], inner[1] + index * height, inner[2], height)
            cells = split_cols(band, [1.0] * len(row), self.half)
            for (action, label), cell in zip(row, cells, strict=True):
                key = inset(cell, 0, self.half // 2)
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
        per_page = max(2, inner[3] // row)
        sheets = _sheets(page, per_row, per_page)
        pages = len(sheets)
        shown = min(shown, pages - 1)
        for index, (style, text) in enumerate(sheets[shown]):
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


def _sheets(page: Page, per_row: int, per_page: int) -> list[list[tuple[str, str]]]:
    """The detail's sections as screenfuls of ``per_page`` rows (style, text): a line longer
    than ``per_row`` characters goes on in the rows after it, and a screenful that begins
    inside a section repeats its title, marked "(tiếp)"."""
    sheets: list[list[tuple[str, str]]] = [[]]
    for section in page.sections:
        rows = [("title", section.title)]
        for line in section.lines:
            pieces = _pieces(line, per_row)
            rows.append(("tick" if section.ticks else "value", pieces[0]))
            rows += [("more", piece) for piece in pieces[1:]]
        for index, item in enumerate(rows):
            if len(sheets[-1]) >= per_page or (index == 0 and len(sheets[-1]) == per_page - 1):
                sheets.append([])  # (a title is never a screenful's last row)
                if index > 0:
                    sheets[-1].append(("title", f"{section.title} (tiếp)"))
            sheets[-1].append(item)
    return sheets


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
    diagonal_inches: float = 21.5,
) -> tuple[CatalogueLayout, list[Placed]]:
    """``page`` painted on ``surface`` (a screen of ``diagonal_inches``): its layout (with
    the touch targets) and each line drawn."""
    size = surface.get_size()
    laid = catalogue_layout(
        size, page, site_name, moment, shown=shown, diagonal_inches=diagonal_inches
    )
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
    painted = paint_catalogue(
        surface,
        faces,
        page,
        config.site.name,
        moment,
        diagonal_inches=config.lookup.diagonal_inches,
    )
    pygame.image.save(surface, str(out))
    return painted
