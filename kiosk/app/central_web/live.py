"""The overview, live: one loop per worker asks the database which sites changed (the
ingest marks them), renders their rows and alerts again, and sends those that differ to
every open overview page that may see the site (server-sent events). Pages share the
loop's work: 200 open pages cost one query."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from sync import central_web_store as web
from sync.central_store import CentralStore, CentralStoreError

log = logging.getLogger("kiosk.central_web")

POLL_SECONDS = 0.4
FULL_SECONDS = 30.0  # every site again this often: "since", waits and alerts move on
OVERLAP_SECONDS = 5.0  # ingest workers' clocks may lag this much behind the watermark
KEEPALIVE_SECONDS = 15.0
QUEUE = 2000  # events a page may fall behind before it is let go (it reconnects)


@dataclass(eq=False)
class Subscriber:
    sees: Callable[[str], bool]
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE))


Render = Callable[[list[web.SiteNow], float], dict[str, tuple[str, str]]]


class Live:
    """Renders with ``render(sites, now) -> {site: (row_html, alert_html)}``."""

    def __init__(self, store: CentralStore, render: Render, today: Callable[[float], str]) -> None:
        self.store = store
        self.render = render
        self.today = today
        self.subscribers: set[Subscriber] = set()
        self.sent: dict[str, tuple[str, str]] = {}
        self.seen: dict[str, float] = {}
        self.watermark = time.time()
        self.full_at = 0.0
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        while True:
            try:
                await self.step()
            except CentralStoreError as exc:
                log.warning("live overview: %s", exc)
            except Exception:
                log.exception("live overview: step failed")
            await asyncio.sleep(POLL_SECONDS)

    async def step(self) -> None:
        now = time.time()
        full = now - self.full_at >= FULL_SECONDS
        since = 0.0 if full else self.watermark - OVERLAP_SECONDS
        changed = await run_in_threadpool(web.changed_since, self.store, since)
        # Any other time than the one seen is news: a worker whose take lasted longer may
        # commit a time earlier than one seen already.
        fresh = [site for site, at in changed if at != self.seen.get(site)]
        for site, at in changed:
            self.seen[site] = at
            self.watermark = max(self.watermark, at)
        if full:
            self.full_at = now
        if not self.subscribers or not (fresh or full):
            return
        sites = None if full else fresh
        rows = await run_in_threadpool(web.overview, self.store, self.today(now), sites)
        rendered = await run_in_threadpool(self.render, rows, now)
        for site, (row, alert) in rendered.items():
            before = self.sent.get(site)
            self.sent[site] = (row, alert)
            if before is None and full:
                continue  # a page has it from its own rendering
            if before is None or before[0] != row:
                self._send(site, f"site:{site}", row)
            if before is None or before[1] != alert:
                self._send(site, f"alert:{site}", alert)

    def _send(self, site: str, event: str, html: str) -> None:
        message = _message(event, html)
        for subscriber in list(self.subscribers):
            if not subscriber.sees(site):
                continue
            try:
                subscriber.queue.put_nowait(message)
            except asyncio.QueueFull:
                self.subscribers.discard(subscriber)  # too far behind: its page reconnects

    async def stream(
        self, sees: Callable[[str], bool], since: float, alive: Callable[[], Awaitable[bool]]
    ) -> AsyncIterator[str]:
        """A page's events: first what changed since it was rendered (``since``, central's
        clock) and before it connected, then every change as it comes; it ends when the
        page's session does (checked at each keep-alive)."""
        subscriber = Subscriber(sees)
        self.subscribers.add(subscriber)
        try:
            yield "retry: 2000\n\n"
            for message in await self._since(since - OVERLAP_SECONDS, sees):
                yield message
            while subscriber in self.subscribers:
                try:
                    yield await asyncio.wait_for(subscriber.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    if not await alive():
                        return
                    yield ": keepalive\n\n"
        finally:
            self.subscribers.discard(subscriber)

    async def _since(self, since: float, sees: Callable[[str], bool]) -> list[str]:
        changed = await run_in_threadpool(web.changed_since, self.store, since)
        sites = [site for site, _ in changed if sees(site)]
        if not sites:
            return []
        now = time.time()
        rows = await run_in_threadpool(web.overview, self.store, self.today(now), sites)
        rendered = await run_in_threadpool(self.render, rows, now)
        return [
            _message(f"{kind}:{site}", html)
            for site, pair in rendered.items()
            for kind, html in zip(("site", "alert"), pair, strict=True)
        ]


def _message(event: str, html: str) -> str:
    """A server-sent event: its name, then its data line by line."""
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {event}\n{data}\n"
