"""Satisfaction ratings: the counter's last finished ticket, in time, once; staff; status; CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from kiosk import ticketing
from kiosk.config import Config
from kiosk.store import Store
from kiosk.ticketing import Refused
from tests.conftest import EXAMPLE, MONDAY, at, example_raw, kiosk_in, make_config

TUESDAY = MONDAY + dt.timedelta(days=1)
DONE = at(9, 5)  # when the standard service below finishes
LABELS = ["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"]


def events(store: Store, type_: str) -> list[dict[str, Any]]:
    rows = store.conn.execute(
        "SELECT data FROM events WHERE type = ? ORDER BY seq", (type_,)
    ).fetchall()
    return [json.loads(row[0]) for row in rows]


def rating_rows(store: Store) -> list[dict[str, Any]]:
    cursor = store.conn.execute(
        "SELECT ticket_id, day, counter, service, staff, choice, label, score, rated_at "
        "FROM ratings ORDER BY id"
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def serve(
    store: Store,
    config: Config,
    counter: int,
    service: str,
    *,
    called: float = at(9),
    finished: float = DONE,
) -> ticketing.Ticket:
    """Issue a ticket 30 s before ``called``, call it at ``counter``, finish it: the done ticket."""
    number = ticketing.issue(store, config, service, now=called - 30, printed=True).ticket.number
    call = ticketing.call_next(store, config, counter, now=called)
    assert call.ticket is not None and call.ticket.number == number
    return ticketing.done(store, config, counter, now=finished)


def refused(code: str, store: Store, config: Config, *args: Any, **kwargs: Any) -> Refused:
    with pytest.raises(Refused) as info:
        ticketing.rate(store, config, *args, **kwargs)
    assert info.value.code == code, (info.value.code, str(info.value))
    return info.value


# --------------------------------------------------------------------------- a rating


@pytest.mark.parametrize(
    ("counter", "service", "staff"),
    [(1, "dat-dai", "cb-0101"), (3, "tu-phap-ho-tich", None)],
)
def test_ok__rating_is_stored_with_ticket_service_and_staff(
    store: Store, config: Config, counter: int, service: str, staff: str | None
) -> None:
    """The row, the ticket.rated event and Rating.to_json all say the same thing."""
    ticket = serve(store, config, counter, service)
    rating = ticketing.rate(store, config, counter, 2, now=DONE + 5)
    assert rating_rows(store) == [
        {"ticket_id": ticket.id, "day": MONDAY.isoformat(), "counter": counter,
         "service": service, "staff": staff, "choice": 2, "label": "Hài lòng", "score": 3,
         "rated_at": DONE + 5},
    ]  # fmt: skip
    expected = {"ticket": ticket.uid, "number": ticket.number, "counter": counter,
                "service": service, "staff": staff, "choice": 2, "label": "Hài lòng",
                "score": 3}  # fmt: skip
    assert events(store, "ticket.rated") == [expected]
    assert rating.to_json() == {**expected, "rated_at": rating.to_json()["rated_at"]}
    assert rating.to_json()["rated_at"].startswith("2026-11-23T02:05:05")  # UTC
    assert rating.ticket.id == ticket.id and events(store, "rating.refused") == []


@pytest.mark.parametrize(("choice", "score"), [(1, 4), (2, 3), (3, 2), (4, 1)])
def test_ok__choice_maps_to_label_and_score(
    store: Store, config: Config, choice: int, score: int
) -> None:
    serve(store, config, 1, "dat-dai")
    rating = ticketing.rate(store, config, 1, choice, now=DONE + 1)
    assert (rating.label, rating.score) == (LABELS[choice - 1], score)
    row = rating_rows(store)[0]
    assert (row["choice"], row["label"], row["score"]) == (choice, LABELS[choice - 1], score)


def two_labels(window: float = 10) -> Config:
    """Two labels; counter 1's rate:3 / rate:4 buttons must go for the config to load."""
    raw = example_raw()
    first = raw["counters"][0]
    first["buttons"] = [b for b in first["buttons"] if b["action"] not in ("rate:3", "rate:4")]
    return make_config(raw, ratings={"window_seconds": window, "labels": ["Tốt", "Chưa tốt"]})


