"""The queue rules as pure functions: numbering, hours, business day, policy, estimate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config import Config, QueueConfig, ServiceConfig
from kiosk.rules.businessday import business_day, clock_went_back
from kiosk.rules.estimate import average_service_seconds, capacity, estimate_wait_minutes
from kiosk.rules.hours import check_issue, day_hours
from kiosk.rules.numbering import NUMBER_CHARS, daily_limit, format_number
from kiosk.rules.policy import Candidate, Streak, choose_next
from tests.conftest import MONDAY, TZ, make_config

SATURDAY = MONDAY + dt.timedelta(days=5)
SUNDAY = MONDAY + dt.timedelta(days=6)
HOLIDAY = dt.date(2026, 9, 2)  # a Wednesday listed in closed_dates
SPECIAL = dt.date(2026, 12, 26)  # a Saturday worked 07:30-11:30


def local(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def svc(**fields: object) -> ServiceConfig:
    base: dict[str, object] = {"id": "x", "name": "X", "prefix": "A"}
    base.update(fields)
    return ServiceConfig(**base)  # type: ignore[arg-type]


def queue_config(**fields: object) -> QueueConfig:
    return dataclasses.replace(QueueConfig(), **fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- numbering


def test_ok__prefix_numbers_are_padded_from_one(config: Config) -> None:
    service = config.service("dat-dai")
    assert format_number(service, 1) == "A001"
    assert format_number(service, 23) == "A023"
    assert format_number(service, 300) == "A300"


def test_ok__prefix_digits_control_the_width() -> None:
    assert format_number(svc(prefix="BB", digits=2), 7) == "BB07"
    assert format_number(svc(prefix="C", digits=4), 1) == "C0001"
    assert format_number(svc(prefix="A"), 999) == "A999"


def test_ok__band_numbers_count_from_the_first_of_the_band(config: Config) -> None:
    service = config.service("dang-ky-kinh-doanh")
    assert format_number(service, 1) == "1001"
    assert format_number(service, 23) == "1023"
    wide = svc(prefix="", band=(1001, 1999))
    assert format_number(wide, 999) == "1999"


@given(
    prefix=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=2),
    digits=st.integers(1, 5),
    band=st.tuples(st.integers(1, 999_998), st.integers(1, 999_998)),
    seq=st.integers(1, 99_999),
)
def test_ok__every_ticket_number_is_made_of_the_number_characters(
    prefix: str, digits: int, band: tuple[int, int], seq: int
) -> None:
    """Capitals A-Z and digits only (the config refuses any other prefix): the screens size
    a ticket number's line on these characters alone."""
    first = min(band)
    services = [svc(prefix=prefix, digits=digits), svc(prefix="", band=(first, max(band) + 1))]
    for service in services:
        number = format_number(service, min(seq, daily_limit(service)))
        assert number and set(number) <= set(NUMBER_CHARS), number
    assert set(NUMBER_CHARS) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


@pytest.mark.parametrize("seq", [0, -1, 1000, 5000])
def test_err__prefix_seq_outside_the_format_raises(seq: int) -> None:
    with pytest.raises(ValueError, match="outside the number format"):
        format_number(svc(prefix="A", digits=3), seq)


@pytest.mark.parametrize("seq", [0, 1000])
def test_err__band_seq_outside_the_band_raises(seq: int) -> None:
    with pytest.raises(ValueError, match="outside the number format"):
        format_number(svc(prefix="", band=(1001, 1999)), seq)


def test_ok__daily_limit_is_the_cap_or_what_the_format_holds(config: Config) -> None:
    assert daily_limit(config.service("dat-dai")) == 300  # cap 300 < 999
    assert daily_limit(config.service("dang-ky-kinh-doanh")) == 200  # cap 200 < 999 in the band
    assert daily_limit(svc(prefix="A", digits=3)) == 999  # no cap
    assert daily_limit(svc(prefix="A", digits=2, daily_cap=500)) == 99  # format is smaller
    assert daily_limit(svc(prefix="", band=(3001, 3050), daily_cap=120)) == 50
    assert daily_limit(svc(prefix="", band=(3001, 3050))) == 50


