"""``kiosk doctor``: each check's failing case says what is wrong and how to fix it, and a
site whose parts all answer (a pty printer, a serial scanner on a pty, mock GPIO, a real
Mosquitto with a device password) gets a clean bill and exit status 0."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import os
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from display.voice import REQUIRED
from kiosk.app.doctor import FAIL, OK, SKIP, WARN, Check, can_run
from kiosk.app.doctor import _deployment as deployment
from kiosk.app.doctor import _devices as devices
from kiosk.app.doctor import _pinmux as pinmux
from kiosk.app.doctor import _system as system
from kiosk.app.doctor._gpio_fix import Machine, this_machine
from kiosk.app.doctor.command import running_daemons
from kiosk.config import DEFAULT_PATH, Config, ScannerDevice
from printer.virtual import PtyPrinter, VirtualPrinter
from tests.app.test_cli import ALWAYS_OPEN
from tests.brokers import Broker, free_port
from tests.conftest import ROOT, example_raw, make_config
from tests.disks import needs_root

AS_ROOT = "user root\n" if os.geteuid() == 0 else ""


def only(checks: object, status: str) -> Check:
    found = list(checks)  # type: ignore[call-overload]
    assert len(found) == 1, found
    (check,) = found
    assert check.status == status, check
    return check


# -- config and database ---------------------------------------------------------------


def kiosk(*args: str, env: dict[str, str] | None = None,
          cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:  # fmt: skip
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "SDL_"))}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        check=False,
        timeout=120,
    )


def test_fail__a_bad_config_is_named_and_the_rest_skipped(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(ALWAYS_OPEN + "\n[queue]\npriority_ratio = -1\n",
                                          encoding="utf-8")  # fmt: skip
    done = kiosk("--config", str(tmp_path / "config.toml"), "--db", str(tmp_path / "k.db"),
                 "doctor")  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("FAIL  config     ")
    assert "-> fix: edit the file; kiosk config check lists all" in lines[0]
    assert all(line.startswith("skip") for line in lines[1:-1])
    assert "needs a valid configuration" in lines[1]
    assert lines[-1] == "1 problem(s) to fix"
    assert done.stderr == ""


def test_fail__a_damaged_database_says_restore_it(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    path.write_bytes(b"this is not a database" * 200)
    check = only(system.database(str(path)), FAIL)
    assert "file is not a database" in check.detail
    assert "restore the latest backup" in check.fix


def test_fail__a_database_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    check = only(system.database(str(blocker / "kiosk.db")), FAIL)
    assert "cannot be created" in check.detail
    assert "writable by the kiosk user" in check.fix


def test_ok__a_healthy_database_and_a_busy_one(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("CREATE TABLE t (x)")
    assert "healthy" in only(system.database(str(path)), OK).detail
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        check = only(system.database(str(path)), WARN)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "another process holds the write lock" in check.detail
    assert "systemctl restart kiosk.target" in check.fix


# -- clock -----------------------------------------------------------------------------


def test_fail__a_clock_in_the_past(tmp_path: Path) -> None:
    check = only(system.clock(dt.datetime(1970, 1, 1, tzinfo=dt.UTC), tmp_path / "x", None), FAIL)
    assert "1970-01-01" in check.detail
    assert "NTP" in check.fix and "date -s" in check.fix


def test_warn__a_clock_not_known_to_be_synchronised(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    check = only(system.clock(now, tmp_path / "not-synced", None), WARN)
    assert "timedatectl set-ntp true" in check.fix
    (tmp_path / "synced").write_text("")
    assert "synchronised" in only(system.clock(now, tmp_path / "synced", None), OK).detail


# -- GPIO ------------------------------------------------------------------------------


@pytest.fixture
def mock_pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    Device.pin_factory = factory
    yield factory
    factory.reset()
    Device.pin_factory = None


def test_fail__no_pin_factory_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    Device.pin_factory = None
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "lgpio")  # no lgpio here: as on a bare PC
    check = only(system.gpio(make_config(), set()), FAIL)
    assert "no usable pin factory" in check.detail
    assert "python3-lgpio" in check.fix and "GPIOZERO_PIN_FACTORY=mock" in check.fix
    Device.pin_factory = None


PI_OS = Machine(lgpio=False, chips=True, apt_lgpio=True, venv="/opt/kiosk/venv")


@pytest.mark.parametrize(
    ("machine", "named", "not_named"),
    [
        pytest.param(PI_OS, ["sudo apt install python3-lgpio"], ["pip", "mock"],
                     id="Raspberry Pi OS without python3-lgpio"),
        pytest.param(dataclasses.replace(PI_OS, apt_lgpio=False),
                     ["sudo /opt/kiosk/venv/bin/python -m pip install lgpio"],
                     ["apt install", "mock"], id="Debian's own archive on a Pi"),
        pytest.param(dataclasses.replace(PI_OS, lgpio=True), ["gpio group"],
                     ["install", "mock"], id="lgpio there, the chip refused"),
        pytest.param(dataclasses.replace(PI_OS, lgpio=True, chips=False),
                     ["no GPIO chip", "GPIOZERO_PIN_FACTORY=mock"], ["install", "group"],
                     id="lgpio there, no chip (a PC, an emulated root)"),
        pytest.param(dataclasses.replace(PI_OS, apt_lgpio=False, chips=False),
                     ["pip install lgpio", "no GPIO chip", "GPIOZERO_PIN_FACTORY=mock"],
                     ["apt install"], id="a PC with Debian"),
    ],
)  # fmt: skip
def test_fail__no_pin_factory_names_what_works_on_this_machine(
    machine: Machine, named: list[str], not_named: list[str]
) -> None:
    Device.pin_factory = None
    check = only(system.gpio(make_config(), set(), machine=machine), FAIL)
    assert "no usable pin factory" in check.detail
    for words in named:
        assert words in check.fix
    for words in not_named:
        assert words not in check.fix
    Device.pin_factory = None


def test_ok__the_machine_is_probed_as_it_is() -> None:
    machine = this_machine()
    assert machine.venv == sys.prefix
    assert machine.chips == any(Path("/dev").glob("gpiochip*"))
    assert machine.lgpio == (importlib.util.find_spec("lgpio") is not None)


def test_fail__a_pin_claimed_elsewhere_is_named_with_its_setting(mock_pins: MockFactory) -> None:
    from gpiozero import LED

    config = make_config()
    busy = LED("GPIO22")  # kiosk.busy_led, claimed by something else
    try:
        found = list(system.gpio(config, set()))
    finally:
        busy.close()
    failed = [c for c in found if c.status == FAIL]
    assert len(failed) == 1
    assert failed[0].detail.startswith("GPIO22 (kiosk.busy_led): cannot be claimed")
    assert "gpioinfo" in failed[0].fix
    freed = [c for c in found if c.status == OK and "pins free" in c.detail]
    assert freed and "GPIO22" not in freed[0].detail
    # And the doctor left every pin as it found it: the daemon can claim them all.
    assert [c.status for c in system.gpio(config, set())].count(FAIL) == 0


def test_ok__pins_of_a_running_daemon_are_its_own(mock_pins: MockFactory) -> None:
    found = list(system.gpio(make_config(), {"kiosk"}))
    assert all(c.status == OK for c in found)
    assert any("held by the running daemons" in c.detail and "(kiosk)" in c.detail
               for c in found)  # fmt: skip


BOOT_CONFIG = """\
# /boot/firmware/config.txt of a site
dtparam=audio=on
dtparam=i2c_arm=on,spi=off
enable_uart=1
dtoverlay=w1-gpio,gpiopin=17   # a temperature probe
dtoverlay=hifiberry-dac
[pi4]
dtoverlay=gpio-shutdown
dtoverlay=gpio-ir
dtparam=gpio_pin=27
dtoverlay=
dtparam=spi=on
[none]
dtoverlay=uart3
"""


def test_ok__the_boot_configuration_says_which_pins_interfaces_hold() -> None:
    taken = pinmux.from_boot_config(BOOT_CONFIG, "config.txt")
    assert sorted(taken) == [2, 3, 7, 8, 9, 10, 11, 14, 15, 17, 18, 19, 20, 21, 27]
    # gpio-ir's pin moved by the dtparam after it; spi=on after "dtoverlay=" is the base's
    assert taken[27].startswith("IR receiver (dtoverlay=gpio-ir")
    assert taken[10] == "SPI0 MOSI (dtparam=spi=on in config.txt)"
    assert taken[14] == "UART TXD (enable_uart=1 in config.txt)"
    assert taken[2] == "I2C1 SDA (dtparam=i2c_arm=on,spi=off in config.txt)"
    assert taken[17].startswith("1-Wire (dtoverlay=w1-gpio,gpiopin=17")  # moved from GPIO4
    assert taken[20].startswith("I2S PCM_DIN (dtoverlay=hifiberry-dac")
    assert 4 not in taken and 5 not in taken  # [none] switches uart3 off
    # gpio-shutdown's pin 3 is I2C's too: either way it is taken.


def test_ok__pinctrl_and_raspi_gpio_say_what_a_pin_is_switched_to() -> None:
    pinctrl = (
        " 4: ip    pu | hi // GPIO4 = input\n"
        "14: a0    pn | hi // GPIO14 = TXD0\n"
        "15: a0    pu | hi // GPIO15 = RXD0\n"
        "22: op dh pd | hi // GPIO22 = output\n"
        "27: no    pd | -- // GPIO27 = none\n"
    )
    assert pinmux.from_pin_functions(pinctrl) == {
        14: "TXD0 (pinctrl: switched to a0)",
        15: "RXD0 (pinctrl: switched to a0)",
    }
    raspi_gpio = (
        "GPIO 2: level=1 fsel=4 alt=0 func=SDA1 pull=UP\n"
        "GPIO 5: level=1 fsel=0 func=INPUT pull=UP\n"
    )
    assert pinmux.from_pin_functions(raspi_gpio) == {2: "SDA1 (raspi-gpio: switched to it)"}


def test_fail__a_button_on_an_interfaces_pin_is_named_and_never_claimed(
    mock_pins: MockFactory, tmp_path: Path
) -> None:
    boot = tmp_path / "config.txt"
    boot.write_text("dtoverlay=w1-gpio,gpiopin=5\n", encoding="utf-8")
    config = make_config()  # kiosk.buttons[0] (dat-dai) is GPIO5
    found = list(system.gpio(config, set(), pinmux.taken_pins([boot], tools=())))
    (failed,) = [c for c in found if c.status == FAIL]
    assert failed.detail == (
        f"GPIO5 (kiosk.buttons[0].pin) belongs to an interface: 1-Wire "
        f"(dtoverlay=w1-gpio,gpiopin=5 in {boot})"
    )
    assert "free pin" in failed.fix and "boot configuration" in failed.fix
    assert 5 not in mock_pins.pins  # claiming it would have switched it off 1-Wire
    # A header pin number is the same pin: BOARD29 is GPIO5.
    raw = example_raw()
    raw["kiosk"]["buttons"][0]["pin"] = "BOARD29"
    board = list(system.gpio(make_config(raw), set(), {5: "1-Wire"}))
    assert [c.detail for c in board if c.status == FAIL] == [
        "BOARD29 (kiosk.buttons[0].pin) belongs to an interface: 1-Wire"
    ]
    assert any(c.status == OK and "pins free" in c.detail for c in found)


# -- the units and the files, as systemd runs the daemons ------------------------------------

SHOW = """\
Id=kiosk-kiosk.service
LoadState=loaded
ActiveState=active
SubState=running
Result=success
NRestarts=0
UnitFileState=enabled
ExecMainStatus=0