def test_ok__two_label_config_scores_two_and_one(store: Store) -> None:
    config = two_labels()
    serve(store, config, 1, "dat-dai")
    best = ticketing.rate(store, config, 1, 1, now=DONE + 1)
    assert (best.label, best.score) == ("Tốt", 2)
    serve(store, config, 1, "dat-dai", called=at(9, 10), finished=at(9, 20))
    worst = ticketing.rate(store, config, 1, 2, now=at(9, 20, 1))
    assert (worst.label, worst.score) == ("Chưa tốt", 1)
    refused("bad_choice", store, config, 1, 3, now=at(9, 20, 2))


@pytest.mark.parametrize("choice", [0, 5, -1])
def test_fail__choice_outside_the_labels(store: Store, config: Config, choice: int) -> None:
    serve(store, config, 1, "dat-dai")
    refused("bad_choice", store, config, 1, choice, now=DONE + 1)
    assert events(store, "rating.refused") == [
        {"counter": 1, "choice": choice, "ticket_number": None, "reason": "bad_choice"}
    ]
    assert rating_rows(store) == []
    ticketing.rate(store, config, 1, 1, now=DONE + 2)  # the window is still open afterwards


# --------------------------------------------------------------------------- window and once


def test_ok__window_edge_is_open_and_just_past_is_closed(store: Store, config: Config) -> None:
    serve(store, config, 1, "dat-dai")
    refused("rating_closed", store, config, 1, 1, now=DONE + 60.001)
    assert ticketing.rate(store, config, 1, 1, now=DONE + 60).score == 4
    assert len(rating_rows(store)) == 1


def test_ok__custom_window(store: Store) -> None:
    config = two_labels(window=10)
    serve(store, config, 1, "dat-dai")
    refused("rating_closed", store, config, 1, 1, now=DONE + 10.001)
    ticketing.rate(store, config, 1, 1, now=DONE + 10)
    serve(store, config, 1, "dat-dai", called=at(9, 10), finished=at(9, 20))
    refused("rating_closed", store, config, 1, 1, now=at(9, 20, 30))  # open at 60, not 10
    assert len(rating_rows(store)) == 1


def test_fail__second_rating_of_a_ticket(store: Store, config: Config) -> None:
    ticket = serve(store, config, 1, "dat-dai")
    ticketing.rate(store, config, 1, 1, now=DONE + 1)
    refused("already_rated", store, config, 1, 4, now=DONE + 2)
    refused("already_rated", store, config, 1, 4, now=DONE + 3, ticket_number=ticket.number)
    assert [(r["ticket_id"], r["choice"]) for r in rating_rows(store)] == [(ticket.id, 1)]


def test_ok__clock_stepped_back_a_little_stays_in_the_window(store: Store, config: Config) -> None:
    serve(store, config, 1, "dat-dai")
    assert ticketing.rate(store, config, 1, 3, now=DONE - 30).score == 2
    assert rating_rows(store)[0]["rated_at"] == DONE - 30


def test_fail__clock_stepped_back_far_does_not_stretch_the_window(
    store: Store, config: Config
) -> None:
    """An hour's step back must not keep the last ticket rateable for an hour."""
    serve(store, config, 1, "dat-dai")
    refused("rating_closed", store, config, 1, 3, now=DONE - 300)
    assert rating_rows(store) == []


# --------------------------------------------------------------------------- which ticket


def test_fail__counter_and_ticket_number_must_match(store: Store, config: Config) -> None:
    """A named ticket must exist, be done here, and be the counter's last finished one."""
    first = serve(store, config, 1, "dat-dai")
    refused("not_served_here", store, config, 2, 1, now=DONE + 1, ticket_number=first.number)
    refused("nothing_to_rate", store, config, 2, 1, now=DONE + 1)
    refused("unknown_ticket", store, config, 1, 1, now=DONE + 1, ticket_number="A999")
    second = serve(store, config, 1, "dat-dai", called=DONE + 2, finished=DONE + 10)
    refused("rating_closed", store, config, 1, 1, now=DONE + 11, ticket_number=first.number)
    rating = ticketing.rate(store, config, 1, 1, now=DONE + 12, ticket_number=second.number)
    assert rating.ticket.id == second.id
    assert [r["ticket_id"] for r in rating_rows(store)] == [second.id]


