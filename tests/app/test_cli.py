"""The CLI as a user runs it: a real process, real files, one-line errors, JSON output."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.store import Store
from sync.central_store import CentralStore
from tests.conftest import ROOT, kiosk_in
from tests.disks import fill, kiosk_as_nobody, needs_root, public_folder, tmpfs

# Open round the clock so the tests do not depend on when they run.
ALWAYS_OPEN = """
[site]
id = "hcc-test"
name = "Bộ phận Một cửa xã Thử Nghiệm"

[hours]
open = "00:00"
close = "24:00"
lunch_start = ""
lunch_end = ""
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[queue]
missed_tolerance_minutes = 30

[[services]]
id = "dat-dai"
name = "Đất đai"
prefix = "A"
daily_cap = 3

[[services]]
id = "ho-tich"
name = "Tư pháp - Hộ tịch"
band = [1001, 1999]

[[counters]]
number = 1
services = ["dat-dai", "ho-tich"]

[[counters]]
number = 2
services = ["ho-tich"]
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(ALWAYS_OPEN, encoding="utf-8")
    return tmp_path


def kiosk(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return kiosk_in(site, *args)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_ok__version_is_the_packages(tmp_path: Path) -> None:
    """kiosk --version needs no configuration: it prints the version kiosk/__init__.py
    holds, as the installed package's metadata has it too."""
    import importlib.metadata

    import kiosk as package

    for args in (["--version"], ["--config", str(tmp_path / "none.toml"), "--version"]):
        done = kiosk_in(tmp_path, *args)
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        assert done.stdout == f"kiosk {package.__version__}\n"
    assert importlib.metadata.version("kiosk") == package.__version__


def test_ok__issue_call_done_flow_with_json(site: Path) -> None:
    first = json.loads(kiosk(site, "--json", "issue", "dat-dai").stdout)
    second = json.loads(kiosk(site, "issue", "dat-dai", "--priority", "--json").stdout)
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert second["priority"] is True and second["status"] == "waiting"
    called = json.loads(kiosk(site, "call", "1", "--json").stdout)
    assert called["called"]["number"] == "A002"  # priority first
    done = kiosk(site, "done", "1")
    assert done.returncode == 0 and "Counter 1 finished A002 in " in done.stdout
    status = json.loads(kiosk(site, "status", "--json").stdout)
    land = next(s for s in status["services"] if s["id"] == "dat-dai")
    assert (land["waiting"], land["issued"], land["remaining"]) == (1, 2, 1)
    counter = next(c for c in status["counters"] if c["number"] == 1)
    assert counter["served_today"] == 1 and counter["serving"] is None


def test_ok__status_text_shows_vietnamese_names(site: Path) -> None:
    kiosk(site, "issue", "ho-tich")
    kiosk(site, "call", "2")
    result = kiosk(site, "status")
    assert result.returncode == 0
    assert "Tư pháp - Hộ tịch" in result.stdout
    assert "1001" in result.stdout  # serving at counter 2


def test_ok__skip_reenter_transfer_pause_resume(site: Path) -> None:
    kiosk(site, "issue", "ho-tich")
    kiosk(site, "call", "2")
    assert kiosk(site, "skip", "2").returncode == 0
    missed = json.loads(kiosk(site, "status", "--json").stdout)["missed"]
    assert [m["number"] for m in missed] == ["1001"]
    assert kiosk(site, "reenter", "1001").returncode == 0
    assert json.loads(kiosk(site, "call", "2", "--json").stdout)["called"]["number"] == "1001"
    moved = json.loads(kiosk(site, "transfer", "2", "dat-dai", "--json").stdout)
    assert moved["service"] == "dat-dai" and moved["number"] == "1001"
    assert kiosk(site, "pause", "1", "--reason", "Họp giao ban").returncode == 0
    paused = kiosk(site, "call", "1")
    assert paused.returncode == 1 and "Họp giao ban" in one_line_error(paused)
    assert kiosk(site, "resume", "1").returncode == 0
    assert json.loads(kiosk(site, "call", "1", "--json").stdout)["called"]["number"] == "1001"


def test_ok__nobody_waiting_is_not_an_error(site: Path) -> None:
    result = kiosk(site, "call", "1")
    assert result.returncode == 0 and result.stdout == "No one is waiting for counter 1.\n"
    assert kiosk(site, "issue", "dat-dai").returncode == 0
    assert kiosk(site, "call", "1").returncode == 0
    last = kiosk(site, "call", "1")  # finishes A001, the one sentence says both
    assert (last.returncode, last.stderr) == (0, "")
    assert last.stdout == "Counter 1 finished A001; no one else is waiting for it.\n"


def test_ok__each_queue_answer_is_a_plain_sentence(site: Path) -> None:
    """What each queue command answers (without --json) is one sentence, capital first and
    a full stop last, its ticket's kind and service together in one bracket."""
    said: list[str] = []

    def run(*args: str) -> str:
        done = kiosk(site, *args)
        assert (done.returncode, done.stderr) == (0, ""), (args, done.stderr)
        assert done.stdout.count("\n") == 1, (args, done.stdout)  # one line, one sentence
        said.extend(done.stdout.splitlines())
        return done.stdout

    assert run("issue", "dat-dai") == "Issued A001 (Đất đai): no one ahead, no wait.\n"
    assert run("issue", "ho-tich", "--priority") == (
        "Issued 1001 (priority, Tư pháp - Hộ tịch): no one ahead, no wait.\n"
    )
    assert re.fullmatch(
        r"Issued A002 \(Đất đai\): 1 person ahead, about \d+ min to wait\.\n",
        run("issue", "dat-dai"),
    )
    assert run("call", "1") == (
        "Counter 1 is calling 1001 (priority, Tư pháp - Hộ tịch); it waited under a minute.\n"
    )
    assert run("call", "1") == (
        "Counter 1 finished 1001 and is calling A001 (Đất đai); it waited under a minute.\n"
    )
    assert run("recall", "1") == "Counter 1 is calling A001 again (recall 1).\n"
    assert run("skip", "1") == (
        "A001 did not come to counter 1 and is on the missed list; it may re-enter within 30 min.\n"
    )
    assert re.fullmatch(
        r"A001 re-entered the queue for Đất đai at \d\d:\d\d\.\n", run("reenter", "A001")
    )
    run("call", "1")
    assert run("transfer", "1", "ho-tich") == (
        "Counter 1 sent A001 to Tư pháp - Hộ tịch, at the front of its queue.\n"
    )
    run("call", "2")
    assert re.fullmatch(r"Counter 2 finished A001 in \d+\.\d min\.\n", run("done", "2"))
    assert run("pause", "1", "--reason", "Họp giao ban") == "Counter 1 is paused (Họp giao ban).\n"
    assert run("pause", "2") == "Counter 2 is paused.\n"
    assert run("resume", "1") == "Counter 1 is open again.\n"
    assert run("notice", "Chiều nay nghỉ", "--minutes", "30") == (
        'The wall display shows the notice "Chiều nay nghỉ" for 30 min.\n'
    )
    assert run("notice") == "The wall display shows no notice.\n"
    assert run("ticket", "dat-dai", "--out", str(site / "t.bin")).startswith(
        "Issued A003 (Đất đai); wrote its "
    )
    for line in said:
        assert line[0].isupper() and line.endswith(".") and ") (" not in line, line
        assert "ưu tiên" not in line  # the CLI speaks English; names stay Vietnamese


def test_fail__cap_reached_is_refused_in_one_line(site: Path) -> None:
    for _ in range(3):
        assert kiosk(site, "issue", "dat-dai").returncode == 0
    result = kiosk(site, "issue", "dat-dai", "--json")
    assert result.returncode == 1
    assert "cap_reached" in one_line_error(result)
    assert json.loads(result.stdout)["error"] == "cap_reached"


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["issue", "dat-dia"], 1, "did you mean 'dat-dai'"),
        (["call", "9"], 1, "unknown counter 9"),
        (["call", "x"], 2, "counter must be a number"),
        (["done", "1"], 1, "not serving"),
        (["recall", "1"], 1, "not serving"),
        (["resume", "1"], 1, "not paused"),
        (["transfer", "1", "nowhere"], 1, "unknown service"),
        (["reenter", "A999"], 1, "no ticket A999"),
        (["frobnicate"], 2, "invalid choice"),
        ([], 2, "required"),
    ],
)
def test_fail__bad_input_gives_one_clear_line(
    site: Path, args: list[str], code: int, needle: str
) -> None:
    result = kiosk(site, *args)
    assert result.returncode == code
    assert needle in one_line_error(result)


