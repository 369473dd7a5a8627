"""``kiosk doctor``: run every check in order and print one line each."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk.cli._context import Context
from kiosk.doctor import SKIP, Check, can_run, guarded
from kiosk.doctor import _deployment as deployment
from kiosk.doctor import _devices as devices
from kiosk.doctor import _system as system

DEPENDS_ON_CONFIG = (
    "services",
    "database",
    "files",
    "clock",
    "gpio",
    "printer",
    "scanner",
    "screen",
    "font",
    "voice",
    "broker",
)


def running_daemons(proc: Path = Path("/proc")) -> set[str]:
    """The kiosk daemons running now (``kiosk run NAME`` processes), other than this one."""
    found = set()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [word.decode(errors="replace") for word in argv if word]
        if "run" in words and any(w.endswith("kiosk") for w in words[: words.index("run")]):
            after = words[words.index("run") + 1 :]
            if after:
                found.add(after[0])
    return found


def checks(ctx: Context) -> list[Check]:
    where = str(ctx.args.config or os.environ.get("KIOSK_CONFIG") or "/etc/kiosk/config.toml")
    found, config = system.config_check(lambda: ctx.config, where)
    if config is None:
        return found + [
            Check(name, SKIP, "needs a valid configuration") for name in DEPENDS_ON_CONFIG
        ]
    running = running_daemons()
    found += guarded("services", lambda: deployment.services(config))
    found += guarded("database", lambda: system.database(ctx.db_path))
    found += guarded("files", lambda: deployment.files(config, ctx.db_path))
    found += guarded("clock", system.clock)
    found += guarded("gpio", lambda: system.gpio(config, running))
    found += guarded("printer", lambda: devices.printer(config, running, ctx.db_path))
    found += guarded("scanner", lambda: devices.scanners(config))
    found += guarded("screen", lambda: devices.screen(config, running))
    found += guarded("font", lambda: devices.fonts(config))
    found += guarded("voice", lambda: devices.voice(config))
    found += guarded("broker", lambda: devices.broker(config))
    return found


def cmd_doctor(ctx: Context) -> int:
    found = checks(ctx)
    ok = can_run(found)
    verdict = (
        "the site can run" if ok else f"{sum(c.status == 'fail' for c in found)} problem(s) to fix"
    )
    ctx.emit(
        {"ok": ok, "checks": [c.to_json() for c in found]},
        "\n".join(c.line() for c in found) + f"\n{verdict}",
    )
    return 0 if ok else 1
