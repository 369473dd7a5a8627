"""Opening the database only to read it, creating nothing: not the file, not its folder,
and no ``-wal`` or ``-shm`` file of this user's.

It is read SQLite's usual way, through its ``-wal`` and ``-shm``, whenever that can be:
while a daemon has it open (they are there), and where this user may make them as the
database's own (root, whose SQLite gives them to the file's owner, or the owner). Only
where they are not there and cannot be made so (a folder the user cannot write, another
user's database, a read-only or full disk) is the file read alone, as it is (SQLite's
``immutable``): no process has it open then, so the file is all of it; and ``immutable``
is not used while one may be writing it, which SQLite says gives wrong results. Changes
in a ``-wal`` that cannot be read (its ``-shm`` cannot be read or made) are not silently
left out: that is an error naming the way round it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from kiosk.store._faults import FULL_MARGIN, NoDatabase, StoreError, free_bytes

# How SQLite says the -shm (or -wal) beside the file cannot be made or written.
_REFUSED = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR)


def connect_readonly(
    path: str | Path,
    timeout: float = 5.0,
    *,
    vet: Callable[[sqlite3.Connection], object] | None = None,
) -> sqlite3.Connection:
    """A connection that can only read the existing database at ``path``.

    Raises :class:`NoDatabase` when there is no such file, :class:`StoreError` when its
    latest changes cannot be read by this user, and :class:`sqlite3.Error` otherwise.
    ``vet`` looks at the database first, as the file alone, where reading it would make
    its ``-wal`` and ``-shm``: what it raises (the file is not the database wanted) is
    raised before anything is made beside the file.
    """
    target = Path(path)
    if not target.is_file():
        if target.exists():
            raise StoreError(f"{path}: not a database file")
        raise NoDatabase(f"{path}: no such database (check --db or store.path)")
    uri = target.absolute().as_uri()
    wal, shm = Path(f"{target}-wal"), Path(f"{target}-shm")
    if not (shm.exists() or _size(wal) > 0 or _may_make_beside(target)):
        # Nobody has it open (no -shm), and this user could not make the files SQLite
        # reads it with, or not as the database's: the file is all of it.
        return _connect(f"{uri}?mode=ro&immutable=1", timeout)
    if vet is not None and not shm.exists() and _size(wal) == 0:
        with contextlib.closing(_connect(f"{uri}?mode=ro&immutable=1", timeout)) as alone:
            vet(alone)
    conn = _connect(f"{uri}?mode=ro", timeout)
    try:
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        code = exc.sqlite_errorcode & 0xFF
        if code not in _REFUSED or (code == sqlite3.SQLITE_IOERR and _size(wal) > 0):
            raise
        if _size(wal) > 0:
            raise StoreError(
                f"{path}: its latest changes are in {wal.name}, which this user can only read "
                f"with {shm.name} beside it, and that cannot be "
                f"{'read' if shm.exists() else 'made'} in {target.parent}: run the command "
                "as the kiosk user (sudo -u kiosk) or as root"
            ) from None
        # Nothing waits in the -wal: what the file holds is the database.
        return _connect(f"{uri}?mode=ro&immutable=1", timeout)
    return conn


def _may_make_beside(target: Path) -> bool:
    """Whether this user may make the ``-wal`` and ``-shm`` beside ``target``, and they
    would then be the database's (as the daemons need them), not this user's own."""
    folder = target.parent
    try:
        owner = target.stat().st_uid
        readonly = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
    if readonly or not os.access(folder, os.W_OK):
        return False
    if free_bytes(folder) < FULL_MARGIN:  # a full disk: no room for a -shm
        return False
    return os.geteuid() in (0, owner)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _connect(uri: str, timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(
        uri, uri=True, isolation_level=None, timeout=timeout, check_same_thread=False
    )
