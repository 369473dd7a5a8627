"""Central's database: every event once (by site, device, database and seq), how far each
device's events are stored without a gap (what is acked), the dossiers to publish, the
devices' last state and command results. SQLite by default, PostgreSQL by URL.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS events (
        site TEXT NOT NULL, device TEXT NOT NULL, db TEXT NOT NULL, seq BIGINT NOT NULL,
        id TEXT NOT NULL, type TEXT NOT NULL, ts TEXT NOT NULL, data TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (site, device, db, seq))""",
    "CREATE INDEX IF NOT EXISTS events_site_ts ON events (site, ts)",
    """CREATE TABLE IF NOT EXISTS devices (
        site TEXT NOT NULL, device TEXT NOT NULL, db TEXT NOT NULL,
        acked BIGINT NOT NULL, updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (site, device, db))""",
    """CREATE TABLE IF NOT EXISTS states (
        site TEXT NOT NULL, device TEXT NOT NULL, state TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL, PRIMARY KEY (site, device))""",
    """CREATE TABLE IF NOT EXISTS results (
        site TEXT NOT NULL, device TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL, PRIMARY KEY (site, device, id))""",
    """CREATE TABLE IF NOT EXISTS dossiers (
        site TEXT NOT NULL, code TEXT NOT NULL, version BIGINT NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (site, code))""",
)


class CentralStoreError(Exception):
    """The central database cannot be opened or used."""


@dataclass(frozen=True)
class Incoming:
    site: str
    device: str
    event: dict[str, Any]


@dataclass(frozen=True)
class Ack:
    site: str
    device: str
    db: str
    seq: int


class CentralStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.lock = threading.Lock()
        if url.startswith("sqlite://"):
            self.kind = "sqlite"
            path = url.removeprefix("sqlite://")
            try:
                if path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path, isolation_level=None, timeout=30,
                                       check_same_thread=False)  # fmt: skip
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
            except (sqlite3.Error, OSError) as exc:
                raise CentralStoreError(f"{path}: {exc}") from None
            self.conn: Any = conn
        elif url.startswith(("postgresql://", "postgres://")):
            self.kind = "postgresql"
            try:
                import psycopg
            except ImportError:
                raise CentralStoreError(
                    "PostgreSQL needs psycopg: pip install 'psycopg[binary]'"
                ) from None
            try:
                self.conn = psycopg.connect(url, autocommit=True)
            except psycopg.Error as exc:
                raise CentralStoreError(f"PostgreSQL: {str(exc).strip().splitlines()[0]}") from None
        else:
            raise CentralStoreError(f"{url}: use sqlite:///PATH or postgresql://...")
        with self._tx() as cur:
            for statement in SCHEMA:
                cur.execute(statement)

    def _sql(self, sql: str) -> str:
        return sql if self.kind == "sqlite" else sql.replace("?", "%s")

    class _Cursor:
        def __init__(self, store: CentralStore, cur: Any) -> None:
            self.store, self.cur = store, cur

        def execute(self, sql: str, params: Any = ()) -> Any:
            return self.cur.execute(self.store._sql(sql), params)

        def executemany(self, sql: str, rows: list[Any]) -> Any:
            return self.cur.executemany(self.store._sql(sql), rows)

        def fetchall(self) -> list[Any]:
            return list(self.cur.fetchall())

        def fetchone(self) -> Any:
            return self.cur.fetchone()

    @contextmanager
    def _tx(self) -> Iterator[CentralStore._Cursor]:
        with self.lock:
            cur = self.conn.cursor()
            cur.execute("BEGIN IMMEDIATE" if self.kind == "sqlite" else "BEGIN")
            try:
                yield CentralStore._Cursor(self, cur)
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

    # -- events -----------------------------------------------------------------------

    def ingest(self, batch: list[Incoming]) -> list[Ack]:
        """Store the events (each once) and return, per device, the highest seq now held
        without a gap: the ack to send. All in one transaction."""
        now = time.time()
        rows = []
        floors: dict[tuple[str, str, str], int] = {}
        for item in batch:
            e = item.event
            key = (item.site, item.device, e["db"])
            floors[key] = max(floors.get(key, 0), int(e.get("floor", 1)))
            rows.append(
                (
                    item.site,
                    item.device,
                    e["db"],
                    e["seq"],
                    e["id"],
                    e["type"],
                    e["ts"],
                    json.dumps(e["data"], ensure_ascii=False, separators=(",", ":")),
                    now,
                )
            )
        acks = []
        with self._tx() as cur:
            cur.executemany(
                "INSERT INTO events (site, device, db, seq, id, type, ts, data, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows,
            )  # fmt: skip
            for (site, device, db), floor in sorted(floors.items()):
                acks.append(
                    Ack(site, device, db, self._advance(cur, (site, device, db), floor, now))
                )
        return acks

    def _advance(self, cur: Any, key: tuple[str, str, str], floor: int, now: float) -> int:
        site, device, db = key
        cur.execute(
            "INSERT INTO devices (site, device, db, acked, updated_at) VALUES (?, ?, ?, 0, ?) "
            "ON CONFLICT DO NOTHING", (site, device, db, now),
        )  # fmt: skip
        lock = " FOR UPDATE" if self.kind == "postgresql" else ""
        cur.execute(
            f"SELECT acked FROM devices WHERE site = ? AND device = ? AND db = ?{lock}",
            (site, device, db),
        )
        acked = int(cur.fetchone()[0])
        reached = base = max(acked, floor - 1)
        while True:
            cur.execute(
                "SELECT seq FROM events WHERE site = ? AND device = ? AND db = ? AND seq > ? "
                "ORDER BY seq LIMIT 5000", (site, device, db, reached),
            )  # fmt: skip
            seqs = [int(row[0]) for row in cur.fetchall()]
            for seq in seqs:
                if seq != reached + 1:
                    break
                reached = seq
            else:
                if len(seqs) == 5000:
                    continue
            break
        if reached != acked or base != acked:
            cur.execute(
                "UPDATE devices SET acked = ?, updated_at = ? WHERE site = ? AND device = ? "
                "AND db = ?", (reached, now, site, device, db),
            )  # fmt: skip
        return reached

    def events(
        self, site: str, first_ts: str = "", last_ts: str = "\uffff"
    ) -> list[dict[str, Any]]:
        with self._tx() as cur:
            cur.execute(
                "SELECT device, db, seq, id, type, ts, data FROM events WHERE site = ? "
                "AND ts >= ? AND ts < ? ORDER BY device, db, seq", (site, first_ts, last_ts),
            )  # fmt: skip
            rows = cur.fetchall()
        return [{"device": d, "db": db, "seq": int(s), "id": i, "type": t, "ts": ts,
                 "data": json.loads(data)} for d, db, s, i, t, ts, data in rows]  # fmt: skip

    def seqs(self, site: str, device: str) -> list[int]:
        with self._tx() as cur:
            cur.execute(
                "SELECT seq FROM events WHERE site = ? AND device = ? ORDER BY db, seq",
                (site, device),
            )
            return [int(row[0]) for row in cur.fetchall()]

    def count(self) -> int:
        with self._tx() as cur:
            cur.execute("SELECT COUNT(*) FROM events")
            return int(cur.fetchone()[0])

    def sites(self) -> list[str]:
        with self._tx() as cur:
            cur.execute("SELECT DISTINCT site FROM events ORDER BY site")
            return [row[0] for row in cur.fetchall()]

    # -- states, results --------------------------------------------------------------

    def put_state(self, site: str, device: str, state: dict[str, Any]) -> None:
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO states (site, device, state, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (site, device) DO UPDATE SET state = excluded.state, "
                "at = excluded.at",
                (site, device, json.dumps(state, ensure_ascii=False), time.time()),
            )

    def states(self, site: str) -> dict[str, dict[str, Any]]:
        with self._tx() as cur:
            cur.execute("SELECT device, state FROM states WHERE site = ?", (site,))
            return {device: json.loads(state) for device, state in cur.fetchall()}

    def put_result(self, site: str, device: str, result: dict[str, Any]) -> None:
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO results (site, device, id, body, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (site, device, id) DO UPDATE SET body = excluded.body, "
                "at = excluded.at",
                (site, device, result["id"], json.dumps(result, ensure_ascii=False), time.time()),
            )

    def result(self, site: str, device: str, command_id: str) -> dict[str, Any] | None:
        with self._tx() as cur:
            cur.execute("SELECT body FROM results WHERE site = ? AND device = ? AND id = ?",
                        (site, device, command_id))  # fmt: skip
            row = cur.fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # -- dossiers ---------------------------------------------------------------------

    def newer_dossiers(self, site: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Those of ``records`` newer (by version) than what is held; nothing is written."""
        with self._tx() as cur:
            return _newer(cur, site, records)

    def put_dossiers(self, site: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep the records newer than what is held (by version); returns those."""
        with self._tx() as cur:
            newer = _newer(cur, site, records)
            for record in newer:
                cur.execute(
                    "INSERT INTO dossiers (site, code, version, record) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (site, code) DO UPDATE SET version = excluded.version, "
                    "record = excluded.record",
                    (site, record["code"], int(record["version"]),
                     json.dumps(record, ensure_ascii=False)),
                )  # fmt: skip
        return newer

    def dossiers(self, site: str) -> list[dict[str, Any]]:
        with self._tx() as cur:
            cur.execute("SELECT record FROM dossiers WHERE site = ? ORDER BY code", (site,))
            return [json.loads(row[0]) for row in cur.fetchall()]


def _newer(cur: Any, site: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    newer = []
    for record in records:
        cur.execute("SELECT version FROM dossiers WHERE site = ? AND code = ?",
                    (site, record["code"]))  # fmt: skip
        row = cur.fetchone()
        if row is None or int(row[0]) < int(record["version"]):
            newer.append(record)
    return newer
