"""``[lookup]``: the look-up screen (kiosk run display --role lookup) that shows a
dossier's progress when its slip is scanned, and its checks."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._build import did_you_mean
from kiosk.config._fields import opt


@dataclass(frozen=True, kw_only=True)
class LookupConfig:
    """The look-up screen (kiosk run display --role lookup): dossier progress by scan."""

    # Which scanners' scans this screen shows (their ids); empty: every scanner's.
    scanners: tuple[str, ...] = opt((), p.list_of(p.slug, unique=True))
    resolution: tuple[int, int] | None = opt(None, p.resolution)
    rotation: int = opt(0, p.one_of_ints(0, 90, 180, 270))
    # Which screen, when the Pi drives two (the wall display is usually 0).
    index: int = opt(1, p.int_range(0, 7))
    # A result stays this long, then the screen goes back to its instructions.
    show_seconds: float = opt(30.0, p.number_range(5, 600))
    # Results say "cập nhật lúc HH:MM" when the cache took no update for this long.
    stale_minutes: float = opt(60.0, p.number_range(1, 10080))
    # An extra line on the instructions screen, e.g. where to ask for help.
    help: str = opt("", p.optional_text)
    # A touch panel read through evdev (/dev/input/by-id/...-event or by-path/...); empty:
    # the screen takes SDL's own touch and click events only.
    touch: str = opt("", p.optional_path)
    # A small keypad (arrows, enter, back) for the catalogue where there is no touch panel,
    # read through evdev; empty: none.
    keypad: str = opt("", p.optional_path)
    # The procedure catalogue goes back to the instructions after this long untouched.
    catalogue_idle_seconds: float = opt(90.0, p.number_range(10, 900))
    # What the screen shows when nobody uses it: the scan instructions (with a way into the
    # catalogue once it has one), or the catalogue's fields, for a screen of its own.
    home: str = opt("instructions", p.one_of("instructions", "catalogue"))
    # The screen's diagonal in inches: the catalogue's buttons and keys are at least 9 mm
    # high at this size, whatever its resolution (from 7": a smaller screen cannot hold the
    # keyboard's rows at 9 mm with a line of results).
    diagonal_inches: float = opt(21.5, p.number_range(7, 100))


def check_lookup(lookup: LookupConfig, scanner_ids: list[str]) -> list[str]:
    """Each scanner listed is one of ``[[scanner.devices]]``."""
    problems = []
    for name in lookup.scanners:
        if name not in scanner_ids:
            hint = did_you_mean(name, scanner_ids)
            problems.append(f"lookup.scanners: no scanner {name!r}{hint}")
    return problems
