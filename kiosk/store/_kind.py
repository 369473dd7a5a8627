"""Whether a file is a kiosk database, told before anything is written to it.

A kiosk database is an SQLite file whose schema version (``user_version``) is 1 or more
and which has kiosk's tables: the first migration makes them and sets the version in one
transaction. A file that is not SQLite, or an SQLite database with tables of its own
(another program's, named by mistake in ``--db``, whatever version it set for itself),
is refused; so is an empty one where a database is only to be read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.store._faults import NotKioskDatabase

SQLITE_HEADER = b"SQLite format 3\x00"
CENTRAL_TABLES = frozenset({"events", "devices", "states"})  # what ``kiosk central`` keeps
KIOSK_TABLES = frozenset({"kv", "tickets"})  # made by the first migration, with version 1


def not_sqlite(path: Path) -> bool:
    """Whether the file at ``path`` holds something other than SQLite (an empty or missing
    file, or one that cannot be read, is not told apart here: SQLite says what it is). A
    head read while another process writes the file's first page (zeros, or the header's
    first bytes) is not taken for another program's file either."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError:  # none there, a folder, unreadable
        return False
    return bool(head.strip(b"\0")) and not SQLITE_HEADER.startswith(head)


def refuse_other_file(path: Path) -> None:
    """:class:`NotKioskDatabase` if the file at ``path`` holds something other than SQLite
    (an empty or missing file is not refused here)."""
    if not_sqlite(path):
        raise NotKioskDatabase(_told(path, "not an SQLite file"))


def kiosk_version(conn: sqlite3.Connection, path: Path, *, new: bool) -> int:
    """The schema version of the kiosk database open in ``conn``. ``new``: an SQLite file
    without tables (empty) may be made a kiosk database; otherwise it is refused too."""
    # One snapshot: another process may be making the database a kiosk one meanwhile.
    conn.execute("BEGIN")
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema")}
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
    if version > 0 and tables >= KIOSK_TABLES:
        return version
    if tables or version > 0:  # most programs set a user_version of their own
        central = tables >= CENTRAL_TABLES
        raise NotKioskDatabase(
            _told(path, "central's database" if central else "another program's SQLite database")
        )
    if not new:
        empty = _size(path) == 0
        raise NotKioskDatabase(
            _told(path, "an empty file" if empty else "an SQLite database without tables")
        )
    return 0


def _told(path: Path, what: str) -> str:
    return f"{path}: not a kiosk database: {what} (check --db or store.path)"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
