"""Who does what on the busy day, in compressed real time: citizens at the kiosk, staff at
20 counters, slips and garbage at the scanner. Everything reaches the daemons through their
simulated hardware (kiosk pins, counter keys, the scanner's serial line); what the day's
people know comes from what they can see: the ticket in their hand (the printer's page)
and the counter's state (as staff see it on their screen)."""

from __future__ import annotations

import heapq
import itertools
import json
import math
import random
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.app.demo._arrivals import Arrival
from kiosk.app.demo._busy_site import (
    GPIO_KEYS,
    KEY_ACTIONS,
    KIOSK_PINS,
    PRIORITY_PIN,
    SERVICE_IDS,
    SERVICES,
    STAFF_KEYS,
    TRANSFER_KEYS,
    keypad,
    rating_pad,
)
from kiosk.store import connect_readonly
from printer.virtual import PtyPrinter

NO_SHOW = 0.04
COMES_BACK = 0.5
TRANSFER = 0.03
RATES = 0.7
RATING_KEYS = ("KEY_1", "KEY_2", "KEY_3", "KEY_4")
RATING_WEIGHTS = (0.62, 0.28, 0.07, 0.03)
GIVE_UP = 6  # tries at the kiosk before a citizen leaves without a ticket
TICKET_WAIT = 3.0  # real seconds a citizen waits for the ticket to come out
BUTTON_REST = 0.3  # real seconds between two presses of one button (its cooldown is 0.2 s)


class Clock:
    """Simulated seconds of the day (from its opening) to real monotonic time."""

    def __init__(self, speed: float, opening: float) -> None:
        self.speed, self.opening = speed, opening
        self.began = time.monotonic()

    def real(self, simulated: float) -> float:
        return self.began + (simulated - self.opening) / self.speed

    def seconds(self, simulated_seconds: float) -> float:
        return simulated_seconds / self.speed


class Hardware:
    """Orders to the daemons' simulated hardware, through each host's control socket."""

    def __init__(self, control: Callable[[str], str]) -> None:
        self.control = control
        self.failed = 0  # orders that could not reach a daemon (it was down)

    def send(self, daemon: str, order: dict[str, Any]) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(5)
                conn.connect(self.control(daemon))
                conn.sendall(json.dumps(order).encode() + b"\n")
                answer = conn.makefile("rb").readline().decode().strip()
        except OSError:
            self.failed += 1
            return False
        if answer != "ok":
            self.failed += 1
        return answer == "ok"

    def plug_keypads(self, counters: int) -> bool:
        ok = True
        for number in range(1, counters + 1):
            if number not in GPIO_KEYS:
                ok &= self.send("counter", {"plug": keypad(number)})
            ok &= self.send("counter", {"plug": rating_pad(number)})
        return ok


