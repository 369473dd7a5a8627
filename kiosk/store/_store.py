"""The SQLite store: one file, WAL, ``synchronous=FULL``, one writer transaction at a time.

Every state change runs in ``BEGIN IMMEDIATE`` and appends its event rows to the
outbox in the same transaction, so a crash keeps both or neither.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kiosk.store._faults import StoreError, disk_full
from kiosk.store._kind import kiosk_version, refuse_other_file
from kiosk.store._migrations import LATEST, MIGRATIONS
from kiosk.store._readonly import connect_readonly
from kiosk.store.bell import Bell
from kiosk.store.kv import EVENT_SEQ, get_value, put_value


def iso_utc(epoch: float) -> str:
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Tx:
    """An open write transaction: run SQL, append events."""

    def __init__(self, conn: sqlite3.Connection, now: float) -> None:
        self.conn = conn
        self.now = now
        self.events = 0  # appended so far

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def one(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def get(self, key: str) -> Any:
        """The raw value under ``key`` in ``kv``: the named entries of :mod:`kiosk.store.kv`
        say what each key holds, and are what code reads them with."""
        return get_value(self.conn, key)

    def put(self, key: str, value: Any) -> None:
        """Store a raw value under ``key`` in ``kv`` (see :meth:`get`)."""
        put_value(self.conn, key, value)

    def event(self, type_: str, data: dict[str, Any]) -> dict[str, Any]:
        """Append an event: UUID id, the next gap-free seq, type, UTC timestamp, JSON data."""
        event = {
            "id": str(uuid.uuid4()),
            "seq": EVENT_SEQ.bump(self),
            "type": type_,
            "ts": iso_utc(self.now),
            "data": data,
        }
        self.conn.execute(
            "INSERT INTO events (seq, id, type, ts, data) VALUES (?, ?, ?, ?, ?)",
            (
                event["seq"],
                event["id"],
                type_,
                event["ts"],
                json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            ),
        )
        self.events += 1
        return event


class Store:
    """A connection to the site database, migrated to the latest schema."""

    def __init__(
        self, path: str | Path, busy_timeout_ms: int = 5000, *, readonly: bool = False
    ) -> None:
        """Open (and create, and migrate) the database at ``path``.

        ``readonly``: only read an existing database, creating nothing (see
        :func:`connect_readonly`); :class:`NoDatabase` if there is none. One with an older
        schema is migrated first when this user may write it.

        A file that is no kiosk database (another program's, not SQLite; where it is only
        read, an empty one too) is :class:`NotKioskDatabase`, and nothing is written to it.
        """
        self.path = Path(path)
        self.busy_timeout_ms = int(busy_timeout_ms)
        self.readonly = readonly and str(path) != ":memory:"
        self._relaxed = False  # synchronous is NORMAL after a change(durable=False)
        self._bell: Bell | None = None  # made at the first change that rings it
        conn: sqlite3.Connection | None = None
        try:
            if self.readonly:
                conn = self.conn = self._open_readonly()
            else:
                if str(path) != ":memory:":
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    refuse_other_file(self.path)
                # One thread at a time, but not necessarily the one that opened it (a daemon
                # may open the store, then hand it to its loop thread).
                conn = self.conn = sqlite3.connect(
                    str(path),
                    isolation_level=None,
                    timeout=busy_timeout_ms / 1000,
                    check_same_thread=False,
                )
                self.conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
                if str(path) != ":memory:":  # another program's database is left alone
                    kiosk_version(self.conn, self.path, new=True)
                # Switching a new file to WAL needs the file to itself, and SQLite answers
                # "locked" at once (no busy handler) while another opener reads it.
                mode = self._when_free("PRAGMA journal_mode = WAL")[0]
                if mode != "wal" and str(path) != ":memory:":
                    raise StoreError(f"{path}: cannot switch to WAL journal (got {mode!r})")
                self.conn.execute("PRAGMA synchronous = FULL")
                self.conn.execute("PRAGMA foreign_keys = ON")
                self._migrate()
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, StoreError):
                raise
            if isinstance(exc, sqlite3.DatabaseError | OSError):
                full = disk_full(exc, self.path)
                if full is not None:
                    raise full from None
            if isinstance(exc, sqlite3.DatabaseError):
                raise StoreError(f"{path}: {exc}") from None
            if isinstance(exc, OSError):
                raise StoreError(f"{path}: cannot open database: {exc.strerror or exc}") from None
            raise

    def _open_readonly(self) -> sqlite3.Connection:
        refuse_other_file(self.path)

        def vet(conn: sqlite3.Connection) -> None:
            kiosk_version(conn, self.path, new=False)

        conn = connect_readonly(self.path, self.busy_timeout_ms / 1000, vet=vet)
        try:
            version = kiosk_version(conn, self.path, new=False)
        except BaseException:
            conn.close()
            raise
        if version == LATEST:
            return conn
        conn.close()
        if version > LATEST:
            raise StoreError(
                f"{self.path}: database schema {version} is newer than this software ({LATEST})"
            )
        if not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)):
            raise StoreError(
                f"{self.path}: database schema {version} is older than this software "
                f"({LATEST}) and this user cannot upgrade it: start the kiosk daemons once "
                "(they upgrade it), or run the command as the kiosk user"
            )
        Store(self.path, self.busy_timeout_ms).close()  # upgrades it
        return connect_readonly(self.path, self.busy_timeout_ms / 1000)

    def close(self) -> None:
        self.conn.close()
        if self._bell is not None:
            self._bell.close()
            self._bell = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > LATEST:
            raise StoreError(
                f"{self.path}: database schema {version} is newer than this software ({LATEST})"
            )
        while version < LATEST:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                # Another process may have migrated while we waited for the lock.
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                if version < LATEST:
                    for statement in _statements(MIGRATIONS[version]):
                        self.conn.execute(statement)
                    version += 1
                    self.conn.execute(f"PRAGMA user_version = {version}")
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:  # SQLite ends it itself on a full disk
                    self.conn.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _begin_immediate(self) -> None:
        """Take the write lock, waiting up to the busy timeout (see :meth:`_when_free`)."""
        self._when_free("BEGIN IMMEDIATE")

    def _when_free(self, statement: str) -> tuple[object, ...]:
        """Run ``statement`` (its first row, or ``()``), retrying while the database is
        busy, in short jittered steps, up to the busy timeout.

        SQLite's own busy handler sleeps longer and longer (up to 100 ms a try), so
        with several daemons writing at once an unlucky one can wait seconds while
        others keep winning; and some statements get no busy handler at all. Short
        retries keep every writer's wait close to the length of the transactions ahead
        of it.
        """
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            deadline = time.monotonic() + self.busy_timeout_ms / 1000
            pause = 0.0002
            while True:
                try:
                    row = self.conn.execute(statement).fetchone()
                    return tuple(row) if row is not None else ()
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc) or time.monotonic() >= deadline:
                        raise
                time.sleep(pause * random.uniform(0.5, 1.5))
                pause = min(pause * 1.5, 0.002)
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")

    @contextmanager
    def change(self, now: float, *, durable: bool = True) -> Iterator[Tx]:
        """A write transaction (``BEGIN IMMEDIATE``): commit on success, roll back on error;
        one that recorded an event rings the screens' bell once committed.

        ``durable=False`` commits without waiting for the disk (``synchronous=NORMAL`` for
        this one commit): a power cut may undo it, never corrupt anything, and the next
        durable commit makes it durable too. Only for changes that are safe to lose, such
        as letting go of events central already holds (they would just be sent again).
        """
        if not durable:
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self._relaxed = True
        elif self._relaxed:  # a reset that could not run last time (a failed rollback)
            self.conn.execute("PRAGMA synchronous = FULL")
            self._relaxed = False
        try:
            self._begin_immediate()
            tx = Tx(self.conn, now)
            yield tx
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._raise_disk_full(exc)
            raise
        finally:
            if not durable and not self.conn.in_transaction:
                self.conn.execute("PRAGMA synchronous = FULL")
                self._relaxed = False
        if tx.events:
            self._ring()

    def _ring(self) -> None:
        """Ring the screens' bell (:mod:`kiosk.store.bell`): a change they may show."""
        if str(self.path) == ":memory:":
            return
        if self._bell is None:
            try:
                self._bell = Bell(self.path)
            except OSError:  # the file gone meanwhile: nobody to ring
                return
        self._bell.ring()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read snapshot."""
        try:
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._raise_disk_full(exc)
            raise

    def _raise_disk_full(self, exc: BaseException) -> None:
        """Raise :class:`DiskFull` in place of an SQLite error that is the disk being full."""
        if isinstance(exc, sqlite3.Error):
            full = disk_full(exc, self.path)
            if full is not None and full is not exc:
                raise full from None

    def report_health(self, daemon: str, state: str, detail: str, now: float) -> None:
        """Record how a daemon is doing (written when it changes, not on every loop)."""
        with self.change(now) as tx:
            tx.execute(
                "INSERT INTO health (daemon, state, detail, pid, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (daemon) DO UPDATE SET state = excluded.state, "
                "detail = excluded.detail, pid = excluded.pid, at = excluded.at",
                (daemon, state, detail, os.getpid(), now),
            )

    def health(self) -> list[dict[str, Any]]:
        """Each daemon's last report; one killed without a word shows as not running."""
        rows = self.conn.execute(
            "SELECT daemon, state, detail, pid, at FROM health ORDER BY daemon"
        )
        return [
            {
                "daemon": d,
                "state": s if s == "stopped" or _alive(pid) else "not running",
                "reported": s,
                "detail": detail,
                "pid": pid,
                "since": iso_utc(at),
            }
            for d, s, detail, pid, at in rows
        ]

    def data_version(self) -> int:
        """Changes when another connection commits; cheap to poll."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # another user's process
    except OSError:
        return False
    return True


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    # The primary result code, so BUSY_RECOVERY, BUSY_SNAPSHOT and the like count too.
    return exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _statements(script: str) -> list[str]:
    # executescript() would commit our transaction; split on complete statements instead.
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    return [s for s in out if s]