Id=kiosk-counter.service
LoadState=loaded
ActiveState=failed
SubState=failed
Result=exit-code
NRestarts=0
UnitFileState=enabled
ExecMainStatus=78

Id=kiosk-display-wall.service
LoadState=loaded
ActiveState=activating
SubState=auto-restart
Result=exit-code
NRestarts=14
UnitFileState=enabled
ExecMainStatus=69

Id=kiosk-scanner.service
LoadState=loaded
ActiveState=failed
SubState=failed
Result=watchdog
NRestarts=2
UnitFileState=enabled
ExecMainStatus=0

Id=kiosk-sync.service
LoadState=loaded
ActiveState=inactive
SubState=dead
Result=success
NRestarts=0
UnitFileState=disabled
ExecMainStatus=0

Id=kiosk-display-lookup.service
LoadState=not-found
ActiveState=inactive
SubState=dead
Result=success
NRestarts=0
UnitFileState=
ExecMainStatus=0
"""


def test_fail__units_not_installed_enabled_or_running_each_say_what_to_do() -> None:
    found = {c.detail.split()[0]: c for c in deployment.unit_checks(deployment.parse_show(SHOW))}
    assert found["running:"].status == OK and found["running:"].detail == "running: kiosk"
    counter = found["kiosk-counter.service"]
    assert counter.status == FAIL and "bad configuration" in counter.detail
    assert "kiosk config check" in counter.fix
    wall = found["kiosk-display-wall.service"]
    assert wall.status == FAIL and "(14 restarts)" in wall.detail
    assert wall.fix == "journalctl -u kiosk-display-wall.service -b -n 50 says why"
    scanner = found["kiosk-scanner.service"]
    assert scanner.status == FAIL and scanner.detail == "kiosk-scanner.service failed (watchdog)"
    sync = found["kiosk-sync.service"]
    assert sync.status == WARN and "disabled: it does not start at boot" in sync.detail
    assert "systemctl enable kiosk-sync.service" in sync.fix
    lookup = found["kiosk-display-lookup.service"]
    assert lookup.status == FAIL and lookup.detail.endswith("is not installed")
    assert "install.sh" in lookup.fix


def test_ok__no_systemd_no_units_to_check(tmp_path: Path) -> None:
    check = only(deployment.services(make_config(), booted=tmp_path / "no-systemd"), SKIP)
    assert "systemd is not running here" in check.detail


def drop_in(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk-.service.d" / "10-kiosk.conf"
    path.parent.mkdir()
    path.write_bytes((ROOT / "systemd/kiosk-.service.d/10-kiosk.conf").read_bytes())
    return path


def test_fail__paths_the_units_sandbox_hides_or_makes_read_only(tmp_path: Path) -> None:
    config = make_config(
        sync={
            "enabled": True,
            "password_file": "/home/pi/kiosk-password",
            "tls": True,
            "ca": "/tmp/ca.pem",
        },
        printer={"connection": "file", "path": "/srv/tickets.bin"},
    )
    checks = deployment.files(config, "/opt/kiosk/kiosk.db", drop_in=drop_in(tmp_path))
    found = [c for c in checks if c.status == FAIL and "(P" in c.detail]
    details = [c.detail for c in found]
    assert (
        "sync.password_file /home/pi/kiosk-password is hidden from the daemons "
        "(ProtectHome=yes)" in details
    )
    assert "sync.ca /tmp/ca.pem: each daemon has a /tmp of its own (PrivateTmp=yes)" in details
    assert (
        "printer.path /srv/tickets.bin is read-only for the daemons "
        "(ProtectSystem=strict)" in details
    )
    assert (
        "the database's folder /opt/kiosk is read-only for the daemons "
        "(ProtectSystem=strict)" in details
    )
    assert all(c.fix for c in found)
    # /dev, /proc and /sys stay writable under ProtectSystem=strict: a printer there is fine
    assert deployment.sandboxed("printer.path", "/dev/usb/lp0", True) is None


def test_ok__without_installed_units_the_files_are_not_judged(tmp_path: Path) -> None:
    check = only(deployment.files(make_config(), "/tmp/x.db", drop_in=tmp_path / "none"), SKIP)
    assert "the units are not installed" in check.detail


@pytest.mark.skipif(os.geteuid() != 0, reason="checking as another user needs root")
def test_fail__a_file_the_kiosk_user_cannot_read_says_chgrp(tmp_path: Path) -> None:
    """As root the doctor becomes the daemons' user to try each file: a password file
    only root can read is found (here the user is "nobody", standing for kiosk)."""
    folder = Path(tempfile.mkdtemp(dir="/var/lib"))
    try:
        folder.chmod(0o755)
        secret, shared = folder / "password", folder / "ca.pem"
        secret.write_text("s3cret\n")
        secret.chmod(0o600)
        shared.write_text("cert\n")
        shared.chmod(0o644)
        account = pwd.getpwnam("nobody")
        assert deployment.access_as(
            account, [], [(str(secret), False), (str(shared), False), (str(folder), True)]
        ) == [False, True, False]
        config = make_config(sync={"enabled": True, "password_file": str(secret),
                                   "tls": True, "ca": str(shared)})  # fmt: skip
        found = list(deployment.files(config, "/var/lib/kiosk/kiosk.db",
                                      drop_in=drop_in(tmp_path), user="nobody"))  # fmt: skip
        (unreadable,) = [c for c in found if c.status == FAIL]
        assert unreadable.detail == f"sync.password_file {secret}: nobody cannot read it"
        assert unreadable.fix.startswith(f"sudo chgrp nobody {secret} && sudo chmod g+r {secret}")
    finally:
        shutil.rmtree(folder)


def test_fail__no_kiosk_user(tmp_path: Path) -> None:
    found = list(deployment.files(make_config(), "/var/lib/kiosk/kiosk.db",
                                  drop_in=drop_in(tmp_path), user="no-such-user-here"))  # fmt: skip
    (missing,) = [c for c in found if c.status == FAIL]
    assert missing.detail == "there is no user no-such-user-here for the daemons to run as"


def test_ok__running_daemons_are_found_by_their_command_line(tmp_path: Path) -> None:
    for pid, argv in (("101", ["/opt/kiosk/venv/bin/kiosk", "run", "counter"]),
                      ("102", ["python3", "-m", "kiosk", "--db", "x", "run", "sync"]),
                      ("103", ["bash"])):  # fmt: skip
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    (tmp_path / "self").mkdir()
    assert running_daemons(tmp_path, DEFAULT_PATH) == {"counter", "sync"}


def test_ok__only_the_daemons_of_this_sites_config_are_running_for_it(tmp_path: Path) -> None:
    """A daemon is this site's when it names the same main config file: by --config (from
    its own folder), by $KIOSK_CONFIG, or by neither (the default); another site's daemons
    on the same machine (a second config, a test) are not."""
    site = tmp_path / "site"
    site.mkdir()
    proc = tmp_path / "proc"
    for pid, argv, env, cwd in (
        ("101", ["kiosk", "--config", "site/config.toml", "run", "counter"], "", tmp_path),
        ("102", ["kiosk", "--config=/elsewhere/config.toml", "run", "display"], "", tmp_path),
        ("103", ["kiosk", "run", "sync"], f"KIOSK_CONFIG={site}/config.toml", tmp_path),
        ("104", ["kiosk", "run", "scanner"], "KIOSK_CONFIG=/other/config.toml", tmp_path),
        ("105", ["kiosk", "run", "kiosk"], "LANG=C", tmp_path),
    ):
        (proc / pid).mkdir(parents=True)
        (proc / pid / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
        (proc / pid / "environ").write_bytes(env.encode() + b"\0")
        (proc / pid / "cwd").symlink_to(cwd)
    assert running_daemons(proc, site / "config.toml") == {"counter", "sync"}
    assert running_daemons(proc, DEFAULT_PATH) == {"kiosk"}
    (proc / "104" / "environ").unlink()  # another user's: it may be this site's
    assert running_daemons(proc, site / "config.toml") == {"counter", "sync", "scanner"}


# -- printer and scanners -------------------------------------------------------------


def serial_printer(config: Config, port: Path) -> Config:
    return dataclasses.replace(config, printer=dataclasses.replace(
        config.printer, connection="serial", serial_port=str(port), timeout_seconds=1,
        flow_control="xonxoff"))  # fmt: skip


def test_fail__printer_states_each_with_their_fix(tmp_path: Path) -> None:
    virtual = VirtualPrinter(576)
    with PtyPrinter(virtual, tmp_path / "printer"):
        config = serial_printer(make_config(), tmp_path / "printer")
        assert only(devices.printer(config), OK).detail.endswith(": ready")
        virtual.paper = "low"
        assert "change the paper roll" in only(devices.printer(config), WARN).fix
        virtual.paper = "out"
        check = only(devices.printer(config), FAIL)
        assert "paper_out" in check.detail and check.fix == "load a paper roll"
        virtual.paper = "ok"
        virtual.cover_open = True
        assert "close the printer's cover" in only(devices.printer(config), FAIL).fix
        virtual.cover_open = False
        virtual.silent = True
        assert "does not answer" in only(devices.printer(config), FAIL).fix
    gone = serial_printer(make_config(), tmp_path / "no-such-port")
    check = only(devices.printer(gone), FAIL)
    assert "disconnected" in check.detail and "plug the printer in" in check.fix


def test_fail__a_missing_or_unreadable_scanner(tmp_path: Path) -> None:
    master, slave = os.openpty()
    try:
        port = tmp_path / "serial-scanner"
        port.symlink_to(os.ttyname(slave))
        config = dataclasses.replace(make_config(), scanner=dataclasses.replace(
            make_config().scanner, devices=(
                ScannerDevice(id="sanh-1", device="/dev/input/by-id/usb-Zebra_DS2208-event-kbd"),
                ScannerDevice(id="sanh-2", device=str(port), kind="serial"),
            )))  # fmt: skip
        first, second = devices.scanners(config)
    finally:
        os.close(master)
        os.close(slave)
    assert first.status == FAIL and first.detail.endswith(": not found")
    assert "ls /dev/input/by-id" in first.fix and "scanner.devices[0].device" in first.fix
    assert second.status == OK and "serial, 9600 baud" in second.detail


# -- screen, fonts, voice -------------------------------------------------------------


def test_fail__no_kmsdrm_says_use_apts_pygame(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "kmsdrm")  # no DRM device here, as a bad Pi setup
    check = only(devices.screen(make_config()), FAIL)
    assert "kmsdrm" in check.detail
    assert "python3-pygame" in check.fix and "--system-site-packages" in check.fix
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    assert "nothing is shown" in only(devices.screen(make_config()), WARN).detail


def doctor_env(**extra: str) -> dict[str, str]:
    """A shell with no desktop session (as over SSH, or as root in CI): no display, no
    XDG_RUNTIME_DIR, no SDL variables unless given."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("KIOSK_", "SDL_"))
            and k not in ("XDG_RUNTIME_DIR", "DISPLAY", "WAYLAND_DISPLAY")}  # fmt: skip
    return {**base, **extra}


