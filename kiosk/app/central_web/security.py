"""Who is signed in, what they may see and change, and the rules every response follows:
sessions kept in central's database (the cookie holds a random token, the database its
hash), a CSRF token per session, the sign-in throttle and the security headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.config import CentralConfig
from sync import central_web_store as web
from sync.central_store import CentralStore, User

COOKIE = "kiosk_session"
LOGIN_COOKIE = "kiosk_login"  # the sign-in form's own CSRF token, before a session exists
SEEN_EVERY = 60.0  # a session's last use is written at most this often

# Failed sign-ins: an account is held after USER_FAILURES in the window, an address after
# ADDRESS_FAILURES (many accounts tried from one place).
WINDOW_SECONDS = 15 * 60
USER_FAILURES = 5
ADDRESS_FAILURES = 20

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Viewer:
    """The signed-in account, and what it may do."""

    user: User
    csrf: str
    token_hash: str

    @property
    def name(self) -> str:
        return self.user.name

    def sees(self, site: str) -> bool:
        return self.user.role == "admin" or not self.user.sites or site in self.user.sites

    def changes(self, site: str) -> bool:
        if self.user.role == "admin":
            return True
        return self.user.role == "manager" and site in self.user.sites

    def visible(self, sites: list[str]) -> list[str]:
        return [site for site in sites if self.sees(site)]

    @property
    def may_change(self) -> bool:
        return self.user.role in ("admin", "manager")


def start_session(store: CentralStore, user: str, now: float, config: CentralConfig) -> str:
    """A new session for ``user``: returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    web.add_session(
        store,
        token_hash(token),
        web.Session(
            user=user,
            csrf=secrets.token_urlsafe(32),
            created=now,
            seen=now,
            ends=now + config.session_hours * 3600,
        ),
    )
    return token


def signed_in(
    store: CentralStore, token: str | None, now: float, config: CentralConfig
) -> Viewer | None:
    """The viewer of a cookie's token: None when it names no session, the session ended
    (too long untouched, or too old) or its account is gone."""
    if not token or len(token) > 200:
        return None
    key = token_hash(token)
    found = web.session(store, key)
    if found is None:
        return None
    if found.ends < now or found.seen + config.session_minutes * 60 < now:
        web.end_session(store, key)
        return None
    user = store.user(found.user)
    if user is None:
        web.end_session(store, key)
        return None
    if now - found.seen > SEEN_EVERY:
        web.seen(store, key, now)
    return Viewer(user, found.csrf, key)


def same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def held_for(store: CentralStore, user: str, address: str, now: float) -> float:
    """Seconds until sign-in may be tried again for ``user`` from ``address`` (0: now)."""
    since = now - WINDOW_SECONDS
    wait = 0.0
    for key, limit in ((f"user:{user}", USER_FAILURES), (f"ip:{address}", ADDRESS_FAILURES)):
        times = web.failures(store, key, since)
        if len(times) >= limit:
            wait = max(wait, times[-limit] + WINDOW_SECONDS - now)
    return wait


def failed(store: CentralStore, user: str, address: str, now: float) -> None:
    web.add_failure(store, [f"user:{user}", f"ip:{address}"], now, now - WINDOW_SECONDS)


class SecurityHeaders:
    """Every response gets :data:`HEADERS`; pages and their data are not cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if not static:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


def cookie_options(secure: bool) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": "/"}
