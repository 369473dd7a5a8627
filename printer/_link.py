"""The wire to the printer, through python-escpos's connection classes.

python-escpos opens the device (USB with pyusb, serial with pyserial, TCP, a
device file or a dummy); this module adds what a kiosk needs on top: writes
that give up after a deadline and know how far they got, status queries that
ignore stale bytes, and a clean re-sync after a write was cut off.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import time
from typing import Any

from kiosk.config import PrinterConfig
from kiosk.desk import DISCONNECTED, ERROR, SILENT, PrinterStatus

CHUNK = 4096
QUERY_SECONDS = 0.5  # a printer answers DLE EOT within a few ms, even while printing


class LinkError(Exception):
    def __init__(self, state: str, detail: str) -> None:
        super().__init__(detail)
        self.status = PrinterStatus(state, detail)


def describe(config: PrinterConfig) -> str:
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


class Link:
    """One connection; :meth:`open` again after any :class:`LinkError` that closed it."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self.escpos: Any = None
        self.sent = 0  # bytes of the last job that reached the device
        self._resync = b""

    @property
    def can_read(self) -> bool:
        return self.config.connection in ("usb", "serial", "network")

    def open(self) -> None:
        if self.escpos is not None:
            return
        config = self.config
        try:
            printer = self._make()
            printer.open()
        except LinkError:
            raise
        except Exception as exc:  # escpos wraps pyusb/pyserial/socket errors its own way
            text = _first_line(exc)
            if "No backend available" in text:
                text += " (libusb is missing: apt install libusb-1.0-0)"
            raise LinkError(DISCONNECTED, f"{describe(config)}: {text}") from None
        self.escpos = printer
        if config.connection == "serial":
            device = printer.device
            device.rtscts = config.flow_control == "rtscts"
            with contextlib.suppress(Exception):
                device.exclusive = True  # a second process must not interleave tickets
        elif config.connection == "file":
            os.set_blocking(printer.device.fileno(), False)

    def _make(self) -> Any:
        from printer._escpos_lib import printers

        printer = printers()
        config = self.config
        match config.connection:
            case "usb":
                return printer.Usb(
                    config.usb_vendor_id, config.usb_product_id,
                    timeout=int(config.timeout_seconds * 1000),
                    in_ep=config.usb_in_ep, out_ep=config.usb_out_ep,
                )  # fmt: skip
            case "serial":
                return printer.Serial(
                    devfile=config.serial_port, baudrate=config.baudrate,
                    timeout=QUERY_SECONDS,
                    dsrdtr=config.flow_control == "dsrdtr",
                    xonxoff=config.flow_control == "xonxoff",
                )  # fmt: skip
            case "network":
                return printer.Network(config.host, config.port, timeout=config.timeout_seconds)
            case "file":
                return printer.File(config.path, auto_flush=True)
            case "dummy":
                return printer.Dummy()
        raise LinkError(ERROR, "printer.connection: no printer configured")

    def close(self, *, discard: bool = False) -> None:
        """Close; ``discard`` drops bytes still queued for a printer that stopped reading
        (never wait on it: pyserial's flush would block for ever)."""
        printer, self.escpos = self.escpos, None
        if printer is None:
            return
        if self.config.connection == "serial":
            device, printer._device = printer._device, False
            if discard:
                with contextlib.suppress(Exception):
                    device.reset_output_buffer()
            with contextlib.suppress(Exception):
                device.close()
        else:
            with contextlib.suppress(Exception):
                printer.close()

    # -- writing -------------------------------------------------------------------

    def write(self, data: bytes, *, ends: tuple[int, ...] = ()) -> None:
        """Send ``data`` within the timeout. ``ends`` are the offsets where its commands end:
        after a cut-off write the rest of the broken command is padded on the next one."""
        self.open()
        payload = self._resync + data
        skip = len(self._resync)
        self._resync = b""
        deadline = time.monotonic() + self.config.timeout_seconds
        try:
            self._send(payload, deadline)
        except LinkError:
            if self.sent < skip:
                # Cut off inside the padding itself: what is left of it is still owed.
                self._resync = payload[self.sent : skip]
                self.sent = 0
                raise
            done = self.sent - skip
            self.sent = done
            broken = next((end for end in (0, *ends) if end >= done), done)
            # NULs finish the interrupted raster as blank dots; the next ticket resets.
            self._resync = b"\0" * max(0, broken - done)
            raise
        self.sent = len(data)

    def _send(self, payload: bytes, deadline: float) -> None:
        connection = self.config.connection
        self.sent = 0
        try:
            if connection in ("serial", "file"):
                self._send_fd(self.escpos.device.fileno(), payload, deadline)
            elif connection == "network":
                self._send_socket(self.escpos.device, payload, deadline)
            elif connection == "usb":
                self._send_usb(payload, deadline)
            else:
                self.escpos._raw(payload)
                self.sent = len(payload)
        except LinkError as exc:
            if exc.status.state == DISCONNECTED:
                self.close(discard=True)
            raise
        except OSError as exc:
            self.close(discard=True)
            raise LinkError(
                DISCONNECTED, f"{describe(self.config)}: {exc.strerror or exc}"
            ) from None
        except Exception as exc:  # pyusb's USBError / USBTimeoutError
            self.close(discard=True)
            raise _usb_error(exc) from None

    def _send_fd(self, fd: int, payload: bytes, deadline: float) -> None:
        view = memoryview(payload)
        while self.sent < len(payload):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout(self.sent, len(payload))
            _, ready, _ = select.select([], [fd], [], remaining)
            if not ready:
                continue
            try:
                self.sent += os.write(fd, view[self.sent : self.sent + CHUNK])
            except BlockingIOError:
                continue

    def _send_socket(self, sock: socket.socket, payload: bytes, deadline: float) -> None:
        view = memoryview(payload)
        while self.sent < len(payload):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timeout(self.sent, len(payload))
            sock.settimeout(remaining)
            try:
                self.sent += sock.send(view[self.sent : self.sent + CHUNK])
            except TimeoutError:
                continue

    def _send_usb(self, payload: bytes, deadline: float) -> None:
        device, endpoint = self.escpos.device, self.config.usb_out_ep
        while self.sent < len(payload):
            # Each chunk gets what is left of the deadline, not a whole timeout of its own.
            remaining = int((deadline - time.monotonic()) * 1000)
            if remaining <= 0:
                raise _timeout(self.sent, len(payload))
            self.sent += device.write(endpoint, payload[self.sent : self.sent + CHUNK], remaining)

    # -- status --------------------------------------------------------------------

    def query(self, command: bytes) -> int | None:
        """Send a real-time status command; its one valid reply byte, or None if silent."""
        self.open()
        self._drain()
        self._settle()
        self._send(command, time.monotonic() + QUERY_SECONDS)
        deadline = time.monotonic() + QUERY_SECONDS
        while (remaining := deadline - time.monotonic()) > 0:
            reply = self._read_byte(remaining)
            if reply is None:
                return None
            if reply & 0x93 == 0x12:
                return reply
        return None

    def _settle(self) -> None:
        """Send the padding still owed for a command a timed-out write cut off: until the
        printer has it, a query's bytes would be read as the rest of that command."""
        if not self._resync:
            return
        owed, self._resync = self._resync, b""
        try:
            self._send(owed, time.monotonic() + self.config.timeout_seconds)
        except LinkError:
            self._resync = owed[self.sent :]
            self.sent = 0
            raise
        self.sent = 0

    def _drain(self) -> None:
        """Forget bytes that arrived unasked (late replies, automatic status)."""
        connection = self.config.connection
        try:
            if connection == "serial":
                # Read, never tcflush: a flush can drop an XON the printer just sent
                # before the line discipline acts on it, leaving the port stopped.
                device = self.escpos.device
                while waiting := device.in_waiting:
                    device.read(waiting)
            elif connection == "network":
                sock = self.escpos.device
                sock.setblocking(False)
                try:
                    while sock.recv(256):
                        pass
                except (BlockingIOError, InterruptedError):
                    pass
                finally:
                    sock.setblocking(True)
            elif connection == "usb":
                with contextlib.suppress(Exception):
                    while self.escpos.device.read(self.config.usb_in_ep, 64, 5):
                        pass
        except Exception as exc:  # OSError, termios.error, SerialException: the port is gone
            self.close(discard=True)
            raise LinkError(DISCONNECTED, f"{describe(self.config)}: {_first_line(exc)}") from None

    def _read_byte(self, timeout: float) -> int | None:
        connection = self.config.connection
        try:
            if connection == "serial":
                device = self.escpos.device
                device.timeout = timeout
                data = device.read(1)
            elif connection == "network":
                sock = self.escpos.device
                sock.settimeout(timeout)
                try:
                    data = sock.recv(1)
                except TimeoutError:
                    return None
                if not data:
                    raise OSError(errno.ECONNRESET, "printer closed the connection")
            else:
                try:
                    data = bytes(self.escpos.device.read(self.config.usb_in_ep, 1,
                                                         int(timeout * 1000)))  # fmt: skip
                except Exception as exc:
                    if "timeout" in str(exc).lower():
                        return None
                    raise OSError(errno.EIO, str(exc)) from None
        except Exception as exc:  # OSError, termios.error, SerialException: the port is gone
            self.close(discard=True)
            raise LinkError(DISCONNECTED, f"{describe(self.config)}: {_first_line(exc)}") from None
        return data[0] if data else None


def _timeout(sent: int, total: int) -> LinkError:
    return LinkError(SILENT, f"write timed out after {sent} of {total} bytes")


def _usb_error(exc: Exception) -> LinkError:
    text = _first_line(exc)
    if "timeout" in text.lower() or "timed out" in text.lower():
        return LinkError(SILENT, f"USB write timed out: {text}")
    return LinkError(DISCONNECTED, f"USB: {text}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())