def test_ok__the_doctors_output_is_its_lines_and_each_holds_here(tmp_path: Path) -> None:
    """Run as a technician runs it: nothing on stderr but what the doctor says (SDL
    probing for a Wayland screen writes there), and no advice about a variable that is
    not set."""
    args = ["--config", str(ROOT / "config.toml"), "--db", str(tmp_path / "kiosk.db"), "doctor"]
    env = doctor_env()
    done = subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, check=False, timeout=120)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    (screen,) = [line for line in lines if line.split()[1:2] == ["screen"]]
    assert "SDL_VIDEODRIVER" not in done.stdout, screen
    assert "nothing is shown" in screen
    if not any(Path("/dev/dri").glob("card*")):
        assert "no graphics device" in screen
    # With the variable set, the line says so and how to undo it.
    env["SDL_VIDEODRIVER"] = "dummy"
    done = subprocess.run([sys.executable, "-m", "kiosk", *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, check=False, timeout=120)  # fmt: skip
    assert done.stderr == ""
    (screen,) = [line for line in done.stdout.splitlines() if line.split()[1:2] == ["screen"]]
    assert "(SDL_VIDEODRIVER=dummy)" in screen and "unset SDL_VIDEODRIVER" in screen


def test_warn__no_screen_says_why_by_what_the_machine_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SDL_VIDEODRIVER", raising=False)
    bare = devices._no_screen("offscreen", tmp_path)
    assert bare.status == WARN
    assert f"no graphics device ({tmp_path}/card*)" in bare.detail
    assert bare.fix.startswith("run the display on a machine with a screen")
    (tmp_path / "card0").touch()  # a graphics device: SDL's KMSDRM is asked why
    found = devices._no_screen("offscreen", tmp_path)
    assert "the units' driver, kmsdrm, says" in found.detail, found.detail
    assert found.fix.startswith("use apt's python3-pygame")
    assert "SDL_VIDEODRIVER" not in os.environ  # asked, and left as it was


def test_fail__a_missing_libusb_names_the_package_the_set_up_installs() -> None:
    from kiosk.desk import PrinterStatus

    detail = "USB 04b8:0e15: No backend available (libusb is missing: apt install libusb-1.0-0)"
    check = devices._verdict(PrinterStatus("disconnected", detail), detail)
    assert check.status == FAIL
    assert check.fix.startswith("sudo apt install libusb-1.0-0")
    for script in ("scripts/system-packages", "systemd/install.sh"):
        assert "libusb-1.0-0" in (ROOT / script).read_text(encoding="utf-8"), script
    # make ran scripts/system-packages: pyusb has libusb here, the printer line cannot say
    # it is missing.
    import usb.backend.libusb1

    assert usb.backend.libusb1.get_backend() is not None


def test_fail__a_font_without_vietnamese_letters() -> None:
    mono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
    config = make_config()
    config = dataclasses.replace(config, display=dataclasses.replace(config.display, font=mono))
    found = {c.detail.split(":")[0]: c for c in devices.fonts(config)}
    assert found["display.font"].status == FAIL
    assert "Vietnamese letters" in found["display.font"].detail
    assert "fonts-dejavu-core" in found["display.font"].fix
    assert found["printer.font"].status == OK


def test_fail__a_voice_pack_missing_or_incomplete(tmp_path: Path) -> None:
    config = make_config()
    config = dataclasses.replace(
        config, voice=dataclasses.replace(config.voice, pack=str(tmp_path / "voice"))
    )
    check = only(devices.voice(config), FAIL)
    assert "no voice pack" in check.detail and "kiosk voice build" in check.fix
    (tmp_path / "voice").mkdir()
    for clip in REQUIRED[1:]:
        (tmp_path / "voice" / f"{clip}.wav").write_bytes(b"RIFF")
    check = only(devices.voice(config), FAIL)
    assert "1 clips missing" in check.detail and REQUIRED[0] in check.detail
    (tmp_path / "voice" / f"{REQUIRED[0]}.wav").write_bytes(b"RIFF")
    assert only(devices.voice(config), OK).detail.endswith("every clip present")


# -- the broker ------------------------------------------------------------------------


@pytest.fixture
def secured_broker(tmp_path: Path) -> Iterator[Broker]:
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), "hcc-test.site-controller-01",
                    "mật khẩu đúng"], check=True, capture_output=True)  # fmt: skip
    server = Broker(
        tmp_path / "broker", extra=f"{AS_ROOT}allow_anonymous false\npassword_file {passwd}\n"
    ).start()
    yield server
    server.stop()


