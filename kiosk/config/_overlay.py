"""The site configuration central pushes (services, counters, hours, notices), laid over
the device's own files.

Sync stores the pushed version in the database only after the combination passed every
check ``config.toml`` must pass, in one transaction; every daemon then loads the files,
then this overlay. The device's hardware (pins, keypads, printer) always comes from its
own files: central says what the counters do, not how they are wired.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sqlite3
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kiosk import freetext
from kiosk.config._load import ConfigError, load_raw, merge, parse_config
from kiosk.config._schema import Config

log = logging.getLogger("kiosk.config")

KEY = "central_config"  # kiosk.store.kv.CENTRAL_CONFIG
NOTICE_JOIN = "   •   "


def overlay(raw: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The files' TOML with central's ``body`` laid over it (see the module's rules)."""
    out = dict(raw)
    if "services" in body:
        out["services"] = [dict(service) for service in body["services"]]
    if "counters" in body:
        own = {c.get("number"): c for c in raw.get("counters", []) if isinstance(c, dict)}
        counters = []
        for pushed in body["counters"]:
            local = dict(own.pop(pushed["number"], {}))
            local.update(pushed)
            counters.append(local)
        counters += own.values()  # counters central does not list stay as the files say
        out["counters"] = sorted(counters, key=lambda c: int(c.get("number", 0)))
    if "hours" in body:
        out["hours"] = merge(raw.get("hours", {}), body["hours"])
    if "notices" in body:
        text = notice_line(n["text"] for n in body["notices"])
        out["display"] = merge(raw.get("display", {}), {"notice": text})
    return out


def notice_line(notices: Iterable[str]) -> str:
    """Central's notices as the wall's one notice line, cut to its length with "…".

    The contract lets central send more text than the line holds (10 notices of 300
    characters); the rest of the configuration must not be refused for that.
    """
    # NFC: counted as the check counts, cut between whole letters, shown as stored.
    parts = [unicodedata.normalize("NFC", n.strip()) for n in notices if n.strip()]
    text = NOTICE_JOIN.join(parts)
    if len(text) <= freetext.MAX_NOTICE:
        return text
    log.warning(
        "central's notices are %d characters joined; the wall shows the first %d",
        len(text),
        freetext.MAX_NOTICE,
    )
    room = freetext.MAX_NOTICE - 1  # and "…"
    end = 0
    for part in parts:
        end += len(part)
        if end >= room:  # the cut falls inside this notice
            break
        if end + len(NOTICE_JOIN) >= room:  # in the bullet after it: "…   •   …" is not shown
            return text[:end] + "…"
        end += len(NOTICE_JOIN)
    return text[:room].rstrip() + "…"


def with_central(
    raw: dict[str, Any], sources: tuple[str, ...], version: int, body: dict[str, Any]
) -> Config:
    """Check and build the combination; :class:`ConfigError` names what does not fit."""
    return parse_config(overlay(raw, body), (*sources, f"central v{version}"))


def read_central(db_path: str | Path) -> tuple[int, dict[str, Any]] | None:
    """The overlay stored in the database at ``db_path`` (read-only; None if none, or if
    the database cannot be read: see :func:`stored_central`)."""
    from kiosk.store import StoreError

    try:
        return stored_central(db_path)
    except (sqlite3.Error, StoreError):
        return None


def stored_central(db_path: str | Path) -> tuple[int, dict[str, Any]] | None:
    """The overlay stored in the database at ``db_path``, read-only: None if there is no
    database there or none is stored; :class:`sqlite3.Error` or :class:`StoreError` if the
    database cannot be read (damaged, locked, its changes unreadable by this user, not a
    kiosk database)."""
    from kiosk.store import connect_readonly, kiosk_version, kv, refuse_other_file

    path = Path(db_path)
    if str(db_path) == ":memory:" or not path.is_file():
        return None
    refuse_other_file(path)  # said as every command says it, not SQLite's "not a database"

    def vet(conn: sqlite3.Connection) -> None:  # another program's file: nothing made beside
        kiosk_version(conn, path, new=False)

    conn = connect_readonly(path, timeout=5, vet=vet)
    try:
        vet(conn)  # also where it was opened without being vetted first
        stored = kv.CENTRAL_CONFIG.read(conn)
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
    return None if stored is None else (stored.version, stored.body)


def encode_stored(version: int, body: dict[str, Any]) -> str:
    """The kv value holding central's overlay."""
    from kiosk.store import kv

    return str(kv.CENTRAL_CONFIG.dump(kv.CentralConfig(version, body)))


def site_config(path: str | Path | None, db_path: str | Path | None = None) -> Config:
    """The files' config with central's overlay from the database, when one is stored.

    An overlay that no longer fits the files (a technician changed them since) is left
    out with a warning: the device runs on its own files rather than not at all.
    """
    raw, sources = load_raw(path)
    config = parse_config(raw, sources)
    stored = read_central(db_path or config.store.path)
    if stored is None:
        return config
    version, body = stored
    try:
        return with_central(raw, sources, version, body)
    except ConfigError as exc:
        log.warning(
            "central configuration v%d left out: it no longer fits the files: %s", version, exc
        )
        # Named all the same: the daemons then know this version was seen (and do not
        # start again and again for it, see kiosk.app.cli._run).
        return dataclasses.replace(config, sources=(*sources, f"central v{version} (left out)"))
