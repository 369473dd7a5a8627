"""Counter figures for ``kiosk bench``: a key press to the committed call.

The paths run the daemon's real pieces on its real threads: a gpiozero
MockFactory pin (the callback enqueues), and a keypad on a pipe read by
:class:`kiosk.inputdev.InputReader` with evdev's decoder. The main loop takes the
press and commits ``call_next`` (``synchronous=FULL``) to a file under ``work``.
The last figure runs ten counter daemons as separate processes, all pressing
"next" at once against one database.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import ticketing
from kiosk.app.inputsim import Keyboards, tap
from kiosk.config import Config, CounterButton, CounterConfig, CounterKeypad
from kiosk.counter import Outcome, Press, Station
from kiosk.keys.counters import CounterButtons, Keypads
from kiosk.stats import timing
from kiosk.store import Store

PIN = "GPIO2"
KEYPAD = "/dev/input/by-id/bench-numpad-event-kbd"
WARM_UP = 5


def _bench_counter(config: Config) -> Config:
    first = config.counters[0]
    counter = dataclasses.replace(
        first,
        buttons=(CounterButton(pin=PIN, action="next"),),
        keypads=(CounterKeypad(device=KEYPAD, keymap="numpad"),),
        led=None,
        rating_led=None,
    )
    keys = dataclasses.replace(config.counter_keys, repeat_guard_seconds=0, bounce_seconds=0)
    return dataclasses.replace(config, counters=(counter,), counter_keys=keys)


def press_to_call(config: Config, work: Path, n: int) -> dict[str, Any]:
    from gpiozero.pins.mock import MockFactory

    config = _bench_counter(config)
    counter = config.counters[0]
    pins, keyboards = MockFactory(), Keyboards()
    keyboards.plug(KEYPAD)
    settled = threading.Semaphore(0)
    last: list[tuple[Press, Outcome]] = []

    def record(press: Press, outcome: Outcome) -> None:
        last[:] = [(press, outcome)]
        settled.release()

    with Store(work / "counter-bench.db", config.store.busy_timeout_ms) as store:
        service = counter.services[0]
        for _ in range(2 * (n + WARM_UP)):
            ticketing.issue(store, config, service, now=time.time(), printed=True)
        station = Station(config, store, [counter.number], on_outcome=record)
        buttons = CounterButtons(config, [counter.number], station.presses, pin_factory=pins)
        keypads = Keypads(config, [counter.number], station.presses, opener=keyboards.open)
        keypads.start()
        stop = threading.Event()
        loop = threading.Thread(target=station.run, args=(stop,), name="bench counter loop")
        loop.start()
        try:
            pin = pins.pin(PIN)

            def gpio() -> float:
                pin.drive_low()
                pin.drive_high()
                return last[0][0].at if settled.acquire(timeout=10) else -1.0

            def keypad() -> float:
                sent = time.monotonic()
                keyboards.send(KEYPAD, tap("KEY_KPENTER"))
                return sent if settled.acquire(timeout=10) else -1.0

            while keypads.readers[0].state != "connected":
                time.sleep(0.01)
            figures = {
                "gpio": _samples(gpio, last, n),
                "keypad": _samples(keypad, last, n),
            }
        finally:
            stop.set()
            loop.join()
            keypads.close()
            buttons.close()
            keyboards.close()
            pins.reset()
    return {
        "gpio_press_to_commit": {**figures["gpio"], "goal_p99_ms": 20},
        "keypad_key_to_commit": {**figures["keypad"], "goal_p99_ms": 20},
    }


def _samples(
    press: Callable[[], float], last: list[tuple[Press, Outcome]], n: int
) -> dict[str, float]:
    samples = []
    for i in range(n + WARM_UP):
        started = press()
        if started < 0:
            raise RuntimeError("a counter key press was not handled within 10 s")
        outcome = last[0][1]
        if outcome.kind != "called":
            raise RuntimeError(f"a counter key press did not call: {outcome}")
        if i >= WARM_UP:
            samples.append((outcome.committed_at - started) * 1000)
    return timing(samples)


CONCURRENT_PINS = tuple(f"GPIO{n}" for n in (2, 3, 4, 7, 8, 9, 10, 11, 14, 15))


def concurrent_config(config: Config, counters: int = 10) -> Config:
    """``counters`` counters on one service, each with a GPIO next key; no guard, no bounce."""
    service = config.services[0].id
    made = tuple(
        CounterConfig(
            number=n,
            services=(service,),
            staff_id=f"cb-{n:04d}",
            buttons=(CounterButton(pin=CONCURRENT_PINS[n - 1], action="next"),),
        )
        for n in range(1, counters + 1)
    )
    keys = dataclasses.replace(config.counter_keys, repeat_guard_seconds=0, bounce_seconds=0)
    return dataclasses.replace(config, counters=made, counter_keys=keys)


def press_next_repeatedly(  # noqa: PLR0917 - a process target: multiprocessing passes args
    db: str, config: Config, number: int, presses: int, start: Any, out: Any
) -> None:
    """One counter daemon, run in its own process: its next key (a MockFactory pin) pressed
    ``presses`` times, each once the last settled. Puts ``(number, [(kind, ticket, ms)])``
    on ``out``: every outcome with its press-to-commit time."""
    from gpiozero.pins.mock import MockFactory

    factory = MockFactory()
    outcomes: list[tuple[str, str, float]] = []
    settled = threading.Semaphore(0)

    def record(press: Press, outcome: Outcome) -> None:
        outcomes.append((outcome.kind, outcome.number, (outcome.committed_at - press.at) * 1000))
        settled.release()

    with Store(db, config.store.busy_timeout_ms) as store:
        station = Station(config, store, [number], on_outcome=record)
        buttons = CounterButtons(config, [number], station.presses, pin_factory=factory)
        stop = threading.Event()
        loop = threading.Thread(target=station.run, args=(stop,))
        loop.start()
        pin = factory.pin(config.counter(number).buttons[0].pin)
        start.wait()
        for _ in range(presses):
            pin.drive_low()
            pin.drive_high()
            if not settled.acquire(timeout=30):
                break
        stop.set()
        loop.join()
        buttons.close()
    out.put((number, outcomes))


def run_counters(
    db: Path,
    config: Config,
    presses: int,
    extra: list[tuple[Callable[..., None], tuple[Any, ...]]] | None = None,
) -> dict[int, list[tuple[str, str, float]]]:
    """Every counter of ``config`` as its own process pressing next ``presses`` times at
    once (plus ``extra`` processes, started with them: ``target(*args, start, out)``)."""
    ctx = multiprocessing.get_context("fork")
    jobs: list[tuple[Callable[..., None], tuple[Any, ...]]] = [
        (press_next_repeatedly, (str(db), config, c.number, presses)) for c in config.counters
    ]
    jobs += extra or []
    start, out = ctx.Barrier(len(jobs)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, start, out)) for target, args in jobs]
    for proc in procs:
        proc.start()
    results = dict(out.get(timeout=300) for _ in procs)
    for proc in procs:
        proc.join(timeout=30)
        if proc.exitcode != 0:
            raise RuntimeError(f"a counter process failed (exit {proc.exitcode})")
    return {number: got for number, got in results.items() if isinstance(number, int)}


def concurrent_calls(config: Config, work: Path, presses: int = 200) -> dict[str, Any]:
    """Ten counter processes pressing next ``presses`` times each against one database."""
    config = concurrent_config(config)
    db = work / "counters-bench.db"
    total = len(config.counters) * presses
    with Store(db, config.store.busy_timeout_ms) as store:
        for _ in range(total):
            ticketing.issue(store, config, config.services[0].id, now=time.time(), printed=True)
    started = time.perf_counter()
    results = run_counters(db, config, presses)
    seconds = time.perf_counter() - started
    latencies = [ms for got in results.values() for _, _, ms in got]
    called = [ticket for got in results.values() for kind, ticket, _ in got if kind == "called"]
    if len(called) != total or len(set(called)) != total:
        raise RuntimeError("concurrent counters did not call every ticket exactly once")
    # A stress figure: every counter pressing again the moment its last call committed,
    # hundreds of times the calls of a busy day; the single-key figures carry the goal.
    return {
        **timing(latencies),
        "processes": len(config.counters),
        "calls": total,
        "calls_per_second": round(total / seconds),
    }
