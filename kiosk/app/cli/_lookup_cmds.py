"""``kiosk scan CODE`` and ``kiosk dossiers import|purge``."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from kiosk import dossiers
from kiosk.app.context import Context
from kiosk.app.exits import DATAERR, NOINPUT, USAGE, CommandError
from kiosk.lookup import look_up


def cmd_scan(ctx: Context) -> int:
    view = look_up(ctx.store, ctx.config, ctx.args.code, ctx.now(), act=False)
    ctx.emit(view.to_json(), view.text())
    return 0


@contextlib.contextmanager
def opened(name: str) -> Iterator[IO[bytes]]:
    if name == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = Path(name).open("rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise CommandError(f"{name}: {exc.strerror or exc}", NOINPUT) from None
    with stream:
        yield stream


def cmd_dossiers(ctx: Context) -> int:
    config = ctx.config
    if ctx.args.dossiers_command == "purge":
        days = ctx.args.days if ctx.args.days is not None else config.dossiers.purge_after_days
        if not 1 <= days <= 3650:
            raise CommandError("--days must be from 1 to 3650", USAGE)
        gone = dossiers.purge(ctx.store, days, now=ctx.now())
        ctx.emit(
            {"purged": gone, "days": days},
            f"purged {gone} dossier(s) returned more than {days} days ago",
        )
        return 0
    name = ctx.args.file
    with opened(name) as stream:
        try:
            report = dossiers.import_jsonl(ctx.store, stream, config.site.timezone, now=ctx.now)
        except OSError as exc:
            raise CommandError(f"{name}: {exc.strerror or exc}", NOINPUT) from None
    out = report.to_json()
    out["cached"] = dossiers.count(ctx.store)
    if not ctx.json:
        for problem in report.problems:
            print(f"kiosk: {name}: {problem}", file=sys.stderr)
        if report.rejected > len(report.problems):
            print(
                f"kiosk: {name}: ... and {report.rejected - len(report.problems)} more bad line(s)",
                file=sys.stderr,
            )
    ctx.emit(
        out,
        f"{name}: {report.lines} record(s): {report.written} written, {report.unchanged} "
        f"unchanged (same or newer version cached), {report.rejected} rejected; "
        f"{out['cached']} dossiers cached ({out['rows_per_second'] or '-'} rows/s)",
    )
    return DATAERR if report.rejected else 0
