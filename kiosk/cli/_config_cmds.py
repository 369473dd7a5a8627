"""``kiosk config check``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from kiosk.cli import _exit
from kiosk.cli._context import Context

if TYPE_CHECKING:
    from kiosk.config import PrinterConfig


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
            from kiosk.counter import keymap_problems

            problems += keymap_problems(config)
        if problems:
            raise ConfigError(problems)
    except ConfigError as exc:
        if ctx.json:
            print(json.dumps({"ok": False, "problems": exc.problems}, ensure_ascii=False))
        for problem in exc.problems:
            print(f"kiosk: config: {problem}", file=sys.stderr)
        return _exit.CONFIG
    summary = {
        "ok": True,
        "files": list(config.sources),
        "site": config.site.id,
        "services": len(config.services),
        "counters": len(config.counters),
    }
    ctx.emit(
        summary,
        f"config OK: {len(config.services)} services, {len(config.counters)} counters "
        f"({', '.join(config.sources)})",
    )
    return _exit.OK
