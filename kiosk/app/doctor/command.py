"""``kiosk doctor``: run every check in order and print one line each."""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from kiosk.app.context import Context
from kiosk.app.doctor import SKIP, Check, can_run, guarded
from kiosk.app.doctor import _deployment as deployment
from kiosk.app.doctor import _devices as devices
from kiosk.app.doctor import _system as system
from kiosk.config import DEFAULT_PATH, ENV_VAR, Config, main_path

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


def running_daemons(proc: Path = Path("/proc"), config: str | Path | None = None) -> set[str]:
    """The kiosk daemons running now for the site of ``config`` (the main config file, as
    :func:`kiosk.config.main_path` finds it): ``kiosk run NAME`` processes other than this
    one whose ``--config`` (else ``$KIOSK_CONFIG``, else the default) is the same file. A
    daemon whose environment this user may not read is counted: it may be this site's."""
    mine = _same_file_key(main_path(config))
    found = set()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [word.decode(errors="replace") for word in argv if word]
        if "run" not in words or not any(w.endswith("kiosk") for w in words[: words.index("run")]):
            continue
        after = words[words.index("run") + 1 :]
        if after and _daemon_config(entry, words[: words.index("run")]) in (mine, None):
            found.add(after[0])
    return found


def _daemon_config(entry: Path, before_run: list[str]) -> str | None:
    """The main config file of the daemon in ``/proc/PID`` (None: it cannot be told)."""
    for i, word in enumerate(before_run):
        if word == "--config" and i + 1 < len(before_run):
            return _same_file_key(Path(before_run[i + 1]), entry / "cwd")
        if word.startswith("--config="):
            return _same_file_key(Path(word.partition("=")[2]), entry / "cwd")
    try:
        environ = (entry / "environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in environ:
        name, _, value = item.partition(b"=")
        if name == ENV_VAR.encode() and value:
            return _same_file_key(Path(value.decode(errors="replace")), entry / "cwd")
    return _same_file_key(Path(DEFAULT_PATH))


def _same_file_key(path: Path, cwd: Path | None = None) -> str:
    """``path`` made absolute (a relative one from ``cwd``, the process's folder), for
    telling whether two processes name the same config file."""
    if not path.is_absolute() and cwd is not None:
        with contextlib.suppress(OSError):
            path = cwd.resolve() / path
    return os.path.normpath(path.absolute())


def checks(ctx: Context) -> list[Check]:
    where = str(main_path(ctx.args.config))
    found, config = system.config_check(lambda: ctx.config, where)
    if config is None:
        return found + [
            Check(name, SKIP, "needs a valid configuration") for name in DEPENDS_ON_CONFIG
        ]
    running = running_daemons(config=ctx.args.config)
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