# -- free text on the command line: the rule config.toml's text follows (kiosk.freetext)

ESC_CLEAR = "\x1b[2J"  # clears the terminal that prints it


def counter_state(site: Path, number: int) -> dict[str, Any]:
    """The counter as `kiosk status` shows it; a site whose every write was refused has no
    database yet, which `status` does not create: the daemons' start makes it."""
    if not (site / "kiosk.db").exists():
        Store(site / "kiosk.db").close()
    status = json.loads(kiosk(site, "status", "--json").stdout)
    found: dict[str, Any] = next(c for c in status["counters"] if c["number"] == number)
    return found


def events_of(site: Path, type_: str) -> list[dict[str, Any]]:
    with contextlib.closing(sqlite3.connect(site / "kiosk.db")) as conn:
        rows = conn.execute("SELECT data FROM events WHERE type = ? ORDER BY seq", (type_,))
        return [json.loads(data) for (data,) in rows.fetchall()]


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        (
            f"Họp giao ban{ESC_CLEAR}",
            "argument --reason: must not contain control characters (U+001B)",
        ),
        ("x" * 70_000, "argument --reason: too long (70000 characters; at most 200)"),
        ("Họp \u202egiao ban", "argument --reason: must not contain invisible characters (U+202E)"),
    ],
    ids=["escape", "70000-characters", "direction-override"],
)
def test_fail__a_bad_pause_reason_is_one_line_and_pauses_nothing(
    site: Path, reason: str, says: str
) -> None:
    result = kiosk(site, "pause", "1", "--reason", reason)
    assert result.returncode == 2  # a bad command line, as the other arguments
    line = one_line_error(result)
    assert says in line and len(line) < 200, line  # the reason is not echoed back
    assert "\x1b" not in result.stderr + result.stdout
    assert counter_state(site, 1)["paused"] is False
    assert events_of(site, "counter.paused") == []


