"""The ``kv`` table's entries, each named once with the shape of its value.

Every key the site stores in ``kv`` is an :class:`Entry` (or a :class:`Counter`) here, and
code reads and writes it through that entry instead of writing SQL for it: the keys and
how each value is stored (text, a number, JSON) are known in this one place. The keys
are the database's: they never change without a migration.

An entry reads with anything that runs SQL (a connection, a read snapshot, a
:class:`~kiosk.store.Tx`) and writes only inside a write transaction (a ``Tx``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypedDict, TypeVar

if TYPE_CHECKING:
    import sqlite3

    from kiosk.store._store import Tx

T = TypeVar("T")


class Executes(Protocol):
    """What an entry reads with: a connection or an open transaction."""

    def execute(self, sql: str, params: Any = ..., /) -> sqlite3.Cursor: ...


def get_value(db: Executes, key: str) -> Any:
    """The raw value stored under ``key``; None if there is none."""
    row = db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def put_value(db: Executes, key: str, value: Any) -> None:
    """Store ``value`` under ``key`` (inside a write transaction)."""
    db.execute(
        "INSERT INTO kv (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def bump_value(db: Executes, key: str) -> int:
    """Add one to the integer under ``key`` (inside a write transaction); its new value."""
    db.execute("UPDATE kv SET value = value + 1 WHERE key = ?", (key,))
    return int(get_value(db, key))


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One key of ``kv`` and how its value is stored: ``load`` turns the stored value into
    a ``T`` (None for one that cannot be, which reads as no value), ``dump`` the other way."""

    key: str
    load: Callable[[Any], T | None]
    dump: Callable[[T], Any]

    def read(self, db: Executes) -> T | None:
        """The value; None when none is stored (or it cannot be read as a ``T``)."""
        value = get_value(db, self.key)
        return None if value is None else self.load(value)

    def need(self, db: Executes) -> T:
        """The value of an entry a migration made: :class:`KeyError` if it is missing."""
        value = self.read(db)
        if value is None:
            raise KeyError(self.key)
        return value

    def write(self, tx: Tx, value: T) -> None:
        put_value(tx, self.key, self.dump(value))


@dataclass(frozen=True)
class Counter:
    """An integer key that only goes up by one (made by a migration, never absent)."""

    key: str

    def read(self, db: Executes) -> int:
        return int(get_value(db, self.key) or 0)

    def bump(self, tx: Tx) -> int:
        """One more; the new value."""
        return bump_value(tx, self.key)


def _text(value: Any) -> str:
    return str(value)


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value))


def _isoformat(day: dt.date) -> str:
    return day.isoformat()


def _hex(value: Any) -> bytes:
    return bytes.fromhex(str(value))


def _bytes_hex(value: bytes) -> str:
    return value.hex()


def _flag(value: Any) -> bool:
    return bool(value)


def _zero_one(value: bool) -> int:
    return int(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- the ticket queue -----------------------------------------------------------------

#: The queue order of tickets: each ticket joining a queue takes the next rank.
RANK = Counter("rank")

#: The business day open now (ISO date): a clock going back never takes it back.
BUSINESS_DAY: Entry[dt.date] = Entry("business_day", _date, _isoformat)

#: The latest time any change was made (epoch seconds), to see a clock going back.
LAST_SEEN: Entry[float] = Entry("last_seen", float, float)

#: Whether the clock is now behind :data:`LAST_SEEN` (stored 1 or 0): said once a time.
CLOCK_BEHIND: Entry[bool] = Entry("clock_behind", _flag, _zero_one)

#: The key that signs this site's ticket codes (hex): it never leaves the device.
TICKET_KEY: Entry[bytes] = Entry("ticket_key", _hex, _bytes_hex)


# -- the event outbox -----------------------------------------------------------------

#: The seq of the last event written: events are numbered without gaps.
EVENT_SEQ = Counter("event_seq")

#: This database's identity (random hex), so central tells a replaced one apart.
OUTBOX_DB: Entry[str] = Entry("outbox_db", _text, _text)

#: The highest event seq central has said it stored.
OUTBOX_ACKED: Entry[int] = Entry("outbox_acked", int, int)


# -- what the kiosk daemon and the wall report ----------------------------------------


class PrinterReport(TypedDict, total=False):
    """The ticket printer's last status as the kiosk daemon wrote it (JSON)."""

    state: str
    detail: str
    printable: bool  # never written now; read where a value may still hold it


def _printer(value: Any) -> PrinterReport:
    report: PrinterReport = json.loads(value)
    return report


def _printer_json(report: PrinterReport) -> str:
    return json.dumps(report)


#: The ticket printer's last status (the kiosk daemon writes it when it changes).
PRINTER: Entry[PrinterReport] = Entry("printer", _printer, _printer_json)


@dataclass(frozen=True)
class Notice:
    """A notice set for the wall display (JSON ``{"text", "until"}``): ``until`` is when it
    ends (epoch seconds), None for no end."""

    text: str
    until: float | None = None

    def live(self, now: float) -> str:
        """The text while it lasts, else ""."""
        return self.text if self.until is None or now < self.until else ""


def _notice(value: Any) -> Notice | None:
    try:
        stored = json.loads(value)
        text, until = str(stored["text"]), stored.get("until")
        return Notice(text, None if until is None else float(until))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _notice_json(notice: Notice) -> str:
    return _json({"text": notice.text, "until": notice.until})


#: The notice set on the wall display in place of the configured one ("" clears it).
NOTICE: Entry[Notice] = Entry("notice", _notice, _notice_json)


def said(reader: str) -> Entry[int]:
    """The id of the last call the voice ``reader`` took up (said or dropped)."""
    return Entry(f"said:{reader}", int, int)


# -- what central sent ----------------------------------------------------------------


@dataclass(frozen=True)
class CentralConfig:
    """Central's site configuration as applied (JSON ``{"version": N, "body": {...}}``)."""

    version: int
    body: dict[str, Any]


def _central(value: Any) -> CentralConfig | None:
    try:
        stored = json.loads(value)
        return CentralConfig(int(stored["version"]), dict(stored["body"]))
    except (ValueError, KeyError, TypeError):
        return None


def _central_json(config: CentralConfig) -> str:
    return _json({"version": config.version, "body": config.body})


#: The configuration central pushed last, laid over the device's own files.
CENTRAL_CONFIG: Entry[CentralConfig] = Entry("central_config", _central, _central_json)

#: When the dossier cache last took in data (epoch seconds).
DOSSIERS_UPDATED_AT: Entry[float] = Entry("dossiers_updated_at", float, float)

#: When the procedure catalogue last took in data (epoch seconds).
PROCEDURES_UPDATED_AT: Entry[float] = Entry("procedures_updated_at", float, float)
