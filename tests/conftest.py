"""Shared fixtures: the example config, real SQLite files, and a local clock helper."""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
import time
import tomllib
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.config import Config, parse_config
from kiosk.store import Store

# Screens and sound through SDL's own stand-ins: no monitor or sound card here.
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.toml"
# The example centre's procedure catalogue (100 procedures, the portal's field names).
CATALOGUE = ROOT / "kiosk" / "app" / "demo" / "catalogue.jsonl"
TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.date(2026, 11, 23)  # an ordinary working day for the example config


def at(hour: int, minute: int = 0, second: float = 0, day: dt.date = MONDAY) -> float:
    """Epoch seconds of a local (Vietnam) time on ``day``."""
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)
    return moment.timestamp() + second


def example_raw() -> dict[str, Any]:
    with EXAMPLE.open("rb") as handle:
        return tomllib.load(handle)


def make_config(raw: dict[str, Any] | None = None, **sections: Any) -> Config:
    """The example config, with whole top-level sections or keys of sections replaced.

    ``make_config(queue={"aging_minutes": 5})`` merges into ``[queue]``;
    ``make_config(services=[...])`` replaces the list.
    """
    data = copy.deepcopy(raw if raw is not None else example_raw())
    if "services" in sections and "kiosk" not in sections:
        # The example's buttons name the example's services; keep those that still exist.
        ids = {service["id"] for service in sections["services"]}
        kiosk = data.get("kiosk", {})
        kiosk["buttons"] = [b for b in kiosk.get("buttons", []) if b["service"] in ids]
        # Likewise the example key maps' transfer keys.
        for name, keys in data.get("keymaps", {}).items():
            data["keymaps"][name] = {
                key: action for key, action in keys.items()
                if not action.startswith("transfer:") or action.split(":", 1)[1] in ids
            }  # fmt: skip
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_config(data)


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "kiosk.db") as opened:
        yield opened


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    """Poll ``condition`` (another thread's work) until it holds, or fail the test."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.005)


# [hours] open round the clock every day (the example's public holidays stay closed).
OPEN_ALL_DAY = {
    "open": "00:00",
    "close": "24:00",
    "lunch_start": "",
    "lunch_end": "",
    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "last_ticket_minutes": 0,
}


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    """gpiozero's simulated pins."""
    factory = MockFactory()
    yield factory
    factory.reset()


def kiosk_in(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``kiosk`` as a user runs it, with ``site/config.toml`` and ``site/kiosk.db``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(site / "config.toml"),
         "--db", str(site / "kiosk.db"), *args],
        capture_output=True, text=True, cwd=ROOT, env=env, check=False, timeout=60,
    )  # fmt: skip


@pytest.fixture(scope="session")
def voice_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A voice pack made by ``kiosk voice build`` (espeak-ng), once per test run."""
    from display.voice import build_pack
    from kiosk.config import VoiceConfig

    folder = tmp_path_factory.mktemp("voice")
    build_pack(folder, VoiceConfig())
    return folder


def with_catalogue(store: Store) -> Store:
    """``store`` with the example centre's procedure catalogue imported."""
    from kiosk import procedures

    with CATALOGUE.open("rb") as stream:
        report = procedures.import_jsonl(store, stream)
    assert (report.written, report.rejected) == (100, 0), report.problems
    return store


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A site database holding the example centre's procedure catalogue (read by tests,
    never changed: one for the module)."""
    store = with_catalogue(Store(tmp_path_factory.mktemp("catalogue") / "kiosk.db"))
    yield store
    store.close()