@given(
    digits=st.integers(1, 5),
    cap=st.one_of(st.none(), st.integers(1, 200_000)),
)
def test_ok__every_number_up_to_the_daily_limit_is_distinct_and_formatted(
    digits: int, cap: int | None
) -> None:
    service = svc(prefix="Q", digits=digits, daily_cap=cap)
    limit = daily_limit(service)
    assert limit == min(cap or 10**digits - 1, 10**digits - 1)
    probe = sorted({1, 2, limit // 2 or 1, limit - 1 or 1, limit})
    numbers = [format_number(service, seq) for seq in probe]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith("Q") and len(n) == 1 + digits for n in numbers)
    assert [int(n[1:]) for n in numbers] == probe


# --------------------------------------------------------------------------- hours


def test_ok__weekday_hours_and_weekend_closed(config: Config) -> None:
    assert day_hours(config.hours, MONDAY) == (dt.time(7, 30), dt.time(17, 0))
    assert day_hours(config.hours, SATURDAY) is None
    assert day_hours(config.hours, SUNDAY) is None
    assert day_hours(config.hours, HOLIDAY) is None
    assert day_hours(config.hours, SPECIAL) == (dt.time(7, 30), dt.time(11, 30))


@pytest.mark.parametrize(
    ("moment", "code"),
    [
        (local(7, 29), "before_open"),
        (local(7, 30), None),
        (local(9, 0), None),
        (local(11, 29), None),
        (local(11, 30), "lunch"),
        (local(12, 59), "lunch"),
        (local(13, 0), None),
        (local(16, 44), None),
        (local(16, 45), "after_close"),  # last_ticket_minutes = 15
        (local(17, 0), "after_close"),
        (local(22, 0), "after_close"),
        (local(9, 0, SATURDAY), "closed_day"),
        (local(9, 0, SUNDAY), "closed_day"),
        (local(9, 0, HOLIDAY), "closed_day"),
        (local(9, 0, dt.date(2026, 1, 1)), "closed_day"),
        (local(7, 0, SPECIAL), "before_open"),
        (local(9, 0, SPECIAL), None),
        (local(11, 14, SPECIAL), None),
        (local(11, 15, SPECIAL), "after_close"),
    ],
)
def test_ok__centre_hours(config: Config, moment: dt.datetime, code: str | None) -> None:
    closed = check_issue(config.hours, None, moment)
    assert (None if closed is None else closed.code) == code
    if closed is not None:
        assert closed.message


def test_ok__naive_local_time_works_like_aware(config: Config) -> None:
    for hour, minute in [(7, 0), (9, 0), (12, 0), (16, 50)]:
        aware = check_issue(config.hours, None, local(hour, minute))
        naive = check_issue(config.hours, None, local(hour, minute).replace(tzinfo=None))
        assert (aware and aware.code) == (naive and naive.code)


def test_ok__service_with_shorter_hours_stops_earlier(config: Config) -> None:
    bhxh = config.service("bao-hiem-xa-hoi")  # closes 16:30, centre 17:00
    land = config.service("dat-dai")
    assert check_issue(config.hours, bhxh, local(16, 14)) is None
    closed = check_issue(config.hours, bhxh, local(16, 15))
    assert closed is not None and closed.code == "after_close"
    assert check_issue(config.hours, land, local(16, 15)) is None
    assert check_issue(config.hours, land, local(16, 44)) is None


def test_ok__service_opening_later_than_the_centre(config: Config) -> None:
    late = svc(open=dt.time(9, 0), close=dt.time(16, 0))
    closed = check_issue(config.hours, late, local(8, 0))
    assert closed is not None and closed.code == "before_open"
    assert "09:00" in closed.message
    assert check_issue(config.hours, late, local(9, 0)) is None
    # A service never extends the centre's hours.
    long = svc(open=dt.time(6, 0), close=dt.time(20, 0))
    early = check_issue(config.hours, long, local(7, 0))
    assert early is not None and early.code == "before_open"
    after = check_issue(config.hours, long, local(18, 0))
    assert after is not None and after.code == "after_close"
    weekend = check_issue(config.hours, long, local(9, 0, SATURDAY))
    assert weekend is not None and weekend.code == "closed_day"


def test_ok__last_ticket_minutes_zero_issues_until_close() -> None:
    hours = make_config(hours={"last_ticket_minutes": 0, "lunch_start": "", "lunch_end": ""}).hours
    assert check_issue(hours, None, local(16, 59)) is None
    assert check_issue(hours, None, local(12, 0)) is None  # no lunch configured
    closed = check_issue(hours, None, local(17, 0))
    assert closed is not None and closed.code == "after_close"


def test_ok__days_setting_opens_saturday() -> None:
    hours = make_config(hours={"days": ["mon", "tue", "wed", "thu", "fri", "sat"]}).hours
    assert check_issue(hours, None, local(9, 0, SATURDAY)) is None
    sunday = check_issue(hours, None, local(9, 0, SUNDAY))
    assert sunday is not None and sunday.code == "closed_day"


# --------------------------------------------------------------------------- business day


def test_ok__business_day_moves_forward_only() -> None:
    assert business_day(None, MONDAY) == MONDAY
    tuesday = MONDAY + dt.timedelta(days=1)
    assert business_day(MONDAY, tuesday) == tuesday
    assert business_day(tuesday, MONDAY) == tuesday
    assert business_day(tuesday, tuesday) == tuesday
    assert business_day(tuesday, dt.date(2020, 1, 1)) == tuesday


@given(
    st.lists(st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)), min_size=1, max_size=30),
)
def test_ok__business_day_never_goes_backwards(clock: list[dt.date]) -> None:
    stored: dt.date | None = None
    for today in clock:
        day = business_day(stored, today)
        assert day >= today
        if stored is not None:
            assert day >= stored
        assert day == max(today, stored or today)
        stored = day


