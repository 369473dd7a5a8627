"""What the daemons drive: the printer, the scanners, the screen with its fonts and voice,
and the link to central's broker."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kiosk.app.doctor import FAIL, OK, SKIP, WARN, Check
from kiosk.config import Config
from kiosk.desk import PrinterStatus

if TYPE_CHECKING:
    import sqlite3

T = TypeVar("T")

FIX_PRINTER = {
    "disconnected": "plug the printer in and switch it on; check the cable (lsusb, or ls "
    "/dev/serial/by-id), printer.usb_vendor_id/usb_product_id or serial_port, and that the "
    "kiosk user is in the lp (USB) or dialout (serial) group",
    "paper_out": "load a paper roll",
    "paper_low": "change the paper roll soon",
    "cover_open": "close the printer's cover",
    "silent": "the printer is connected but does not answer: switch it off and on; "
    "check printer.profile and the serial settings",
    "offline": "press the printer's feed/online button or switch it off and on",
    "error": "clear the jam or cutter error, then switch it off and on",
    "unchecked": 'set printer.status = "auto" and a USB or serial connection to see paper status',
}


# What the printer's link says when pyusb has no libusb, and the Debian package that has it
# (scripts/system-packages and systemd/install.sh install it).
NO_LIBUSB = "No backend available"
LIBUSB = "libusb-1.0-0"


def printer(config: Config, running: Collection[str] = (), db_path: str = "") -> Iterator[Check]:
    setting = config.printer
    if setting.connection == "none":
        yield Check("printer", SKIP, 'no printer configured (printer.connection = "none")')
        return
    if "kiosk" in running:  # the kiosk daemon holds the printer: its last report says
        yield from _reported_printer(db_path)
        return
    import printer

    where = {
        "usb": f"USB {setting.usb_vendor_id or 0:04x}:{setting.usb_product_id or 0:04x}",
        "serial": f"serial {setting.serial_port}",
    }.get(setting.connection, setting.connection)
    device = printer.open(setting)
    try:
        status = device.status()
    finally:
        device.close()
    detail = f"{where} ({setting.profile}): {status.state}"
    if status.detail:
        detail += f", {status.detail}"
    yield _verdict(status, detail)


def _verdict(status: PrinterStatus, text: str) -> Check:
    """Ready is fine; a printer that still prints (paper low, unchecked) a warning."""
    if status.state == "ready":
        return Check("printer", OK, text)
    fix = FIX_PRINTER.get(status.state, "see the printer's manual for this state")
    if NO_LIBUSB in status.detail:
        fix = f"sudo apt install {LIBUSB} (the installer does; python-escpos needs it for USB)"
    return Check("printer", WARN if status.printable else FAIL, text, fix)


def _reported(db_path: str, read: Callable[[sqlite3.Connection], T]) -> T | None:
    """What a running daemon left in the database, read as the read-only commands read
    it (leaving no file of this user's beside it); None if there is none or no database."""
    import contextlib
    import sqlite3

    from kiosk.store import StoreError, connect_readonly

    try:
        with contextlib.closing(connect_readonly(db_path, timeout=2)) as db:
            return read(db)
    except (sqlite3.Error, StoreError):
        return None


def _reported_printer(db_path: str) -> Iterator[Check]:
    from kiosk.store import kv

    stored = _reported(db_path, kv.PRINTER.read)
    if stored is None:
        yield Check(
            "printer",
            WARN,
            "held by the running kiosk daemon, which has not reported",
            "journalctl -u kiosk-kiosk says what it sees",
        )
        return
    status = PrinterStatus(str(stored.get("state", "?")), str(stored.get("detail", "")))
    text = f"held by the running kiosk daemon: {status.state}"
    yield _verdict(status, text + (f", {status.detail}" if status.detail else ""))


def scanners(config: Config) -> Iterator[Check]:
    if not config.scanner.devices:
        yield Check("scanner", SKIP, "no scanner configured")
        return
    for index, scanner in enumerate(config.scanner.devices):
        path = Path(scanner.device)
        name = f"{scanner.id} ({scanner.device})"
        group = "input" if scanner.is_hid else "dialout"
        if not path.exists():
            folder = "/dev/input/by-id" if scanner.is_hid else "/dev/serial/by-id"
            yield Check(
                "scanner",
                FAIL,
                f"{name}: not found",
                f"plug the scanner in; if it is, its name differs: ls {folder} and "
                f"set scanner.devices[{index}].device",
            )
            continue
        try:
            handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        except OSError as exc:
            yield Check(
                "scanner",
                FAIL,
                f"{name}: cannot read: {exc.strerror or exc}",
                f"add the kiosk user to the {group} group (the installer does) and "
                "load the udev rules: kiosk udev-rules",
            )
            continue
        os.close(handle)
        kind = "keyboard mode" if scanner.is_hid else f"serial, {scanner.baudrate} baud"
        yield Check("scanner", OK, f"{name}: present and readable ({kind})")


def screen(config: Config, running: Collection[str] = ()) -> Iterator[Check]:
    """The display driver SDL would open, as the unit sets it (KMSDRM on a Pi OS Lite).
    Only one program can drive the screen with KMSDRM: while the display daemon runs, it
    is the one that knows."""
    if "display" in running:
        yield Check(
            "screen",
            SKIP,
            # whichever unit runs it: kiosk-display-both on a site with a scanner
            "the display daemon has the screen (journalctl -u 'kiosk-display-*' says how it goes)",
        )
        return
    from display.pygame_lib import pygame

    driver = os.environ.get("SDL_VIDEODRIVER", "")
    try:
        opened, sizes = _open_screen()
    except pygame.error as exc:
        wanted = driver or "the default"
        fix = _screen_fix()
        if driver and driver != "kmsdrm":
            fix = f"unset SDL_VIDEODRIVER (it is {driver} here), or set it to kmsdrm (the units do)"
        yield Check("screen", FAIL, f"SDL cannot open a screen with {wanted} driver: {exc}", fix)
        return
    if opened not in ("dummy", "offscreen"):
        shown = ", ".join(f"{w}x{h}" for w, h in sizes) or "no screen size reported"
        yield Check("screen", OK, f"driver {opened}: {shown}")
    elif driver:
        yield Check(
            "screen",
            WARN,
            f"driver {opened} (SDL_VIDEODRIVER={driver}): nothing is shown on a screen",
            "unset SDL_VIDEODRIVER, or set it to kmsdrm (the units do)",
        )
    else:  # SDL found no screen at all and fell back to drawing off screen
        yield _no_screen(opened)


def _no_screen(opened: str, dri: Path = Path("/dev/dri")) -> Check:
    """Why SDL found no screen, by what this machine has: a graphics device or not."""
    if _has_graphics(dri):
        why = f"the units' driver, kmsdrm, says {_kmsdrm()!r}"
    else:
        why = f"this machine has no graphics device ({dri}/card*)"
    return Check(
        "screen",
        WARN,
        f"no screen found: {why}, so SDL fell back to {opened} and nothing is shown",
        _screen_fix(dri),
    )


def _has_graphics(dri: Path = Path("/dev/dri")) -> bool:
    return any(dri.glob("card*"))


def _screen_fix(dri: Path = Path("/dev/dri")) -> str:
    """What makes KMSDRM, the units' screen driver, work: a graphics device with the screen,
    SDL built with KMSDRM, and the groups that may open it."""
    fix = (
        "use apt's python3-pygame on Raspberry Pi OS Lite (built with KMSDRM; the venv "
        "needs --system-site-packages), connect the screen before boot, and keep the "
        "kiosk user in the video and render groups"
    )
    if _has_graphics(dri):
        return fix
    return f"run the display on a machine with a screen (a Raspberry Pi): there, {fix}"


def _open_screen() -> tuple[str, list[tuple[int, int]]]:
    """The driver SDL opens (as the environment says) and the screens' sizes."""
    from display.pygame_lib import pygame

    try:
        pygame.display.init()
        return str(pygame.display.get_driver()), list(pygame.display.get_desktop_sizes())
    finally:
        pygame.display.quit()


def _kmsdrm() -> str:
    """Why SDL's KMSDRM driver, the units' one, does not open here."""
    from display.pygame_lib import pygame

    os.environ["SDL_VIDEODRIVER"] = "kmsdrm"
    try:
        _open_screen()
    except pygame.error as exc:
        return str(exc)
    finally:
        del os.environ["SDL_VIDEODRIVER"]
    return "kmsdrm opens"


def fonts(config: Config) -> Iterator[Check]:
    from kiosk.fonts import BOLD, REGULAR, FontError, check_font, find_font

    for key, configured, candidates in (
        ("display.font", config.display.font, REGULAR),
        ("display.font_bold", config.display.font_bold, BOLD),
        ("printer.font", config.printer.font, REGULAR),
    ):
        try:
            path = check_font(find_font(configured, candidates, key), key)
        except FontError as exc:
            yield Check(
                "font",
                FAIL,
                str(exc),
                "sudo apt install fonts-dejavu-core, and leave the font setting "
                "empty or point it at DejaVu Sans or Noto Sans",
            )
            continue
        yield Check("font", OK, f"{key}: {path} has all 134 Vietnamese letters")


def voice(config: Config) -> Iterator[Check]:
    if not config.voice.enabled:
        yield Check("voice", SKIP, "voice is off (voice.enabled = false)")
        return
    from display.voice import missing_clips

    pack = Path(config.voice.pack)
    if not pack.is_dir():
        yield Check(
            "voice",
            FAIL,
            f"{pack}: no voice pack",
            f"kiosk voice build (espeak-ng), or copy a recorded pack to {pack}",
        )
        return
    missing = missing_clips(pack)
    if missing:
        yield Check(
            "voice",
            FAIL,
            f"{pack}: {len(missing)} clips missing ({', '.join(missing[:5])}...)",
            "kiosk voice build to make them again, or add the recordings",
        )
        return
    yield Check("voice", OK, f"{pack}: every clip present")


FIX_REFUSED = (
    "check [sync] username and password (the broker's add-device.sh gives SITE.DEVICE) "
    "and the broker's ACL"
)
FIX_UNREACHABLE = "check the network and [sync] host/port; is the broker running?"


def broker(
    config: Config, running: Collection[str] = (), db_path: str = "", timeout: float = 5.0
) -> Iterator[Check]:
    """The link to central's broker. While the sync daemon runs, its own last report: a
    second connection with the device's login would take its session over (a broker that
    binds each login to one client id, as the example one does, knows no other). Else
    connect as the daemon does (TLS, credentials, its client id and persistent session),
    taking nothing from that session: what waits there stays for the daemon."""
    sync = config.sync
    if not sync.enabled:
        yield Check("broker", SKIP, "sync is off (sync.enabled = false)")
        return
    if "sync" in running:
        yield _reported_link(db_path)
        return
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    from sync import BrokerSetupError, client_id, login

    where = f"{sync.host}:{sync.port}{' TLS' if sync.tls else ''}"
    # manual_ack: a message the session held (an ack, a command) is never acknowledged
    # here, so the broker sends it again to the daemon.
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        protocol=mqtt.MQTTv5,
        client_id=client_id(config),
        manual_ack=True,
    )
    answered = threading.Event()
    outcome: dict[str, Any] = {}

    def on_connect(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        outcome["reason"] = reason
        answered.set()

    client.on_connect = on_connect
    try:
        login(client, sync)
    except BrokerSetupError as exc:
        yield Check("broker", FAIL, f"{where}: {exc}", "fix the [sync] TLS or password settings")
        return
    session = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    session.SessionExpiryInterval = int(sync.session_expiry_hours * 3600)
    try:
        client.connect(sync.host, sync.port, keepalive=10, clean_start=False, properties=session)
    except OSError as exc:  # refused, unreachable, TLS handshake (ssl.SSLError is an OSError)
        tls = "SSL" in type(exc).__name__ or "certificate" in str(exc)
        fix = (
            "check [sync] ca, that the broker's certificate names this host, and the clock"
            if tls
            else FIX_UNREACHABLE
        )
        yield Check("broker", FAIL, f"{where}: {exc.strerror or exc}", fix)
        return
    client.loop_start()
    try:
        if not answered.wait(timeout):
            yield Check(
                "broker",
                FAIL,
                f"{where}: no answer in {timeout:.0f}s",
                "check the network, the port, and that it speaks MQTT there",
            )
            return
        reason = outcome["reason"]
        if reason.is_failure:
            yield Check("broker", FAIL, f"{where}: refused: {reason}", FIX_REFUSED)
            return
        who = f" as {sync.username}" if sync.username else ""
        yield Check("broker", OK, f"{where}: connected{who}")
    finally:
        client.disconnect()
        client.loop_stop()


def _sync_health(db: sqlite3.Connection) -> Any:
    return db.execute("SELECT state, detail FROM health WHERE daemon = 'sync'").fetchone()


def _reported_link(db_path: str) -> Check:
    """The running sync daemon's last word on its link (it writes it when it changes)."""
    row = _reported(db_path, _sync_health)
    if row is None or row[0] not in ("ok", "degraded"):
        return Check(
            "broker",
            WARN,
            "held by the running sync daemon, which has not reported",
            "journalctl -u kiosk-sync says what it sees",
        )
    state, detail = str(row[0]), str(row[1])
    text = f"held by the running sync daemon: {detail}"
    if state == "ok":
        return Check("broker", OK, text)
    return Check("broker", FAIL, text, FIX_REFUSED if "refused" in detail else FIX_UNREACHABLE)
