"""SIGKILL a process at random points while it issues tickets, hundreds of times."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from kiosk import ticketing
from kiosk.store import Store
from tests.conftest import at
from tests.kiosk.test_concurrency import shared_config

pytestmark = pytest.mark.slow  # a system test: real processes, minutes of work

KILLS = 200


def _child(db: Path, write_fd: int, first_second: float) -> None:
    config = shared_config()
    store = Store(db)
    second = first_second
    while True:
        second += 0.01
        issued = ticketing.issue(store, config, "dat-dai", now=at(9, second=second), printed=True)
        # Only report what has been committed: it must survive the kill.
        os.write(write_fd, f"{issued.ticket.uid} {issued.ticket.number}\n".encode())


def test_ok__sigkill_during_issue_loses_nothing_committed(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    Store(db).close()
    rng = random.Random(1234)
    confirmed: dict[str, str] = {}
    for round_ in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os.close(read_fd)
            try:
                _child(db, write_fd, round_ * 20)
            finally:
                os._exit(1)
        os.close(write_fd)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with os.fdopen(read_fd) as reader:
            for line in reader.read().splitlines():
                parts = line.split()
                if len(parts) == 2:  # a line cut by the kill is not a confirmation
                    confirmed[parts[0]] = parts[1]

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    tickets = {
        uid: (number, seq)
        for uid, number, seq in conn.execute("SELECT uid, number, seq FROM tickets")
    }
    # every confirmed (committed) ticket is there, with the number the process was told
    assert confirmed, "the kills always landed before the first commit"
    for uid, number in confirmed.items():
        assert tickets[uid][0] == number
    # no number reused, and numbering is gap-free: a killed issue left no trace at all
    numbers = [number for number, _ in tickets.values()]
    assert len(numbers) == len(set(numbers))
    assert sorted(seq for _, seq in tickets.values()) == list(range(1, len(tickets) + 1))
    # every committed change has all its events, and the outbox seq is gap-free
    events = conn.execute("SELECT seq, type, data FROM events ORDER BY seq").fetchall()
    assert [seq for seq, _, _ in events] == list(range(1, len(events) + 1))
    issued = {json.loads(data)["ticket"] for _, kind, data in events if kind == "ticket.issued"}
    printed = {json.loads(data)["ticket"] for _, kind, data in events if kind == "ticket.printed"}
    assert issued == set(tickets) == printed
    conn.close()
