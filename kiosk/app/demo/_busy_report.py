"""``kiosk demo --day busy``: its arguments, its run and the report it writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from kiosk.app.context import Context
from kiosk.app.demo._busy_figures import as_lines
from kiosk.app.exits import UNAVAILABLE, USAGE, CommandError

MARK = Path("site") / "config.d" / "busy-day.toml"  # what every busy day's folder has


def _arguments(ctx: Context) -> tuple[int, float, int]:
    citizens = 1500 if ctx.args.citizens is None else ctx.args.citizens
    if not 10 <= citizens <= 20_000:
        raise CommandError("--citizens: from 10 to 20000", USAGE)
    if not 1 <= ctx.args.speed <= 2000:
        raise CommandError("--speed: from 1 to 2000 (times real time)", USAGE)
    if not 0 <= ctx.args.slips <= 5000:
        raise CommandError("--slips: from 0 to 5000", USAGE)
    return citizens, float(ctx.args.speed), int(ctx.args.slips)


def cmd_busy_day(ctx: Context) -> int:
    from kiosk.app.demo._busy import run_busy_day
    from sync.servers import have_mosquitto

    citizens, speed, slips = _arguments(ctx)
    ctx.config  # the configuration is checked before anything starts  # noqa: B018
    if not have_mosquitto():
        raise CommandError("the busy day needs mosquitto (apt-get install mosquitto)", UNAVAILABLE)
    if shutil.which("espeak-ng") is None:
        raise CommandError(
            "the busy day needs espeak-ng for the voice (apt-get install espeak-ng)", UNAVAILABLE
        )
    out = Path(ctx.args.out) / "busy-day"  # its own folder: a run replaces all of it
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out: {exc.strerror}: {out}", USAGE) from None
    if any(out.iterdir()) and not (out / MARK).exists():
        raise CommandError(f"{out} holds files that are not a busy day's: move them first", USAGE)
    try:
        result = run_busy_day(
            ctx.args.config, out, citizens=citizens, speed=speed, seed=ctx.args.seed, slips=slips
        )
    except RuntimeError as exc:
        raise CommandError(f"busy day: {exc}", UNAVAILABLE) from None
    text = as_text(result)
    (out / "report.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "report.txt").write_text(text + "\n", encoding="utf-8")
    ctx.emit(
        result,
        f"{text}\n\nwritten to {out}/: report.txt, report.json, kiosk.db, "
        "central.db, printed.txt (every ticket's QR), logs/*.log (each daemon), "
        "wall.jsonl and wall/*.png (the wall display), voice.jsonl (the voice)",
    )
    return 0 if result["ok"] else 1


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + ")"
    if isinstance(value, list):
        more = "…" if len(value) > 8 else ""
        return "[" + ", ".join(_short(v) for v in value[:8]) + more + "]"
    return str(value)


def _label(key: str) -> str:
    return "no-shows" if key == "no_shows" else key.replace("_", " ")


def as_text(result: dict[str, Any]) -> str:
    load = result["load"]
    lines = [
        f"Busy day {result['day']}: {load['citizens']} citizens, {result['speed']:g}x real time, "
        f"{result['run_seconds']:g} s; every daemon ready {result['cold_start_s']} s after start",
        f"  tickets printed {load['tickets_printed']} (priority citizens {load['priority']}); "
        f"tried again at the kiosk {load['tried_again_at_the_kiosk']}, left without a ticket "
        f"{load['left_without_a_ticket']}",
        *as_lines(result["figures"]),
        "  scans sent: " + ", ".join(f"{k} {v}" for k, v in sorted(load["scans_sent"].items())),
        "  faults: " + ", ".join(result["faults"]),
        "",
        "Invariants:",
    ]
    for name, verdict in result["invariants"].items():
        if isinstance(verdict, dict) and "ok" in verdict:
            facts = ", ".join(
                f"{_label(k)} {_short(v)}"
                for k, v in verdict.items()
                if k != "ok" and (not isinstance(v, (list, dict)) or v)
            )
            lines.append(
                f"  {'OK  ' if verdict['ok'] else 'FAIL'} {name.replace('_', ' ')}: {facts}"
            )
    lines.append("")
    lines.append("ALL INVARIANTS HOLD" if result["ok"] else "SOME INVARIANTS FAILED")
    return "\n".join(lines)