def test_ok__clock_went_back_uses_slack() -> None:
    assert not clock_went_back(None, 0.0)
    assert not clock_went_back(1000.0, 1000.0)
    assert not clock_went_back(1000.0, 2000.0)
    assert not clock_went_back(1000.0, 941.0)  # within 60 s slack
    assert clock_went_back(1000.0, 939.0)
    assert clock_went_back(1000.0, 0.0)


# --------------------------------------------------------------------------- policy

LAND = "dat-dai"
TAX = "thue"


def cand(
    ticket_id: int,
    *,
    priority: bool = False,
    service: str = LAND,
    rank: int | None = None,
    queued_at: float | None = None,
) -> Candidate:
    rank = ticket_id if rank is None else rank
    waited_from = float(rank if queued_at is None else queued_at)
    return Candidate(ticket_id, service, priority, rank, waited_from)


def run_calls(
    pool: list[Candidate],
    services: tuple[str, ...],
    queue: QueueConfig,
    calls: int,
    now: float = 100.0,
) -> list[Candidate]:
    """Call ``calls`` times, removing each chosen ticket from ``pool``."""
    streak = Streak()
    chosen: list[Candidate] = []
    waiting = list(pool)
    for _ in range(calls):
        result = choose_next(waiting, services, queue, streak, now)
        if result is None:
            break
        pick, streak = result
        waiting.remove(pick)
        chosen.append(pick)
    return chosen


def classes(chosen: list[Candidate]) -> str:
    return "".join("P" if c.priority else "N" for c in chosen)


def mixed_pool(priority: int, normal: int) -> list[Candidate]:
    """Normal tickets first (older), then priority ones."""
    pool = [cand(i) for i in range(1, normal + 1)]
    pool += [cand(normal + i, priority=True) for i in range(1, priority + 1)]
    return pool


def test_ok__ratio_two_to_one_alternates_when_both_wait() -> None:
    queue = queue_config(priority_ratio=(2, 1))
    chosen = run_calls(mixed_pool(10, 10), (LAND,), queue, 9)
    assert classes(chosen) == "PPNPPNPPN"
    # Within each class, the oldest first.
    assert [c.ticket_id for c in chosen if not c.priority] == [1, 2, 3]
    assert [c.ticket_id for c in chosen if c.priority] == [11, 12, 13, 14, 15, 16]


def test_ok__ratio_one_to_two() -> None:
    chosen = run_calls(mixed_pool(10, 10), (LAND,), queue_config(priority_ratio=(1, 2)), 6)
    assert classes(chosen) == "PNNPNN"


def test_ok__ratio_zero_priority_means_normal_order_only() -> None:
    chosen = run_calls(mixed_pool(3, 3), (LAND,), queue_config(priority_ratio=(0, 1)), 6)
    assert classes(chosen) == "NNNPPP"


