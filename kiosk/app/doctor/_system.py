"""The controller itself: its configuration, its database, its clock and its GPIO."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kiosk.app.doctor import FAIL, OK, SKIP, WARN, Check
from kiosk.app.doctor._gpio_fix import Machine, pin_factory_fix, this_machine
from kiosk.config import Config, ConfigError

SYNCED_MARKER = Path("/run/systemd/timesync/synchronized")
# A clock before this cannot be right: a Pi without a battery clock boots in the past.
EARLIEST = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def config_check(load: Callable[[], Config], where: str) -> tuple[list[Check], Config | None]:
    try:
        config = load()
    except ConfigError as exc:
        checks = [
            Check("config", FAIL, problem, "edit the file; kiosk config check lists all")
            for problem in exc.problems
        ]
        return checks, None
    services, counters = len(config.services), len(config.counters)
    detail = f"{where}: valid ({services} services, {counters} counters)"
    return [Check("config", OK, detail)], config


def database(path: str) -> Iterator[Check]:
    target = Path(path)
    if not target.exists():
        folder = target.parent
        if folder.is_dir() and os.access(folder, os.W_OK):
            yield Check("database", OK, f"{path}: not created yet; the first daemon creates it")
        else:
            yield Check(
                "database",
                FAIL,
                f"{path}: cannot be created in {folder}",
                f"create {folder} writable by the kiosk user (the installer does), "
                "or set store.path / --db",
            )
        return
    try:
        conn = sqlite3.connect(f"file:{target}?mode=rw", uri=True, timeout=2)
    except sqlite3.Error as exc:
        yield Check(
            "database",
            FAIL,
            f"{path}: cannot open for writing: {exc}",
            "give the kiosk user write access: chown kiosk: the file and its folder",
        )
        return
    try:
        result = _database_state(conn)
    except sqlite3.DatabaseError as exc:
        yield Check(
            "database",
            FAIL,
            f"{path}: {exc}",
            "stop the daemons, move the file aside and restore the latest backup "
            "(kiosk.db.before-upgrade or your own copy)",
        )
        return
    finally:
        conn.close()
    quick, mode, version, locked = result
    if quick != "ok":
        yield Check(
            "database",
            FAIL,
            f"{path}: damaged ({quick})",
            "stop the daemons and restore the latest backup of the database",
        )
        return
    free = shutil.disk_usage(target.parent).free / 1e6
    detail = f"{path}: healthy, schema {version}, {mode}, {free:,.0f} MB free"
    if locked:
        yield Check(
            "database",
            WARN,
            f"{detail}; busy (another process holds the write lock)",
            "if it stays busy, restart the daemons: systemctl restart kiosk.target",
        )
    elif free < 200:
        yield Check(
            "database", WARN, detail, "free space on the SD card (journalctl --vacuum-size=50M)"
        )
    else:
        yield Check("database", OK, detail)


def _database_state(conn: sqlite3.Connection) -> tuple[str, str, int, bool]:
    quick = str(conn.execute("PRAGMA quick_check").fetchone()[0])
    mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    try:
        conn.execute("BEGIN IMMEDIATE")  # writable, and not held by a stuck writer
        conn.execute("ROLLBACK")
        locked = False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        locked = True
    return quick, mode, version, locked


def clock(
    now: dt.datetime | None = None,
    marker: Path = SYNCED_MARKER,
    timedatectl: str | None = "timedatectl",
) -> Iterator[Check]:
    """The clock: not in the past (no battery clock), and kept right by NTP."""
    now = now or dt.datetime.now(dt.UTC)
    if now < EARLIEST:
        yield Check(
            "clock",
            FAIL,
            f"the clock says {now:%Y-%m-%d %H:%M} UTC",
            "connect the network so NTP sets it (tickets, days and TLS need the "
            "right time), or set it: sudo date -s 'YYYY-MM-DD HH:MM'",
        )
        return
    synced = _synchronised(marker, timedatectl)
    if synced is None:
        yield Check(
            "clock",
            WARN,
            f"{now:%Y-%m-%d %H:%M} UTC; cannot tell whether NTP keeps it",
            "enable time sync: sudo timedatectl set-ntp true",
        )
    elif not synced:
        yield Check(
            "clock",
            WARN,
            f"{now:%Y-%m-%d %H:%M} UTC, not synchronised with NTP",
            "sudo timedatectl set-ntp true; check the NTP server is reachable "
            "(/etc/systemd/timesyncd.conf)",
        )
    else:
        yield Check("clock", OK, f"{now:%Y-%m-%d %H:%M} UTC, synchronised with NTP")


def _synchronised(marker: Path, timedatectl: str | None) -> bool | None:
    if marker.exists():
        return True
    if timedatectl and shutil.which(timedatectl):
        try:
            done = subprocess.run(
                [timedatectl, "show", "-p", "NTPSynchronized", "--value"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        answer = done.stdout.strip()
        if done.returncode == 0 and answer in ("yes", "no"):
            return answer == "yes"
    return None


def gpio(
    config: Config,
    running: set[str],
    taken: dict[int, str] | None = None,
    machine: Machine | None = None,
) -> Iterator[Check]:
    """The pin factory, then each configured pin (claimed and released at once). Pins of
    a daemon that is running are its own: not claimed again. Pins an interface holds
    (``taken``: UART, I2C, SPI... from :mod:`kiosk.app.doctor._pinmux`) are never claimed:
    that alone would switch them away from the interface."""
    from kiosk.app.doctor._pinmux import taken_pins
    from kiosk.config import pins_in_use

    pins = pins_in_use(config)
    if not pins:
        yield Check("gpio", SKIP, "no GPIO pins configured")
        return
    taken = taken_pins() if taken is None else taken
    usable = []
    for pin, where, daemon in pins:
        if (holder := taken.get(_bcm(pin))) is None:
            usable.append((pin, where, daemon))
            continue
        yield Check(
            "gpio",
            FAIL,
            f"{pin} ({where}) belongs to an interface: {holder}",
            "wire the button to a free pin and set it in the config, or turn that "
            "interface off in the boot configuration and reboot",
        )
    pins = usable
    # lgpio leaves its notify pipe in its working folder: a folder of its own, as the units
    # give the daemons, so the doctor works from anywhere and leaves nothing behind.
    os.environ.setdefault("LG_WD", tempfile.mkdtemp(prefix="kiosk-doctor-lgpio-"))
    try:
        from kiosk.keys.gpio_lib import Device, default_factory

        ours = Device.pin_factory is None
        with warnings.catch_warnings():  # the factories it tried: the outcome says enough
            warnings.simplefilter("ignore")
            factory: Any = Device.pin_factory or default_factory()
        Device.pin_factory = factory
    except Exception as exc:
        yield Check(
            "gpio",
            FAIL,
            f"no usable pin factory: {type(exc).__name__}: {exc}",
            pin_factory_fix(this_machine() if machine is None else machine),
        )
        return
    name = type(factory).__name__.removesuffix("Factory")
    chip = getattr(factory, "_chip", None)
    yield Check(
        "gpio", OK, f"pin factory {name}" + (f" (gpiochip {chip})" if chip is not None else "")
    )
    free, held = [], []
    for pin, where, daemon in pins:
        if daemon in running:
            held.append(f"{pin} ({daemon})")
            continue
        try:
            factory.reserve_pins(_Probe, pin)
            device = factory.pin(pin)
            device.close()
        except Exception as exc:
            yield Check(
                "gpio",
                FAIL,
                f"{pin} ({where}): cannot be claimed: {type(exc).__name__}: {exc}",
                "another program or overlay uses it (gpioinfo shows which); free it "
                "or choose another pin in the config",
            )
            continue
        finally:
            factory.release_pins(_Probe, pin)
        free.append(pin)
    if ours:  # let go of every line at once, not when the doctor exits
        factory.close()
        Device.pin_factory = None
    if free:
        yield Check("gpio", OK, f"{len(free)} configured pins free: {', '.join(free)}")
    if held:
        yield Check("gpio", OK, f"held by the running daemons: {', '.join(held)}")


def _bcm(pin: str) -> int:
    """The Broadcom number of a configured pin ("GPIO17", "BOARD11", "J8:11")."""
    from kiosk.config import same_pin

    return int(same_pin(pin).removeprefix("GPIO"))


class _Probe:
    """Stands for the doctor when it reserves a pin in gpiozero's books."""