def test_ok__ticket_number_as_typed(store: Store, config: Config) -> None:
    """A number typed in lower case or with spaces names the same ticket."""
    served = serve(store, config, 1, "dat-dai")
    rating = ticketing.rate(store, config, 1, 2, now=DONE + 1, ticket_number=" a001 ")
    assert (rating.ticket.id, served.number) == (served.id, "A001")


def test_fail__ticket_still_being_served_is_not_served_here(store: Store, config: Config) -> None:
    ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
    called = ticketing.call_next(store, config, 1, now=at(9)).ticket
    assert called is not None
    refused("not_served_here", store, config, 1, 1, now=at(9, 1), ticket_number=called.number)
    refused("nothing_to_rate", store, config, 1, 1, now=at(9, 1))


def test_ok__auto_finish_by_call_next_opens_the_window(store: Store, config: Config) -> None:
    """Calling next while serving finishes the ticket; it, not the new one, gets the rating."""
    ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
    ticketing.issue(store, config, "dat-dai", now=at(8, 1), printed=True)
    ticketing.call_next(store, config, 1, now=at(9))
    moved_on = ticketing.call_next(store, config, 1, now=at(9, 5))
    assert moved_on.finished is not None and moved_on.ticket is not None
    rating = ticketing.rate(store, config, 1, 2, now=at(9, 5, 30))
    assert rating.ticket.id == moved_on.finished.id
    # Nobody waiting: the call still finishes the second ticket and opens its window.
    last = ticketing.call_next(store, config, 1, now=at(9, 10))
    assert last.ticket is None and last.finished is not None
    assert ticketing.rate(store, config, 1, 1, now=at(9, 10, 5)).ticket.id == last.finished.id


@pytest.mark.parametrize("action", ["skip", "transfer"])
def test_fail__skip_and_transfer_do_not_open_the_window(
    store: Store, config: Config, action: str
) -> None:
    ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
    ticketing.call_next(store, config, 1, now=at(9))
    if action == "skip":
        ticketing.skip(store, config, 1, now=at(9, 1))
    else:
        ticketing.transfer(store, config, 1, "thue", now=at(9, 1))
    refused("nothing_to_rate", store, config, 1, 1, now=at(9, 1, 5))


def test_ok__skip_after_done_leaves_the_done_ticket_rateable(store: Store, config: Config) -> None:
    finished = serve(store, config, 1, "dat-dai")
    ticketing.issue(store, config, "dat-dai", now=at(8, 1), printed=True)
    ticketing.call_next(store, config, 1, now=DONE + 1)
    ticketing.skip(store, config, 1, now=DONE + 2)
    assert ticketing.rate(store, config, 1, 1, now=DONE + 3).ticket.id == finished.id


# --------------------------------------------------------------------------- refusals log


def test_fail__every_refusal_is_an_event_and_nothing_is_inserted(
    store: Store, config: Config
) -> None:
    with pytest.raises(Refused) as unknown:
        ticketing.rate(store, config, 99, 1, now=at(9))
    assert unknown.value.code == "unknown_counter"
    refused("nothing_to_rate", store, config, 1, 1, now=at(9))
    first = serve(store, config, 1, "dat-dai")
    refused("bad_choice", store, config, 1, 9, now=DONE + 1)
    refused("unknown_ticket", store, config, 1, 1, now=DONE + 1, ticket_number="B001")
    refused("not_served_here", store, config, 2, 2, now=DONE + 1, ticket_number=first.number)
    refused("rating_closed", store, config, 1, 3, now=DONE + 61)
    assert rating_rows(store) == []
    assert events(store, "rating.refused") == [
        {"counter": 1, "choice": 1, "ticket_number": None, "reason": "nothing_to_rate"},
        {"counter": 1, "choice": 9, "ticket_number": None, "reason": "bad_choice"},
        {"counter": 1, "choice": 1, "ticket_number": "B001", "reason": "unknown_ticket"},
        {"counter": 2, "choice": 2, "ticket_number": first.number, "reason": "not_served_here"},
        {"counter": 1, "choice": 3, "ticket_number": None, "reason": "rating_closed"},
    ]
    assert events(store, "ticket.rated") == []


