"""``kiosk ticket``, ``kiosk printer test|status`` and ``kiosk run kiosk`` as a user runs them."""

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
from PIL import Image

from printer import PtyPrinter, VirtualPrinter
from tests.app.test_cli import ALWAYS_OPEN
from tests.conftest import ROOT

PRINTER = """
[printer]
connection = "serial"
serial_port = "{port}"
flow_control = "xonxoff"
profile = "TM-T20II"
timeout_seconds = 1
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(ALWAYS_OPEN, encoding="utf-8")
    return tmp_path


@pytest.fixture
def virtual(site: Path) -> Iterator[VirtualPrinter]:
    printer = VirtualPrinter(576)
    with PtyPrinter(printer, site / "printer"):
        text = ALWAYS_OPEN + PRINTER.format(port=site / "printer")
        (site / "config.toml").write_text(text, encoding="utf-8")
        yield printer


def kiosk(
    site: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(site / "config.toml"),
         "--db", str(site / "kiosk.db"), *args],
        capture_output=True, text=True, cwd=ROOT, env={**base, **(env or {})},
        check=False, timeout=60,
    )  # fmt: skip


def statuses(site: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(site / "kiosk.db") as conn:
        return list(conn.execute("SELECT number, status FROM tickets ORDER BY id"))


def test_ok__ticket_writes_printer_bytes_and_matching_png(site: Path) -> None:
    result = kiosk(
        site,
        "--json",
        "ticket",
        "ho-tich",
        "--out",
        str(site / "t.bin"),
        "--png",
        str(site / "t.png"),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["number"], data["status"]) == ("1001", "waiting")
    raw = (site / "t.bin").read_bytes()
    assert data["bytes"] == len(raw)
    assert raw.startswith(b"\x1b@")
    # The bytes, printed by the virtual printer, give exactly the PNG.
    printer = VirtualPrinter(576)
    printer.feed(raw)
    assert printer.unknown == []
    png = Image.open(site / "t.png").convert("1")
    assert printer.pages[0].size == png.size
    assert printer.pages[0].tobytes() == png.tobytes()
    assert printer.qr_codes[0] == [data["token"]]
    assert statuses(site) == [("1001", "waiting")]


def test_ok__ticket_priority_and_no_png(site: Path) -> None:
    result = kiosk(site, "ticket", "dat-dai", "--priority", "--out", str(site / "p.bin"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Issued A001 (priority, Đất đai); wrote its ")
    assert (site / "p.bin").stat().st_size > 1000
    assert not list(site.glob("*.png"))


def test_fail__ticket_unwritable_output_voids_the_number(site: Path) -> None:
    (site / "ro").mkdir()
    (site / "ro").chmod(0o500)
    try:
        if os.access(site / "ro", os.W_OK):
            target = site / "ro" / "exists-as-dir"
            target.mkdir()  # root can write anywhere: fail on a directory in the way
        else:
            target = site / "ro" / "t.bin"
        result = kiosk(site, "ticket", "dat-dai", "--out", str(target))
    finally:
        (site / "ro").chmod(0o700)
    assert result.returncode == 73
    assert result.stderr.count("\n") == 1
    assert "voided" in result.stderr
    assert statuses(site) == [("A001", "void")]


def test_fail__ticket_missing_folder_takes_no_number(site: Path) -> None:
    result = kiosk(site, "ticket", "dat-dai", "--out", str(site / "nope" / "t.bin"))
    assert result.returncode == 73
    assert "no folder" in result.stderr
    assert not (site / "kiosk.db").exists() or statuses(site) == []


def test_fail__ticket_unknown_service(site: Path) -> None:
    result = kiosk(site, "ticket", "dat-dia", "--out", str(site / "t.bin"))
    assert result.returncode == 1
    assert "did you mean 'dat-dai'" in result.stderr


def test_fail__ticket_bad_profile_is_a_config_error(site: Path) -> None:
    text = ALWAYS_OPEN + '[printer]\nprofile = "TM-X999"\n'
    (site / "config.toml").write_text(text, encoding="utf-8")
    result = kiosk(site, "ticket", "dat-dai", "--out", str(site / "t.bin"))
    assert result.returncode == 78
    assert "printer.profile: unknown profile 'TM-X999'" in result.stderr
    assert "Traceback" not in result.stderr


def test_ok__printer_test_page(site: Path, virtual: VirtualPrinter) -> None:
    result = kiosk(site, "printer", "test")
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 3
    while not virtual.pages and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(virtual.pages) == 1
    assert virtual.qr_codes[0] == ["HCC1:TEST"]


def test_ok__printer_status(site: Path, virtual: VirtualPrinter) -> None:
    virtual.paper = "low"
    result = kiosk(site, "--json", "printer", "status")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "paper_low"


@pytest.mark.parametrize(("fault", "state"), [("paper", "paper_out"), ("cover", "cover_open")])
def test_fail__printer_status_not_ready(
    site: Path, virtual: VirtualPrinter, fault: str, state: str
) -> None:
    if fault == "paper":
        virtual.paper = "out"
    else:
        virtual.cover_open = True
    result = kiosk(site, "printer", "test")
    assert result.returncode == 69
    assert f"printer not ready: {state}" in result.stderr
    assert virtual.pages == []


def test_fail__printer_unplugged(site: Path) -> None:
    text = ALWAYS_OPEN + PRINTER.format(port=site / "no-such-port")
    (site / "config.toml").write_text(text, encoding="utf-8")
    result = kiosk(site, "printer", "status")
    assert result.returncode == 69
    assert "disconnected" in result.stderr
    assert result.stderr.count("\n") == 1


def test_fail__printer_not_configured(site: Path) -> None:
    result = kiosk(site, "printer", "test")
    assert result.returncode == 78
    assert 'printer.connection is "none"' in result.stderr


def test_ok__run_kiosk_starts_and_stops_cleanly(site: Path, virtual: VirtualPrinter) -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", str(site / "config.toml"),
         "--db", str(site / "kiosk.db"), "run", "kiosk"],
        cwd=ROOT, env={**base, "GPIOZERO_PIN_FACTORY": "mock"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if (site / "kiosk.db").exists():
                try:
                    with sqlite3.connect(site / "kiosk.db") as conn:
                        rows = conn.execute(
                            "SELECT data FROM events WHERE type = 'printer.status'"
                        ).fetchall()
                except sqlite3.OperationalError:  # made, its tables not yet
                    rows = []
                if rows:
                    break
            time.sleep(0.1)
        assert rows and json.loads(rows[0][0])["state"] == "ready"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "kiosk ready: printer ready" in err
    assert "Traceback" not in err


def test_fail__run_kiosk_without_printer_is_a_config_error(site: Path) -> None:
    result = kiosk(site, "run", "kiosk", env={"GPIOZERO_PIN_FACTORY": "mock"})
    assert result.returncode == 78
    assert result.stderr.count("\n") == 1
