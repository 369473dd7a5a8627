"""What each daemon loads: the memory it holds at rest is mostly the code it imported.

Each daemon's modules are imported in a fresh interpreter, as ``kiosk run`` imports them,
and what must stay out is named: a library pulled in for nothing costs every Pi a few
megabytes per daemon (see README, "Performance": the site at rest).
"""

from __future__ import annotations

import hmac
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import randomness, tokens

# What a daemon's start imports (``kiosk run NAME`` through its CLI entry point).
DAEMON_MODULES = {
    "kiosk": [
        "kiosk.app.cli",
        "kiosk.app.cli._run",
        "kiosk.app.daemons.kiosk",
        "kiosk.app.cli._printer_cmds",
        "kiosk.desk",
        "kiosk.keys",
        "printer",
        "kiosk.keys._gpio_lib",
        "printer._escpos_lib",
    ],  # the last two at start, not import
    "counter": [
        "kiosk.app.cli",
        "kiosk.app.cli._run",
        "kiosk.app.daemons.counter",
        "kiosk.counter",
        "kiosk.keys",
        "kiosk.keys._gpio_lib",
    ],
    "scanner": ["kiosk.app.cli", "kiosk.app.cli._run", "kiosk.app.daemons.scanner", "scanner"],
    "sync": ["kiosk.app.cli", "kiosk.app.cli._run", "kiosk.app.daemons.sync", "sync"],
    "display": ["kiosk.app.cli", "kiosk.app.cli._run", "kiosk.app.daemons.display", "display"],
}
# Never in any daemon: a package's metadata reader (zipfile, email, csv), OpenSSL through
# hashlib where no TLS is spoken, asyncio (and ssl) for a select loop, setuptools.
# Nor the uuid and random modules for one random id per event.
# (python-escpos loads zipfile and random in the kiosk daemon, paho uuid in sync's.)
NOWHERE = {"pkg_resources", "asyncio", "urllib.request", "email", "importlib.metadata"}
NOT_IN = {
    "kiosk": NOWHERE | {"printer.virtual", "tty", "uuid", "statistics"},
    "counter": NOWHERE | {"hashlib", "ssl", "uuid", "random", "zipfile", "statistics"},
    "scanner": NOWHERE | {"hashlib", "ssl", "hmac", "uuid", "random", "zipfile"},
    "sync": NOWHERE | {"PIL", "pygame", "evdev", "http.client", "random", "zipfile"},
    "display": NOWHERE
    | {"PIL", "hashlib", "ssl", "evdev", "tempfile", "uuid", "random", "zipfile"},
}


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


def python_says(code: str, **env: str) -> str:
    """What ``code`` prints, run in a fresh interpreter (which must succeed) with ``env``
    added to the environment."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False, env={**os.environ, **env})  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


GPIOZERO_LEFT_OUT = ("importlib.metadata", "importlib_resources", "zipfile", "email",
                     "statistics")  # fmt: skip


def test_ok__gpio_devices_without_gpiozero_look_ups_which_still_work_after() -> None:
    code = (
        "import sys\n"
        "from kiosk.keys._gpio_lib import LED, DigitalInputDevice, factory, gpiozero\n"
        "button, led = DigitalInputDevice(5, pin_factory=factory()), LED(6)\n"
        "led.on()\n"
        "assert type(factory()).__name__ == 'MockFactory' and led.pin.state\n"
        f"assert not [m for m in {GPIOZERO_LEFT_OUT!r} if m in sys.modules], sys.modules\n"
        "from gpiozero import input_devices, mixins, devices, boards\n"
        "assert input_devices.median([5, 1, 3]) == 3 and input_devices.mean([1, 2]) == 1.5\n"
        "names = {ep.name for ep in devices.entry_points(group='gpiozero_pin_factories')}\n"
        "assert boards.resources.files('gpiozero.fonts').joinpath('7seg.txt').is_file()\n"
        "import statistics\n"
        "assert input_devices.median is not statistics.median  # the stand-in's function\n"
        "import json\n"
        "print(json.dumps(sorted(names)))\n"
    )
    names = json.loads(python_says(code, GPIOZERO_PIN_FACTORY="mock"))
    from kiosk.keys._gpio_lib import FACTORIES

    assert set(FACTORIES) <= set(names)  # gpiozero's own entry points, by the same names


def test_ok__gpio_factory_named_by_a_builtin_entry_point_is_the_one_gpiozero_would_load() -> None:
    from importlib.metadata import entry_points

    from kiosk.keys._gpio_lib import FACTORIES

    loaded = {ep.name: ep.value for ep in entry_points(group="gpiozero_pin_factories")}
    assert {name: loaded[name] for name in FACTORIES} == FACTORIES


def test_fail__gpio_factory_unknown_name_is_gpiozeros_own_error() -> None:
    code = (
        "from kiosk.keys._gpio_lib import default_factory\n"
        "try:\n"
        "    default_factory()\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    said = python_says(code, GPIOZERO_PIN_FACTORY="nosuch")
    assert said == "BadPinFactory Unable to find pin factory 'nosuch'"


def test_ok__paho_loads_without_urllib_request_which_still_loads_after() -> None:
    code = (
        "import sys, urllib\n"
        "from sync._paho import mqtt\n"
        "assert 'urllib.request' not in sys.modules and not hasattr(urllib, 'request')\n"
        "assert mqtt.socks is None and 'http.client' not in sys.modules\n"
        "import urllib.request\n"
        "from paho.mqtt.enums import CallbackAPIVersion\n"
        "client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)\n"
        "print(callable(urllib.request.getproxies), client._get_proxy())\n"
    )
    assert python_says(code) == "True None"


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


def test_ok__random_ids_are_version_4_uuids() -> None:
    ids = {randomness.uuid4() for _ in range(2000)}
    assert len(ids) == 2000
    for text in list(ids)[:200]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    fractions = [randomness.fraction() for _ in range(2000)]
    assert all(0 <= f < 1 for f in fractions) and len(set(fractions)) > 1000


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
        "from display._pg import pygame\n"
        "assert 'pkg_resources' not in sys.modules\n"
        "import pygame.pkgdata\n"
        "print(pygame.pkgdata.getResource('pygame_icon.bmp').read(2).decode())\n"
    )
    assert python_says(code) == "BM"


@given(st.binary(max_size=200), st.binary(max_size=300))
def test_ok__token_hmac_is_rfc_2104_hmac_sha256(key: bytes, message: bytes) -> None:
    assert tokens.hmac_sha256(key, message) == hmac.new(key, message, "sha256").digest()


def test_ok__token_hmac_known_answer() -> None:
    # RFC 4231, test case 2.
    digest = tokens.hmac_sha256(b"Jefe", b"what do ya want for nothing?")
    assert digest.hex() == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
