"""Where everything goes on the wall display: a pure function of the screen size and
the board.

The screen is cut into regions (header, the newest call, recent calls, counters,
waiting, the notice strip): side by side on a landscape screen, stacked on a
portrait one. Each region is cut into cells that never overlap, and each piece of
text gets a cell of its own; the painter fits the text inside its cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from display._chars import CLOCK, COUNT, DRAWN, NUMBER
from kiosk.ticketing import Board

Rect = tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True)
class Panel:
    rect: Rect
    style: str  # a colour role: header, panel, call, call-hot, row, row-alt, notice


@dataclass(frozen=True)
class TextBox:
    rect: Rect
    text: str
    style: str  # a colour role for the text
    lines: int = 1
    bold: bool = False
    align: str = "center"  # left | center | right
    cap: int = 1000  # largest size in pixels (the box's height caps it too)
    # Boxes of one group are drawn at one size (the largest at which all fit), so a
    # list's rows read alike.
    group: str = ""
    # Groups this box's group is never drawn larger than: a label, its values' (a long
    # value made smaller to fit takes its label down with it).
    at_most: tuple[str, ...] = ()
    # Groups this box's group is never drawn smaller than: a value beside its label, cut
    # with "…" where it cannot be drawn whole at that size.
    at_least: tuple[str, ...] = ()
    # The characters its text may be made of, whose ink its line box holds: any the screens
    # draw, or a field's own few (a ticket number's, the time's), drawn larger in the same
    # box. A text not made of them alone is drawn in the box of every character.
    chars: str = field(default=DRAWN, repr=False)


@dataclass(frozen=True)
class WallLayout:
    size: tuple[int, int]
    panels: tuple[Panel, ...]
    texts: tuple[TextBox, ...]
    notice: Rect  # the strip the notice scrolls in


@dataclass(frozen=True)
class Moment:
    """What the layout needs besides the board: the time shown and the highlight."""

    date: str  # "Thứ Hai, 23/11/2026"
    clock: str  # "09:41"
    highlight: bool  # the newest call was made moments ago
    history: int  # recent-call rows
    stale: bool = False  # the database cannot be read: what is shown may be old


# Regions as fractions of the screen: x, y, width, height.
_LANDSCAPE = {
    "header": (0.0, 0.0, 1.0, 0.1),
    "call": (0.0, 0.1, 0.58, 0.42),
    "counters": (0.0, 0.52, 0.58, 0.4),
    "recent": (0.58, 0.1, 0.42, 0.44),
    "waiting": (0.58, 0.54, 0.42, 0.38),
    "notice": (0.0, 0.92, 1.0, 0.08),
}
_PORTRAIT = {
    "header": (0.0, 0.0, 1.0, 0.07),
    "call": (0.0, 0.07, 1.0, 0.22),
    "recent": (0.0, 0.29, 1.0, 0.23),
    "counters": (0.0, 0.52, 1.0, 0.21),
    "waiting": (0.0, 0.73, 1.0, 0.22),
    "notice": (0.0, 0.95, 1.0, 0.05),
}


def _region(size: tuple[int, int], fractions: tuple[float, float, float, float]) -> Rect:
    width, height = size
    x0, y0 = round(fractions[0] * width), round(fractions[1] * height)
    x1 = round((fractions[0] + fractions[2]) * width)
    y1 = round((fractions[1] + fractions[3]) * height)
    return x0, y0, x1 - x0, y1 - y0


def inset(rect: Rect, margin: int, vertical: int | None = None) -> Rect:
    """``rect`` less ``margin`` on each side (``vertical`` above and below, if given)."""
    x, y, w, h = rect
    down = margin if vertical is None else vertical
    return x + margin, y + down, max(0, w - 2 * margin), max(0, h - 2 * down)


def split_rows(rect: Rect, shares: list[float], gap: int = 0) -> list[Rect]:
    """``rect`` cut top to bottom in proportion to ``shares``, ``gap`` pixels apart."""
    x, y, w, h = rect
    room = h - gap * (len(shares) - 1)
    total = sum(shares)
    out: list[Rect] = []
    top, used = y, 0.0
    for share in shares:
        used += share
        bottom = y + round(room * used / total) + gap * len(out)
        out.append((x, top, w, max(0, bottom - top)))
        top = bottom + gap
    return out


def split_cols(rect: Rect, shares: list[float], gap: int = 0) -> list[Rect]:
    x, y, w, h = rect
    turned = split_rows((y, x, h, w), shares, gap)
    return [(cx, cy, cw, ch) for cy, cx, ch, cw in turned]


def grid(rect: Rect, count: int, cols: int, gap: int) -> list[Rect]:
    """``count`` cells, row by row, ``cols`` to a row."""
    rows = max(1, math.ceil(count / cols))
    cells = []
    for row in split_rows(rect, [1.0] * rows, gap):
        cells += split_cols(row, [1.0] * cols, gap)
    return cells[:count]


def _columns(count: int, rect: Rect, aspect: float) -> int:
    """How many columns make cells closest to ``aspect`` (width / height)."""
    _, _, w, h = rect
    best, best_error = 1, math.inf
    for cols in range(1, max(1, count) + 1):
        rows = math.ceil(count / cols)
        cell = (w / cols) / max(1.0, h / rows)
        error = abs(math.log(cell / aspect))
        if error < best_error:
            best, best_error = cols, error
    return best


def wall_layout(size: tuple[int, int], board: Board, site_name: str, moment: Moment) -> WallLayout:
    width, height = size
    portrait = height > width
    regions = {
        name: _region(size, fractions)
        for name, fractions in (_PORTRAIT if portrait else _LANDSCAPE).items()
    }
    # Margins and gaps scale with the screen.
    build = _Builder(board, moment, unit=max(2, round(min(width, height) * 0.012)))
    build.header(regions["header"], site_name)
    build.call(regions["call"])
    build.recent(regions["recent"], cols=2)
    build.counters(regions["counters"])
    build.waiting(regions["waiting"], cols=2 if portrait and len(board.services) > 4 else 1)
    notice = regions["notice"]
    build.panels.append(Panel(notice, "notice"))
    return WallLayout(size, tuple(build.panels), tuple(build.texts), notice)


class _Builder:
    """Collects panels and text boxes region by region."""

    def __init__(self, board: Board, moment: Moment, unit: int) -> None:
        self.board = board
        self.moment = moment
        self.unit = unit
        self.half = max(1, unit // 2)
        self.panels: list[Panel] = []
        self.texts: list[TextBox] = []
        self.names = {c.number: c.label for c in board.counters}

    def _text(self, rect: Rect, text: str, style: str, **options: Any) -> None:
        self.texts.append(TextBox(rect, text, style, **options))

    def header(self, region: Rect, site_name: str) -> None:
        """The centre's name, the date and the time."""
        self.panels.append(Panel(region, "header"))
        name_box, time_box = split_cols(inset(region, self.unit), [0.7, 0.3], self.unit)
        self._text(name_box, site_name, "header", lines=2, bold=True, align="left")
        date_box, clock_box = split_rows(time_box, [0.4, 0.6])
        # Words, not a warning sign: every character drawn is one the font check covers.
        date = "Mất kết nối dữ liệu" if self.moment.stale else self.moment.date
        self._text(date_box, date, "header-dim", align="right")
        self._text(clock_box, self.moment.clock, "header", bold=True, align="right", chars=CLOCK)

    def call(self, region: Rect) -> None:
        """The newest call, large; highlighted for a few seconds after it is made."""
        box = inset(region, self.unit)
        newest = self.board.newest
        style = "call-hot" if self.moment.highlight and newest is not None else "call"
        self.panels.append(Panel(box, style))
        label, number, counter, service = split_rows(
            inset(box, self.unit), [0.16, 0.46, 0.22, 0.16]
        )
        if newest is None:
            self._text(label, "MỜI CÔNG DÂN CÓ SỐ", f"{style}-dim")
            self._text(number, "—", f"{style}-number", bold=True, chars=NUMBER)
            self._text(counter, "Xin mời lấy số thứ tự", style, bold=True)
            return
        said = "MỜI LẠI CÔNG DÂN CÓ SỐ" if newest.kind == "recall" else "MỜI CÔNG DÂN CÓ SỐ"
        self._text(label, said, f"{style}-dim")
        self._text(number, newest.number, f"{style}-number", bold=True, chars=NUMBER)
        where = self.names.get(newest.counter, f"Quầy {newest.counter}")
        self._text(counter, f"ĐẾN {where.upper()}", style, bold=True)
        services = {s.id: s.name for s in self.board.services}
        self._text(service, services.get(newest.service, ""), f"{style}-dim", lines=2)

    def _titled(self, region: Rect, title: str) -> Rect:
        box = inset(region, self.unit)
        self.panels.append(Panel(box, "panel"))
        inner = inset(box, self.unit)
        title_height = max(self.unit * 3, round(inner[3] * 0.12))
        title_box, body = split_rows(
            inner, [title_height, max(0, inner[3] - title_height - self.unit)], self.unit
        )
        self._text(title_box, title, "title", bold=True, align="left")
        return body

    def recent(self, region: Rect, cols: int) -> None:
        """The last calls with their counters, so a missed call can still be read."""
        body = self._titled(region, "SỐ VỪA GỌI")
        # The board lists each ticket once, at its latest call (a day's numbers are unique).
        calls = self.board.calls
        for index, row in enumerate(grid(body, self.moment.history, cols, self.half)):
            self.panels.append(Panel(row, "row" if index % 2 == 0 else "row-alt"))
            if index >= len(calls):
                continue
            call = calls[index]
            number_box, counter_box = split_cols(inset(row, self.half), [0.5, 0.5], self.unit)
            style = "row-new" if index == 0 else "row"
            self._text(
                number_box,
                call.number,
                style,
                bold=True,
                align="left",
                group="recent-n",
                chars=NUMBER,
            )
            if call.kind == "recall":  # listed once, where it was called again, and said so
                self._text(
                    counter_box,
                    f"Gọi lại - Quầy {call.counter}",
                    style,
                    align="right",
                    group="recent-r",
                    at_most=("recent-c",),
                )
            else:
                self._text(
                    counter_box, f"Quầy {call.counter}", style, align="right", group="recent-c"
                )

    def counters(self, region: Rect) -> None:
        """Who each counter is serving now, or that it is paused."""
        body = self._titled(region, "ĐANG PHỤC VỤ")
        count = len(self.board.counters)
        if not count:
            return
        cols = _columns(count, body, aspect=2.0)
        cells = grid(body, count, cols, self.unit)
        for counter, cell in zip(self.board.counters, cells, strict=True):
            self.panels.append(Panel(cell, "tile-paused" if counter.paused else "tile"))
            label, value = split_rows(inset(cell, self.half, 1), [0.4, 0.6])
            self._text(
                label, counter.label, "tile-label", group="tile-label", at_most=("tile-number",)
            )
            if counter.paused:
                reason = counter.pause_reason or "Tạm nghỉ"
                self._text(
                    value,
                    reason,
                    "tile-paused",
                    lines=2,
                    group="tile-paused",
                    at_least=("tile-label",),
                )
            else:
                self._text(
                    value,
                    counter.serving or "—",
                    "tile-number",
                    bold=True,
                    group="tile-number",
                    chars=NUMBER,
                )

    def waiting(self, region: Rect, cols: int) -> None:
        """How many wait for each service."""
        body = self._titled(region, "ĐANG CHỜ")
        count = len(self.board.services)
        if not count:
            return
        cells = grid(body, count, cols, self.half)
        for index, (service, cell) in enumerate(zip(self.board.services, cells, strict=True)):
            self.panels.append(Panel(cell, "row" if index % 2 == 0 else "row-alt"))
            # Rows are short when many services wait: the text takes the row's height.
            name_box, count_box = split_cols(inset(cell, self.half, 1), [0.8, 0.2], self.unit)
            self._text(
                name_box,
                service.name,
                "row",
                lines=2,
                align="left",
                group="waiting-n",
                at_most=("waiting-c",),
            )
            self._text(
                count_box,
                str(service.waiting),
                "row-count",
                bold=True,
                align="right",
                group="waiting-c",
                chars=COUNT,
            )
