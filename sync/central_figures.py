"""What central keeps beside the events, at ingest, for its pages and reports: each
ticket's state (the live overview, a site's day), each counter's state, each device's
printer and presence, and the figures of every site by day, month and year (by service,
counter and officer), so that a year of a province is read from a few thousand rows.

The events of a device are taken here once and in order, once they are stored without a
gap (acked), a few times a second and many at a time, behind the ingest: how far each
device's are taken is kept in the same transaction (``figured``, its rows locked), so
several workers can share the work and still add each event exactly once.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from kiosk.figures import COUNTS, Figures

log = logging.getLogger("sync.central")

SCHEMA = (
    # Each ticket of a site as its events leave it: for what waits now and a site's day.
    """CREATE TABLE IF NOT EXISTS ctickets (
        site TEXT NOT NULL, ticket TEXT NOT NULL, day TEXT NOT NULL, service TEXT NOT NULL,
        queue TEXT NOT NULL, number TEXT NOT NULL, priority INTEGER NOT NULL,
        status TEXT NOT NULL, printed INTEGER NOT NULL, voided INTEGER NOT NULL,
        missed INTEGER NOT NULL, counter INTEGER NOT NULL, staff TEXT NOT NULL,
        issued_ts TEXT NOT NULL, ts TEXT NOT NULL, PRIMARY KEY (site, ticket))""",
    # What waits now, site by site, read from the index alone.
    "DROP INDEX IF EXISTS ctickets_day",
    "CREATE INDEX IF NOT EXISTS ctickets_now ON ctickets (day, site, status, printed, issued_ts)",
    "CREATE INDEX IF NOT EXISTS ctickets_ticket ON ctickets (ticket)",
    # The figures of a span (D2026-12-08, M2026-12, Q2026-4, Y2026) of a site, by service, counter
    # (0: the ticket's own figures) and officer; body: kiosk.figures.Figures as JSON.
    # The counts are also columns of their own, for the database to add up (a chart).
    f"""CREATE TABLE IF NOT EXISTS figures (
        site TEXT NOT NULL, span TEXT NOT NULL, service TEXT NOT NULL,
        counter INTEGER NOT NULL, officer TEXT NOT NULL, body TEXT NOT NULL,
        {", ".join(f"{name} BIGINT NOT NULL DEFAULT 0" for name in COUNTS)},
        PRIMARY KEY (span, site, service, counter, officer))""",
    # Each counter as its last event left it: open, serving, paused.
    """CREATE TABLE IF NOT EXISTS ccounters (
        site TEXT NOT NULL, counter INTEGER NOT NULL, state TEXT NOT NULL,
        staff TEXT NOT NULL, number TEXT NOT NULL, day TEXT NOT NULL, ts TEXT NOT NULL,
        PRIMARY KEY (site, counter))""",
    # Each device's printer as its last printer.status event said.
    """CREATE TABLE IF NOT EXISTS printers (
        site TEXT NOT NULL, device TEXT NOT NULL, state TEXT NOT NULL, detail TEXT NOT NULL,
        ts TEXT NOT NULL, PRIMARY KEY (site, device))""",
    # Each device online or not, since when (central's clock), from its retained state.
    """CREATE TABLE IF NOT EXISTS presence (
        site TEXT NOT NULL, device TEXT NOT NULL, online INTEGER NOT NULL,
        since DOUBLE PRECISION NOT NULL, PRIMARY KEY (site, device))""",
    # How far each device's events are taken into the tables above.
    """CREATE TABLE IF NOT EXISTS figured (
        site TEXT NOT NULL, device TEXT NOT NULL, db TEXT NOT NULL, seq BIGINT NOT NULL,
        PRIMARY KEY (site, device, db))""",
    # When something of a site last changed (central's clock): what the pages follow.
    """CREATE TABLE IF NOT EXISTS touched (
        site TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS touched_at ON touched (at)",
)
# Tables made again (not only emptied) when what is kept changes (VERSION).
REMADE = ("figures",)

_TICKET_COLUMNS = (
    "ticket",
    "day",
    "service",
    "queue",
    "number",
    "priority",
    "status",
    "printed",
    "voided",
    "missed",
    "counter",
    "staff",
    "issued_ts",
    "ts",
)
_PER_QUERY = 400  # tickets or sites looked up in one statement
VERSION = "4"  # of what is kept: a database that kept another is taken again from its events
PER_TAKE = 50_000  # events taken into the figures in one transaction at most


def spans(day: str) -> tuple[str, str, str, str]:
    """The spans a business day's figures count in: the day, its month, its quarter and
    its year (D2026-12-08, M2026-12, Q2026-4, Y2026)."""
    quarter = (int(day[5:7]) + 2) // 3
    return f"D{day}", f"M{day[:7]}", f"Q{day[:4]}-{quarter}", f"Y{day[:4]}"


