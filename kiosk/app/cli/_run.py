"""``kiosk run DAEMON``: starts one of the daemons of :mod:`kiosk.app.daemons`."""

from __future__ import annotations

import importlib
import os
import sys

from kiosk.app.context import Context
from kiosk.app.daemons import Life
from kiosk.app.exits import USAGE, CommandError


def cmd_run(ctx: Context) -> int:
    code = _run(ctx)
    if ctx.restart and code == 0:
        argv = [sys.executable, "-m", "kiosk", *ctx.argv]
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, argv)
    return code


def _run(ctx: Context) -> int:
    daemon = ctx.args.daemon
    if ctx.args.counters and daemon != "counter":
        raise CommandError("--counter is for 'kiosk run counter'", USAGE)
    if ctx.args.role and daemon != "display":
        raise CommandError("--role is for 'kiosk run display'", USAGE)
    life = Life(ctx.config, ctx.db_path, ctx.args.config)
    try:
        main = importlib.import_module(f"kiosk.app.daemons.{daemon}").main
        if daemon == "counter":
            return int(main(life, ctx.args.counters, **ctx.hooks))
        if daemon == "display":
            return int(main(life, ctx.args.role, **ctx.hooks))
        return int(main(life, **ctx.hooks))
    finally:
        ctx.restart = life.restart
        life.close()
