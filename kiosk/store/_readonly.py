"""Opening the database only to read it, creating nothing: not the file, not its folder,
and, where the user may not write beside it, not its ``-wal`` and ``-shm`` files either.

A WAL database with changes in its ``-wal`` (a daemon has it open) is read through
that and its ``-shm``. With none there, the file alone is all of it, and it is read as
it is (SQLite's ``immutable``), which makes no ``-shm``: one that a folder the user
cannot write, or a read-only or full disk, would refuse, and that root would leave
behind as its own. Changes in a ``-wal`` that cannot be read (its ``-shm`` cannot be
read or made) are not silently left out: that is an error naming the way round it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.store._faults import NoDatabase, StoreError


def connect_readonly(path: str | Path, timeout: float = 5.0) -> sqlite3.Connection:
    """A connection that can only read the existing database at ``path``.

    Raises :class:`NoDatabase` when there is no such file, :class:`StoreError` when its
    latest changes cannot be read by this user, and :class:`sqlite3.Error` otherwise.
    """
    target = Path(path)
    if not target.is_file():
        if target.exists():
            raise StoreError(f"{path}: not a database file")
        raise NoDatabase(f"{path}: no such database (check --db or store.path)")
    uri = target.absolute().as_uri()
    wal, shm = Path(f"{target}-wal"), Path(f"{target}-shm")
    if _size(wal) == 0:
        # No changes outside the file: it is all of it. (Reading it SQLite's usual way
        # would make a -shm, and leave it and a -wal behind, this user's.)
        return _connect(f"{uri}?mode=ro&immutable=1", timeout)
    conn = _connect(f"{uri}?mode=ro", timeout)
    try:
        conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
            raise
        if _size(wal) > 0:
            raise StoreError(
                f"{path}: its latest changes are in {wal.name}, which this user can only read "
                f"with {shm.name} beside it, and that cannot be "
                f"{'read' if shm.exists() else 'made'} in {target.parent}: run the command "
                "as the kiosk user (sudo -u kiosk) or as root"
            ) from None
        return _connect(f"{uri}?mode=ro&immutable=1", timeout)
    return conn


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _connect(uri: str, timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(
        uri, uri=True, isolation_level=None, timeout=timeout, check_same_thread=False
    )