@dataclass
class _Batch:
    """The changes a run of events makes, written at the end in a few statements."""

    tickets: dict[str, dict[str, Any]]
    figures: dict[tuple[str, str, int, str], Figures] = field(
        default_factory=lambda: defaultdict(Figures)
    )
    counters: dict[int, tuple[str, str, str, str, str]] = field(default_factory=dict)
    printers: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)

    def add(self, ticket: dict[str, Any], counter: int = 0, officer: str = "") -> Figures:
        return self.figures[(ticket["day"], ticket["service"], counter, officer)]


@dataclass(frozen=True)
class Run:
    """A device's events stored without a gap and not yet taken: ``after`` < seq <=
    ``upto``."""

    key: tuple[str, str, str]  # site, device, database
    after: int
    upto: int


def take(cur: Any, runs: list[Run], *, lock: str, now: float) -> int:
    """Take the runs' events (in order) into the tickets, counters, printers and figures,
    all the batch's sites together in a few statements. Returns the events taken."""
    work: list[tuple[str, str, list[tuple[str, str, dict[str, Any]]]]] = []
    for run in runs:
        events = _events(cur, run)
        if events:
            work.append((run.key[0], run.key[1], events))
    if not work:
        return 0
    wanted = {
        (site, e[2].get("ticket")) for site, _, events in work for e in events
        if isinstance(e[2], dict)
    }  # fmt: skip
    found = _tickets(cur, wanted, lock)
    batches: dict[str, _Batch] = {}
    for site, device, events in work:
        batch = batches.setdefault(site, _Batch(found.get(site, {})))
        for kind, ts, data in events:
            try:
                _event(batch, device, kind, ts, data)
            except BadData as exc:  # the rest are taken; this one is left out, said once
                log.warning("%s/%s: a %s event left out of the figures: %s",
                            site, device, kind, exc)  # fmt: skip
    _write(cur, batches, lock)
    done = time.time()  # when the take ends (it may have begun long before)
    cur.executemany(
        "INSERT INTO touched (site, at) VALUES (?, ?) "
        "ON CONFLICT (site) DO UPDATE SET at = excluded.at",
        [(site, max(now, done)) for site in sorted(batches)],
    )
    return sum(len(events) for _, _, events in work)


def _events(cur: Any, run: Run) -> list[tuple[str, str, dict[str, Any]]]:
    """The run's events in seq order."""
    cur.execute(
        "SELECT type, ts, data FROM events WHERE site = ? AND device = ? AND db = ? "
        "AND seq > ? AND seq <= ? ORDER BY seq",
        (*run.key, run.after, run.upto),
    )
    return [(kind, ts, json.loads(data)) for kind, ts, data in cur.fetchall()]


def _tickets(
    cur: Any, wanted: set[tuple[str, Any]], lock: str
) -> dict[str, dict[str, dict[str, Any]]]:
    """The tickets the events name, by site and uid (locked, in order, for the batch)."""
    uids = sorted({uid for _, uid in wanted if isinstance(uid, str)})
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for start in range(0, len(uids), _PER_QUERY):
        part = uids[start : start + _PER_QUERY]
        marks = ", ".join("?" for _ in part)  # placeholders only: the values are parameters
        cur.execute(
            f"SELECT site, {', '.join(_TICKET_COLUMNS)} FROM ctickets "
            f"WHERE ticket IN ({marks}) ORDER BY ticket, site{lock}",
            part,
        )
        for site, *row in cur.fetchall():
            if (site, row[0]) in wanted:
                found.setdefault(site, {})[row[0]] = dict(zip(_TICKET_COLUMNS, row, strict=True))
    return found


class BadData(ValueError):
    """An event's field central cannot take (a device's bug, a newer contract)."""


def _int(data: dict[str, Any], key: str, low: int, high: int) -> int:
    value = data.get(key) or 0
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadData(f"{key}: {str(value)[:40]!r} is not a whole number from {low} to {high}")
    return value


