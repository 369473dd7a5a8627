"""Barcode scanners: keyboard-mode USB scanners (evdev) and serial ones (pyserial)."""

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
