"""A day at the centre as a discrete-event simulation over the real store and queue rules.

Time is simulated (each operation gets its ``now``); everything else is real:
the SQLite file, the transactions, the events, the calling policy.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import math
import random
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk import lookup, ticketing, tokens
from kiosk.app.demo._arrivals import Arrival, arrivals
from kiosk.config import Config
from kiosk.desk import PrintFailed, TicketPrinter
from kiosk.slip import slip_for
from kiosk.store import Store

NO_SHOW = 0.04  # called but never came
COMES_BACK = 0.5  # of those, share who return within the tolerance
TRANSFER = 0.03  # sent on to another service after the first counter
REACTION = 15.0  # seconds from a free counter to the press of "next"
OVERTIME = 3600.0
RATES = 0.7  # citizens who press a rating key after service
# How they rate, best label first (the centres' surveys lean heavily to satisfied).
RATING_WEIGHTS = (0.62, 0.28, 0.07, 0.03)
LATE_RATING = 0.03  # of raters, share who press after the window has closed
SCANNER = "demo-sanh"  # the look-up scanner's id in the demo


@dataclass
class Tally:
    refused: dict[str, dict[str, int]] = field(default_factory=dict)
    recalls: int = 0
    reentries: int = 0
    transfers: int = 0
    issued: int = 0
    ratings: int = 0
    scans: int = 0
    ratings_refused: dict[str, int] = field(default_factory=dict)


class Day:
    """Runs one business day; ``observers`` see every result with its simulated time
    (later parts hook in here)."""

    def __init__(
        self,
        config: Config,
        store: Store,
        day: dt.date,
        citizens: int,
        seed: int,
        *,
        printer: TicketPrinter | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.printer = printer
        self.key = tokens.site_key(store, 0.0) if printer is not None else b""
        self.day = day
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.observers: list[Callable[[str, Any, float], None]] = []
        self._heap: list[tuple[float, int, str, Any]] = []
        self._order = itertools.count()
        self._idle: set[int] = {c.number for c in config.counters}
        self._paused: set[int] = set()
        self._busy: set[int] = set()  # serving someone: a finish or no-show is pending
        for arrival in arrivals(config, day, citizens, self.rng):
            self._at(arrival.at, "arrive", arrival)
        tz = zoneinfo.ZoneInfo(config.site.timezone)
        hours = config.hours
        # Staff serve everyone holding a ticket, but not past an hour of overtime.
        self._last_call = self._local(hours.close, tz) + OVERTIME
        if hours.lunch_start is not None and hours.lunch_end is not None:
            self._at(self._local(hours.lunch_start, tz), "lunch", None)
            self._at(self._local(hours.lunch_end, tz), "after_lunch", None)

    def _local(self, time: dt.time, tz: dt.tzinfo) -> float:
        return dt.datetime.combine(self.day, time, tzinfo=tz).timestamp()

    def _at(self, when: float, kind: str, payload: Any) -> None:
        heapq.heappush(self._heap, (when, next(self._order), kind, payload))

    def _notify(self, kind: str, payload: Any, now: float) -> None:
        for observer in self.observers:
            observer(kind, payload, now)

    def _service_time(self, service_id: str) -> float:
        mean = self.config.service(service_id).service_minutes * 60
        sigma = 0.5
        return self.rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)

    def run(self) -> None:
        while self._heap:
            now, _, kind, payload = heapq.heappop(self._heap)
            getattr(self, f"_on_{kind}")(now, payload)

    def _wake(self, now: float, service_id: str) -> None:
        for counter in self.config.counters:
            number = counter.number
            if (
                number in self._idle
                and number not in self._paused
                and service_id in counter.services
            ):
                self._idle.discard(number)
                self._at(now + REACTION, "next", number)

    def _on_arrive(self, now: float, arrival: Arrival) -> None:
        try:
            issued = ticketing.issue(
                self.store,
                self.config,
                arrival.service,
                now=now,
                priority=arrival.priority,
                printed=self.printer is None,
            )
        except ticketing.Refused as refusal:
            per_service = self.tally.refused.setdefault(arrival.service, {})
            per_service[refusal.code] = per_service.get(refusal.code, 0) + 1
            return
        if self.printer is not None:
            # As the kiosk does it: committed first, printed, then callable.
            ticket = issued.ticket
            token = tokens.sign(self.key, ticket.day, ticket.number)
            try:
                self.printer.print_slip(slip_for(self.config, issued, token))
            except PrintFailed as failed:
                ticketing.void(self.store, self.config, ticket.uid, failed.status.state, now=now)
                return
            ticketing.mark_printed(self.store, self.config, ticket.uid, now=now)
        self.tally.issued += 1
        self._notify("issued", issued, now)
        self._wake(now, arrival.service)

    def _on_next(self, now: float, number: int) -> None:
        if number in self._paused or now > self._last_call:
            return
        called = ticketing.call_next(self.store, self.config, number, now=now)
        self._notify("called", called, now)
        ticket = called.ticket
        if ticket is None:
            self._idle.add(number)
            return
        self._busy.add(number)
        if self.rng.random() < NO_SHOW:
            self._at(now + 60, "recall", number)
            return
        self._at(now + self._service_time(ticket.service), "finish", number)

    def _on_recall(self, now: float, number: int) -> None:
        ticket = ticketing.recall(self.store, self.config, number, now=now)
        self._notify("recalled", ticket, now)
        self.tally.recalls += 1
        self._at(now + 60, "no_show", number)

    def _on_no_show(self, now: float, number: int) -> None:
        ticket = ticketing.skip(self.store, self.config, number, now=now)
        self._busy.discard(number)
        self._notify("skipped", ticket, now)
        if self.rng.random() < COMES_BACK:
            tolerance = self.config.queue.missed_tolerance_minutes * 60
            self._at(now + self.rng.uniform(60, tolerance * 0.9), "come_back", ticket)
        self._at(now + REACTION, "next", number)

    def _on_come_back(self, now: float, ticket: ticketing.Ticket) -> None:
        if self.key:  # they scan their ticket's QR at the look-up scanner
            view = self._scan(now, tokens.sign(self.key, ticket.day, ticket.number))
            if view.detail.get("status") != "waiting":
                return
        else:
            try:
                ticketing.reenter(self.store, self.config, ticket.number, now=now)
            except ticketing.Refused:
                return
        self.tally.reentries += 1
        self._wake(now, ticket.service)

    def schedule_scan(self, when: float, code: str) -> None:
        """A citizen scans ``code`` (a slip, or anything) at the look-up scanner."""
        self._at(when, "scan", code)

    def _on_scan(self, now: float, code: str) -> None:
        self._scan(now, code)

    def _scan(self, now: float, code: str) -> lookup.View:
        view = lookup.look_up(self.store, self.config, code, now, act=True)
        lookup.record_scan(self.store, SCANNER, view, now)
        self.tally.scans += 1
        self._notify("scanned", view, now)
        return view

    def _on_finish(self, now: float, number: int) -> None:
        self._busy.discard(number)
        counter = self.config.counter(number)
        others = [s.id for s in self.config.services if s.id not in counter.services]
        if others and self.rng.random() < TRANSFER:
            target = self.rng.choice(others)
            ticketing.transfer(self.store, self.config, number, target, now=now)
            self.tally.transfers += 1
            self._wake(now, target)
        else:
            finished = ticketing.done(self.store, self.config, number, now=now)
            if self.rng.random() < RATES:
                self._rate_later(now, number, finished.number)
        self._at(now + REACTION, "next", number)

    def _rate_later(self, now: float, number: int, ticket: str) -> None:
        labels = len(self.config.ratings.labels)
        weights = [*RATING_WEIGHTS[:labels], *[0.01] * (labels - len(RATING_WEIGHTS))]
        choice = self.rng.choices(range(1, labels + 1), weights=weights[:labels])[0]
        window = self.config.ratings.window_seconds
        late = self.rng.random() < LATE_RATING
        delay = window + self.rng.uniform(1, 30) if late else self.rng.uniform(2, window / 3)
        self._at(now + delay, "rate", (number, choice, ticket))

    def _on_rate(self, now: float, press: tuple[int, int, str]) -> None:
        number, choice, ticket = press  # the citizen rates their own service
        try:
            ticketing.rate(self.store, self.config, number, choice, now=now, ticket_number=ticket)
        except ticketing.Refused as refusal:
            codes = self.tally.ratings_refused
            codes[refusal.code] = codes.get(refusal.code, 0) + 1
            return
        self.tally.ratings += 1

    def _on_lunch(self, now: float, _: None) -> None:
        # Counters finish the citizen in front of them, then break (the serving ticket stays).
        for counter in self.config.counters:
            ticketing.pause(self.store, self.config, counter.number, "Nghỉ trưa", now=now)
            self._paused.add(counter.number)

    def _on_after_lunch(self, now: float, _: None) -> None:
        for counter in self.config.counters:
            ticketing.resume(self.store, self.config, counter.number, now=now)
            self._paused.discard(counter.number)
            if counter.number not in self._busy:
                self._idle.discard(counter.number)
                self._at(now + REACTION, "next", counter.number)