# --------------------------------------------------------------------------- the day


def test_fail__next_business_day_has_nothing_to_rate(store: Store, config: Config) -> None:
    serve(store, config, 1, "dat-dai", called=at(16), finished=at(16, 59, 50))
    refused("nothing_to_rate", store, config, 1, 1, now=at(7, 35, day=TUESDAY))


def test_fail__day_change_closes_rating_even_within_the_window(
    store: Store, config: Config
) -> None:
    """Finished at 23:59:50, rated 15 s later on the new day: the counter starts afresh."""
    serve(store, config, 1, "dat-dai", called=at(16), finished=at(23, 59, 50))
    refused("nothing_to_rate", store, config, 1, 1, now=at(0, 0, 5, day=TUESDAY))
    assert rating_rows(store) == []


# --------------------------------------------------------------------------- staff


def test_ok__staff_is_set_at_call_and_cleared_by_transfer(store: Store, config: Config) -> None:
    ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
    called = ticketing.call_next(store, config, 1, now=at(9)).ticket
    assert called is not None and called.staff == "cb-0101"
    assert events(store, "ticket.called")[-1]["staff"] == "cb-0101"
    moved = ticketing.transfer(store, config, 1, "thue", now=at(9, 2))
    assert moved.staff is None
    again = ticketing.call_next(store, config, 2, now=at(9, 3)).ticket
    assert again is not None and again.id == called.id and again.staff == "cb-0102"
    finished = ticketing.done(store, config, 2, now=at(9, 8))
    assert finished.staff == "cb-0102" and events(store, "ticket.done")[-1]["staff"] == "cb-0102"
    assert ticketing.rate(store, config, 2, 1, now=at(9, 8, 1)).to_json()["staff"] == "cb-0102"


def test_ok__counter_without_staff_id_calls_with_no_staff(store: Store, config: Config) -> None:
    ticketing.issue(store, config, "tu-phap-ho-tich", now=at(8), printed=True)
    called = ticketing.call_next(store, config, 3, now=at(9)).ticket
    assert called is not None and called.staff is None
    assert events(store, "ticket.called")[-1]["staff"] is None


# --------------------------------------------------------------------------- status


def test_ok__snapshot_counts_ratings_per_counter_and_officer(store: Store, config: Config) -> None:
    serve(store, config, 3, "tu-phap-ho-tich", called=at(8, 30), finished=at(8, 31))
    ticketing.rate(store, config, 3, 4, now=at(8, 31, 1))
    serve(store, config, 2, "dat-dai", called=at(8, 32), finished=at(8, 36))  # 240 s, not rated
    ticketing.issue(store, config, "thue", now=at(8, 37), printed=True)
    ticketing.call_next(store, config, 2, now=at(8, 38))  # still being served: not counted
    for choice, (start, end) in zip([1, 2, 2], [(0, 10), (10, 16), (16, 20)], strict=True):
        serve(store, config, 1, "dat-dai", called=at(9, start), finished=at(9, end))
        ticketing.rate(store, config, 1, choice, now=at(9, end, 3))
    snap = ticketing.snapshot(store, config, now=at(9, 20, 30))
    counters = {c["number"]: c for c in snap["counters"]}
    got = {
        n: (c["staff_id"], c["served_today"], c["ratings_today"], c["mean_score"],
            c["rating_open"])
        for n, c in counters.items() if n <= 4
    }  # fmt: skip
    assert got == {
        1: ("cb-0101", 3, 3, 3.33, False),  # its last ticket is rated: the keys are done
        2: ("cb-0102", 1, 0, None, False),
        3: (None, 1, 1, 1.0, False),
        4: (None, 0, 0, None, False),
    }
    assert snap["staff"] == [
        {"staff_id": "cb-0101", "served_today": 3, "mean_service_minutes": 6.7,
         "ratings_today": 3, "mean_score": 3.33},
        {"staff_id": "cb-0102", "served_today": 1, "mean_service_minutes": 4.0,
         "ratings_today": 0, "mean_score": None},
    ]  # fmt: skip
    serve(store, config, 1, "dat-dai", called=at(9, 21), finished=at(9, 22))  # not rated yet
    later = ticketing.snapshot(store, config, now=at(9, 23))
    assert next(c for c in later["counters"] if c["number"] == 1)["rating_open"] is True
    closed = ticketing.snapshot(store, config, now=at(9, 23, 0.001))
    assert next(c for c in closed["counters"] if c["number"] == 1)["rating_open"] is False


