"""``[store]``: where the site's SQLite database is and how long a writer waits for it."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt


@dataclass(frozen=True, kw_only=True)
class StoreConfig:
    """The site's SQLite database: its file, and how long a writer waits for its lock."""

    path: str = opt("/var/lib/kiosk/kiosk.db", p.path)
    busy_timeout_ms: int = opt(5000, p.int_range(100, 600_000))
