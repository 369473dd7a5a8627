"""Deployment: the systemd units (checked by systemd-analyze verify), the installer (shellcheck,
then run into a throwaway root twice: an install, then an upgrade that keeps the config and
the database), and the udev rules and unit list made from the configuration."""

from __future__ import annotations

import configparser
import dataclasses
import importlib.util
import os
import re
import shutil
import sqlite3
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.app.bench.site import UNIT_MEMORY
from kiosk.app.deploy import _match, rules, units
from kiosk.config import Config, ScannerDevice
from tests.conftest import ROOT, make_config

SYSTEMD = ROOT / "systemd"
DAEMONS = {
    "kiosk-kiosk.service": "run kiosk",
    "kiosk-counter.service": "run counter",
    "kiosk-display-wall.service": "run display --role wall",
    "kiosk-display-lookup.service": "run display --role lookup",
    "kiosk-display-both.service": "run display --role both",
    "kiosk-scanner.service": "run scanner",
    "kiosk-sync.service": "run sync",
}
# The example configures every daemon, a scanner too: its two screens come from one process.
EXAMPLE_UNITS = ["kiosk-kiosk.service", "kiosk-counter.service", "kiosk-display-both.service",
                 "kiosk-scanner.service", "kiosk-sync.service"]  # fmt: skip
GROUPS = {"gpio", "dialout", "input", "video", "render", "audio", "lp", "plugdev"}


def unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser


def settings(path: Path, section: str) -> dict[str, list[str]]:
    """Every ``Key=value`` of a section, repeated keys kept in order."""
    out: dict[str, list[str]] = {}
    current = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out.setdefault(key, []).append(value)
    return out


# -- the unit files -----------------------------------------------------------------------


def test_ok__one_unit_per_daemon_each_runs_its_daemon_for_the_target() -> None:
    for name, args in DAEMONS.items():
        parsed = unit(SYSTEMD / name)
        assert parsed["Service"]["ExecStart"] == f"/opt/kiosk/venv/bin/kiosk {args}"
        assert parsed["Install"]["WantedBy"] == "kiosk.target"
    target = unit(SYSTEMD / "kiosk.target")
    assert target["Install"]["WantedBy"] == "multi-user.target"


def test_ok__every_daemon_shares_notify_watchdog_user_and_hardening() -> None:
    shared = settings(SYSTEMD / "kiosk-.service.d" / "10-kiosk.conf", "Service")
    one = {key: values[-1] for key, values in shared.items()}
    assert one["Type"] == "notify" and one["NotifyAccess"] == "main"
    assert int(one["WatchdogSec"]) >= 10
    assert one["Restart"] == "on-failure"
    assert one["RestartPreventExitStatus"] == "78"
    assert (one["User"], one["Group"]) == ("kiosk", "kiosk")
    assert set(one["SupplementaryGroups"].split()) == GROUPS
    assert (one["StateDirectory"], one["RuntimeDirectory"]) == ("kiosk", "kiosk kiosk/%N")
    environment = dict(value.split("=", 1) for value in shared["Environment"])
    assert environment["LG_WD"] == "/run/kiosk/%N"  # lgpio's pipe: a writable place per unit
    assert environment["SDL_VIDEODRIVER"] == "kmsdrm"
    assert environment["SDL_AUDIODRIVER"] == "alsa"
    assert "KIOSK_DB" not in environment  # store.path says where the database is
    # python-escpos's parsed printer database outlives a start, where the unit may write.
    assert environment["ESCPOS_CAPABILITIES_PICKLE_DIR"] == "/var/cache/kiosk"
    assert one["CacheDirectory"] == "kiosk" and "/var/cache/kiosk" in one["ReadWritePaths"]
    # The benches run the daemons with the units' memory settings.
    assert {key: environment[key] for key in UNIT_MEMORY} == UNIT_MEMORY
    for key, value in (("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                       ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes")):  # fmt: skip
        assert one[key] == value, key
    # Nothing that hides /dev/gpiochip*, /dev/input, ttys, USB printers or /dev/dri.
    assert "PrivateDevices" not in one and "DevicePolicy" not in one
    assert "AF_NETLINK" in one["RestrictAddressFamilies"]  # udev hotplug events
    assert "/run/kiosk" in one["ReadWritePaths"] and "/var/lib/kiosk" in one["ReadWritePaths"]


