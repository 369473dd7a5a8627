"""What central's web pages read and keep in central's database: signed-in sessions,
failed sign-ins (the throttle), the overview of every site, a site's day and the sites
that changed. The pages' workers share nothing else, so any number of them can serve
behind a proxy."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.central_store import CentralStore

SCHEMA = (
    # A signed-in browser: the hash of its cookie's token (never the token), its account,
    # its CSRF token, and when it ends.
    """CREATE TABLE IF NOT EXISTS web_sessions (
        token_hash TEXT PRIMARY KEY, user_name TEXT NOT NULL, csrf TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL, seen DOUBLE PRECISION NOT NULL,
        ends DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions (user_name)",
    # Failed sign-ins, by account ("user:NAME") and by address ("ip:ADDRESS").
    """CREATE TABLE IF NOT EXISTS web_failures (
        key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS web_failures_key ON web_failures (key, at)",
    # The configuration central publishes to each site (retained): its parts and version.
    """CREATE TABLE IF NOT EXISTS site_configs (
        site TEXT PRIMARY KEY, version BIGINT NOT NULL, body TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL, by_user TEXT NOT NULL)""",
    # Commands sent from the pages (their answers come back to the ingest: results).
    """CREATE TABLE IF NOT EXISTS web_commands (
        id TEXT PRIMARY KEY, site TEXT NOT NULL, device TEXT NOT NULL, cmd TEXT NOT NULL,
        args TEXT NOT NULL, by_user TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS web_commands_site ON web_commands (site, at)",
    # The names a site's devices last gave (their state; the last will has none).
    """CREATE TABLE IF NOT EXISTS site_names (
        site TEXT PRIMARY KEY, name TEXT NOT NULL, services TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL)""",
)

PRINTER_ORDER = ("paper_out", "cover_open", "offline", "disconnected", "error", "silent")


# -- sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    user: str
    csrf: str
    created: float
    seen: float
    ends: float


def add_session(store: CentralStore, token_hash: str, session: Session) -> None:
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO web_sessions (token_hash, user_name, csrf, created, seen, ends) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (token_hash, session.user, session.csrf, session.created, session.seen, session.ends),
        )
        # Sessions that ended are let go now and then.
        cur.execute("DELETE FROM web_sessions WHERE ends < ?", (session.created,))


def session(store: CentralStore, token_hash: str) -> Session | None:
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT user_name, csrf, created, seen, ends FROM web_sessions WHERE token_hash = ?",
            (token_hash,),
        )
        row = cur.fetchone()
    return None if row is None else Session(row[0], row[1], *(float(v) for v in row[2:]))


def seen(store: CentralStore, token_hash: str, now: float) -> None:
    with store.transaction() as cur:
        cur.execute("UPDATE web_sessions SET seen = ? WHERE token_hash = ?", (now, token_hash))


def end_session(store: CentralStore, token_hash: str) -> None:
    with store.transaction() as cur:
        cur.execute("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))


def end_sessions_of(store: CentralStore, user: str) -> None:
    with store.transaction() as cur:
        cur.execute("DELETE FROM web_sessions WHERE user_name = ?", (user,))


# -- the sign-in throttle ------------------------------------------------------------------


def failures(store: CentralStore, key: str, since: float) -> list[float]:
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT at FROM web_failures WHERE key = ? AND at >= ? ORDER BY at", (key, since)
        )
        return [float(row[0]) for row in cur.fetchall()]


def add_failure(store: CentralStore, keys: list[str], now: float, forget_before: float) -> None:
    with store.transaction() as cur:
        cur.executemany(
            "INSERT INTO web_failures (key, at) VALUES (?, ?)", [(k, now) for k in keys]
        )
        cur.execute("DELETE FROM web_failures WHERE at < ?", (forget_before,))


def forget_failure(store: CentralStore, key: str, at: float) -> None:
    """The failure counted at ``at`` before an attempt that then succeeded."""
    with store.transaction() as cur:
        cur.execute("DELETE FROM web_failures WHERE key = ? AND at = ?", (key, at))


def clear_failures(store: CentralStore, key: str) -> None:
    with store.transaction() as cur:
        cur.execute("DELETE FROM web_failures WHERE key = ?", (key,))


# -- the overview --------------------------------------------------------------------------


