"""What each daemon loads: the memory it holds at rest is mostly the code it imported.

Each daemon's modules are imported in a fresh interpreter, as ``kiosk run`` imports them,
and what must stay out is named: a library pulled in for nothing costs every Pi a few
megabytes per daemon (see README, "Performance": the site at rest).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app.bench.site import UNIT_MEMORY
from kiosk.held_back import HELD_BACK

# What a daemon's start imports (``kiosk run NAME`` through its CLI entry point).
DAEMON_MODULES = {
    "kiosk": [
        "kiosk.app.cli",
        "kiosk.app.cli._run",
        "kiosk.app.daemons.kiosk",
        "kiosk.app.cli._printer_cmds",
        "kiosk.desk",
        "kiosk.keys.kiosk",
        "printer",
        "kiosk.keys.gpio_lib",
        "printer._escpos_lib",
    ],  # the last two at start, not import
    "counter": ["kiosk.app.cli", "kiosk.app.cli._run", "kiosk.app.daemons.counter",
                "kiosk.counter", "kiosk.keys.counters", "kiosk.keys.gpio_lib",
                "kiosk.evdev_lib"],  # the last two at start (GPIO keys, a keypad)
    "scanner": ["kiosk.app.cli", "kiosk.app.cli._run", "kiosk.app.daemons.scanner", "scanner"],
    "sync": ["kiosk.app.cli", "kiosk.app.cli._run", "kiosk.app.daemons.sync", "sync"],
    "display": ["kiosk.app.cli", "kiosk.app.cli._run", "kiosk.app.daemons.display", "display"],
}  # fmt: skip
# Never in any daemon: setuptools, a package's metadata reader where no library needs it
# (zipfile, email, csv), OpenSSL where neither TLS nor a ticket token is used.
# (gpiozero loads importlib.metadata and statistics in the kiosk and counter daemons, paho
# urllib.request with http.client and email in sync's, the ticket tokens hmac and hashlib.)
# What a library is loaded without is kiosk.held_back's table, checked below for each
# daemon that loads the library.
NOWHERE = {"pkg_resources", "setuptools"}
EXAMPLE = Path(__file__).parents[2] / "config.toml"
NOT_IN = {
    "kiosk": NOWHERE | {"printer.virtual", "tty", "ssl"},
    "counter": NOWHERE | {"hashlib", "ssl"},
    "scanner": NOWHERE | {"ssl", "zipfile", "importlib.metadata", "email", "urllib.request"},
    "sync": NOWHERE | {"PIL", "pygame", "evdev", "zipfile", "importlib.metadata"},
    "display": NOWHERE
    | {"PIL", "ssl", "evdev", "tempfile", "zipfile", "importlib.metadata", "email",
       "urllib.request"},
}  # fmt: skip


def loaded(modules: list[str], **env: str) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    return set(json.loads(python_says(code, **env)))


@pytest.mark.parametrize("daemon", sorted(DAEMON_MODULES))
def test_ok__a_daemon_loads_only_what_it_uses(daemon: str, tmp_path: Path) -> None:
    # As under the units: python-escpos's printer database kept from an earlier start.
    cache = {"ESCPOS_CAPABILITIES_PICKLE_DIR": str(tmp_path)}
    python_says("import escpos.capabilities", **cache)
    modules = loaded(DAEMON_MODULES[daemon], **cache)
    assert modules >= set(DAEMON_MODULES[daemon])  # the check itself sees imports
    assert not NOT_IN[daemon] & modules
    held = {name for held in HELD_BACK.values() if held.library in modules
            for name in held.modules}  # fmt: skip
    assert not held & modules


def test_ok__every_library_held_back_is_loaded_by_a_daemon_through_its_loader(
    tmp_path: Path,
) -> None:
    cache = {"ESCPOS_CAPABILITIES_PICKLE_DIR": str(tmp_path)}
    everywhere = set().union(*(loaded(modules, **cache) for modules in DAEMON_MODULES.values()))
    for held in HELD_BACK.values():
        assert {held.library, held.loader} <= everywhere
        assert held.test in globals()


@pytest.mark.parametrize("library", sorted(HELD_BACK))
def test_ok__a_library_loaded_as_it_is_loads_what_is_held_back(library: str) -> None:
    """Each row of the table still saves something: the library, imported without
    kiosk.held_back, loads the modules it holds back (a new release that no longer does
    makes the row needless)."""
    held = HELD_BACK[library].modules
    code = f"import sys, {library}\nprint(sorted(set({held!r}) - set(sys.modules)))"
    assert python_says(code, PYGAME_HIDE_SUPPORT_PROMPT="1") == "[]"


def python_says(code: str, **env: str) -> str:
    """What ``code`` prints, run in a fresh interpreter (which must succeed) with ``env``
    added to the environment."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, **env})  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_ok__gpio_devices_on_the_pin_factory_gpiozero_makes() -> None:
    code = (
        "from gpiozero import Device\n"
        "from kiosk.keys.gpio_lib import LED, DigitalInputDevice, factory\n"
        "button, led = DigitalInputDevice(5, pin_factory=factory()), LED(6)\n"
        "led.on()\n"
        "assert factory() is Device.pin_factory is led.pin_factory and led.pin.state\n"
        "print(type(factory()).__name__)\n"
    )
    assert python_says(code, GPIOZERO_PIN_FACTORY="mock") == "MockFactory"


