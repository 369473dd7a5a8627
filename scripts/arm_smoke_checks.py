"""The checks scripts/arm-smoke makes inside the emulated root, on the installed venv.

    python arm_smoke_checks.py ticket FILE.bin FILE.png   the bytes print exactly the PNG
    python arm_smoke_checks.py doctor < doctor.json        kiosk --json doctor's lines are true

Each prints one line per problem and exits 1 when there is one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# What kiosk doctor must say in a booted root with the example configuration, its units
# running, and none of the hardware: no GPIO chip, no printer, no scanners, no screen.
EXPECTED: dict[str, tuple[set[str], str]] = {
    "config": ({"ok"}, ""),
    "services": ({"ok"}, ""),
    "database": ({"ok"}, ""),
    "files": ({"ok", "skip"}, ""),
    "clock": ({"ok", "warn"}, ""),  # the root cannot tell whether NTP keeps the host's clock
    "gpio": ({"fail"}, "no GPIO chip"),
    "printer": ({"fail"}, "not found"),
    "scanner": ({"fail"}, "not found"),
    "screen": ({"skip"}, "the display daemon has the screen"),  # it runs, offscreen
    "font": ({"ok"}, ""),
    "voice": ({"ok"}, ""),
    "broker": ({"ok"}, ""),
}


def ticket(binary: Path, png: Path) -> list[str]:
    from PIL import Image

    from printer.virtual import VirtualPrinter

    printer = VirtualPrinter(576)  # the example's TM-T20II: 80 mm paper, 576 dots
    printer.feed(binary.read_bytes())
    preview = Image.open(png).convert("1")
    if printer.unknown:
        return [f"ticket: {len(printer.unknown)} commands the printer does not know"]
    if len(printer.pages) != 1:
        return [f"ticket: {len(printer.pages)} pages printed, not 1"]
    page = printer.pages[0]
    if page.size != preview.size or page.tobytes() != preview.tobytes():
        return [f"ticket: the printed page ({page.size}) differs from the preview ({preview.size})"]
    print(f"ticket: {binary.stat().st_size} bytes print exactly the preview {preview.size}")
    return []


def doctor(report: dict[str, Any]) -> list[str]:
    problems = []
    seen = set()
    for check in report["checks"]:
        name, status = check["name"], check["status"]
        seen.add(name)
        line = f"{status} {name}: {check['detail']} -> {check['fix']}"
        if name not in EXPECTED:
            problems.append(f"doctor: a check this smoke test does not know: {line}")
            continue
        statuses, words = EXPECTED[name]
        if status not in statuses:
            problems.append(f"doctor: {name} should be {'/'.join(sorted(statuses))}: {line}")
        elif words and words not in f"{check['detail']} {check['fix']}":
            problems.append(f"doctor: {name} should say {words!r}: {line}")
    problems += [f"doctor: no {name} check" for name in EXPECTED.keys() - seen]
    if report.get("ok") is not False:
        problems.append("doctor: says the site can run with no printer, scanner or GPIO")
    return problems


def main(argv: list[str]) -> int:
    if argv[:1] == ["ticket"] and len(argv) == 3:
        problems = ticket(Path(argv[1]), Path(argv[2]))
    elif argv == ["doctor"]:
        problems = doctor(json.load(sys.stdin))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