def test_ok__snapshot_rating_closed_on_a_new_day(store: Store, config: Config) -> None:
    """After midnight rate() refuses (nothing_to_rate), so status must not show it open."""
    serve(store, config, 1, "dat-dai", called=at(16), finished=at(23, 59, 50))
    snap = ticketing.snapshot(store, config, now=at(0, 0, 5, day=TUESDAY))
    counter = next(c for c in snap["counters"] if c["number"] == 1)
    assert (counter["served_today"], counter["rating_open"]) == (0, False)


# --------------------------------------------------------------------------- the CLI

ALWAYS_OPEN_HOURS = """[hours]
open = "00:00"
close = "24:00"
lunch_start = ""
lunch_end = ""
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The example config, open round the clock (the CLI uses the real clock), and a temp db."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text, count = re.subn(r"(?ms)^\[hours\]\n.*?(?=^\[queue\])", ALWAYS_OPEN_HOURS, text)
    assert count == 1
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return tmp_path


def kiosk(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return kiosk_in(site, *args)


def test_ok__cli_rate_after_done_and_status_columns(site: Path) -> None:
    for args in (["issue", "dat-dai"], ["call", "1"], ["done", "1"]):
        assert kiosk(site, *args).returncode == 0, args
    result = kiosk(site, "rate", "1", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Counter 1 was rated 1 (Rất hài lòng) for A001.\n"
    again = kiosk(site, "--json", "rate", "1", "2", "--ticket", "A001")
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"] == "already_rated"
    status = kiosk(site, "status")
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    heading = next(line for line in lines if line.startswith("COUNTER"))
    assert heading.split() == ["COUNTER", "STAFF", "SERVING", "SINCE", "SERVED", "RATED", "STATE"]
    row = lines[lines.index(heading) + 1]
    assert "cb-0101" in row and "1 (4.0)" in row
    officers = next(line for line in lines if line.startswith("STAFF "))
    assert "AVG SCORE" in officers and "RATED" in officers
    assert any(line.startswith("cb-0101") for line in lines[lines.index(officers) :])
    snap = json.loads(kiosk(site, "status", "--json").stdout)
    assert snap["counters"][0]["ratings_today"] == 1 and snap["staff"][0]["mean_score"] == 4.0


def test_fail__cli_rate_refused_in_one_line_and_json(site: Path) -> None:
    result = kiosk(site, "rate", "1", "1")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "kiosk: refused (nothing_to_rate): counter 1 has not just finished a ticket"
    ]
    as_json = kiosk(site, "--json", "rate", "1", "5")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["error"] == "bad_choice"  # 5 parses, only 4 labels
    assert "refused (bad_choice)" in as_json.stderr


@pytest.mark.parametrize("choice", ["0", "10", "x"])
def test_fail__cli_choice_not_1_to_9_is_a_usage_error(site: Path, choice: str) -> None:
    result = kiosk(site, "rate", "1", choice)
    assert result.returncode == 2
    assert "rating must be a number from 1 to 9" in result.stderr
    assert "Traceback" not in result.stderr