def test_fail__gpio_factory_unknown_name_is_gpiozeros_own_error() -> None:
    code = (
        "from kiosk.keys.gpio_lib import default_factory\n"
        "try:\n"
        "    default_factory()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    said = python_says(code, GPIOZERO_PIN_FACTORY="nosuch")
    assert said == "BadPinFactory Unable to find pin factory 'nosuch'"


def test_ok__escpos_keeps_its_printer_database_where_the_units_say(tmp_path: Path) -> None:
    code = (
        "from escpos import capabilities\n"
        "from printer._escpos_lib import Dummy\n"
        "Dummy()\n"
        "print(len(capabilities.CAPABILITIES['profiles']))\n"
    )
    cache = str(tmp_path)
    count = python_says(code, ESCPOS_CAPABILITIES_PICKLE_DIR=cache)
    # The first start parses the database and keeps it; later ones read what it kept.
    assert list(tmp_path.glob("*.capabilities.pickle"))
    assert python_says(code, ESCPOS_CAPABILITIES_PICKLE_DIR=cache) == count
    assert int(count) > 10


def test_ok__evdev_loads_without_asyncio_and_asyncio_still_loads_after() -> None:
    code = (
        "import sys\n"
        "from kiosk.evdev_lib import InputDevice, ecodes\n"
        "assert 'asyncio' not in sys.modules and 'ssl' not in sys.modules\n"
        "assert ecodes.ecodes['KEY_KP1'] == 79 and InputDevice.__module__ == 'evdev.device'\n"
        "import asyncio\n"
        "print(asyncio.run(asyncio.sleep(0, 'ok')))\n"
    )
    assert python_says(code) == "ok"


def test_ok__pygame_loads_without_pkg_resources_and_keeps_its_own_files() -> None:
    code = (
        "import sys\n"
        "from display.pygame_lib import pygame\n"
        "assert 'pkg_resources' not in sys.modules\n"
        "import pygame.pkgdata\n"
        "print(pygame.pkgdata.getResource('pygame_icon.bmp').read(2).decode())\n"
    )
    assert python_says(code) == "BM"


def test_ok__with_the_units_zone_path_the_build_configuration_stays_unread() -> None:
    """The units' PYTHONTZPATH: the site's time zone is found, and Python's build
    configuration (``_sysconfigdata_*``, about 0.5 MB) is never read; without it, it is."""
    code = (
        "import sys, zoneinfo\n"
        "from kiosk.config import load_config\n"
        f"zone = zoneinfo.ZoneInfo(load_config({str(EXAMPLE)!r}).site.timezone)\n"
        "print(zone.key, any(name.startswith('_sysconfigdata') for name in sys.modules))\n"
    )
    with_path = python_says(code, PYTHONTZPATH=UNIT_MEMORY["PYTHONTZPATH"])
    assert with_path == "Asia/Ho_Chi_Minh False"
    without = {key: value for key, value in os.environ.items() if key != "PYTHONTZPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=without,
    )
    assert done.stdout.split() == ["Asia/Ho_Chi_Minh", "True"]
