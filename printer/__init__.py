"""ESC/POS ticket printing: layout, raster and code-page encoding, status, connections.

Depends on :mod:`kiosk` (config, slip, the desk's printer protocol), never the
other way round: the CLI and the daemon import this package when they print.
"""

from printer._fonts import BOLD, REGULAR, FontError, check_font, find_font
from printer._printer import EscposPrinter, PagePrinter, Rendered, Renderer, config_problems
from printer._profile import Profile, ProfileError, load_profile
from printer.virtual import PtyPrinter, SocketPrinter, VirtualPrinter

__all__ = [
    "BOLD",
    "REGULAR",
    "EscposPrinter",
    "FontError",
    "PagePrinter",
    "Profile",
    "ProfileError",
    "PtyPrinter",
    "Rendered",
    "Renderer",
    "SocketPrinter",
    "VirtualPrinter",
    "check_font",
    "config_problems",
    "find_font",
    "load_profile",
]
