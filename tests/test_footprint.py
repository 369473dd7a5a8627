"""What each daemon loads: the memory it holds at rest is mostly the code it imported.

Each daemon's modules are imported in a fresh interpreter, as ``kiosk run`` imports them,
and what must stay out is named: a library pulled in for nothing costs every Pi a few
megabytes per daemon (see README, "Performance": the site at rest).
"""

from __future__ import annotations

import hmac
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import tokens

# What a daemon's start imports (``kiosk run NAME`` through its CLI entry point).
DAEMON_MODULES = {
    "kiosk": ["kiosk.cli", "kiosk.cli._run", "kiosk.cli._printer_cmds", "kiosk.desk", "printer"],
    "counter": ["kiosk.cli", "kiosk.cli._run", "kiosk.counter"],
    "scanner": ["kiosk.cli", "kiosk.cli._run", "scanner"],
    "sync": ["kiosk.cli", "kiosk.cli._run", "sync"],
    "display": ["kiosk.cli", "kiosk.cli._run", "display"],
}
# Never in any daemon: a package's metadata reader (zipfile, email, csv), OpenSSL through
# hashlib where no TLS is spoken, asyncio (and ssl) for a select loop, setuptools.
NOWHERE = {"pkg_resources", "asyncio"}
NOT_IN = {
    "kiosk": NOWHERE | {"printer.virtual", "tty"},
    "counter": NOWHERE | {"hashlib", "ssl"},
    "scanner": NOWHERE | {"hashlib", "ssl", "importlib.metadata", "hmac"},
    "sync": NOWHERE | {"PIL", "pygame", "evdev"},
    "display": NOWHERE | {"PIL", "hashlib", "ssl", "importlib.metadata", "evdev", "tempfile"},
}


def loaded(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    return set(json.loads(python_says(code)))


@pytest.mark.parametrize("daemon", sorted(DAEMON_MODULES))
def test_ok__a_daemon_loads_only_what_it_uses(daemon: str) -> None:
    modules = loaded(DAEMON_MODULES[daemon])
    assert modules >= set(DAEMON_MODULES[daemon])  # the check itself sees imports
    assert not NOT_IN[daemon] & modules


def python_says(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter (which must succeed)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


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
