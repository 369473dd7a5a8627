"""What central sends a device, applied to the database: the site configuration, dossier
and procedure updates, and commands. Each handler takes an already-validated payload; a message that
cannot be applied is refused with one line and changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from kiosk import commands, freetext, procedures, ticketing
from kiosk.commands import Result
from kiosk.config import Config, ConfigError, with_central
from kiosk.dossiers import BadDossier, count, parse_dossier, upsert
from kiosk.store import Store, kv

log = logging.getLogger("sync.inbound")

CONFIG_PARTS = ("services", "counters", "hours", "notices")
MAX_PROBLEM = 300  # characters of each problem a config.refused event names (five at most)


@dataclass(frozen=True)
class Applied:
    ok: bool
    message: str
    config: Config | None = None
    # Nothing to do, nothing wrong: a retained config delivered again on reconnect.
    ignored: bool = False


def config_version(store: Store) -> int:
    stored = kv.CENTRAL_CONFIG.read(store.conn)
    return 0 if stored is None else stored.version


def apply_config(
    store: Store,
    raw: dict[str, Any],
    sources: tuple[str, ...],
    doc: dict[str, Any],
    *,
    now: float,
) -> Applied:
    """Apply central's site configuration: a newer version, all of it or nothing."""
    version = int(doc["version"])
    current = config_version(store)
    if version <= current:
        return Applied(
            False,
            f"config v{version} ignored: v{current} is already applied",
            ignored=version == current,
        )
    body = {part: doc[part] for part in CONFIG_PARTS if part in doc}
    try:
        config = with_central(raw, sources, version, body)
    except ConfigError as exc:
        problems = [freetext.shorten(problem, MAX_PROBLEM) for problem in exc.problems[:5]]
        with store.change(now) as tx:
            tx.event("config.refused", {"version": version, "problems": problems})
        return Applied(False, f"config v{version} refused: {'; '.join(problems)}")
    with store.change(now) as tx:
        stored = kv.CENTRAL_CONFIG.read(tx)
        if stored is not None and stored.version >= version:
            return Applied(False, f"config v{version} ignored: a newer one was applied")
        kv.CENTRAL_CONFIG.write(tx, kv.CentralConfig(version, body))
        tx.event("config.applied", {"version": version, "parts": sorted(body)})
    return Applied(
        True, f"config v{version} applied ({', '.join(sorted(body)) or 'no parts'})", config
    )


def apply_dossiers(store: Store, config: Config, doc: dict[str, Any], *, now: float) -> Applied:
    """Upsert the dossiers (last writer wins by version); a bad record is skipped alone."""
    good, bad = [], []
    for index, record in enumerate(doc["dossiers"]):
        try:
            good.append(parse_dossier(record, config.site.timezone))
        except BadDossier as exc:
            bad.append(f"dossiers[{index}]: {exc}")
    written = 0
    if good:
        with store.change(now) as tx:
            written = upsert(tx, good)
    message = f"dossiers: {written} written, {len(good) - written} not newer"
    if bad:
        message += f", {len(bad)} refused ({bad[0]}{' …' if len(bad) > 1 else ''})"
    return Applied(not bad, message)


def apply_procedures(store: Store, doc: dict[str, Any], *, now: float) -> Applied:
    """Upsert the catalogue's procedures (last writer wins by version); a bad record is
    skipped alone."""
    good, bad = [], []
    for index, record in enumerate(doc["procedures"]):
        try:
            good.append(procedures.parse_record(record, 0))
        except procedures.BadProcedure as exc:
            bad.append(f"procedures[{index}]: {exc}")
    written = 0
    if good:
        with store.change(now) as tx:
            written = procedures.upsert(tx, good)
    message = f"procedures: {written} written, {len(good) - written} not newer"
    if bad:
        message += f", {len(bad)} refused ({bad[0]}{' …' if len(bad) > 1 else ''})"
    return Applied(not bad, message)


def _expired(doc: dict[str, Any], now: float) -> bool:
    text = doc.get("expires")
    if not text:
        return False
    try:
        moment = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return True  # a deadline that cannot be read is not honoured late
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp() < now


def run_command(store: Store, config: Config, doc: dict[str, Any], *, now: float) -> Result | None:
    """Carry out a command sync runs itself; None when another daemon must (it stays pending)."""
    cmd, args = doc["cmd"], doc.get("args", {})
    if _expired(doc, now):
        return Result(False, "expired", f"expired at {doc['expires']}; not carried out")
    try:
        if cmd in ("call_next", "recall"):
            if "counter" not in args:
                return Result(False, "invalid", f"{cmd} needs args.counter")
            counter = int(args["counter"])
            if cmd == "recall":
                ticket = ticketing.recall(store, config, counter, now=now)
                return Result(
                    True,
                    "done",
                    f"{ticket.number} called again to counter {counter}",
                    {"number": ticket.number, "counter": counter},
                )
            called = ticketing.call_next(store, config, counter, now=now)
            if called.ticket is None:
                return Result(
                    True,
                    "nobody_waiting",
                    f"nobody is waiting for counter {counter}",
                    called.to_json(),
                )
            return Result(
                True,
                "done",
                f"{called.ticket.number} called to counter {counter}",
                called.to_json(),
            )
        if cmd == "notice":
            text = str(args.get("text", ""))
            minutes = args.get("minutes")
            ticketing.set_notice(store, text, now=now, minutes=minutes)
            return Result(True, "done", "notice cleared" if not text else "notice shown")
        if cmd == "resync_dossiers":
            with store.change(now) as tx:
                tx.event("dossiers.resync_requested", {"cached": count(tx)})
            return Result(True, "done", "resync asked of central")
        if cmd == "resync_procedures":
            with store.change(now) as tx:
                cached = procedures.count(tx.conn)
                tx.event("procedures.resync_requested", {"cached": cached})
            return Result(True, "done", "resync of the procedure catalogue asked of central")
    except ticketing.Refused as refusal:
        return Result(False, refusal.code, str(refusal))
    except ValueError as exc:
        return Result(False, "invalid", str(exc))
    if cmd == "reprint":
        return None
    return Result(False, "unknown", f"unknown command {cmd!r}")


def answered(store: Store, command_id: str) -> Result | None:
    """The stored result of a finished command (a repeat delivery gets it again)."""
    found = commands.find(store, command_id)
    return None if found is None else found.result
