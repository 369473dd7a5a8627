"""Call-next reads only the heads of the queues; it must pick exactly what a full scan would."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config import QueueConfig
from kiosk.rules.policy import Candidate, Streak, choose_next
from kiosk.store import Store
from kiosk.ticketing._counters import _candidates

SERVICES = ("dat-dai", "thue", "xay-dung")
NOW = 1_800_000_000.0

ticket = st.tuples(
    st.sampled_from(SERVICES),
    st.booleans(),  # priority
    st.integers(min_value=1, max_value=400),  # rank (transfers to the front make it small)
    st.floats(min_value=0, max_value=4 * 3600),  # waited this many seconds
    st.sampled_from(["waiting", "waiting", "waiting", "called", "missed", "issued"]),
)


@settings(max_examples=150, deadline=None)
@given(
    tickets=st.lists(ticket, max_size=40),
    served=st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True),
    aging=st.integers(min_value=1, max_value=180),
    ratio=st.tuples(st.integers(0, 3), st.integers(0, 3)).filter(lambda r: r != (0, 0)),
    order=st.sampled_from(["oldest", "listed"]),
    streak=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    near_edge=st.lists(st.floats(min_value=-0.002, max_value=0.002), max_size=6),
)
def test_ok__heads_choose_what_a_full_scan_chooses(
    tickets: list[tuple[str, bool, int, float, str]],
    served: list[str],
    aging: int,
    ratio: tuple[int, int],
    order: str,
    streak: tuple[int, int],
    near_edge: list[float],
) -> None:
    policy = QueueConfig(aging_minutes=aging, priority_ratio=ratio, order=order)
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "k.db") as store:
        with store.change(NOW) as tx:
            for i, (service, priority, rank, drawn_wait, status) in enumerate(tickets):
                # The first few wait within a couple of milliseconds of the aging line.
                waited = aging * 60.0 + near_edge[i] if i < len(near_edge) else drawn_wait
                tx.execute(
                    "INSERT INTO tickets (uid, day, number, seq, origin_service, service, "
                    "priority, status, rank, issued_at, queued_at) "
                    "VALUES (?, '2027-01-15', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (f"u{i}", f"N{i}", i, service, service, priority, status, rank * 10 + i,
                     NOW - waited, NOW - waited),
                )  # fmt: skip
        with store.read() as conn:
            everyone = [
                Candidate(r[0], r[1], bool(r[2]), r[3], r[4])
                for r in conn.execute(
                    "SELECT id, service, priority, rank, queued_at FROM tickets "
                    "WHERE status = 'waiting'"
                )
            ]
        with store.change(NOW) as tx:
            heads = _candidates(tx, tuple(served), NOW, aging * 60)
        assert len(heads) <= 3 * len(served)
        full = choose_next(everyone, served, policy, Streak(*streak), NOW)
        fast = choose_next(heads, served, policy, Streak(*streak), NOW)
        assert (None if full is None else (full[0].ticket_id, full[1])) == (
            None if fast is None else (fast[0].ticket_id, fast[1])
        )
