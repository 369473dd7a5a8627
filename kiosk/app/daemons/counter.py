"""``kiosk run counter [--counter N ...]``: the counters' keys and keypads, their LEDs, and
the station that turns a key press into a call (``kiosk.counter``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from kiosk.app.daemons._life import Life, Parts, pins_usable, serve, setup_logging, stop_on_signals
from kiosk.app.exits import CONFIG, USAGE, CommandError
from kiosk.config import Config
from kiosk.inputdev import Device, open_evdev

log = logging.getLogger("kiosk")


def counters_to_serve(config: Config, asked: Sequence[int] | None) -> list[int]:
    """The counters this daemon serves: those ``asked`` (``--counter``), or every counter
    with keys."""
    keyed = [c.number for c in config.counters if c.has_keys]
    chosen: list[int] = list(asked or keyed)
    for number in chosen:
        if number not in [c.number for c in config.counters]:
            raise CommandError(f"--counter {number}: no such counter in the config", USAGE)
        if number not in keyed:
            raise CommandError(
                f"counter {number} has no keys: add [[counters.buttons]] or "
                "[[counters.keypads]] to it",
                CONFIG,
            )
    if not chosen:
        raise CommandError(
            "no counter has keys: add [[counters.buttons]] or [[counters.keypads]]", CONFIG
        )
    return sorted(set(chosen))


def main(
    life: Life,
    asked: Sequence[int] | None = None,
    *,
    keypad_opener: Callable[[str], Device] | None = None,
) -> int:
    """The counters' keys, keypads and LEDs around the station. ``keypad_opener``: how a
    keypad's device path is opened (evdev's by default; the busy day's simulated keypads)."""
    from kiosk.config import ConfigError
    from kiosk.counter import Station
    from kiosk.keys.counters import CounterButtons, CounterLights, Keypads, keymap_problems

    setup_logging()
    config = life.config
    counters = counters_to_serve(config, asked)
    if problems := keymap_problems(config):
        raise ConfigError(problems)
    stop = stop_on_signals(life)
    with Parts() as parts:
        with pins_usable():
            lights = parts.add(CounterLights(config, counters))
            station = Station(config, life.store, counters, lights)
            parts.add(CounterButtons(config, counters, station.presses))
        opener = keypad_opener or open_evdev
        keypads = parts.add(Keypads(config, counters, station.presses, opener=opener))
        station.refresh()
        keypads.start()
        for number in counters:
            counter = config.counter(number)
            keys = [f"{len(counter.buttons)} GPIO key(s)"] if counter.buttons else []
            keys += [f"keypad {k.device} ({k.keymap})" for k in counter.keypads]
            staff = f", staff {counter.staff_id}" if counter.staff_id else ""
            log.info("counter %d ready: %s%s", number, "; ".join(keys), staff)
        serve(life, station.run, stop, f"counter daemon ready: counters {counters}")
    log.info("counter daemon stopped")
    return 0
