"""What went wrong with the database, in words a technician can act on.

SQLite reports a full disk as ``SQLITE_FULL`` when a write finds no room, but as a plain
``SQLITE_IOERR`` ("disk I/O error") when the shared-memory file of a WAL database cannot
grow or the journal cannot be made: those are told apart by the room left on the disk.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

# With less room than this left, an I/O error is the disk being full (SQLite's
# shared-memory file alone grows 32 KiB at a time).
FULL_MARGIN = 1 << 20


class StoreError(Exception):
    """The database cannot be opened or used."""


class NoDatabase(StoreError):
    """A command that only reads was given a database that does not exist."""


class NotKioskDatabase(NoDatabase):
    """The file at the database's path is no kiosk database (another program's, an empty
    file, not SQLite at all): it is left as it is, nothing written to it."""


class DiskFull(StoreError, sqlite3.OperationalError):
    """The disk holding the database has no room left; the change was not made.

    Also an :class:`sqlite3.OperationalError` (``SQLITE_FULL``), so code that handles
    database errors handles this one too.
    """

    def __init__(self, path: str | Path, free: int) -> None:
        folder = Path(path).parent
        super().__init__(
            f"{path}: disk full ({size_text(free)} free in {folder}): free some space and try again"
        )
        self.path = str(path)
        self.free = free
        self.sqlite_errorcode = sqlite3.SQLITE_FULL
        self.sqlite_errorname = "SQLITE_FULL"


def free_bytes(path: str | Path) -> int:
    """The room left for this user on the disk that holds ``path`` (or its nearest existing
    folder)."""
    where = Path(path).absolute()
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        stat = os.statvfs(where)
    except OSError:
        return -1
    blocks = stat.f_bfree if os.geteuid() == 0 else stat.f_bavail  # root may use the reserve
    return int(blocks * stat.f_frsize)


def is_disk_full(exc: BaseException, path: str | Path) -> bool:
    """Whether ``exc``, raised while using the database at ``path``, is its disk being full."""
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(exc, sqlite3.Error) or not isinstance(code, int):
        return False
    if code & 0xFF == sqlite3.SQLITE_FULL:
        return True
    return code & 0xFF == sqlite3.SQLITE_IOERR and 0 <= free_bytes(path) < FULL_MARGIN


def disk_full(exc: BaseException, path: str | Path) -> DiskFull | None:
    """The :class:`DiskFull` that ``exc`` stands for, or None if it is something else."""
    if isinstance(exc, DiskFull):
        return exc
    if not is_disk_full(exc, path):
        return None
    return DiskFull(path, max(0, free_bytes(path)))


# SQLite's primary result codes for a database the environment keeps from being used (as
# opposed to a mistake in the SQL): busy or locked past the timeout, unreadable, not
# writable, damaged.
_UNUSABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_NOTADB,
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_AUTH,
    }
)


def store_fault(exc: BaseException, path: str | Path) -> StoreError | None:
    """``exc`` as a :class:`StoreError` if it is the database at ``path`` being unusable
    (its disk full, locked, unreadable, damaged); None if it is something else (a bug)."""
    if isinstance(exc, StoreError):
        return exc
    full = disk_full(exc, path)
    if full is not None:
        return full
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.Error) and isinstance(code, int) and code & 0xFF in _UNUSABLE:
        return StoreError(f"{path}: {exc}")
    return None


def size_text(size: int) -> str:
    """``size`` bytes for people: 0 bytes, 812 KiB, 3.5 MiB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1 << 20:
        return f"{size // 1024} KiB"
    return f"{size / (1 << 20):.1f} MiB"
