"""A read-only snapshot of the site: services, counters, missed list, outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.config import Config
from kiosk.rules.hours import check_issue
from kiosk.rules.numbering import daily_limit
from kiosk.store import Store, Tx, iso_utc, kv
from kiosk.ticketing._common import TICKET_COLUMNS, Ticket, current_day, local_time
from kiosk.ticketing._counts import queue_counts
from kiosk.ticketing._estimate import wait_minutes

# When the ticket a counter finished last was finished, if nobody has rated it yet.
_RATEABLE_AT = (
    "CASE WHEN last_done_id IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM ratings WHERE ratings.ticket_id = last_done_id) THEN last_done_at END"
)


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
        current = kv.BUSINESS_DAY.read(conn) == local_time(config, now).date()
        rows = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT counter, paused, EXISTS (SELECT 1 FROM tickets "
                "WHERE tickets.id = counter_state.ticket_id AND status = 'called'), "
                f"{_RATEABLE_AT} FROM counter_state"
            )
        }
    out = {}
    for number in numbers:
        paused, serving, done_at = rows.get(number, (0, 0, None))
        left = _rating_left(config, current, done_at, now)
        out[number] = CounterState(bool(paused), bool(serving) and current, left)
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
        states = {
            row[0]: row[1:]
            for row in conn.execute(
                "SELECT counter, ticket_id, paused, pause_reason, paused_at, "
                f"{_RATEABLE_AT} FROM counter_state"
            )
        }
        rated = {
            row[0]: (row[1], row[2])
            for row in conn.execute(
                "SELECT counter, COUNT(*), AVG(score) FROM ratings WHERE day = ? GROUP BY counter",
                (day_text,),
            )
        }
        counters = []
        for counter in config.counters:
            ticket_id, paused, reason, paused_at, done_at = states.get(
                counter.number, (None, 0, "", None, None)
            )
            ratings, mean_score = rated.get(counter.number, (0, None))
            serving = None
            if ticket_id is not None:
                # Only today's: a ticket left called overnight expires when the day opens.
                row = conn.execute(
                    f"SELECT {TICKET_COLUMNS} FROM tickets "
                    "WHERE id = ? AND status = 'called' AND day = ?",
                    (ticket_id, day_text),
                ).fetchone()
                serving = None if row is None else Ticket.from_row(row)
            counters.append(
                {
                    "number": counter.number,
                    "name": counter.label,
                    "services": list(counter.services),
                    "staff_id": counter.staff_id or None,
                    "serving": None if serving is None else serving.number,
                    "since": None if serving is None else iso_utc(serving.called_at or now),
                    "paused": bool(paused),
                    "pause_reason": reason or None,
                    "paused_since": None if paused_at is None else iso_utc(paused_at),
                    "served_today": counts.done_by_counter.get(counter.number, 0),
                    "ratings_today": ratings,
                    "mean_score": None if mean_score is None else round(mean_score, 2),
                    "rating_open": _rating_left(config, stored_today, done_at, now) is not None,
                }
            )
        officers = [
            {"staff_id": row[0], "served_today": row[1],
             "mean_service_minutes": round((row[2] or 0) / 60, 1), "ratings_today": row[3],
             "mean_score": None if row[4] is None else round(row[4], 2)}
            for row in conn.execute(
                "SELECT t.staff, COUNT(*), AVG(t.service_seconds), COUNT(r.id), AVG(r.score) "
                "FROM tickets t LEFT JOIN ratings r ON r.ticket_id = t.id "
                "WHERE t.day = ? AND t.status = 'done' AND t.staff IS NOT NULL "
                "GROUP BY t.staff ORDER BY t.staff",
                (day_text,),
            )
        ]  # fmt: skip
        missed = [
            {"number": row[0], "service": row[1], "missed_at": iso_utc(row[2])}
            for row in conn.execute(
                "SELECT number, service, finished_at FROM tickets "
                "WHERE status = 'missed' AND day = ? ORDER BY finished_at",
                (day_text,),
            )
        ]
        printer = kv.PRINTER.read(conn)
        last_seq = kv.EVENT_SEQ.read(conn)
        pending = int(tx.one("SELECT COUNT(*) FROM events"))
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
        "events": {"last_seq": last_seq, "unacknowledged": pending},
    }
