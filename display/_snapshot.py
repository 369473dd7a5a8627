"""The wall display rendered headless to a PNG: ``kiosk display snapshot``."""

from __future__ import annotations

from pathlib import Path

from display._text import ScreenFonts
from display._wall import Frame, paint_wall
from display.pygame_lib import pygame
from kiosk.config import Config
from kiosk.store import Store
from kiosk.ticketing import read_board

DEFAULT_SIZE = (1920, 1080)


def picture_size(config: Config, size: tuple[int, int] | None) -> tuple[int, int]:
    """The picture as seen: the screen's mode, turned for a portrait mounting."""
    if size is not None:
        return size
    width, height = config.display.resolution or DEFAULT_SIZE
    return (height, width) if config.display.rotation in (90, 270) else (width, height)


def fonts_for(config: Config) -> ScreenFonts:
    return ScreenFonts.configured(config.display.font, config.display.font_bold)


def render_wall(
    config: Config, store: Store, size: tuple[int, int], now: float, faces: ScreenFonts
) -> tuple[pygame.Surface, Frame]:
    board = read_board(store, config, now=now, history=config.display.history)
    surface = pygame.Surface(size)
    return surface, paint_wall(surface, faces, config, board, now)


def save_wall(
    config: Config,
    store: Store,
    out: str | Path,
    *,
    size: tuple[int, int] | None = None,
    now: float,
    faces: ScreenFonts | None = None,
) -> Frame:
    surface, frame = render_wall(
        config, store, picture_size(config, size), now, faces or fonts_for(config)
    )
    pygame.image.save(surface, str(out))
    return frame
