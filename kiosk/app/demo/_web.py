"""The demo's central pages: an account for the province's administrator, ``kiosk central
web`` over the demo's central database, and pictures of the overview, the site's day and
the month's report taken by Debian's chromium (headless, through Playwright)."""

from __future__ import annotations

import secrets
import shlex
import time
from pathlib import Path
from typing import Any

from kiosk.config import Config

CHROMIUM = "/usr/bin/chromium"
ADMIN = "admin"
PAGES = ("overview", "site-day", "report")


def central_pages(config: Config, out: Path, day: str) -> dict[str, Any]:
    """Pictures of central's pages on the demo's data; what happened, for the summary.
    Anything missing (chromium, the central extra) is said, never a failed demo."""
    central_db = out / "central.db"
    if not central_db.is_file():
        return {"skipped": "no central database (central did not run)"}
    if not Path(CHROMIUM).is_file():
        return {"skipped": "Debian's chromium is not installed (apt-get install chromium)"}
    try:
        import playwright.sync_api  # noqa: F401 (present?)

        from kiosk.app.central_web.accounts import hash_password
    except ImportError as exc:
        return {"skipped": f"{exc.name} is not installed (pip install -e '.[dev]')"}
    try:
        return _pictures(config, out.resolve(), day, hash_password)
    except Exception as exc:  # a page that did not load, a server that did not start
        return {"skipped": f"{type(exc).__name__}: {exc}"[:300]}


def _pictures(config: Config, out: Path, day: str, hash_password: Any) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from sync.central_store import CentralStore, User
    from sync.servers import WebProcess

    url = f"sqlite://{out / 'central.db'}"
    password = secrets.token_urlsafe(12)
    secret = out / "central-admin.password"
    secret.write_text(password + "\n", encoding="utf-8")
    secret.chmod(0o600)
    store = CentralStore(url)
    try:
        admin = User(ADMIN, "admin", (), hash_password(password))
        store.put_user(admin, who="demo", now=time.time())
    finally:
        store.close()
    folder = out / "central-web"
    folder.mkdir(exist_ok=True)
    started = time.perf_counter()
    web = WebProcess(url, folder)
    shots: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            page = browser.new_page(locale="vi-VN", viewport={"width": 1280, "height": 860})
            page.goto(f"{web.url}/login")
            page.fill("input[name=name]", ADMIN)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_selector("table.sites")
            site = config.site.id
            for name, path, ready in (
                ("overview", "/", "table.sites"),
                ("site-day", f"/site/{site}?day={day}", ".timeline"),
                ("report", f"/reports?period={day[:7]}&by=service", "#chart[data-ready]"),
            ):
                page.goto(f"{web.url}{path}")
                page.wait_for_selector(ready, timeout=15000)
                picture = folder / f"{name}.png"
                page.screenshot(path=str(picture), full_page=True)
                shots.append(f"central-web/{name}.png")
            browser.close()
    finally:
        web.stop()
    return {
        "screenshots": shots,
        "account": ADMIN,
        "password_file": str(secret),
        "command": f"kiosk central web --db {shlex.quote(url)}",
        "seconds": round(time.perf_counter() - started, 2),
    }