def _seconds(data: dict[str, Any], key: str) -> float:
    value = data.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 864_000:
        raise BadData(f"{key}: {str(value)[:40]!r} is not a number of seconds")
    return float(value)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str):
        raise BadData(f"{key}: not text")
    return value[:200]


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _event(batch: _Batch, device: str, kind: str, ts: str, data: dict[str, Any]) -> None:
    """Take one event; :class:`BadData` (before anything is changed) if a field it needs
    is not what the contract's devices write."""
    if not isinstance(data, dict):
        raise BadData("data: not an object")
    if kind == "printer.status":
        batch.printers[device] = (_text(data, "state")[:32], _text(data, "detail"), ts)
        return
    if kind in ("counter.paused", "counter.resumed"):
        counter = _int(data, "counter", 0, 999)
        state = "paused" if kind == "counter.paused" else "open"
        batch.counters[counter] = (state, "", "", "", ts)  # the officer and day stay
        return
    if not kind.startswith("ticket."):
        return
    uid = data.get("ticket")
    if not isinstance(uid, str):
        return
    if kind == "ticket.issued":
        day, service = data.get("day"), _text(data, "service")
        if uid not in batch.tickets and isinstance(day, str) and _DAY.fullmatch(day):
            batch.tickets[uid] = {
                "ticket": uid[:64],
                "day": day,
                "service": service,
                "queue": service,
                "number": _text(data, "number")[:16],
                "priority": int(bool(data.get("priority"))),
                "status": "issued",
                "printed": 0,
                "voided": 0,
                "missed": 0,
                "counter": 0,
                "staff": "",
                "issued_ts": ts,
                "ts": ts,
            }
            batch.changed.add(uid)
        return
    ticket = batch.tickets.get(uid)
    if ticket is None:  # issued before central kept tickets, or another day's
        return
    _ticket(batch, ticket, kind, data, ts)
    batch.changed.add(uid)
    ticket["ts"] = ts


def _ticket(  # noqa: C901, PLR0912 (one branch per event type, as the device writes them)
    batch: _Batch, ticket: dict[str, Any], kind: str, data: dict[str, Any], ts: str
) -> None:
    counter = _int(data, "counter", 0, 999)
    staff = _text(data, "staff")
    waited = _seconds(data, "waited_seconds") if "waited_seconds" in data else None
    served = _seconds(data, "service_seconds")
    if kind == "ticket.rated":
        choice, score = _int(data, "choice", 1, 9), _int(data, "score", 1, 9)
        label = _text(data, "label")
    own = batch.add(ticket)
    if kind == "ticket.printed":
        if not ticket["printed"] and not ticket["voided"]:
            ticket["printed"] = 1
            own.tickets += 1
            if ticket["status"] == "issued":
                ticket["status"] = "waiting"
    elif kind == "ticket.voided":
        if not ticket["voided"]:
            ticket["voided"] = 1
            own.voided += 1
            if ticket["printed"]:
                own.tickets -= 1
            ticket["status"] = "void"
    elif kind == "ticket.called":
        if waited is not None:
            batch.add(ticket, counter, staff).add_wait(waited)
        ticket.update(status="serving", counter=counter, staff=staff)
        batch.counters[counter] = ("serving", staff, ticket["number"], ticket["day"], ts)
    elif kind == "ticket.done":
        batch.add(ticket, counter, staff).add_service(served)
        ticket["status"] = "done"
        _counter_free(batch, counter, staff, ticket, ts)
    elif kind == "ticket.skipped":
        if not ticket["missed"]:
            ticket["missed"] = 1
            own.no_shows += 1
        ticket["status"] = "missed"
        _counter_free(batch, counter, staff, ticket, ts)
    elif kind == "ticket.reentered":
        if ticket["missed"]:
            ticket["missed"] = 0
            own.no_shows -= 1
        ticket["status"] = "waiting"
    elif kind == "ticket.transferred":
        ticket["queue"] = _text(data, "to_service") or ticket["queue"]
        ticket["status"] = "waiting"
        _counter_free(batch, counter, staff, ticket, ts)
    elif kind == "ticket.rated":
        batch.add(ticket, counter, staff).add_rating(label, choice, score)
    elif kind == "ticket.expired":
        ticket["status"] = "expired"


def _counter_free(batch: _Batch, counter: int, staff: str, ticket: dict[str, Any], ts: str) -> None:
    if counter:
        batch.counters[counter] = ("open", staff, "", ticket["day"], ts)


def _write(cur: Any, batches: dict[str, _Batch], lock: str) -> None:
    columns = ", ".join(_TICKET_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _TICKET_COLUMNS[1:])
    tickets = [
        (site, *(batch.tickets[uid][c] for c in _TICKET_COLUMNS))
        for site, batch in sorted(batches.items())
        for uid in sorted(batch.changed)
    ]
    _rows(
        cur,
        f"INSERT INTO ctickets (site, {columns}) {{rows}} "
        f"ON CONFLICT (site, ticket) DO UPDATE SET {updates}",
        tickets,
        (("site", "text"), *zip(_TICKET_COLUMNS, _TICKET_TYPES, strict=True)),
    )
    counters = [
        (site, n, *batch.counters[n])
        for site, batch in sorted(batches.items())
        for n in sorted(batch.counters)
    ]
    if counters:
        cur.executemany(
            "INSERT INTO ccounters (site, counter, state, staff, number, day, ts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, counter) DO UPDATE SET "
            "state = excluded.state, number = excluded.number, ts = excluded.ts, "
            "staff = CASE WHEN excluded.staff = '' THEN ccounters.staff "
            "ELSE excluded.staff END, "
            "day = CASE WHEN excluded.day = '' THEN ccounters.day ELSE excluded.day END",
            counters,
        )
    printers = [
        (site, d, *batch.printers[d])
        for site, batch in sorted(batches.items())
        for d in sorted(batch.printers)
    ]
    if printers:
        cur.executemany(
            "INSERT INTO printers (site, device, state, detail, ts) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (site, device) DO UPDATE SET state = excluded.state, "
            "detail = excluded.detail, ts = excluded.ts",
            printers,
        )
    _add_figures(cur, {site: batch.figures for site, batch in batches.items()}, lock)


