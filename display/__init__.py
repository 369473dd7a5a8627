"""The wall display and the look-up screen (pygame) and the voice that reads the calls
(:mod:`display.voice`): layouts, fonts checked for Vietnamese, painting, the screen with
rotation, and the daemon loops (:class:`WallDaemon`, :class:`LookupDaemon`) that
``kiosk run display`` builds. pygame is loaded through :mod:`display.pygame_lib`.

An adapter: it imports only the :mod:`kiosk` core, never ``printer``, ``scanner``,
``sync``, ``kiosk.keys`` or the applications."""

from display._catalogue import (
    CatalogueLayout,
    Target,
    catalogue_layout,
    paint_catalogue,
    save_catalogue,
)
from display._daemon import HEALTH_NAME, WallDaemon
from display._layout import Moment, Panel, TextBox, WallLayout, wall_layout
from display._lookup import (
    LookupFrame,
    current_view,
    lookup_moment,
    lookup_screen,
    lookup_size,
    paint_lookup,
    save_lookup,
)
from display._lookup_daemon import LOOKUP_HEALTH, LookupDaemon
from display._lookup_layout import LookupLayout, LookupMoment, lookup_layout
from display._loop import run_loops
from display._paint import Placed
from display._screen import Screen, ScreenUnavailable, WindowScreen
from display._snapshot import fonts_for, picture_size, render_wall, save_wall
from display._text import ScreenFonts, check_screen_font
from display._wall import Frame, moment, paint_wall

__all__ = [
    "HEALTH_NAME",
    "LOOKUP_HEALTH",
    "CatalogueLayout",
    "Frame",
    "LookupDaemon",
    "LookupFrame",
    "LookupLayout",
    "LookupMoment",
    "Moment",
    "Panel",
    "Placed",
    "Screen",
    "ScreenFonts",
    "ScreenUnavailable",
    "Target",
    "TextBox",
    "WallDaemon",
    "WallLayout",
    "WindowScreen",
    "catalogue_layout",
    "check_screen_font",
    "current_view",
    "fonts_for",
    "lookup_layout",
    "lookup_moment",
    "lookup_screen",
    "lookup_size",
    "moment",
    "paint_catalogue",
    "paint_lookup",
    "paint_wall",
    "picture_size",
    "render_wall",
    "run_loops",
    "save_catalogue",
    "save_lookup",
    "save_wall",
    "wall_layout",
]