def with_sync(config: Config, **sync: object) -> Config:
    return dataclasses.replace(config, sync=dataclasses.replace(config.sync, **sync))


def test_fail__broker_unreachable_or_refusing_says_why(secured_broker: Broker) -> None:
    config = make_config()
    nobody = with_sync(config, host="127.0.0.1", port=free_port())
    check = only(devices.broker(nobody), FAIL)
    assert "Connection refused" in check.detail and "is the broker running" in check.fix
    wrong = with_sync(config, host="127.0.0.1", port=secured_broker.port,
                      username="hcc-test.site-controller-01", password="sai")  # fmt: skip
    check = only(devices.broker(wrong), FAIL)
    assert "refused" in check.detail and "username and password" in check.fix
    right = dataclasses.replace(
        wrong, sync=dataclasses.replace(wrong.sync, password="mật khẩu đúng")
    )
    assert "connected as hcc-test.site-controller-01" in only(devices.broker(right), OK).detail
    missing_ca = with_sync(config, host="127.0.0.1", port=secured_broker.port, tls=True,
                           ca="/nonexistent/ca.crt")  # fmt: skip
    check = only(devices.broker(missing_ca), FAIL)
    assert "no such file" in check.detail and "TLS" in check.fix


DEVICE = "hcc-test.site-controller-01"


