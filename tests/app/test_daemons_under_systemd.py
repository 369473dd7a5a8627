"""Every ``kiosk run`` daemon started as systemd starts it (``NOTIFY_SOCKET`` and
``WATCHDOG_USEC`` set, simulated hardware): READY once its database and hardware are up,
WATCHDOG pings from its main loop, STOPPING on SIGTERM and exit 0; the kiosk daemon raises
its watchdog for a slow printer; and a new central configuration makes a daemon start
again in the same process (exec), READY again under the same PID, once per version."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config._overlay import KEY, encode_stored
from kiosk.store import Store
from tests.brokers import free_port
from tests.conftest import EXAMPLE, ROOT
from tests.kiosk.test_sdnotify import Listener

pytestmark = pytest.mark.slow  # a system test: real processes, minutes of work


class Daemon:
    """``kiosk run ARGS`` under a notify socket; the messages it sent so far."""

    def __init__(self, tmp_path: Path, listener: Listener, socket_path: str, *args: str,
                 drop_in: str = "", watchdog_usec: int = 1_000_000) -> None:  # fmt: skip
        folder = tmp_path / "etc"
        (folder / "config.d").mkdir(parents=True, exist_ok=True)
        (folder / "config.toml").write_bytes(EXAMPLE.read_bytes())
        (folder / "config.d" / "50-test.toml").write_text(
            "[voice]\nenabled = false\n" + drop_in, encoding="utf-8"
        )
        self.db = tmp_path / "kiosk.db"
        self.listener = listener
        self.got: list[dict[str, str]] = []
        self.log = (tmp_path / f"stderr-{len(list(tmp_path.glob('stderr-*')))}.txt").open("w")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "NOTIFY_"))}
        env.update(NOTIFY_SOCKET=socket_path, WATCHDOG_USEC=str(watchdog_usec),
                   GPIOZERO_PIN_FACTORY="mock", SDL_VIDEODRIVER="dummy",
                   SDL_AUDIODRIVER="dummy")  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(folder / "config.toml"),
             "--db", str(self.db), "run", *args],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log, text=True,
        )  # fmt: skip

    def wait_for(self, key: str, count: int = 1, timeout: float = 20) -> list[dict[str, str]]:
        deadline = time.monotonic() + timeout
        while sum(key in m for m in self.got) < count:
            assert time.monotonic() < deadline, f"no {key} x{count} in {self.got}"
            assert self.process.poll() is None, self.stderr()
            self.got += self.listener.messages(0.1)
        return [m for m in self.got if key in m]

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(15)
        self.got += self.listener.messages(0.3)
        return code

    def stderr(self) -> str:
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[object]:
    path = str(tmp_path / "notify")
    listener = Listener(path)
    started: list[Daemon] = []

    def run(*args: str, **options: object) -> Daemon:
        daemon = Daemon(tmp_path, listener, path, *args, **options)  # type: ignore[arg-type]
        started.append(daemon)
        return daemon

    yield run
    for daemon in started:
        daemon.close()
    listener.close()


DAEMONS = {
    "kiosk": (("kiosk",), "kiosk ready: printer unchecked; buttons for dat-dai"),
    "counter": (("counter",), "counter daemon ready: counters [1, 2]"),
    "display-wall": (("display", "--role", "wall"), "wall display ready"),
    "display-lookup": (("display", "--role", "lookup"), "look-up screen ready"),
    "display-both": (("display", "--role", "both"), "wall display and look-up screen ready"),
    "scanner": (("scanner",), "scanner daemon ready"),
    # No broker to reach: READY comes anyway (it does not wait for the network).
    "sync": (("sync",), "sync ready: device site-controller-01"),
}


@pytest.mark.parametrize("name", list(DAEMONS))
def test_ok__each_daemon_says_ready_pings_and_says_stopping(
    name: str, start: object, tmp_path: Path
) -> None:
    args, ready = DAEMONS[name]
    # A file printer: the kiosk daemon has a printer without a USB one plugged in.
    printer = f'[printer]\nconnection = "file"\npath = {json.dumps(str(tmp_path / "out.bin"))}\n'
    broker = f'[sync]\nhost = "127.0.0.1"\nport = {free_port()}\n'
    daemon = start(*args, drop_in=printer + broker)  # type: ignore[operator]
    (message,) = daemon.wait_for("READY")
    assert message["MAINPID"] == str(daemon.process.pid)
    assert message["STATUS"].startswith(ready), message
    # A ping every quarter second or so; the kiosk daemon's watchdog is raised for its
    # printer (see below), so it pings once at first and then every ten seconds.
    daemon.wait_for("WATCHDOG", 1 if name == "kiosk" else 3, timeout=5)
    assert daemon.stop() == 0, daemon.stderr()
    assert daemon.got[-1].get("STOPPING") == "1", daemon.got
    assert "Traceback" not in daemon.stderr()


def test_ok__the_kiosk_daemon_raises_its_watchdog_for_a_slow_printer(
    start: object, tmp_path: Path
) -> None:
    """printer.timeout_seconds = 20: one printer call may take 45 s (connect, owed
    padding, queries) and two writes may wait 5 s each for the database, so 30 s is too
    short."""
    printer = (f'[printer]\nconnection = "file"\npath = {json.dumps(str(tmp_path / "out.bin"))}'
               "\ntimeout_seconds = 20\n")  # fmt: skip
    daemon = start("kiosk", drop_in=printer, watchdog_usec=30_000_000)  # type: ignore[operator]
    daemon.wait_for("READY")
    raised = [m for m in daemon.got if "WATCHDOG_USEC" in m]
    assert raised == [{"WATCHDOG_USEC": str((2 * (2 * 20 + 5 + 2 * 5 + 1)) * 1_000_000)}]
    assert daemon.got.index(raised[0]) < next(i for i, m in enumerate(daemon.got) if "READY" in m)
    assert daemon.stop() == 0


def store_central(db: Path, version: int, body: dict[str, object]) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)",
                     (KEY, encode_stored(version, body)))  # fmt: skip
    conn.close()


def test_ok__a_new_central_configuration_starts_the_daemon_again_in_the_same_process(
    start: object,
) -> None:
    daemon = start("counter")  # type: ignore[operator]
    daemon.wait_for("READY")
    Store(daemon.db).close()  # the daemon made it; the tables are there
    store_central(daemon.db, 1, {"notices": [{"text": "Chiều nay nghỉ từ 16 giờ"}]})
    second = daemon.wait_for("READY", 2, timeout=30)[1]
    assert second["MAINPID"] == str(daemon.process.pid)  # exec: systemd keeps its main PID
    statuses = [m.get("STATUS", "") for m in daemon.got]
    assert "starting again on the new central configuration" in statuses
    assert daemon.stop() == 0
    assert daemon.got[-1].get("STOPPING") == "1"


def test_ok__a_central_configuration_that_does_not_fit_is_one_restart_not_a_loop(
    start: object,
) -> None:
    """Central's version 2 no longer fits the files: the daemon starts again once, runs on
    its files, and does not start again every two seconds for the same version."""
    daemon = start("counter")  # type: ignore[operator]
    daemon.wait_for("READY")
    store_central(daemon.db, 2, {"hours": {"monday": "all day"}})
    daemon.wait_for("READY", 2, timeout=30)
    time.sleep(5)  # two and a half of the watch's turns
    daemon.got += daemon.listener.messages(0.2)
    assert sum("READY" in m for m in daemon.got) == 2, daemon.got
    assert daemon.stop() == 0
