"""The SQLite store: pragmas, migrations, transactions and the event outbox."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import pytest

from kiosk.store import SCHEMA_VERSION, Store, StoreError


def test_ok__pragmas_and_schema(store: Store) -> None:
    conn = store.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert store.schema_version == SCHEMA_VERSION >= 1


def test_ok__reopening_does_not_migrate_again(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    with Store(db) as first, first.change(0.0) as tx:
        tx.event("test", {"n": 1})
    with Store(db) as second:
        assert second.schema_version == SCHEMA_VERSION
        assert second.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1


def test_ok__events_have_uuid_gap_free_seq_iso_ts_and_json(store: Store) -> None:
    with store.change(1_763_780_000.5) as tx:
        tx.event("a", {"text": "Đất đai"})
        tx.event("b", {})
    rows = store.conn.execute("SELECT seq, id, type, ts, data FROM events ORDER BY seq").fetchall()
    assert [row[0] for row in rows] == [1, 2]
    assert all(uuid.UUID(row[1]).version == 4 for row in rows)
    assert rows[0][3] == "2025-11-22T02:53:20.500Z"
    assert json.loads(rows[0][4]) == {"text": "Đất đai"}


def test_ok__a_failed_change_leaves_no_rows_and_no_seq_gap(store: Store) -> None:
    with pytest.raises(RuntimeError), store.change(0.0) as tx:
        tx.event("lost", {})
        raise RuntimeError("boom")
    with store.change(0.0) as tx:
        kept = tx.event("kept", {})
    assert kept["seq"] == 1
    assert store.conn.execute("SELECT type FROM events").fetchall() == [("kept",)]


def test_ok__writers_take_the_lock_at_begin(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    with (
        Store(db) as first,
        Store(db, busy_timeout_ms=100) as second,
        first.change(0.0),
        pytest.raises(sqlite3.OperationalError, match="locked"),
        second.change(0.0),
    ):
        pass


def test_fail__newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this software"):
        Store(db)


def test_fail__not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    db.write_bytes(b"\x00garbage" * 512)
    with pytest.raises(StoreError, match=r"kiosk\.db"):
        Store(db)


def test_fail__directory_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot open database"):
        Store(blocker / "sub" / "kiosk.db")


def test_ok__data_version_tells_a_reader_another_process_committed(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    with Store(db) as reader, Store(db) as writer:
        before = reader.data_version()
        assert reader.data_version() == before  # nothing committed: no wake-up
        with writer.change(0.0) as tx:
            tx.event("ticket.issued", {})
        assert reader.data_version() != before


def test_ok__a_change_that_may_be_lost_does_not_wait_for_the_disk_and_only_it(
    store: Store,
) -> None:
    def synchronous() -> int:
        return int(store.conn.execute("PRAGMA synchronous").fetchone()[0])

    assert synchronous() == 2  # FULL
    with store.change(0.0, durable=False) as tx:
        assert synchronous() == 1  # NORMAL, for this commit only
        tx.event("test.light", {})
    assert synchronous() == 2
    with pytest.raises(RuntimeError), store.change(0.0, durable=False) as tx:
        tx.event("test.light", {})
        raise RuntimeError("undone")
    assert synchronous() == 2  # back to FULL after a rollback too
    with store.change(0.0) as tx:
        assert synchronous() == 2
    assert store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1


def test_ok__a_light_change_that_cannot_start_leaves_commits_durable(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    with Store(path, busy_timeout_ms=50) as store, Store(path) as other:
        other.conn.execute("BEGIN IMMEDIATE")  # another daemon holds the write lock
        with pytest.raises(sqlite3.OperationalError), store.change(0.0, durable=False):
            pass
        other.conn.execute("COMMIT")
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
        with store.change(0.0) as tx:
            tx.event("test.after", {})
            assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
