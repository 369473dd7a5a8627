"""Queue operations on a real SQLite store: numbering, calling, the day, the event outbox."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import pytest

from kiosk import ticketing
from kiosk.config import Config
from kiosk.freetext import BadText
from kiosk.store import Store
from kiosk.ticketing import Refused
from tests.conftest import MONDAY, at, example_raw, make_config

TUESDAY = MONDAY + dt.timedelta(days=1)
SATURDAY = MONDAY + dt.timedelta(days=5)


def events(store: Store) -> list[dict[str, Any]]:
    rows = store.conn.execute("SELECT seq, id, type, ts, data FROM events ORDER BY seq").fetchall()
    return [
        {"seq": r[0], "id": r[1], "type": r[2], "ts": r[3], "data": json.loads(r[4])} for r in rows
    ]


def types(store: Store) -> list[str]:
    return [e["type"] for e in events(store)]


def of_type(store: Store, type_: str) -> list[dict[str, Any]]:
    return [e for e in events(store) if e["type"] == type_]


def status(store: Store, number: str, day: dt.date = MONDAY) -> str:
    row = store.conn.execute(
        "SELECT status FROM tickets WHERE day = ? AND number = ?", (day.isoformat(), number)
    ).fetchone()
    assert row is not None, number
    return str(row[0])


def issue(store: Store, config: Config, service: str, when: float, **kw: Any) -> str:
    kw.setdefault("printed", True)
    return ticketing.issue(store, config, service, now=when, **kw).ticket.number


def call(store: Store, config: Config, counter: int, when: float) -> str | None:
    called = ticketing.call_next(store, config, counter, now=when)
    return None if called.ticket is None else called.ticket.number


def assert_refused(code: str, func: Any, *args: Any, **kwargs: Any) -> Refused:
    with pytest.raises(Refused) as info:
        func(*args, **kwargs)
    assert info.value.code == code, (info.value.code, str(info.value))
    return info.value


def config_with(**changes: Any) -> Config:
    """The example config with service fields changed: ``config_with(dat_dai={"daily_cap": 3})``."""
    raw = example_raw()
    for key, fields in changes.items():
        service_id = key.replace("_", "-")
        for service in raw["services"]:
            if service["id"] == service_id:
                service.update(fields)
    return make_config(raw)


# --------------------------------------------------------------------------- issuing


def test_ok__numbers_are_sequential_per_service(store: Store, config: Config) -> None:
    got = [
        issue(store, config, "dat-dai", at(8)),
        issue(store, config, "dat-dai", at(8, 1)),
        issue(store, config, "thue", at(8, 2)),
        issue(store, config, "dang-ky-kinh-doanh", at(8, 3)),
        issue(store, config, "dat-dai", at(8, 4), priority=True),
        issue(store, config, "dang-ky-kinh-doanh", at(8, 5)),
        issue(store, config, "thue", at(8, 6)),
    ]
    assert got == ["A001", "A002", "G001", "1001", "A003", "1002", "G002"]
    issued = ticketing.issue(store, config, "xay-dung", now=at(8, 7), printed=True)
    assert issued.ticket.number == "3001"
    assert issued.ticket.day == MONDAY.isoformat()
    assert issued.ticket.status == "waiting"
    uuid.UUID(issued.ticket.uid)


def test_ok__issue_reports_people_ahead_and_wait(store: Store, config: Config) -> None:
    first = ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
    assert first.ahead == 0 and first.wait_minutes == 0
    ticketing.issue(store, config, "dat-dai", now=at(8, 1), printed=True)
    third = ticketing.issue(store, config, "dat-dai", now=at(8, 2), printed=True)
    # 2 ahead x 12 min default / (counter 1 + half of counter 2) = 16 min
    assert third.ahead == 2 and third.wait_minutes == 16
    priority = ticketing.issue(store, config, "dat-dai", now=at(8, 3), priority=True, printed=True)
    assert priority.ahead == 0
    fourth = ticketing.issue(store, config, "dat-dai", now=at(8, 4), printed=True)
    assert fourth.ahead == 4
    # Other services' queues do not count.
    tax = ticketing.issue(store, config, "thue", now=at(8, 5), printed=True)
    assert tax.ahead == 0
    event = of_type(store, "ticket.issued")[2]
    assert event["data"]["number"] == "A003"
    assert event["data"]["ahead"] == 2 and event["data"]["wait_minutes"] == 16


def test_err__daily_cap_refuses_and_records(store: Store) -> None:
    config = config_with(dat_dai={"daily_cap": 3})
    numbers = [issue(store, config, "dat-dai", at(8, i)) for i in range(3)]
    assert numbers == ["A001", "A002", "A003"]
    error = assert_refused("cap_reached", ticketing.issue, store, config, "dat-dai", now=at(8, 5))
    assert "hết số" in error.vi
    assert_refused(
        "cap_reached", ticketing.issue, store, config, "dat-dai", now=at(9), priority=True
    )
    refusals = of_type(store, "ticket.refused")
    assert [e["data"] for e in refusals] == [
        {"service": "dat-dai", "priority": False, "reason": "cap_reached"},
        {"service": "dat-dai", "priority": True, "reason": "cap_reached"},
    ]
    count = store.conn.execute("SELECT COUNT(*) FROM tickets WHERE service = 'dat-dai'")
    assert count.fetchone()[0] == 3
    # Other services still issue.
    assert issue(store, config, "thue", at(9, 1)) == "G001"
    snap = ticketing.snapshot(store, config, now=at(9, 2))
    land = next(s for s in snap["services"] if s["id"] == "dat-dai")
    assert land["issued"] == 3 and land["remaining"] == 0


def test_err__band_cap_is_the_daily_cap(store: Store) -> None:
    config = config_with(xay_dung={"daily_cap": 2})
    assert [issue(store, config, "xay-dung", at(8, i)) for i in range(2)] == ["3001", "3002"]
    assert_refused("cap_reached", ticketing.issue, store, config, "xay-dung", now=at(8, 3))


@pytest.mark.parametrize(
    ("when", "code", "service"),
    [
        (at(7, 0), "before_open", "dat-dai"),
        (at(12, 0), "lunch", "dat-dai"),
        (at(16, 50), "after_close", "dat-dai"),
        (at(16, 20), "after_close", "bao-hiem-xa-hoi"),  # closes 16:30, last ticket 16:15
        (at(9, 0, day=SATURDAY), "closed_day", "dat-dai"),
        (at(9, 0, day=dt.date(2026, 9, 2)), "closed_day", "thue"),
    ],
)
def test_err__outside_hours_refuses_and_records(
    store: Store, config: Config, when: float, code: str, service: str
) -> None:
    assert_refused(code, ticketing.issue, store, config, service, now=when)
    assert [e["data"] for e in of_type(store, "ticket.refused")] == [
        {"service": service, "priority": False, "reason": code}
    ]
    assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM day_numbers").fetchone()[0] == 0


def test_ok__refusal_does_not_use_up_a_number(store: Store, config: Config) -> None:
    assert issue(store, config, "dat-dai", at(11, 0)) == "A001"
    assert_refused("lunch", ticketing.issue, store, config, "dat-dai", now=at(11, 45))
    assert issue(store, config, "dat-dai", at(13, 0)) == "A002"
    assert issue(store, config, "bao-hiem-xa-hoi", at(16, 14)) == "F001"
    assert_refused("after_close", ticketing.issue, store, config, "bao-hiem-xa-hoi", now=at(16, 15))
    assert issue(store, config, "dat-dai", at(16, 15)) == "A003"


def test_err__unknown_service_and_counter(store: Store, config: Config) -> None:
    error = assert_refused("unknown_service", ticketing.issue, store, config, "dat-da", now=at(8))
    assert "dat-dai" in str(error)
    assert_refused("unknown_counter", ticketing.call_next, store, config, 99, now=at(8))
    assert events(store) == []


# --------------------------------------------------------------------------- printing


def test_ok__unprinted_ticket_is_not_callable_until_printed(store: Store, config: Config) -> None:
    issued = ticketing.issue(store, config, "dat-dai", now=at(8), printed=False)
    assert issued.ticket.status == "issued"
    assert call(store, config, 1, at(8, 1)) is None
    assert "ticket.printed" not in types(store)
    printed = ticketing.mark_printed(store, config, issued.ticket.uid, now=at(8, 2))
    assert printed.status == "waiting"
    assert printed.queued_at == at(8, 2)
    assert of_type(store, "ticket.printed")[0]["data"] == {
        "ticket": issued.ticket.uid,
        "number": "A001",
    }
    assert call(store, config, 1, at(8, 3)) == "A001"
    assert_refused(
        "not_awaiting_print", ticketing.mark_printed, store, config, issued.ticket.uid, now=at(8, 4)
    )


def test_ok__printed_in_the_same_step_records_both_events(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8), printed=True)
    assert types(store)[-2:] == ["ticket.issued", "ticket.printed"]


def test_ok__void_is_never_called_and_its_number_never_reused(store: Store, config: Config) -> None:
    bad = ticketing.issue(store, config, "dat-dai", now=at(8), printed=False)
    voided = ticketing.void(store, config, bad.ticket.uid, "paper out", now=at(8, 1))
    assert voided.status == "void"
    assert of_type(store, "ticket.voided")[0]["data"] == {
        "ticket": bad.ticket.uid,
        "number": "A001",
        "reason": "paper out",
    }
    assert issue(store, config, "dat-dai", at(8, 2)) == "A002"
    assert call(store, config, 1, at(8, 3)) == "A002"
    assert call(store, config, 1, at(8, 4)) is None
    assert status(store, "A001") == "void"
    assert_refused(
        "not_awaiting_print", ticketing.mark_printed, store, config, bad.ticket.uid, now=at(9)
    )
    assert_refused(
        "not_awaiting_print", ticketing.void, store, config, bad.ticket.uid, "x", now=at(9)
    )
    assert status(store, "A001") == "void"


def test_err__cannot_void_a_printed_ticket(store: Store, config: Config) -> None:
    good = ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
    assert_refused(
        "not_awaiting_print", ticketing.void, store, config, good.ticket.uid, "x", now=at(8, 1)
    )
    assert call(store, config, 1, at(8, 2)) == "A001"


# --------------------------------------------------------------------------- calling


def test_ok__counter_calls_across_its_services_oldest_first(store: Store, config: Config) -> None:
    issue(store, config, "thue", at(8))
    issue(store, config, "dat-dai", at(8, 1))
    issue(store, config, "tu-phap-ho-tich", at(8, 2))  # not served by counter 2
    issue(store, config, "thue", at(8, 3))
    assert [call(store, config, 2, at(9, i)) for i in range(4)] == ["G001", "A001", "G002", None]
    assert status(store, "B001") == "waiting"
    called = of_type(store, "ticket.called")
    assert [e["data"]["number"] for e in called] == ["G001", "A001", "G002"]
    assert called[0]["data"]["counter"] == 2
    assert called[0]["data"]["waited_seconds"] == 3600.0


def test_ok__listed_order_prefers_the_first_listed_service(store: Store) -> None:
    config = make_config(queue={"order": "listed"})
    issue(store, config, "thue", at(8))
    issue(store, config, "dat-dai", at(8, 1))
    issue(store, config, "dat-dai", at(8, 2))
    assert [call(store, config, 2, at(8, 10 + i)) for i in range(3)] == ["A001", "A002", "G001"]


def test_ok__priority_ratio_is_kept_per_counter_in_the_store(store: Store, config: Config) -> None:
    for minute in range(4):
        issue(store, config, "dat-dai", at(8, minute))  # A001..A004 normal
    for minute in range(4, 8):
        issue(store, config, "dat-dai", at(8, minute), priority=True)  # A005..A008 priority
    got = [call(store, config, 1, at(8, 10 + i)) for i in range(8)]
    assert got == ["A005", "A006", "A001", "A007", "A008", "A002", "A003", "A004"]
    assert [e["data"]["priority"] for e in of_type(store, "ticket.called")[:3]] == [
        True,
        True,
        False,
    ]


def test_ok__aging_calls_a_long_waiting_normal_before_priority(
    store: Store, config: Config
) -> None:
    issue(store, config, "dat-dai", at(8))  # normal A001, waits from 08:00
    issue(store, config, "dat-dai", at(8, 40), priority=True)
    issue(store, config, "dat-dai", at(8, 41), priority=True)
    # 08:44: 44 min, not aged yet -> priority first.
    assert call(store, config, 1, at(8, 44)) == "A002"
    # 08:45: 45 min -> A001 goes before the waiting priority A003.
    assert call(store, config, 1, at(8, 45)) == "A001"


def test_ok__recall_repeats_the_call(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    call(store, config, 1, at(8, 1))
    assert ticketing.recall(store, config, 1, now=at(8, 2)).recalls == 1
    assert ticketing.recall(store, config, 1, now=at(8, 3)).recalls == 2
    recalls = of_type(store, "ticket.recalled")
    assert [e["data"]["recalls"] for e in recalls] == [1, 2]
    assert recalls[0]["data"]["number"] == "A001" and recalls[0]["data"]["counter"] == 1
    assert status(store, "A001") == "called"
    assert_refused("not_serving", ticketing.recall, store, config, 3, now=at(8, 4))


def test_ok__call_while_serving_finishes_the_current_ticket(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    issue(store, config, "dat-dai", at(8, 1))
    call(store, config, 1, at(9))
    second = ticketing.call_next(store, config, 1, now=at(9, 7))
    assert second.ticket is not None and second.ticket.number == "A002"
    assert second.finished is not None and second.finished.number == "A001"
    assert second.finished.status == "done"
    assert second.finished.service_seconds == 7 * 60
    done = of_type(store, "ticket.done")
    assert done[0]["data"]["auto"] is True and done[0]["data"]["service_seconds"] == 420
    assert done[0]["data"]["staff"] == "cb-0101"
    # Nobody left: the serving ticket is still closed.
    last = ticketing.call_next(store, config, 1, now=at(9, 10))
    assert last.ticket is None and last.finished is not None and last.finished.number == "A002"
    assert status(store, "A002") == "done"


def test_ok__done_records_duration_that_changes_the_estimate(store: Store, config: Config) -> None:
    for minute in range(4):
        issue(store, config, "dat-dai", at(8, minute))
    before = ticketing.snapshot(store, config, now=at(8, 5))
    land = next(s for s in before["services"] if s["id"] == "dat-dai")
    assert land["waiting"] == 4
    assert land["wait_minutes"] == 32  # 4 x 12 min / 1.5 counters
    call(store, config, 1, at(9))
    finished = ticketing.done(store, config, 1, now=at(9, 30))
    assert finished.status == "done" and finished.service_seconds == 1800
    data = of_type(store, "ticket.done")[0]["data"]
    assert data["auto"] is False and data["service_seconds"] == 1800
    after = ticketing.snapshot(store, config, now=at(9, 31))
    land = next(s for s in after["services"] if s["id"] == "dat-dai")
    assert land["waiting"] == 3
    assert land["wait_minutes"] == 60  # 3 x 30 min / 1.5 counters
    issued = ticketing.issue(store, config, "dat-dai", now=at(9, 32), printed=True)
    assert issued.ahead == 3 and issued.wait_minutes == 60
    assert_refused("not_serving", ticketing.done, store, config, 1, now=at(9, 33))


def test_ok__estimate_uses_only_the_recent_window(store: Store) -> None:
    config = make_config(queue={"estimate_window": 2})
    for minute in range(4):
        issue(store, config, "thue", at(8, minute))
    # Durations 60 min, then 6 min, 6 min: only the last two count.
    call(store, config, 8, at(9))
    ticketing.done(store, config, 8, now=at(10))
    for start in (10, 20):
        call(store, config, 8, at(10, start))
        ticketing.done(store, config, 8, now=at(10, start + 6))
    issued = ticketing.issue(store, config, "thue", now=at(10, 30), printed=True)
    # 1 ahead x 6 min / (counters 2 and 8 each half) = 6 min
    assert issued.ahead == 1 and issued.wait_minutes == 6


# --------------------------------------------------------------------------- skip / re-enter


def test_ok__skip_puts_the_number_on_the_missed_list(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    issue(store, config, "dat-dai", at(8, 1))
    call(store, config, 1, at(9))
    skipped = ticketing.skip(store, config, 1, now=at(9, 2))
    assert skipped.status == "missed"
    assert of_type(store, "ticket.skipped")[0]["data"]["number"] == "A001"
    snap = ticketing.snapshot(store, config, now=at(9, 3))
    assert [m["number"] for m in snap["missed"]] == ["A001"]
    assert snap["counters"][0]["serving"] is None
    assert call(store, config, 1, at(9, 4)) == "A002"
    assert call(store, config, 1, at(9, 5)) is None  # a missed number is not called again
    assert_refused("not_serving", ticketing.skip, store, config, 3, now=at(9, 6))


def test_ok__reenter_within_tolerance_goes_to_the_front(store: Store, config: Config) -> None:
    for minute in range(3):
        issue(store, config, "dat-dai", at(8, minute))
    call(store, config, 1, at(9))
    ticketing.skip(store, config, 1, now=at(9, 1))
    back = ticketing.reenter(store, config, " a001 ", now=at(9, 31))  # exactly 30 min later
    assert back.status == "waiting" and back.reentries == 1
    assert of_type(store, "ticket.reentered")[0]["data"]["number"] == "A001"
    assert ticketing.snapshot(store, config, now=at(9, 32))["missed"] == []
    issue(store, config, "dat-dai", at(9, 20))  # A004
    # A001 re-enters at the front, ahead of A002, A003 and the later A004.
    assert call(store, config, 1, at(9, 32)) == "A001"


def test_err__reenter_after_tolerance_is_too_late(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    call(store, config, 1, at(9))
    ticketing.skip(store, config, 1, now=at(9, 1))
    error = assert_refused("too_late", ticketing.reenter, store, config, "A001", now=at(9, 31, 1))
    assert "mời lấy số mới" in error.vi
    assert status(store, "A001") == "missed"
    assert "ticket.reentered" not in types(store)


def test_err__reenter_beyond_max_reentries(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    call(store, config, 1, at(9))
    ticketing.skip(store, config, 1, now=at(9, 1))
    ticketing.reenter(store, config, "A001", now=at(9, 2))
    call(store, config, 1, at(9, 3))
    ticketing.skip(store, config, 1, now=at(9, 4))
    assert_refused("reentry_limit", ticketing.reenter, store, config, "A001", now=at(9, 5))
    assert status(store, "A001") == "missed"


def test_ok__more_reentries_when_configured(store: Store) -> None:
    config = make_config(queue={"max_reentries": 2, "missed_tolerance_minutes": 5})
    issue(store, config, "dat-dai", at(8))
    for minute in (0, 10):
        call(store, config, 1, at(9, minute))
        ticketing.skip(store, config, 1, now=at(9, minute + 1))
        ticketing.reenter(store, config, "A001", now=at(9, minute + 6))
    call(store, config, 1, at(9, 30))
    ticketing.skip(store, config, 1, now=at(9, 31))
    assert_refused("reentry_limit", ticketing.reenter, store, config, "A001", now=at(9, 32))


def test_err__reenter_needs_a_missed_number_of_today(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    assert_refused("not_missed", ticketing.reenter, store, config, "A001", now=at(8, 1))
    assert_refused("unknown_ticket", ticketing.reenter, store, config, "A777", now=at(8, 1))
    call(store, config, 1, at(9))
    ticketing.skip(store, config, 1, now=at(9, 1))
    # The next day the missed number is gone (expired), whatever the tolerance.
    assert_refused(
        "unknown_ticket", ticketing.reenter, store, config, "A001", now=at(8, day=TUESDAY)
    )


# --------------------------------------------------------------------------- transfer


def _transfer_setup(store: Store, config: Config) -> None:
    issue(store, config, "thue", at(8))  # G001
    issue(store, config, "thue", at(8, 1))  # G002
    issue(store, config, "dat-dai", at(8, 2))  # A001, issued after both
    assert call(store, config, 1, at(8, 5)) == "A001"


def test_ok__transfer_to_the_front_of_the_new_queue(store: Store, config: Config) -> None:
    assert config.queue.transfer_position == "front"
    _transfer_setup(store, config)
    moved = ticketing.transfer(store, config, 1, "thue", now=at(8, 20))
    assert moved.status == "waiting" and moved.service == "thue"
    assert moved.origin_service == "dat-dai" and moved.number == "A001"
    assert moved.counter is None and moved.called_at is None
    data = of_type(store, "ticket.transferred")[0]["data"]
    assert data["to_service"] == "thue" and data["served_seconds"] == 900
    assert ticketing.snapshot(store, config, now=at(8, 21))["counters"][0]["serving"] is None
    assert call(store, config, 1, at(8, 21)) is None  # no longer in dat-dai
    # front means front: ahead of G001 and G002 although it was issued after them
    assert [call(store, config, 8, at(8, 30 + i)) for i in range(3)] == ["A001", "G001", "G002"]


def test_ok__transfer_to_the_back_of_the_new_queue(store: Store) -> None:
    config = make_config(queue={"transfer_position": "back"})
    _transfer_setup(store, config)
    ticketing.transfer(store, config, 1, "thue", now=at(8, 20))
    issue(store, config, "thue", at(8, 25))  # G003, issued after the transfer
    got = [call(store, config, 8, at(8, 30 + i)) for i in range(4)]
    assert got == ["G001", "G002", "A001", "G003"]


def test_err__transfer_to_the_same_or_unknown_service(store: Store, config: Config) -> None:
    _transfer_setup(store, config)
    assert_refused("same_service", ticketing.transfer, store, config, 1, "dat-dai", now=at(8, 6))
    assert_refused("unknown_service", ticketing.transfer, store, config, 1, "nope", now=at(8, 6))
    assert status(store, "A001") == "called"
    assert_refused("not_serving", ticketing.transfer, store, config, 3, "thue", now=at(8, 6))
    assert "ticket.transferred" not in types(store)


# --------------------------------------------------------------------------- pause / resume


def test_ok__pause_refuses_calls_and_resume_restores(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    ticketing.pause(store, config, 1, "họp giao ban", now=at(8, 1))
    before = len(events(store))
    error = assert_refused("paused", ticketing.call_next, store, config, 1, now=at(8, 2))
    assert "họp giao ban" in str(error)
    assert len(events(store)) == before
    assert status(store, "A001") == "waiting"
    snap = ticketing.snapshot(store, config, now=at(8, 3))
    counter = snap["counters"][0]
    assert counter["paused"] is True and counter["pause_reason"] == "họp giao ban"
    assert_refused("already_paused", ticketing.pause, store, config, 1, "x", now=at(8, 4))
    ticketing.resume(store, config, 1, now=at(8, 11))
    resumed = of_type(store, "counter.resumed")[0]["data"]
    assert resumed == {"counter": 1, "paused_seconds": 600}
    assert of_type(store, "counter.paused")[0]["data"] == {"counter": 1, "reason": "họp giao ban"}
    assert call(store, config, 1, at(8, 12)) == "A001"
    assert_refused("not_paused", ticketing.resume, store, config, 1, now=at(8, 13))
    assert ticketing.snapshot(store, config, now=at(8, 14))["counters"][0]["paused"] is False


# Free text from a caller: the rule config.toml's text follows (kiosk.freetext), in the
# operation itself, so no caller (a script, a daemon, central) gets round it.
ESC_CLEAR = "\x1b[2J"  # clears a terminal that prints it


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        (f"Họp {ESC_CLEAR}", "pause reason: must not contain control characters (U+001B)"),
        ("Họp\ngiao ban", "pause reason: must not contain control characters (U+000A)"),
        ("Họp \u202egiao ban", "pause reason: must not contain invisible characters (U+202E)"),
        ("x" * 70_000, "pause reason: too long (70000 characters; at most 200)"),
        ("Họp\udc80", "pause reason: must be UTF-8 text (U+DC80 is not a character)"),
    ],
)
def test_fail__pause_with_a_bad_reason_is_refused_and_changes_nothing(
    store: Store, config: Config, reason: str, says: str
) -> None:
    before = events(store)
    with pytest.raises(BadText) as refused:
        ticketing.pause(store, config, 1, reason, now=at(8, 1))
    assert str(refused.value) == says
    assert events(store) == before
    assert ticketing.snapshot(store, config, now=at(8, 2))["counters"][0]["paused"] is False


def test_ok__pause_reason_is_stored_nfc_and_trimmed(store: Store, config: Config) -> None:
    decomposed = unicodedata.normalize("NFD", "  Họp giao ban Phường  ")
    assert decomposed.strip() != "Họp giao ban Phường"  # the marks are separate code points
    ticketing.pause(store, config, 1, decomposed, now=at(8, 1))
    (paused,) = of_type(store, "counter.paused")
    assert paused["data"] == {"counter": 1, "reason": "Họp giao ban Phường"}
    counter = ticketing.snapshot(store, config, now=at(8, 2))["counters"][0]
    assert counter["pause_reason"] == "Họp giao ban Phường"
    longest = "ệ" * 200  # at the limit, counted after NFC (NFD has 600 code points)
    ticketing.pause(store, config, 2, unicodedata.normalize("NFD", longest), now=at(8, 3))
    assert of_type(store, "counter.paused")[1]["data"]["reason"] == longest


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (ESC_CLEAR, "notice: must not contain control characters (U+001B)"),
        ("Thông\u0085báo", "notice: must not contain control characters (U+0085)"),
        ("Thông báo \ue000", "notice: must not contain characters no font draws (U+E000)"),
        ("x" * 501, "notice: too long (501 characters; at most 500)"),
    ],
)
def test_fail__a_bad_notice_is_refused_and_changes_nothing(
    store: Store, config: Config, text: str, says: str
) -> None:
    ticketing.set_notice(store, "Thông báo cũ", now=at(8))
    before = events(store)
    with pytest.raises(BadText) as refused:
        ticketing.set_notice(store, text, now=at(8, 1))
    assert str(refused.value) == says
    assert events(store) == before
    assert ticketing.read_board(store, config, now=at(8, 2)).notice == "Thông báo cũ"


def test_ok__a_decomposed_notice_is_stored_nfc(store: Store, config: Config) -> None:
    ticketing.set_notice(store, unicodedata.normalize("NFD", "Nghỉ lễ Quốc khánh"), now=at(8))
    assert ticketing.read_board(store, config, now=at(8, 1)).notice == "Nghỉ lễ Quốc khánh"
    assert of_type(store, "notice.set")[0]["data"]["text"] == "Nghỉ lễ Quốc khánh"


def test_ok__paused_counters_do_not_count_for_the_estimate(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    ticketing.pause(store, config, 2, "", now=at(8, 1))
    second = ticketing.issue(store, config, "dat-dai", now=at(8, 2), printed=True)
    assert second.wait_minutes == 12  # only counter 1 is open
    ticketing.pause(store, config, 1, "", now=at(8, 3))
    third = ticketing.issue(store, config, "dat-dai", now=at(8, 4), printed=True)
    assert third.ahead == 2 and third.wait_minutes is None


# --------------------------------------------------------------------------- the business day


def test_ok__next_day_restarts_numbers_and_expires_yesterday(store: Store, config: Config) -> None:
    for minute in range(3):
        issue(store, config, "dat-dai", at(8, minute))
    issue(store, config, "thue", at(8, 3))
    unprinted = ticketing.issue(store, config, "thue", now=at(8, 4), printed=False)
    call(store, config, 1, at(9))  # A001 served ...
    ticketing.done(store, config, 1, now=at(9, 5))  # ... and done
    call(store, config, 1, at(9, 6))  # A002 being served at close
    call(store, config, 8, at(9, 7))  # G001 too
    ticketing.skip(store, config, 8, now=at(9, 8))  # G001 missed

    issued = ticketing.issue(store, config, "dat-dai", now=at(8, day=TUESDAY), printed=True)
    assert issued.ticket.number == "A001" and issued.ticket.day == TUESDAY.isoformat()
    assert issued.ahead == 0
    assert issue(store, config, "thue", at(8, 1, day=TUESDAY)) == "G001"

    assert status(store, "A001") == "done"
    for number in ("A002", "A003", "G001", "G002"):
        assert status(store, number) == "expired", number
    assert unprinted.ticket.number == "G002"
    opened = of_type(store, "day.opened")
    assert [e["data"] for e in opened] == [
        {"day": MONDAY.isoformat(), "previous": None, "expired_tickets": 0},
        {"day": TUESDAY.isoformat(), "previous": MONDAY.isoformat(), "expired_tickets": 4},
    ]
    # Yesterday's tickets are never called; counters start the day idle.
    snap = ticketing.snapshot(store, config, now=at(8, 2, day=TUESDAY))
    assert snap["day"] == TUESDAY.isoformat()
    assert all(c["serving"] is None for c in snap["counters"])
    assert snap["missed"] == []
    assert call(store, config, 1, at(8, 3, day=TUESDAY)) == "A001"
    assert call(store, config, 1, at(8, 4, day=TUESDAY)) is None


def test_ok__new_day_starts_a_fresh_priority_cycle(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8), priority=True)
    assert call(store, config, 1, at(8, 1)) == "A001"  # one priority call of the 2:1 cycle
    for minute in range(3):
        issue(store, config, "dat-dai", at(8, minute, day=TUESDAY))  # A001..A003 normal
    for minute in range(3, 6):
        issue(store, config, "dat-dai", at(8, minute, day=TUESDAY), priority=True)  # A004..
    got = [call(store, config, 1, at(8, 10 + i, day=TUESDAY)) for i in range(3)]
    assert got == ["A004", "A005", "A001"]


def test_ok__day_opens_once_however_many_operations(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    call(store, config, 1, at(8, 1))
    issue(store, config, "dat-dai", at(8, 2))
    assert types(store).count("day.opened") == 1
    issue(store, config, "dat-dai", at(8, day=TUESDAY))
    call(store, config, 1, at(8, 1, day=TUESDAY))
    assert types(store).count("day.opened") == 2


def test_ok__first_counter_action_of_a_new_day_does_not_close_yesterday(
    store: Store, config: Config
) -> None:
    """A ticket left 'called' overnight expires; 'done' the next morning must not
    record a night-long service time that would wreck the wait estimate."""
    issue(store, config, "dat-dai", at(16, 30))
    call(store, config, 1, at(16, 40))
    assert_refused("not_serving", ticketing.done, store, config, 1, now=at(7, 35, day=TUESDAY))
    assert_refused("not_serving", ticketing.skip, store, config, 1, now=at(7, 36, day=TUESDAY))
    assert_refused("not_serving", ticketing.recall, store, config, 1, now=at(7, 36, day=TUESDAY))
    assert_refused(
        "not_serving", ticketing.transfer, store, config, 1, "thue", now=at(7, 37, day=TUESDAY)
    )
    assert "ticket.done" not in types(store)
    issued = ticketing.issue(store, config, "dat-dai", now=at(7, 40, day=TUESDAY), printed=True)
    issue(store, config, "dat-dai", at(7, 41, day=TUESDAY))
    assert issued.ticket.number == "A001"
    assert issued.wait_minutes == 0
    third = ticketing.issue(store, config, "dat-dai", now=at(7, 42, day=TUESDAY), printed=True)
    assert third.wait_minutes == 16  # still the 12-minute default, not 15 hours
    assert status(store, "A001", MONDAY) == "expired"


def test_ok__clock_jumping_back_keeps_the_day_and_the_numbers(store: Store, config: Config) -> None:
    assert issue(store, config, "dat-dai", at(10, day=TUESDAY)) == "A001"
    assert issue(store, config, "dat-dai", at(10, 1, day=TUESDAY)) == "A002"
    # The Pi reboots with a stale clock: Monday 09:00.
    back = ticketing.issue(store, config, "dat-dai", now=at(9), printed=True)
    assert back.ticket.number == "A003"
    assert back.ticket.day == TUESDAY.isoformat()
    assert call(store, config, 1, at(9, 1)) == "A001"
    assert issue(store, config, "thue", at(9, 2)) == "G001"
    assert ticketing.snapshot(store, config, now=at(9, 3))["day"] == TUESDAY.isoformat()
    assert types(store).count("clock.backwards") == 1
    jump = of_type(store, "clock.backwards")[0]
    assert jump["data"]["now"].startswith(MONDAY.isoformat())
    assert jump["data"]["last_seen"].startswith(TUESDAY.isoformat())
    assert [e["data"]["day"] for e in of_type(store, "day.opened")] == [TUESDAY.isoformat()]
    assert all(e["data"]["day"] == TUESDAY.isoformat() for e in of_type(store, "ticket.issued"))
    # The clock syncs again: same day, numbering goes on, no new day.
    assert issue(store, config, "dat-dai", at(10, 30, day=TUESDAY)) == "A004"
    assert types(store).count("day.opened") == 1
    numbers = store.conn.execute("SELECT day, number FROM tickets").fetchall()
    assert len(numbers) == len(set(numbers))


def test_ok__a_second_backwards_jump_is_recorded_again(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(10, day=TUESDAY))
    issue(store, config, "dat-dai", at(9, day=TUESDAY))
    issue(store, config, "dat-dai", at(9, 5, day=TUESDAY))
    assert types(store).count("clock.backwards") == 1
    issue(store, config, "dat-dai", at(10, 30, day=TUESDAY))  # back in sync
    issue(store, config, "dat-dai", at(8, day=TUESDAY))  # jumps again
    assert types(store).count("clock.backwards") == 2


def test_ok__small_clock_wobble_is_not_a_jump(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(10, 0, 30))
    issue(store, config, "dat-dai", at(10, 0, 0))  # 30 s back: NTP slew
    assert "clock.backwards" not in types(store)
    # The wobble does not lower the high-water mark: 70 s before it is a jump.
    issue(store, config, "dat-dai", at(9, 59, 20))
    assert types(store).count("clock.backwards") == 1


# --------------------------------------------------------------------------- events


def test_ok__every_change_writes_a_well_formed_event(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    issue(store, config, "dat-dai", at(8, 1), priority=True)
    unprinted = ticketing.issue(store, config, "thue", now=at(8, 2), printed=False)
    ticketing.void(store, config, unprinted.ticket.uid, "jam", now=at(8, 3))
    call(store, config, 1, at(8, 10))
    ticketing.recall(store, config, 1, now=at(8, 11))
    ticketing.skip(store, config, 1, now=at(8, 12))
    ticketing.reenter(store, config, "A002", now=at(8, 13))
    call(store, config, 1, at(8, 14))
    ticketing.transfer(store, config, 1, "thue", now=at(8, 15))
    ticketing.pause(store, config, 1, "nghỉ", now=at(8, 16))
    with pytest.raises(Refused):
        ticketing.call_next(store, config, 1, now=at(8, 17))
    ticketing.resume(store, config, 1, now=at(8, 18))
    call(store, config, 8, at(8, 19))
    call(store, config, 1, at(8, 20))
    ticketing.done(store, config, 8, now=at(8, 25))
    with pytest.raises(Refused):
        ticketing.issue(store, config, "dat-dai", now=at(12))  # lunch: refused, but recorded

    log = events(store)
    assert [e["type"] for e in log] == [
        "day.opened",
        "ticket.issued",
        "ticket.printed",
        "ticket.issued",
        "ticket.printed",
        "ticket.issued",
        "ticket.voided",
        "ticket.called",
        "ticket.recalled",
        "ticket.skipped",
        "ticket.reentered",
        "ticket.called",
        "ticket.transferred",
        "counter.paused",
        "counter.resumed",
        "ticket.called",
        "ticket.called",
        "ticket.done",
        "ticket.refused",
    ]
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert store.conn.execute("SELECT value FROM kv WHERE key = 'event_seq'").fetchone()[0] == len(
        log
    )
    ids = [uuid.UUID(e["id"]) for e in log]
    assert len(set(ids)) == len(ids)
    for event in log:
        assert isinstance(event["data"], dict)
        stamp = dt.datetime.fromisoformat(event["ts"])
        assert stamp.utcoffset() == dt.timedelta(0)
    assert dt.datetime.fromisoformat(log[-2]["ts"]).timestamp() == at(8, 25)
    assert dt.datetime.fromisoformat(log[-1]["ts"]).timestamp() == at(12)
    # The re-entered priority ticket A002 was called, transferred, then served at counter 8.
    called = [e["data"]["number"] for e in log if e["type"] == "ticket.called"]
    assert called == ["A002", "A002", "A002", "A001"]
    assert ticketing.snapshot(store, config, now=at(8, 26))["events"]["last_seq"] == len(log)


def test_ok__event_and_state_change_commit_together(store: Store, config: Config) -> None:
    """If the event row cannot be written, the state change is rolled back with it."""
    issue(store, config, "dat-dai", at(8))
    before = events(store)
    store.conn.execute(
        "CREATE TRIGGER no_calls BEFORE INSERT ON events WHEN NEW.type = 'ticket.called' "
        "BEGIN SELECT RAISE(ABORT, 'outbox full'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        ticketing.call_next(store, config, 1, now=at(8, 5))
    assert status(store, "A001") == "waiting"
    assert events(store) == before
    counter = store.conn.execute("SELECT ticket_id FROM counter_state WHERE counter = 1")
    assert (counter.fetchone() or (None,))[0] is None
    store.conn.execute("DROP TRIGGER no_calls")
    called = ticketing.call_next(store, config, 1, now=at(8, 6))
    assert called.ticket is not None and called.ticket.number == "A001"
    assert [e["seq"] for e in events(store)] == list(range(1, len(before) + 2))


def test_ok__events_survive_reopening_the_file(tmp_path: Path, config: Config) -> None:
    path = tmp_path / "site.db"
    with Store(path) as first:
        issue(first, config, "dat-dai", at(8))
        call(first, config, 1, at(8, 1))
    with Store(path) as second:
        assert issue(second, config, "dat-dai", at(8, 2)) == "A002"
        assert [e["seq"] for e in events(second)] == [1, 2, 3, 4, 5, 6]
        snap = ticketing.snapshot(second, config, now=at(8, 3))
        assert snap["counters"][0]["serving"] == "A001"


# --------------------------------------------------------------------------- snapshot


def test_ok__snapshot_reports_waiting_serving_and_missed(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8))
    issue(store, config, "dat-dai", at(8, 1))
    issue(store, config, "dat-dai", at(8, 2), priority=True)
    issue(store, config, "thue", at(8, 3))
    issue(store, config, "tu-phap-ho-tich", at(8, 4))
    ticketing.issue(store, config, "thue", now=at(8, 5), printed=False)  # not yet waiting
    assert call(store, config, 3, at(8, 10)) == "B001"
    ticketing.skip(store, config, 3, now=at(8, 11))
    assert call(store, config, 1, at(8, 12)) == "A003"
    assert call(store, config, 8, at(8, 13)) == "G001"
    ticketing.pause(store, config, 5, "máy hỏng", now=at(8, 14))

    snap = ticketing.snapshot(store, config, now=at(8, 15))
    assert snap["day"] == MONDAY.isoformat()
    assert snap["issuing"] is True and snap["closed_reason"] is None
    services = {s["id"]: s for s in snap["services"]}
    assert services["dat-dai"]["waiting"] == 2
    assert services["dat-dai"]["waiting_priority"] == 0
    assert services["dat-dai"]["issued"] == 3
    assert services["dat-dai"]["remaining"] == 297
    assert services["thue"]["waiting"] == 0
    assert services["thue"]["issued"] == 2
    assert services["tu-phap-ho-tich"]["waiting"] == 0
    assert services["xay-dung"]["waiting"] == 0 and services["xay-dung"]["wait_minutes"] == 0
    counters = {c["number"]: c for c in snap["counters"]}
    assert counters[1]["serving"] == "A003"
    assert counters[8]["serving"] == "G001"
    assert counters[3]["serving"] is None
    assert counters[2]["serving"] is None
    assert counters[5]["paused"] is True and counters[5]["pause_reason"] == "máy hỏng"
    assert counters[1]["staff_id"] == "cb-0101"
    assert [(m["number"], m["service"]) for m in snap["missed"]] == [("B001", "tu-phap-ho-tich")]
    assert snap["events"]["last_seq"] == len(events(store))

    ticketing.done(store, config, 1, now=at(8, 20))
    later = ticketing.snapshot(store, config, now=at(12))
    assert {c["number"]: c["served_today"] for c in later["counters"]}[1] == 1
    assert later["issuing"] is False and later["closed_reason"] == "lunch"
    services = {s["id"]: s for s in later["services"]}
    assert services["dat-dai"]["issuing"] is False
    assert services["dat-dai"]["closed_reason"] == "lunch"


def test_ok__snapshot_before_the_first_action_of_a_new_day(store: Store, config: Config) -> None:
    """The wall display polls the snapshot before anyone has acted on the new day."""
    issue(store, config, "dat-dai", at(16, 30))
    issue(store, config, "dat-dai", at(16, 31))
    issue(store, config, "thue", at(16, 32))
    call(store, config, 1, at(16, 40))
    call(store, config, 8, at(16, 41))
    ticketing.skip(store, config, 8, now=at(16, 42))
    snap = ticketing.snapshot(store, config, now=at(7, 0, day=TUESDAY))
    assert snap["day"] == TUESDAY.isoformat()
    assert all(s["waiting"] == 0 and s["issued"] == 0 for s in snap["services"])
    assert all(c["serving"] is None for c in snap["counters"])
    assert snap["missed"] == []
    assert snap["closed_reason"] == "before_open"
    # Reading changes nothing.
    assert types(store).count("day.opened") == 1
    assert status(store, "A001") == "called"


def test_ok__snapshot_priority_waiting_count(store: Store, config: Config) -> None:
    issue(store, config, "dat-dai", at(8), priority=True)
    issue(store, config, "dat-dai", at(8, 1), priority=True)
    issue(store, config, "dat-dai", at(8, 2))
    services = {s["id"]: s for s in ticketing.snapshot(store, config, now=at(8, 3))["services"]}
    assert services["dat-dai"]["waiting"] == 3
    assert services["dat-dai"]["waiting_priority"] == 2
    assert services["dat-dai"]["wait_minutes"] == 24  # 3 x 12 / 1.5


def test_ok__the_queue_is_counted_as_each_table_says(store: Store, config: Config) -> None:
    """queue_counts: per status, waiting per service and priority, served per counter; the
    same figures the day's tickets give when counted one by one."""
    services = [s.id for s in config.services]
    counters = [c.number for c in config.counters]
    for minute in range(12):
        issue(store, config, services[minute % 2], at(8, minute), priority=minute % 5 == 0)
    issue(store, config, services[0], at(8, 20), printed=False)  # issued, never printed
    for minute, counter in enumerate(counters[:3]):
        call(store, config, counter, at(9, minute))
    ticketing.done(store, config, counters[0], now=at(9, 10))
    ticketing.skip(store, config, counters[1], now=at(9, 11))
    with store.read() as conn:
        counts = ticketing.queue_counts(conn, MONDAY.isoformat())
        tickets = conn.execute(
            "SELECT service, priority, status, counter FROM tickets WHERE day = ?",
            (MONDAY.isoformat(),),
        ).fetchall()
    by_status: dict[str, int] = {}
    for _service, _priority, status, _counter in tickets:
        by_status[status] = by_status.get(status, 0) + 1
    assert dict(counts.by_status) == by_status
    assert counts.issued == len(tickets) - by_status.get("void", 0)
    assert (counts.serving, counts.done, counts.missed) == (1, 1, 1)
    for service in services:
        for priority in (0, 1):
            expected = sum(1 for s, p, st, _ in tickets
                           if (s, p, st) == (service, priority, "waiting"))  # fmt: skip
            assert counts.waiting.count(service, priority=priority) == expected
    assert counts.waiting.count() == by_status["waiting"]
    assert dict(counts.done_by_counter) == {counters[0]: 1}
    with store.read() as conn:
        assert ticketing.waiting_counts(conn, MONDAY.isoformat()) == counts.waiting
        assert ticketing.last_ticket_day(conn) == MONDAY.isoformat()
        assert ticketing.queue_counts(conn, TUESDAY.isoformat()).issued == 0
