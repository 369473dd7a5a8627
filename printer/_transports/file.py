"""Printers that cannot answer: a device file (``/dev/usb/lp0``, a named pipe, a plain file)
and python-escpos's ``Dummy``, which keeps the bytes."""

from __future__ import annotations

import os
from typing import Any

from printer._transports import disconnected, opened, strerror
from printer._transports._base import EscposDevice
from printer._transports._fd import write_fd


class FileTransport(EscposDevice):
    can_read = False

    def connect(self) -> Any:
        from printer._escpos_lib import File

        return opened(self.config, lambda: File(self.config.path, auto_flush=True))

    def ready(self) -> None:
        try:
            os.set_blocking(self.escpos.device.fileno(), False)
        except OSError as exc:
            self.close()
            raise disconnected(self.config, strerror(exc)) from None

    def write(self, data: bytes, deadline: float) -> None:
        write_fd(self.config, self.escpos.device.fileno(), data, deadline)

    def drain(self) -> None:
        pass  # nothing comes back

    def read_byte(self, timeout: float) -> int | None:
        return None


class DummyTransport:
    """The bytes are kept in python-escpos's ``Dummy`` (``escpos.output``)."""

    can_read = False

    def __init__(self) -> None:
        self.escpos: Any = None

    def open(self) -> None:
        if self.escpos is None:
            from printer._escpos_lib import Dummy

            self.escpos = Dummy()

    def close(self, *, discard: bool = False) -> None:
        self.escpos = None

    def write(self, data: bytes, deadline: float) -> None:
        from printer._escpos_lib import raw

        raw(self.escpos, data)

    def drain(self) -> None:
        pass

    def read_byte(self, timeout: float) -> int | None:
        return None
