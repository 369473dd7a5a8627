"""A printer on USB (pyusb over libusb, through python-escpos's ``Usb``)."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import usb.core

from printer._transports import disconnected, opened, strerror, timed_out
from printer._transports._base import EscposDevice
from printer._transports._fd import CHUNK

NO_LIBUSB = " (libusb is missing: apt install libusb-1.0-0)"
DRAIN_MS = 5  # a read that finds nothing waits this long


class UsbTransport(EscposDevice):
    def connect(self) -> Any:
        from printer._escpos_lib import Usb

        config = self.config
        return opened(
            config,
            lambda: Usb(
                config.usb_vendor_id,
                config.usb_product_id,
                timeout=int(config.timeout_seconds * 1000),
                in_ep=config.usb_in_ep,
                out_ep=config.usb_out_ep,
            ),
            hint=_libusb_missing,
        )

    def close(self, *, discard: bool = False) -> None:
        printer, self.escpos = self.escpos, None
        if printer is not None:
            with contextlib.suppress(usb.core.USBError):
                printer.close()

    def write(self, data: bytes, deadline: float) -> None:
        device, endpoint, sent = self.escpos.device, self.config.usb_out_ep, 0
        try:
            while sent < len(data):
                # Each chunk gets what is left of the deadline, not a whole timeout of its own.
                remaining = int((deadline - time.monotonic()) * 1000)
                if remaining <= 0:
                    raise timed_out(sent, len(data))
                sent += device.write(endpoint, data[sent : sent + CHUNK], remaining)
        except usb.core.USBTimeoutError:
            raise timed_out(sent, len(data), broken=True) from None
        except usb.core.USBError as exc:
            raise disconnected(self.config, strerror(exc), sent=sent) from None

    def drain(self) -> None:
        # Reads until one times out; a device gone shows at the write that follows.
        with contextlib.suppress(usb.core.USBError):
            while self.escpos.device.read(self.config.usb_in_ep, 64, DRAIN_MS):
                pass

    def read_byte(self, timeout: float) -> int | None:
        try:
            data = self.escpos.device.read(self.config.usb_in_ep, 1, max(1, int(timeout * 1000)))
        except usb.core.USBTimeoutError:
            return None
        except usb.core.USBError as exc:
            raise disconnected(self.config, exc) from None
        return data[0] if data else None


def _libusb_missing(exc: Exception) -> str:
    return NO_LIBUSB if isinstance(exc, usb.core.NoBackendError) else ""
