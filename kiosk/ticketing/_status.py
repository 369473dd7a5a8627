"""A read-only snapshot of the site: services, counters, missed list, outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk import outbox
from kiosk.config import Config
from kiosk.rules.hours import check_issue
from kiosk.rules.numbering import daily_limit
from kiosk.store import Store, Tx, iso_utc, kv
from kiosk.ticketing._common import current_day, local_time
from kiosk.ticketing._counter_rows import UNUSED, counter_rows
from kiosk.ticketing._counts import queue_counts
from kiosk.ticketing._estimate import wait_minutes


def _rating_left(config: Config, today: bool, done_at: float | None, now: float) -> float | None:
    """Seconds the rating keys stay live, or None when closed (as :func:`rate` decides).
    Only today's finish counts: opening a new day clears what counters last finished."""
    if done_at is None or not today:
        return None
    elapsed = abs(now - done_at)
    window = config.ratings.window_seconds
    return window - elapsed if elapsed <= window else None


@dataclass(frozen=True)
class CounterState:
    """What a counter's lights show: paused, serving, and how long the rating keys stay live."""

    paused: bool
    serving: bool
    rating_seconds_left: float | None  # None: the rating keys are not live


def counter_states(
    store: Store, config: Config, numbers: list[int], *, now: float
) -> dict[int, CounterState]:
    """The state of ``numbers`` now, in one read (cheap enough to call after every key)."""
    with store.read() as conn:
        today = local_time(config, now).date()
        current = kv.BUSINESS_DAY.read(conn) == today
        rows = counter_rows(conn, today.isoformat())
    out = {}
    for number in numbers:
        row = rows.get(number, UNUSED)
        left = _rating_left(config, current, row.rateable_at, now)
        out[number] = CounterState(row.paused, row.serving is not None and current, left)
    return out


def snapshot(store: Store, config: Config, *, now: float) -> dict[str, Any]:
    """Everything ``kiosk status`` shows, read in one consistent transaction."""
    local = local_time(config, now)
    with store.read() as conn:
        tx = Tx(conn, now)
        stored = kv.BUSINESS_DAY.read(conn)
        day_text = current_day(conn, config, now)
        stored_today = stored is not None and stored.isoformat() == day_text
        issued = dict(
            conn.execute(
                "SELECT service, last FROM day_numbers WHERE day = ?", (day_text,)
            ).fetchall()
        )
        counts = queue_counts(conn, day_text)
        services = []
        for service in config.services:
            normal = counts.waiting.count(service.id, priority=0)
            priority = counts.waiting.count(service.id, priority=1)
            closed = check_issue(config.hours, service, local)
            services.append(
                {
                    "id": service.id,
                    "name": service.name,
                    "waiting": normal + priority,
                    "waiting_priority": priority,
                    "issued": issued.get(service.id, 0),
                    "remaining": max(0, daily_limit(service) - issued.get(service.id, 0)),
                    "wait_minutes": wait_minutes(tx, config, service.id, normal + priority),
                    "issuing": closed is None,
                    "closed_reason": None if closed is None else closed.code,
                }
            )
        states = counter_rows(conn, day_text)
        rated = {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                "SELECT counter, COUNT(*), AVG(score) FROM ratings WHERE day = ? GROUP BY counter",
                (day_text,),
            )
        }
        counters = []
        for counter in config.counters:
            state = states.get(counter.number, UNUSED)
            ratings, mean_score = rated.get(counter.number, (0, None))
            serving, paused_at = state.serving, state.paused_at
            rating_left = _rating_left(config, stored_today, state.rateable_at, now)
            counters.append(
                {
                    "number": counter.number,
                    "name": counter.label,
                    "services": list(counter.services),
                    "staff_id": counter.staff_id or None,
                    "serving": None if serving is None else serving.number,
                    "since": None if serving is None else iso_utc(serving.called_at or now),
                    "paused": state.paused,
                    "pause_reason": state.pause_reason or None,
                    "paused_since": None if paused_at is None else iso_utc(paused_at),
                    "served_today": counts.done_by_counter.get(counter.number, 0),
                    "ratings_today": ratings,
                    "mean_score": None if mean_score is None else round(mean_score, 2),
                    "rating_open": rating_left is not None,
                }
            )
        officers = [
            {
                "staff_id": row[0],
                "served_today": row[1],
                "mean_service_minutes": round((row[2] or 0) / 60, 1),
                "ratings_today": row[3],
                "mean_score": None if row[4] is None else round(row[4], 2),
            }
            for row in conn.execute(
                "SELECT t.staff, COUNT(*), AVG(t.service_seconds), COUNT(r.id), AVG(r.score) "
                "FROM tickets t LEFT JOIN ratings r ON r.ticket_id = t.id "
                "WHERE t.day = ? AND t.status = 'done' AND t.staff IS NOT NULL "
                "GROUP BY t.staff ORDER BY t.staff",
                (day_text,),
            )
        ]
        missed = [
            {"number": row[0], "service": row[1], "missed_at": iso_utc(row[2])}
            for row in conn.execute(
                "SELECT number, service, finished_at FROM tickets "
                "WHERE status = 'missed' AND day = ? ORDER BY finished_at",
                (day_text,),
            )
        ]
        printer = kv.PRINTER.read(conn)
        box = outbox.read_state(conn)
        daemons = store.health()
    site_closed = check_issue(config.hours, None, local)
    return {
        "site": {"id": config.site.id, "name": config.site.name, "device": config.site.device},
        "now": local.isoformat(timespec="seconds"),
        "day": day_text,
        "issuing": site_closed is None,
        "closed_reason": None if site_closed is None else site_closed.code,
        "services": services,
        "counters": counters,
        "staff": officers,  # per officer today (counters with a staff_id)
        "missed": missed,
        "printer": printer,  # the kiosk's last printer status, None before it ever ran
        "daemons": daemons,  # what the screens (and later daemons) last reported
        "events": {"last_seq": box.last, "unacknowledged": box.held},
    }
