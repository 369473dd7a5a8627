"""The site's single SQLite file: schema, transactions and the event outbox; :mod:`kiosk.store.kv`
names each entry of its key-value table.

Core: imports only the standard library.
"""

from kiosk.store import bell, kv
from kiosk.store._faults import (
    DiskFull,
    NoDatabase,
    NotKioskDatabase,
    StoreError,
    disk_full,
    size_text,
    store_fault,
)
from kiosk.store._kind import kiosk_version, not_sqlite, refuse_other_file
from kiosk.store._migrations import LATEST as SCHEMA_VERSION
from kiosk.store._readonly import connect_readonly
from kiosk.store._reserve import NO_ROOM, NOT_MADE, RESERVE_BYTES, Note, Reserve
from kiosk.store._store import Store, Tx, iso_utc

__all__ = [
    "NOT_MADE",
    "NO_ROOM",
    "RESERVE_BYTES",
    "SCHEMA_VERSION",
    "DiskFull",
    "NoDatabase",
    "NotKioskDatabase",
    "Note",
    "Reserve",
    "Store",
    "StoreError",
    "Tx",
    "bell",
    "connect_readonly",
    "disk_full",
    "iso_utc",
    "kiosk_version",
    "kv",
    "not_sqlite",
    "refuse_other_file",
    "size_text",
    "store_fault",
]
