"""The screens' bell: a committed change rings it, so a screen shows the change at once
instead of at its next look at the database (``display.poll_ms`` later, 20 ms on average).

A screen loop listens with :class:`Listener`: a datagram socket in Linux's abstract
namespace (no file, gone with its process) named after the database file (its device and
inode, so a site's screens never hear another database's changes) and the screen's role.
After a transaction that recorded an event commits, :class:`Bell` sends one empty datagram
to each role's name; a name nobody listens on costs one failed send. The screens still
look at the database every ``display.poll_ms``: a ring lost (a listener restarting, its
queue full) is seen there, as before the bell.

Anyone on the machine may ring (abstract names have no permissions): a ring only makes a
screen look at the database, which it does 25 times a second anyway.
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
from collections.abc import Sequence
from pathlib import Path

ROLES = ("wall", "lookup")


def _name(path: str | Path, role: str) -> str:
    found = Path(path).stat()
    return f"\0kiosk-bell/{found.st_dev}:{found.st_ino}/{role}"


class Bell:
    """Rings every screen listening on the database at ``path`` (which must exist)."""

    def __init__(self, path: str | Path) -> None:
        self.names = [_name(path, role) for role in ROLES]
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.setblocking(False)

    def ring(self) -> None:
        for name in self.names:
            # Nobody listening, or its queue full: its next poll sees the change.
            with contextlib.suppress(OSError):
                self._sock.sendto(b"", name)

    def close(self) -> None:
        self._sock.close()


class Listener:
    """A screen's ear for the database at ``path`` as ``role`` (one of :data:`ROLES`).
    Where the name is taken (a second screen of the same role on one database) it hears
    nothing (:attr:`heard` False) and the screen goes by its polls alone."""

    def __init__(self, path: str | Path, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"no such screen role: {role!r}")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.bind(_name(path, role))
        except OSError:
            sock.close()
            self._sock: socket.socket | None = None
        else:
            sock.setblocking(False)
            self._sock = sock

    @property
    def heard(self) -> bool:
        """Whether rings reach this listener."""
        return self._sock is not None

    def fileno(self) -> int:
        return -1 if self._sock is None else self._sock.fileno()

    def drain(self) -> int:
        """Take every ring waiting; how many there were."""
        count = 0
        while self._sock is not None:
            try:
                self._sock.recv(16)
            except OSError:  # none left (BlockingIOError)
                return count
            count += 1
        return count

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def wait(listeners: Sequence[Listener], seconds: float) -> bool:
    """Sleep ``seconds`` or until one of ``listeners`` is rung (its rings then taken);
    whether one was."""
    ears = [listener for listener in listeners if listener.heard]
    if not ears:
        time.sleep(max(0.0, seconds))
        return False
    ready, _, _ = select.select(ears, [], [], max(0.0, seconds))
    if ready:  # one ring reaches every role: take them all, for one pass to look
        for listener in ears:
            listener.drain()
    return bool(ready)