@pytest.fixture
def binding_broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker that takes each login as its client id, as the example one does."""
    passwd = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwd), DEVICE, "mật khẩu đúng"],
                   check=True, capture_output=True)  # fmt: skip
    subprocess.run(["mosquitto_passwd", "-b", str(passwd), "central", "c"], check=True,
                   capture_output=True)  # fmt: skip
    extra = (
        f"{AS_ROOT}allow_anonymous false\npassword_file {passwd}\nuse_username_as_clientid true\n"
    )
    server = Broker(tmp_path / "broker", extra=extra).start()
    yield server
    server.stop()


class DeviceSession:
    """The device's side of its session (a clean start off, a week's expiry), as a plain
    paho client: what it received and whether the broker kept its session."""

    def __init__(self, port: int) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.port = port
        self.got: list[bytes] = []
        self.kept: bool | None = None
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=DEVICE,
                                  protocol=mqtt.MQTTv5)  # fmt: skip
        self.client.username_pw_set(DEVICE, "mật khẩu đúng")
        self.client.on_connect = self._connected
        self.client.on_message = lambda _c, _u, message: self.got.append(message.payload)

    def _connected(self, _c: object, _u: object, flags: Any, reason: Any, _p: object) -> None:
        self.kept = bool(flags.session_present) if not reason.is_failure else None

    def connect(self, subscribe: str = "") -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 7 * 24 * 3600
        self.kept = None
        self.client.connect("127.0.0.1", self.port, clean_start=False, properties=props)
        self.client.loop_start()
        wait(lambda: self.kept is not None)
        if subscribe:
            self.client.subscribe(subscribe, qos=1)
            time.sleep(0.3)  # its SUBACK

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_ok__the_broker_check_leaves_the_devices_session_as_it_was(
    binding_broker: Broker,
) -> None:
    """The doctor connects under the device's login, which such a broker makes the
    device's own session: a command waiting there for the daemon is still there after."""
    topic = "hcc/v1/hcc-test/site-controller-01/cmd"
    device = DeviceSession(binding_broker.port)
    device.connect(subscribe=topic)
    device.close()
    publisher = mqtt_publisher(binding_broker.port)
    config = with_sync(make_config(), host="127.0.0.1", port=binding_broker.port,
                       username=DEVICE, password="mật khẩu đúng")  # fmt: skip
    try:
        publisher.publish(topic, b"waiting for the daemon", qos=1).wait_for_publish(5)
        assert f"connected as {DEVICE}" in only(devices.broker(config), OK).detail
        device.connect()
        assert device.kept is True
        wait(lambda: device.got == [b"waiting for the daemon"])
    finally:
        device.close()
        publisher.disconnect()
        publisher.loop_stop()