@dataclass
class Device:
    device: str
    online: bool = False
    since: float = 0.0
    version: str = ""
    config_version: int = 0
    printer: str = ""  # the printer's state ("" when never reported)
    printer_detail: str = ""


@dataclass
class SiteNow:
    """A site at a glance."""

    site: str
    devices: list[Device] = field(default_factory=list)
    tickets: int = 0  # today's, printed and not voided
    waiting: int = 0
    serving: int = 0
    done: int = 0
    no_shows: int = 0
    oldest_waiting: str = ""  # the issue time (UTC ISO) of who waits longest
    counters_open: int = 0

    @property
    def online(self) -> bool:
        return bool(self.devices) and all(d.online for d in self.devices)

    @property
    def since(self) -> float:
        """Offline: since the first device dropped; online: since the last came back."""
        if not self.devices:
            return 0.0
        if self.online:
            return max(d.since for d in self.devices)
        return min(d.since for d in self.devices if not d.online)

    @property
    def printer(self) -> str:
        """The worst printer state of the site's devices."""
        states = [d.printer for d in self.devices if d.printer]
        for bad in (*PRINTER_ORDER, "paper_low"):
            if bad in states:
                return bad
        return states[0] if states else ""


def sites(store: CentralStore) -> list[str]:
    """Every site central knows: heard from (events, state) or with figures."""
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT site FROM devices UNION SELECT site FROM presence UNION "
            "SELECT site FROM states ORDER BY site"
        )
        return [row[0] for row in cur.fetchall()]


def overview(store: CentralStore, day: str, only: list[str] | None = None) -> list[SiteNow]:
    """Every site (or ``only`` those) as it is now, ``day`` being today."""
    names = sites(store) if only is None else only
    if not names:
        return []
    out = {name: SiteNow(name) for name in names}
    marks = ", ".join("?" for _ in names)  # placeholders only: the names are parameters
    with store.transaction(write=False) as cur:
        devices = _devices(cur, names, marks)
        _queues(cur, out, day, names, marks)
    for (site, _), device in sorted(devices.items()):
        out[site].devices.append(device)
    return list(out.values())


def _devices(cur: Any, names: list[str], marks: str) -> dict[tuple[str, str], Device]:
    """Each device of the sites: its retained state, presence and printer."""
    devices: dict[tuple[str, str], Device] = {}
    cur.execute(
        f"SELECT site, device, state FROM states WHERE site IN ({marks})",
        names,
    )
    for site, device, state in cur.fetchall():
        body = json.loads(state)
        printer = body.get("printer") or {}
        devices[(site, device)] = Device(
            device,
            online=bool(body.get("online")),
            version=str(body.get("version", "")),
            config_version=int(body.get("config_version", 0)),
            printer=str(printer.get("state", "")),
            printer_detail=str(printer.get("detail", "")),
        )
    cur.execute(
        f"SELECT site, device, online, since FROM presence WHERE site IN ({marks})",
        names,
    )
    for site, device, online, since in cur.fetchall():
        one = devices.setdefault((site, device), Device(device))
        one.online, one.since = bool(online), float(since)
    cur.execute(
        f"SELECT site, device, state, detail FROM printers WHERE site IN ({marks})",
        names,
    )
    for site, device, state, detail in cur.fetchall():  # newer than the last state
        one = devices.setdefault((site, device), Device(device))
        one.printer, one.printer_detail = state, detail
    return devices


def _queues(cur: Any, out: dict[str, SiteNow], day: str, names: list[str], marks: str) -> None:
    """Today's tickets and open counters of the sites."""
    cur.execute(
        "SELECT site, status, COUNT(*), MIN(issued_ts) FROM ctickets "
        f"WHERE day = ? AND site IN ({marks}) AND printed = 1 GROUP BY site, status",
        [day, *names],
    )
    for site, status, n, oldest in cur.fetchall():
        now = out[site]
        if status != "void":
            now.tickets += int(n)
        if status == "waiting":
            now.waiting, now.oldest_waiting = int(n), str(oldest)
        elif status == "serving":
            now.serving = int(n)
        elif status == "done":
            now.done = int(n)
        elif status == "missed":
            now.no_shows = int(n)
    cur.execute(
        "SELECT site, COUNT(*) FROM ccounters WHERE day = ? "
        f"AND state IN ('open', 'serving') AND site IN ({marks}) GROUP BY site",
        [day, *names],
    )
    for site, n in cur.fetchall():
        out[site].counters_open = int(n)


