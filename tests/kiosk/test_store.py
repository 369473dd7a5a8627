"""The SQLite store: pragmas, migrations, transactions and the event outbox."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store import (
    SCHEMA_VERSION,
    DiskFull,
    NoDatabase,
    NotKioskDatabase,
    Reserve,
    Store,
    StoreError,
    not_sqlite,
)
from sync.central_store import CentralStore
from tests.disks import NOBODY, fill, free, needs_root, remount, tmpfs


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


# ---------------------------------------------------------------------------------------
# A full disk (a real tmpfs of a few MiB, filled up) and a database only to be read
# ---------------------------------------------------------------------------------------


def older(db: Path) -> None:
    """A database one schema version behind (as the software before the last upgrade left it)."""
    from kiosk.store._migrations import MIGRATIONS
    from kiosk.store._store import _statements

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for script in MIGRATIONS[:-1]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.close()


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", "8m") as mounted:
        yield mounted


@needs_root
def test_fail__a_full_disk_during_a_change_is_disk_full_and_changes_nothing(disk: Path) -> None:
    with Store(disk / "kiosk.db") as store:
        with store.change(0.0) as tx:
            tx.event("kept", {})
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next commit needs room
        fill(disk)
        with pytest.raises(DiskFull) as raised, store.change(0.0) as tx:
            tx.event("lost", {"text": "x" * 100_000})
        message = str(raised.value)
        assert message.startswith(f"{disk / 'kiosk.db'}: disk full (")
        assert "free some space and try again" in message
        # One error for every handler: the store's, and SQLite's own (SQLITE_FULL).
        assert isinstance(raised.value, StoreError)
        assert isinstance(raised.value, sqlite3.OperationalError)
        assert raised.value.sqlite_errorcode == sqlite3.SQLITE_FULL
        assert store.conn.execute("SELECT type FROM events").fetchall() == [("kept",)]
        (disk / "ballast").unlink()
        with store.change(0.0) as tx:  # room again: the store goes on, seq without a gap
            assert tx.event("after", {})["seq"] == 2


@needs_root
def test_fail__a_full_disk_at_open_says_disk_full_not_disk_io_error(disk: Path) -> None:
    with Store(disk / "kiosk.db") as store, store.change(0.0) as tx:
        tx.event("kept", {})
    assert not (disk / "kiosk.db-shm").exists()  # closed cleanly: made again at the next open
    older(disk / "older.db")
    with contextlib.closing(sqlite3.connect(disk / "older.db")) as conn:
        conn.execute("SELECT COUNT(*) FROM kv").fetchone()  # its -shm is in place
        fill(disk)
        with pytest.raises(DiskFull, match=r"older\.db: disk full \(0 bytes free in "):
            Store(disk / "older.db")  # the upgrade finds no room
    fill(disk)  # what its -shm held
    for db in (disk / "kiosk.db", disk / "new.db", disk / "new" / "kiosk.db"):
        with pytest.raises(DiskFull, match=r"disk full \(0 bytes free in "):
            Store(db)


def test_fail__a_store_only_to_read_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "kiosk.db"
    with pytest.raises(NoDatabase, match=r"typo/kiosk\.db: no such database"):
        Store(missing, readonly=True)
    assert not missing.parent.exists()
    with pytest.raises(NoDatabase):
        Store(tmp_path / "kiosk.db", readonly=True)
    assert list(tmp_path.iterdir()) == []


def other_programs_database(path: Path) -> bytes:
    """An SQLite database of another program (schema version 0, a table of its own)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('Họp giao ban thứ Hai')")
        conn.commit()
    return path.read_bytes()