def test_ok__sync_does_not_wait_for_the_network() -> None:
    sync = unit(SYSTEMD / "kiosk-sync.service")["Unit"]
    assert "network-online.target" not in sync.get("After", "") + sync.get("Wants", "")
    assert "network.target" in sync["After"]


# -- the installer ------------------------------------------------------------------------


def test_ok__the_installer_passes_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is not installed (scripts/system-packages installs it)"
    done = subprocess.run([shellcheck, str(SYSTEMD / "install.sh")], capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout


def throwaway_root(folder: Path) -> Path:
    """A root with just the account files of a fresh system, and systemd's own units (for
    systemd-analyze to resolve sysinit.target and friends)."""
    etc = folder / "etc"
    etc.mkdir(parents=True)
    keep = ("root", "daemon", "bin", "sys", "adm", "tty", "nogroup", "nobody")
    for name in ("passwd", "group", "shadow", "gshadow"):
        lines = Path("/etc", name).read_text().splitlines()
        (etc / name).write_text("".join(f"{line}\n" for line in lines
                                        if line.split(":")[0] in keep))  # fmt: skip
        (etc / name).chmod(0o640 if "shadow" in name else 0o644)
    shutil.copytree("/usr/lib/systemd/system", folder / "usr/lib/systemd/system", symlinks=True)
    return folder


def install(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SYSTEMD / "install.sh"), "--root", str(root)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    if os.geteuid() != 0:
        pytest.fail("the installer test needs root (it creates a user in a throwaway root)")
    root = throwaway_root(tmp_path_factory.mktemp("root"))
    first = install(root)
    assert first.returncode == 0, first.stderr + first.stdout
    yield root, first.stdout


def test_ok__the_installer_runs_to_the_end_in_a_throwaway_root(installed: tuple[Path, str]) -> None:
    root, said = installed
    assert said.rstrip().endswith("install: done")
    kiosk = root / "opt/kiosk/venv/bin/kiosk"
    assert os.access(kiosk, os.X_OK)
    # It names its interpreter where it will be once the root is /, not in this folder.
    assert kiosk.read_text().splitlines()[0].startswith("#!/opt/kiosk/venv/bin/python")
    assert (root / "usr/local/bin/kiosk").readlink() == Path("/opt/kiosk/venv/bin/kiosk")
    passwd = (root / "etc/passwd").read_text()
    (entry,) = [line for line in passwd.splitlines() if line.startswith("kiosk:")]
    assert entry.endswith(":/var/lib/kiosk:/usr/sbin/nologin")
    members = {line.split(":")[0] for line in (root / "etc/group").read_text().splitlines()
               if "kiosk" in line.split(":")[3].split(",")}  # fmt: skip
    assert members == GROUPS
    assert (root / "etc/kiosk/config.toml").read_bytes() == (ROOT / "config.toml").read_bytes()
    rules_text = (root / "etc/udev/rules.d/70-kiosk.rules").read_text()
    assert 'SYMLINK+="kiosk/printer"' in rules_text
    wants = sorted(p.name for p in (root / "etc/systemd/system/kiosk.target.wants").iterdir())
    assert wants == sorted(EXAMPLE_UNITS)
    assert (root / "etc/systemd/system/multi-user.target.wants/kiosk.target").is_symlink()
    state = root / "var/lib/kiosk"
    assert state.stat().st_mode & 0o777 == 0o750
    uid = int(entry.split(":")[2])
    assert state.stat().st_uid == uid


def test_ok__the_installed_units_pass_systemd_analyze_verify(installed: tuple[Path, str]) -> None:
    root, _ = installed
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is not installed (scripts/system-packages installs systemd)"
    done = subprocess.run(
        [analyze, "verify", f"--root={root}", "kiosk.target", *DAEMONS],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # not even a warning about the shared drop-in


def test_ok__running_the_installer_again_upgrades_and_keeps_config_and_database(
    installed: tuple[Path, str],
) -> None:
    root, _ = installed
    config = root / "etc/kiosk/config.toml"
    edited = config.read_text(encoding="utf-8") + "\n# Trung tâm đã sửa cấu hình này\n"
    config.write_text(edited, encoding="utf-8")
    database = root / "var/lib/kiosk/kiosk.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE IF NOT EXISTS kept (note TEXT)")
        db.execute("INSERT INTO kept VALUES ('vé A001')")
    again = install(root)
    assert again.returncode == 0, again.stderr + again.stdout
    assert "configuration kept" in again.stdout and "database kept" in again.stdout
    assert config.read_text(encoding="utf-8") == edited
    (copy,) = (root / "var/lib/kiosk").glob("kiosk.db.before-upgrade-*")
    for path in (database, copy):
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT note FROM kept").fetchall() == [("vé A001",)]
    passwd = (root / "etc/passwd").read_text()
    assert passwd.count("\nkiosk:") + passwd.startswith("kiosk:") == 1  # one user, not two
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", *DAEMONS],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr


def test_fail__an_upgrade_stops_on_a_config_this_release_refuses_with_its_own_lines(
    installed: tuple[Path, str],
) -> None:
    # Text the old release let through: a soft hyphen, a name over 200 characters. The new
    # daemons would exit 78 on it: the installer says why, line by line, before it stops the
    # daemons or replaces the software they run.
    root, _ = installed
    config = root / "etc/kiosk/config.toml"
    kept = config.read_text(encoding="utf-8")
    rules_file = root / "etc/udev/rules.d/70-kiosk.rules"
    rules_before = rules_file.read_bytes()
    bad = kept.replace('name = "Đất đai"', 'name = "Đất\u00adđai"', 1).replace(
        'name = "Thuế"', f'name = "{"Thuế " * 50}"', 1
    )
    assert bad.count("\u00ad") == 1 and "Thuế " * 50 in bad
    config.write_text(bad, encoding="utf-8")
    try:
        refused = install(root)
        check = subprocess.run(
            [str(root / "opt/kiosk/venv/bin/python"), "-m", "kiosk", "--config", str(config),
             "--db", str(root / "var/lib/kiosk/kiosk.db"), "config", "check"],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
    finally:
        config.write_text(kept, encoding="utf-8")
    assert check.returncode == 78
    problems = check.stderr.splitlines()
    assert problems == [
        "kiosk: config: services[0].name: must not contain invisible characters (U+00AD)",
        "kiosk: config: services[6].name: too long (249 characters; at most 200)",
    ]
    assert refused.returncode == 1, refused.stdout
    *said, last = refused.stderr.splitlines()
    assert said == problems  # the configuration's own lines, each whole
    assert last == (
        "install: the configuration does not pass this release's check (the lines above): "
        "fix it, then run this again; nothing was stopped or changed"
    )
    assert "before anything is stopped" in refused.stdout and "config check" in refused.stdout
    for step in ("stopping kiosk.target", "database kept", "installing", "units for this site",
                 "install: done"):  # fmt: skip
        assert step not in refused.stdout, refused.stdout
    assert rules_file.read_bytes() == rules_before


def test_fail__the_installer_refuses_an_empty_root_at_once_saying_what_it_must_hold(
    tmp_path: Path,
) -> None:
    if os.geteuid() != 0:
        pytest.skip("the installer runs as root only")
    empty = tmp_path / "empty"
    empty.mkdir()
    started = time.monotonic()
    done = subprocess.run(["bash", str(SYSTEMD / "install.sh"), "--root", str(empty)],
                          capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert time.monotonic() - started < 5  # no lock retries of useradd in a folder without files
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"install: --root {empty} must hold a system")
    assert "etc/passwd" in line and "etc/group" in line
    assert list(empty.iterdir()) == []


def test_ok__lgpio_comes_from_pypi_where_apt_has_no_python3_lgpio(
    installed: tuple[Path, str],
) -> None:
    """Under --root apt is not used: the host's interpreter has no lgpio (no Raspberry Pi
    OS archive here), so the venv gets PyPI's wheel, and the installer says so."""
    root, said = installed
    if importlib.util.find_spec("lgpio") is not None:
        pytest.skip("this machine's Python has lgpio already")
    assert "lgpio: no python3-lgpio on this system" in said
    assert list((root / "opt/kiosk/venv/lib").glob("python3*/site-packages/lgpio*"))


# Debian Bookworm's (and Raspberry Pi OS Bookworm's) versions of the libraries the installer
# takes from apt: pyproject's ranges must accept them, so pip keeps them and builds nothing.
BOOKWORM_APT = {"pygame": "2.1.2", "evdev": "1.6.1", "Pillow": "9.4.0", "pyserial": "3.5"}


def test_ok__pyproject_accepts_bookworms_apt_versions() -> None:
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {Requirement(line).name.lower(): Requirement(line) for line in project["dependencies"]}
    for name, version in BOOKWORM_APT.items():
        assert wanted[name.lower()].specifier.contains(version), (name, version)
    # ... and the installer takes them (and PyYAML, python-escpos's) from apt.
    script = (ROOT / "systemd/install.sh").read_text(encoding="utf-8")
    found = re.search(r"^\s*packages=\(([^)]*)\)", script, re.MULTILINE)
    assert found
    apt = set(found.group(1).split())
    assert {"python3-pygame", "python3-evdev", "python3-pil", "python3-serial",
            "python3-yaml"} <= apt  # fmt: skip


def test_fail__the_installer_refuses_a_folder_that_is_not_a_checkout(tmp_path: Path) -> None:
    script = tmp_path / "systemd" / "install.sh"
    script.parent.mkdir()
    shutil.copy(SYSTEMD / "install.sh", script)
    done = subprocess.run(["bash", str(script), "--root", str(tmp_path / "r")],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == f"install: {tmp_path} is not a kiosk checkout"
    bad = subprocess.run(["bash", str(SYSTEMD / "install.sh"), "--frobnicate"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    assert bad.returncode == 1 and "unknown option --frobnicate" in bad.stderr


# -- udev rules and units from the configuration -------------------------------------------


def serial_key(device: str, *, serial_port: bool = False) -> str | None:
    """The ID_SERIAL a device's rule matches, or None when it is matched another way."""
    keys, _ = _match(device, serial_port=serial_port)
    found = [k for k in keys if k.startswith("ENV{ID_SERIAL}==")]
    return found[0].split("==", 1)[1].strip('"') if found else None


def test_ok__by_id_names_give_the_usb_serial() -> None:
    assert serial_key("/dev/input/by-id/usb-Honeywell_Imaging___Mobility_1900-event-kbd") == (
        "Honeywell_Imaging___Mobility_1900"
    )
    assert serial_key("/dev/input/by-id/usb-Zebra_DS2208-if01-event-kbd") == "Zebra_DS2208"
    assert serial_key("/dev/serial/by-id/usb-Prolific_USB-Serial-if00-port0", serial_port=True) == (
        "Prolific_USB-Serial"
    )
    assert serial_key("/dev/ttyUSB0", serial_port=True) is None
    assert serial_key("/dev/input/event3") is None


def with_devices(config: Config, *devices: ScannerDevice, **printer: object) -> Config:
    return dataclasses.replace(
        config,
        scanner=dataclasses.replace(config.scanner, devices=tuple(devices)),
        printer=dataclasses.replace(config.printer, **printer),
    )


def test_ok__udev_rules_name_the_printer_and_scanners_and_hide_serials_from_modemmanager() -> None:
    config = with_devices(
        make_config(),
        ScannerDevice(id="sanh-1", device="/dev/input/by-id/usb-Zebra_DS2208-event-kbd"),
        ScannerDevice(id="sanh-2", device="/dev/serial/by-id/usb-Newland_NLS-FR40-if00-port0"),
        ScannerDevice(id="sanh-3", device="/dev/ttyACM0", kind="serial"),
        connection="usb", usb_vendor_id=0x0416, usb_product_id=0x5011,
    )  # fmt: skip
    text = rules(config)
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == (
        'SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", ATTR{idVendor}=="0416", '
        'ATTR{idProduct}=="5011", GROUP="lp", MODE="0660", SYMLINK+="kiosk/printer"'
    )
    assert 'ATTRS{idVendor}=="0416"' in lines[1] and 'SYMLINK+="kiosk/printer-lp"' in lines[1]
    assert lines[2] == (
        'SUBSYSTEM=="input", KERNEL=="event*", ENV{ID_SERIAL}=="Zebra_DS2208", '
        'ATTRS{bInterfaceNumber}=="|00", ENV{ID_INPUT_KEYBOARD}=="?*", ENV{ID_INPUT_MOUSE}!="?*", '
        'ENV{ID_INPUT_TOUCHPAD}!="?*", ENV{ID_INPUT_TABLET}!="?*", ENV{ID_INPUT_JOYSTICK}!="?*", '
        'GROUP="input", MODE="0660", SYMLINK+="kiosk/scanner-sanh-1"'
    )
    assert 'ENV{ID_SERIAL}=="Newland_NLS-FR40", ENV{ID_USB_INTERFACE_NUM}=="00", ' in lines[3]
    assert 'ATTRS{port_number}=="0"' in lines[3]
    assert 'GROUP="dialout"' in lines[3] and 'ENV{ID_MM_DEVICE_IGNORE}="1"' in lines[3]
    assert 'KERNEL=="ttyACM0"' in lines[4] and 'ENV{ID_MM_DEVICE_IGNORE}="1"' in lines[4]
    assert "/dev/ttyACM0 is not a by-id name" in text
    assert len(lines) == 5


def rule_lines(config: Config) -> list[str]:
    return [x for x in rules(config).splitlines() if x and not x.startswith("#")]


def test_ok__a_scanner_with_several_interfaces_gets_the_one_its_name_says() -> None:
    """A scanner that is a keyboard on interface 01 and a mouse on 00 (and a virtual COM
    port on 02): the rule must not give the mouse, or another scanner, the stable name."""
    config = with_devices(
        make_config(),
        ScannerDevice(id="a", device="/dev/input/by-id/usb-Honeywell_1950g-if01-event-kbd"),
        ScannerDevice(id="b", device="/dev/input/by-id/usb-Generic_HID-event-if02"),
        ScannerDevice(id="c", device="/dev/serial/by-id/usb-Honeywell_1950g-if02"),
        connection="none",
    )  # fmt: skip
    keyboard, bare, com = rule_lines(config)
    assert 'ENV{ID_SERIAL}=="Honeywell_1950g", ATTRS{bInterfaceNumber}=="01", ' in keyboard
    assert 'ENV{ID_INPUT_KEYBOARD}=="?*", ENV{ID_INPUT_MOUSE}!="?*"' in keyboard
    assert 'ATTRS{bInterfaceNumber}=="02", GROUP="input"' in bare  # no class to match
    assert 'SUBSYSTEM=="tty", ENV{ID_SERIAL}=="Honeywell_1950g", ' in com
    assert 'ENV{ID_USB_INTERFACE_NUM}=="02", GROUP="dialout"' in com


def test_ok__two_scanners_with_one_serial_are_told_apart_by_their_port() -> None:
    path = "platform-fd500000.pcie-pci-0000:01:00.0-usb-0:1.3:1.0"
    config = with_devices(
        make_config(),
        ScannerDevice(id="a", device=f"/dev/input/by-path/{path}-event-kbd"),
        ScannerDevice(id="b", device=f"/dev/serial/by-path/{path}-port0", kind="serial"),
        ScannerDevice(id="c", device=f"/dev/input/by-path/{path.replace('-usb-', '-usbv2-')}"
                                     "-event-kbd"),
        connection="none",
    )  # fmt: skip
    hid, serial, revision = rule_lines(config)
    assert f'KERNEL=="event*", ENV{{ID_PATH}}=="{path}", ENV{{ID_INPUT_KEYBOARD}}=="?*"' in hid
    assert f'ENV{{ID_PATH}}=="{path}", ATTRS{{port_number}}=="0", GROUP="dialout"' in serial
    assert "the USB port it is plugged into" in rules(config)
    assert 'ENV{ID_PATH_WITH_USB_REVISION}=="platform-fd500000.pcie-pci-0000:01:00.0-usbv2-' in (
        revision
    )


def test_ok__a_symlink_that_is_no_kernel_name_is_followed_or_left_without_a_rule(
    tmp_path: Path,
) -> None:
    """/dev/serial0 on a Pi is a link to ttyS0 or ttyAMA0: KERNEL=="serial0" would never
    match, so the rule names the node it stands for; a name udev cannot match gets none."""
    (tmp_path / "ttyAMA0").touch()
    (tmp_path / "serial0").symlink_to("ttyAMA0")
    config = with_devices(make_config(), connection="serial", serial_port=str(tmp_path / "serial0"))
    (line,) = rule_lines(config)
    assert 'SUBSYSTEM=="tty", KERNEL=="ttyAMA0"' in line
    assert "the rule follows the node ttyAMA0" in rules(config)
    missing = with_devices(
        make_config(), ScannerDevice(id="x", device="/dev/kiosk/scanner-x"), connection="none"
    )
    assert rule_lines(missing) == []
    assert "/dev/kiosk/scanner-x is neither a by-id, a by-path nor a kernel name" in rules(missing)


def test_ok__a_serial_printer_is_hidden_from_modemmanager_and_none_has_no_rule() -> None:
    port = "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0"
    serial = with_devices(make_config(), connection="serial", serial_port=port)
    (line,) = [x for x in rules(serial).splitlines() if x and not x.startswith("#")]
    assert 'ENV{ID_SERIAL}=="1a86_USB_Serial"' in line and 'SYMLINK+="kiosk/printer"' in line
    assert 'ENV{ID_MM_DEVICE_IGNORE}="1"' in line
    none = with_devices(make_config(), connection="none")
    assert [x for x in rules(none).splitlines() if x and not x.startswith("#")] == []


def test_ok__only_the_units_a_configuration_needs() -> None:
    config = make_config()
    assert units(config) == EXAMPLE_UNITS
    bare = dataclasses.replace(
        with_devices(config, connection="none"),
        counters=tuple(dataclasses.replace(c, buttons=(), keypads=()) for c in config.counters),
        sync=dataclasses.replace(config.sync, enabled=False),
    )
    assert units(bare) == ["kiosk-display-wall.service"]


def test_ok__an_editable_install_in_a_fresh_venv_builds_without_warnings(tmp_path: Path) -> None:
    """pip install -e, as make runs it, in a new venv: the build backend has nothing to warn
    about (the license is an SPDX expression, which setuptools 77 and later take), and the
    installed package says its license and version. (pip reaches the package index for the
    build's setuptools, as make does.)"""
    import sys

    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "*cache*", "demo-out", "*.egg-info", "build", "tests"
        ),
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # pip from this venv, run for the new one (no download of pip itself needed).
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install",
         "--no-deps", "--disable-pip-version-check", "-e", str(source)],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # setuptools' one note on any editable install of a flat layout is all it says.
    said = re.findall(r"(\w*Warning): (.*)", output)
    assert set(said) <= {("BuildBackendWarning", "Editable installation.")}, output
    assert "deprecat" not in output.lower() and "license" not in output.lower(), output
    meta = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; d = m.metadata('kiosk'); "
         "print(d['License-Expression'], d['Version'])"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    from kiosk import __version__

    assert meta.stdout.split() == ["GPL-3.0-or-later", __version__]