@dataclass(frozen=True)
class Names:
    """The Vietnamese names the devices gave their site and services (ids otherwise)."""

    sites: dict[str, str] = field(default_factory=dict)
    services: dict[tuple[str, str], str] = field(default_factory=dict)

    def site(self, site: str) -> str:
        return self.sites.get(site, site)

    def service(self, site: str, service: str) -> str:
        return self.services.get((site, service), service)


def names(store: CentralStore) -> Names:
    """Central's own configuration of a site, then what its devices last said."""
    out = Names()
    with store.transaction(write=False) as cur:
        cur.execute("SELECT site, body FROM site_configs")
        for site, body in cur.fetchall():
            for service in json.loads(body).get("services", []):
                out.services[(site, str(service.get("id")))] = str(service.get("name"))
        cur.execute("SELECT site, name, services FROM site_names")
        for site, name, services in cur.fetchall():
            if name:
                out.sites[site] = name
            for service, label in json.loads(services).items():
                out.services[(site, service)] = str(label)
    return out


def changed_since(store: CentralStore, at: float) -> list[tuple[str, float]]:
    """The sites something happened to after ``at`` (central's clock), with when."""
    with store.transaction(write=False) as cur:
        cur.execute("SELECT site, at FROM touched WHERE at > ? ORDER BY at", (at,))
        return [(site, float(when)) for site, when in cur.fetchall()]


# -- a site's day --------------------------------------------------------------------------


@dataclass
class SiteDay:
    waiting: dict[str, int]  # queue (service) -> tickets waiting now
    counters: list[dict[str, Any]]
    calls: list[dict[str, Any]]  # the day's calls, in order
    missed: list[dict[str, Any]]


def site_day(store: CentralStore, site: str, day: str, first_ts: str, last_ts: str) -> SiteDay:
    """``site`` on business ``day``: ``first_ts``..``last_ts`` (UTC ISO) bound its events."""
    waiting: dict[str, int] = defaultdict(int)
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT queue, COUNT(*) FROM ctickets WHERE day = ? AND site = ? "
            "AND status = 'waiting' AND printed = 1 GROUP BY queue ORDER BY queue",
            (day, site),
        )
        for queue, n in cur.fetchall():
            waiting[queue] = int(n)
        cur.execute(
            "SELECT counter, state, staff, number, ts FROM ccounters WHERE site = ? AND day = ? "
            "ORDER BY counter",
            (site, day),
        )
        counters = [
            {"counter": int(c), "state": s, "staff": st, "number": n, "ts": ts}
            for c, s, st, n, ts in cur.fetchall()
        ]
        cur.execute(
            "SELECT ts, data FROM events WHERE site = ? AND type = 'ticket.called' "
            "AND ts >= ? AND ts < ? ORDER BY ts",
            (site, first_ts, last_ts),
        )
        calls = []
        for ts, data in cur.fetchall():
            body = json.loads(data)
            calls.append(
                {
                    "ts": ts,
                    "number": str(body.get("number", "")),
                    "service": str(body.get("service", "")),
                    "counter": int(body.get("counter") or 0),
                    "staff": str(body.get("staff") or ""),
                    "waited": body.get("waited_seconds"),
                }
            )
        cur.execute(
            "SELECT number, service, ts FROM ctickets WHERE day = ? AND site = ? "
            "AND status = 'missed' ORDER BY ts",
            (day, site),
        )
        missed = [{"number": n, "service": s, "ts": ts} for n, s, ts in cur.fetchall()]
    return SiteDay(dict(waiting), counters, calls, missed)


# -- a site's configuration and commands ---------------------------------------------------


def site_config(store: CentralStore, site: str) -> tuple[int, dict[str, Any]]:
    """The version and parts central holds for ``site`` (0 and {} before the first)."""
    with store.transaction(write=False) as cur:
        cur.execute("SELECT version, body FROM site_configs WHERE site = ?", (site,))
        row = cur.fetchone()
    return (0, {}) if row is None else (int(row[0]), json.loads(row[1]))


def device_config_version(store: CentralStore, site: str) -> int:
    """The highest configuration version a device of ``site`` reported or answered."""
    best = 0
    for state in store.states(site).values():
        best = max(best, int(state.get("config_version", 0)))
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT data FROM events WHERE site = ? AND type IN "
            "('config.applied', 'config.refused')",
            (site,),
        )
        for (data,) in cur.fetchall():
            best = max(best, int(json.loads(data).get("version", 0)))
    return best


