"""The overview, live: one loop per worker asks the database which sites changed (the
ingest marks them), renders their rows and alerts again, and sends those that differ to
every open overview page that may see the site (server-sent events). Pages share the
loop's work: 200 open pages cost one query."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
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
        if full:
            self.full_at = now
            sites: list[str] | None = None
            changed = await run_in_threadpool(web.changed_since, self.store, 0.0)
        else:
            changed = await run_in_threadpool(
                web.changed_since, self.store, self.watermark - OVERLAP_SECONDS
            )
        fresh = [site for site, at in changed if at > self.seen.get(site, -1.0)]
        for site, at in changed:
            self.seen[site] = max(at, self.seen.get(site, -1.0))
            self.watermark = max(self.watermark, at)
        if not full:
            sites = fresh
            if not sites:
                return
        if not self.subscribers:
            return
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
        message = f"event: {event}\n" + "".join(
            f"data: {line}\n" for line in html.splitlines() or [""]
        )
        message += "\n"
        for subscriber in list(self.subscribers):
            if not subscriber.sees(site):
                continue
            try:
                subscriber.queue.put_nowait(message)
            except asyncio.QueueFull:
                self.subscribers.discard(subscriber)  # too far behind: its page reconnects

    async def stream(self, sees: Callable[[str], bool]) -> AsyncIterator[str]:
        subscriber = Subscriber(sees)
        self.subscribers.add(subscriber)
        try:
            yield "retry: 2000\n\n"
            while subscriber in self.subscribers:
                try:
                    yield await asyncio.wait_for(subscriber.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
        finally:
            self.subscribers.discard(subscriber)
