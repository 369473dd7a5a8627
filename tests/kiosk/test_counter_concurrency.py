"""Ten counter processes pressing "next" at once against one SQLite file.

Each process is a counter daemon of its own: a gpiozero MockFactory pin for its
next key, the real key handling and main loop, its own connection to the shared
database. Nobody is called twice, nobody is passed over, and the counts add up.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from kiosk import ticketing
from kiosk.app.bench.counter import concurrent_config, run_counters
from kiosk.config import Config
from kiosk.store import Store
from tests.conftest import OPEN_ALL_DAY, make_config

COUNTERS = 10
PRESSES = 200

pytestmark = pytest.mark.slow


def shared_config() -> Config:
    """Ten counters on one service, a GPIO next key each (no repeat guard, no bounce)."""
    site = make_config(
        hours={**OPEN_ALL_DAY, "closed_dates": [], "special": []},  # the real clock
        services=[{"id": "dat-dai", "name": "Đất đai", "prefix": "A", "digits": 4}],
        counters=[{"number": 1, "services": ["dat-dai"]}],
        keymaps={},
    )
    return concurrent_config(site, COUNTERS)


def _issuer_process(db: str, count: int, start: Any, out: Any) -> None:
    config = shared_config()
    with Store(db) as store:
        start.wait()
        for _ in range(count):
            ticketing.issue(store, config, "dat-dai", now=time.time(), printed=True)
            time.sleep(0.002)
    out.put(("issuer", count))


def run_site(db: Path, issue_meanwhile: int = 0) -> dict[int, list[tuple[str, str]]]:
    extra = [(_issuer_process, (str(db), issue_meanwhile))] if issue_meanwhile else []
    results = run_counters(db, shared_config(), PRESSES, extra)
    return {n: [(kind, ticket) for kind, ticket, _ in got] for n, got in results.items()}


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with Store(db) as store, store.read() as conn:
        return [tuple(row) for row in conn.execute(sql)]


def test_ok__ten_counters_two_thousand_presses_nobody_twice_nobody_passed_over(
    tmp_path: Path,
) -> None:
    db = tmp_path / "kiosk.db"
    config = shared_config()
    with Store(db) as store:
        for _ in range(2500):
            ticketing.issue(store, config, "dat-dai", now=time.time(), printed=True)

    results = run_site(db)

    assert sorted(results) == list(range(1, COUNTERS + 1))
    called = []
    for number, outcomes in results.items():
        assert len(outcomes) == PRESSES, number
        assert {kind for kind, _ in outcomes} == {"called"}  # never "nobody waiting"
        mine = [n for _, n in outcomes]
        assert mine == sorted(mine)  # each counter takes the queue in order
        called += mine
    # Exactly the first 2,000 numbers, each once: no one skipped silently, no one twice.
    assert sorted(called) == [f"A{n:04d}" for n in range(1, 2001)]
    events = [json.loads(d) for (d,) in rows(db, "SELECT data FROM events WHERE type = "
                                                 "'ticket.called'")]  # fmt: skip
    assert len(events) == 2000
    assert len({e["ticket"] for e in events}) == 2000
    assert {e["staff"] for e in events} == {f"cb-{n:04d}" for n in range(1, COUNTERS + 1)}
    statuses = dict(rows(db, "SELECT status, COUNT(*) FROM tickets GROUP BY status"))
    # The counters' last citizens are still being served; each earlier call closed one.
    assert statuses == {"done": 2000 - COUNTERS, "called": COUNTERS, "waiting": 500}
    serving = rows(db, "SELECT counter, ticket_id FROM counter_state ORDER BY counter")
    assert len({ticket for _, ticket in serving}) == COUNTERS
    per_counter = dict(rows(db, "SELECT counter, COUNT(*) FROM tickets "
                                "WHERE status IN ('done', 'called') GROUP BY counter"))  # fmt: skip
    assert per_counter == {n: len(results[n]) for n in results}
    seqs = [s for (s,) in rows(db, "SELECT seq FROM events ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # the outbox stays gap-free


def test_ok__counts_add_up_while_the_kiosk_keeps_issuing(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    config = shared_config()
    with Store(db) as store:
        for _ in range(300):
            ticketing.issue(store, config, "dat-dai", now=time.time(), printed=True)

    results = run_site(db, issue_meanwhile=1200)

    outcomes = [o for number in results for o in results[number]]
    assert len(outcomes) == COUNTERS * PRESSES
    kinds = [kind for kind, _ in outcomes]
    assert set(kinds) <= {"called", "empty"}
    called = [n for kind, n in outcomes if kind == "called"]
    assert len(called) == len(set(called))  # nobody twice
    statuses = dict(rows(db, "SELECT status, COUNT(*) FROM tickets GROUP BY status"))
    assert sum(statuses.values()) == 1500
    assert statuses.get("done", 0) + statuses.get("called", 0) == len(called)
    assert statuses.get("waiting", 0) == 1500 - len(called)
    assert kinds.count("empty") == COUNTERS * PRESSES - len(called)
    # The queue was taken in order: nobody older than the newest called ticket was left.
    waiting = [n for (n,) in rows(db, "SELECT number FROM tickets WHERE status = 'waiting'")]
    if waiting and called:
        assert min(waiting) > max(called)
