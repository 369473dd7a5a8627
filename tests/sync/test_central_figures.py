"""What central keeps at ingest for its pages and reports, on SQLite and PostgreSQL: the
figures by day, month and year equal the daily report of the same events (whatever order
and however often they arrive), a period adds up its days, an old database is brought up
to date, and the overview says what is waiting now."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.daily import daily_report
from kiosk.figures import Figures, bin_top, grouped, wait_bin
from kiosk.periods import BadPeriod, parse_period, spans
from sync import central_web_store as web
from sync.central import period_report, period_series
from sync.central_store import CentralStore, Incoming
from tests.app.central_site import kiosk as run_kiosk
from tests.app.central_site import simulated_day

SITE = "hcc-hung-yen"
DEVICE = "site-controller-01"
MONDAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> list[list[dict[str, Any]]]:
    """Two simulated days (transfers, no-shows that come back, ratings, priority)."""
    folder = tmp_path_factory.mktemp("days")
    return [
        simulated_day(folder, MONDAY, 300, seed=5),
        simulated_day(folder, dt.date(2026, 12, 1), 200, seed=6),
    ]


def ingest(store: CentralStore, events: list[dict[str, Any]], device: str = DEVICE) -> None:
    """Stored as central's ingest does, then taken into the figures as its loop does."""
    store.ingest([Incoming(SITE, device, e) for e in events])
    while store.take_figures(limit=500):  # in several takes, as a busy central would
        pass


def same_as_daily(store: CentralStore, events: list[dict[str, Any]], day: str) -> None:
    """The figures central kept for ``day`` say what the daily report of the events says."""
    expected = daily_report(events, day)
    got = period_report(store, parse_period(day), [SITE], "service")
    total = got["total"]
    assert total["tickets"] == expected["tickets"] > 100
    assert total["voided"] == expected["voided"]
    assert total["no_shows"] == expected["no_shows"] > 0
    assert total["called"] == expected["called"]
    assert total["wait_mean_seconds"] == expected["wait_seconds"]["mean"]
    assert total["wait_p90_seconds"] == expected["wait_seconds"]["p90"]
    assert total["served"] == expected["service_seconds"]["served"]
    assert total["service_mean_seconds"] == expected["service_seconds"]["mean"]
    by_service = {row["key"][1]: row["tickets"] for row in got["rows"] if row["tickets"]}
    assert by_service == expected["tickets_by_service"]
    waits = {row["key"][1]: row["wait_p90_seconds"] for row in got["rows"] if row["called"]}
    assert waits == {k: v["p90"] for k, v in expected["wait_seconds_by_service"].items()}
    counters = period_report(store, parse_period(day), [SITE], "counter")
    ratings = {row["key"][1]: (row["rated"], row["rating_mean"]) for row in counters["rows"]}
    assert {k: v for k, v in ratings.items() if v[0]} == {
        k: (v["n"], v["mean"]) for k, v in expected["ratings"]["by_counter"].items()
    }


def test_ok__the_figures_equal_the_daily_report_whatever_order_and_repeats(
    cstore: CentralStore, two_days: list[list[dict[str, Any]]]
) -> None:
    monday = two_days[0]
    batches = [monday[i : i + 37] for i in range(0, len(monday), 37)]
    shuffled = batches[:]
    random.Random(1).shuffle(shuffled)
    for batch in shuffled:  # out of order: taken only once the gap before them is filled
        ingest(cstore, batch)
    for batch in batches[:5]:  # delivered again (QoS 1): counted once
        ingest(cstore, batch)
    same_as_daily(cstore, monday, MONDAY.isoformat())


def test_ok__a_period_adds_up_its_days_months_and_years(
    cstore: CentralStore, two_days: list[list[dict[str, Any]]]
) -> None:
    ingest(cstore, two_days[0])
    ingest(cstore, two_days[1], device="may-2")
    days = [
        period_report(cstore, parse_period(d), None, "site")["total"]
        for d in (MONDAY.isoformat(), "2026-12-01")
    ]
    for name in ("2026", "2026-Q4", "2026-10-01..2026-12-31", "2026-11-01..2026-12-01"):
        total = period_report(cstore, parse_period(name), None, "site")["total"]
        assert total["tickets"] == days[0]["tickets"] + days[1]["tickets"], name
        assert total["called"] == days[0]["called"] + days[1]["called"], name
        assert total["rated"] == days[0]["rated"] + days[1]["rated"], name
    assert period_report(cstore, parse_period("2026-9T"), None, "site")["total"]["tickets"] == 0
    assert period_report(cstore, parse_period("2026-11"), None, "site")["total"] == days[0]
    series = period_series(cstore, parse_period("2026-Q4"), None)
    assert [d for d, f in series if not f.empty()] == [dt.date(2026, 11, 1), dt.date(2026, 12, 1)]
    daily = period_series(cstore, parse_period("2026-11"), [SITE])
    assert len(daily) == 30 and daily[22][1].tickets == days[0]["tickets"]
    assert period_report(cstore, parse_period("2026"), ["hcc-khac"], "site")["rows"] == []


