"""Central's pages under attack, as a hostile client (httpx) and in Debian's chromium:
another site's manager guessing URLs, forms without their CSRF token, script in names,
SQL in parameters, guessed passwords, old sessions, a viewer trying to change things."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sync.central_store import CentralStore
from tests.app.central_site import (
    DEVICE,
    PASSWORD,
    SITE,
    Province,
    chromium,
    ingest,
    sign_in,
    simulated_day,
)

DAY = dt.date(2026, 11, 23)
HOSTILE = "<script>window.hacked=1</script><img src=x onerror=window.hacked=2>"


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    """One province for the module: no device process, a simulated day stored, and a
    ticket whose service name is a script."""
    work = tmp_path_factory.mktemp("security")
    with contextlib.ExitStack() as undo:
        province = Province(work / "province", undo, device=False)
        events = simulated_day(work / "device", DAY, 120, seed=3)
        issued = next(e for e in events if e["type"] == "ticket.issued")
        ticket = str(uuid.uuid4())
        hostile = [
            {**issued, "seq": 1, "id": str(uuid.uuid4()),
             "data": {**issued["data"], "ticket": ticket, "service": HOSTILE}},
            {**issued, "seq": 2, "id": str(uuid.uuid4()), "type": "ticket.printed",
             "data": {"ticket": ticket, "number": "Z001"}},
        ]  # fmt: skip
        ingest(province.db, SITE, DEVICE, events)
        ingest(province.db, SITE, "thiet-bi-2", hostile)
        store = CentralStore(province.db)
        store.put_state(SITE, DEVICE, {"online": True, "version": "1.0"})
        store.close()
        yield province


def client(province: Province) -> httpx.Client:
    return httpx.Client(base_url=province.url, follow_redirects=False, timeout=30)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def signed_in(province: Province, name: str) -> tuple[httpx.Client, str]:
    """A client signed in as ``name``, and its session's CSRF token."""
    web = client(province)
    form = web.get("/login")
    done = web.post("/login", data={"csrf": csrf_of(form.text), "name": name, "password": PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/", done.text[:300]
    page = web.get("/")
    assert page.status_code == 200
    return web, csrf_of(page.text)


def test_fail__another_sites_manager_cannot_read_or_change_this_site(province: Province) -> None:
    web, csrf = signed_in(province, "quanly-khac")  # manages only hcc-khac
    assert SITE not in web.get("/").text
    for path in (
        f"/site/{SITE}",
        f"/site/{SITE}?day={DAY}",
        f"/site/{SITE}/config",
        f"/site/{SITE}/answers",
        f"/site/{SITE}/commands",
        f"/reports?period=2026-11&site={SITE}",
        f"/reports.xlsx?period=2026-11&site={SITE}",
        f"/reports.csv?period=2026-11&site={SITE}",
        f"/reports/series.json?period=2026-11&site={SITE}",
    ):
        answer = web.get(path)
        assert answer.status_code == 404, path
        assert "Không tìm thấy" in answer.text, path
    for path, data in (
        (f"/site/{SITE}/config/notices", {"notices": "chiếm quyền"}),
        (f"/site/{SITE}/command", {"device": DEVICE, "cmd": "reprint"}),
        (f"/site/{SITE}/upload/procedures", {}),
    ):
        assert web.post(path, data={"csrf": csrf, **data}).status_code == 404, path
    # A report of "every site I may see" leaves this site out.
    report = web.get("/reports.csv?period=2026-11&by=site")
    assert report.status_code == 200
    assert SITE not in report.text
    store = CentralStore(province.db)
    try:
        assert all(entry[1] != "quanly-khac" for entry in store.audit_log(50))
    finally:
        store.close()


def test_fail__a_viewer_cannot_change_anything(province: Province) -> None:
    web, csrf = signed_in(province, "xem")
    page = web.get(f"/site/{SITE}/config")
    assert page.status_code == 200
    assert "Bạn chỉ có quyền xem" in page.text and "Lưu và gửi" not in page.text
    assert "Tải lên" not in page.text
    for path, data in (
        (f"/site/{SITE}/config/notices", {"notices": "không được"}),
        (f"/site/{SITE}/config/hours", {"open": "08:00"}),
        (f"/site/{SITE}/command", {"device": DEVICE, "cmd": "reprint"}),
        (f"/site/{SITE}/upload/dossiers", {}),
    ):
        answer = web.post(path, data={"csrf": csrf, **data})
        assert answer.status_code == 403, path
        assert "Không được phép" in answer.text


def test_fail__every_form_without_its_csrf_token_or_from_another_origin_is_refused(
    province: Province,
) -> None:
    web, csrf = signed_in(province, "admin")
    for path, data in (
        (f"/site/{SITE}/config/notices", {"notices": "giả mạo"}),
        (f"/site/{SITE}/command", {"device": DEVICE, "cmd": "reprint"}),
        (f"/site/{SITE}/upload/dossiers", {}),
        ("/logout", {}),
    ):
        assert web.post(path, data=data).status_code == 403, path
        assert web.post(path, data={"csrf": "x" + csrf[1:], **data}).status_code == 403, path
        other = web.post(
            path, data={"csrf": csrf, **data}, headers={"origin": "https://evil.example"}
        )
        assert other.status_code == 403, path
    # The sign-in form too: its token is its own cookie's.
    fresh = client(province)
    assert fresh.post("/login", data={"name": "admin", "password": PASSWORD}).status_code == 403
    # Nothing was changed, and the session still works.
    assert web.get("/").status_code == 200
    store = CentralStore(province.db)
    try:
        assert [e for e in store.audit_log(50) if e[2].startswith("site.")] == []
    finally:
        store.close()


def test_ok__names_with_script_show_as_text_in_the_browser(province: Province) -> None:
    with chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, province.url, "admin")
        page.goto(f"{province.url}/site/{SITE}?day={DAY}")
        assert HOSTILE in page.locator("main").inner_text()  # shown, as text
        page.goto(f"{province.url}/reports?period={DAY}&by=service")
        assert HOSTILE in page.locator("table.report").inner_text()
        page.wait_for_timeout(300)
        assert page.evaluate("window.hacked") is None
        assert errors == []


def test_fail__sql_in_parameters_is_only_text(province: Province) -> None:
    web, _ = signed_in(province, "admin")
    evil = "x' OR '1'='1"
    assert web.get(f"/site/{evil}").status_code == 404
    assert web.get("/reports", params={"period": "2026'; DROP TABLE events; --"}).status_code == 400
    assert web.get("/reports", params={"period": "2026-11", "site": evil}).status_code == 404
    assert web.get("/reports", params={"period": "2026-11", "by": "site; --"}).status_code == 400
    with contextlib.closing(sqlite3.connect(province.db.removeprefix("sqlite://"))) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] > 100


