"""Whole-site figures for ``kiosk bench``: every daemon of a site started at once, as
systemd starts them (``NOTIFY_SOCKET`` set, simulated hardware: gpiozero's mock pins, a file
printer, SDL's dummy screen and sound, a local Mosquitto for sync), then left at rest.

* cold start: from the moment the processes are started to each one's READY (and the last);
* memory: each daemon's RSS and PSS (shared pages split among the processes that map them,
  from ``/proc/PID/smaps_rollup``), and their sums; the goal is the PSS of all five together,
  what the site costs the machine (RSS counts the interpreter and the libraries the daemons
  share once in each, and is shown for comparison);
* idle CPU of all daemons together, in per cent of one core.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk.config import VoiceConfig

# The daemons of a site with a scanner (what ``kiosk units`` enables for the example).
DAEMONS = {
    "kiosk": ("kiosk",),
    "counter": ("counter",),
    "display": ("display", "--role", "both"),
    "scanner": ("scanner",),
    "sync": ("sync",),
}
GOALS = {"total_pss_mb": 110, "idle_cpu_percent": 2.0, "cold_start_s": 3.0}
# The memory settings of the units' drop-in (systemd/kiosk-.service.d/10-kiosk.conf):
# glibc's malloc, and where Python's zoneinfo finds the time zones.
UNIT_MEMORY = {
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "MALLOC_ARENA_MAX": "2",
    "PYTHONTZPATH": "/usr/share/zoneinfo",
}


def site_with(base: str | Path, folder: Path, dropin: str, lines: list[str]) -> Path:
    """A copy of the config file ``base`` in ``folder`` with ``lines`` as its drop-in
    ``config.d/DROPIN.toml``; the copy's path."""
    (folder / "config.d").mkdir(parents=True, exist_ok=True)
    main = folder / "config.toml"
    main.write_bytes(Path(base).read_bytes())
    (folder / "config.d" / f"{dropin}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return main


def _site(config_path: str, work: Path, broker_port: int | None, pack: str) -> Path:
    # fmt: off
    lines = [
        "[printer]", 'connection = "file"', f"path = {json.dumps(str(work / 'tickets.bin'))}",
        "[display]", 'resolution = "1920x1080"',
        "[lookup]", "index = 0",  # SDL's dummy driver has one screen
        "[voice]", f"pack = {json.dumps(pack)}",
    ]
    # fmt: on
    if broker_port is not None:
        lines += ["[sync]", "enabled = true", 'host = "127.0.0.1"', f"port = {broker_port}"]
    else:
        lines += ["[sync]", "enabled = false"]
    return site_with(config_path, work / "site", "bench", lines)


def daemon_env(notify: str, cache: Path) -> dict[str, str]:
    """What systemd gives a site's daemon, with simulated hardware: ``NOTIFY_SOCKET``, the
    cache folder (made here), the units' memory settings, gpiozero's mock pins, SDL's
    dummy screen and sound; none of the caller's KIOSK_ settings."""
    cache.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "NOTIFY_"))}
    env.update(
        NOTIFY_SOCKET=notify,
        ESCPOS_CAPABILITIES_PICKLE_DIR=str(cache),
        GPIOZERO_PIN_FACTORY="mock",
        SDL_VIDEODRIVER="dummy",
        SDL_AUDIODRIVER="dummy",
        PYGAME_HIDE_SUPPORT_PROMPT="1",
        **UNIT_MEMORY,
    )
    return env


def ready_pid(datagram: bytes) -> str | None:
    """The MAINPID of an sd_notify ``READY=1`` datagram; None for any other."""
    fields = dict(line.split("=", 1) for line in datagram.decode().splitlines() if "=" in line)
    return fields.get("MAINPID") if fields.get("READY") == "1" else None


def cpu_ticks(pid: int) -> int:
    """CPU time a process has used so far, in clock ticks (user and system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB."""
    rss = pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return round(rss / 1024, 1), round(pss / 1024, 1)


