"""The wire to the printer: one transport per connection kind, behind :class:`Transport`.

python-escpos opens the device (USB with pyusb, serial with pyserial, TCP, a device
file, a dummy); each transport adds what a kiosk needs on top: writes that give up at a
deadline and say how far they got, dropping bytes that arrived unasked, and reading a
status reply. What is the same for every kind (the padding owed after a cut-off write,
which reply bytes to trust) is :mod:`printer._link`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kiosk.config import PrinterConfig
from kiosk.desk import DISCONNECTED, ERROR, SILENT, PrinterStatus


class LinkError(Exception):
    """The printer could not be reached, or did not take a write in time.

    ``sent`` is how many bytes of the write reached the device; ``broken`` says the
    connection is no use any more (the device failed): it is closed and opened again.
    """

    def __init__(self, state: str, detail: str, *, sent: int = 0, broken: bool = False) -> None:
        super().__init__(detail)
        self.status = PrinterStatus(state, detail)
        self.sent = sent
        self.broken = broken


class Transport(Protocol):
    """One connection to the printer, of one kind.

    Every method but :meth:`close` raises :class:`LinkError` (and only that) when the
    device fails; after a ``broken`` one the transport is closed, then opened again.
    """

    can_read: bool  # whether the printer can answer status queries over it

    def open(self) -> None:
        """Open the device, if it is not open already."""

    def close(self, *, discard: bool = False) -> None:
        """Close; ``discard`` drops bytes still queued for a printer that stopped reading."""

    def write(self, data: bytes, deadline: float) -> None:
        """Send all of ``data`` before ``deadline`` (``time.monotonic()``); a write cut
        off raises :class:`LinkError` with the bytes that went."""

    def drain(self) -> None:
        """Forget bytes that arrived unasked (late replies, automatic status)."""

    def read_byte(self, timeout: float) -> int | None:
        """One byte the printer sent within ``timeout`` seconds (a status reply), or None."""


def describe(config: PrinterConfig) -> str:
    """The connection as a user names it, to begin its error messages."""
    match config.connection:
        case "usb":
            return f"USB {config.usb_vendor_id or 0:04x}:{config.usb_product_id or 0:04x}"
        case "serial":
            return f"serial {config.serial_port} at {config.baudrate} baud"
        case "network":
            return f"network {config.host}:{config.port}"
        case "file":
            return f"file {config.path}"
        case _:
            return config.connection


class Unconfigured:
    """``connection = "none"``: every use says so."""

    can_read = False

    def open(self) -> None:
        raise LinkError(ERROR, "printer.connection: no printer configured")

    def close(self, *, discard: bool = False) -> None:
        pass

    def write(self, data: bytes, deadline: float) -> None:
        self.open()

    def drain(self) -> None:
        self.open()

    def read_byte(self, timeout: float) -> int | None:
        self.open()
        return None


def make_transport(config: PrinterConfig) -> Transport:
    """The transport for ``config.connection`` (nothing is opened yet)."""
    match config.connection:
        case "usb":
            from printer._transports.usb import UsbTransport

            return UsbTransport(config)
        case "serial":
            from printer._transports.serial import SerialTransport

            return SerialTransport(config)
        case "network":
            from printer._transports.network import NetworkTransport

            return NetworkTransport(config)
        case "file":
            from printer._transports.file import FileTransport

            return FileTransport(config)
        case "dummy":
            from printer._transports.file import DummyTransport

            return DummyTransport()
    return Unconfigured()


def opened(
    config: PrinterConfig, make: Callable[[], Any], hint: Callable[[Exception], str] = lambda _: ""
) -> Any:
    """A python-escpos printer object from ``make``, opened; what ``hint`` says of the error
    follows it when the device cannot be opened."""
    try:
        printer = make()
        printer.open()
    except Exception as exc:  # python-escpos's DeviceNotFoundError over the device's own error
        raise LinkError(DISCONNECTED, f"{describe(config)}: {first_line(exc)}{hint(exc)}") from None
    return printer


def disconnected(config: PrinterConfig, reason: BaseException | str, *, sent: int = 0) -> LinkError:
    """The device failed: the connection is broken."""
    text = f"{describe(config)}: {first_line(reason)}"
    return LinkError(DISCONNECTED, text, sent=sent, broken=True)


def timed_out(sent: int, total: int, *, broken: bool = False) -> LinkError:
    """The deadline passed with ``sent`` of ``total`` bytes taken: the printer holds the line
    (paper out, cover open, flow control)."""
    detail = f"write timed out after {sent} of {total} bytes"
    return LinkError(SILENT, detail, sent=sent, broken=broken)


def strerror(exc: BaseException) -> BaseException | str:
    """What a failed write says: the system's words for an OSError, else the error."""
    return (exc.strerror if isinstance(exc, OSError) else None) or exc


def first_line(reason: BaseException | str) -> str:
    text = str(reason).strip() or type(reason).__name__
    return " ".join(text.split())