def test_ok__an_older_database_gets_its_figures_when_opened(
    central_url: str, two_days: list[list[dict[str, Any]]]
) -> None:
    store = CentralStore(central_url)
    ingest(store, two_days[0])
    before = period_report(store, parse_period("2026"), None, "officer")
    with store.transaction() as cur:  # as a database from before the figures were kept
        for table in ("figures", "ctickets", "ccounters", "printers", "figured", "meta"):
            cur.execute(f"DELETE FROM {table}")
    assert period_report(store, parse_period("2026"), None, "officer")["rows"] == []
    store.close()
    store = CentralStore(central_url)
    try:
        assert period_report(store, parse_period("2026"), None, "officer") == before
        same_as_daily(store, two_days[0], MONDAY.isoformat())
    finally:
        store.close()


def event(seq: int, kind: str, data: dict[str, Any], ts: str, db: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "seq": seq, "type": kind, "ts": ts, "data": data, "db": db}


def test_ok__the_overview_says_what_waits_now_and_when_a_device_went_away(
    cstore: CentralStore,
) -> None:
    db = uuid.uuid4().hex
    day = "2026-12-07"
    kinds = []
    tickets = [str(uuid.uuid4()) for _ in range(4)]
    for n, uid in enumerate(tickets):
        kinds += [
            ("ticket.issued", {"ticket": uid, "number": f"A00{n}", "service": "dat-dai",
                               "day": day, "priority": False}),
            ("ticket.printed", {"ticket": uid, "number": f"A00{n}"}),
        ]  # fmt: skip
    kinds += [
        ("ticket.called", {"ticket": tickets[0], "number": "A000", "service": "dat-dai",
                           "counter": 2, "staff": "cb-02", "waited_seconds": 95.0}),
        ("ticket.voided", {"ticket": tickets[3], "number": "A003"}),
        ("printer.status", {"state": "paper_low", "detail": "gần hết giấy"}),
        ("counter.paused", {"counter": 5, "reason": "Nghỉ"}),
    ]  # fmt: skip
    events = [
        event(seq, kind, data, f"{day}T02:{seq:02d}:00.000Z", db)
        for seq, (kind, data) in enumerate(kinds, 1)
    ]
    ingest(cstore, events)
    cstore.put_state(SITE, DEVICE, {"online": True, "version": "2.0", "config_version": 3})
    (now,) = web.overview(cstore, day)
    assert (now.tickets, now.waiting, now.serving, now.counters_open) == (3, 2, 1, 1)
    assert now.oldest_waiting == f"{day}T02:03:00.000Z"  # the second ticket's issue
    assert now.printer == "paper_low" and now.online
    assert [(d.device, d.version, d.config_version) for d in now.devices] == [(DEVICE, "2.0", 3)]
    came = now.since
    cstore.put_state(SITE, DEVICE, {"online": True, "version": "2.0"})  # again: same since
    assert web.overview(cstore, day)[0].since == came
    cstore.put_state(SITE, DEVICE, {"online": False})  # its last will
    (away,) = web.overview(cstore, day)
    assert not away.online and away.since >= came
    assert web.overview(cstore, "2026-12-08")[0].waiting == 0  # another day: nothing waits
    changed = dict(web.changed_since(cstore, 0.0))
    assert set(changed) == {SITE}


# -- the figures themselves ----------------------------------------------------------------


