"""The busy day's figures: what became of the day's tickets, one definition each.

They come from the day's records, never from what the simulated officers meant to do
(a key press is lost when the counter daemon is killed before it acts on it): the
device's tables for the tickets, calls and ratings, and the device's events as central
stored them for what the tables keep no trace of (skips, re-entries, transfers, how a
ticket was closed). The report says each figure's definition once, from
:data:`kiosk.app.demo._definitions.FIGURES` (as the demo's summary does).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from kiosk.app.demo._definitions import FIGURES, label
from kiosk.store import connect_readonly, kv


def day_figures(db: Path, central_db: Path, *, site: str, day: str) -> dict[str, Any]:
    with contextlib.closing(connect_readonly(db)) as device:
        status = Counter(
            s for (s,) in device.execute("SELECT status FROM tickets WHERE day = ?", (day,))
        )
        uids = {u for (u,) in device.execute("SELECT uid FROM tickets WHERE day = ?", (day,))}
        kinds = device.execute(
            "SELECT c.kind FROM calls c JOIN tickets t ON t.id = c.ticket_id WHERE t.day = ?",
            (day,),
        )
        calls = Counter(k for (k,) in kinds)
        ratings = device.execute(
            "SELECT COUNT(*) FROM ratings r JOIN tickets t ON t.id = r.ticket_id WHERE t.day = ?",
            (day,),
        ).fetchone()[0]
        outbox_db = kv.OUTBOX_DB.need(device)
    with contextlib.closing(connect_readonly(central_db)) as central:
        rows = central.execute(
            "SELECT type, data FROM events WHERE site = ? AND db = ?", (site, outbox_db)
        ).fetchall()
    events: Counter[str] = Counter()
    for kind, data in rows:
        body = json.loads(data)
        if kind == "counter.paused":
            events[kind] += 1
        elif kind.startswith("ticket.") and body.get("ticket") in uids:
            events[f"{kind}.auto" if kind == "ticket.done" and body.get("auto") else kind] += 1
    return {
        "tickets": sum(n for s, n in status.items() if s not in ("void", "issued")),
        "calls": calls["call"],
        "recalls": calls["recall"],
        "served": status["done"],
        "served_with_the_done_key": events["ticket.done"],
        "served_when_the_counter_called_the_next_citizen": events["ticket.done.auto"],
        "no_shows": status["missed"],
        "skips": events["ticket.skipped"],
        "reentries": events["ticket.reentered"],
        "transfers": events["ticket.transferred"],
        "ratings": ratings,
        "pauses": events["counter.paused"],
        "meaning": FIGURES,
    }


def as_lines(figures: dict[str, Any]) -> list[str]:
    """The report's lines for the figures, with what they count."""
    f = figures
    return [
        f"  calls {f['calls']}, recalls {f['recalls']}; served {f['served']} "
        f"({f['served_with_the_done_key']} closed with the done key, "
        f"{f['served_when_the_counter_called_the_next_citizen']} when their counter called "
        "the next citizen)",
        f"  no-shows {f['no_shows']}, skips {f['skips']} ({f['reentries']} came back and "
        f"re-entered), transfers {f['transfers']}, ratings {f['ratings']}, pauses {f['pauses']}",
        *(f"  {label(name)}: {meaning}" for name, meaning in FIGURES.items()),
    ]