def _add_figures(
    cur: Any, deltas: dict[str, dict[tuple[str, str, int, str], Figures]], lock: str
) -> None:
    """Add each site's deltas to their day's, month's, quarter's and year's rows (rows
    locked in key order)."""
    rows: dict[tuple[str, str, str, int, str], Figures] = {}
    for site, changes in deltas.items():
        for (day, service, counter, officer), delta in changes.items():
            if delta.empty():
                continue
            for span in spans(day):
                key = (span, site, service, counter, officer)
                before = rows.get(key)  # another day of the batch in the same month
                rows[key] = delta if before is None else Figures().merge(before).merge(delta)
    if not rows:
        return
    keys = sorted(rows)
    _rows(
        cur,
        "INSERT INTO figures (span, site, service, counter, officer, body) {rows} "
        "ON CONFLICT DO NOTHING",
        [(*key, "{}") for key in keys],
        _KEY,
    )
    held: dict[tuple[str, str, str, int, str], dict[str, Any]] = {}
    for span in sorted({key[0] for key in keys}):
        sites = sorted({key[1] for key in keys if key[0] == span})
        for start in range(0, len(sites), _PER_QUERY):
            part = sites[start : start + _PER_QUERY]
            cur.execute(
                "SELECT site, service, counter, officer, body FROM figures WHERE span = ? "
                f"AND site IN ({', '.join('?' for _ in part)}) "
                f"ORDER BY site, service, counter, officer{lock}",
                (span, *part),
            )
            for site, service, counter, officer, body in cur.fetchall():
                key = (span, site, service, int(counter), officer)
                if key in rows:
                    held[key] = json.loads(body)
    updated = []
    for key in keys:
        body = rows[key].add_to(held[key])
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        updated.append((*key, text, *(body.get(name, 0) for name in COUNTS)))
    _rows(
        cur,
        "UPDATE figures SET "
        + ", ".join(f"{name} = v.{name}" for name in ("body", *COUNTS))
        + " FROM {rows} WHERE figures.span = v.span "
        "AND figures.site = v.site AND figures.service = v.service "
        "AND figures.counter = v.counter AND figures.officer = v.officer",
        updated,
        (*_KEY, *((name, "bigint") for name in COUNTS)),
        update=True,
    )


_TICKET_TYPES = ("text", "text", "text", "text", "text", "int", "text", "int", "int", "int",
                 "int", "text", "text", "text")  # fmt: skip
_KEY = (("span", "text"), ("site", "text"), ("service", "text"), ("counter", "int"),
        ("officer", "text"), ("body", "text"))  # fmt: skip


def _rows(
    cur: Any,
    sql: str,
    rows: list[tuple[Any, ...]],
    columns: tuple[tuple[str, str], ...],
    *,
    update: bool = False,
) -> None:
    """``sql`` for all ``rows`` at once: its ``{rows}`` is the rows, of ``columns`` (name,
    type); for an ``update`` they are ``v``. PostgreSQL takes them as one JSON parameter
    (one statement, the same each time, where a statement a row would cost a round trip
    each); SQLite, which has no round trips, a statement a row."""
    if not rows:
        return
    names = [name for name, _ in columns]
    if cur.store.kind == "postgresql":
        shape = ", ".join(f"{name} {kind}" for name, kind in columns)
        source = f"json_to_recordset(?::json) AS v ({shape})"
        if not update:
            source = f"SELECT {', '.join(names)} FROM {source}"
        data = json.dumps([dict(zip(names, row, strict=True)) for row in rows])
        cur.execute(sql.format(rows=source), (data,))
    elif update:
        source = f"(SELECT {', '.join(f'? AS {name}' for name in names)}) AS v"
        cur.executemany(sql.format(rows=source), rows)
    else:
        cur.executemany(sql.format(rows=f"VALUES ({', '.join('?' for _ in names)})"), rows)
