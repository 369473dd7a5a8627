"""systemd's notify protocol, without a compiled dependency.

A daemon says ``READY=1`` once its database and hardware are up (never waiting for the
network), ``WATCHDOG=1`` from its main loop, ``STOPPING=1`` on its way out, and ``STATUS=``
lines that ``systemctl status`` shows. The datagrams go to ``$NOTIFY_SOCKET`` (a path, or
``@name`` in the abstract namespace). Outside systemd (no ``NOTIFY_SOCKET``) every call
does nothing, so the same code runs by hand and in tests.

The watchdog interval is ``$WATCHDOG_USEC`` (when ``$WATCHDOG_PID`` is unset or names this
process); :meth:`Notifier.watchdog` may be called on every pass of a loop and sends at most
one ping per quarter interval. A loop that may wait longer on a device (the kiosk's printer
with a long ``printer.timeout_seconds``) raises the interval for its run with
:meth:`Notifier.outlast`.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger("kiosk.sdnotify")


class Notifier:
    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address
        self.interval = _watchdog_seconds(env)
        self.clock = clock
        self._sock: socket.socket | None = None
        self._last_ping = -1e18
        self._failed = False

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, *lines: str) -> bool:
        """One datagram of ``KEY=value`` lines; False if not under systemd or not sent."""
        if not self.address:
            return False
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto("\n".join(lines).encode("utf-8"), self.address)
        except OSError as exc:
            if not self._failed:  # once: a daemon must not flood its log or stop for this
                log.warning(
                    "cannot notify systemd at %s: %s",
                    self.address.replace("\0", "@"),
                    exc.strerror or exc,
                )
                self._failed = True
            return False
        self._failed = False
        return True

    def ready(self, status: str = "") -> bool:
        lines = ["READY=1", f"MAINPID={os.getpid()}"]
        if status:
            lines.append(f"STATUS={_one_line(status)}")
        return self.send(*lines)

    def status(self, text: str) -> bool:
        return self.send(f"STATUS={_one_line(text)}")

    def stopping(self, status: str = "") -> bool:
        lines = ["STOPPING=1"]
        if status:
            lines.append(f"STATUS={_one_line(status)}")
        return self.send(*lines)

    def watchdog(self) -> bool:
        """Ping the watchdog if a quarter of its interval has passed since the last ping."""
        if not self.interval or self.clock() - self._last_ping < self.interval / 4:
            return False
        return self.ping()

    def outlast(self, gap: float) -> float:
        """Make the watchdog outlast a loop that may go ``gap`` seconds without a ping (one
        that waits on a slow device): when the unit's interval is shorter than twice that,
        raise it for this run with ``WATCHDOG_USEC``. The interval now in force (0: none)."""
        needed = math.ceil(2 * gap)
        if (
            self.interval
            and needed > self.interval
            and self.send(f"WATCHDOG_USEC={needed * 1_000_000}")
        ):
            self.interval = float(needed)
        return self.interval

    def ping(self) -> bool:
        """Ping the watchdog now (before a slow step such as starting again)."""
        if not self.interval:
            return False
        self._last_ping = self.clock()
        return self.send("WATCHDOG=1")

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def _watchdog_seconds(env: Mapping[str, str]) -> float:
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return 0.0
    if pid and (not pid.isdigit() or int(pid) != os.getpid()):
        return 0.0  # meant for another process (a parent that started us)
    return int(usec) / 1_000_000


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]