class Scheduler:
    """Timed actions on one thread, in real time."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def at(self, real: float, action: Callable[[], None]) -> None:
        with self._lock:
            heapq.heappush(self._heap, (real, next(self._order), action))

    def __len__(self) -> int:
        return len(self._heap)

    def run_due(self, stop: threading.Event | None = None) -> None:
        """Every action whose time has come, in time order (until ``stop``)."""
        while stop is None or not stop.is_set():
            with self._lock:
                ripe = bool(self._heap) and self._heap[0][0] <= time.monotonic()
                action = heapq.heappop(self._heap)[2] if ripe else None
            if action is None:
                return
            action()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.run_due(stop)
            with self._lock:
                due = self._heap[0][0] if self._heap else None
            stop.wait(0.01 if due is None else min(0.05, max(0.0, due - time.monotonic())))


@dataclass
class Citizen:
    arrival: Arrival
    tries: int = 0
    ticket: str = ""  # the token printed on the ticket they hold


class Kiosk:
    """Citizens one at a time at the kiosk: press (priority first when they are), then
    wait for the ticket. ``lock`` is held while a citizen stands there; the day's faults
    to the kiosk and its printer take it too, so they happen between citizens."""

    def __init__(self, hw: Hardware, printer: PtyPrinter) -> None:
        self.hw, self.printer = hw, printer
        self.lock = threading.Lock()
        self.citizens: list[Citizen] = []
        self.tokens: list[str] = []  # every QR printed, in order
        self._pressed: dict[int, float] = {}  # pin -> when it was last pressed

    def serve(self, citizen: Citizen) -> bool:
        """True when the citizen leaves with a ticket."""
        citizen.tries += 1
        pins = [PRIORITY_PIN] if citizen.arrival.priority else []
        pins.append(KIOSK_PINS[SERVICE_IDS.index(citizen.arrival.service)])
        with self.lock:
            before = self.printer.jobs
            for pin in pins:
                # The citizen before pressed the same button a moment ago: a button gives
                # one ticket per cooldown, so the next one comes a breath later.
                time.sleep(max(0.0, self._pressed.get(pin, 0.0) + BUTTON_REST - time.monotonic()))
                self._pressed[pin] = time.monotonic()
                if not self.hw.send("kiosk", {"pin": pin}):
                    return False
            deadline = time.monotonic() + TICKET_WAIT
            while self.printer.jobs == before and time.monotonic() < deadline:
                time.sleep(0.005)
            if self.printer.jobs == before:
                return False
            time.sleep(0.02)  # the kiosk settles the ticket after the cut
            codes = self.printer.take_qr_codes()
            self.tokens += codes
            citizen.ticket = codes[-1] if codes else ""
            return bool(codes)


@dataclass
class Agent:
    number: int
    services: list[str]
    minutes: dict[str, float]
    serving: str = ""  # ticket number being served
    paused: bool = False
    busy: bool = False  # a press or a service is under way


class Staff:
    """The 20 counters' officers: they call when someone waits for their services, serve,
    finish (or transfer, or recall and skip a no-show) and hand the rating pad over."""

    def __init__(
        self,
        hw: Hardware,
        db: str,
        clock: Clock,
        rng: random.Random,
        *,
        counters: list[list[str]],
        come_back: Callable[[str, float], None],
    ) -> None:
        self.hw, self.clock, self.rng = hw, clock, rng
        self.db = db
        minutes = {s[0]: float(s[3]) for s in SERVICES}
        self.agents = [Agent(n, services, minutes) for n, services in enumerate(counters, 1)]
        self.come_back = come_back
        self.conn: sqlite3.Connection | None = None  # opened by the staff's own thread
        self.timers = Scheduler()
        self.at = self.timers.at
        # The officers' key presses that reached the counter daemon (the report's figures
        # come from the day's records: a press can be lost when the daemon is killed).
        self.presses = {
            "next": 0,
            "recall": 0,
            "skip": 0,
            "done": 0,
            "transfer": 0,
            "rating": 0,
            "pause": 0,
        }

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if self.conn is None:
            self.conn = connect_readonly(self.db, timeout=10)
        return self.conn.execute(sql, params).fetchall()

    def key(self, agent: Agent, action: str, argument: str = "") -> bool:
        if agent.number in GPIO_KEYS and action == "transfer":
            return False  # GPIO counters have no transfer key
        if agent.number in GPIO_KEYS and action in KEY_ACTIONS:
            order: dict[str, Any] = {"pin": GPIO_KEYS[agent.number][KEY_ACTIONS.index(action)]}
        elif action == "transfer":
            order = {
                "device": keypad(agent.number),
                "keys": [TRANSFER_KEYS[SERVICE_IDS.index(argument)]],
            }
        elif action == "rate":
            order = {"device": rating_pad(agent.number), "keys": [argument]}
        else:
            order = {"device": keypad(agent.number), "keys": [STAFF_KEYS[action]]}
        return self.hw.send("counter", order)

    def step(self) -> None:
        """Run what is due; idle counters call when someone waits for them."""
        self.timers.run_due()
        rows = self._read(
            "SELECT service, COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY service"
        )
        waiting = dict(rows)
        for agent in self.agents:
            if not agent.busy and not agent.paused and any(waiting.get(s) for s in agent.services):
                self._call(agent)

    @property
    def idle(self) -> bool:
        return not self.timers and not any(a.busy for a in self.agents)

    def _call(self, agent: Agent) -> None:
        agent.busy = True
        if not self.key(agent, "next"):
            self.at(time.monotonic() + 0.5, lambda: self._free(agent))
            return
        self.at(time.monotonic() + 0.15, lambda: self._called(agent))

    def _free(self, agent: Agent) -> None:
        agent.busy = False

    def _serving(self, agent: Agent) -> tuple[str, str] | None:
        rows = self._read(
            "SELECT t.number, t.service FROM counter_state c JOIN tickets t "
            "ON t.id = c.ticket_id WHERE c.counter = ?",
            (agent.number,),
        )
        return None if not rows else (str(rows[0][0]), str(rows[0][1]))

    def _called(self, agent: Agent) -> None:
        serving = self._serving(agent)
        if serving is None:  # nobody for this counter after all (another took them)
            self.at(time.monotonic() + 0.25, lambda: self._free(agent))
            return
        number, service = serving
        agent.serving = number
        self.presses["next"] += 1
        later = self.clock.seconds
        if self.rng.random() < NO_SHOW:
            self.at(time.monotonic() + later(60), lambda: self._recall(agent))
            return
        mean = agent.minutes[service] * 60
        seconds = self.rng.lognormvariate(math.log(mean) - 0.125, 0.5)
        self.at(time.monotonic() + later(seconds), lambda: self._finish(agent, service))

    def _recall(self, agent: Agent) -> None:
        if self.key(agent, "recall"):
            self.presses["recall"] += 1
        self.at(time.monotonic() + self.clock.seconds(60), lambda: self._skip(agent))

    def _skip(self, agent: Agent) -> None:
        number = agent.serving
        if not self.key(agent, "skip"):
            self.at(time.monotonic() + 0.5, lambda: self._skip(agent))
            return
        self.presses["skip"] += 1
        if self.rng.random() < COMES_BACK:
            self.come_back(number, self.rng.uniform(60, 25 * 60))
        self._after(agent, rate=False)

    def _finish(self, agent: Agent, service: str) -> None:
        others = [s[0] for s in SERVICES if s[0] not in agent.services]
        transfer = agent.number not in GPIO_KEYS and self.rng.random() < TRANSFER
        if transfer:
            if not self.key(agent, "transfer", self.rng.choice(others)):
                self.at(time.monotonic() + 0.5, lambda: self._finish(agent, service))
                return
            self.presses["transfer"] += 1
            self._after(agent, rate=False)
            return
        if not self.key(agent, "done"):
            self.at(time.monotonic() + 0.5, lambda: self._finish(agent, service))
            return
        self.presses["done"] += 1
        self._after(agent, rate=self.rng.random() < RATES)

    def _after(self, agent: Agent, *, rate: bool) -> None:
        agent.serving = ""
        if rate:
            choice = self.rng.choices(RATING_KEYS, RATING_WEIGHTS)[0]
            when = time.monotonic() + self.clock.seconds(self.rng.uniform(3, 20))
            self.at(when, lambda: self._rate(agent, choice))
            return
        self.at(time.monotonic() + self.clock.seconds(15), lambda: self._free(agent))

    def _rate(self, agent: Agent, choice: str) -> None:
        if self.key(agent, "rate", choice):
            self.presses["rating"] += 1
        self.at(time.monotonic() + self.clock.seconds(15), lambda: self._free(agent))

    def pause(self, number: int, minutes: float) -> None:
        """The officer at ``number`` takes a break once the citizen in front is served."""
        agent = self.agents[number - 1]

        def start() -> None:
            if agent.busy:
                self.at(time.monotonic() + 0.2, start)
                return
            if self.key(agent, "pause"):
                agent.paused = True
                self.presses["pause"] += 1
                self.at(time.monotonic() + self.clock.seconds(minutes * 60), stop)
            else:
                self.at(time.monotonic() + 0.5, start)

        def stop() -> None:
            if self.key(agent, "pause"):  # the same key resumes
                agent.paused = False
            else:
                self.at(time.monotonic() + 0.5, stop)

        self.at(time.monotonic(), start)
