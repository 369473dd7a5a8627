"""Where everything goes on the look-up screen: a pure function of the size and the view.

Landscape: the header, a banner with the status (coloured by its tone) and the
on-time/late badge, then the dossier's details and the next action on the left
and its step timeline on the right, and a footer with the data's age. Portrait
stacks the timeline under the details. The instructions screen (idle) uses the
same frame with large text.
"""

from __future__ import annotations

from dataclasses import dataclass

from display._chars import CLOCK
from display._layout import Panel, Rect, TextBox, inset, split_cols, split_rows
from kiosk.lookup import IDLE, View

TIMELINE_ROWS = 6  # steps shown; the newest at the bottom


@dataclass(frozen=True)
class LookupLayout:
    size: tuple[int, int]
    panels: tuple[Panel, ...]
    texts: tuple[TextBox, ...]


@dataclass(frozen=True)
class LookupMoment:
    clock: str  # "09:41"
    date: str  # "Thứ Hai, 23/11/2026"
    back_in: int  # seconds until the instructions come back (0 on the idle screen)
    stale: bool = False  # the database cannot be read


def lookup_layout(
    size: tuple[int, int], view: View, site_name: str, moment: LookupMoment
) -> LookupLayout:
    width, height = size
    portrait = height > width
    unit = max(2, round(min(width, height) * 0.012))
    build = _Builder(unit)
    full = (0, 0, width, height)
    header, banner, body, footer = split_rows(
        full, [0.08, 0.12, 0.74, 0.06] if not portrait else [0.06, 0.09, 0.81, 0.04]
    )
    build.header(header, site_name, moment)
    build.banner(banner, view)
    if view.kind == IDLE:
        build.instructions(body, view)
    elif portrait and view.steps:
        details, timeline = split_rows(body, [0.58, 0.42])
        build.details(details, view)
        build.timeline(timeline, view)
    elif view.steps:
        details, timeline = split_cols(body, [0.58, 0.42])
        build.details(details, view)
        build.timeline(timeline, view)
    else:
        build.details(body, view)
    build.footer(footer, view, moment)
    return LookupLayout(size, tuple(build.panels), tuple(build.texts))