def test_ok__every_response_carries_the_security_headers(province: Province) -> None:
    web, _ = signed_in(province, "admin")
    for path in ("/", "/login", "/static/app.js", "/no-such-page", f"/site/{SITE}", "/reports"):
        headers = web.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
    page = web.get("/").text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
    assert not re.search(r'\sstyle="', page)  # no inline style either (CSP)


def test_fail__sign_in_is_throttled_after_failures(province: Province) -> None:
    province.user("thu-sai", "viewer", [])  # an account of its own: it stays held
    web = client(province)
    for _ in range(5):
        form = web.get("/login")
        wrong = web.post(
            "/login",
            data={"csrf": csrf_of(form.text), "name": "thu-sai", "password": "sai-mat-khau"},
        )
        assert wrong.status_code == 401
        assert "không đúng" in wrong.text
    form = web.get("/login")
    held = web.post(
        "/login", data={"csrf": csrf_of(form.text), "name": "thu-sai", "password": PASSWORD}
    )
    assert held.status_code == 429  # the right password too, while held
    assert "thử lại sau" in held.text
    assert "kiosk_session" not in held.headers.get("set-cookie", "")
    # Another account from the same address is not held by these five.
    signed_in(province, "xem")


def test_fail__sessions_end_when_untouched_too_long_and_cookies_are_locked_down(
    province: Province,
) -> None:
    # Behind a proxy that speaks HTTPS to browsers, the cookies are Secure (an httpx
    # client on plain HTTP keeps them aside, so they are sent by hand here).
    https = {"x-forwarded-proto": "https"}
    form = client(province).get("/login", headers=https)
    login = re.search(r"kiosk_login=([^;]+)", form.headers["set-cookie"])
    assert login and "secure" in form.headers["set-cookie"].lower()
    done = client(province).post(
        "/login",
        data={"csrf": csrf_of(form.text), "name": "admin", "password": PASSWORD},
        headers={**https, "cookie": f"kiosk_login={login.group(1)}"},
    )
    cookie = done.headers["set-cookie"]
    assert "kiosk_session=" in cookie
    for flag in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"):
        assert flag.lower() in cookie.lower(), cookie
    found = re.search(r"kiosk_session=([^;]+)", cookie)
    assert found
    token = found.group(1)
    web = client(province)
    web.cookies.set("kiosk_session", token)
    assert web.get("/").status_code == 200
    db = province.db.removeprefix("sqlite://")
    with contextlib.closing(sqlite3.connect(db)) as conn:
        stored = [row[0] for row in conn.execute("SELECT token_hash FROM web_sessions")]
        assert token not in stored  # only its hash is kept
        conn.execute("UPDATE web_sessions SET seen = seen - 61 * 60")  # an hour untouched
        conn.commit()
    gone = web.get("/")
    assert gone.status_code == 303 and gone.headers["location"] == "/login"
    with contextlib.closing(sqlite3.connect(db)) as conn:  # and it is let go
        hashes = [row[0] for row in conn.execute("SELECT token_hash FROM web_sessions")]
    assert hashlib.sha256(token.encode()).hexdigest() not in hashes
    # Signing out ends the session for good: the old cookie does not come back.
    again, csrf = signed_in(province, "admin")
    old = again.cookies["kiosk_session"]
    assert again.post("/logout", data={"csrf": csrf}).status_code == 303
    replay = client(province)
    replay.cookies.set("kiosk_session", old)
    assert replay.get("/").status_code == 303


