"""``kiosk config check``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from kiosk.cli import _exit
from kiosk.cli._context import Context

if TYPE_CHECKING:
    from kiosk.config import Config


def cmd_config_check(ctx: Context) -> int:
    from kiosk.config import ConfigError, load_config

    try:
        config = load_config(ctx.args.config)
        problems = printer_problems(config)
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


def printer_problems(config: Config) -> list[str]:
    """What only the printer package can tell: the profile exists, the fonts cover
    Vietnamese. Checked when a printer is configured (the kiosk daemon needs them)."""
    if config.printer.connection == "none":
        return []
    from printer import (
        BOLD,
        REGULAR,
        FontError,
        ProfileError,
        check_font,
        find_font,
        load_profile,
    )

    problems = []
    try:
        load_profile(config.printer)
    except ProfileError as exc:
        problems.append(str(exc))
    for key, configured, candidates in (
        ("font", config.printer.font, REGULAR),
        ("font_bold", config.printer.font_bold, BOLD),
    ):
        try:
            check_font(find_font(configured, candidates, key), key)
        except FontError as exc:
            problems.append(str(exc))
    return problems
