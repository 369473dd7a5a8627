"""What every daemon shares: logging, stopping on a signal or on central's new
configuration, and telling systemd it is ready and alive."""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import signal
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.store import Store

log = logging.getLogger("kiosk")
T = TypeVar("T")


class Life:
    """A daemon's run: its configuration and database, and what it tells whoever started
    it when it stops (``restart``: central's configuration changed, start again on it)."""

    def __init__(self, config: Config, db_path: str, config_path: str) -> None:
        self.config = config
        self.db_path = db_path
        self.config_path = config_path  # the files, for what central's overlay leaves out
        self.restart = False

    @functools.cached_property
    def store(self) -> Store:
        """The site database, opened (and made, and migrated) on first use."""
        from kiosk.store import Store

        return Store(self.db_path, self.config.store.busy_timeout_ms)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()


class Parts:
    """What a daemon opened (a printer, pins, keypads), closed in the reverse order when it
    stops; a part that fails to close is passed over: the process is ending."""

    def __init__(self) -> None:
        self._parts: list[Any] = []

    def add(self, part: T) -> T:
        self._parts.append(part)
        return part

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *exc: object) -> None:
        for part in reversed(self._parts):
            with contextlib.suppress(Exception):
                part.close()


@contextlib.contextmanager
def pins_usable() -> Iterator[None]:
    """GPIO that cannot be used (gpiozero: no pin factory, pin busy, no permission) is one
    line and exit 69; the store's and the command's own errors pass as they are."""
    from kiosk.app.exits import UNAVAILABLE, CommandError
    from kiosk.keys import unavailable
    from kiosk.store import StoreError

    try:
        yield
    except (CommandError, StoreError):
        raise
    except Exception as exc:
        raise CommandError(unavailable(exc), UNAVAILABLE) from None


def setup_logging() -> None:
    # journald adds the time and unit; keep lines short and greppable.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kiosk").setLevel(logging.INFO)


def stop_on_signals(life: Life | None = None) -> threading.Event:
    """An event set on SIGTERM or SIGINT; with ``life``, also when central's configuration
    changes in the database (``life.restart``: the daemon then starts again on it)."""
    stop = threading.Event()
    if life is not None:
        threading.Thread(
            target=_watch_central, args=(life, stop), name="config watch", daemon=True
        ).start()

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


def _watch_central(life: Life, stop: threading.Event, every: float = WATCH_SECONDS) -> None:
    """Set ``life.restart`` and ``stop`` when the central configuration stored in the
    database is another version than the daemon's. A database that cannot be read for a
    while (locked, damaged) changes nothing: said once, and the daemon goes on."""
    import sqlite3

    from kiosk.store import StoreError

    try:
        # The version the daemon was built on, or saw and left out (one arriving since is
        # then seen as new).
        loaded = next(
            (
                int(found[1])
                for source in life.config.sources
                if (found := CENTRAL_SOURCE.match(source))
            ),
            0,
        )
        unread = False
        while not stop.wait(every):
            try:
                version = _version(life.db_path)
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
                life.restart = True
                stop.set()
                return
    except Exception:  # the watch must never take the daemon down
        log.exception("configuration watch stopped")


def serve(
    life: Life,
    loop: Callable[..., None],
    stop: threading.Event,
    ready: str,
    *,
    longest_wait: float = 0.0,
) -> None:
    """Tell systemd the daemon is up (its database and hardware are: never waiting for the
    network), run its main loop with a watchdog ping on every pass (and the heap freed
    after start-up handed back, :mod:`kiosk.app.daemons._heap`), and say when it stops.
    ``longest_wait``: the most the loop may go between pings (it waits on a device); the
    watchdog is made to outlast it. Outside systemd the notifications go nowhere."""
    from kiosk.app.daemons._heap import HeapTrim
    from kiosk.sdnotify import Notifier

    notify = Notifier()
    log.info("%s", ready)
    interval = notify.interval
    if notify.outlast(longest_wait) > interval:
        log.info(
            "watchdog raised from %g s to %g s: the loop may wait %g s on a device",
            interval,
            notify.interval,
            longest_wait,
        )
    notify.ready(ready)
    trim = HeapTrim()

    def tick() -> None:
        notify.watchdog()
        trim()

    try:
        loop(stop, tick)
    finally:
        if life.restart:  # the same process goes on (exec) with the new configuration
            notify.status("starting again on the new central configuration")
            notify.ping()  # the new program's first ping comes after its start-up
        else:
            notify.stopping()
        notify.close()
