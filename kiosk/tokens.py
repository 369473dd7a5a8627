"""Signed ticket tokens: what the QR on a ticket holds.

A token names the ticket (business day and number) and carries an HMAC made
with this site's secret key, so the scanner can show the ticket's position or
re-admit a missed number, and a hand-made or altered code is rejected.

The format uses only QR "alphanumeric" characters so the code stays small:
``HCC1:261123:A023:K7QW3MZP2XTR5AB4``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from kiosk.store import Store

PREFIX = "HCC1"
_KEY = "ticket_key"
_SIG_CHARS = 16  # 80 bits of base32
_TOKEN = re.compile(rf"^{PREFIX}:(\d{{6}}):([A-Z]{{0,2}}\d{{1,6}}):([A-Z2-7]{{{_SIG_CHARS}}})$")


class BadToken(ValueError):
    """Not a ticket token of this site (malformed, altered or signed elsewhere)."""


@dataclass(frozen=True)
class TicketRef:
    day: str  # ISO date of the business day
    number: str


def _signature(key: bytes, day: dt.date, number: str) -> str:
    digest = hmac.new(key, f"{day:%y%m%d}:{number}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:_SIG_CHARS]


def sign(key: bytes, day: str, number: str) -> str:
    date = dt.date.fromisoformat(day)
    return f"{PREFIX}:{date:%y%m%d}:{number}:{_signature(key, date, number)}"


def verify(key: bytes, token: str) -> TicketRef:
    match = _TOKEN.match(token.strip().upper())
    if match is None:
        raise BadToken("not a ticket code")
    stamp, number, signature = match.groups()
    try:
        date = dt.datetime.strptime(stamp, "%y%m%d").date()
    except ValueError:
        raise BadToken("not a ticket code") from None
    if not hmac.compare_digest(signature, _signature(key, date, number)):
        raise BadToken("ticket code not issued by this centre")
    return TicketRef(date.isoformat(), number)


def site_key(store: Store, now: float) -> bytes:
    """This site's token key, made on first use. It stays on the device: never in an event."""
    with store.read() as conn:
        row = conn.execute("SELECT value FROM kv WHERE key = ?", (_KEY,)).fetchone()
    if row is not None:
        return bytes.fromhex(row[0])
    with store.change(now) as tx:
        value = tx.get(_KEY)
        if value is None:
            value = secrets.token_hex(32)
            tx.put(_KEY, value)
    return bytes.fromhex(value)