def versioned_database(path: Path) -> bytes:
    """Another program's SQLite database that sets a schema version of its own, as most do."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO foo (name) VALUES ('Nguyễn Thị Ánh')")
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
    return path.read_bytes()


def not_kiosk_files(folder: Path) -> dict[str, tuple[bytes, str]]:
    """Files that are no kiosk database, each with its bytes and what it is said to be."""
    tableless = folder / "tableless.db"
    with contextlib.closing(sqlite3.connect(tableless)) as conn:
        conn.execute("PRAGMA page_size = 1024")
        conn.execute("VACUUM")  # a header, and nothing in it
    CentralStore(f"sqlite://{folder / 'central.db'}").close()  # central's, named by mistake
    (folder / "empty.db").write_bytes(b"")
    (folder / "text.db").write_bytes("Danh sách hồ sơ\n".encode() * 64)
    return {
        "other.db": (other_programs_database(folder / "other.db"),
                     "another program's SQLite database"),
        "versioned.db": (versioned_database(folder / "versioned.db"),
                         "another program's SQLite database"),
        "central.db": ((folder / "central.db").read_bytes(), "central's database"),
        "empty.db": (b"", "an empty file"),
        "tableless.db": (tableless.read_bytes(), "an SQLite database without tables"),
        "text.db": ((folder / "text.db").read_bytes(), "not an SQLite file"),
    }  # fmt: skip


def test_fail__a_store_only_to_read_refuses_what_is_no_kiosk_database_and_writes_nothing(
    tmp_path: Path,
) -> None:
    files = not_kiosk_files(tmp_path)
    for name, (content, what) in files.items():
        with pytest.raises(NotKioskDatabase) as raised:
            Store(tmp_path / name, readonly=True)
        assert isinstance(raised.value, NoDatabase)  # a command that only reads: exit 66
        assert str(raised.value) == (
            f"{tmp_path / name}: not a kiosk database: {what} (check --db or store.path)"
        )
        assert (tmp_path / name).read_bytes() == content, name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)


def test_fail__a_store_leaves_another_programs_database_as_it_is(tmp_path: Path) -> None:
    """Even where it may write, another program's database or a file that is not SQLite is
    refused, not given kiosk's tables; an empty file is a new database."""
    files = not_kiosk_files(tmp_path)
    for name in ("other.db", "versioned.db", "central.db", "text.db"):
        content, what = files[name]
        with pytest.raises(NotKioskDatabase, match=f"not a kiosk database: {what}"):
            Store(tmp_path / name)
        assert (tmp_path / name).read_bytes() == content, name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)
    for name in ("empty.db", "tableless.db"):
        with Store(tmp_path / name) as made:
            assert made.schema_version == SCHEMA_VERSION


