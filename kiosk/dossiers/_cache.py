"""The dossier cache in SQLite: upserts by version, look-up by code, purge of old ones.

Steps are kept as one compact JSON array per dossier (a list of lists, no keys),
which keeps a million dossiers small and a look-up one row read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kiosk.dossiers._model import RETURNED, Dossier, Step
from kiosk.store import Store, Tx, kv

UPDATED_KEY = kv.DOSSIERS_UPDATED_AT.key  # when the cache last took in data (import or sync)

_COLUMNS = (
    "code, procedure, applicant, status, received_at, due_at, returned_at, steps, pickup, "
    "pickup_counter, fee, version"
)
_UPSERT = (
    f"INSERT INTO dossiers ({_COLUMNS}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (code) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.split(", ")[1:])
    + ", updated_at = excluded.updated_at WHERE excluded.version > dossiers.version"
)


def _steps_json(steps: tuple[Step, ...]) -> str:
    rows = [[s.unit, s.handler, s.at, s.content, s.deadline] for s in steps]
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))


def _row(dossier: Dossier, now: float) -> tuple[Any, ...]:
    d = dossier
    return (
        d.code,
        d.procedure,
        d.applicant,
        d.status,
        d.received_at,
        d.due_at,
        d.returned_at,
        _steps_json(d.steps),
        d.pickup,
        d.pickup_counter,
        d.fee,
        d.version,
        now,
    )


def upsert(tx: Tx, dossiers: Iterable[Dossier]) -> int:
    """Write dossiers newer than what is cached (last writer wins by ``version``);
    how many rows were written. An older or equal version changes nothing."""
    cursor = tx.conn.executemany(_UPSERT, (_row(d, tx.now) for d in dossiers))
    kv.DOSSIERS_UPDATED_AT.write(tx, tx.now)
    return max(0, cursor.rowcount)


def _dossier(row: tuple[Any, ...]) -> Dossier:
    (
        code,
        procedure,
        applicant,
        status,
        received_at,
        due_at,
        returned_at,
        steps,
        pickup,
        pickup_counter,
        fee,
        version,
    ) = row
    return Dossier(
        code=code,
        procedure=procedure,
        applicant=applicant,
        status=int(status),
        received_at=received_at,
        due_at=due_at,
        returned_at=returned_at,
        steps=tuple(Step(*item) for item in json.loads(steps)),
        pickup=pickup,
        pickup_counter=pickup_counter,
        fee=fee,
        version=int(version),
    )


def find(store: Store, code: str) -> Dossier | None:
    row = store.conn.execute(f"SELECT {_COLUMNS} FROM dossiers WHERE code = ?", (code,)).fetchone()
    return None if row is None else _dossier(row)


def updated_at(store: Store) -> float | None:
    """When the cache last took in data; None if it never has."""
    return kv.DOSSIERS_UPDATED_AT.read(store.conn)


def count(source: Store | Tx) -> int:
    """How many dossiers are cached (as a transaction sees them, when given one)."""
    return int(source.conn.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0])


def purge_batch(store: Store, days: float, *, now: float, batch: int = 500) -> int:
    """Delete up to ``batch`` dossiers returned more than ``days`` ago, in one short
    transaction; how many were deleted (fewer than ``batch``: none are left)."""
    cutoff = now - days * 86400
    with store.change(now) as tx:
        return int(
            tx.execute(
                "DELETE FROM dossiers WHERE rowid IN (SELECT rowid FROM dossiers "
                "WHERE status = ? AND coalesce(returned_at, updated_at) < ? LIMIT ?)",
                (RETURNED, cutoff, batch),
            ).rowcount
        )


def purge(store: Store, days: float, *, now: float, batch: int = 5000) -> int:
    """Delete every dossier returned more than ``days`` ago, a batch per transaction so
    other daemons are never held up for long; how many were deleted."""
    total = 0
    while True:
        deleted = purge_batch(store, days, now=now, batch=batch)
        total += deleted
        if deleted < batch:
            return total
