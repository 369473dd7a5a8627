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
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


def _sha256() -> Callable[[bytes], Any]:
    """SHA-256 without OpenSSL where the interpreter has its own (CPython: ``_sha2``, in
    3.11 ``_sha256``). Importing hashlib or hmac loads OpenSSL's libcrypto, about 3.5 MB in
    each daemon, for the one hash the tokens need; elsewhere, hashlib's."""
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found]
        except ImportError:
            from hashlib import sha256
    return sha256  # type: ignore[no-any-return]


def _compare() -> Callable[[str, str], bool]:
    """A comparison whose time does not depend on where the strings differ."""
    try:
        from _operator import _compare_digest

        return _compare_digest
    except ImportError:
        from hmac import compare_digest

        return compare_digest


_SHA256 = _sha256()
_COMPARE = _compare()
_BLOCK = 64  # SHA-256's block size
_INNER = bytes(x ^ 0x36 for x in range(256))
_OUTER = bytes(x ^ 0x5C for x in range(256))


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104); equal to ``hmac.new(key, message, "sha256").digest()``."""
    if len(key) > _BLOCK:
        key = _SHA256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = _SHA256(key.translate(_INNER) + message).digest()
    return _SHA256(key.translate(_OUTER) + inner).digest()  # type: ignore[no-any-return]


def _signature(key: bytes, day: dt.date, number: str) -> str:
    digest = hmac_sha256(key, f"{day:%y%m%d}:{number}".encode())
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
    if key is None or not _COMPARE(signature, _signature(key, date, number)):
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
