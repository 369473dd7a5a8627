"""ESC/POS ticket printing: layout, raster and code-page encoding, status, connections.

Depends on :mod:`kiosk` (config, slip, the desk's printer protocol), never the
other way round: the CLI and the daemon import this package when they print.
"""

from typing import TYPE_CHECKING, Any

from printer._fonts import BOLD, REGULAR, FontError, check_font, find_font
from printer._printer import EscposPrinter, PagePrinter, Rendered, Renderer, config_problems
from printer._profile import Profile, ProfileError, load_profile

if TYPE_CHECKING:
    from printer.virtual import PtyPrinter, SocketPrinter, VirtualPrinter

_VIRTUAL = ("PtyPrinter", "SocketPrinter", "VirtualPrinter")


def __getattr__(name: str) -> Any:
    # The virtual printers (the demo's, the bench's, the tests') load when asked for: the
    # kiosk daemon, printing to a real one, does not hold them (nor pty and termios).
    if name in _VIRTUAL:
        from printer import virtual

        return getattr(virtual, name)
    raise AttributeError(f"module 'printer' has no attribute {name!r}")


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
