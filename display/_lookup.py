"""The look-up screen's picture, and its headless snapshot (``kiosk display snapshot
--role lookup``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from display._lookup_layout import LookupLayout, LookupMoment, lookup_layout
from display._paint import Placed, paint
from display._text import ScreenFonts
from display._wall import WEEKDAYS
from display.pygame_lib import pygame
from kiosk import procedures
from kiosk.config import Config, DisplayConfig
from kiosk.lookup import View, idle_view, latest_scan, look_up
from kiosk.store import Store
from kiosk.ticketing import local_time

DEFAULT_SIZE = (1920, 1080)


@dataclass
class LookupFrame:
    layout: LookupLayout
    placed: list[Placed]
    view: View

    @property
    def text(self) -> list[str]:
        """Every line drawn, top to bottom, left to right."""
        return [p.text for p in sorted(self.placed, key=lambda p: (p.rect[1], p.rect[0]))]


def lookup_screen(config: Config) -> DisplayConfig:
    """The display settings of the look-up screen (its own size, turn and port)."""
    lookup = config.lookup
    return dataclasses.replace(
        config.display, resolution=lookup.resolution, rotation=lookup.rotation, index=lookup.index
    )


def lookup_moment(config: Config, now: float, back_in: int, stale: bool = False) -> LookupMoment:
    local = local_time(config, now)
    date = f"{WEEKDAYS[local.weekday()]}, {local:%d/%m/%Y}"
    return LookupMoment(clock=f"{local:%H:%M}", date=date, back_in=back_in, stale=stale)


def paint_lookup(
    surface: pygame.Surface,
    faces: ScreenFonts,
    config: Config,
    view: View,
    moment: LookupMoment,
) -> LookupFrame:
    layout = lookup_layout(surface.get_size(), view, config.site.name, moment)
    return LookupFrame(layout, paint(surface, layout, faces), view)


def current_view(config: Config, store: Store, now: float) -> tuple[View, int]:
    """What the screen shows now: the newest scan for it while it is fresh, else the
    instructions; and the seconds left before they come back."""
    scan = latest_scan(store, config.lookup.scanners)
    if scan is not None and 0 <= now - scan.at < config.lookup.show_seconds:
        return scan.view, max(1, round(scan.at + config.lookup.show_seconds - now))
    return idle_view(config, catalogue=procedures.count(store.conn) > 0), 0


def lookup_size(config: Config, size: tuple[int, int] | None) -> tuple[int, int]:
    if size is not None:
        return size
    width, height = config.lookup.resolution or DEFAULT_SIZE
    return (height, width) if config.lookup.rotation in (90, 270) else (width, height)


def save_lookup(
    config: Config,
    store: Store,
    out: str | Path,
    *,
    now: float,
    faces: ScreenFonts,
    code: str | None = None,
    size: tuple[int, int] | None = None,
) -> LookupFrame:
    """Render the screen as it is now, or as it would be for ``code`` (nothing changes)."""
    if code is not None:
        view = look_up(store, config, code, now, act=False)
        back_in = round(config.lookup.show_seconds)
    else:
        view, back_in = current_view(config, store, now)
    surface = pygame.Surface(lookup_size(config, size))
    frame = paint_lookup(surface, faces, config, view, lookup_moment(config, now, back_in))
    pygame.image.save(surface, str(out))
    return frame