def save_site_config(
    store: CentralStore,
    site: str,
    part: str,
    value: Any,
    check: Callable[[dict[str, Any], int], list[str]],
    *,
    who: str,
    now: float,
    floor: int,
) -> tuple[int, dict[str, Any], list[str]]:
    """Set one ``part`` of the site's configuration and keep the whole as its next
    version (above what central held and above ``floor``, what the devices already have),
    if ``check(body, version)`` finds no problem: read, changed, checked and written under
    the site's lock, so two people saving different parts at once keep both. Returns the
    version, the whole body and the problems (nothing is kept when there are any); the
    audit log says who changed what."""
    with store.transaction() as cur:
        lock = " FOR UPDATE" if store.kind == "postgresql" else ""
        cur.execute(f"SELECT version, body FROM site_configs WHERE site = ?{lock}", (site,))
        row = cur.fetchone()
        body = {**(json.loads(row[1]) if row else {}), part: value}
        version = max(int(row[0]) if row else 0, floor) + 1
        problems = check(body, version)
        if problems:
            return version, body, problems
        cur.execute(
            "INSERT INTO site_configs (site, version, body, at, by_user) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (site) DO UPDATE SET version = excluded.version, "
            "body = excluded.body, at = excluded.at, by_user = excluded.by_user",
            (site, version, json.dumps(body, ensure_ascii=False), now, who),
        )
        detail = {"site": site, "version": version, "part": part, "value": value}
        cur.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (now, who, "site.config", json.dumps(detail, ensure_ascii=False)),
        )
    return version, body, []


def config_answers(store: CentralStore, site: str, limit: int = 10) -> list[dict[str, Any]]:
    """What the site's devices said of the configurations they were sent, newest first."""
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT device, type, ts, data FROM events WHERE site = ? AND type IN "
            "('config.applied', 'config.refused') ORDER BY ts DESC LIMIT ?",
            (site, limit),
        )
        rows = cur.fetchall()
    return [
        {"device": device, "applied": kind == "config.applied", "ts": ts, **json.loads(data)}
        for device, kind, ts, data in rows
    ]


def add_command(
    store: CentralStore, command: dict[str, Any], site: str, device: str, *, who: str, now: float
) -> None:
    args = json.dumps(command.get("args", {}), ensure_ascii=False)
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO web_commands (id, site, device, cmd, args, by_user, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (command["id"], site, device, command["cmd"], args, who, now),
        )
        detail = json.dumps(
            {"site": site, "device": device, "id": command["id"], "cmd": command["cmd"],
             "args": command.get("args", {})},
            ensure_ascii=False,
        )  # fmt: skip
        cur.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (now, who, "site.command", detail),
        )


def commands(store: CentralStore, site: str, limit: int = 10) -> list[dict[str, Any]]:
    """The commands sent to ``site`` from the pages, newest first, with their answers."""
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT c.id, c.device, c.cmd, c.args, c.by_user, c.at, r.body FROM web_commands c "
            "LEFT JOIN results r ON r.site = c.site AND r.device = c.device AND r.id = c.id "
            "WHERE c.site = ? ORDER BY c.at DESC LIMIT ?",
            (site, limit),
        )
        rows = cur.fetchall()
    return [
        {
            "id": cid,
            "device": device,
            "cmd": cmd,
            "args": json.loads(args),
            "by": by,
            "at": float(at),
            "result": None if body is None else json.loads(body),
        }
        for cid, device, cmd, args, by, at, body in rows
    ]


def devices(store: CentralStore, site: str) -> list[str]:
    with store.transaction(write=False) as cur:
        cur.execute(
            "SELECT device FROM devices WHERE site = ? UNION "
            "SELECT device FROM presence WHERE site = ? ORDER BY device",
            (site, site),
        )
        return [row[0] for row in cur.fetchall()]


def audit(
    store: CentralStore, action: str, detail: dict[str, Any], *, who: str, now: float
) -> None:
    with store.transaction() as cur:
        cur.execute(
            "INSERT INTO audit (at, who, action, detail) VALUES (?, ?, ?, ?)",
            (now, who, action, json.dumps(detail, ensure_ascii=False)),
        )