def test_ok__ratio_zero_normal_means_priority_always_first() -> None:
    chosen = run_calls(mixed_pool(3, 3), (LAND,), queue_config(priority_ratio=(1, 0)), 6)
    assert classes(chosen) == "PPPNNN"


def test_ok__only_one_class_waiting_is_called_in_order() -> None:
    queue = queue_config(priority_ratio=(2, 1))
    normal = run_calls([cand(i) for i in range(1, 5)], (LAND,), queue, 10)
    assert [c.ticket_id for c in normal] == [1, 2, 3, 4]
    priority = run_calls([cand(i, priority=True) for i in range(1, 5)], (LAND,), queue, 10)
    assert [c.ticket_id for c in priority] == [1, 2, 3, 4]


def test_ok__streak_is_carried_and_reset_after_a_full_cycle() -> None:
    queue = queue_config(priority_ratio=(2, 1))
    pool = mixed_pool(5, 5)
    first = choose_next(pool, (LAND,), queue, Streak(), 100.0)
    assert first is not None and first[0].priority and first[1] == Streak(1, 0)
    second = choose_next(pool, (LAND,), queue, Streak(2, 0), 100.0)
    assert second is not None and not second[0].priority
    assert second[1] == Streak()  # cycle complete


def test_ok__no_candidate_for_the_counter_returns_none() -> None:
    queue = queue_config()
    assert choose_next([], (LAND,), queue, Streak(), 0.0) is None
    assert choose_next([cand(1, service=TAX)], (LAND,), queue, Streak(), 0.0) is None


def test_ok__aging_calls_a_long_waiting_normal_before_fresh_priority() -> None:
    queue = queue_config(priority_ratio=(1, 0), aging_minutes=45)
    now = 10_000.0
    old = cand(1, rank=1, queued_at=now - 45 * 60)  # exactly aged
    fresh = [cand(i, priority=True, rank=i, queued_at=now - 60) for i in range(2, 6)]
    result = choose_next([*fresh, old], (LAND,), queue, Streak(), now)
    assert result is not None and result[0] == old
    # One second younger and it waits behind the priority stream.
    young = dataclasses.replace(old, queued_at=now - 45 * 60 + 1)
    result = choose_next([*fresh, young], (LAND,), queue, Streak(), now)
    assert result is not None and result[0].priority


def test_ok__oldest_aged_ticket_goes_first() -> None:
    queue = queue_config(priority_ratio=(2, 1), aging_minutes=10)
    now = 10_000.0
    pool = [
        cand(1, priority=True, rank=5, queued_at=now - 60),
        cand(2, rank=3, queued_at=now - 20 * 60),
        cand(3, rank=2, queued_at=now - 30 * 60, service=TAX),
        cand(4, priority=True, rank=4, queued_at=now - 11 * 60),
    ]
    order = run_calls(pool, (LAND, TAX), queue, 4, now)
    assert [c.ticket_id for c in order][:3] == [3, 2, 4]


def test_ok__order_oldest_vs_listed_across_services() -> None:
    pool = [cand(1, service=TAX), cand(2, service=LAND), cand(3, service=TAX)]
    oldest = run_calls(pool, (LAND, TAX), queue_config(order="oldest"), 3)
    assert [c.ticket_id for c in oldest] == [1, 2, 3]
    listed = run_calls(pool, (LAND, TAX), queue_config(order="listed"), 3)
    assert [c.ticket_id for c in listed] == [2, 1, 3]
    listed_tax_first = run_calls(pool, (TAX, LAND), queue_config(order="listed"), 3)
    assert [c.ticket_id for c in listed_tax_first] == [1, 3, 2]


def test_ok__listed_order_applies_within_the_class_chosen_by_ratio() -> None:
    pool = [
        cand(1, service=TAX),
        cand(2, service=TAX, priority=True),
        cand(3, service=LAND, priority=True),
        cand(4, service=LAND),
    ]
    chosen = run_calls(pool, (LAND, TAX), queue_config(order="listed", priority_ratio=(1, 1)), 4)
    assert [c.ticket_id for c in chosen] == [3, 4, 2, 1]


candidates_strategy = st.lists(
    st.builds(
        Candidate,
        ticket_id=st.integers(1, 10_000),
        service_id=st.sampled_from(["a", "b", "c", "d"]),
        priority=st.booleans(),
        rank=st.integers(1, 10_000),
        queued_at=st.floats(0, 20_000),
    ),
    max_size=20,
)
ratio_strategy = st.tuples(st.integers(0, 4), st.integers(0, 4)).filter(lambda r: r != (0, 0))


