"""The site's single SQLite file: schema, transactions and the event outbox."""

from kiosk.store._migrations import LATEST as SCHEMA_VERSION
from kiosk.store._store import Store, StoreError, Tx, iso_utc

__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "Tx", "iso_utc"]
