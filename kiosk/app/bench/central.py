"""Central's pages at a province's size, on SQLite and PostgreSQL: a province of 500 sites
(their devices online, today's tickets, a year of figures), ``kiosk central web`` as its
own process, and

- the overview page (every site) and a year's, 9 months' reports and a year's XLSX, timed
  as a signed-in browser asks for them;
- a change central stores (a device going offline or back) to the overview's server-sent
  event on each of 200 open pages;
- central's ingest of real-shaped days (tickets issued, printed, called, served, rated)
  with the figures kept, against the same without them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import re
import time
import uuid
from pathlib import Path
from typing import Any

from kiosk.config import Config
from kiosk.figures import COUNTS, Figures
from kiosk.stats import percentile
from kiosk.stats import timing as stats
from sync.central_store import CentralStore, User
from sync.servers import Postgres, WebProcess, have_postgres

SITES = 500  # the province's size (kiosk bench --sites)
SERVICES = (
    "dat-dai",
    "tu-phap-ho-tich",
    "dang-ky-kinh-doanh",
    "xay-dung",
    "lao-dong",
    "bhxh",
    "thue",
)
COUNTERS = 8
PAGES = 200  # open overview pages
PASSWORD = "bench-mat-khau-dai"
YEAR = 2026
GOALS = {
    "overview_p95_ms": 200,
    "year_report_ms": 1000,
    "year_xlsx_ms": 5000,
    "event_to_page_p99_ms": 2000,
    "ingest_ratio": 0.8,
}


def _figures(rng: random.Random, tickets: int, counter: int) -> Figures:
    figures = Figures()
    if not counter:
        figures.tickets, figures.no_shows, figures.voided = tickets, tickets // 40, tickets // 200
        return figures
    for _ in range(tickets):
        figures.add_wait(rng.expovariate(1 / 900))
        figures.add_service(rng.uniform(120, 900))
        if rng.random() < 0.6:
            choice = rng.choice((1, 1, 1, 2, 2, 3, 4))
            label = ("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng")[choice - 1]
            figures.add_rating(label, choice, 5 - choice)
    return figures


def province(store: CentralStore, today: str, sites: int = SITES, seed: int = 7) -> int:
    """500 sites: online devices with names, today's tickets and counters, and figures for
    every day of the last month, every month and the year. Returns the figure rows."""
    rng = random.Random(seed)
    now = time.time()
    rows = 0
    with store.transaction() as cur:
        cur.execute("DELETE FROM figures")
        for n in range(sites):
            site = f"xa-{n:03d}"
            device = "site-controller-01"
            state = {"online": True, "version": "0.1.0", "config_version": 2,
                     "site_name": f"Bộ phận Một cửa xã số {n}",
                     "services": {s: s.replace("-", " ").title() for s in SERVICES},
                     "printer": {"state": "ready"}}  # fmt: skip
            cur.execute(
                "INSERT INTO states (site, device, state, at) VALUES (?, ?, ?, ?)",
                (site, device, json.dumps(state, ensure_ascii=False), now),
            )
            cur.execute(
                "INSERT INTO presence (site, device, online, since) VALUES (?, ?, 1, ?)",
                (site, device, now - rng.uniform(0, 36000)),
            )
            cur.execute(
                "INSERT INTO site_names (site, name, services, at) VALUES (?, ?, ?, ?)",
                (site, state["site_name"], json.dumps(state["services"]), now),
            )
            cur.execute("INSERT INTO touched (site, at) VALUES (?, ?)", (site, now))
            tickets = []
            for t in range(rng.randint(60, 200)):
                status = rng.choice(("waiting", "done", "done", "done", "serving", "missed"))
                ts = f"{today}T0{rng.randint(1, 8)}:{rng.randint(10, 59)}:00.000Z"
                tickets.append((site, str(uuid.uuid4()), today, SERVICES[t % 7], SERVICES[t % 7],
                                f"A{t:03d}", 0, status, 1, 0, int(status == "missed"),
                                1 + t % COUNTERS, "", ts, ts))  # fmt: skip
            cur.executemany(
                "INSERT INTO ctickets (site, ticket, day, service, queue, number, priority, "
                "status, printed, voided, missed, counter, staff, issued_ts, ts) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tickets,
            )
            cur.executemany(
                "INSERT INTO ccounters (site, counter, state, staff, number, day, ts) "
                "VALUES (?, ?, 'open', ?, '', ?, ?)",
                [(site, c, f"cb-{c:02d}", today, f"{today}T01:00:00.000Z")
                 for c in range(1, COUNTERS + 1)],
            )  # fmt: skip
            figure_rows = []
            spans = [f"M{YEAR}-{m:02d}" for m in range(1, 13)] + [f"Y{YEAR}"]
            spans += [f"Q{YEAR}-{q}" for q in range(1, 5)]
            spans += [f"D{YEAR}-11-{d:02d}" for d in range(1, 31)]
            for span in spans:
                scale = {"Y": 250, "Q": 63, "M": 21, "D": 1}[span[0]]
                for service in SERVICES:
                    own = _figures(rng, scale * rng.randint(5, 15), 0)
                    figure_rows.append((site, span, service, 0, "", own))
                for counter in range(1, COUNTERS + 1):
                    service = SERVICES[counter % 7]
                    served = _figures(rng, min(40, scale * rng.randint(1, 4)), counter)
                    figure_rows.append((site, span, service, counter, f"cb-{counter:02d}", served))
            cur.executemany(
                f"INSERT INTO figures (site, span, service, counter, officer, body, "
                f"{', '.join(COUNTS)}) VALUES (?, ?, ?, ?, ?, ?"
                f"{', ?' * len(COUNTS)})",
                [
                    (*key, json.dumps(f.to_json(), ensure_ascii=False),
                     *(getattr(f, name) for name in COUNTS))
                    for *key, f in figure_rows
                ],
            )  # fmt: skip
            rows += len(figure_rows)
    from kiosk.app.central_web.accounts import hash_password

    store.put_user(User("bench", "admin", (), hash_password(PASSWORD)), who="bench", now=now)
    # As a database in service is: its statistics gathered (and PostgreSQL's pages vacuumed).
    if store.kind == "postgresql":
        store.conn.execute("VACUUM ANALYZE")
    else:
        with store.transaction() as cur:
            cur.execute("ANALYZE")
    return rows


def _timed_get(client: Any, path: str, times: int) -> list[float]:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        answer = client.get(path)
        out.append((time.perf_counter() - start) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"central web: GET {path}: {answer.status_code}")
    return out


def _signed_in(url: str) -> Any:
    import httpx

    client = httpx.Client(base_url=url, timeout=120)
    form = client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', form.text)
    if found is None:
        raise RuntimeError("central web: no sign-in form")
    done = client.post("/login", data={"csrf": found[1], "name": "bench", "password": PASSWORD})
    if done.status_code != 303:
        raise RuntimeError(f"central web: sign-in answered {done.status_code}")
    return client


async def _live(
    url: str, cookie: str, store: CentralStore, sites: int, changes: int
) -> dict[str, Any]:
    """200 open overview streams; ``changes`` devices go offline (then back), one every
    0.1 s, each stored as central's ingest stores a state; each stream's delay for each."""
    import httpx

    sent: dict[tuple[str, bool], float] = {}
    delays: list[float] = []
    ready = asyncio.Event()
    opened = 0

    async def page(client: httpx.AsyncClient) -> None:
        nonlocal opened
        async with client.stream("GET", "/live") as stream:
            opened += 1
            if opened == PAGES:
                ready.set()
            name, data = "", []
            got: set[tuple[str, bool]] = set()  # a row sent again (a refresh) counts once
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    data.append(line)
                elif not line:
                    key = (name.removeprefix("site:"), "Mất kết nối" in "".join(data))
                    if name.startswith("site:") and key in sent and key not in got:
                        got.add(key)
                        delays.append((time.perf_counter() - sent[key]) * 1000)
                    name, data = "", []

    limits = httpx.Limits(max_connections=PAGES + 10)
    async with httpx.AsyncClient(
        base_url=url, cookies={"kiosk_session": cookie}, timeout=None, limits=limits
    ) as client:
        tasks = [asyncio.create_task(page(client)) for _ in range(PAGES)]
        await asyncio.wait_for(ready.wait(), 60)
        await asyncio.sleep(1.0)
        chosen = random.Random(3).sample([f"xa-{n:03d}" for n in range(sites)], changes // 2)
        for online in (False, True):
            for site in chosen:
                sent[(site, not online)] = time.perf_counter()
                await asyncio.to_thread(
                    store.put_state, site, "site-controller-01", {"online": online}
                )
                await asyncio.sleep(0.1)
        await asyncio.sleep(3.0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "pages": PAGES,
        "changes": len(sent),
        "delays": len(delays),
        "expected_delays": len(sent) * PAGES,
        "p50_ms": round(percentile(delays, 0.5), 1),
        "p99_ms": round(percentile(delays, 0.99), 1),
        "max_ms": round(max(delays, default=0.0), 1),
        "goal_p99_ms": GOALS["event_to_page_p99_ms"],
    }


def pages(url: str, work: Path, sites: int = SITES) -> dict[str, Any]:
    store = CentralStore(url)
    try:
        today = time.strftime("%Y-%m-%d")
        started = time.perf_counter()
        rows = province(store, today, sites)
        seeded = time.perf_counter() - started
        web = WebProcess(url, work / "web")
        try:
            client = _signed_in(web.url)
            overview = _timed_get(client, "/", 30)
            year = _timed_get(client, f"/reports?period={YEAR}&by=site", 10)
            nine = _timed_get(client, f"/reports?period={YEAR}-9T&by=service", 5)
            xlsx = _timed_get(client, f"/reports.xlsx?period={YEAR}&by=service", 3)
            cookie = client.cookies["kiosk_session"]
            live = asyncio.run(_live(web.url, cookie, store, sites, min(60, sites)))
        finally:
            web.stop()
    finally:
        store.close()
    return {
        "sites": sites,
        "figure_rows": rows,
        "seeded_seconds": round(seeded, 1),
        "overview": {**stats(overview), "p95_ms": round(percentile(overview, 0.95), 1),
                     "goal_p95_ms": GOALS["overview_p95_ms"]},
        "year_report": {**stats(year), "goal_ms": GOALS["year_report_ms"]},
        "nine_months_report_by_service": stats(nine),
        "year_xlsx": {**stats(xlsx), "goal_ms": GOALS["year_xlsx_ms"]},
        "event_to_page": live,
    }  # fmt: skip


def _days(config: Config, work: Path, devices: int) -> list[list[dict[str, Any]]]:
    """A simulated day (the demo's) of each device, as its events."""
    from kiosk import outbox
    from kiosk.app.demo import Day
    from kiosk.store import Store
    from sync import decode

    out = []
    for n in range(devices):
        with Store(work / f"device-{n}.db") as device:
            Day(config, device, dt.date(YEAR, 11, 23), 300, seed=n).run()
            box = outbox.state(device)
            out.append(
                [
                    decode("event", outbox.envelope(p, box.db, 1))
                    for p in outbox.pending(device, 1, 1_000_000)
                ]
            )
    return out


def ingest_cost(
    port: int, urls: Any, days: list[list[dict[str, Any]]], runs: int = 3
) -> dict[str, Any]:
    """Central's ingest (over the broker, as ``sync.central_ingest`` measures it) of
    real-shaped days of one device per site, with its figures kept and without,
    alternately on fresh databases (``urls()`` gives one); the medians and their ratio."""
    from kiosk.app.bench.sync import ingest

    kept, bare = [], []
    for _ in range(runs):
        kept.append(ingest(port, urls(), len(days), 0, days=days, figures=True)["per_second"])
        bare.append(ingest(port, urls(), len(days), 0, days=days, figures=False)["per_second"])
    with_figures = sorted(kept)[runs // 2]
    without = sorted(bare)[runs // 2]
    return {
        "events": sum(len(d) for d in days),
        "sites": len(days),
        "with_figures_per_second": with_figures,
        "without_figures_per_second": without,
        "ratio": round(with_figures / without, 2),
        "goal_ratio": GOALS["ingest_ratio"],
        "runs_with": kept,
        "runs_without": bare,
    }


def central_figures(config: Config, work: Path, sites: int = SITES) -> dict[str, Any]:
    """The pages (a province of ``sites``) and the ingest's cost (a day of 24 sites, fewer
    for a small province) on SQLite, then on PostgreSQL."""
    from sync.servers import Broker, have_mosquitto

    if not have_mosquitto():
        return {"skipped": "mosquitto is not installed"}
    days = _days(config, work, max(2, min(24, sites // 20)))
    counter = iter(range(1_000_000))
    broker = Broker(work / "central-broker").start()
    try:
        return _both(work, broker.port, days, counter, sites)
    finally:
        broker.stop()


def _both(
    work: Path, port: int, days: list[list[dict[str, Any]]], counter: Any, sites: int
) -> dict[str, Any]:
    out: dict[str, Any] = {}

    def sqlite_url() -> str:
        return f"sqlite:///{work / f'central-{next(counter)}.db'}"

    out["sqlite"] = {
        "pages": pages(sqlite_url(), work / "web-sqlite", sites),
        "ingest": ingest_cost(port, sqlite_url, days),
    }
    if not have_postgres():
        out["postgresql"] = {"skipped": "PostgreSQL is not installed"}
        return out
    server = Postgres().start()
    try:
        import psycopg

        def postgres_url() -> str:
            name = f"central_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(server.url, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            return f"{server.url.rsplit('/', 1)[0]}/{name}"

        out["postgresql"] = {
            "pages": pages(postgres_url(), work / "web-postgresql", sites),
            "ingest": ingest_cost(port, postgres_url, days),
        }
    finally:
        server.stop()
    return out
