"""``[central]``: kiosk central, the province's reference ingest, and its checks.

(What central pushes to a site, laid over the site's own files, is
:mod:`kiosk.config._overlay`.)
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt
from kiosk.config.broker import BrokerConfig, check_broker


@dataclass(frozen=True, kw_only=True)
class CentralConfig(BrokerConfig):
    """kiosk central: the province's reference ingest."""

    # sqlite:///PATH (default) or postgresql://user:password@host/dbname
    db: str = opt("sqlite:///var/lib/kiosk/central.db", p.path)
    # Workers with the same group share the sites' events (MQTT v5 shared subscription).
    group: str = opt("central", p.slug)
    # "" uses kiosk-central-{group}-{hostname}; give each worker its own.
    client_id: str = opt("", p.optional_text)
    # Events stored per transaction (and acked together).
    batch: int = opt(1000, p.int_range(1, 100_000))
    # Which sites to take: "+" all, or one site id.
    sites: str = opt("+", p.text)
    # kiosk central web: where it listens (a reverse proxy with TLS in front of it).
    web_host: str = opt("127.0.0.1", p.host)
    web_port: int = opt(8080, p.int_range(1, 65535))
    # The sites' time zone: what "today" is on the pages, and the reports' days.
    timezone: str = opt("Asia/Ho_Chi_Minh", p.timezone)
    # A signed-in page ends after this long untouched, and in any case after session_hours.
    session_minutes: int = opt(60, p.int_range(5, 24 * 60))
    session_hours: int = opt(12, p.int_range(1, 24 * 7))
    # The overview's alerts: a device offline this long, a citizen waiting this long.
    offline_alert_minutes: int = opt(5, p.int_range(1, 24 * 60))
    wait_alert_minutes: int = opt(60, p.int_range(1, 24 * 60))


def check_central(central: CentralConfig) -> list[str]:
    problems = check_broker("central.", central)
    if not central.db.startswith(("sqlite://", "postgresql://", "postgres://")):
        problems.append(
            "central.db: must be sqlite:///PATH or postgresql://user:password@host/dbname "
            f"(got {central.db!r})"
        )
    return problems