@given(
    candidates=candidates_strategy,
    services=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True),
    ratio=ratio_strategy,
    aging=st.integers(1, 300),
    order=st.sampled_from(["oldest", "listed"]),
    streak=st.builds(Streak, st.integers(0, 5), st.integers(0, 5)),
    now=st.floats(0, 40_000),
)
def test_ok__choose_next_returns_one_of_the_counters_candidates(
    *,
    candidates: list[Candidate],
    services: list[str],
    ratio: tuple[int, int],
    aging: int,
    order: str,
    streak: Streak,
    now: float,
) -> None:
    queue = queue_config(priority_ratio=ratio, aging_minutes=aging, order=order)
    mine = [c for c in candidates if c.service_id in services]
    result = choose_next(candidates, tuple(services), queue, streak, now)
    if not mine:
        assert result is None
        return
    assert result is not None
    chosen, after = result
    assert chosen in mine
    # The streak counts the call (or starts a new cycle) and never goes negative.
    assert after.priority >= 0 and after.normal >= 0
    if after != Streak():
        if chosen.priority:
            assert after == Streak(streak.priority + 1, streak.normal)
        else:
            assert after == Streak(streak.priority, streak.normal + 1)
    # Nobody aged is passed over for a younger-ranked, non-aged ticket.
    aged = [c for c in mine if now - c.queued_at >= aging * 60]
    if aged:
        assert chosen in aged and chosen.rank == min(c.rank for c in aged)


@given(ratio=ratio_strategy, cycles=st.integers(1, 4))
def test_ok__ratio_pattern_repeats_while_both_classes_wait(
    ratio: tuple[int, int], cycles: int
) -> None:
    p, n = ratio
    calls = cycles * (p + n)
    chosen = run_calls(mixed_pool(calls, calls), (LAND,), queue_config(priority_ratio=ratio), calls)
    assert classes(chosen) == ("P" * p + "N" * n) * cycles


@settings(max_examples=150, deadline=None)
@given(
    initial=st.lists(st.booleans(), max_size=15),
    arrivals=st.lists(st.lists(st.booleans(), max_size=3), max_size=40),
    ratio=ratio_strategy,
    aging_steps=st.integers(1, 8),
    order=st.sampled_from(["oldest", "listed"]),
)
def test_ok__aging_bounds_every_wait_while_calls_continue(
    initial: list[bool],
    arrivals: list[list[bool]],
    ratio: tuple[int, int],
    aging_steps: int,
    order: str,
) -> None:
    """One call per minute; tickets keep arriving (up to 3 a minute, faster than calls).

    Once a ticket has waited ``aging_minutes`` it is called after, at most, the tickets
    queued before it that are still waiting: nobody waits forever, whatever the ratio.
    """
    step = 60.0
    queue = queue_config(priority_ratio=ratio, aging_minutes=aging_steps, order=order)
    services = (LAND, TAX)
    ids = itertools.count(1)
    waiting: list[Candidate] = []
    arrived: dict[int, int] = {}
    called_at: dict[int, int] = {}
    bound: dict[int, int] = {}
    streak = Streak()

    def arrive(flags: list[bool], minute: int) -> None:
        for flag in flags:
            ticket_id = next(ids)
            service = LAND if ticket_id % 3 else TAX
            waiting.append(Candidate(ticket_id, service, flag, ticket_id, minute * step))
            arrived[ticket_id] = minute

    arrive(initial, 0)
    minute = 0
    # Arrivals stop after the generated list; calls continue until the queue is empty.
    while waiting:
        if 0 < minute <= len(arrivals):
            arrive(arrivals[minute - 1], minute)
        now = minute * step
        for c in waiting:
            if c.ticket_id not in bound and minute - arrived[c.ticket_id] >= aging_steps:
                # Aged now: only older (lower-ranked) tickets still waiting can go first.
                ahead = sum(1 for o in waiting if o.rank < c.rank)
                bound[c.ticket_id] = minute + ahead
        result = choose_next(waiting, services, queue, streak, now)
        assert result is not None
        chosen, streak = result
        waiting.remove(chosen)
        called_at[chosen.ticket_id] = minute
        minute += 1
        assert minute < 10_000
    assert set(called_at) == set(arrived)
    for ticket_id, limit in bound.items():
        assert called_at[ticket_id] <= limit, (ticket_id, called_at[ticket_id], limit)


