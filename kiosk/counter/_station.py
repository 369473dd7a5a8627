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

from kiosk import queue as tickets
from kiosk.config import Config
from kiosk.counter._gpio import CounterLights
from kiosk.counter._keys import Key, Press
from kiosk.store import Store

log = logging.getLogger("kiosk.counter")


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
        lights: CounterLights | None = None,
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

    # -- start-up ---------------------------------------------------------------------

    def restore(self) -> None:
        """Light each counter as the database says it is (the daemon may have restarted)."""
        if self.lights is None:
            return
        snap = tickets.snapshot(self.store, self.config, now=self.clock())
        mine = {c["number"]: c for c in snap["counters"] if c["number"] in self.counters}
        for number, counter in mine.items():
            state = "slow" if counter["paused"] else "on" if counter["serving"] else "off"
            self.lights.set_steady(number, state)

    # -- presses ----------------------------------------------------------------------

    def handle(self, press: Press) -> Outcome:
        number, key = press.counter, press.key
        guard = self.config.counter_keys.repeat_guard_seconds
        last = self._last.get((number, key))
        if last is not None and press.at - last < guard:
            return Outcome("ignored", number)
        self._last[(number, key)] = press.at
        try:
            outcome = self._act(number, key)
        except tickets.Refused as refusal:
            level = logging.WARNING if key.action == "rate" else logging.INFO
            log.log(level, "counter %d %s refused (%s): %s", number, key, refusal.code, refusal)
            if self.lights is not None:
                self.lights.signal(number, CounterLights.REFUSED, self.monotonic())
            outcome = Outcome("refused", number, reason=refusal.code)
        return outcome

    def _act(self, number: int, key: Key) -> Outcome:
        now = self.clock()
        store, config, action = self.store, self.config, key.action
        if action == "next":
            called = tickets.call_next(store, config, number, now=now)
            if called.finished is not None:
                self._rating_opens(number)
            if called.ticket is None:
                self._light(number, "off", CounterLights.EMPTY)
                return self._done("empty", number)
            self._light(number, "on")
            return self._done("called", number, called.ticket.number)
        if action == "recall":
            ticket = tickets.recall(store, config, number, now=now)
            return self._done("recalled", number, ticket.number)
        if action == "skip":
            ticket = tickets.skip(store, config, number, now=now)
            self._light(number, "off")
            return self._done("skipped", number, ticket.number)
        if action == "done":
            ticket = tickets.done(store, config, number, now=now)
            self._light(number, "off")
            self._rating_opens(number)
            return self._done("done", number, ticket.number)
        if action == "transfer":
            ticket = tickets.transfer(store, config, number, key.argument, now=now)
            self._light(number, "off")
            return self._done("transferred", number, ticket.number)
        if action == "pause":
            try:
                reason = key.argument or config.counter_keys.pause_reason
                tickets.pause(store, config, number, reason, now=now)
            except tickets.Refused as refusal:
                if refusal.code != "already_paused":
                    raise
                return self._resume(number, now)
            self._light(number, "slow")
            return self._done("paused", number)
        if action == "resume":
            return self._resume(number, now)
        if action == "rate":
            rating = tickets.rate(store, config, number, int(key.argument), now=now)
            if self.lights is not None:
                self.lights.rating_closed(number, thanks=True)
            return self._done("rated", number, rating.ticket.number)
        raise ValueError(f"unknown counter action {key}")  # the config parser prevents it

    def _resume(self, number: int, now: float) -> Outcome:
        tickets.resume(self.store, self.config, number, now=now)
        snap = tickets.snapshot(self.store, self.config, now=now)
        serving = any(c["number"] == number and c["serving"] for c in snap["counters"])
        self._light(number, "on" if serving else "off")
        return self._done("resumed", number)

    def _done(self, kind: str, number: int, ticket: str = "") -> Outcome:
        return Outcome(kind, number, ticket, committed_at=self.monotonic())

    def _light(
        self, number: int, steady: str, signal: tuple[float, float, int] | None = None
    ) -> None:
        if self.lights is None:
            return
        self.lights.set_steady(number, steady)
        if signal is not None:
            self.lights.signal(number, signal, self.monotonic())

    def _rating_opens(self, number: int) -> None:
        if self.lights is not None:
            window = self.config.ratings.window_seconds
            self.lights.rating_open(number, self.monotonic() + window)

    # -- the loop ---------------------------------------------------------------------

    def run(self, stop: threading.Event, on_tick: Callable[[], None] | None = None) -> None:
        while not stop.is_set():
            try:
                press = self.presses.get(timeout=0.25)
            except queue.Empty:
                pass
            else:
                self._serve(press)
            if self.lights is not None:
                self.lights.tick(self.monotonic())
            if on_tick is not None:
                on_tick()

    def _serve(self, press: Press) -> None:
        try:
            outcome = self.handle(press)
        except Exception:  # a bug or a database fault: log it, keep the counters up
            log.exception("counter %d %s from %s failed", press.counter, press.key, press.source)
            if self.lights is not None:
                self.lights.signal(press.counter, CounterLights.REFUSED, self.monotonic())
            outcome = Outcome("refused", press.counter, reason="error")
        else:
            if outcome.kind not in ("refused", "ignored"):
                log.info(
                    "counter %d %s: %s %s", press.counter, press.key, outcome.kind,
                    outcome.number,
                )  # fmt: skip
        if self.on_outcome is not None:
            self.on_outcome(press, outcome)
