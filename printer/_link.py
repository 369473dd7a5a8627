"""One connection to the printer: a transport, the padding owed after a cut-off write, and
status queries that ignore stale and stray bytes.

The transports (:mod:`printer._transports`) know their device; what is here is the same
for every kind of connection.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import TypeVar

from kiosk.config import PrinterConfig
from printer import _status
from printer._resync import Resync
from printer._transports import LinkError, Transport, make_transport

QUERY_SECONDS = 0.5  # a printer answers DLE EOT within a few ms, even while printing

T = TypeVar("T")


class Link:
    """One connection; :meth:`open` again after any :class:`LinkError` that closed it."""

    def __init__(self, config: PrinterConfig, transport: Transport | None = None) -> None:
        self.config = config
        self.transport = transport if transport is not None else make_transport(config)
        self.sent = 0  # bytes of the last job that reached the device
        self.resync = Resync()

    @property
    def can_read(self) -> bool:
        return self.transport.can_read

    def open(self) -> None:
        self.transport.open()

    def close(self, *, discard: bool = False) -> None:
        """Close; ``discard`` drops bytes still queued for a printer that stopped reading
        (never wait on it: that could block for ever)."""
        self.transport.close(discard=discard)

    def write(self, data: bytes, *, ends: tuple[int, ...] = ()) -> None:
        """Send ``data`` within the timeout. ``ends`` are the offsets where its commands end:
        after a cut-off write the rest of the broken command is padded on the next one."""
        self.open()
        owed = self.resync.take()
        try:
            self._send(owed + data, time.monotonic() + self.config.timeout_seconds)
        except LinkError as exc:
            self.sent = self.resync.cut_off(owed, exc.sent, ends)
            raise
        self.sent = len(data)

    def query(self, command: bytes) -> int | None:
        """Send a real-time status command; its one valid reply byte, or None if silent."""
        self.open()
        self._guard(self.transport.drain)
        self._settle()
        self._send(command, time.monotonic() + QUERY_SECONDS)
        deadline = time.monotonic() + QUERY_SECONDS
        while (remaining := deadline - time.monotonic()) > 0:
            reply = self._guard(functools.partial(self.transport.read_byte, remaining))
            if reply is None:
                return None
            if _status.valid(reply):
                return reply
        return None

    def _settle(self) -> None:
        """Send the padding still owed for a command a timed-out write cut off: until the
        printer has it, a query's bytes would be read as the rest of that command."""
        owed = self.resync.take()
        if not owed:
            return
        try:
            self._send(owed, time.monotonic() + self.config.timeout_seconds)
        except LinkError as exc:
            self.resync.cut_off(owed, exc.sent)
            raise
        finally:
            self.sent = 0

    def _send(self, payload: bytes, deadline: float) -> None:
        self.sent = 0
        try:
            self._guard(lambda: self.transport.write(payload, deadline))
        except LinkError as exc:
            self.sent = exc.sent
            raise
        self.sent = len(payload)

    def _guard(self, use: Callable[[], T]) -> T:
        """``use()``, closing the transport when the device failed under it."""
        try:
            return use()
        except LinkError as exc:
            if exc.broken:
                self.close(discard=True)
            raise