def test_fail__a_pause_reason_that_is_not_utf8_is_one_line(site: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(site / "config.toml"),
         "--db", str(site / "kiosk.db"), "pause", "1", "--reason", b"H\xf4p"],
        capture_output=True, cwd=ROOT, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert "argument --reason: must be UTF-8 text (U+DCF4 is not a character)" in stderr
    assert counter_state(site, 1)["paused"] is False


def test_ok__a_decomposed_pause_reason_is_kept_nfc(site: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Họp giao ban Phường")
    assert nfd != "Họp giao ban Phường"
    result = kiosk(site, "pause", "1", "--reason", nfd)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Counter 1 is paused (Họp giao ban Phường)."
    assert counter_state(site, 1)["pause_reason"] == "Họp giao ban Phường"
    assert events_of(site, "counter.paused") == [{"counter": 1, "reason": "Họp giao ban Phường"}]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f"Nghỉ {ESC_CLEAR}", "argument TEXT: must not contain control characters (U+001B)"),
        ("x" * 501, "argument TEXT: too long (501 characters; at most 500)"),
    ],
    ids=["escape", "501-characters"],
)
def test_fail__a_bad_notice_is_one_line_and_shows_nothing(site: Path, text: str, says: str) -> None:
    assert kiosk(site, "notice", "Thông báo cũ").returncode == 0
    result = kiosk(site, "notice", text)
    assert result.returncode == 2
    assert says in one_line_error(result)
    assert "\x1b" not in result.stderr + result.stdout
    assert [e["text"] for e in events_of(site, "notice.set")] == ["Thông báo cũ"]


