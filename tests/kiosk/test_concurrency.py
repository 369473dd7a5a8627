"""Several real processes against one SQLite file: numbers stay unique and gap-free."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kiosk import ticketing
from kiosk.config import Config
from kiosk.store import Store
from tests.conftest import at, make_config

pytestmark = pytest.mark.slow  # a system test: real processes, minutes of work

WORKERS = 4
PER_WORKER = 250


def shared_config() -> Config:
    """Four counters sharing two services; numbers up to A9999 so 1,000 fit in a day."""
    return make_config(
        services=[
            {"id": "dat-dai", "name": "Đất đai", "prefix": "A", "digits": 4},
            {"id": "thue", "name": "Thuế", "prefix": "G", "digits": 4},
        ],
        counters=[{"number": n, "services": ["dat-dai", "thue"]} for n in range(1, WORKERS + 1)],
    )


def _issue_worker(db: str, start: Any, out: Any) -> None:
    config = shared_config()
    numbers = []
    with Store(db) as store:
        start.wait()
        for i in range(PER_WORKER):
            issued = ticketing.issue(
                store, config, "dat-dai", now=at(9, second=i / 100), printed=True
            )
            numbers.append(issued.ticket.number)
    out.put(numbers)


def _call_worker(db: str, counter: int, start: Any, out: Any) -> None:
    config = shared_config()
    called = []
    with Store(db) as store:
        start.wait()
        step = 0
        while True:
            step += 1
            result = ticketing.call_next(store, config, counter, now=at(10, second=step / 100))
            if result.ticket is None:
                break
            called.append(result.ticket.number)
    out.put(called)


def _run(target: Any, args_for: list[tuple[Any, ...]]) -> list[list[str]]:
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(len(args_for))
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, out)) for args in args_for]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    return results


def _events_gap_free(db: Path) -> int:
    conn = sqlite3.connect(db)
    seqs = [row[0] for row in conn.execute("SELECT seq FROM events ORDER BY seq")]
    conn.close()
    assert seqs == list(range(1, len(seqs) + 1))
    return len(seqs)


def test_ok__four_processes_issue_distinct_gap_free_numbers(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    Store(db).close()
    results = _run(_issue_worker, [(str(db),)] * WORKERS)
    everything = [number for numbers in results for number in numbers]
    assert len(everything) == WORKERS * PER_WORKER
    assert sorted(everything) == [f"A{i:04d}" for i in range(1, WORKERS * PER_WORKER + 1)]
    for numbers in results:  # each process saw its own numbers rising
        assert numbers == sorted(numbers)
    conn = sqlite3.connect(db)
    seqs = [row[0] for row in conn.execute("SELECT seq FROM tickets ORDER BY seq")]
    assert seqs == list(range(1, WORKERS * PER_WORKER + 1))
    conn.close()
    # day.opened + (issued + printed) per ticket, nothing lost or doubled
    assert _events_gap_free(db) == 1 + 2 * WORKERS * PER_WORKER


def test_ok__four_processes_calling_never_call_a_ticket_twice(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    config = shared_config()
    total = 400
    with Store(db) as store:
        for i in range(total):
            service = "dat-dai" if i % 3 else "thue"
            ticketing.issue(store, config, service, now=at(8, second=i), printed=True,
                        priority=i % 7 == 0)  # fmt: skip
    results = _run(_call_worker, [(str(db), n) for n in range(1, WORKERS + 1)])
    called = [number for numbers in results for number in numbers]
    assert len(called) == total
    assert len(set(called)) == total
    conn = sqlite3.connect(db)
    statuses = dict(conn.execute("SELECT status, COUNT(*) FROM tickets GROUP BY status").fetchall())
    conn.close()
    assert statuses.get("waiting", 0) == 0
    # each call closed the counter's previous ticket, the final empty call the last one
    assert statuses == {"done": total}
    _events_gap_free(db)