class _Builder:
    def __init__(self, unit: int) -> None:
        self.unit = unit
        self.half = max(1, unit // 2)
        self.panels: list[Panel] = []
        self.texts: list[TextBox] = []

    def padding(self, rect: Rect) -> int:
        """Room above and below a line of text in a band ``rect`` tall."""
        return max(self.half, round(rect[3] * 0.18))

    def _text(self, rect: Rect, text: str, style: str, **options: object) -> None:
        if text:
            self.texts.append(TextBox(rect, text, style, **options))  # type: ignore[arg-type]

    def header(self, region: Rect, site_name: str, moment: LookupMoment) -> None:
        self.panels.append(Panel(region, "header"))
        name_box, date_box, clock_box = split_cols(
            inset(region, self.unit), [0.6, 0.26, 0.14], self.unit
        )
        self._text(name_box, site_name, "header", lines=2, bold=True, align="left")
        date = "Mất kết nối dữ liệu" if moment.stale else moment.date
        self._text(date_box, date, "header-dim", align="right")
        self._text(clock_box, moment.clock, "header", bold=True, align="right", chars=CLOCK)

    def banner(self, region: Rect, view: View) -> None:
        self.panels.append(Panel(region, f"tone-{view.tone}"))
        inner = inset(region, self.unit)
        if not view.badge:
            self._text(inner, view.title, "banner", bold=True, lines=2)
            return
        title_box, badge_box = split_cols(inner, [0.74, 0.26], self.unit * 2)
        self._text(title_box, view.title, "banner", bold=True, lines=2, align="left")
        self.panels.append(Panel(badge_box, "badge"))
        late = view.badge in ("TRỄ HẠN", "QUÁ HẠN")
        # Padded: the word sits inside its white badge with room all round.
        self._text(
            inset(badge_box, self.unit * 2, self.padding(badge_box)),
            view.badge,
            "badge-bad" if late else "badge-ok",
            bold=True,
        )

    def details(self, region: Rect, view: View) -> None:
        box = inset(region, self.unit)
        self.panels.append(Panel(box, "panel"))
        inner = inset(box, self.unit)
        rows = list(view.rows)
        heading_share = 0.22 if view.heading else 0.0
        action_share = 0.3 if view.action else 0.0
        # The table takes the room the heading and the action leave, up to a comfortable
        # row height (its long values wrap onto two lines).
        free = 1.0 - heading_share - action_share
        row_share = max(0.075 * max(1, len(rows)), min(0.11 * max(1, len(rows)), free))
        spare = max(0.0, 1.0 - heading_share - row_share - action_share)
        parts = split_rows(inner, [heading_share, row_share, spare, action_share], self.half)
        heading, table, _, action = parts
        # Capped: a short procedure name must not dwarf the status above it.
        self._text(
            heading, view.heading, "heading", lines=3, bold=True, align="left", cap=self.unit * 5
        )
        if rows:
            for row, cell in zip(
                rows, split_rows(table, [1.0] * len(rows), self.half), strict=True
            ):
                label, value = split_cols(cell, [0.3, 0.7], self.unit)
                self._text(
                    label,
                    row.label,
                    "label",
                    align="left",
                    group="row-label",
                    at_most=("row-value",),
                )
                self._text(
                    value,
                    row.value,
                    "value",
                    align="left",
                    lines=2,
                    group="row-value",
                    at_most=("action",),
                )
        if view.action:
            self.panels.append(Panel(action, "action"))
            # What to do next: never smaller than the details above it.
            self._text(
                inset(action, self.unit), view.action, "action", lines=4, bold=True, group="action"
            )

    def timeline(self, region: Rect, view: View) -> None:
        box = inset(region, self.unit)
        self.panels.append(Panel(box, "panel"))
        inner = inset(box, self.unit)
        title, body = split_rows(inner, [0.1, 0.9], self.half)
        self._text(title, "QUÁ TRÌNH XỬ LÝ", "title", bold=True, align="left")
        steps = view.steps[-TIMELINE_ROWS:]
        if not steps:
            self._text(body, "Chưa có bước xử lý nào", "step-dim")
            return
        rows = split_rows(body, [1.0] * TIMELINE_ROWS, self.half)
        for step, row in zip(steps, rows, strict=False):
            self.panels.append(Panel(row, "step-current" if step.current else "step"))
            when, what = split_cols(inset(row, self.half), [0.24, 0.76], self.unit)
            self._text(when, step.at, "step-time", lines=2, align="left", group="step-time")
            style = "step-late" if step.late else "step"
            line = f"{step.unit}: {step.content}" if step.unit else step.content
            if step.handler:
                line += f" ({step.handler})"
            self._text(what, line, style, lines=2, align="left", group="step")

    def instructions(self, region: Rect, view: View) -> None:
        box = inset(region, self.unit)
        self.panels.append(Panel(box, "panel"))
        inner = inset(box, self.unit * 2)
        shares = [0.22] + [0.26] * len(view.rows) + [0.14]
        cells = split_rows(inner, shares, self.unit)
        self._text(cells[0], view.heading, "heading", bold=True, lines=2)
        for row, cell in zip(view.rows, cells[1:-1], strict=True):
            self.panels.append(Panel(cell, "step"))
            label, value = split_rows(inset(cell, self.unit), [0.45, 0.55])
            self._text(
                label,
                row.label.upper(),
                "hint",
                bold=True,
                group="idle-label",
                at_most=("idle-value",),
            )
            self._text(value, row.value, "value", lines=2, group="idle-value")
        self._text(cells[-1], view.action, "note", lines=2)

    def footer(self, region: Rect, view: View, moment: LookupMoment) -> None:
        self.panels.append(Panel(region, "footer"))
        inner = inset(region, self.unit * 2, self.padding(region))
        note_box, back_box = split_cols(inner, [0.6, 0.4], self.unit * 2)
        self._text(note_box, view.note, "note", align="left")
        if moment.back_in > 0:
            self._text(
                back_box,
                f"Trở về màn hình chính sau {moment.back_in} giây",
                "footer",
                align="right",
            )
