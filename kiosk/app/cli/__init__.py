"""``kiosk``: the command line. Heavy libraries load only in the commands that need them.

Part of the applications: may import everything; ``kiosk run NAME`` hands over to
:mod:`kiosk.app.daemons`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kiosk.app import exits
from kiosk.app.cli._parser import build_parser, command_in
from kiosk.app.context import Context, fail


def _handlers() -> dict[str, Callable[[Context], int]]:
    from kiosk.app.cli import _queue_cmds as q

    return {
        "status": q.cmd_status,
        "issue": q.cmd_issue,
        "call": q.cmd_call,
        "recall": q.cmd_recall,
        "skip": q.cmd_skip,
        "done": q.cmd_done,
        "transfer": q.cmd_transfer,
        "pause": q.cmd_pause,
        "resume": q.cmd_resume,
        "rate": q.cmd_rate,
        "reenter": q.cmd_reenter,
    }


def _dispatch(ctx: Context) -> int:
    command = ctx.args.command
    if command == "config":
        from kiosk.app.cli._config_cmds import cmd_config_check

        return cmd_config_check(ctx)
    if command == "demo":
        from kiosk.app.demo import cmd_demo

        return cmd_demo(ctx)
    if command == "bench":
        from kiosk.app.bench import cmd_bench

        return cmd_bench(ctx)
    if command in ("ticket", "printer"):
        from kiosk.app.cli import _printer_cmds

        return (
            _printer_cmds.cmd_ticket(ctx) if command == "ticket" else _printer_cmds.cmd_printer(ctx)
        )
    if command in ("say", "voice", "display", "notice"):
        from kiosk.app.cli import _display_cmds as d

        handler = {
            "say": d.cmd_say,
            "voice": d.cmd_voice,
            "display": d.cmd_display,
            "notice": d.cmd_notice,
        }[command]
        return handler(ctx)
    if command == "procedures":
        from kiosk.app.cli._procedure_cmds import cmd_procedures

        return cmd_procedures(ctx)
    if command in ("scan", "dossiers"):
        from kiosk.app.cli import _lookup_cmds

        return _lookup_cmds.cmd_scan(ctx) if command == "scan" else _lookup_cmds.cmd_dossiers(ctx)
    if command == "central":
        from kiosk.app.cli._central_cmds import cmd_central

        return cmd_central(ctx)
    if command == "doctor":
        from kiosk.app.doctor.command import cmd_doctor

        return cmd_doctor(ctx)
    if command in ("udev-rules", "units"):
        from kiosk.app.deploy import rules, units

        print(rules(ctx.config) if command == "udev-rules" else "\n".join(units(ctx.config)))
        return 0
    if command == "run":
        from kiosk.app.cli._run import cmd_run

        return cmd_run(ctx)
    return _handlers()[command](ctx)


def _database_fault(ctx: Context, exc: Exception) -> str | None:
    """``exc`` as the line saying which database is unusable: its disk full, locked,
    damaged (see :func:`kiosk.store.store_fault`); None for anything else. In ``kiosk
    central`` that is central's database, in the other commands the site's."""
    import sqlite3

    if not isinstance(exc, sqlite3.Error):
        return None
    from kiosk.store import store_fault

    command = ctx.args.command
    if command in ("demo", "bench"):  # databases of their own, not the site's
        return None
    try:
        if command == "central":
            from kiosk.app.cli._central_cmds import central_config

            url = central_config(ctx).db
            if not url.startswith("sqlite://"):
                return None
            fault = store_fault(exc, url.removeprefix("sqlite://"))
            return None if fault is None else f"central.db: {fault}"
        path = ctx.db_path
    except Exception:  # no configuration to name the database by
        return None
    fault = store_fault(exc, path)
    return None if fault is None else f"database: {fault}"


def _failed(ctx: Context, answer: dict[str, Any], message: str) -> None:
    """A command that did not do its work: ``answer`` on stdout with --json, then
    ``message`` on stderr."""
    if ctx.json:
        print(json.dumps(answer, ensure_ascii=False))
    fail(message)


def main(argv: Sequence[str] | None = None, *, hooks: Mapping[str, Any] | None = None) -> int:
    """``kiosk ARGV``: its exit status. ``hooks``: keyword arguments for the main of the
    daemon ``kiosk run`` starts (see :mod:`kiosk.app.daemons`)."""
    given = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(command_in(given)).parse_args(given)
    ctx = Context(args, None if argv is None else list(argv))
    ctx.hooks = dict(hooks or {})
    from kiosk.config import ConfigError
    from kiosk.store import NoDatabase, StoreError
    from kiosk.ticketing import Refused

    try:
        return _dispatch(ctx)
    except exits.CommandError as exc:
        _failed(ctx, {"ok": False, "message": str(exc)}, str(exc))
        return exc.code
    except ConfigError as exc:
        fail(f"config: {exc}")
        return exits.CONFIG
    except Refused as exc:
        refusal = {"ok": False, "error": exc.code, "message": str(exc)}
        _failed(ctx, refusal, f"refused ({exc.code}): {exc}")
        return exits.REFUSED
    except NoDatabase as exc:
        fail(f"database: {exc}")
        # A daemon makes its database when there is none, so here its store.path (or --db)
        # names another program's file: a configuration systemd must not restart on.
        return exits.CONFIG if ctx.args.command == "run" else exits.NOINPUT
    except StoreError as exc:
        fail(f"database: {exc}")
        return exits.IOERR
    except KeyboardInterrupt:
        return exits.INTERRUPTED
    except BrokenPipeError:
        return exits.OK
    except Exception as exc:
        fault = _database_fault(ctx, exc)
        if fault is not None:
            fail(fault)
            return exits.IOERR
        if os.environ.get("KIOSK_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set KIOSK_DEBUG=1 for details)")
        return exits.SOFTWARE
    finally:
        if "store" in ctx.__dict__:
            ctx.store.close()
        sys.stdout.flush()
