"""The busy day's site: its configuration, its simulated devices and its daemons, each a
process of its own as systemd runs them (``NOTIFY_SOCKET``, restarted when one dies).

The site is the example centre grown to a busy one: 8 services, 20 counters (two with
GPIO keys, the others with USB keypads), a kiosk with a button per service and a
priority button, a serial printer and a serial scanner (pseudo-terminals), both screens
from one display process, and sync to a local Mosquitto. The day runs compressed, so the
centre is open round the clock and the keys' guards are shortened to match.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

# A site with a scanner (what `kiosk units` enables), started as the site bench does.
from kiosk.app.bench.site import DAEMONS, daemon_env, ready_pid, site_with

# (id, name, number format, service minutes): the example's seven and one more.
SERVICES = (
    ("dat-dai", "Đất đai", 'prefix = "A"', 7),
    ("tu-phap-ho-tich", "Tư pháp - Hộ tịch", 'prefix = "B"', 5),
    ("dang-ky-kinh-doanh", "Đăng ký kinh doanh", "band = [1001, 1999]", 6),
    ("xay-dung", "Xây dựng", "band = [3001, 3999]", 8),
    ("lao-dong-viec-lam", "Lao động - Việc làm - Người có công", 'prefix = "E"', 5),
    ("bao-hiem-xa-hoi", "Bảo hiểm xã hội", 'prefix = "F"', 4),
    ("thue", "Thuế", 'prefix = "G"', 4),
    ("y-te", "Y tế - Bảo trợ xã hội", 'prefix = "H"', 5),
)
SERVICE_IDS = tuple(s[0] for s in SERVICES)
# Which services each of the 20 counters calls (the busiest have most counters).
COUNTER_SERVICES = (
    *[["dat-dai"]] * 4,
    *[["tu-phap-ho-tich"]] * 4,
    *[["dang-ky-kinh-doanh"]] * 2,
    ["xay-dung"],
    *[["lao-dong-viec-lam"]] * 2,
    *[["bao-hiem-xa-hoi"]] * 2,
    *[["thue"]] * 2,
    ["y-te"],
    ["dat-dai", "xay-dung", "y-te"],
    ["tu-phap-ho-tich", "lao-dong-viec-lam", "thue"],
)
KIOSK_PINS = (5, 6, 12, 13, 16, 19, 20, 21)  # one per service, in SERVICES order
PRIORITY_PIN = 26
# Counters 1 and 2 have GPIO keys (next, recall, skip, done); the rest keypads.
GPIO_KEYS = {1: (4, 17, 18, 27), 2: (7, 8, 9, 10)}
KEY_ACTIONS = ("next", "recall", "skip", "done")
STAFF_KEYS = {
    "next": "KEY_KPENTER",
    "recall": "KEY_KPPLUS",
    "skip": "KEY_KPMINUS",
    "done": "KEY_KP0",
    "pause": "KEY_KPDOT",
}
TRANSFER_KEYS = tuple(f"KEY_KP{n}" for n in range(1, 9))  # to SERVICES[n - 1]
RESTART_SECONDS = 1.0  # RestartSec= of the units


def keypad(counter: int) -> str:
    return f"/dev/input/by-id/usb-busy-day-quay-{counter:02d}-event-kbd"


def rating_pad(counter: int) -> str:
    return f"/dev/input/by-id/usb-busy-day-quay-{counter:02d}-rating-event-kbd"


def write_config(
    base: str, work: Path, *, printer: Path, scanner: Path, broker_port: int, voice_pack: str
) -> Path:
    """The example's config with the busy day's overlay in ``config.d``."""
    q = json.dumps
    # fmt: off
    lines = [
        "[hours]", 'open = "00:00"', 'close = "23:59"', 'lunch_start = ""', 'lunch_end = ""',
        'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]', "last_ticket_minutes = 0",
        "closed_dates = []", "special = []",
        "[kiosk]", "cooldown_seconds = 0.2", "hold_seconds = 0",
        "[kiosk.priority_button]", f"pin = {PRIORITY_PIN}", "window_seconds = 10",
        "[printer]", 'connection = "serial"', f"serial_port = {q(str(printer))}",
        "baudrate = 115200", 'profile = "TM-T20II"', 'mode = "image"', 'qr = "auto"',
        "timeout_seconds = 3", "retry_seconds = 1",
        "[counter_keys]", "repeat_guard_seconds = 0.2", "keypad_retry_seconds = 1",
        "[ratings]", "window_seconds = 30",
        "[display]", 'resolution = "1920x1080"',
        "[lookup]", "index = 0", "scanners = []",
        "[voice]", f"pack = {q(voice_pack)}", "quiet_hours = []",
        "[scanner]", "retry_seconds = 1",
        "[sync]", "enabled = true", 'host = "127.0.0.1"', f"port = {broker_port}",
        "tls = false", 'username = ""', 'password = ""', 'password_file = ""',
        "ack_timeout_seconds = 5",
        "[keymaps]",
        "staff = { " + ", ".join(
            [f'{key} = "{action}"' for action, key in STAFF_KEYS.items()]
            + [f'{key} = "transfer:{SERVICES[n][0]}"' for n, key in enumerate(TRANSFER_KEYS)]
        ) + " }",
        "",
        "[[scanner.devices]]", 'id = "sanh-1"', f"device = {q(str(scanner))}",
        "baudrate = 9600", 'framing = "auto"',
    ]
    # fmt: on
    for (service, name, numbers, minutes), pin in zip(SERVICES, KIOSK_PINS, strict=True):
        lines += [
            "[[services]]",
            f"id = {q(service)}",
            f"name = {q(name)}",
            numbers,
            "daily_cap = 600",
            f"service_minutes = {minutes}",
            "[[kiosk.buttons]]",
            f"service = {q(service)}",
            f"pin = {pin}",
        ]
    for number, services in enumerate(COUNTER_SERVICES, start=1):
        lines += [
            "[[counters]]",
            f"number = {number}",
            f"services = {q(services)}",
            f'staff_id = "cb-{number:02d}"',
        ]
        for pin, action in zip(GPIO_KEYS.get(number, ()), KEY_ACTIONS, strict=False):
            lines += ["[[counters.buttons]]", f"pin = {pin}", f"action = {q(action)}"]
        if number not in GPIO_KEYS:
            lines += ["[[counters.keypads]]", f"device = {q(keypad(number))}", 'keymap = "staff"']
        lines += ["[[counters.keypads]]", f"device = {q(rating_pad(number))}", 'keymap = "rating"']
    return site_with(base, work / "site", "busy-day", lines)


class SerialScanner:
    """A serial barcode scanner on a pseudo-terminal: each code ends with CR. ``path`` is a
    stable symlink, removed while the scanner is unplugged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._master = self._slave = -1
        self.plug()

    def plug(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path.unlink(missing_ok=True)
        self.path.symlink_to(os.ttyname(self._slave))

    def unplug(self) -> None:
        self.path.unlink(missing_ok=True)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = -1

    def scan(self, code: bytes) -> bool:
        if self._master < 0:
            return False
        os.write(self._master, code + b"\r")
        return True


@dataclass
class Daemon:
    name: str
    args: tuple[str, ...]
    process: subprocess.Popen[bytes] | None = None
    ready: list[float] = field(default_factory=list)  # monotonic time of each READY
    starts: int = 0
    killed: int = 0  # killed on purpose (the day's faults)
    crashed: list[int] = field(default_factory=list)  # exit codes not caused by the day


class Site:
    """Starts the daemons under one notify socket and restarts any that stops, as systemd
    does for ``Restart=on-failure``."""

    def __init__(self, config: Path, db: Path, work: Path) -> None:
        self.config, self.db, self.work = config, db, work
        self.daemons = {name: Daemon(name, args) for name, args in DAEMONS.items()}
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify_path = work / "notify"
        self.notify_path.unlink(missing_ok=True)
        self.notify.bind(str(self.notify_path))
        self.notify.settimeout(0.1)
        self.logs = work / "logs"
        self.logs.mkdir(exist_ok=True)
        self._stopping = False
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def control(self, name: str) -> str:
        return str(self.work / f"{name}.sock")

    def _start(self, daemon: Daemon) -> None:
        env = daemon_env(str(self.notify_path), self.work / "cache")
        host = [sys.executable, "-m", "kiosk.app.demo._host", self.control(daemon.name)]
        kiosk = ["--config", str(self.config), "--db", str(self.db), "run", *daemon.args]
        command = [*host, str(self.work), "--", *kiosk]
        with (self.logs / f"{daemon.name}.log").open("ab") as log:
            daemon.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env
            )
        daemon.starts += 1

    def start(self, timeout: float = 60) -> float:
        """Every daemon, at once; seconds until the last READY."""
        began = time.monotonic()
        for daemon in self.daemons.values():
            self._start(daemon)
        self._threads = [
            threading.Thread(target=self._listen, daemon=True),
            threading.Thread(target=self._supervise, daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        while not all(d.ready for d in self.daemons.values()):
            if time.monotonic() - began > timeout:
                late = [d.name for d in self.daemons.values() if not d.ready]
                raise RuntimeError(f"no READY from {late}: see {self.logs}")
            time.sleep(0.02)
        return max(d.ready[0] for d in self.daemons.values()) - began

    def _listen(self) -> None:
        while not self._stopping:
            try:
                data = self.notify.recv(4096)
            except (TimeoutError, OSError):
                continue
            pid = ready_pid(data)
            with self._lock:
                for daemon in self.daemons.values():
                    if pid is not None and daemon.process and str(daemon.process.pid) == pid:
                        daemon.ready.append(time.monotonic())

    def _supervise(self) -> None:
        while not self._stopping:
            time.sleep(0.1)
            with self._lock:
                for daemon in self.daemons.values():
                    process = daemon.process
                    if self._stopping or process is None or process.poll() is None:
                        continue
                    if process.returncode != -signal.SIGKILL:
                        daemon.crashed.append(process.returncode)
                    daemon.process = None
                    threading.Timer(RESTART_SECONDS, self._restart, (daemon,)).start()

    def _restart(self, daemon: Daemon) -> None:
        with self._lock:
            if not self._stopping and daemon.process is None:
                self._start(daemon)

    def kill(self, name: str) -> None:
        """SIGKILL, as a crash or the OOM killer would: no clean-up at all."""
        with self._lock:
            process = self.daemons[name].process
            if process is not None and process.poll() is None:
                process.kill()
                self.daemons[name].killed += 1

    def wait_ready(self, name: str, after: float, timeout: float = 30) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(at > after for at in self.daemons[name].ready):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> dict[str, int | None]:
        """SIGTERM to each (killed after 20 s); their exit codes."""
        with self._lock:
            self._stopping = True
        codes: dict[str, int | None] = {}
        for daemon in self.daemons.values():
            if daemon.process is not None and daemon.process.poll() is None:
                daemon.process.send_signal(signal.SIGTERM)
        for daemon in self.daemons.values():
            if daemon.process is None:
                codes[daemon.name] = None
                continue
            try:
                codes[daemon.name] = daemon.process.wait(20)
            except subprocess.TimeoutExpired:
                daemon.process.kill()
                codes[daemon.name] = daemon.process.wait()
        self.notify.close()
        return codes
