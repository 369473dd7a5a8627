"""``kiosk config check``."""

from __future__ import annotations

import json
import sys

from kiosk.cli import _exit
from kiosk.cli._context import Context


def cmd_config_check(ctx: Context) -> int:
    from kiosk.config import ConfigError, load_config

    try:
        config = load_config(ctx.args.config)
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
