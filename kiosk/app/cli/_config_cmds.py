"""``kiosk config check``: the files, then central's configuration stored in the database."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from kiosk.app import exits
from kiosk.app.context import Context

if TYPE_CHECKING:
    from kiosk.config import Config, PrinterConfig


def printer_problems(config: PrinterConfig) -> list[str]:
    """With a printer configured (the kiosk daemon needs it), what only the printer
    package can tell: the profile exists and the fonts cover Vietnamese."""
    if config.connection == "none":
        return []
    from printer import config_problems

    return config_problems(config)


def cmd_config_check(ctx: Context) -> int:
    from kiosk.config import ConfigError, load_config

    try:
        config = load_config(ctx.args.config)
        problems = printer_problems(config.printer)
        if config.keymaps:
            from kiosk.keys.counters import keymap_problems

            problems += keymap_problems(config)
        if problems:
            raise ConfigError(problems)
    except ConfigError as exc:
        if ctx.json:
            print(json.dumps({"ok": False, "problems": exc.problems}, ensure_ascii=False))
        for problem in exc.problems:
            print(f"kiosk: config: {problem}", file=sys.stderr)
        return exits.CONFIG
    summary: dict[str, Any] = {
        "ok": True,
        "files": list(config.sources),
        "site": config.site.id,
        "services": len(config.services),
        "counters": len(config.counters),
    }
    shown, sources = config, list(config.sources)
    central = central_overlay(ctx, config)
    if central is not None:
        version, combined, problems = central
        summary["central"] = {
            "version": version,
            "applied": combined is not None,
            "problems": problems,
        }
        if combined is None:  # the daemons run on the files alone, and say so in the log
            for problem in problems:
                print(
                    f"kiosk: config: central configuration v{version} is left out: {problem}",
                    file=sys.stderr,
                )
        else:
            shown, sources = combined, [*sources, f"central v{version}"]
            summary["services"], summary["counters"] = len(shown.services), len(shown.counters)
    ctx.emit(
        summary,
        f"config OK: {len(shown.services)} services, {len(shown.counters)} counters "
        f"({', '.join(sources)})",
    )
    return exits.OK


def central_overlay(ctx: Context, config: Config) -> tuple[int, Config | None, list[str]] | None:
    """The configuration central pushed, as kept in the database: its version, the files
    with it laid over (None when it no longer fits them) and why not; None if none is kept.

    Text rules grow stricter from one release to the next: a version stored under the old
    ones is left out by every daemon after an upgrade, until central sends a new one.
    """
    from kiosk.config import ConfigError, load_raw, read_central, with_central

    stored = read_central(ctx.db_override() or config.store.path)
    if stored is None:
        return None
    version, body = stored
    raw, sources = load_raw(ctx.args.config)
    try:
        return version, with_central(raw, sources, version, body), []
    except ConfigError as exc:
        return version, None, list(exc.problems)