def test_fail__pages_need_a_session(province: Province) -> None:
    web = client(province)
    for path in ("/", "/live", f"/site/{SITE}", "/reports", "/reports.xlsx?period=2026", "/audit"):
        answer = web.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/login", path
    manager, _ = signed_in(province, "quanly")
    assert manager.get("/audit").status_code == 403  # the audit log is the admins'


def test_ok__a_browser_needs_only_files_the_server_ships(
    province: Province, tmp_path: Path
) -> None:
    """No CDN: every script, style and request of the pages goes to central itself."""
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        sign_in(page, province.url, "admin")
        page.goto(f"{province.url}/reports?period=2026-11&by=service")
        page.wait_for_selector("#chart[data-ready]", timeout=10000)
        assert asked and all(url.startswith(province.url) for url in asked), asked
        context.close()


def test_ok__workers_share_nothing_but_the_database(province: Province, tmp_path: Path) -> None:
    """A second ``kiosk central web`` over the same database takes the first one's session
    and its CSRF token: a proxy may send each request to either."""
    from sync.servers import WebProcess, free_port

    first, csrf = signed_in(province, "quanly")
    second = WebProcess(province.db, tmp_path / "second", broker_port=free_port())
    try:
        other = httpx.Client(base_url=second.url, follow_redirects=False, timeout=30)
        other.cookies.set("kiosk_session", first.cookies["kiosk_session"])
        assert other.get(f"/site/{SITE}").status_code == 200
        saved = other.post(
            f"/site/{SITE}/config/notices",
            data={"csrf": csrf, "notices": "Từ máy chủ thứ hai"},
        )
        # Checked and stored by the second worker (its broker is not there: not sent).
        assert saved.status_code == 503 and "chưa gửi được" in saved.text
        assert "Từ máy chủ thứ hai" in first.get(f"/site/{SITE}/config").text
        # A page's fragment asked after the session ended sends the whole page to sign in.
        assert other.post("/logout", data={"csrf": csrf}).status_code == 303
        fragment = first.get(f"/site/{SITE}/answers", headers={"hx-request": "true"})
        assert fragment.status_code == 204 and fragment.headers["hx-redirect"] == "/login"
    finally:
        second.stop()


def test_fail__odd_input_gets_one_clear_answer_never_a_server_error(province: Province) -> None:
    web, csrf = signed_in(province, "admin")
    for path in (
        "/reports.csv?period=٢٠٢٦",  # Arabic-Indic digits
        "/reports.xlsx?period=9999",
        "/reports?period=2026-01-01%E3%80%80..2026-01-02",
        f"/site/{SITE}?day=31/12/9999",
        f"/site/{SITE}?day=٠١/٠١/٢٠٢٦",
    ):
        answer = web.get(path)
        assert answer.status_code == 400, (path, answer.status_code)
        assert "Trung tâm điều hành" in answer.text  # the pages' own error page
    # A line end around a period is only space: the download's name is made of its dates.
    named = web.get("/reports.csv?period=2026%0A")
    assert named.headers["content-disposition"] == (
        'attachment; filename="bao-cao-20260101-20261231-site.csv"'
    )
    for data in (
        {
            "service-0-id": "a",
            "service-0-name": "A",
            "service-0-prefix": "A",
            "service-0-digits": "²",
        },
        {"service-0-id": "a", "service-0-name": "A", "service-0-band": "²-3"},
        {"service-²-id": "a"},
    ):
        answer = web.post(f"/site/{SITE}/config/services", data={"csrf": csrf, **data})
        assert answer.status_code == 422, data
    for minutes in ("nan", "inf", "-5", "1e9"):
        answer = web.post(
            f"/site/{SITE}/command",
            data={"csrf": csrf, "device": DEVICE, "cmd": "notice", "text": "x", "minutes": minutes},
        )
        assert answer.status_code == 422 and "Số phút" in answer.text, minutes
    big = client(province).post(
        "/login",
        content=b"name=" + b"a" * 100_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413


def test_ok__a_page_gets_what_changed_between_its_rendering_and_its_stream(
    province: Province,
) -> None:
    web, _ = signed_in(province, "admin")
    rendered = time.time()
    store = CentralStore(province.db)
    try:
        store.put_state(SITE, DEVICE, {"online": False})  # before the page's stream opens
    finally:
        store.close()
    got = ""
    with web.stream("GET", f"/live?since={rendered}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: site:"):
                got = line
                break
    assert got == f"event: site:{SITE}"
    store = CentralStore(province.db)
    try:
        store.put_state(SITE, DEVICE, {"online": True, "version": "1.0"})
    finally:
        store.close()
