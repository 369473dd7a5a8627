"""The wall display's picture at a moment: the board, the date and clock, the highlight."""

from __future__ import annotations

from dataclasses import dataclass

from display._layout import Moment, WallLayout, wall_layout
from display._paint import NoticeStrip, Placed, paint
from display._text import ScreenFonts
from display.pygame_lib import pygame
from kiosk.config import Config
from kiosk.ticketing import Board, local_time

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def moment(config: Config, board: Board, now: float, *, stale: bool = False) -> Moment:
    local = local_time(config, now)
    newest = board.newest
    # A clock stepped back a little still highlights the call just made.
    age = None if newest is None else now - newest.at
    highlight = age is not None and -5 <= age < config.display.highlight_seconds
    return Moment(
        date=f"{WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}",
        clock=f"{local:%H:%M}",
        highlight=highlight,
        history=config.display.history,
        stale=stale,
    )


def highlight_ends(config: Config, board: Board) -> float | None:
    """When the newest call stops being highlighted (epoch seconds)."""
    newest = board.newest
    return None if newest is None else newest.at + config.display.highlight_seconds


@dataclass
class Frame:
    """A painted picture: its layout, the text as drawn, and the notice strip."""

    layout: WallLayout
    placed: list[Placed]
    notice: NoticeStrip


def paint_wall(
    surface: pygame.Surface,
    faces: ScreenFonts,
    config: Config,
    board: Board,
    now: float,
    *,
    stale: bool = False,
    scrolled: float = 0.0,
) -> Frame:
    at = moment(config, board, now, stale=stale)
    layout = wall_layout(surface.get_size(), board, config.site.name, at)
    placed = paint(surface, layout, faces)
    notice = NoticeStrip(faces, layout.notice, board.notice, config.display.notice_speed)
    notice.draw(surface, scrolled)
    return Frame(layout, placed, notice)
