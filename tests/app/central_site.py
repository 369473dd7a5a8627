"""A province in a test: a real Mosquitto, central's ingest (``kiosk central``), central's
pages (``kiosk central web``) and a site's ``kiosk run sync``, each its own process as a
technician starts them, over one central database; and Debian's chromium driven by
Playwright."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from sync.servers import Broker, free_port, wait_port
from tests.conftest import EXAMPLE, ROOT

SITE = "hcc-hung-yen"
DEVICE = "site-controller-01"
PASSWORD = "mat-khau-du-dai-2026"
CHROMIUM = "/usr/bin/chromium"


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}


def kiosk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True, text=True, cwd=ROOT, env=env(), check=False, timeout=120,
        input=stdin,
    )  # fmt: skip


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s: {what}")
        time.sleep(0.05)


class Process:
    """A ``python -m kiosk ...`` process whose stderr goes to ``log``."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.args, self.log = args, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kiosk", *self.args],
                stdout=subprocess.DEVNULL, stderr=out, cwd=ROOT, env=env(),
            )  # fmt: skip
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


class Province:
    """Everything of one test's province, started in order and stopped in reverse."""

    def __init__(self, work: Path, undo: contextlib.ExitStack, *, device: bool = True) -> None:
        self.work, self.undo = work, undo
        work.mkdir(parents=True, exist_ok=True)
        self.broker = Broker(work / "broker", extra="user root\n" if os.geteuid() == 0 else "")
        self.broker.start()
        undo.callback(self.broker.stop)
        self.db = f"sqlite://{work}/central.db"
        self.central_args = ["--db", self.db, "--broker", f"127.0.0.1:{self.broker.port}"]
        self.ingest = Process(["central", *self.central_args], work / "central.log")
        self.web_port = free_port()
        self.web = Process(
            ["central", "web", *self.central_args, "--port", str(self.web_port)],
            work / "web.log",
        )
        self.site = work / "site"
        self.site.mkdir()
        (self.site / "config.toml").write_text(EXAMPLE.read_text(encoding="utf-8"), "utf-8")
        (self.site / "config.d").mkdir()
        (self.site / "config.d" / "sync.toml").write_text(
            f'[sync]\nhost = "127.0.0.1"\nport = {self.broker.port}\n'
            "reconnect_min_seconds = 1\nreconnect_max_seconds = 2\nstate_seconds = 5\n",
            encoding="utf-8",
        )
        # Open all day, every day, and every service too: tickets can be issued at any hour.
        (self.site / "config.d" / "hours.toml").write_text(
            '[hours]\nopen = "00:00"\nclose = "24:00"\nlunch_start = ""\nlunch_end = ""\n'
            'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]\n'
            "closed_dates = []\nspecial = []\n",
            encoding="utf-8",
        )
        self.device = Process(
            ["--config", str(self.site / "config.toml"), "--db", str(self.site / "kiosk.db"),
             "run", "sync"],
            self.site / "sync.log",
        )  # fmt: skip
        for name, role, sites in (
            ("admin", "admin", []),
            ("quanly", "manager", [SITE]),
            ("quanly-khac", "manager", ["hcc-khac"]),
            ("xem", "viewer", []),
        ):
            self.user(name, role, sites)
        self.ingest.start()
        undo.callback(self.ingest.stop)
        wait_until(lambda: "central ready" in self.ingest.text(), 30, "central's ingest")
        self.web.start()
        undo.callback(self.web.stop)
        wait_port(self.web_port, timeout=30)
        if device:
            self.start_device()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def user(self, name: str, role: str, sites: list[str]) -> None:
        password = self.work / f"{name}.password"
        password.write_text(PASSWORD + "\n", encoding="utf-8")
        args = ["central", "user", "add", name, "--role", role, "--password-file", str(password)]
        for site in sites:
            args += ["--site", site]
        done = kiosk(*args, "--db", self.db)
        assert done.returncode == 0, done.stderr

    def start_device(self) -> None:
        self.device.start()
        self.undo.callback(self.device.stop)

    def on_device(self, *args: str) -> subprocess.CompletedProcess[str]:
        return kiosk(
            "--config", str(self.site / "config.toml"), "--db", str(self.site / "kiosk.db"), *args
        )


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless, through Playwright (never a browser it downloads)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, url: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def simulated_day(folder: Path, day: dt.date, citizens: int, seed: int) -> list[dict[str, Any]]:
    """A whole simulated day at a site (the demo's simulation), as its device's events."""
    from kiosk import outbox
    from kiosk.app.demo._sim import Day
    from kiosk.config import load_config
    from kiosk.store import Store
    from sync import decode

    folder.mkdir(parents=True, exist_ok=True)
    with Store(folder / f"kiosk-{day}.db") as device:
        Day(load_config(str(EXAMPLE)), device, day, citizens, seed=seed).run()
        box = outbox.state(device)
        return [
            decode("event", outbox.envelope(p, box.db, 1))
            for p in outbox.pending(device, 1, 1_000_000)
        ]


def ingest(db: str, site: str, device: str, events: list[dict[str, Any]]) -> None:
    """Store a device's events in central's database, as central's ingest does."""
    from sync.central_store import CentralStore, Incoming

    store = CentralStore(db)
    try:
        for start in range(0, len(events), 500):
            store.ingest([Incoming(site, device, e) for e in events[start : start + 500]])
        while store.take_figures():
            pass
    finally:
        store.close()
