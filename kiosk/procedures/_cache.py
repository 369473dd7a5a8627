"""The procedure catalogue in SQLite: upserts by version (last writer wins), look-up by
either form of a code, the fields and their procedures, and the search index kept in step
with every write."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from kiosk.procedures._model import Procedure, national_code
from kiosk.procedures._ours import read_ours
from kiosk.procedures._search import fold, terms_changed
from kiosk.store import Tx, kv
from kiosk.vietnamese import sort_key

_UPSERT = (
    "INSERT INTO procedures (code, national, name, field_code, field_name, service, version, "
    "record, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (code) DO UPDATE SET national = excluded.national, name = excluded.name, "
    "field_code = excluded.field_code, field_name = excluded.field_name, "
    "service = excluded.service, version = excluded.version, record = excluded.record, "
    "updated_at = excluded.updated_at WHERE excluded.version > procedures.version "
    "RETURNING rowid"
)


def upsert(tx: Tx, procedures: Iterable[Procedure]) -> int:
    """Write procedures newer than the catalogue's (by ``version``) with their search
    entries; how many were written. An older or equal version changes nothing."""
    written = 0
    for procedure in procedures:
        record = json.dumps(procedure.to_record(), ensure_ascii=False, separators=(",", ":"))
        row = tx.conn.execute(
            _UPSERT,
            (
                procedure.code,
                procedure.national,
                procedure.name,
                procedure.field_code,
                procedure.field_name,
                procedure.service,
                procedure.version,
                record,
                tx.now,
            ),
        ).fetchone()
        if row is None:
            continue
        _index(tx.conn, row[0], procedure)
        written += 1
    if written:
        terms_changed(tx.conn)
        kv.PROCEDURES_UPDATED_AT.write(tx, tx.now)
    return written


def _index(conn: sqlite3.Connection, rowid: int, procedure: Procedure) -> None:
    conn.execute("DELETE FROM procedure_words WHERE rowid = ?", (rowid,))
    codes = " ".join(dict.fromkeys((procedure.code, procedure.national)))
    conn.execute(
        "INSERT INTO procedure_words (rowid, name, folded, field, codes) VALUES (?, ?, ?, ?, ?)",
        (
            rowid,
            procedure.name,
            fold(procedure.name),
            f"{procedure.field_name} {fold(procedure.field_name)}",
            codes,
        ),
    )


def by_code(conn: sqlite3.Connection, code: str) -> Procedure | None:
    """The procedure with this code, given in either form (national, or the province's,
    whichever the catalogue holds); a national code shared by several of the province's
    picks the first by code."""
    given = code.strip()
    row = conn.execute(
        "SELECT record FROM procedures WHERE code = ?1 OR national = ?1 OR national = ?2 "
        "ORDER BY code = ?1 DESC, code LIMIT 1",
        (given, national_code(given)),
    ).fetchone()
    return None if row is None else read_ours(json.loads(row[0]), 0)


def count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM procedures").fetchone()[0])


def version(conn: sqlite3.Connection) -> tuple[int, float | None]:
    """What tells one state of the catalogue from another: how many procedures it has and
    when it was last written (a screen resting on it looks again when this changes)."""
    return count(conn), kv.PROCEDURES_UPDATED_AT.read(conn)


def fields(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """Each field (lĩnh vực): its code, its name and how many procedures it has, by name."""
    rows = conn.execute(
        "SELECT field_code, field_name, count(*) FROM procedures WHERE field_name != '' "
        "GROUP BY field_name"
    )
    return sorted(((code, name, int(n)) for code, name, n in rows), key=lambda f: _order(f[1]))


def in_field(conn: sqlite3.Connection, field_name: str) -> list[tuple[str, str]]:
    """The procedures of a field: (code, name), by name."""
    rows = conn.execute("SELECT code, name FROM procedures WHERE field_name = ?", (field_name,))
    return sorted(((code, name) for code, name in rows), key=lambda p: _order(p[1]))


def _order(name: str) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], str]:
    """Alphabetical as a Vietnamese reader expects (see :func:`kiosk.vietnamese.sort_key`)."""
    return (sort_key(name), name)