def test_ok__without_aging_a_normal_ticket_starves_behind_priority() -> None:
    """The contrast that makes aging matter: ratio 1:0 with a steady priority stream."""
    queue = queue_config(priority_ratio=(1, 0), aging_minutes=24 * 60)
    waiting = [cand(1, queued_at=0.0)]
    streak = Streak()
    for minute in range(1, 60):
        waiting.append(cand(minute + 1, priority=True, queued_at=minute * 60.0))
        result = choose_next(waiting, (LAND,), queue, streak, minute * 60.0)
        assert result is not None
        chosen, streak = result
        assert chosen.priority
        waiting.remove(chosen)
    aged_queue = queue_config(priority_ratio=(1, 0), aging_minutes=30)
    result = choose_next([*waiting, cand(99, priority=True)], (LAND,), aged_queue, streak, 3600.0)
    assert result is not None and result[0].ticket_id == 1


# --------------------------------------------------------------------------- estimate


def test_ok__average_uses_default_without_history() -> None:
    assert average_service_seconds([], 720.0) == 720.0
    assert average_service_seconds([0.0, -5.0], 720.0) == 720.0


def test_ok__average_ignores_non_positive_durations() -> None:
    assert average_service_seconds([600.0, 0.0, -300.0, 1200.0], 60.0) == 900.0
    assert average_service_seconds([300.0], 60.0) == 300.0


def test_ok__shared_counters_count_one_over_k() -> None:
    assert capacity([]) == 0
    assert capacity([1]) == 1
    assert capacity([1, 2]) == 1.5
    assert math.isclose(capacity([3, 3, 3]), 1.0)
    assert capacity([0, 2]) == 0.5  # a nonsense 0 is ignored, not a crash


def test_ok__capacity_of_the_example_services(config: Config) -> None:
    def served_by(service_id: str) -> list[int]:
        return [len(c.services) for c in config.counters if service_id in c.services]

    assert capacity(served_by("dat-dai")) == 1.5  # counter 1 alone, counter 2 shared
    assert capacity(served_by("thue")) == 1.0  # counters 2 and 8, both shared
    assert capacity(served_by("xay-dung")) == 0.5


def test_ok__wait_estimate() -> None:
    assert estimate_wait_minutes(0, 600.0, 1.0) == 0
    assert estimate_wait_minutes(3, 600.0, 1.0) == 30
    assert estimate_wait_minutes(3, 600.0, 2.0) == 15
    assert estimate_wait_minutes(3, 600.0, 1.5) == 20
    assert estimate_wait_minutes(1, 10.0, 4.0) == 1  # never "0 minutes" with someone ahead
    assert estimate_wait_minutes(1, 61.0, 1.0) == 2  # rounded up


def test_ok__no_open_counter_means_no_estimate() -> None:
    assert estimate_wait_minutes(5, 600.0, 0.0) is None
    assert estimate_wait_minutes(0, 600.0, 0.0) is None


@given(
    ahead=st.integers(0, 500),
    seconds=st.floats(1, 7200),
    counters=st.floats(0.1, 20),
    extra=st.integers(1, 50),
)
def test_ok__estimate_grows_with_people_ahead(
    ahead: int, seconds: float, counters: float, extra: int
) -> None:
    now = estimate_wait_minutes(ahead, seconds, counters)
    later = estimate_wait_minutes(ahead + extra, seconds, counters)
    more_staff = estimate_wait_minutes(ahead, seconds, counters * 2)
    assert now is not None and later is not None and more_staff is not None
    assert later >= now >= more_staff >= 0
    assert (now == 0) == (ahead == 0)


def test_ok__lunch_break_also_applies_on_a_full_special_day() -> None:
    config = make_config(
        hours={"special": [{"date": SPECIAL.isoformat(), "open": "07:30", "close": "17:00"}]}
    )
    assert check_issue(config.hours, None, local(10, 0, SPECIAL)) is None
    lunch = check_issue(config.hours, None, local(12, 0, SPECIAL))
    assert lunch is not None and lunch.code == "lunch"
    assert check_issue(config.hours, None, local(14, 0, SPECIAL)) is None