def mqtt_publisher(port: int) -> Any:
    """Central's side, with a login of its own."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set("central", "c")
    client.connect("127.0.0.1", port)
    client.loop_start()
    wait(client.is_connected)
    return client


def test_ok__a_running_sync_daemons_link_is_read_from_its_report(tmp_path: Path) -> None:
    """The sync daemon holds the device's session: the doctor does not connect with the
    same login (it would knock the daemon off) but reports what the daemon last said."""
    config = with_sync(make_config(), host="127.0.0.1", port=free_port())  # nothing there
    db = tmp_path / "kiosk.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE health (daemon TEXT PRIMARY KEY, state TEXT, detail TEXT, "
                     "pid INTEGER, at REAL)")  # fmt: skip
    check = only(devices.broker(config, {"sync"}, str(db)), WARN)
    assert "has not reported" in check.detail
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO health VALUES ('sync', 'ok', 'connected to broker:8883 (TLS)', "
                     "1, 0)")  # fmt: skip
    check = only(devices.broker(config, {"sync"}, str(db)), OK)
    assert check.detail == "held by the running sync daemon: connected to broker:8883 (TLS)"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE health SET state = 'degraded', "
                     "detail = 'broker broker:8883 (TLS) refused: Not authorized'")  # fmt: skip
    check = only(devices.broker(config, {"sync"}, str(db)), FAIL)
    assert "refused: Not authorized" in check.detail and "username and password" in check.fix


READ_AS_NOBODY = """
import json, sys
from pathlib import Path
from kiosk.app.demo._busy_figures import day_figures
from kiosk.app.doctor._devices import _reported_link, _reported_printer
db, central = sys.argv[1], sys.argv[2]
figures = day_figures(Path(db), Path(central), site="hcc-test", day=sys.argv[3])
print(json.dumps({"link": _reported_link(db).detail,
                  "printer": [c.detail for c in _reported_printer(db)],
                  "tickets": figures["tickets"], "skips": figures["skips"]}))
