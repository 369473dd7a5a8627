"""Barcode scanners: keyboard-mode USB scanners (evdev, through :mod:`kiosk.inputdev`) and
serial ones (pyserial), each scan classified and looked up for the look-up screen
(:class:`ScannerDaemon`, which ``kiosk run scanner`` builds).

An adapter: it imports only the :mod:`kiosk` core, never ``printer``, ``display``,
``sync``, ``kiosk.keys`` or the applications."""

from scanner._daemon import HEALTH_NAME, Scanned, ScannerDaemon
from scanner._decode import KeyDecoder, Read
from scanner._frames import FrameSplitter
from scanner._serial import SerialReader, open_serial

__all__ = [
    "HEALTH_NAME",
    "FrameSplitter",
    "KeyDecoder",
    "Read",
    "Scanned",
    "ScannerDaemon",
    "SerialReader",
    "open_serial",
]
