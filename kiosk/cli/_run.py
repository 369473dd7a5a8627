"""``kiosk run DAEMON``: the long-running processes systemd starts."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from kiosk.cli._context import Context
from kiosk.cli._exit import CONFIG, UNAVAILABLE, USAGE, CommandError
from kiosk.pins import unavailable

log = logging.getLogger("kiosk")


def setup_logging() -> None:
    # journald adds the time and unit; keep lines short and greppable.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kiosk").setLevel(logging.INFO)


def stop_on_signals(ctx: Context | None = None) -> threading.Event:
    """An event set on SIGTERM or SIGINT; with ``ctx``, also when central's configuration
    changes in the database (the daemon then starts again on it: see :func:`cmd_run`)."""
    stop = threading.Event()
    if ctx is not None:
        threading.Thread(target=_watch_central, args=(ctx, stop), name="config watch",
                         daemon=True).start()  # fmt: skip

    def handler(signum: int, _frame: Any) -> None:
        log.info("stopping on %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


WATCH_SECONDS = 2.0
CENTRAL_SOURCE = re.compile(r"central v(\d+)\b")


def _version(db_path: str) -> int:
    from kiosk.config import stored_central

    stored = stored_central(db_path)
    return 0 if stored is None else stored[0]


def _watch_central(ctx: Context, stop: threading.Event, every: float = WATCH_SECONDS) -> None:
    """Set ``ctx.restart`` and ``stop`` when the central configuration stored in the
    database is another version than the daemon's. A database that cannot be read for a
    while (locked, damaged) changes nothing: said once, and the daemon goes on."""
    import sqlite3

    from kiosk.store import StoreError

    try:
        # The version the daemon was built on, or saw and left out (one arriving since is
        # then seen as new).
        loaded = next((int(found[1]) for source in ctx.config.sources
                       if (found := CENTRAL_SOURCE.match(source))), 0)  # fmt: skip
        unread = False
        while not stop.wait(every):
            try:
                version = _version(ctx.db_path)
            except (sqlite3.Error, StoreError) as exc:
                if not unread:
                    log.warning("central configuration not read (v%d kept): %s", loaded, exc)
                unread = True
                continue
            if unread:
                log.info("central configuration read again")
                unread = False
            if version != loaded:
                log.info("central configuration v%d arrived: starting again to apply it", version)
                ctx.restart = True
                stop.set()
                return
    except Exception:  # the watch must never take the daemon down
        log.exception("configuration watch stopped")


def serve(
    ctx: Context,
    loop: Callable[..., None],
    stop: threading.Event,
    ready: str,
    *,
    longest_wait: float = 0.0,
) -> None:
    """Tell systemd the daemon is up (its database and hardware are: never waiting for the
    network), run its main loop with a watchdog ping on every pass, and say when it stops.
    ``longest_wait``: the most the loop may go between pings (it waits on a device); the
    watchdog is made to outlast it. Outside systemd the notifications go nowhere."""
    from kiosk.sdnotify import Notifier

    notify = Notifier()
    log.info("%s", ready)
    interval = notify.interval
    if notify.outlast(longest_wait) > interval:
        log.info("watchdog raised from %g s to %g s: the loop may wait %g s on a device",
                 interval, notify.interval, longest_wait)  # fmt: skip
    notify.ready(ready)
    try:
        loop(stop, notify.watchdog)
    finally:
        if ctx.restart:  # the same process goes on (exec) with the new configuration
            notify.status("starting again on the new central configuration")
            notify.ping()  # the new program's first ping comes after its start-up
        else:
            notify.stopping()
        notify.close()


def cmd_run(ctx: Context) -> int:
    code = _run(ctx)
    if ctx.restart and code == 0:
        argv = [sys.executable, "-m", "kiosk", *ctx.argv]
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv)
    return code


def _run(ctx: Context) -> int:
    daemon = ctx.args.daemon
    if ctx.args.counters and daemon != "counter":
        raise CommandError("--counter is for 'kiosk run counter'", USAGE)
    if ctx.args.role and daemon != "display":
        raise CommandError("--role is for 'kiosk run display'", USAGE)
    if daemon == "counter":
        return run_counter(ctx)
    if daemon == "display":
        return run_display(ctx)
    if daemon == "scanner":
        return run_scanner(ctx)
    if daemon == "sync":
        return run_sync(ctx)
    return run_kiosk(ctx)


def run_sync(ctx: Context) -> int:
    from kiosk.config import load_raw
    from sync import BrokerSetupError, SyncDaemon

    setup_logging()
    logging.getLogger("sync").setLevel(logging.INFO)
    config = ctx.config
    if not config.sync.enabled:
        raise CommandError("sync is off (sync.enabled = false)", CONFIG)
    raw, sources = load_raw(ctx.args.config)
    try:
        daemon = SyncDaemon(config, ctx.db_path, raw, sources)
    except BrokerSetupError as exc:
        raise CommandError(f"sync: {exc}", CONFIG) from None
    stop = stop_on_signals()
    daemon.start()
    ready = (f"sync ready: device {config.site.device} of site {config.site.id}; "
             f"broker {config.sync.host}:{config.sync.port}")  # fmt: skip
    try:
        serve(ctx, daemon.run, stop, ready)
    finally:
        daemon.close()
    log.info("sync stopped")
    return 0


# Each role's screen loops, and what the log and systemd are told of them.
SCREENS = {
    "wall": ("wall display ready", "wall display stopped"),
    "lookup": ("look-up screen ready", "look-up screen stopped"),
    "both": ("wall display and look-up screen ready", "screens stopped"),
}


def run_display(ctx: Context) -> int:
    """The wall display, the look-up screen, or both from one process (with KMSDRM only
    one process at a time can drive a Pi's screens: the look-up screen is then an SDL
    window of its own on its display)."""
    from display import LookupDaemon, WallDaemon, WindowScreen, fonts_for, lookup_screen, run_loops
    from kiosk.fonts import FontError

    role = ctx.args.role
    if role is None:
        raise CommandError("which screen? kiosk run display --role wall|lookup|both", USAGE)
    setup_logging()
    config = ctx.config
    try:
        faces = fonts_for(config)
    except FontError as exc:
        raise CommandError(f"config: {exc}", CONFIG) from None
    loops: list[Any] = []
    if role in ("wall", "both"):
        loops.append(WallDaemon(config, ctx.db_path, faces))
    if role in ("lookup", "both"):
        window = (WindowScreen(lookup_screen(config), section="lookup", caption="look-up screen")
                  if role == "both" else None)  # fmt: skip
        loops.append(LookupDaemon(config, ctx.db_path, faces, screen=window))
    try:
        for loop in loops:  # store.path naming another program's file: one line, exit 78
            loop.open_store()
    except BaseException:
        for loop in loops:
            with contextlib.suppress(Exception):
                loop.close()
        raise
    stop = stop_on_signals(ctx)
    if role in ("wall", "both"):
        log.info("wall display starting on screen %d: fonts %s, %s; voice %s",
                 config.display.index, faces.regular, faces.bold,
                 config.voice.pack if config.voice.enabled else "off")  # fmt: skip
    if role in ("lookup", "both"):
        shows = ", ".join(config.lookup.scanners) or "every scanner"
        log.info("look-up screen starting on screen %d: scans of %s; fonts %s",
                 config.lookup.index, shows, faces.regular)  # fmt: skip
    for loop in loops:
        loop.step()
    ready, stopped = SCREENS[role]
    serve(ctx, lambda halt, tick: run_loops(loops, halt, tick), stop, ready)
    log.info("%s", stopped)
    return 0


def run_kiosk(ctx: Context) -> int:
    from kiosk.cli._printer_cmds import open_printer
    from kiosk.desk import Buttons, Desk, Feedback
    from kiosk.store import StoreError

    setup_logging()
    config = ctx.config
    printer = open_printer(config.printer)
    stop = stop_on_signals(ctx)
    buttons = feedback = None
    try:
        try:
            feedback = Feedback(config.kiosk)
            desk = Desk(config, ctx.store, printer, feedback)
            buttons = Buttons(config.kiosk, desk.presses)
        except (CommandError, StoreError):
            raise
        except Exception as exc:  # gpiozero: no pin factory, pin busy, no permission
            raise CommandError(unavailable(exc), UNAVAILABLE) from None
        voided = desk.recover()
        if voided:
            log.warning("voided unprinted tickets from the last run: %s", ", ".join(voided))
        if not desk.has_room() and desk.reserve is not None:
            log.warning("no tickets for now: %s", desk.reserve.problem)
        status = desk.check_printer()
        services = ", ".join(b.service for b in config.kiosk.buttons) or "none configured"
        serve(ctx, desk.run, stop, f"kiosk ready: printer {status.state}; buttons for {services}",
              longest_wait=desk.longest_wait)  # fmt: skip
        log.info("kiosk stopped")
        return 0
    finally:
        for part in (buttons, feedback, printer):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()


def counters_to_serve(ctx: Context) -> list[int]:
    config = ctx.config
    keyed = [c.number for c in config.counters if c.has_keys]
    chosen: list[int] = ctx.args.counters or keyed
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


def run_counter(ctx: Context) -> int:
    from kiosk.config import ConfigError
    from kiosk.counter import CounterButtons, CounterLights, Keypads, Station, keymap_problems
    from kiosk.store import StoreError

    setup_logging()
    config = ctx.config
    counters = counters_to_serve(ctx)
    if problems := keymap_problems(config):
        raise ConfigError(problems)
    stop = stop_on_signals(ctx)
    parts: list[Any] = []
    try:
        try:
            lights = CounterLights(config, counters)
            parts.append(lights)
            station = Station(config, ctx.store, counters, lights)
            parts.append(CounterButtons(config, counters, station.presses))
        except (CommandError, StoreError):
            raise
        except Exception as exc:  # gpiozero: no pin factory, pin busy, no permission
            raise CommandError(unavailable(exc), UNAVAILABLE) from None
        keypads = Keypads(config, counters, station.presses)
        parts.append(keypads)
        station.refresh()
        keypads.start()
        for number in counters:
            counter = config.counter(number)
            keys = [f"{len(counter.buttons)} GPIO key(s)"] if counter.buttons else []
            keys += [f"keypad {k.device} ({k.keymap})" for k in counter.keypads]
            staff = f", staff {counter.staff_id}" if counter.staff_id else ""
            log.info("counter %d ready: %s%s", number, "; ".join(keys), staff)
        serve(ctx, station.run, stop, f"counter daemon ready: counters {counters}")
        log.info("counter daemon stopped")
        return 0
    finally:
        for part in reversed(parts):
            with contextlib.suppress(Exception):
                part.close()


def run_scanner(ctx: Context) -> int:
    from scanner import ScannerDaemon

    setup_logging()
    config = ctx.config
    if not config.scanner.devices:
        raise CommandError(
            "no scanner configured: add [[scanner.devices]] with its device path", CONFIG
        )
    stop = stop_on_signals(ctx)
    daemon = ScannerDaemon(config, ctx.store).start()
    for device in config.scanner.devices:
        kind = "USB (keyboard mode)" if device.is_hid else f"serial {device.baudrate} baud"
        log.info("scanner %s: %s, %s", device.id, device.device, kind)
    serve(ctx, daemon.run, stop, "scanner daemon ready")
    log.info("scanner daemon stopped")
    return 0
