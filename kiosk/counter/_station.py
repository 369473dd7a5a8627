"""The counter daemon's main loop: key presses in, queue actions committed, lights out.

Every press goes through the queue rules of the core, one at a time, in the order
the keys were pressed. A counter with nobody waiting gets three quick blinks, not
an error. A refused action (nothing being served, a rating out of its window, a
paused counter asked for the next citizen) is logged and blinks the LED fast.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk import ticketing
from kiosk.config import Config
from kiosk.counter._keys import EMPTY, REFUSED, Key, Lights, Press
from kiosk.faultlog import FaultLog
from kiosk.store import Store, store_fault

log = logging.getLogger("kiosk.counter")


IDLE_WAIT = 1.0  # seconds the loop sleeps at rest when no light is timed


@dataclass(frozen=True)
class Outcome:
    """What one press came to.

    ``kind``: called, empty (nobody waiting), recalled, skipped, done, transferred,
    paused, resumed, rated, refused (``reason`` has the rule's code) or ignored (the
    same key again within the repeat guard).
    """

    kind: str
    counter: int
    number: str = ""
    reason: str = ""
    committed_at: float = 0.0  # time.monotonic() once the change was committed


class Station:
    """Serves the keys of ``counters`` (numbers from the config) against one store."""

    def __init__(
        self,
        config: Config,
        store: Store,
        counters: list[int],
        lights: Lights | None = None,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        on_outcome: Callable[[Press, Outcome], None] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.counters = counters
        self.lights = lights
        self.clock = clock
        self.monotonic = monotonic
        self.on_outcome = on_outcome
        self.presses: queue.Queue[Press] = queue.Queue()
        self._last: dict[tuple[int, Key], float] = {}
        self._reading = FaultLog(log, "counter lights: reading the counters", monotonic=monotonic)

    # -- lights ---------------------------------------------------------------------

    def refresh(self, numbers: list[int] | None = None) -> None:
        """Light counters as the database says they are: at start, after each key, and
        when another process (the CLI, a remote command, a new day) changed them."""
        if self.lights is None:
            return
        now, mono = self.clock(), self.monotonic()
        states = ticketing.counter_states(
            self.store, self.config, numbers or self.counters, now=now
        )
        for number, state in states.items():
            steady = "slow" if state.paused else "on" if state.serving else "off"
            self.lights.set_steady(number, steady)
            if state.rating_seconds_left is None:
                if number in self.lights.rating_until:
                    self.lights.rating_closed(number)
            else:
                self.lights.rating_open(number, mono + state.rating_seconds_left)

    # -- presses ----------------------------------------------------------------------

    def handle(self, press: Press) -> Outcome:
        number, key = press.counter, press.key
        guard = self.config.counter_keys.repeat_guard_seconds
        last = self._last.get((number, key))
        if last is not None and press.at - last < guard:
            log.debug("counter %d %s: ignored, pressed again within %gs", number, key, guard)
            return Outcome("ignored", number)
        try:
            outcome = self._act(number, key)
        except ticketing.Refused as refusal:
            level = logging.WARNING if key.action == "rate" else logging.INFO
            log.log(level, "counter %d %s refused (%s): %s", number, key, refusal.code, refusal)
            if self.lights is not None:
                self.lights.signal(number, REFUSED, self.monotonic())
            return Outcome("refused", number, reason=refusal.code)
        # Only a press that did something arms the guard: a refused one may be retried.
        self._last[(number, key)] = press.at
        if number in self.counters:
            self.refresh([number])
        if self.lights is not None:
            if outcome.kind == "empty":
                self.lights.signal(number, EMPTY, self.monotonic())
            elif outcome.kind == "rated":
                self.lights.rating_closed(number, thanks=True)
        return outcome

    def _act(self, number: int, key: Key) -> Outcome:
        now = self.clock()
        store, config, action = self.store, self.config, key.action
        if action == "next":
            called = ticketing.call_next(store, config, number, now=now)
            if called.ticket is None:
                return self._done("empty", number)
            return self._done("called", number, called.ticket.number)
        if action == "recall":
            ticket = ticketing.recall(store, config, number, now=now)
            return self._done("recalled", number, ticket.number)
        if action == "skip":
            ticket = ticketing.skip(store, config, number, now=now)
            return self._done("skipped", number, ticket.number)
        if action == "done":
            ticket = ticketing.done(store, config, number, now=now)
            return self._done("done", number, ticket.number)
        if action == "transfer":
            ticket = ticketing.transfer(store, config, number, key.argument, now=now)
            return self._done("transferred", number, ticket.number)
        if action == "pause":
            try:
                reason = key.argument or config.counter_keys.pause_reason
                ticketing.pause(store, config, number, reason, now=now)
            except ticketing.Refused as refusal:
                if refusal.code != "already_paused":
                    raise
                ticketing.resume(store, config, number, now=now)
                return self._done("resumed", number)
            return self._done("paused", number)
        if action == "resume":
            ticketing.resume(store, config, number, now=now)
            return self._done("resumed", number)
        if action == "rate":
            rating = ticketing.rate(store, config, number, int(key.argument), now=now)
            return self._done("rated", number, rating.ticket.number)
        raise ValueError(f"unknown counter action {key}")  # the config parser prevents it

    def _done(self, kind: str, number: int, ticket: str = "") -> Outcome:
        return Outcome(kind, number, ticket, committed_at=self.monotonic())

    # -- the loop ---------------------------------------------------------------------

    def run(self, stop: threading.Event, on_tick: Callable[[], None] | None = None) -> None:
        seen = self.store.data_version()
        while not stop.is_set():
            try:
                press = self.presses.get(timeout=self._rest())
            except queue.Empty:
                pass
            else:
                self._serve(press)
            if self.lights is not None:
                try:
                    if (version := self.store.data_version()) != seen:
                        self.refresh()  # someone else committed: the lights may be stale
                        seen = version
                except Exception as exc:  # the database unusable: tried again next tick
                    fault = store_fault(exc, self.store.path)
                    if fault is None:
                        log.exception("counter lights: cannot read the counters")
                    else:
                        self._reading.failed(fault)
                else:
                    self._reading.worked()
                self.lights.tick(self.monotonic())
            if on_tick is not None:
                on_tick()

    def _rest(self) -> float:
        """How long the loop may wait for a key: a light's timer, else up to IDLE_WAIT (a
        key wakes it at once; the wait only sets how soon a call made elsewhere shows on
        the lights, and how cheap the daemon is at rest)."""
        due = self.lights.next_due() if self.lights is not None else None
        if due is None:
            return IDLE_WAIT
        return min(IDLE_WAIT, max(0.01, due - self.monotonic()))

    def _serve(self, press: Press) -> None:
        try:
            outcome = self.handle(press)
        except Exception as exc:  # a bug or a database fault: log it, keep the counters up
            fault = store_fault(exc, self.store.path)
            if fault is not None:  # the disk is full, the database locked...
                log.warning(
                    "counter %d %s from %s failed: %s",
                    press.counter,
                    press.key,
                    press.source,
                    fault,
                )
            else:
                log.exception(
                    "counter %d %s from %s failed", press.counter, press.key, press.source
                )
            if self.lights is not None:
                self.lights.signal(press.counter, REFUSED, self.monotonic())
            outcome = Outcome("refused", press.counter, reason="error")
        else:
            if outcome.kind not in ("refused", "ignored"):
                log.info(
                    "counter %d %s: %s %s",
                    press.counter,
                    press.key,
                    outcome.kind,
                    outcome.number,
                )
        if self.on_outcome is not None:
            self.on_outcome(press, outcome)
