"""Central's pages in Debian's chromium against a real province: Mosquitto, central's
ingest, ``kiosk central web`` and a site's ``kiosk run sync``, each its own process."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.app.central_site import DEVICE, SITE, Province, chromium, sign_in, wait_until


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as opened:
        yield opened


@pytest.fixture
def province(tmp_path: Path) -> Iterator[Province]:
    with contextlib.ExitStack() as undo:
        yield Province(tmp_path / "province", undo)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def presence(province: Province) -> tuple[int, float] | None:
    with contextlib.closing(sqlite3.connect(province.db.removeprefix("sqlite://"))) as conn:
        row = conn.execute(
            "SELECT online, since FROM presence WHERE site = ? AND device = ?", (SITE, DEVICE)
        ).fetchone()
    return None if row is None else (int(row[0]), float(row[1]))


def row_text(page: Page) -> str:
    return page.locator(f"#site-{SITE}").inner_text()


def test_ok__signed_in_the_overview_follows_a_device_offline_and_back_live(
    province: Province, page: Page
) -> None:
    wait_until(lambda: (presence(province) or (0, 0))[0] == 1, 30, "the device online at central")
    sign_in(page, province.url, "admin")
    assert page.url == f"{province.url}/"
    assert "Trực tuyến" in row_text(page)
    page.evaluate("window.sameLoad = 'yes'")  # gone if the page reloads
    # A ticket issued on the device shows as waiting, without a reload.
    done = province.on_device("issue", "dat-dai")
    assert done.returncode == 0, done.stderr
    wait_until(lambda: row_text(page).split("\t")[4:5] == ["1"], 20, "one waiting")
    # The device stops: its last will says offline, and the row says so within 2 s of
    # central storing it.
    province.device.stop()
    wait_until(
        lambda: presence(province) is not None and presence(province)[0] == 0,
        20,
        "offline at central",
    )
    seen = time.monotonic()
    wait_until(lambda: "Mất kết nối" in row_text(page), 5, "offline on the page")
    assert time.monotonic() - seen <= 2.0
    # Back online.
    province.start_device()
    wait_until(
        lambda: presence(province) is not None and presence(province)[0] == 1,
        30,
        "online at central",
    )
    seen = time.monotonic()
    wait_until(lambda: "Trực tuyến" in row_text(page), 5, "online on the page")
    assert time.monotonic() - seen <= 2.0
    assert page.evaluate("window.sameLoad") == "yes"


def test_ok__a_configuration_edit_reaches_the_device_and_a_refused_one_shows_why(
    province: Province, page: Page
) -> None:
    from kiosk.config import read_central

    wait_until(lambda: (presence(province) or (0, 0))[0] == 1, 30, "the device online")
    sign_in(page, province.url, "quanly")  # the site's manager
    page.goto(f"{province.url}/site/{SITE}/config")
    page.fill("textarea[name=notices]", "Chiều thứ Sáu nghỉ họp\nMang theo CCCD")
    page.click("text=Lưu và gửi thông báo")
    page.wait_for_load_state()
    assert "saved=1" in page.url, page.locator("main").inner_text()[:600]
    answers = page.locator("#answers")
    wait_until(lambda: "Đã áp dụng" in answers.inner_text(), 20, "the device's answer")
    stored = read_central(province.site / "kiosk.db")
    assert stored is not None and stored[0] == 1
    assert [n["text"] for n in stored[1]["notices"]] == ["Chiều thứ Sáu nghỉ họp", "Mang theo CCCD"]
    # Services the device's own buttons do not have: central's check cannot know those
    # buttons, the device refuses, and the page shows the device's reason.
    page.fill("input[name=service-0-id]", "dich-vu-moi")
    page.fill("input[name=service-0-name]", "Dịch vụ mới")
    page.fill("input[name=service-0-prefix]", "M")
    page.click("text=Lưu và gửi danh sách dịch vụ")
    page.wait_for_load_state()
    assert "saved=2" in page.url, page.locator("main").inner_text()[:600]
    wait_until(lambda: "Từ chối" in answers.inner_text(), 20, "the device's refusal")
    text = answers.inner_text()
    assert "dat-dai" in text  # the reason names the service a button still needs
    assert read_central(province.site / "kiosk.db")[0] == 1  # the device kept version 1
    # A form central itself refuses is not published: the same checks as config check.
    page.fill("input[name=open]", "18:00")
    page.fill("input[name=close]", "08:00")
    page.click("text=Lưu và gửi giờ làm việc")
    page.wait_for_load_state()
    assert (
        "must be later than open (11:30 is not after 18:00)"
        in page.locator("[role=alert]").inner_text()
    )
    version = page.locator("text=Phiên bản trung tâm đang giữ").inner_text()
    assert version.endswith("2")


def test_ok__a_command_reaches_the_device_and_its_answer_shows(
    province: Province, page: Page
) -> None:
    wait_until(lambda: (presence(province) or (0, 0))[0] == 1, 30, "the device online")
    sign_in(page, province.url, "admin")
    page.goto(f"{province.url}/site/{SITE}/config")
    page.select_option("select[name=device]", DEVICE)
    page.select_option("select[name=cmd]", "notice")
    page.fill("input[name=text]", "Hệ thống tạm dừng 10 phút")
    page.fill("input[name=minutes]", "10")
    page.click("button:has-text('Gửi lệnh')")
    page.wait_for_load_state()
    listing = page.locator("#command-list")
    wait_until(lambda: "Xong" in listing.inner_text(), 20, "the device's answer")
    assert "Hệ thống tạm dừng 10 phút" in listing.inner_text()
    assert "notice shown" in listing.inner_text()
    # The device recorded the notice, and central has its event.
    db = province.db.removeprefix("sqlite://")
    with contextlib.closing(sqlite3.connect(db)) as conn:
        wait_until(
            lambda: conn.execute("SELECT data FROM events WHERE type = 'notice.set'").fetchall(),
            20,
            "the notice's event at central",
        )
        (data,) = conn.execute("SELECT data FROM events WHERE type = 'notice.set'").fetchone()
    assert "Hệ thống tạm dừng 10 phút" in data


def test_ok__a_report_opens_and_its_downloads_hold_the_numbers_of_kiosk_central_report(
    tmp_path: Path, browser: Browser
) -> None:
    import csv
    import datetime as dt
    import io
    import json

    import openpyxl

    from tests.app.central_site import ingest, kiosk, simulated_day

    with contextlib.ExitStack() as undo:
        province = Province(tmp_path / "province", undo, device=False)
        for n, day in enumerate((dt.date(2026, 11, 23), dt.date(2026, 11, 24))):
            events = simulated_day(tmp_path / "device", day, 150, seed=n)
            ingest(province.db, SITE, DEVICE if n == 0 else "may-2", events)
        ingest(
            province.db,
            "hcc-khac",
            DEVICE,
            simulated_day(tmp_path / "d2", dt.date(2026, 11, 25), 80, 9),
        )
        done = kiosk("--json", "central", "report", "--period", "2026-11", "--by", "service",
                     "--db", province.db)  # fmt: skip
        assert done.returncode == 0, done.stderr
        expected = json.loads(done.stdout)
        assert len(expected["rows"]) >= 8 and expected["total"]["tickets"] > 300
        context = browser.new_context(locale="vi-VN", accept_downloads=True)
        page = context.new_page()
        sign_in(page, province.url, "admin")
        page.click("text=Báo cáo")
        page.fill("input[name=period]", "2026-11")
        page.select_option("select[name=by]", "service")
        page.click("text=Xem báo cáo")
        page.wait_for_selector("#chart[data-ready]", timeout=10000)
        heading = page.locator("main h2").first.inner_text()
        assert heading.startswith("Tháng 11/2026") and "01/11/2026 – 30/11/2026" in heading
        total = page.locator("table.report tfoot").inner_text()
        assert f"{expected['total']['tickets']:,}".replace(",", ".") in total
        with page.expect_download() as download:
            page.click("text=Tải Excel (XLSX)")
        assert download.value.suggested_filename == "bao-cao-20261101-20261130-service.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
        sheet = book["Báo cáo"]
        assert "Tháng 11/2026" in sheet["A1"].value
        assert sheet["B2"].value == dt.datetime(2026, 11, 1)  # a date, not text
        head = [c.value for c in sheet[4]]
        assert head[:5] == ["Điểm", "Dịch vụ", "Số phiếu", "Lượt gọi", "Đã phục vụ"]
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5)]
        assert rows[-1][0] == "Tổng cộng"
        column = {name: head.index(name) for name in head}
        for row, want in zip(rows[:-1], expected["rows"], strict=True):
            assert row[:2] == want["key"]  # no device told central their names
            assert row[column["Số phiếu"]] == want["tickets"]
            assert row[column["Vắng mặt"]] == want["no_shows"]
            wait = want["wait_mean_seconds"]
            assert row[column["Chờ trung bình (phút)"]] == (
                None if wait is None else round(wait / 60, 1)
            )
            assert isinstance(row[column["Đã phục vụ"]], int)
        assert rows[-1][column["Số phiếu"]] == expected["total"]["tickets"]
        days = book["Theo ngày"]
        dates = [r[0].value for r in days.iter_rows(min_row=2)]
        assert dates[0] == dt.datetime(2026, 11, 1) and len(dates) == 30
        with page.expect_download() as download:
            page.click("text=Tải CSV")
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        table = list(csv.reader(io.StringIO(text)))
        assert table[0] == head and table[-1][0] == "Tổng cộng"
        assert int(table[-1][column["Số phiếu"]]) == expected["total"]["tickets"]
        context.close()


def test_ok__dossiers_uploaded_reach_the_device_and_bad_lines_are_named(
    province: Province, page: Page, tmp_path: Path
) -> None:
    import json

    from tests.sync.test_central import dossier

    wait_until(lambda: (presence(province) or (0, 0))[0] == 1, 30, "the device online")
    good = [dossier(f"000.00.04.G14-261207-{n:04d}", 1) for n in range(1, 4)]
    lines = [json.dumps(d, ensure_ascii=False) for d in good]
    lines.insert(1, '{"code": "x"')  # not JSON
    upload = tmp_path / "ho-so.jsonl"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sign_in(page, province.url, "quanly")
    page.goto(f"{province.url}/site/{SITE}/config")
    page.set_input_files("form[action$='/upload/dossiers'] input[type=file]", str(upload))
    page.click("text=Tải lên và gửi hồ sơ")
    page.wait_for_load_state()
    assert (
        "3 hồ sơ hợp lệ, 3 mới đã gửi tới điểm, 1 dòng bị từ chối"
        in page.locator("[role=status]").inner_text()
    )
    assert "Dòng 2: not JSON" in page.locator("[role=alert]").inner_text()
    device = province.site / "kiosk.db"

    def cached() -> int:
        with contextlib.closing(sqlite3.connect(device)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM dossiers").fetchone()[0])

    wait_until(lambda: cached() == 3, 20, "the dossiers on the device")
    with contextlib.closing(sqlite3.connect(province.db.removeprefix("sqlite://"))) as conn:
        actions = [row[0] for row in conn.execute("SELECT action FROM audit")]
    assert "site.dossiers" in actions
