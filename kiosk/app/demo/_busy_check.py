"""The busy day's invariant report: what must hold at the end, each with its evidence.

* every citizen who got a printed ticket was called, or is listed as missed;
* no number was printed twice; no phantom ticket (nothing called, served or counted that
  nobody holds; voided tickets never called);
* every event the device wrote is at central exactly once (each seq once, none missing,
  and the tickets, calls and scans they describe are the device's);
* the wall display showed and the voice said only real calls, in order;
* the day's statistics are the same computed on the device and on central.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

from kiosk.daily import device_report
from kiosk.store import connect_readonly, kv


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _token_ticket(token: str) -> tuple[str, str]:
    """(day, number) of a ticket token ``HCC1:YYMMDD:NUMBER:SIGNATURE``."""
    _, stamp, number, _ = token.split(":")
    return f"20{stamp[:2]}-{stamp[2:4]}-{stamp[4:]}", number


def check(
    db: Path,
    central_db: Path,
    record: Path,
    tokens: list[str],
    *,
    site: str,
    day: str,
    timezone: str,
    stale_seconds: float,
) -> dict[str, Any]:
    from sync.central import report
    from sync.central_store import CentralStore

    device = connect_readonly(db)
    tickets = {
        (d, n): (i, s)
        for i, d, n, s in device.execute("SELECT id, day, number, status FROM tickets")
    }
    calls = {
        i: (n, c, k, at)
        for i, n, c, k, at in device.execute("SELECT id, number, counter, kind, at FROM calls")
    }
    called_ids = {t for (t,) in device.execute("SELECT DISTINCT ticket_id FROM calls")}
    last_seq, outbox_db = kv.EVENT_SEQ.read(device), kv.OUTBOX_DB.need(device)
    on_device = device_report(device, day)
    result: dict[str, Any] = {}

    held = [_token_ticket(t) for t in tokens]
    status = {ticket: tickets.get(ticket, (0, "not in the database"))[1] for ticket in held}
    unaccounted = [
        f"{d} {n}: {status[d, n]}" for d, n in held if status[d, n] not in ("done", "missed")
    ]
    result["printed_tickets_called_or_missed"] = {
        "ok": not unaccounted and bool(held),
        "printed": len(held),
        "not": unaccounted[:20],
    }
    reused = [f"{d} {n}" for (d, n), times in Counter(held).items() if times > 1]
    result["no_number_reused"] = {
        "ok": not reused,
        "numbers": len(set(held)),
        "reused": reused[:20],
    }
    held_set = set(held)
    phantoms = [
        f"{d} {n} ({status})"
        for (d, n), (_, status) in tickets.items()
        if status not in ("void", "issued") and (d, n) not in held_set
    ]
    void_called = [
        f"{d} {n}"
        for (d, n), (i, status) in tickets.items()
        if status == "void" and i in called_ids
    ]
    result["no_phantom_tickets"] = {
        "ok": not phantoms and not void_called,
        "in_queue_but_never_printed": phantoms[:20],
        "voided_but_called": void_called[:20],
        "voided": sum(1 for _, s in tickets.values() if s == "void"),
    }

    store = CentralStore(f"sqlite://{central_db}")
    try:
        central = connect_readonly(central_db)
        rows = central.execute(
            "SELECT seq, id, type, data FROM events WHERE site = ? AND db = ? ORDER BY seq",
            (site, outbox_db),
        ).fetchall()
        central_report = report(store, site, day, timezone)
    finally:
        store.close()
    seqs = [r[0] for r in rows]
    kinds = Counter(r[2] for r in rows)
    issued = {json.loads(r[3])["number"] for r in rows if r[2] == "ticket.issued"}
    today = {n for (d, n) in tickets if d == day}
    result["every_event_at_central_once"] = {
        "ok": seqs == list(range(1, last_seq + 1))
        and len({r[1] for r in rows}) == len(rows)
        and issued == today
        and kinds["ticket.called"] + kinds["ticket.recalled"] == len(calls),
        "device_events": last_seq,
        "central_events": len(rows),
        "missing": sorted(set(range(1, last_seq + 1)) - set(seqs))[:20],
        "duplicate_ids": len(rows) - len({r[1] for r in rows}),
        "tickets_issued_at_central": len(issued),
        "tickets_on_device": len(today),
        "calls_at_central": kinds["ticket.called"] + kinds["ticket.recalled"],
        "calls_on_device": len(calls),
    }

    frames = _lines(record / "wall.jsonl")
    wrong = [
        f["call"]
        for f in frames
        if calls.get(f["call"], ("", 0))[:2] != (f["number"], f["counter"])
    ]
    backwards = sum(1 for a, b in itertools.pairwise(frames) if b["call"] < a["call"])
    newest = max(calls) if calls else None
    result["display_consistent_with_calls"] = {
        "ok": bool(frames) and not wrong and frames[-1]["call"] == newest,
        "frames_with_a_new_call": len(frames),
        "not_a_call": wrong[:20],
        "went_back": backwards,
        "last_shown": frames[-1]["call"] if frames else None,
        "newest_call": newest,
        "snapshots": sorted(p.name for p in (record / "wall").glob("*.png")),
    }
    voice = _lines(record / "voice.jsonl")
    said = [v for v in voice if "call" in v]
    wrong_said = [
        v["call"]
        for v in said
        if calls.get(v["call"], ("", 0, ""))[:3] != (v["number"], v["counter"], v["kind"])
    ]
    late = [
        v["call"]
        for v in said
        if v["call"] in calls and v["at"] - calls[v["call"]][3] > stale_seconds + 1
    ]
    out_of_order = sum(1 for a, b in itertools.pairwise(said) if b["call"] <= a["call"])
    result["voice_consistent_with_calls"] = {
        "ok": bool(said) and not wrong_said and not late and out_of_order <= 1,
        "said": len(said),
        "dropped_as_stale": sum(v.get("dropped", 0) for v in voice),
        "not_a_call": wrong_said[:20],
        "said_too_late": late[:20],
        "out_of_order": out_of_order,
    }

    keys = [k for k in on_device if k != "day"]
    differences = [k for k in keys if on_device[k] != central_report.get(k)]
    result["daily_statistics_equal"] = {
        "ok": not differences,
        "differences": differences,
        "tickets": on_device["tickets"],
        "called": on_device["called"],
        "served": on_device["service_seconds"]["served"],
        "no_shows": on_device["no_shows"],
        "voided": on_device["voided"],
    }
    result["scans_at_central"] = dict(
        Counter(json.loads(r[3]).get("kind", "") for r in rows if r[2] == "scan")
    )
    device.close()
    central.close()
    return result