@given(st.lists(st.floats(min_value=0, max_value=40_000), min_size=1, max_size=200), st.data())
def test_ok__figures_of_two_parts_add_up_to_the_figures_of_the_whole(
    waits: list[float], data: st.DataObject
) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(waits)))
    whole, first, second = Figures(), Figures(), Figures()
    for n, wait in enumerate(waits):
        whole.add_wait(wait)
        (first if n < cut else second).add_wait(wait)
    merged = Figures.from_json(first.to_json()).merge(Figures.from_json(second.to_json()))
    assert merged == whole
    assert merged.wait_p90() == whole.wait_p90()
    ordered = sorted(round(w * 1000) for w in waits)
    exact = ordered[max(0, -(-9 * len(ordered) // 10) - 1)]  # nearest rank, in ms
    top = bin_top(wait_bin(exact))
    assert whole.wait_p90() == round(min(top, ordered[-1] / 1000), 1)
    assert exact / 1000 <= (whole.wait_p90() or 0) + 0.05


def test_ok__ratings_in_the_better_half_count_as_satisfied() -> None:
    figures = Figures()
    for choice in (1, 2, 3, 4, 1):
        figures.add_rating(f"label {choice}", choice, 5 - choice)
    assert figures.satisfaction() == 60.0 and figures.score_mean() == 2.8
    three = Figures()
    for choice in (1, 2, 3):  # of three labels only the first is satisfied
        three.add_rating(str(choice), choice, 4 - choice)
    assert three.satisfaction() == 33.3


def test_ok__groups_by_counter_leave_the_tickets_own_figures_to_the_total() -> None:
    own, served = Figures(tickets=3), Figures(served=2, service_ms=60_000)
    rows = [("a", "s", 0, "", own), ("a", "s", 4, "cb", served), ("b", "s", 4, "cb", served)]
    groups, total = grouped(rows, "counter")
    assert list(groups) == [("a", "4"), ("b", "4")] and total.tickets == 3
    assert grouped(rows, "officer")[0][("a", "cb")].served == 2
    assert list(grouped(rows, "site")[0]) == [("a",), ("b",)]


# -- periods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "last", "title", "count"),
    [
        ("2026-12-08", "2026-12-08", "2026-12-08", "Ngày 08/12/2026", 1),
        ("2026-02", "2026-02-01", "2026-02-28", "Tháng 02/2026", 1),
        ("2026-Q3", "2026-07-01", "2026-09-30", "Quý 3/2026", 1),
        ("2026-6T", "2026-01-01", "2026-06-30", "6 tháng đầu năm 2026", 2),
        ("2026-9T", "2026-01-01", "2026-09-30", "9 tháng đầu năm 2026", 3),
        ("2026-02-01..2026-07-31", "2026-02-01", "2026-07-31", "Từ 01/02/2026 đến 31/07/2026", 4),
        ("2026", "2026-01-01", "2026-12-31", "Năm 2026", 1),
        ("2025-12-30..2027-01-02", "2025-12-30", "2027-01-02", "Từ 30/12/2025 đến 02/01/2027", 5),
        (
            "2026-01-15..2026-03-03",
            "2026-01-15",
            "2026-03-03",
            "Từ 15/01/2026 đến 03/03/2026",
            17 + 1 + 3,
        ),
    ],
)
def test_ok__periods_in_the_forms_reports_use(
    text: str, first: str, last: str, title: str, count: int
) -> None:
    period = parse_period(text)
    assert (period.first.isoformat(), period.last.isoformat()) == (first, last)
    assert period.title() == title
    parts = spans(period)
    assert len(parts) == count
    as_text = {"Q": lambda p: f"{p[1:5]}-Q{p[6:]}"}
    covered = sum(parse_period(as_text.get(p[0], lambda p: p[1:])(p)).days() for p in parts)
    assert covered == period.days()  # each day once


@pytest.mark.parametrize(
    "text",
    [
        "2026-13",
        "2026-Q5",
        "2026-02-30",
        "26-01",
        "2026-3T",
        "2026-12-09..2026-12-01",
        "2020..2026",
        "2020-01-01..2026-01-01",
        "'; DROP",
        "",
    ],
)
def test_fail__a_period_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(BadPeriod):
        parse_period(text)


def test_fail__kiosk_central_report_says_what_is_wrong_with_a_period(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/central.db"
    CentralStore(url).close()
    done = run_kiosk("central", "report", "--period", "2026-Q5", "--db", url)
    assert done.returncode == 2
    assert done.stderr.strip().startswith("kiosk: --period '2026-Q5'")
    both = run_kiosk("central", "report", "--period", "2026", "--day", "2026-01-01", "--db", url)
    assert both.returncode == 2 and "--day or --period" in both.stderr
    empty = run_kiosk("central", "report", "--period", "2026", "--db", url)
    assert empty.returncode == 0 and empty.stdout.startswith("2026 (2026-01-01 to 2026-12-31)")


def test_fail__an_event_central_cannot_take_is_left_out_and_the_rest_are_counted(
    central_url: str, two_days: list[list[dict[str, Any]]]
) -> None:
    """A device's bug (a counter that is not a number, a wait that is null, a day that is
    not one, a huge score) leaves that event out of the figures; the others count, and the
    database still opens."""
    monday = [dict(e) for e in two_days[0]]
    broken = 0
    for event in monday:
        kind, data = event["type"], event["data"]
        if kind == "ticket.called" and broken < 3:
            event["data"] = (
                {**data, "counter": "x"} if broken % 2 else {**data, "waited_seconds": None}
            )
            broken += 1
        elif kind == "ticket.rated" and broken < 5:
            event["data"] = {**data, "score": 1e300}
            broken += 1
    monday.append(
        {**monday[0], "seq": len(monday) + 1, "id": str(uuid.uuid4()),
         "data": {**monday[0]["data"], "ticket": str(uuid.uuid4()), "day": "hôm nay"}}
    )  # fmt: skip
    store = CentralStore(central_url)
    try:
        ingest(store, monday)
        expected = daily_report(two_days[0], MONDAY.isoformat())
        total = period_report(store, parse_period(MONDAY.isoformat()), None, "site")["total"]
        assert total["tickets"] == expected["tickets"]
        assert total["called"] == expected["called"] - 3
        assert total["rated"] == sum(v["n"] for v in expected["ratings"]["by_counter"].values()) - 2
    finally:
        store.close()
    CentralStore(central_url).close()  # opens again, nothing left to take
