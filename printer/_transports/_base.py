"""What the transports to a device share: its python-escpos object, made and opened the
first time the transport is opened, then readied."""

from __future__ import annotations

import contextlib
from typing import Any

from kiosk.config import PrinterConfig


class EscposDevice:
    """A transport over one python-escpos connection object (``escpos``), made by
    :meth:`connect` on the first :meth:`open` and set up by :meth:`ready`."""

    can_read = True

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self.escpos: Any = None

    def open(self) -> None:
        if self.escpos is None:
            self.escpos = self.connect()
            self.ready()

    def connect(self) -> Any:
        """The python-escpos object for this connection, opened (or :class:`LinkError`)."""
        raise NotImplementedError

    def ready(self) -> None:
        """Set up the opened device; a failure closes it and raises :class:`LinkError`."""

    def close(self, *, discard: bool = False) -> None:
        printer, self.escpos = self.escpos, None
        if printer is not None:
            with contextlib.suppress(OSError):
                printer.close()