def test_ok__a_notice_is_kept_nfc_on_one_line(site: Path) -> None:
    nfd = unicodedata.normalize("NFD", "Chiều nay\nnghỉ từ 16 giờ")
    result = kiosk(site, "notice", nfd, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["notice"] == "Chiều nay nghỉ từ 16 giờ"
    assert events_of(site, "notice.set")[0]["text"] == "Chiều nay nghỉ từ 16 giờ"


def test_fail__a_bad_notice_for_central_to_send_is_one_line(site: Path) -> None:
    # Refused before anything is sent: no broker is needed to say so.
    result = kiosk(site, "central", "command", "site-controller", "notice", "--site", "hcc-test",
                   "--text", f"Nghỉ {ESC_CLEAR}")  # fmt: skip
    assert result.returncode == 2
    assert "argument --text: must not contain control characters (U+001B)" in one_line_error(result)


def test_ok__text_stored_before_the_checks_reaches_the_terminal_harmless(site: Path) -> None:
    """A database written before the rule holds a pause reason with escapes in it."""
    assert kiosk(site, "pause", "1", "--reason", "Họp").returncode == 0
    old = f"{ESC_CLEAR}Họp\x9b2J\u202e giao ban"
    with contextlib.closing(sqlite3.connect(site / "kiosk.db")) as conn, conn:
        conn.execute("UPDATE counter_state SET pause_reason = ? WHERE counter = 1", (old,))
    raw = ("\x1b", "\x9b", "\u202e")

    text = kiosk(site, "status")
    assert text.returncode == 0, text.stderr
    assert not any(ch in text.stdout for ch in raw)
    assert "paused: \\x1b[2JHọp\\x9b2J\\u202e giao ban" in text.stdout  # shown, escaped

    as_json = kiosk(site, "status", "--json")
    assert not any(ch in as_json.stdout for ch in raw)
    assert counter_state(site, 1)["pause_reason"] == old  # the same JSON, every character

    refused = kiosk(site, "call", "1")
    assert refused.returncode == 1
    line = one_line_error(refused)
    assert not any(ch in line for ch in raw) and "\\x1b[2JHọp" in line


def test_fail__bad_config_exits_78(site: Path) -> None:
    (site / "config.toml").write_text(ALWAYS_OPEN.replace("daily_cap = 3", "daily_cap = -3"))
    result = kiosk(site, "status")
    assert result.returncode == 78
    assert "services[0].daily_cap: must be a positive integer" in one_line_error(result)


def test_fail__a_file_that_is_not_sqlite_is_no_kiosk_database_exit_66(site: Path) -> None:
    content = b"this is not a database, just some bytes" * 100
    (site / "kiosk.db").write_bytes(content)
    for args in (["status"], ["issue", "dat-dai"]):
        result = kiosk(site, *args)
        assert result.returncode == 66  # EX_NOINPUT: no kiosk database there
        assert one_line_error(result) == (
            f"kiosk: database: {site / 'kiosk.db'}: not a kiosk database: not an SQLite file "
            "(check --db or store.path)"
        )
    assert (site / "kiosk.db").read_bytes() == content


def test_fail__another_programs_database_with_its_own_schema_version_is_no_kiosk_database(
    site: Path,
) -> None:
    """Most programs set user_version: a file with tables of its own at version 1 is still
    refused by every command, exit 66, and left as it was (no -wal or -shm beside it)."""
    other = site / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE foo (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO foo (name) VALUES ('Trần Văn Đức')")
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
    before = other.read_bytes()
    for args in (["status"], ["issue", "dat-dai"], ["call", "2"]):
        result = kiosk_db(site, other, *args)
        assert result.returncode == 66, result.stderr  # EX_NOINPUT
        assert one_line_error(result) == (
            f"kiosk: database: {other}: not a kiosk database: another program's SQLite "
            "database (check --db or store.path)"
        )
        assert other.read_bytes() == before
    assert sorted(p.name for p in site.iterdir()) == ["config.toml", "other.db"]


def test_fail__a_damaged_database_is_one_line_exit_74(site: Path) -> None:
    assert kiosk(site, "issue", "dat-dai").returncode == 0
    db = site / "kiosk.db"
    with db.open("r+b") as handle:  # its header kept, its first page's tables overwritten
        handle.seek(100)
        handle.write(b"\xff" * 2000)
    for args in (["status"], ["issue", "dat-dai"]):
        result = kiosk(site, *args)
        assert result.returncode == 74, result.stderr
        line = one_line_error(result)
        assert line.startswith(f"kiosk: database: {db}: "), line
        assert "malformed" in line, line


def test_fail__a_database_locked_past_the_busy_timeout_is_one_line_exit_74(site: Path) -> None:
    (site / "config.toml").write_text(ALWAYS_OPEN + "\n[store]\nbusy_timeout_ms = 200\n")
    assert kiosk(site, "issue", "dat-dai").returncode == 0
    with Store(site / "kiosk.db") as other:
        other.conn.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            result = kiosk(site, "call", "1")
        finally:
            other.conn.execute("ROLLBACK")
    assert result.returncode == 74
    assert one_line_error(result) == f"kiosk: database: {site / 'kiosk.db'}: database is locked"


def test_ok__status_does_not_import_hardware_libraries(site: Path) -> None:
    assert kiosk(site, "issue", "dat-dai").returncode == 0  # a database for status to read
    probe = (
        "import sys; from kiosk.app.cli import main; main(['--config', sys.argv[1], '--db', "
        "sys.argv[2], 'status']); heavy = {'pygame', 'paho', 'escpos', 'gpiozero', 'evdev', "
        "'serial', 'sqlite_utils'} & {m.split('.')[0] for m in sys.modules}; print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(site / "config.toml"), str(site / "kiosk.db")],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    assert "Events: last seq" in result.stdout  # status ran
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_ok__example_config_checks(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"), "config", "check"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "7 services, 8 counters" in result.stdout


# ---------------------------------------------------------------------------------------
# Commands that only read the database; a full disk (a real tmpfs, filled up)
# ---------------------------------------------------------------------------------------

DOSSIER_CODE = "000.00.04.G14-210519-0013"
READING = [
    ["status"],
    ["scan", DOSSIER_CODE],
    ["display", "snapshot", "--role", "wall", "--out", "{out}/wall.png", "--size", "640x360"],
    ["display", "snapshot", "--role", "lookup", "--out", "{out}/lookup.png", "--size", "640x360"],
]


def kiosk_db(site: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(site / "config.toml"), "--db", str(db),
         *args],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("args", READING, ids=lambda a: " ".join(a[:2]))
def test_fail__a_command_that_only_reads_never_creates_a_database(
    site: Path, args: list[str]
) -> None:
    typo = site / "kiosk-typo" / "kiosk.db"
    result = kiosk_db(site, typo, *(a.format(out=site) for a in args))
    assert result.returncode == 66  # EX_NOINPUT
    assert one_line_error(result) == f"kiosk: database: {typo}: no such database " + (
        "(check --db or store.path)"
    )
    assert not typo.parent.exists()
    assert sorted(p.name for p in site.iterdir()) == ["config.toml"]


@pytest.mark.parametrize("args", READING, ids=lambda a: " ".join(a[:2]))
def test_fail__a_command_that_only_reads_writes_nothing_into_what_is_no_kiosk_database(
    site: Path, args: list[str]
) -> None:
    """Another program's database, or an empty file, named by mistake: one line, exit 66,
    and the file as it was (no kiosk tables added, no -wal or -shm left beside it)."""
    other = site / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO notes (text) VALUES ('Họp giao ban')")
        conn.commit()
    central = site / "central.db"  # in WAL mode: reading it would make a -wal and -shm
    CentralStore(f"sqlite://{central}").close()
    empty = site / "empty.db"
    empty.write_bytes(b"")
    for db, what in ((other, "another program's SQLite database"),
                     (central, "central's database"), (empty, "an empty file")):  # fmt: skip
        before = db.read_bytes()
        result = kiosk_db(site, db, *(a.format(out=site) for a in args))
        assert result.returncode == 66, result.stderr  # EX_NOINPUT
        assert one_line_error(result) == (
            f"kiosk: database: {db}: not a kiosk database: {what} (check --db or store.path)"
        )
        assert db.read_bytes() == before
    assert sorted(p.name for p in site.iterdir()) == [
        "central.db",
        "config.toml",
        "empty.db",
        "other.db",
    ]


@needs_root
def test_ok__commands_that_only_read_work_on_a_database_the_user_can_only_read() -> None:
    with public_folder() as public:
        site, out = public / "site", public / "out"
        site.mkdir()
        out.mkdir(mode=0o777)
        out.chmod(0o777)
        (site / "config.toml").write_text(ALWAYS_OPEN, encoding="utf-8")
        for args in (["issue", "ho-tich"], ["issue", "dat-dai"], ["call", "2"]):
            assert kiosk(site, *args).returncode == 0
        db = site / "kiosk.db"
        assert sorted(p.name for p in site.iterdir()) == ["config.toml", "kiosk.db"]
        db.chmod(0o444)
        site.chmod(0o555)  # nobody may write neither the file nor beside it
        for args in READING:
            result = kiosk_as_nobody(site / "config.toml", db, *(a.format(out=out) for a in args))
            assert result.returncode == 0, result.stderr
            assert result.stderr.strip() == ""
        status = json.loads(kiosk_as_nobody(site / "config.toml", db, "status", "--json").stdout)
        counter = next(c for c in status["counters"] if c["number"] == 2)
        assert counter["serving"] == "1001"
        assert sorted(p.name for p in out.iterdir()) == ["lookup.png", "wall.png"]
        assert sorted(p.name for p in site.iterdir()) == ["config.toml", "kiosk.db"]
        # While a daemon has it open, its latest commits (still in the -wal) are read too.
        with Store(db) as daemon:
            daemon.conn.execute("PRAGMA wal_autocheckpoint = 0")
            with daemon.change(0.0) as tx:
                tx.execute("UPDATE day_numbers SET last = 2 WHERE service = 'dat-dai'")
            status = json.loads(
                kiosk_as_nobody(site / "config.toml", db, "status", "--json").stdout
            )
            land = next(s for s in status["services"] if s["id"] == "dat-dai")
            assert land["issued"] == 2
        # A command that writes says in one line that it cannot.
        refused = kiosk_as_nobody(site / "config.toml", db, "issue", "dat-dai")
        assert refused.returncode == 74
        assert "readonly database" in one_line_error(refused)


@needs_root
def test_ok__a_command_that_only_reads_leaves_no_file_of_its_user_beside_anothers_database() -> (
    None
):
    """A user who may write in the folder but does not own the database (nobody, here)
    reads the file alone: a -wal or -shm of theirs would keep the daemons from writing."""
    with public_folder() as public:
        site = public / "site"
        site.mkdir()
        (site / "config.toml").write_text(ALWAYS_OPEN, encoding="utf-8")
        assert kiosk(site, "issue", "dat-dai").returncode == 0
        site.chmod(0o777)
        result = kiosk_as_nobody(site / "config.toml", site / "kiosk.db", "status", "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["services"][0]["issued"] == 1
        assert sorted(p.name for p in site.iterdir()) == ["config.toml", "kiosk.db"]


def test_ok__the_configuration_watch_keeps_its_version_while_the_database_cannot_be_read(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A daemon's watch for central's configuration does not take a database it cannot read
    for a while (damaged, then mended) for one without: it says so once, keeps the version
    it runs on and does not start the daemon again; a new version read later still does."""
    from kiosk.app.cli._parser import build_parser
    from kiosk.app.context import Context
    from kiosk.app.daemons import Life
    from kiosk.app.daemons._life import _watch_central
    from kiosk.config import load_raw
    from sync._inbound import apply_config

    db = site / "kiosk.db"

    def central(version: int) -> None:
        raw, sources = load_raw(site / "config.toml")
        body = {"version": version, "notices": [{"text": "Chiều nay làm việc đến 16 giờ."}]}
        with Store(db) as store:
            assert apply_config(store, raw, sources, body, now=0.0).ok

    central(3)
    args = ["--config", str(site / "config.toml"), "--db", str(db), "run", "scanner"]
    ctx = Context(build_parser().parse_args(args), args)
    life = Life(ctx.config, ctx.db_path, ctx.args.config)
    assert life.config.sources[-1] == "central v3"
    good = db.read_bytes()
    db.write_bytes(b"\0 not a database any more " * 200)  # damaged under the daemon
    caplog.set_level(logging.INFO, logger="kiosk")
    stop = threading.Event()
    watch = threading.Thread(target=_watch_central, args=(life, stop, 0.02))
    watch.start()
    try:
        time.sleep(0.5)
        assert not stop.is_set() and not life.restart
        said = [r.getMessage() for r in caplog.records]
        unread = [m for m in said if m.startswith("central configuration not read (v3 kept): ")]
        assert unread == [
            f"central configuration not read (v3 kept): {db}: not a kiosk database: "
            "not an SQLite file (check --db or store.path)"
        ], said
        db.write_bytes(good)  # mended: the same version, nothing to do
        time.sleep(0.3)
        assert not stop.is_set() and not life.restart
        assert "central configuration read again" in [r.getMessage() for r in caplog.records]
        central(4)
        assert stop.wait(5)
        assert life.restart
    finally:
        stop.set()
        watch.join(5)
    assert "central configuration v4 arrived: starting again to apply it" in [
        r.getMessage() for r in caplog.records
    ]


@pytest.fixture
def full_site(tmp_path: Path) -> Iterator[Path]:
    """A site on a small disk of its own, with a ticket waiting at each service."""
    with tmpfs(tmp_path / "disk", "8m") as disk:
        (disk / "config.toml").write_text(ALWAYS_OPEN, encoding="utf-8")
        for args in (["issue", "ho-tich"], ["issue", "dat-dai"], ["issue", "dat-dai"]):
            assert kiosk(disk, *args).returncode == 0
        yield disk


WRITING = [
    ["issue", "dat-dai"],
    ["issue", "ho-tich", "--priority", "--json"],
    ["call", "1"],
    ["pause", "2", "--reason", "Họp giao ban"],
    ["notice", "Tạm ngừng tiếp nhận hồ sơ đất đai"],
    ["dossiers", "import", "{out}/dossiers.jsonl"],
    ["ticket", "dat-dai", "--out", "{out}/ticket.bin"],
]
DOSSIER = {
    "code": "000.00.04.G14-261123-0042",
    "procedure": "Cấp giấy chứng nhận quyền sử dụng đất",
    "applicant": "Nguyễn Văn An",
    "status": 4,
    "version": 1,
}


def assert_disk_full(result: subprocess.CompletedProcess[str], site: Path) -> None:
    assert result.returncode == 74, result.stderr  # EX_IOERR
    line = one_line_error(result)
    assert line.startswith(f"kiosk: database: {site / 'kiosk.db'}: disk full ("), line
    assert line.endswith("free some space and try again")
    assert "I/O error" not in line


@needs_root
@pytest.mark.parametrize("args", WRITING, ids=lambda a: " ".join(a[:2]))
def test_fail__a_full_disk_during_a_write_is_one_line_exit_74(
    full_site: Path, tmp_path: Path, args: list[str]
) -> None:
    (tmp_path / "dossiers.jsonl").write_text(json.dumps(DOSSIER, ensure_ascii=False) + "\n")
    with Store(full_site / "kiosk.db") as daemon:  # open, as the daemons keep it
        daemon.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next commit needs room
        fill(full_site)
        result = kiosk(full_site, *(a.format(out=tmp_path) for a in args))
        assert_disk_full(result, full_site)
        # Nothing changed; and reading still works on the full disk.
        status = kiosk(full_site, "status", "--json")
        assert status.returncode == 0, status.stderr
    counts = {s["id"]: s["issued"] for s in json.loads(status.stdout)["services"]}
    assert (counts["dat-dai"], counts["ho-tich"]) == (2, 1)
    assert [c["serving"] for c in json.loads(status.stdout)["counters"]] == [None, None]


@needs_root
@pytest.mark.parametrize("args", WRITING[:4], ids=lambda a: " ".join(a[:2]))
def test_fail__a_full_disk_when_the_database_is_opened_says_disk_full(
    full_site: Path, tmp_path: Path, args: list[str]
) -> None:
    fill(full_site)  # nobody has it open: its -shm must be made, and cannot
    assert_disk_full(kiosk(full_site, *(a.format(out=tmp_path) for a in args)), full_site)
    assert kiosk(full_site, "status").returncode == 0


@needs_root
def test_fail__a_full_disk_when_the_database_is_made_says_disk_full(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "8m") as disk:
        (disk / "config.toml").write_text(ALWAYS_OPEN, encoding="utf-8")
        fill(disk)
        assert_disk_full(kiosk(disk, "issue", "dat-dai"), disk)


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["--json", "status"],
        ["--config", "x.toml", "--db", "k.db", "call", "3"],
        ["--config=x.toml", "--db=k.db", "pause", "2", "--reason", "nghỉ trưa"],
        ["run", "display", "--role", "both"],
        ["run", "counter", "--counter", "2", "--counter", "3"],
        ["display", "snapshot", "--role", "lookup", "--out", "x.png", "--size", "800x600"],
        ["central", "report", "--site", "s1", "--db", "sqlite:///c.db"],
        ["ticket", "dat-dai", "--out", "t.bin", "--priority"],
        ["bench", "--n", "10", "--idle-seconds", "1"],
    ],
)
def test_ok__one_commands_parser_reads_its_command_line_as_the_whole_one(
    argv: list[str],
) -> None:
    from kiosk.app.cli._parser import build_parser, command_in

    command = command_in(argv)
    assert command == next(arg for arg in argv if not arg.startswith("-") and "." not in arg)
    assert build_parser(command).parse_args(argv) == build_parser().parse_args(argv)


@pytest.mark.parametrize(
    "argv",
    [[], ["--help"], ["-h", "status"], ["nosuch"], ["--db"], ["--conf", "x", "status"]],
)
def test_ok__a_command_line_naming_no_command_first_gets_the_whole_parser(
    argv: list[str],
) -> None:
    from kiosk.app.cli._parser import command_in

    assert command_in(argv) is None