def voice_pack(work: Path, voice: VoiceConfig) -> Path | None:
    """``work/voice``, the pack the benches' display plays, built once for a run; None
    without espeak-ng to build it."""
    from display.voice import build_pack, missing_clips

    pack = work / "voice"
    if missing_clips(pack):
        try:
            build_pack(pack, voice)
        except Exception:
            return None
    return pack


def whole_site(config_path: str, work: Path, idle_seconds: float) -> dict[str, Any]:
    from kiosk.config import load_config
    from kiosk.store import Store
    from sync.servers import Broker

    config = load_config(config_path)
    pack, voice = voice_pack(work, config.voice), "on"
    if pack is None:
        pack, voice = work / "no-voice", "off (no espeak-ng to build the pack)"
    broker: Broker | None = None
    with contextlib.suppress(Exception):  # no mosquitto: the site without sync
        broker = Broker(work / "broker").start()
    db = work / "site.db"
    Store(db).close()
    site = _site(config_path, work, broker.port if broker else None, str(pack))
    names = [name for name in DAEMONS if broker is not None or name != "sync"]
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    address = str(work / "notify")
    notify.bind(address)
    env = daemon_env(address, work / "cache")
    # A site after its first start: python-escpos's printer database is parsed and kept.
    warm = [sys.executable, "-c", "import escpos.capabilities"]
    with contextlib.suppress(subprocess.TimeoutExpired):  # if not, the kiosk daemon parses it
        subprocess.run(
            warm,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        started = time.monotonic()
        kiosk = [sys.executable, "-m", "kiosk", "--config", str(site), "--db", str(db)]
        for name in names:
            processes[name] = subprocess.Popen(
                [*kiosk, "run", *DAEMONS[name]],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        by_pid = {str(process.pid): name for name, process in processes.items()}
        ready = _wait_ready(notify, by_pid, processes, started)
        cold = max(ready.values())
        time.sleep(2.0)  # let start-up work (first frames, first sync) settle
        tick = os.sysconf("SC_CLK_TCK")
        before = {name: cpu_ticks(p.pid) for name, p in processes.items()}
        began = time.monotonic()
        time.sleep(idle_seconds)
        elapsed = time.monotonic() - began
        cpu = {
            name: 100 * (cpu_ticks(p.pid) - before[name]) / tick / elapsed
            for name, p in processes.items()
        }
        memory = {name: _memory_mb(p.pid) for name, p in processes.items()}
    finally:
        for process in processes.values():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        notify.close()
        if broker is not None:
            broker.stop()
    daemons = {
        name: {
            "ready_s": round(ready[name], 3),
            "rss_mb": memory[name][0],
            "pss_mb": memory[name][1],
            "idle_cpu_percent": round(cpu[name], 2),
        }
        for name in names
    }
    return {
        "daemons": daemons,
        "cold_start_s": round(cold, 3),
        "total_rss_mb": round(sum(m[0] for m in memory.values()), 1),
        "total_pss_mb": round(sum(m[1] for m in memory.values()), 1),
        "idle_cpu_percent": round(sum(cpu.values()), 2),
        "idle_seconds": idle_seconds,
        "voice": voice,
        "hardware": "mock GPIO pins, file printer, SDL dummy screen and sound (both screens "
        "open at the dummy driver's one mode, 1024x768)"
        + ("" if broker else "; no mosquitto: without sync"),
        "goals": GOALS,
    }


def _wait_ready(
    notify: socket.socket,
    by_pid: dict[str, str],
    processes: dict[str, subprocess.Popen[bytes]],
    started: float,
    timeout: float = 60.0,
) -> dict[str, float]:
    ready: dict[str, float] = {}
    notify.settimeout(0.05)
    while len(ready) < len(by_pid):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"no READY from {sorted(set(by_pid.values()) - set(ready))}")
        for name, process in processes.items():
            if process.poll() is not None and name not in ready:
                raise RuntimeError(f"kiosk run {name} stopped (exit {process.returncode})")
        try:
            data = notify.recv(4096)
        except TimeoutError:
            continue
        pid = ready_pid(data)
        if pid in by_pid:
            ready.setdefault(by_pid[pid], time.monotonic() - started)
    return ready
