"""ESC/POS ticket printing: layout, raster and code-page encoding, status, connections.

:func:`open` makes the kiosk's printer from its config. Depends on the :mod:`kiosk` core
(config, slip, the desk's printer protocol) and python-escpos, never on the other
adapters nor the applications; the CLI and the daemons import this package when they
print.
"""

from typing import TYPE_CHECKING, Any

from kiosk.config import PrinterConfig
from printer._fonts import BOLD, REGULAR, FontError, check_font, find_font
from printer._printer import EscposPrinter, PagePrinter, Rendered, Renderer, config_problems
from printer._profile import Profile, ProfileError, load_profile
from printer._transports import make_transport

if TYPE_CHECKING:
    from printer.virtual import PtyPrinter, SocketPrinter, VirtualPrinter

_VIRTUAL = ("PtyPrinter", "SocketPrinter", "VirtualPrinter")


class NotConfigured(ValueError):
    """The config names no printer (``printer.connection = "none"``)."""


def open(config: PrinterConfig) -> EscposPrinter:
    """The ticket printer ``config`` sets up, over the connection it names.

    Raises :class:`NotConfigured` when it names none, and :class:`ProfileError` or
    :class:`FontError` for a profile or font that cannot be used (all ``ValueError``
    naming the config key). The device is not touched: an unplugged printer is found,
    and found again, by the printer's ``status()``.
    """
    if config.connection == "none":
        raise NotConfigured('printer.connection is "none": set the printer in [printer]')
    return EscposPrinter(config, make_transport(config))


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
    "NotConfigured",
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
    "open",
]