def test_ok__stores_opening_a_new_database_at_once_all_take_it_for_a_kiosk_one(
    tmp_path: Path,
) -> None:
    """Daemons starting together on a database not made yet: while one makes the tables,
    the others never see it half-way (version 0 and tables) and take it for another
    program's."""
    problems: list[str] = []

    def opener(db: Path, start: threading.Barrier) -> None:
        start.wait()
        try:
            with Store(db, busy_timeout_ms=20000) as store:
                assert store.schema_version == SCHEMA_VERSION
        except Exception as exc:  # reported below, with the others
            problems.append(repr(exc))

    for attempt in range(30):
        db = tmp_path / f"{attempt}" / "kiosk.db"
        start = threading.Barrier(8)
        threads = [threading.Thread(target=opener, args=(db, start)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert problems == []


def test_ok__a_store_opening_a_new_file_another_program_is_writing_waits_for_it(
    tmp_path: Path,
) -> None:
    """Switching a new file to WAL while another connection holds its write lock: SQLite
    answers "locked" at once, without its busy handler; the store waits its timeout."""
    db = tmp_path / "kiosk.db"
    db.touch()
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    done = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    done.start()
    started = time.monotonic()
    try:
        with Store(db, busy_timeout_ms=5000) as store:
            assert store.schema_version == SCHEMA_VERSION
        assert time.monotonic() - started >= 0.25  # it waited for the other to finish
    finally:
        done.join()
        other.close()


def test_ok__a_store_only_to_read_sees_the_latest_commit_and_cannot_write(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    with Store(db) as writer:
        with writer.change(0.0) as tx:
            tx.event("first", {})
        with Store(db, readonly=True) as reader:
            with writer.change(0.0) as tx:  # still in the -wal: the reader sees it too
                tx.event("second", {})
            assert reader.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 2
            with (
                pytest.raises(sqlite3.OperationalError, match="readonly"),
                reader.change(0.0) as tx,
            ):
                tx.event("refused", {})


def test_ok__a_store_only_to_read_follows_a_daemon_that_checkpoints_meanwhile(
    tmp_path: Path,
) -> None:
    """A daemon has the database open with nothing in its -wal (just checkpointed): the
    reader still reads it SQLite's usual way, not as an unchanging file, so what the
    daemon writes and copies into the file meanwhile is seen, whole."""
    db = tmp_path / "kiosk.db"
    with Store(db) as daemon:
        with daemon.change(0.0) as tx:
            tx.event("first", {"text": "Đất đai"})
        daemon.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert Path(f"{db}-wal").stat().st_size == 0 and Path(f"{db}-shm").exists()
        with Store(db, readonly=True) as reader:
            seen = reader.data_version()
            assert reader.conn.execute("SELECT type FROM events").fetchall() == [("first",)]
            for n in range(50):  # pages of the file rewritten under the reader
                with daemon.change(0.0) as tx:
                    tx.event("more", {"text": "Hộ tịch " * 40, "n": n})
            daemon.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            assert reader.data_version() != seen  # it can tell, as the screens do
            assert reader.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 51
            assert reader.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"


@needs_root
def test_ok__what_a_read_makes_beside_the_database_is_the_databases_owners(
    tmp_path: Path,
) -> None:
    """Read while no daemon has it open, by root: SQLite's -wal and -shm are made as usual,
    given to the database's owner (the kiosk user), never left as root's."""
    folder = tmp_path / "site"
    folder.mkdir()
    db = folder / "kiosk.db"
    with Store(db) as store, store.change(0.0) as tx:
        tx.event("kept", {})
    for path in (folder, db):
        os.chown(path, NOBODY, NOBODY)
    with Store(db, readonly=True) as reader:
        assert reader.conn.execute("SELECT type FROM events").fetchall() == [("kept",)]
    beside = [p for p in folder.iterdir() if p != db]
    assert beside  # read SQLite's usual way
    assert all((p.stat().st_uid, p.stat().st_gid) == (NOBODY, NOBODY) for p in beside)


@needs_root
def test_ok__a_store_only_to_read_reads_a_database_on_a_read_only_disk(disk: Path) -> None:
    db = disk / "kiosk.db"
    with Store(db) as store, store.change(0.0) as tx:
        tx.event("kept", {"text": "Đất đai"})
    remount(disk, readonly=True)  # root cannot write there either: no -shm can be made
    with Store(db, readonly=True) as reader:
        row = reader.conn.execute("SELECT type, data FROM events").fetchone()
    assert row == ("kept", '{"text":"Đất đai"}')
    assert sorted(p.name for p in disk.iterdir()) == ["kiosk.db"]


@needs_root
def test_fail__changes_left_in_a_wal_that_cannot_be_read_are_not_left_out(disk: Path) -> None:
    db = disk / "kiosk.db"
    with Store(db) as store:
        store.conn.execute("PRAGMA wal_autocheckpoint = 0")
        with store.change(0.0) as tx:
            tx.event("in the wal", {})
        # A process killed with the database open leaves its -wal and -shm behind.
        shutil.copy(db, disk / "copy.db")
        shutil.copy(f"{db}-wal", disk / "copy.db-wal")
    remount(disk, readonly=True)
    with pytest.raises(StoreError, match=r"copy\.db: its latest changes are in copy\.db-wal"):
        Store(disk / "copy.db", readonly=True)


@needs_root
def test_ok__a_store_only_to_read_works_on_a_full_disk(disk: Path) -> None:
    db = disk / "kiosk.db"
    with Store(db) as store, store.change(0.0) as tx:
        tx.event("kept", {})
    fill(disk)
    with Store(db, readonly=True) as reader:
        assert reader.conn.execute("SELECT type FROM events").fetchall() == [("kept",)]


@needs_root
def test_ok__the_reserve_keeps_room_and_gives_it_back(disk: Path) -> None:
    reserve = Reserve(disk / "kiosk.db", size=1 << 20)
    assert reserve.ready() and reserve.held
    assert reserve.path == disk / "kiosk.db-reserve"
    assert reserve.path.stat().st_blocks * 512 >= 1 << 20  # allocated, not a sparse file
    fill(disk)
    assert reserve.ready()  # in place: nothing to make
    assert reserve.spend() and not reserve.held
    assert free(disk) >= 1 << 20
    fill(disk)
    assert not reserve.ready()
    assert reserve.problem.startswith("disk full: no room for the 1.0 MiB kept free beside ")
    assert sorted(p.name for p in disk.iterdir()) == ["ballast"]  # no half-made reserve
    assert not reserve.spend()
    (disk / "ballast").unlink()
    fill(disk, leave=1536 << 10)  # room for it, but not for it and the other writers too
    left = free(disk)
    assert not reserve.ready()
    assert reserve.problem.endswith("(1.5 MiB free)")
    assert free(disk) == left  # and nothing taken
    (disk / "ballast").unlink()
    assert reserve.ready() and reserve.held


@needs_root
def test_ok__a_store_only_to_read_upgrades_an_older_schema_only_where_it_may_write(
    disk: Path,
) -> None:
    older(disk / "writable.db")
    with Store(disk / "writable.db", readonly=True) as reader:
        assert reader.schema_version == SCHEMA_VERSION
    older(disk / "kept.db")
    remount(disk, readonly=True)
    with pytest.raises(StoreError, match=r"kept\.db: database schema \d+ is older than this"):
        Store(disk / "kept.db", readonly=True)


def _reserve_as_nobody(folder: Path) -> dict[str, object]:
    """Reserve.ready() for a database in ``folder``, run by a user who is not root."""
    from tests.disks import as_nobody, python_for_nobody

    script = (
        "import json, sys; from kiosk.store import Reserve; "
        "r = Reserve(sys.argv[1], note='printed'); ok = r.ready(); "
        "print(json.dumps({'ok': ok, 'reason': r.reason, 'problem': r.problem}))"
    )
    done = subprocess.run(
        [*as_nobody(), *python_for_nobody(), "-c", script, str(folder / "kiosk.db")],
        capture_output=True, text=True, cwd="/", check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@needs_root
def test_fail__a_reserve_another_user_keeps_from_being_made_says_whose_file_not_disk_full() -> None:
    from tests.disks import NOBODY, public_folder

    with public_folder() as top:
        # A run as root left its half-made reserve in the kiosk user's folder: it goes.
        site = top / "site"
        site.mkdir()
        os.chown(site, NOBODY, NOBODY)
        (site / "kiosk.db-reserve.new").write_bytes(b"root's")
        (site / "kiosk.db-printed").write_bytes(b"T-1\n".ljust(4096, b"\n"))
        (site / "kiosk.db-printed").chmod(0o644)  # and a note only root may write
        assert _reserve_as_nobody(site) == {"ok": True, "reason": "", "problem": ""}
        assert sorted(p.name for p in site.iterdir()) == ["kiosk.db-printed", "kiosk.db-reserve"]
        assert (site / "kiosk.db-reserve").stat().st_size == 2 << 20
        assert (site / "kiosk.db-printed").stat().st_uid == NOBODY
        assert (site / "kiosk.db-printed").read_text().split() == ["T-1"]  # its lines kept

        # The folder is root's: the kiosk user can make nothing in it.
        owned = top / "owned"
        owned.mkdir(mode=0o755)
        made = _reserve_as_nobody(owned)
        assert (made["ok"], made["reason"]) == (False, "no_reserve")
        problem = str(made["problem"])
        assert f": {owned}: permission denied" in problem
        assert f"run `chown nobody: {owned}`" in problem
        assert "no tickets until then" in problem
        assert "disk full" not in problem

        # A shared folder (sticky, as /tmp): root's leftover cannot be removed, and is named.
        shared = top / "shared"
        shared.mkdir()
        shared.chmod(0o1777)
        (shared / "kiosk.db-printed.new").write_bytes(b"root's")
        made = _reserve_as_nobody(shared)
        assert (made["ok"], made["reason"]) == (False, "no_reserve")
        assert f"run `chown nobody: {shared / 'kiosk.db-printed.new'}`" in str(made["problem"])


@needs_root
def test_fail__a_note_the_kiosk_user_cannot_read_is_never_made_again_empty() -> None:
    """Root left the note of printed tickets readable by root alone: what it holds is not
    known, so it is kept as it is, and the reserve is not ready, saying the fix."""
    from tests.disks import NOBODY, public_folder

    with public_folder() as top:
        site = top / "site"
        site.mkdir()
        os.chown(site, NOBODY, NOBODY)
        note = site / "kiosk.db-printed"
        held = b"T-1\n".ljust(4096, b"\n")
        note.write_bytes(held)
        note.chmod(0o600)
        made = _reserve_as_nobody(site)
        assert (made["ok"], made["reason"]) == (False, "no_reserve")
        assert made["problem"] == (
            f"cannot read the note kiosk.db-printed beside {site / 'kiosk.db'}: {note}: "
            "permission denied (left by a run as another user, such as root?): run "
            f"`chown nobody: {note}`; until then no tickets, and those left issued are "
            "neither voided nor recorded as printed"
        )
        assert (note.read_bytes(), note.stat().st_uid) == (held, 0)  # untouched
        assert not (site / "kiosk.db-printed.new").exists()

        # Once it is the kiosk user's, it is ready, its lines kept.
        os.chown(note, NOBODY, NOBODY)
        assert _reserve_as_nobody(site)["ok"] is True
        assert note.read_text().split() == ["T-1"]


@needs_root
def test_fail__a_note_of_another_user_too_long_to_make_again_says_so_in_one_line() -> None:
    from tests.disks import NOBODY, public_folder

    with public_folder() as top:
        site = top / "site"
        site.mkdir()
        os.chown(site, NOBODY, NOBODY)
        note = site / "kiosk.db-printed"
        held = "".join(f"T-{n:06d}\n" for n in range(600)).encode()  # over 4 KiB
        note.write_bytes(held)
        note.chmod(0o644)
        made = _reserve_as_nobody(site)  # no traceback
        assert (made["ok"], made["reason"]) == (False, "no_reserve")
        assert str(made["problem"]).startswith(
            f"cannot make the note kiosk.db-printed beside {site / 'kiosk.db'} again: {note} "
            "holds 600 lines, more than fit in 4 KiB"
        )
        assert f"run `chown nobody: {note}`" in str(made["problem"])
        assert note.read_bytes() == held


def test_ok__a_note_is_rewritten_in_place_never_made_by_a_write(tmp_path: Path) -> None:
    from kiosk.store import Note

    note = Note(tmp_path / "kiosk.db", "printed")
    with pytest.raises(FileNotFoundError):
        note.write(["T-1"])  # ready() makes it, and syncs its folder
    assert list(tmp_path.iterdir()) == []
    assert note.ready()
    note.path.write_bytes(b"T-0\n" * 2000)  # lines past its end, left by another
    note.write(["T-1"])
    assert note.lines() == ["T-1"]
    assert note.path.stat().st_size == 4096


@needs_root
def test_fail__a_note_the_disk_takes_only_part_of_is_not_put_in_place(disk: Path) -> None:
    from kiosk.store import Note
    from tests.disks import fill

    note = Note(disk / "kiosk.db", "printed", size=256 << 10)
    (disk / "kiosk.db-printed").write_bytes(b"T-1\n")  # an old one, smaller: made again
    fill(disk, leave=64 << 10)
    assert not note.ready()
    assert note.reason == "disk_full"
    assert (disk / "kiosk.db-printed").read_bytes() == b"T-1\n"
    assert not (disk / "kiosk.db-printed.new").exists()


@needs_root
def test_fail__a_reserve_on_a_read_only_disk_says_read_only_not_disk_full(disk: Path) -> None:
    remount(disk, readonly=True)
    reserve = Reserve(disk / "kiosk.db", note="printed")
    assert not reserve.ready()
    assert reserve.reason == "no_reserve"
    assert f"{disk} is on a read-only filesystem" in reserve.problem
    assert "disk full" not in reserve.problem


@pytest.mark.parametrize(
    ("head", "other"),
    [
        (b"", False),
        (b"SQLite format 3\x00" + b"\x10" * 84, False),
        (b"SQLite f", False),  # the first page being written by another process
        (b"\x00" * 4096, False),  # the same, its bytes not there yet
        (b"not a database", True),
        (b"SQLite format 4\x00", True),
    ],
)
def test_ok__only_a_file_that_holds_something_else_is_told_not_sqlite(
    tmp_path: Path, head: bytes, other: bool
) -> None:
    path = tmp_path / "kiosk.db"
    path.write_bytes(head)
    assert not_sqlite(path) is other


def test_ok__each_kv_entry_keeps_its_key_and_stored_form(tmp_path: Path) -> None:
    """The named entries read and write the keys and the values as the database has always
    held them (no migration: an older database reads the same)."""
    import datetime as dt

    from kiosk.store import kv

    with Store(tmp_path / "kiosk.db") as store:
        with store.change(1000.0) as tx:
            kv.BUSINESS_DAY.write(tx, dt.date(2025, 3, 4))
            kv.PRINTER.write(tx, {"state": "paper_low", "detail": "giấy sắp hết"})
            kv.NOTICE.write(tx, kv.Notice("Nghỉ trưa", 1600.0))
            kv.said("wall").write(tx, 7)
            kv.CENTRAL_CONFIG.write(tx, kv.CentralConfig(3, {"notices": ["Chào"]}))
            kv.TICKET_KEY.write(tx, b"\x01\xff")
            kv.CLOCK_BEHIND.write(tx, True)
            assert kv.RANK.bump(tx) == 1
        raw = dict(store.conn.execute("SELECT key, value FROM kv").fetchall())
        assert raw["business_day"] == "2025-03-04"
        assert raw["printer"] == json.dumps({"state": "paper_low", "detail": "giấy sắp hết"})
        assert raw["notice"] == '{"text": "Nghỉ trưa", "until": 1600.0}'
        assert raw["said:wall"] == 7
        assert raw["central_config"] == '{"version": 3, "body": {"notices": ["Chào"]}}'
        assert raw["ticket_key"] == "01ff"
        assert (raw["clock_behind"], raw["rank"], raw["event_seq"], raw["outbox_acked"]) == (
            1, 1, 0, 0)  # fmt: skip
        conn = store.conn
        assert kv.BUSINESS_DAY.read(conn) == dt.date(2025, 3, 4)
        assert kv.PRINTER.read(conn) == {"state": "paper_low", "detail": "giấy sắp hết"}
        notice = kv.NOTICE.need(conn)
        assert (notice.live(1599.0), notice.live(1600.0)) == ("Nghỉ trưa", "")
        assert kv.said("wall").read(conn) == 7 and kv.said("voice").read(conn) is None
        assert kv.CENTRAL_CONFIG.read(conn) == kv.CentralConfig(3, {"notices": ["Chào"]})
        assert kv.TICKET_KEY.read(conn) == b"\x01\xff"
        assert kv.CLOCK_BEHIND.read(conn) is True
        assert kv.OUTBOX_DB.need(conn) == raw["outbox_db"]
        assert kv.LAST_SEEN.read(conn) is None
        with pytest.raises(KeyError, match="last_seen"):
            kv.LAST_SEEN.need(conn)
        with store.change(1001.0) as tx:  # a value that is not one reads as none
            tx.put("notice", "not json")
            tx.put("central_config", '{"version": 1}')
        assert kv.NOTICE.read(conn) is None and kv.CENTRAL_CONFIG.read(conn) is None
