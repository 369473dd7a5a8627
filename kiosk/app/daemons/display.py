"""``kiosk run display --role wall|lookup|both``: the wall display with its voice, the
look-up screen, or both from one process."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from kiosk.app.daemons._life import Life, serve, setup_logging, stop_on_signals
from kiosk.app.exits import CONFIG, USAGE, CommandError

log = logging.getLogger("kiosk")

# Each role's screen loops, and what the log and systemd are told of them.
SCREENS = {
    "wall": ("wall display ready", "wall display stopped"),
    "lookup": ("look-up screen ready", "look-up screen stopped"),
    "both": ("wall display and look-up screen ready", "screens stopped"),
}


def main(life: Life, role: str | None, *, wall: Mapping[str, Any] | None = None) -> int:
    """The wall display, the look-up screen, or both from one process (with KMSDRM only
    one process at a time can drive a Pi's screens: the look-up screen is then an SDL
    window of its own on its display).

    ``wall``: more for the wall's :class:`display.WallDaemon` (its ``screen``, and hooks
    such as ``on_frame`` and ``on_said`` through which the busy day records what it shows
    and says)."""
    from display import LookupDaemon, WallDaemon, WindowScreen, fonts_for, lookup_screen, run_loops
    from kiosk.fonts import FontError

    if role is None:
        raise CommandError("which screen? kiosk run display --role wall|lookup|both", USAGE)
    setup_logging()
    config = life.config
    try:
        faces = fonts_for(config)
    except FontError as exc:
        raise CommandError(f"config: {exc}", CONFIG) from None
    loops: list[Any] = []
    if role in ("wall", "both"):
        loops.append(WallDaemon(config, life.db_path, faces, **(wall or {})))
    if role in ("lookup", "both"):
        window = (
            WindowScreen(lookup_screen(config), section="lookup", caption="look-up screen")
            if role == "both"
            else None
        )
        loops.append(LookupDaemon(config, life.db_path, faces, screen=window))
    try:
        for loop in loops:  # store.path naming another program's file: one line, exit 78
            loop.open_store()
    except BaseException:
        for loop in loops:
            with contextlib.suppress(Exception):
                loop.close()
        raise
    stop = stop_on_signals(life)
    if role in ("wall", "both"):
        log.info(
            "wall display starting on screen %d: fonts %s, %s; voice %s",
            config.display.index,
            faces.regular,
            faces.bold,
            config.voice.pack if config.voice.enabled else "off",
        )
    if role in ("lookup", "both"):
        shows = ", ".join(config.lookup.scanners) or "every scanner"
        log.info(
            "look-up screen starting on screen %d: scans of %s; fonts %s",
            config.lookup.index,
            shows,
            faces.regular,
        )
    for loop in loops:
        loop.step()
    ready, stopped = SCREENS[role]
    serve(life, lambda halt, tick: run_loops(loops, halt, tick), stop, ready)
    log.info("%s", stopped)
    return 0
