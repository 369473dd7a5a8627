"""The ARM smoke test's parts that run natively: its scripts pass shellcheck, it refuses an
unknown architecture, and the checks it makes inside the emulated root (the ticket's bytes
against its preview, kiosk doctor's lines) accept what is true and refuse what is not. The
emulated run itself is `make arm-smoke ARCH=arm64|armhf`, run by .ci/run."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

SCRIPTS = ROOT / "scripts"
CHECKS = SCRIPTS / "arm_smoke_checks.py"
# The example's hours, open round the clock (arm-smoke's own drop-in does the same).
OPEN = """
[hours]
open = "00:00"
close = "24:00"
lunch_start = ""
lunch_end = ""
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
closed_dates = []
special = []
"""


@pytest.mark.parametrize("script", ["scripts/arm-smoke", ".ci/run"])
def test_ok__the_scripts_pass_shellcheck(script: str) -> None:
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is not installed (scripts/system-packages installs it)"
    done = subprocess.run([shellcheck, str(ROOT / script)], capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("args", [[], ["armel"], ["amd64"]])
def test_fail__an_architecture_other_than_the_pis_is_refused_in_one_line(args: list[str]) -> None:
    done = subprocess.run([str(SCRIPTS / "arm-smoke"), *args], capture_output=True, text=True,
                          check=False, timeout=30)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.endswith("arm64|armhf\n") and done.stderr.count("\n") == 1
    assert done.stdout == ""


def checks(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHECKS), *args], input=stdin,
                          capture_output=True, text=True, check=False, timeout=60)  # fmt: skip


def test_ok__a_ticket_check_takes_the_bytes_that_print_its_preview(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    shutil.copy(ROOT / "config.toml", config)
    (tmp_path / "config.d").mkdir()
    (tmp_path / "config.d" / "open.toml").write_text(OPEN, encoding="utf-8")
    kiosk = Path(sys.executable).parent / "kiosk"
    issued = subprocess.run(
        [str(kiosk), "--config", str(config), "--db", str(tmp_path / "k.db"), "ticket",
         "dat-dai", "--out", str(tmp_path / "t.bin"), "--png", str(tmp_path / "t.png")],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    good = checks("ticket", str(tmp_path / "t.bin"), str(tmp_path / "t.png"))
    assert good.returncode == 0, good.stderr
    assert "print exactly the preview" in good.stdout
    # One dot less on the page: refused, in one line.
    data = bytearray((tmp_path / "t.bin").read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / "bad.bin").write_bytes(bytes(data))
    bad = checks("ticket", str(tmp_path / "bad.bin"), str(tmp_path / "t.png"))
    assert bad.returncode == 1
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("ticket: ")


def check(name: str, status: str, detail: str = "", fix: str = "") -> dict[str, str]:
    return {"name": name, "status": status, "detail": detail, "fix": fix}


# What kiosk doctor says in the booted emulated root: the hardware is absent, all else works.
EMULATED = {
    "ok": False,
    "checks": [
        check("config", "ok"), check("services", "ok"), check("database", "ok"),
        check("files", "ok"), check("clock", "warn"),
        check("gpio", "fail", "no usable pin factory: BadPinFactory: ...",
              "this machine has no GPIO chip (/dev/gpiochip*): ... GPIOZERO_PIN_FACTORY=mock"),
        check("printer", "fail", "USB 04b8:0e15 (TM-T20II): disconnected, ... not found"),
        check("scanner", "fail", "sanh-1 (/dev/input/by-id/...): not found"),
        check("scanner", "fail", "sanh-2 (/dev/serial/by-id/...): not found"),
        check("screen", "skip", "the display daemon has the screen (journalctl ...)"),
        check("font", "ok"), check("voice", "ok"), check("broker", "ok"),
    ],
}  # fmt: skip


def test_ok__a_doctor_that_fails_only_on_the_absent_hardware_passes() -> None:
    done = checks("doctor", stdin=json.dumps(EMULATED))
    assert done.returncode == 0, done.stderr


def changed(index: int, **fields: str) -> dict[str, Any]:
    report = copy.deepcopy(EMULATED)
    report["checks"][index].update(fields)
    return report


@pytest.mark.parametrize(
    ("report", "said"),
    [
        pytest.param(changed(2, status="fail"), "database should be ok", id="database"),
        pytest.param(changed(11, status="fail"), "voice should be ok", id="voice"),
        pytest.param(changed(5, fix="sudo apt install python3-lgpio"),
                     "gpio should say 'no GPIO chip'", id="a fix untrue here"),
        pytest.param({**EMULATED, "ok": True}, "says the site can run", id="ok without hardware"),
        pytest.param({"ok": False, "checks": EMULATED["checks"][:-1]}, "no broker check",
                     id="a check missing"),
    ],
)  # fmt: skip
def test_fail__a_doctor_line_that_is_not_true_in_the_root_is_named(
    report: dict[str, Any], said: str
) -> None:
    done = checks("doctor", stdin=json.dumps(report))
    assert done.returncode == 1
    assert said in done.stderr, done.stderr
