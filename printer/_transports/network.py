"""A printer on the network: raw TCP to its port 9100 (python-escpos's ``Network``)."""

from __future__ import annotations

import socket
import time
from typing import Any

from printer._transports import disconnected, opened, strerror, timed_out
from printer._transports._base import EscposDevice
from printer._transports._fd import CHUNK


class NetworkTransport(EscposDevice):
    @property
    def socket(self) -> socket.socket:
        sock: socket.socket = self.escpos.device
        return sock

    def connect(self) -> Any:
        from printer._escpos_lib import Network

        config = self.config
        return opened(
            config, lambda: Network(config.host, config.port, timeout=config.timeout_seconds)
        )

    def write(self, data: bytes, deadline: float) -> None:
        sock, view, sent = self.socket, memoryview(data), 0
        try:
            while sent < len(data):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise timed_out(sent, len(data))
                sock.settimeout(remaining)
                try:
                    sent += sock.send(view[sent : sent + CHUNK])
                except TimeoutError:
                    continue
        except OSError as exc:  # reset, unreachable, broken pipe
            raise disconnected(self.config, strerror(exc), sent=sent) from None

    def drain(self) -> None:
        sock = self.socket
        try:
            sock.setblocking(False)
            try:
                while sock.recv(256):
                    pass
            except (BlockingIOError, InterruptedError):
                pass
            finally:
                sock.setblocking(True)
        except OSError as exc:
            raise disconnected(self.config, exc) from None

    def read_byte(self, timeout: float) -> int | None:
        sock = self.socket
        try:
            sock.settimeout(timeout)
            data = sock.recv(1)
        except TimeoutError:
            return None
        except OSError as exc:
            raise disconnected(self.config, exc) from None
        if not data:
            raise disconnected(self.config, "printer closed the connection")
        return data[0]
