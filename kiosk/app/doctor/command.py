"""``kiosk doctor``: run every check in order and print one line each."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from kiosk.app.context import Context
from kiosk.app.doctor import SKIP, Check, can_run, guarded
from kiosk.app.doctor import _deployment as deployment
from kiosk.app.doctor import _devices as devices
from kiosk.app.doctor import _system as system
from kiosk.config import Config, main_path

# The checks that need a valid configuration, in order: each given the configuration, the
# command's context and the kiosk daemons running now.
CHECKS: tuple[tuple[str, Callable[[Config, Context, set[str]], Iterable[Check]]], ...] = (
    ("services", lambda config, ctx, running: deployment.services(config)),
    ("database", lambda config, ctx, running: system.database(ctx.db_path)),
    ("files", lambda config, ctx, running: deployment.files(config, ctx.db_path)),
    ("clock", lambda config, ctx, running: system.clock()),
    ("gpio", lambda config, ctx, running: system.gpio(config, running)),
    ("printer", lambda config, ctx, running: devices.printer(config, running, ctx.db_path)),
    ("scanner", lambda config, ctx, running: devices.scanners(config)),
    ("screen", lambda config, ctx, running: devices.screen(config, running)),
    ("font", lambda config, ctx, running: devices.fonts(config)),
    ("voice", lambda config, ctx, running: devices.voice(config)),
    ("broker", lambda config, ctx, running: devices.broker(config, running, ctx.db_path)),
)
DEPENDS_ON_CONFIG = tuple(name for name, _ in CHECKS)


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
    where = str(main_path(ctx.args.config))
    found, config = system.config_check(lambda: ctx.config, where)
    if config is None:
        return found + [
            Check(name, SKIP, "needs a valid configuration") for name in DEPENDS_ON_CONFIG
        ]
    running = running_daemons()
    for name, check in CHECKS:
        found += guarded(name, functools.partial(check, config, ctx, running))
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
