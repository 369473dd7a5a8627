"""Central's database: every event once (by site, device, database and seq), how far each
device's events are stored without a gap (what is acked), the dossiers and the procedure
catalogue to publish, the devices' last state and command results. SQLite by default,
PostgreSQL by URL.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from kiosk.figures import COUNTS, Figures
from kiosk.store import not_sqlite
from sync import central_figures, central_web_store

log = logging.getLogger("sync.central")

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
    # Events whose envelope names a seq but whose body central cannot take (a device on a
    # newer contract, a bug): kept as received, for a person to look at, and counted as
    # held so the device's later events are still acked.
    """CREATE TABLE IF NOT EXISTS rejected (
        site TEXT NOT NULL, device TEXT NOT NULL, db TEXT NOT NULL, seq BIGINT NOT NULL,
        reason TEXT NOT NULL, payload TEXT NOT NULL, received_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (site, device, db, seq))""",
    """CREATE TABLE IF NOT EXISTS dossiers (
        site TEXT NOT NULL, code TEXT NOT NULL, version BIGINT NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (site, code))""",
    # The procedure catalogue each site was sent (this project's format), by version.
    """CREATE TABLE IF NOT EXISTS procedures (
        site TEXT NOT NULL, code TEXT NOT NULL, version BIGINT NOT NULL, record TEXT NOT NULL,
        PRIMARY KEY (site, code))""",
    # The accounts of central's web pages: a role, the sites a manager or viewer is given
    # (JSON; empty: every site), the password's hash (argon2, made by the application).
    """CREATE TABLE IF NOT EXISTS users (
        name TEXT PRIMARY KEY, role TEXT NOT NULL, sites TEXT NOT NULL,
        password_hash TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL)""",
    # Every change made through central's accounts and pages: who, when, what.
    """CREATE TABLE IF NOT EXISTS audit (
        at DOUBLE PRECISION NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
        detail TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS audit_at ON audit (at)",
    *central_figures.SCHEMA,
    *central_web_store.SCHEMA,
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
# The records central keeps for each site and publishes to it, by version: the SQL of each.
_RECORDS = {
    kind: {
        "version": f"SELECT version FROM {kind} WHERE site = ? AND code = ?",
        "put": f"INSERT INTO {kind} (site, code, version, record) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (site, code) DO UPDATE SET version = excluded.version, "
        "record = excluded.record",
        "all": f"SELECT record FROM {kind} WHERE site = ? ORDER BY code",
    }
    for kind in ("dossiers", "procedures")
}


SCHEMA_LOCK = 72_710_001  # PostgreSQL advisory lock: one process makes or changes the tables
RECONNECT_SECONDS = 2.0  # after a failed connect, calls fail at once this long


class CentralStoreError(Exception):
    """The central database cannot be opened or used."""


class NotCentralDatabase(CentralStoreError):
    """The SQLite file named as central's database is something else (a site's kiosk
    database, another program's, not SQLite): it is left as it is, nothing written to it."""


# The columns central's events table has had from the start.
EVENT_KEY = frozenset({"site", "device", "db", "seq"})


class User(NamedTuple):
    """An account of central's web pages."""

    name: str
    role: str  # "admin" (every site), "manager" (its sites), "viewer" (read only)
    sites: tuple[str, ...]  # what a manager or viewer is given; empty: every site
    password_hash: str


class Incoming(NamedTuple):
    """An event as received. A ``rejected`` one carries only its envelope (``db``, ``seq``,
    ``floor``) in ``event``, why it was refused, and the payload as received. (A named
    tuple: one is made per event, and it is cheap.)"""

    site: str
    device: str
    event: dict[str, Any]
    rejected: str = ""
    payload: str = ""


@dataclass(frozen=True)
class Ack:
    site: str
    device: str
    db: str
    seq: int


class CentralStore:
    def __init__(self, url: str, *, figures: bool = True) -> None:
        """``figures`` False stores the events without keeping the tickets and figures the
        pages read (only to measure what keeping them costs: ``kiosk bench``)."""
        self.url = url
        self.keep_figures = figures
        self.lock = threading.Lock()
        if url.startswith("sqlite://"):
            self.kind = "sqlite"
        elif url.startswith(("postgresql://", "postgres://")):
            self.kind = "postgresql"
        else:
            raise CentralStoreError(f"{url}: use sqlite:///PATH or postgresql://...")
        self.conn: Any = None
        self._retry_at = 0.0
        self._down = ""
        self._connect()
        try:
            with self._tx() as cur:
                if self.kind == "postgresql":  # processes starting together: one at a time
                    cur.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
                for statement in SCHEMA:
                    cur.execute(statement)
                cur.execute("SELECT value FROM meta WHERE key = 'figures'")
                kept = cur.fetchone()
                if figures and (kept is None or kept[0] != central_figures.VERSION):
                    self._forget_figures(cur)  # a database from before these figures
            self._catch_up()
        except sqlite3.Error as exc:  # locked, damaged, a full disk
            self.close()
            raise CentralStoreError(f"{url.removeprefix('sqlite://')}: {exc}") from None

    def _connect(self) -> None:
        if self.kind == "sqlite":
            path = self.url.removeprefix("sqlite://")
            conn = None
            try:
                if path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                    if not_sqlite(Path(path)):
                        raise NotCentralDatabase(_not_central(path, "not an SQLite file"))
                conn = sqlite3.connect(
                    path, isolation_level=None, timeout=30, check_same_thread=False
                )
                _refuse_other_database(conn, path)  # before WAL, which would change it
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = FULL")
            except (sqlite3.Error, OSError, NotCentralDatabase) as exc:
                if conn is not None:
                    conn.close()
                if isinstance(exc, NotCentralDatabase):
                    raise
                raise CentralStoreError(f"{path}: {exc}") from None
            self.conn = conn
            return
        try:
            import psycopg
        except ImportError:
            raise CentralStoreError(
                "PostgreSQL needs psycopg: pip install 'psycopg[binary]'"
            ) from None
        now = time.monotonic()
        if now < self._retry_at:  # a server that just refused: not again at every call
            raise CentralStoreError(f"PostgreSQL: {self._down} (trying again shortly)")
        try:
            self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            self._down = _first_line(exc)
            self._retry_at = time.monotonic() + RECONNECT_SECONDS
            raise CentralStoreError(f"PostgreSQL: {self._down}") from None
        self._retry_at = 0.0

    def _lost(self) -> bool:
        """Whether the server connection is gone (so it is opened again next time). A
        failed statement on a live connection (a deadlock, a timeout) is not that."""
        if self.kind != "postgresql" or self.conn is None:
            return False
        return bool(self.conn.closed or getattr(self.conn, "broken", False))

    def _sql(self, sql: str) -> str:
        return sql if self.kind == "sqlite" else sql.replace("?", "%s")

    class _Cursor:
        def __init__(self, store: CentralStore, cur: Any) -> None:
            self.store, self.cur = store, cur

        def execute(self, sql: str, params: Any = ()) -> Any:
            return self.cur.execute(self.store._sql(sql), params)  # noqa: SLF001 (its own)

        def executemany(self, sql: str, rows: list[Any]) -> Any:
            return self.cur.executemany(self.store._sql(sql), rows)  # noqa: SLF001 (its own)

        def fetchall(self) -> list[Any]:
            return list(self.cur.fetchall())

        def fetchone(self) -> Any:
            return self.cur.fetchone()

        @property
        def rowcount(self) -> int:
            return int(self.cur.rowcount)

    @contextmanager
    def _tx(self, *, write: bool = True) -> Iterator[CentralStore._Cursor]:
        """One transaction (``write`` False: one that only reads, which on SQLite does not
        take the write lock the ingest needs). A PostgreSQL connection that was lost (a
        server restart, a network cut) is opened again here; while the server is away
        this raises :class:`CentralStoreError` and nothing is acked, so the devices send
        again."""
        with self.lock:
            if self.conn is None or (self.kind == "postgresql" and self.conn.closed):
                self.conn = None
                self._connect()
            begun = False
            try:
                cur = self.conn.cursor()
                cur.execute("BEGIN IMMEDIATE" if self.kind == "sqlite" and write else "BEGIN")
                begun = True
                yield CentralStore._Cursor(self, cur)
                cur.execute("COMMIT")
            except BaseException as exc:
                if self._lost():
                    self._drop()
                    raise CentralStoreError(f"PostgreSQL: {_first_line(exc)}") from None
                if begun:
                    cur.execute("ROLLBACK")
                raise

    def _catch_up(self) -> None:
        """What the last worker left behind, taken into the figures now; a failure is said
        once (the ingest's worker tries again) and opening goes on."""
        if not self.keep_figures:
            return
        try:
            while self.take_figures():
                pass
        except CentralStoreError:
            raise
        except Exception as exc:  # never a reason not to open the database
            log.warning("central: the figures could not be brought up to date: %s", exc)

    def _forget_figures(self, cur: Any) -> None:
        """Everything kept from the events, to be taken again from the first event."""
        for table in central_figures.REMADE:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in central_figures.SCHEMA:
            cur.execute(statement)
        for table in ("ctickets", "ccounters", "printers", "figured"):
            cur.execute(f"DELETE FROM {table}")
        cur.execute(
            "INSERT INTO meta (key, value) VALUES ('figures', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (central_figures.VERSION,),
        )

    def take_figures(self, limit: int = central_figures.PER_TAKE) -> int:
        """Take the events stored without a gap since the last time (up to ``limit``) into
        the tickets, counters, printers and figures the pages read, in one transaction with
        how far each device's events are taken: each event exactly once, whichever worker
        takes it. Behind the ingest (which acks without waiting for this), many events at
        a time: a site's figures change once for all of them. Returns the events taken."""
        if not self.keep_figures:
            return 0
        lock = " FOR UPDATE" if self.kind == "postgresql" else ""
        skip = " FOR UPDATE OF f SKIP LOCKED" if self.kind == "postgresql" else ""
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO figured (site, device, db, seq) SELECT site, device, db, 0 "
                "FROM devices WHERE acked > 0 ON CONFLICT DO NOTHING"
            )
            cur.execute(
                "SELECT f.site, f.device, f.db, f.seq, d.acked FROM figured f JOIN devices d "
                "ON d.site = f.site AND d.device = f.device AND d.db = f.db "
                f"WHERE d.acked > f.seq ORDER BY f.site, f.device, f.db LIMIT 500{skip}"
            )
            runs, budget = [], limit
            for site, device, db, seq, acked in cur.fetchall():
                if budget <= 0:
                    break
                upto = min(int(acked), int(seq) + budget)
                runs.append(central_figures.Run((site, device, db), int(seq), upto))
                budget -= upto - int(seq)
            if not runs:
                return 0
            taken = central_figures.take(cur, runs, lock=lock, now=time.time())
            cur.executemany(
                "UPDATE figured SET seq = ? WHERE site = ? AND device = ? AND db = ?",
                [(run.upto, *run.key) for run in runs],
            )
        return taken

    def transaction(
        self, *, write: bool = True
    ) -> contextlib.AbstractContextManager[CentralStore._Cursor]:
        """One transaction, for central's other readers and writers (its web pages);
        ``write`` False for one that only reads."""
        return self._tx(write=write)

    def _drop(self) -> None:
        with contextlib.suppress(Exception):  # already gone
            self.conn.close()
        self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    # -- events -----------------------------------------------------------------------

    def ingest(self, batch: list[Incoming]) -> list[Ack]:
        """Store the events (each once) and return, per device, the highest seq now held
        without a gap: the ack to send. All in one transaction."""
        now = time.time()
        rows, refused = [], []
        floors: dict[tuple[str, str, str], int] = {}
        seqs: dict[tuple[str, str, str], list[int]] = {}
        for item in batch:
            e = item.event
            key = (item.site, item.device, e["db"])
            floors[key] = max(floors.get(key, 0), int(e.get("floor", 1)))
            seqs.setdefault(key, []).append(int(e["seq"]))
            if item.rejected:
                refused.append((*key, e["seq"], item.rejected[:500], item.payload, now))
                continue
            data = json.dumps(e["data"], ensure_ascii=False, separators=(",", ":"))
            rows.append((*key, e["seq"], e["id"], e["type"], e["ts"], data, now))
        acks = []
        with self._tx() as cur:
            if rows:
                cur.executemany(
                    "INSERT INTO events (site, device, db, seq, id, type, ts, data, "
                    "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    rows,
                )
            if refused:
                cur.executemany(
                    "INSERT INTO rejected (site, device, db, seq, reason, payload, "
                    "received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    refused,
                )
            for key, floor in sorted(floors.items()):
                _, reached = self._advance(cur, key, floor, sorted(seqs[key]), now)
                acks.append(Ack(*key, reached))
        return acks

    def _advance(
        self, cur: Any, key: tuple[str, str, str], floor: int, seqs: list[int], now: float
    ) -> tuple[int, int]:
        """Move the device's ack over what is now held without a gap: first over the
        batch's own seqs, then over any stored earlier out of order. Returns the ack
        before and after."""
        lock = " FOR UPDATE" if self.kind == "postgresql" else ""
        where = "site = ? AND device = ? AND db = ?"
        cur.execute(f"SELECT acked FROM devices WHERE {where}{lock}", key)
        row = cur.fetchone()
        if row is None:
            cur.execute(
                "INSERT INTO devices (site, device, db, acked, updated_at) "
                "VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING",
                (*key, now),
            )
            cur.execute(f"SELECT acked FROM devices WHERE {where}{lock}", key)
            row = cur.fetchone()
        acked = int(row[0])
        # Below the floor the device holds nothing more: central need not wait for those.
        reached = max(acked, floor - 1)
        for seq in seqs:
            if seq == reached + 1:
                reached = seq
            elif seq > reached + 1:
                break
        while True:  # what earlier batches stored beyond a gap the batch has now filled
            found: set[int] = set()
            for table in ("events", "rejected"):
                cur.execute(
                    f"SELECT seq FROM {table} WHERE {where} AND seq > ? AND seq <= ?",
                    (*key, reached, reached + 5000),
                )
                found.update(int(r[0]) for r in cur.fetchall())
            before = reached
            while reached + 1 in found:
                reached += 1
            if reached == before or reached < before + 5000:
                break
        if reached != acked:
            cur.execute(
                f"UPDATE devices SET acked = ?, updated_at = ? WHERE {where}",
                (reached, now, *key),
            )
        return acked, reached

    def rejected(
        self, site: str, since: float = 0.0, until: float = float("inf")
    ) -> list[dict[str, Any]]:
        """The events of ``site`` central could not take (received from ``since`` to
        ``until``, epoch seconds), with why."""
        with self._tx(write=False) as cur:
            cur.execute(
                "SELECT device, db, seq, reason, payload, received_at FROM rejected "
                "WHERE site = ? AND received_at >= ? AND received_at < ? "
                "ORDER BY device, db, seq",
                (site, since, min(until, 1e18)),
            )
            rows = cur.fetchall()
        return [
            {
                "device": d,
                "db": db,
                "seq": int(s),
                "reason": r,
                "payload": p,
                "received_at": float(at),
            }
            for d, db, s, r, p, at in rows
        ]

    def events(
        self, site: str, first_ts: str = "", last_ts: str = "\uffff"
    ) -> list[dict[str, Any]]:
        with self._tx(write=False) as cur:
            cur.execute(
                "SELECT device, db, seq, id, type, ts, data FROM events WHERE site = ? "
                "AND ts >= ? AND ts < ? ORDER BY device, db, seq",
                (site, first_ts, last_ts),
            )
            rows = cur.fetchall()
        return [
            {
                "device": d,
                "db": db,
                "seq": int(s),
                "id": i,
                "type": t,
                "ts": ts,
                "data": json.loads(data),
            }
            for d, db, s, i, t, ts, data in rows
        ]

    def seqs(self, site: str, device: str) -> list[int]:
        with self._tx(write=False) as cur:
            cur.execute(
                "SELECT seq FROM events WHERE site = ? AND device = ? ORDER BY db, seq",
                (site, device),
            )
            return [int(row[0]) for row in cur.fetchall()]

    def count(self) -> int:
        with self._tx(write=False) as cur:
            cur.execute("SELECT COUNT(*) FROM events")
            return int(cur.fetchone()[0])

    def sites(self) -> list[str]:
        with self._tx(write=False) as cur:
            cur.execute("SELECT DISTINCT site FROM events ORDER BY site")
            return [row[0] for row in cur.fetchall()]

    def known_sites(self) -> list[str]:
        """Every site one of whose devices has been heard from (an event or its state)."""
        with self._tx(write=False) as cur:
            cur.execute("SELECT site FROM devices UNION SELECT site FROM states ORDER BY site")
            return [row[0] for row in cur.fetchall()]

    def figures(
        self, spans: list[str], sites: list[str] | None = None
    ) -> list[tuple[str, str, int, str, Figures]]:
        """The figures kept for ``spans`` (see :func:`kiosk.periods.spans`), of ``sites``
        (None: every site): site, service, counter (0: the tickets' own), officer."""
        if not spans or sites == []:
            return []
        span_marks = ", ".join("?" for _ in spans)  # placeholders only
        sql = (
            "SELECT site, service, counter, officer, body FROM figures "
            f"WHERE span IN ({span_marks})"
        )
        params: list[str] = list(spans)
        if sites is not None:
            sql += f" AND site IN ({', '.join('?' for _ in sites)})"
            params += sites
        with self._tx(write=False) as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        return [
            (site, service, int(counter), officer, Figures.from_json(json.loads(body)))
            for site, service, counter, officer, body in rows
        ]

    def span_totals(
        self, spans: list[str], sites: list[str] | None = None
    ) -> list[tuple[str, Figures]]:
        """Each span's counts and sums over ``sites`` (None: every site), added up by the
        database from their columns (for a chart: no waits' histogram, no labels)."""
        if not spans or sites == []:
            return []
        sums = ", ".join(f"SUM({name})" for name in COUNTS)
        sql = f"SELECT span, {sums} FROM figures WHERE span IN ({', '.join('?' for _ in spans)})"
        params: list[str] = list(spans)
        if sites is not None:
            sql += f" AND site IN ({', '.join('?' for _ in sites)})"
            params += sites
        with self._tx(write=False) as cur:
            cur.execute(sql + " GROUP BY span ORDER BY span", params)
            rows = cur.fetchall()
        out = []
        for span, *values in rows:
            figures = Figures()
            for name, value in zip(COUNTS, values, strict=True):
                setattr(figures, name, int(value))
            out.append((span, figures))
        return out

    # -- accounts and the audit log ----------------------------------------------------

    def user(self, name: str) -> User | None:
        with self._tx(write=False) as cur:
            cur.execute(
                "SELECT name, role, sites, password_hash FROM users WHERE name = ?", (name,)
            )
            row = cur.fetchone()
        if row is None:
            return None
        return User(row[0], row[1], tuple(json.loads(row[2])), row[3])

    def put_user(self, user: User, *, who: str, now: float) -> bool:
        """Add the account, or change its role, sites and password; True if it is new.
        Recorded in the audit log (never the hash)."""
        sites = json.dumps(list(user.sites), ensure_ascii=False)
        with self._tx() as cur:
            cur.execute("SELECT 1 FROM users WHERE name = ?", (user.name,))
            new = cur.fetchone() is None
            cur.execute(
                "INSERT INTO users (name, role, sites, password_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "role = excluded.role, sites = excluded.sites, "
                "password_hash = excluded.password_hash, updated_at = excluded.updated_at",
                (user.name, user.role, sites, user.password_hash, now, now),
            )
            detail = json.dumps(
                {"user": user.name, "role": user.role, "sites": list(user.sites)},
                ensure_ascii=False,
            )
            self._audit(cur, who, "user.add" if new else "user.change", detail, now)
        return new

    def set_password(self, name: str, password_hash: str, *, who: str, now: float) -> bool:
        """The account's new password; False if there is no such account."""
        with self._tx() as cur:
            cur.execute(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                (password_hash, now, name),
            )
            done = cur.rowcount > 0
            if done:
                self._audit(cur, who, "user.passwd", json.dumps({"user": name}), now)
        return done

    def remove_user(self, name: str, *, who: str, now: float) -> bool:
        """False if there is no such account."""
        with self._tx() as cur:
            cur.execute("DELETE FROM users WHERE name = ?", (name,))
            done = cur.rowcount > 0
            if done:
                self._audit(cur, who, "user.remove", json.dumps({"user": name}), now)
        return done

    def audit_log(self, limit: int = 100) -> list[tuple[float, str, str, dict[str, Any]]]:
        """The newest changes first: (when, who, what, detail)."""
        with self._tx(write=False) as cur:
            cur.execute(
                "SELECT at, who, action, detail FROM audit ORDER BY at DESC LIMIT ?", (limit,)
            )
            return [(row[0], row[1], row[2], json.loads(row[3])) for row in cur.fetchall()]

    @staticmethod
    def _audit(cur: Any, who: str, action: str, detail: str, now: float) -> None:
        cur.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (now, who, action, detail),
        )

    # -- states, results --------------------------------------------------------------

    def put_state(self, site: str, device: str, state: dict[str, Any]) -> None:
        """The device's retained state (its last will says offline); when it goes online
        or offline is kept too."""
        now = time.time()
        online = int(bool(state.get("online")))
        with self._tx() as cur:
            cur.execute(
                "INSERT INTO states (site, device, state, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (site, device) DO UPDATE SET state = excluded.state, "
                "at = excluded.at",
                (site, device, json.dumps(state, ensure_ascii=False), now),
            )
            cur.execute(
                "INSERT INTO presence (site, device, online, since) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (site, device) DO UPDATE SET since = CASE WHEN "
                "presence.online = excluded.online THEN presence.since ELSE excluded.since "
                "END, online = excluded.online",
                (site, device, online, now),
            )
            if "site_name" in state or "services" in state:
                cur.execute(
                    "INSERT INTO site_names (site, name, services, at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (site) DO UPDATE SET name = excluded.name, "
                    "services = excluded.services, at = excluded.at",
                    (
                        site,
                        str(state.get("site_name", "")),
                        json.dumps(state.get("services", {}), ensure_ascii=False),
                        now,
                    ),
                )
            cur.execute(
                "INSERT INTO touched (site, at) VALUES (?, ?) "
                "ON CONFLICT (site) DO UPDATE SET at = excluded.at",
                (site, now),
            )

    def states(self, site: str) -> dict[str, dict[str, Any]]:
        with self._tx(write=False) as cur:
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
        with self._tx(write=False) as cur:
            cur.execute(
                "SELECT body FROM results WHERE site = ? AND device = ? AND id = ?",
                (site, device, command_id),
            )
            row = cur.fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # -- dossiers and procedures -------------------------------------------------------

    def newer_dossiers(self, site: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Those of ``records`` newer (by version) than what is held; nothing is written."""
        return self.newer("dossiers", site, records)

    def put_dossiers(self, site: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep the records newer than what is held (by version); returns those."""
        return self.put("dossiers", site, records)

    def dossiers(self, site: str) -> list[dict[str, Any]]:
        return self.records("dossiers", site)

    def newer(self, kind: str, site: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Those of ``records`` (of ``kind``: dossiers, procedures) newer by version than
        what is held for ``site``; nothing is written."""
        with self._tx() as cur:
            return _newer(cur, _RECORDS[kind]["version"], site, records)

    def put(self, kind: str, site: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Keep the records of ``kind`` newer than what is held (by version); returns those."""
        sql = _RECORDS[kind]
        with self._tx() as cur:
            newer = _newer(cur, sql["version"], site, records)
            for record in newer:
                cur.execute(
                    sql["put"],
                    (
                        site,
                        record["code"],
                        int(record["version"]),
                        json.dumps(record, ensure_ascii=False),
                    ),
                )
        return newer

    def records(self, kind: str, site: str) -> list[dict[str, Any]]:
        """Every record of ``kind`` held for ``site``, by code."""
        with self._tx(write=False) as cur:
            cur.execute(_RECORDS[kind]["all"], (site,))
            return [json.loads(row[0]) for row in cur.fetchall()]


def _newer(
    cur: Any, version_sql: str, site: str, records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    newer = []
    for record in records:
        cur.execute(version_sql, (site, record["code"]))
        row = cur.fetchone()
        if row is None or int(row[0]) < int(record["version"]):
            newer.append(record)
    return newer


def _refuse_other_database(conn: sqlite3.Connection, path: str) -> None:
    """:class:`NotCentralDatabase` unless the database is empty (a new one) or has central's
    events table."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    if not tables:
        return
    columns = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    if columns >= EVENT_KEY:
        return
    kiosk = "tickets" in tables and conn.execute("PRAGMA user_version").fetchone()[0] > 0
    what = "a site's kiosk database" if kiosk else "another program's SQLite database"
    raise NotCentralDatabase(_not_central(path, what))


def _not_central(path: str, what: str) -> str:
    return f"{path}: not a central database: {what} (check --db or central.db)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
