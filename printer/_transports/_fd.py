"""Writing to a file descriptor before a deadline: the serial and device-file transports'."""

from __future__ import annotations

import os
import select
import time

from kiosk.config import PrinterConfig
from printer._transports import disconnected, strerror, timed_out

CHUNK = 4096


def write_fd(config: PrinterConfig, fd: int, data: bytes, deadline: float) -> None:
    """All of ``data`` to the non-blocking ``fd`` before ``deadline``."""
    view = memoryview(data)
    sent = 0
    try:
        while sent < len(data):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise timed_out(sent, len(data))
            _, ready, _ = select.select([], [fd], [], remaining)
            if not ready:
                continue
            try:
                sent += os.write(fd, view[sent : sent + CHUNK])
            except BlockingIOError:
                continue
    except OSError as exc:  # the device is gone (EIO, ENODEV, EBADF)
        raise disconnected(config, strerror(exc), sent=sent) from None
