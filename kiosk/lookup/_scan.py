"""A scan from start to screen: classify, look up (or act on a ticket), record.

The scanner daemon records each scan's view in ``scans``; the look-up screen
shows the newest one meant for it. ``kiosk scan`` runs the same look-up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kiosk import codes, dossiers, procedures
from kiosk.config import Config
from kiosk.lookup._dossier import dossier_view, invalid_view, not_found_view
from kiosk.lookup._ticket import ticket_view
from kiosk.lookup._view import PROCEDURE, View
from kiosk.store import Store

KEEP_SCANS = 1000  # older scans are deleted as new ones come (the screen needs the last)


def look_up(store: Store, config: Config, raw: str | bytes, now: float, *, act: bool) -> View:
    """The view for one scan. ``act``: a missed ticket's QR re-enters it (as at the
    scanner); without, nothing changes and the view says what a scan would do."""
    found = codes.classify(raw)
    if found.kind == codes.DOSSIER:
        dossier = dossiers.find(store, found.value)
        updated = dossiers.updated_at(store)
        if dossier is None:
            return not_found_view(config, found.value, now, updated)
        return dossier_view(config, dossier, now, updated)
    if found.kind == codes.TICKET:
        return ticket_view(store, config, found.value, now, act=act)
    if found.kind == codes.PROCEDURE:
        procedure = procedures.by_code(store.conn, found.value)
        if procedure is not None:  # the screen opens it in the catalogue
            return View(
                kind=PROCEDURE,
                tone="info",
                title="THỦ TỤC HÀNH CHÍNH",
                code=procedure.code,
                heading=procedure.name,
                action="Mời xem giấy tờ cần nộp trên màn hình tra cứu thủ tục.",
            )
    return invalid_view(found)


@dataclass(frozen=True)
class Scan:
    id: int
    scanner: str
    at: float
    view: View


def record_scan(store: Store, scanner: str, view: View, now: float) -> int:
    """Store the view for the screens, with an event for the centre's statistics."""
    data = json.dumps(view.to_json(), ensure_ascii=False, separators=(",", ":"))
    with store.change(now) as tx:
        cursor = tx.execute(
            "INSERT INTO scans (scanner, kind, code, view, at) VALUES (?, ?, ?, ?, ?)",
            (scanner, view.kind, view.code, data, now),
        )
        scan_id = int(cursor.lastrowid or 0)
        tx.execute("DELETE FROM scans WHERE id <= ?", (scan_id - KEEP_SCANS,))
        event = {"scanner": scanner, "kind": view.kind, "result": view.detail.get("status")}
        if view.kind in ("dossier", "not_found", PROCEDURE):
            event["code"] = view.code
        tx.event("scan", event)
    return scan_id


def latest_scan(store: Store, scanners: tuple[str, ...] = ()) -> Scan | None:
    """The newest scan from any of ``scanners`` (all when empty)."""
    sql = "SELECT id, scanner, at, view FROM scans"
    params: tuple[str, ...] = ()
    if scanners:
        sql += f" WHERE scanner IN ({', '.join('?' * len(scanners))})"
        params = scanners
    row = store.conn.execute(sql + " ORDER BY id DESC LIMIT 1", params).fetchone()
    if row is None:
        return None
    return Scan(int(row[0]), str(row[1]), float(row[2]), View.from_json(json.loads(row[3])))