"""


@needs_root
def test_ok__what_the_daemons_reported_is_read_leaving_no_file_of_the_readers(
    tmp_path: Path,
) -> None:
    """The doctor (and the busy day's figures) read the database as the read-only
    commands do: a user who may write in the folder but owns neither database leaves no
    -wal or -shm of their own beside them, which would keep the daemons from writing."""
    from kiosk import ticketing
    from kiosk.store import Store
    from sync.central_store import CentralStore, Incoming
    from tests.conftest import OPEN_ALL_DAY, at
    from tests.disks import as_nobody, public_folder, python_for_nobody

    with public_folder() as folder:
        folder.chmod(0o777)
        db, central = folder / "kiosk.db", folder / "central.db"
        config = make_config(hours=OPEN_ALL_DAY)
        with Store(db) as store:
            ticket = ticketing.issue(store, config, "dat-dai", now=at(9), printed=True).ticket
            ticketing.call_next(store, config, 1, now=at(9, 5))
            ticketing.skip(store, config, 1, now=at(9, 10))
            store.report_health("sync", "ok", "connected to broker:8883 (TLS)", at(9))
            with store.change(at(9)) as tx:
                tx.put("printer", json.dumps({"state": "ready", "detail": ""}))
            events = store.conn.execute("SELECT seq, id, type, ts, data FROM events").fetchall()
            outbox_db = store.conn.execute(
                "SELECT value FROM kv WHERE key = 'outbox_db'"
            ).fetchone()[0]
        held = CentralStore(f"sqlite://{central}")
        held.ingest([Incoming("hcc-test", "kiosk-1", {"db": outbox_db, "seq": seq, "id": id_,
                               "type": type_, "ts": ts, "data": json.loads(data)})
                     for seq, id_, type_, ts, data in events])  # fmt: skip
        held.close()
        assert sorted(p.name for p in folder.iterdir()) == ["central.db", "kiosk.db"]
        result = subprocess.run(
            [*as_nobody(), *python_for_nobody(), "-c", READ_AS_NOBODY, str(db), str(central),
             ticket.day],
            capture_output=True, text=True, cwd="/", check=False, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        read = json.loads(result.stdout)
        assert read["link"] == "held by the running sync daemon: connected to broker:8883 (TLS)"
        assert read["printer"] == ["held by the running kiosk daemon: ready"]
        assert (read["tickets"], read["skips"]) == (1, 1)
        assert sorted(p.name for p in folder.iterdir()) == ["central.db", "kiosk.db"]


def test_ok__a_site_whose_parts_all_answer_can_run(tmp_path: Path, secured_broker: Broker) -> None:
    virtual = VirtualPrinter(576)
    master, slave = os.openpty()
    voice = tmp_path / "voice"
    voice.mkdir()
    for clip in REQUIRED:
        (voice / f"{clip}.wav").write_bytes(b"RIFF")
    scanner = tmp_path / "scanner"
    scanner.symlink_to(os.ttyname(slave))
    (tmp_path / "config.toml").write_text(ALWAYS_OPEN + f"""
[printer]
connection = "serial"
serial_port = "{tmp_path / 'printer'}"
flow_control = "xonxoff"
timeout_seconds = 1

[[scanner.devices]]
id = "sanh-1"
device = "{scanner}"
kind = "serial"

[voice]
pack = "{voice}"

[sync]
host = "127.0.0.1"
port = {secured_broker.port}
username = "hcc-test.site-controller-01"
password = "mật khẩu đúng"
""", encoding="utf-8")  # fmt: skip
    env = {"GPIOZERO_PIN_FACTORY": "mock", "SDL_VIDEODRIVER": "dummy"}
    try:
        with PtyPrinter(virtual, tmp_path / "printer"):
            done = kiosk("--config", str(tmp_path / "config.toml"), "--db",
                         str(tmp_path / "kiosk.db"), "--json", "doctor", env=env)  # fmt: skip
    finally:
        os.close(master)
        os.close(slave)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["ok"] is True
    statuses = {(c["name"], c["status"]) for c in report["checks"]}
    for name in ("config", "database", "printer", "scanner", "font", "voice", "broker"):
        assert (name, OK) in statuses, (name, report["checks"])
    assert ("screen", WARN) in statuses  # the dummy driver shows nothing
    assert not any(c["status"] == FAIL for c in report["checks"])
    assert can_run(Check(**c) for c in report["checks"])


def test_ok__a_printer_held_by_the_running_kiosk_daemon_is_read_from_its_report(
    tmp_path: Path,
) -> None:
    """The kiosk daemon keeps the printer open: the doctor does not fight it for the port
    (it would only see "busy") but reports the state the daemon last recorded."""
    config = serial_printer(make_config(), tmp_path / "printer-held-elsewhere")
    db = tmp_path / "kiosk.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT)")
    check = only(devices.printer(config, {"kiosk"}, str(db)), WARN)
    assert "has not reported" in check.detail
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO kv VALUES ('printer', ?)",
                     (json.dumps({"state": "paper_out", "detail": "hết giấy"}),))  # fmt: skip
    check = only(devices.printer(config, {"kiosk"}, str(db)), FAIL)
    assert check.detail == "held by the running kiosk daemon: paper_out, hết giấy"
    assert check.fix == "load a paper roll"


def test_ok__the_screen_is_left_to_a_running_display_daemon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "kmsdrm")  # would fail if the doctor tried it
    check = only(devices.screen(make_config(), {"display"}), SKIP)
    assert "the display daemon has the screen" in check.detail
