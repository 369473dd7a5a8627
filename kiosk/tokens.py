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
import hmac
import os
import re
from dataclasses import dataclass

from kiosk.store import Store, kv

PREFIX = "HCC1"
_SIG_CHARS = 16  # 80 bits of base32
_TOKEN = re.compile(rf"^{PREFIX}:(\d{{6}}):([A-Z]{{0,2}}\d{{1,6}}):([A-Z2-7]{{{_SIG_CHARS}}})$")


class BadToken(ValueError):
    """Not a ticket token of this site (malformed, altered or signed elsewhere)."""


@dataclass(frozen=True)
class TicketRef:
    day: str  # ISO date of the business day
    number: str


def _signature(key: bytes, day: dt.date, number: str) -> str:
    digest = hmac.digest(key, f"{day:%y%m%d}:{number}".encode(), "sha256")
    return base64.b32encode(digest).decode()[:_SIG_CHARS]


def sign(key: bytes, day: str, number: str) -> str:
    date = dt.date.fromisoformat(day)
    return f"{PREFIX}:{date:%y%m%d}:{number}:{_signature(key, date, number)}"


def verify(key: bytes | None, token: str) -> TicketRef:
    """The ticket ``token`` names, if this site's ``key`` signed it. ``key`` None: the site
    has no key yet, so it has signed no token, and a well-formed one is another site's."""
    match = _TOKEN.match(token.strip().upper())
    if match is None:
        raise BadToken("not a ticket code")
    stamp, number, signature = match.groups()
    try:
        date = dt.datetime.strptime(stamp, "%y%m%d").date()
    except ValueError:
        raise BadToken("not a ticket code") from None
    if key is None or not hmac.compare_digest(signature, _signature(key, date, number)):
        raise BadToken("ticket code not issued by this centre")
    return TicketRef(date.isoformat(), number)


def stored_key(store: Store) -> bytes | None:
    """This site's token key, or None if no token was ever signed here: reading only, so
    it serves a store opened only to read (a look-up verifies, it never signs)."""
    with store.read() as conn:
        return kv.TICKET_KEY.read(conn)


def site_key(store: Store, now: float) -> bytes:
    """This site's token key, made on first use (by what signs tokens: the desk, ``kiosk
    ticket``). It stays on the device: never in an event."""
    key = stored_key(store)
    if key is not None:
        return key
    with store.change(now) as tx:
        key = kv.TICKET_KEY.read(tx)
        if key is None:
            key = os.urandom(32)
            kv.TICKET_KEY.write(tx, key)
    return key
