"""The look-up screen: dossier progress, ticket QR codes, bad codes and the instructions,
as views, as drawn by real pygame on SDL's dummy driver, and through ``kiosk scan`` and
``kiosk display snapshot --role lookup``."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import time
import unicodedata
import zoneinfo
from pathlib import Path
from typing import Any

import pytest

from display import (
    LookupFrame,
    Placed,
    ScreenFonts,
    TextBox,
    fonts_for,
    lookup_layout,
    lookup_moment,
    paint_lookup,
    save_lookup,
)
from display._lookup import current_view
from display.pygame_lib import pygame
from kiosk import dossiers, ticketing, tokens
from kiosk.config import Config
from kiosk.lookup import (
    DOSSIER,
    IDLE,
    INVALID,
    KEEP_SCANS,
    NOT_FOUND,
    TICKET,
    TONES,
    Row,
    TimelineStep,
    View,
    idle_view,
    latest_scan,
    look_up,
    record_scan,
    stale_note,
)
from kiosk.store import Store
from tests.conftest import MONDAY, OPEN_ALL_DAY, ROOT, at, kiosk_in, make_config

Rect = tuple[int, int, int, int]

TZ_NAME = "Asia/Ho_Chi_Minh"
SITE_NAME = "Trung tâm Phục vụ hành chính công tỉnh Hưng Yên"
LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)
NOW = at(9)  # Monday 23/11/2026 09:00, Vietnam time

CODE = "000.00.04.G14-261116-0012"
PROCEDURE = (
    "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền "
    "với đất lần đầu"
)
APPLICANT = "Nguyễn Văn An"
MASKED = "Nguyễn V*** A"
FEE = "Lệ phí trước bạ 1.250.000 đồng"
RECEIVED = MONDAY - dt.timedelta(days=7)  # 16/11/2026
DUE = MONDAY + dt.timedelta(days=4)  # 27/11/2026
RETURNED_ON = MONDAY - dt.timedelta(days=3)  # 20/11/2026
STEPS = [
    {"unit": "Bộ phận một cửa", "handler": "Trần Thị Bình", "at": "2026-11-16T08:15:00",
     "content": "Tiếp nhận hồ sơ"},
    {"unit": "Chi nhánh Văn phòng đăng ký đất đai", "handler": "Lê Văn Cường",
     "at": "2026-11-17T09:00:00", "content": "Thẩm định hồ sơ, kiểm tra thực địa"},
    {"unit": "Văn phòng đăng ký đất đai", "handler": "Phạm Minh Đức",
     "at": "2026-11-19T14:30:00", "content": "Trình ký giấy chứng nhận"},
]  # fmt: skip
STEP_LINES = [
    "Bộ phận một cửa: Tiếp nhận hồ sơ (Trần T*** B)",
    "Chi nhánh Văn phòng đăng ký đất đai: Thẩm định hồ sơ, kiểm tra thực địa (Lê V*** C)",
    "Văn phòng đăng ký đất đai: Trình ký giấy chứng nhận (Phạm M*** Đ)",
]
STEP_TIMES = ["16/11 08:15", "17/11 09:00", "19/11 14:30"]

TITLES = {
    1: "MỚI ĐĂNG KÝ",
    2: "ĐƯỢC TIẾP NHẬN",
    3: "KHÔNG ĐƯỢC TIẾP NHẬN",
    4: "ĐANG XỬ LÝ",
    5: "YÊU CẦU BỔ SUNG GIẤY TỜ",
    6: "YÊU CẦU THỰC HIỆN NGHĨA VỤ TÀI CHÍNH",
    7: "CÔNG DÂN YÊU CẦU RÚT HỒ SƠ",
    8: "DỪNG XỬ LÝ",
    9: "ĐÃ XỬ LÝ XONG",
    10: "ĐÃ TRẢ KẾT QUẢ",
}
ACTIONS = {
    1: "Hồ sơ đã đăng ký, đang chờ cán bộ tiếp nhận. Ông/bà chưa cần làm gì thêm.",
    2: "Hồ sơ đã được tiếp nhận và chuyển xử lý. Ông/bà chưa cần làm gì thêm.",
    3: "Hồ sơ không được tiếp nhận. Mời ông/bà đến quầy số 3 để nhận lại hồ sơ và được hướng dẫn.",
    4: "Hồ sơ đang được xử lý. Mời ông/bà quay lại theo ngày hẹn trả kết quả.",
    5: "Hồ sơ cần bổ sung giấy tờ. Mời ông/bà đến quầy số 3 để được hướng dẫn bổ sung.",
    6: f"Mời ông/bà thực hiện nghĩa vụ tài chính ({FEE}), rồi mang chứng từ đã nộp đến quầy số 3.",
    7: "Hồ sơ đã được rút theo yêu cầu. Mời ông/bà đến quầy số 3 để nhận lại giấy tờ.",
    8: "Hồ sơ đã dừng xử lý. Mời ông/bà đến quầy số 3 để biết lý do và được hướng dẫn.",
    9: "Hồ sơ đã có kết quả, mời ông/bà đến quầy số 3 để nhận kết quả",
    10: "Kết quả đã được trả ngày 20/11/2026. Cảm ơn ông/bà.",
}
INVALID_ACTION = "Không đọc được mã hồ sơ. Mời quét mã vạch hoặc mã QR trên phiếu hẹn trả kết quả."
IN_PROGRESS = {1, 2, 4, 5, 6}
NO_BADGE = {3, 7, 8}

IDLE_TITLE = "TRA CỨU TÌNH TRẠNG HỒ SƠ"
IDLE_LINES = [
    "Mời ông/bà quét mã trên phiếu",
    "PHIẾU HẸN TRẢ KẾT QUẢ",
    "đưa mã vạch hoặc mã QR vào dưới máy quét",
    "PHIẾU SỐ THỨ TỰ",
    "quét mã QR để xem còn bao nhiêu người phía trước",
]


# --- helpers -------------------------------------------------------------------------------


def local_iso(day: dt.date, hour: int, minute: int = 0) -> str:
    """A local time without an offset, as dossier records from the one-stop system carry."""
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00"


def dossier_record(status: int, **changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "code": CODE,
        "procedure": PROCEDURE,
        "applicant": APPLICANT,
        "status": status,
        "received_at": local_iso(RECEIVED, 8, 15),
        "due_at": local_iso(DUE, 17),
        "steps": [dict(step) for step in STEPS],
        "pickup": "Quầy số 3",
        "pickup_counter": 3,
        "version": 1,
    }
    if status == 6:
        record["fee"] = FEE
    if status == 10:
        record["returned_at"] = local_iso(RETURNED_ON, 10, 30)
    record.update(changes)
    return record


def put(store: Store, *records: dict[str, Any], now: float = NOW - 600) -> None:
    """Cache the records as the importer or central sync would (at ``now``)."""
    parsed = [dossiers.parse_dossier(record, TZ_NAME) for record in records]
    with store.change(now) as tx:
        dossiers.upsert(tx, parsed)


def inside(inner: Rect, outer: Rect) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def area(a: Rect, b: Rect) -> int:
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, width) * max(0, height)


def one_line(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def lines_of(frame: LookupFrame, box: TextBox) -> list[Placed]:
    """The lines drawn in ``box``, top to bottom."""
    inner = [p for p in frame.placed if inside(p.rect, box.rect)]
    return sorted(inner, key=lambda p: (p.rect[1], p.rect[0]))


def drawn(frame: LookupFrame) -> list[str]:
    """What each text box shows, its wrapped lines joined with spaces."""
    return [" ".join(p.text for p in lines_of(frame, box)) for box in frame.layout.texts]


def words_in_order(expected: str, lines: list[str]) -> bool:
    """``expected``'s words appear in ``lines`` (LookupFrame.text) in reading order."""
    words = iter(one_line(" ".join(lines)).split())
    return all(any(word == seen for seen in words) for word in one_line(expected).split())


def render(
    faces: ScreenFonts,
    config: Config,
    view: View,
    size: tuple[int, int] = LANDSCAPE,
    now: float = NOW,
    back_in: int = 30,
) -> tuple[pygame.Surface, LookupFrame]:
    surface = pygame.Surface(size)
    frame = paint_lookup(surface, faces, config, view, lookup_moment(config, now, back_in))
    return surface, frame


def assert_fits(frame: LookupFrame, size: tuple[int, int]) -> list[str]:
    """Every box and every drawn line on the picture, each line inside the box it belongs to,
    no line cut or lost, no two lines on top of each other; what each box shows."""
    width, height = size
    screen = (0, 0, width, height)
    layout = frame.layout
    assert layout.size == size
    assert frame.placed
    for index, box in enumerate(layout.texts):
        assert inside(box.rect, screen), box
        for other in layout.texts[index + 1 :]:
            assert area(box.rect, other.rect) == 0, (box, other)
    for index, placed in enumerate(frame.placed):
        assert inside(placed.rect, screen), placed
        assert placed.rect[2] > 0, placed
        assert placed.rect[3] > 0, placed
        assert placed.size >= 10, placed
        homes = [box for box in layout.texts if inside(placed.rect, box.rect)]
        assert len(homes) == 1, (placed, homes)
        assert placed.text in one_line(homes[0].text), (placed, homes[0])
        for other in frame.placed[index + 1 :]:
            assert area(placed.rect, other.rect) == 0, (placed, other)
    shown = drawn(frame)
    for box, text in zip(layout.texts, shown, strict=True):
        assert len(lines_of(frame, box)) <= box.lines, box
        assert text == one_line(box.text), (box, text)  # whole: neither cut nor dropped
    assert len(frame.placed) == sum(len(lines_of(frame, box)) for box in layout.texts)
    return shown


def styles_of(frame: LookupFrame, text: str) -> list[str]:
    return [box.style for box in frame.layout.texts if one_line(box.text) == text]


@pytest.fixture(scope="module")
def faces() -> ScreenFonts:
    return fonts_for(make_config())


@pytest.fixture
def open_config() -> Config:
    return make_config(hours=OPEN_ALL_DAY)


# --- a snapshot for each of the 10 national statuses ---------------------------------------


def check_dossier_screen(
    faces: ScreenFonts, config: Config, view: View, status: int, size: tuple[int, int]
) -> tuple[LookupFrame, list[str]]:
    surface, frame = render(faces, config, view, size)
    assert surface.get_size() == size
    shown = assert_fits(frame, size)
    everything = " | ".join(shown)
    lines = frame.text
    # The banner: the status label upper-cased, on the tone's colour.
    assert TITLES[status] in shown
    assert styles_of(frame, TITLES[status]) == ["banner"]
    assert f"tone-{view.tone}" in {panel.style for panel in frame.layout.panels}
    assert words_in_order(TITLES[status], lines)
    # The procedure, the code, the masked applicant (never the full name), the dates.
    assert PROCEDURE in shown
    assert words_in_order(PROCEDURE, lines)
    assert CODE in shown
    assert MASKED in shown
    assert APPLICANT not in everything
    assert "Văn An" not in " ".join(lines)
    assert "Nguyễn Văn" not in " ".join(lines)
    assert "08:15 16/11/2026" in shown
    assert any(text.startswith("17:00 27/11/2026") for text in shown), shown
    assert "Hẹn trả" in shown
    # What to do next, in its own box, whole.
    assert ACTIONS[status] in shown
    assert styles_of(frame, ACTIONS[status]) == ["action"]
    assert words_in_order(ACTIONS[status], lines)
    # The timeline, oldest step first, the newest one marked.
    assert "QUÁ TRÌNH XỬ LÝ" in shown
    assert [t for t in shown if t in STEP_LINES] == STEP_LINES
    assert [t for t in shown if t in STEP_TIMES] == STEP_TIMES
    current = [p for p in frame.layout.panels if p.style == "step-current"]
    assert len(current) == 1
    [newest] = [b for b in frame.layout.texts if b.text == STEP_LINES[-1]]
    assert inside(newest.rect, current[0].rect)
    # The header and the way back to the instructions.
    assert SITE_NAME in shown
    assert "Thứ Hai, 23/11/2026" in shown
    assert "09:00" in shown
    assert "Trở về màn hình chính sau 30 giây" in shown
    # Readable from a step away on a full-HD screen; a list's rows alike; the sentence that
    # says what to do no smaller than the details.
    sizes: dict[str, set[int]] = {}
    for box in frame.layout.texts:
        for placed in lines_of(frame, box):
            sizes.setdefault(box.group or box.style, set()).add(placed.size)
    assert min(min(found) for found in sizes.values()) >= 20, sizes
    for group in ("row-label", "row-value", "step", "step-time"):
        assert len(sizes[group]) == 1, (group, sizes[group])
    assert min(sizes["action"]) >= max(sizes["row-value"]), sizes
    return frame, shown


@pytest.mark.parametrize("status", range(1, 11))
def test_ok__each_status_drawn_in_full(
    store: Store, config: Config, faces: ScreenFonts, status: int
) -> None:
    put(store, dossier_record(status))
    view = look_up(store, config, CODE, NOW, act=False)
    assert view.kind == DOSSIER
    assert view.title == TITLES[status]
    assert view.title == dossiers.STATUSES[status].upper()
    assert view.action == ACTIONS[status]
    assert view.tone in TONES
    assert view.detail["status"] == status
    assert view.detail["overdue"] is False
    assert view.note == ""  # the cache was fed 10 minutes ago
    frame, shown = check_dossier_screen(faces, config, view, status, LANDSCAPE)

    rows = {row.label: row.value for row in view.rows}
    assert rows["Mã hồ sơ"] == CODE
    assert rows["Người nộp"] == MASKED
    assert rows["Ngày nhận"] == "08:15 16/11/2026"
    if status in IN_PROGRESS:
        assert view.badge == "TRONG HẠN"
        assert rows["Hẹn trả"] == "17:00 27/11/2026 (còn 4 ngày)"
        assert "17:00 27/11/2026 (còn 4 ngày)" in shown
    elif status in NO_BADGE:
        assert view.badge == ""
        assert rows["Hẹn trả"] == "17:00 27/11/2026"
    else:  # finished before the due date
        assert view.badge == "ĐÚNG HẠN"
        assert rows["Hẹn trả"] == "17:00 27/11/2026"
    if view.badge:
        assert view.badge in shown
        assert styles_of(frame, view.badge) == ["badge-ok"]
        assert "badge" in {panel.style for panel in frame.layout.panels}
    else:
        assert not {"ĐÚNG HẠN", "TRONG HẠN"} & set(shown)
        assert not {"TRỄ HẠN", "QUÁ HẠN"} & set(shown)
    if status == 6:
        assert rows["Phí, lệ phí"] == FEE
        assert FEE in shown
    else:
        assert "Phí, lệ phí" not in rows
        assert "Phí, lệ phí" not in shown
    if status == 10:
        assert rows["Ngày trả"] == "10:30 20/11/2026"
        assert "Nơi nhận kết quả" not in rows
    else:
        assert "Ngày trả" not in rows
        assert rows["Nơi nhận kết quả"] == "Quầy số 3"


@pytest.mark.parametrize("status", [4, 6, 9, 10])
def test_ok__statuses_drawn_in_full_on_a_portrait_screen(
    store: Store, config: Config, faces: ScreenFonts, status: int
) -> None:
    put(store, dossier_record(status))
    view = look_up(store, config, CODE, NOW, act=False)
    frame, shown = check_dossier_screen(faces, config, view, status, PORTRAIT)
    # Portrait stacks the timeline under the details; the layout is a pure function.
    layout = lookup_layout(PORTRAIT, view, SITE_NAME, lookup_moment(config, NOW, 30))
    assert layout == frame.layout
    [title] = [b for b in layout.texts if b.text == "QUÁ TRÌNH XỬ LÝ"]
    [action] = [b for b in layout.texts if b.style == "action"]
    assert title.rect[1] > action.rect[1] + action.rect[3]
    assert view.badge in shown


def test_ok__status_9_names_the_pickup_counter_exactly(
    store: Store, config: Config, faces: ScreenFonts
) -> None:
    put(store, dossier_record(9, pickup="", pickup_counter=3))
    view = look_up(store, config, CODE, NOW, act=False)
    assert view.action == "Hồ sơ đã có kết quả, mời ông/bà đến quầy số 3 để nhận kết quả"
    _, frame = render(faces, config, view)
    assert "Hồ sơ đã có kết quả, mời ông/bà đến quầy số 3 để nhận kết quả" in drawn(frame)
    # Without a counter number, the pickup place the record names.
    put(store, dossier_record(9, pickup="Bộ phận trả kết quả tầng 1", pickup_counter=None,
                              version=2))  # fmt: skip
    again = look_up(store, config, CODE, NOW, act=False)
    assert again.action == (
        "Hồ sơ đã có kết quả, mời ông/bà đến Bộ phận trả kết quả tầng 1 để nhận kết quả"
    )


def test_ok__timeline_is_in_time_order_whatever_the_record_order(
    store: Store, config: Config
) -> None:
    put(store, dossier_record(4, steps=[STEPS[2], STEPS[0], STEPS[1]]))
    view = look_up(store, config, CODE, NOW, act=False)
    assert [step.at for step in view.steps] == STEP_TIMES
    assert [step.current for step in view.steps] == [False, False, True]
    assert [step.handler for step in view.steps] == ["Trần T*** B", "Lê V*** C", "Phạm M*** Đ"]
    # A step done after its own deadline is marked late.
    late = dict(STEPS[1], deadline=local_iso(MONDAY - dt.timedelta(days=7), 17))
    put(store, dossier_record(4, steps=[STEPS[0], late, STEPS[2]], version=2))
    marked = look_up(store, config, CODE, NOW, act=False)
    assert [step.late for step in marked.steps] == [False, True, False]
    assert "[trễ hạn]" in marked.text()


# --- due dates: overdue, on time, today ----------------------------------------------------


def test_ok__overdue_dossier_apologises(store: Store, config: Config, faces: ScreenFonts) -> None:
    due = MONDAY - dt.timedelta(days=3)  # Friday 20/11, 17:00
    put(store, dossier_record(4, due_at=local_iso(due, 17)))
    view = look_up(store, config, CODE, NOW, act=False)
    assert view.badge == "QUÁ HẠN"
    assert view.tone == "bad"
    assert view.detail["overdue"] is True
    rows = {row.label: row.value for row in view.rows}
    assert rows["Hẹn trả"] == "17:00 20/11/2026 (trễ 3 ngày)"
    assert "phiếu xin lỗi" in view.action
    assert view.action.startswith("Hồ sơ đã quá hạn giải quyết.")
    assert "quầy số 3" in view.action
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "QUÁ HẠN" in shown
    assert styles_of(frame, "QUÁ HẠN") == ["badge-bad"]
    assert "tone-bad" in {panel.style for panel in frame.layout.panels}
    assert "17:00 20/11/2026 (trễ 3 ngày)" in shown
    assert view.action in shown
    assert "phiếu xin lỗi" in " ".join(shown)
    assert "TRONG HẠN" not in shown


def test_ok__past_the_hour_today_is_overdue_without_days(store: Store, config: Config) -> None:
    put(store, dossier_record(2, due_at=local_iso(MONDAY, 8, 30)))
    view = look_up(store, config, CODE, NOW, act=False)
    assert view.badge == "QUÁ HẠN"
    assert view.tone == "bad"
    assert {r.label: r.value for r in view.rows}["Hẹn trả"] == (
        "08:30 23/11/2026 (đã quá giờ hẹn hôm nay)"
    )
    assert "phiếu xin lỗi" in view.action


@pytest.mark.parametrize(
    ("due", "now", "text"),
    [
        (local_iso(MONDAY + dt.timedelta(days=4), 17), at(9), "còn 4 ngày"),
        (local_iso(MONDAY + dt.timedelta(days=1), 8), at(16), "còn 1 ngày, ngày mai"),
        (local_iso(MONDAY, 17), at(9), "hôm nay"),
        (local_iso(MONDAY, 23, 59), at(0, 1), "hôm nay"),
        # 25 hours, but two calendar days away in Vietnam (one in UTC).
        (local_iso(MONDAY + dt.timedelta(days=2), 0, 30), at(23, 30), "còn 2 ngày"),
        # 23 hours, but tomorrow in Vietnam (today in UTC).
        (local_iso(MONDAY + dt.timedelta(days=1), 6), at(7), "còn 1 ngày, ngày mai"),
    ],
)
def test_ok__days_left_in_local_calendar_days(
    store: Store, config: Config, faces: ScreenFonts, due: str, now: float, text: str
) -> None:
    put(store, dossier_record(4, due_at=due), now=now - 60)
    view = look_up(store, config, CODE, now, act=False)
    assert view.badge == "TRONG HẠN"
    assert view.tone == "info"
    assert view.detail["overdue"] is False
    due_at = dt.datetime.fromisoformat(due)
    expected = f"{due_at:%H:%M %d/%m/%Y} ({text})"
    assert {r.label: r.value for r in view.rows}["Hẹn trả"] == expected
    assert view.action == ACTIONS[4]
    _, frame = render(faces, config, view, now=now)
    shown = assert_fits(frame, LANDSCAPE)
    assert expected in shown
    assert "TRONG HẠN" in shown


def test_ok__results_ready_late_say_so(store: Store, config: Config, faces: ScreenFonts) -> None:
    due = MONDAY - dt.timedelta(days=5)  # 18/11 17:00; the last step was on 19/11 14:30
    put(store, dossier_record(9, due_at=local_iso(due, 17)))
    view = look_up(store, config, CODE, NOW, act=False)
    assert view.badge == "TRỄ HẠN"
    assert view.detail["overdue"] is False  # done: no apology, just come and collect
    assert view.tone == "ok"
    assert view.action == ACTIONS[9]
    assert {r.label: r.value for r in view.rows}["Hẹn trả"] == "17:00 18/11/2026 (xong trễ 1 ngày)"
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "TRỄ HẠN" in shown
    assert "17:00 18/11/2026 (xong trễ 1 ngày)" in shown


# --- returned dossiers ---------------------------------------------------------------------


def test_ok__returned_on_time(store: Store, config: Config, faces: ScreenFonts) -> None:
    put(store, dossier_record(10))
    view = look_up(store, config, CODE, NOW, act=False)
    rows = {row.label: row.value for row in view.rows}
    assert rows["Ngày trả"] == "10:30 20/11/2026"
    assert rows["Hẹn trả"] == "17:00 27/11/2026"
    assert view.badge == "ĐÚNG HẠN"
    assert view.action == "Kết quả đã được trả ngày 20/11/2026. Cảm ơn ông/bà."
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "Ngày trả" in shown
    assert "10:30 20/11/2026" in shown
    assert "Kết quả đã được trả ngày 20/11/2026. Cảm ơn ông/bà." in shown
    assert "Ngày trả: 10:30 20/11/2026" in view.text()


def test_ok__returned_after_finishing_late(
    store: Store, config: Config, faces: ScreenFonts
) -> None:
    due = MONDAY - dt.timedelta(days=8)  # 15/11 17:00, before even the first step
    steps = [*STEPS, {"unit": "Bộ phận một cửa", "handler": "Trần Thị Bình",
                      "at": local_iso(RETURNED_ON, 10, 30), "content": "Trả kết quả"}]  # fmt: skip
    put(store, dossier_record(10, due_at=local_iso(due, 17), steps=steps))
    view = look_up(store, config, CODE, NOW, act=False)
    rows = {row.label: row.value for row in view.rows}
    assert view.badge == "TRỄ HẠN"
    assert rows["Hẹn trả"] == "17:00 15/11/2026 (xong trễ 5 ngày)"
    assert rows["Ngày trả"] == "10:30 20/11/2026"
    assert view.detail["overdue"] is False
    assert "phiếu xin lỗi" not in view.action
    assert view.action == "Kết quả đã được trả ngày 20/11/2026. Cảm ơn ông/bà."
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "TRỄ HẠN" in shown
    assert styles_of(frame, "TRỄ HẠN") == ["badge-bad"]
    assert "Kết quả đã được trả ngày 20/11/2026. Cảm ơn ông/bà." in shown


# --- not found, and the age of the data ----------------------------------------------------

MISSING = "000.00.04.G14-261120-9999"


def test_ok__not_found_with_a_fresh_cache(store: Store, config: Config, faces: ScreenFonts) -> None:
    put(store, dossier_record(4), now=NOW - 59 * 60)
    view = look_up(store, config, MISSING.lower(), NOW, act=False)
    assert view.kind == NOT_FOUND
    assert view.title == "KHÔNG TÌM THẤY HỒ SƠ"
    assert view.code == MISSING
    assert view.note == ""
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "KHÔNG TÌM THẤY HỒ SƠ" in shown
    assert MISSING in shown
    assert view.action in shown
    assert not any(text.startswith("Dữ liệu cập nhật") for text in shown)
    assert "QUÁ TRÌNH XỬ LÝ" not in shown


def test_ok__not_found_with_a_stale_cache_says_when_it_was_fed(
    store: Store, config: Config, faces: ScreenFonts
) -> None:
    put(store, dossier_record(4), now=at(7, 5))  # 07:05 local, two hours before
    view = look_up(store, config, MISSING, NOW, act=False)
    assert view.kind == NOT_FOUND
    assert view.note == "Dữ liệu cập nhật lúc 07:05 23/11/2026"
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "Dữ liệu cập nhật lúc 07:05 23/11/2026" in shown
    assert "KHÔNG TÌM THẤY HỒ SƠ" in shown
    assert MISSING in shown
    # A found dossier from the same stale cache carries the same note.
    found = look_up(store, config, CODE, NOW, act=False)
    assert found.note == "Dữ liệu cập nhật lúc 07:05 23/11/2026"


def test_ok__stale_note_follows_stale_minutes_and_local_time() -> None:
    config = make_config(lookup={"stale_minutes": 15})
    assert stale_note(config, NOW - 15 * 60, NOW) == ""
    assert stale_note(config, NOW - 15 * 60 - 1, NOW) == "Dữ liệu cập nhật lúc 08:44 23/11/2026"
    # Yesterday evening in Vietnam (still the same UTC day as now).
    yesterday = at(22, 10, day=MONDAY - dt.timedelta(days=1))
    assert stale_note(config, yesterday, NOW) == "Dữ liệu cập nhật lúc 22:10 22/11/2026"
    assert stale_note(config, None, NOW) == "Chưa nhận được dữ liệu hồ sơ từ hệ thống."


def test_ok__not_found_in_a_cache_never_fed(store: Store, config: Config) -> None:
    view = look_up(store, config, MISSING, NOW, act=False)
    assert view.kind == NOT_FOUND
    assert view.note == "Chưa nhận được dữ liệu hồ sơ từ hệ thống."


# --- invalid codes -------------------------------------------------------------------------

CONTROL = "000.00.04.G14-261116-0012\x1b[2J\x07\x00"


@pytest.mark.parametrize(
    ("raw", "reason_has"),
    [
        ("xin chao!", "not a dossier"),
        ("Xin chao!", "not a dossier"),
        ("asdf;DROP TABLE x", "not a dossier"),
        ("1.011442.000.00.00.H38", "procedure"),
        (CONTROL, "control"),
        ("\x1b]0;pwned\x07", "control"),
        ("A" * 513, "too long"),
        ("A" * 5000, "too long"),
        (b"\xff\xfe\x00\x01", "not text"),
        ("   ", "empty"),
        ("000.00.04.G14-261399-0012", "not a dossier"),
    ],
)
def test_fail__invalid_codes_are_refused_without_echoing_them(
    store: Store,
    config: Config,
    faces: ScreenFonts,
    raw: str | bytes,
    reason_has: str,
) -> None:
    put(store, dossier_record(4))
    view = look_up(store, config, raw, NOW, act=False)
    assert view.kind == INVALID
    assert view.title == "MÃ KHÔNG HỢP LỆ"
    assert view.tone == "bad"
    assert reason_has in view.detail["reason"]
    if reason_has == "procedure":
        assert "mã thủ tục" in view.action
    else:
        assert "mã thủ tục" not in view.action
        assert view.action == INVALID_ACTION
    # The plain message, and nothing of what was scanned: not on the screen, not in the
    # text ``kiosk scan`` prints, not in what is stored for the screens.
    assert (view.code, view.heading, view.rows, view.steps, view.note) == ("", "", (), (), "")
    scanned = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    words = [w for w in scanned.replace(";", " ").split() if len(w) >= 3]
    stored = json.dumps(view.to_json(), ensure_ascii=False)
    for word in words:
        assert word not in view.text(), word
        assert word not in stored, word
    for size in (LANDSCAPE, PORTRAIT):
        _, frame = render(faces, config, view, size)
        shown = assert_fits(frame, size)
        assert "MÃ KHÔNG HỢP LỆ" in shown
        assert view.action in shown
        for word in words:
            assert all(word not in text for text in frame.text), word
        for text in frame.text:
            assert text.isprintable(), text
            assert "\x1b" not in text
            assert "\x00" not in text
            assert "\x07" not in text
            assert "pwned" not in text
            assert "AAAAAAAAAA" not in text
    assert all(line.isprintable() for line in view.text().splitlines())


def test_fail__an_unknown_link_is_not_shown_back(
    store: Store, config: Config, faces: ScreenFonts
) -> None:
    raw = "HTTPS://EXAMPLE.VN/" + "X" * 100
    view = look_up(store, config, raw, NOW, act=False)
    assert view.kind == INVALID
    assert view.code == ""
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "MÃ KHÔNG HỢP LỆ" in shown
    assert INVALID_ACTION in shown
    assert not any("EXAMPLE" in text or "XXX" in text for text in frame.text)


def test_ok__dossier_code_from_a_portal_link_is_looked_up(store: Store, config: Config) -> None:
    put(store, dossier_record(9))
    url = f"https://dichvucong.hungyen.gov.vn/tra-cuu?ma={CODE.lower()}&lang=vi"
    view = look_up(store, config, url, NOW, act=False)
    assert view.kind == DOSSIER
    assert view.code == CODE
    # Some scanners put their AIM symbology prefix in front.
    assert look_up(store, config, f"]Q1{CODE}", NOW, act=False).code == CODE


# --- ticket QR codes -----------------------------------------------------------------------


def token_for(store: Store, ticket: ticketing.Ticket, now: float = NOW) -> str:
    return tokens.sign(tokens.site_key(store, now), ticket.day, ticket.number)


def ticket_row(store: Store, ticket_id: int) -> tuple[Any, ...]:
    return tuple(
        store.conn.execute(
            "SELECT status, rank, reentries, counter, finished_at FROM tickets WHERE id = ?",
            (ticket_id,),
        ).fetchone()
    )


def test_ok__waiting_ticket_shows_how_many_are_ahead(
    store: Store, open_config: Config, faces: ScreenFonts
) -> None:
    config = open_config
    issued = [
        ticketing.issue(store, config, "dat-dai", now=at(8, minute), printed=True)
        for minute in (1, 2, 3)
    ]
    ticketing.issue(store, config, "thue", now=at(8, 4), printed=True)  # another service's
    expected = {0: "không còn ai", 1: "còn 1 người", 2: "còn 2 người"}
    for index, one in enumerate(issued):
        view = look_up(store, config, token_for(store, one.ticket), NOW, act=True)
        assert view.kind == TICKET
        assert view.title == "ĐANG CHỜ"
        assert view.tone == "info"
        assert view.code == one.ticket.number
        assert view.heading == f"Số {one.ticket.number}"
        assert view.detail["status"] == "waiting"
        assert view.detail["ahead"] == index
        rows = {row.label: row.value for row in view.rows}
        assert rows["Dịch vụ"] == "Đất đai"
        assert rows["Phía trước"] == expected[index]
        assert rows["Quầy phục vụ"] == "1, 2"
    third = look_up(store, config, token_for(store, issued[2].ticket), NOW, act=False)
    assert third.action.startswith("Phía trước còn 2 người.")
    assert issued[2].ticket.number == "A003"
    _, frame = render(faces, config, third)
    shown = assert_fits(frame, LANDSCAPE)
    assert "ĐANG CHỜ" in shown
    assert "Số A003" in shown
    assert "còn 2 người" in shown
    assert third.action in shown
    # After one is called, one fewer is ahead.
    ticketing.call_next(store, config, 1, now=at(9, 1))
    later = look_up(store, config, token_for(store, issued[2].ticket), at(9, 2), act=False)
    assert later.detail["ahead"] == 1


def test_ok__called_ticket_names_the_counter(
    store: Store, open_config: Config, faces: ScreenFonts
) -> None:
    config = open_config
    issued = ticketing.issue(store, config, "tu-phap-ho-tich", now=at(8), printed=True)
    called = ticketing.call_next(store, config, 4, now=at(8, 50))
    assert called.ticket is not None
    view = look_up(store, config, token_for(store, issued.ticket), NOW, act=True)
    assert view.title == "ĐÃ ĐẾN LƯỢT"
    assert view.tone == "ok"
    assert view.detail["status"] == "called"
    assert "quầy số 4" in view.action
    assert view.action == "Số B001 đang được mời đến quầy số 4. Mời ông/bà đến ngay."
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert view.action in shown
    assert "Số B001" in shown


def test_ok__done_ticket_says_where_and_when(store: Store, open_config: Config) -> None:
    config = open_config
    issued = ticketing.issue(store, config, "thue", now=at(8), printed=True)
    ticketing.call_next(store, config, 8, now=at(8, 10))
    ticketing.done(store, config, 8, now=at(8, 25))
    view = look_up(store, config, token_for(store, issued.ticket), NOW, act=True)
    assert view.title == "ĐÃ PHỤC VỤ XONG"
    assert view.detail["status"] == "done"
    assert view.action == "Số G001 đã được phục vụ tại quầy số 8 lúc 08:25."


def miss(store: Store, config: Config, at_time: float) -> ticketing.Ticket:
    """A dat-dai ticket called at counter 1 and skipped at ``at_time`` (another waits behind)."""
    issued = ticketing.issue(store, config, "dat-dai", now=at_time - 120, printed=True)
    ticketing.issue(store, config, "dat-dai", now=at_time - 110, printed=True)
    ticketing.call_next(store, config, 1, now=at_time - 60)
    skipped = ticketing.skip(store, config, 1, now=at_time)
    assert skipped.status == "missed"
    assert skipped.id == issued.ticket.id
    return skipped


def test_ok__missed_ticket_re_enters_when_scanned(
    store: Store, open_config: Config, faces: ScreenFonts
) -> None:
    config = open_config
    missed = miss(store, config, at(8, 40))
    token = token_for(store, missed)
    before = ticket_row(store, missed.id)
    events = store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    # A preview (kiosk scan, snapshot --code): says what a scan would do, changes nothing.
    preview = look_up(store, config, token, NOW, act=False)
    assert preview.title == "ĐÃ QUA LƯỢT"
    assert preview.tone == "warn"
    assert "vào lại hàng chờ" in preview.action
    assert ticket_row(store, missed.id) == before
    assert store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events

    # At the scanner: back in the queue, at the front.
    view = look_up(store, config, token, NOW, act=True)
    assert view.title == "ĐÃ VÀO LẠI HÀNG CHỜ"
    assert view.tone == "ok"
    assert view.detail["status"] == "waiting"
    assert view.detail["ahead"] == 0
    assert view.action.startswith("Số A001 đã được đưa trở lại hàng chờ.")
    status, _, reentries, counter, finished_at = ticket_row(store, missed.id)
    assert (status, reentries, counter, finished_at) == ("waiting", 1, None, None)
    [event] = store.conn.execute(
        "SELECT data FROM events WHERE type = 'ticket.reentered'"
    ).fetchall()
    assert json.loads(event[0])["number"] == "A001"
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "ĐÃ VÀO LẠI HÀNG CHỜ" in shown
    # It is called next, before the ticket that was waiting behind it.
    called = ticketing.call_next(store, config, 1, now=NOW + 60)
    assert called.ticket is not None
    assert called.ticket.number == "A001"


def test_fail__missed_ticket_too_late_must_take_a_new_number(
    store: Store, open_config: Config
) -> None:
    config = open_config
    missed = miss(store, config, at(8, 29))  # 31 minutes before now; tolerance 30
    before = ticket_row(store, missed.id)
    for act in (True, False):
        view = look_up(store, config, token_for(store, missed), NOW, act=act)
        assert view.title == "ĐÃ QUA LƯỢT"
        assert view.tone == "bad"
        assert view.action == "Số thứ tự đã quá thời gian chờ, mời lấy số mới."
        assert ticket_row(store, missed.id) == before
    # Still within the tolerance a minute earlier.
    assert look_up(store, config, token_for(store, missed), at(8, 59), act=False).tone == "warn"


def test_fail__a_number_re_enters_only_once(store: Store, open_config: Config) -> None:
    config = open_config
    missed = miss(store, config, at(8, 40))
    token = token_for(store, missed)
    assert look_up(store, config, token, at(8, 45), act=True).title == "ĐÃ VÀO LẠI HÀNG CHỜ"
    called = ticketing.call_next(store, config, 1, now=at(8, 46))
    assert called.ticket is not None
    assert called.ticket.number == missed.number
    ticketing.skip(store, config, 1, now=at(8, 47))
    before = ticket_row(store, missed.id)
    assert before[0] == "missed"
    view = look_up(store, config, token, at(8, 50), act=True)
    assert view.title == "ĐÃ QUA LƯỢT"
    assert view.tone == "bad"
    assert view.action == "Số thứ tự đã hết lượt vào lại, mời lấy số mới."
    assert ticket_row(store, missed.id) == before


def test_fail__another_days_ticket_has_expired(
    store: Store, open_config: Config, faces: ScreenFonts
) -> None:
    config = open_config
    sunday = MONDAY - dt.timedelta(days=1)
    issued = ticketing.issue(store, config, "dat-dai", now=at(16, day=sunday), printed=True)
    assert issued.ticket.day == sunday.isoformat()
    ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)  # today's A001
    token = token_for(store, issued.ticket)
    before = ticket_row(store, issued.ticket.id)
    view = look_up(store, config, token, NOW, act=True)
    assert view.title == "PHIẾU ĐÃ HẾT HẠN"
    assert view.tone == "bad"
    assert view.detail["status"] == "old"
    assert "22/11/2026" in view.action
    assert "Mời lấy số mới" in view.action
    assert ticket_row(store, issued.ticket.id) == before
    _, frame = render(faces, config, view)
    assert "PHIẾU ĐÃ HẾT HẠN" in assert_fits(frame, LANDSCAPE)


def test_fail__forged_ticket_is_not_ours(
    store: Store, open_config: Config, faces: ScreenFonts
) -> None:
    config = open_config
    issued = ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
    forged = tokens.sign(b"another centre's key, not ours!!", issued.ticket.day, "A001")
    assert forged != token_for(store, issued.ticket)
    view = look_up(store, config, forged, NOW, act=True)
    assert view.kind == TICKET
    assert view.title == "PHIẾU KHÔNG HỢP LỆ"
    assert view.tone == "bad"
    assert "không do trung tâm cấp" in view.action
    assert view.detail["status"] == "foreign"
    assert view.code == ""
    _, frame = render(faces, config, view)
    shown = assert_fits(frame, LANDSCAPE)
    assert "PHIẾU KHÔNG HỢP LỆ" in shown
    assert view.action in shown
    # An altered number under a genuine signature is refused the same way.
    genuine = token_for(store, issued.ticket)
    altered = genuine.replace(":A001:", ":A002:")
    assert look_up(store, config, altered, NOW, act=True).title == "PHIẾU KHÔNG HỢP LỆ"
    # A mangled code is unreadable rather than foreign.
    mangled = look_up(store, config, "HCC1:261123:A001:short", NOW, act=True)
    assert mangled.title == "PHIẾU KHÔNG HỢP LỆ"
    assert mangled.detail["status"] == "unreadable"
    assert "không do trung tâm cấp" not in mangled.action


def test_fail__unknown_number_today(store: Store, open_config: Config) -> None:
    token = tokens.sign(tokens.site_key(store, NOW), MONDAY.isoformat(), "A042")
    view = look_up(store, open_config, token, NOW, act=True)
    assert view.title == "KHÔNG TÌM THẤY SỐ"
    assert "A042" in view.action


# --- the instructions screen ---------------------------------------------------------------


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT, (1280, 720)])
def test_ok__idle_screen_shows_the_instructions(faces: ScreenFonts, size: tuple[int, int]) -> None:
    help_text = "Cần hỗ trợ, mời ông/bà liên hệ quầy hướng dẫn số 1 hoặc gọi 0221 3 555 888."
    config = make_config(lookup={"help": help_text})
    view = idle_view(config)
    assert view.kind == IDLE
    _, frame = render(faces, config, view, size, back_in=0)
    shown = assert_fits(frame, size)
    assert IDLE_TITLE in shown
    for line in IDLE_LINES:
        assert line in shown
        assert words_in_order(line, frame.text)
    assert help_text in shown
    assert SITE_NAME in shown
    assert not any(text.startswith("Trở về màn hình chính") for text in shown)
    assert "QUÁ TRÌNH XỬ LÝ" not in shown


def test_ok__idle_screen_with_the_example_help(faces: ScreenFonts, config: Config) -> None:
    assert config.lookup.help == "Cần hỗ trợ, mời ông/bà liên hệ quầy hướng dẫn."
    _, frame = render(faces, config, idle_view(config), back_in=0)
    assert config.lookup.help in assert_fits(frame, LANDSCAPE)
    bare = make_config(lookup={"help": ""})
    _, plain = render(faces, bare, idle_view(bare), back_in=0)
    assert config.lookup.help not in drawn(plain)
    assert IDLE_TITLE in drawn(plain)


# --- scans, for the screens ----------------------------------------------------------------


def test_ok__latest_scan_is_the_newest_of_the_screens_scanners(
    store: Store, config: Config, faces: ScreenFonts
) -> None:
    put(store, dossier_record(9))
    assert latest_scan(store) is None
    found = look_up(store, config, CODE, NOW, act=True)
    missing = look_up(store, config, MISSING, NOW, act=True)
    bad = look_up(store, config, "xin chao", NOW, act=True)
    first = record_scan(store, "sanh-1", found, NOW)
    second = record_scan(store, "sanh-2", missing, NOW + 5)
    third = record_scan(store, "sanh-1", bad, NOW + 10)
    assert first < second < third
    newest = latest_scan(store)
    assert newest is not None
    assert (newest.id, newest.scanner, newest.at, newest.view) == (third, "sanh-1", NOW + 10, bad)
    only_2 = latest_scan(store, ("sanh-2",))
    assert only_2 is not None
    assert (only_2.id, only_2.view) == (second, missing)
    both = latest_scan(store, ("sanh-1", "sanh-2"))
    assert both is not None
    assert both.id == third
    assert latest_scan(store, ("sanh-9",)) is None

    # The screen shows its scanners' newest scan while it is fresh, then the instructions.
    screen = make_config(lookup={"scanners": ["sanh-2"], "show_seconds": 30})
    view, back_in = current_view(screen, store, NOW + 6)
    assert view == missing
    assert back_in == 29
    view, back_in = current_view(screen, store, NOW + 35)
    assert view.kind == IDLE
    assert back_in == 0
    every = make_config(lookup={"show_seconds": 30})
    assert current_view(every, store, NOW + 11) == (bad, 29)
    assert current_view(every, store, NOW + 40)[0].kind == IDLE


def test_ok__scan_events_carry_no_personal_data(store: Store, config: Config) -> None:
    put(store, dossier_record(9))
    view = look_up(store, config, CODE, NOW, act=True)
    assert MASKED in view.text()
    before = store.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
    record_scan(store, "sanh-1", view, NOW)
    rows = store.conn.execute(
        "SELECT type, data FROM events WHERE seq > ? ORDER BY seq", (before,)
    ).fetchall()
    assert [row[0] for row in rows] == ["scan"]
    data = json.loads(rows[0][1])
    assert data == {"scanner": "sanh-1", "kind": "dossier", "result": 9, "code": CODE}
    for text in ("Nguyễn", "V***", "An", "Trần", "Lê V", "Phạm", "quầy số"):
        assert text not in rows[0][1]
    # A bad code is not kept in the event either.
    record_scan(store, "sanh-1", look_up(store, config, "xin chao", NOW, act=True), NOW + 1)
    last = store.conn.execute("SELECT type, data FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    assert last[0] == "scan"
    assert json.loads(last[1]) == {"scanner": "sanh-1", "kind": "invalid", "result": None}


def test_ok__old_scans_are_pruned(store: Store, config: Config) -> None:
    assert KEEP_SCANS == 1000
    view = idle_view(config)
    data = json.dumps(view.to_json(), ensure_ascii=False)
    with store.change(NOW) as tx:
        tx.conn.executemany(
            "INSERT INTO scans (scanner, kind, code, view, at) VALUES (?, ?, '', ?, ?)",
            [("sanh-1", "idle", data, NOW + i) for i in range(KEEP_SCANS + 3)],
        )
    newest = 0
    for i in range(3):
        newest = record_scan(store, "sanh-2", view, NOW + 2000 + i)
    count, lowest, highest = store.conn.execute(
        "SELECT COUNT(*), MIN(id), MAX(id) FROM scans"
    ).fetchone()
    assert count == KEEP_SCANS
    assert highest == newest == KEEP_SCANS + 6
    assert lowest == 7
    scan = latest_scan(store)
    assert scan is not None
    assert scan.id == newest
    # A new scan never gets the id of a deleted one.
    assert record_scan(store, "sanh-1", view, NOW + 3000) == newest + 1


# --- views as JSON -------------------------------------------------------------------------


def every_kind(store: Store, config: Config) -> list[View]:
    put(store, dossier_record(6))
    views = [
        idle_view(config),
        look_up(store, config, CODE, NOW, act=False),
        look_up(store, config, MISSING, at(12), act=False),  # with a stale note
        look_up(store, config, "1.011442.000.00.00.H38", NOW, act=False),
        look_up(store, config, "\x1b[2J", NOW, act=False),
    ]
    waiting = ticketing.issue(store, config, "thue", now=at(8), printed=True)
    views.append(look_up(store, config, token_for(store, waiting.ticket), NOW, act=False))
    missed = miss(store, config, at(8, 50))
    views.append(look_up(store, config, token_for(store, missed), NOW, act=True))
    views.append(look_up(store, config, tokens.sign(b"x" * 32, "2026-11-23", "A001"), NOW,
                         act=False))  # fmt: skip
    return views


def test_ok__views_survive_json(store: Store, open_config: Config) -> None:
    views = every_kind(store, open_config)
    kinds = {view.kind for view in views}
    assert kinds == {IDLE, DOSSIER, NOT_FOUND, INVALID, TICKET}
    assert views[2].note.startswith("Dữ liệu cập nhật lúc")
    assert views[1].steps
    assert views[1].rows
    assert views[6].title == "ĐÃ VÀO LẠI HÀNG CHỜ"
    for view in views:
        data = view.to_json()
        assert View.from_json(data) == view
        wire = json.loads(json.dumps(data, ensure_ascii=False))
        again = View.from_json(wire)
        assert again == view
        assert again.text() == view.text()
        assert all(isinstance(row, Row) for row in again.rows)
        assert all(isinstance(step, TimelineStep) for step in again.steps)


# --- saved snapshots -----------------------------------------------------------------------


def test_ok__save_lookup_for_a_code_changes_nothing(
    store: Store, open_config: Config, faces: ScreenFonts, tmp_path: Path
) -> None:
    config = open_config
    missed = miss(store, config, at(8, 45))
    before = ticket_row(store, missed.id)
    out = tmp_path / "ticket.png"
    frame = save_lookup(config, store, out, now=NOW, faces=faces, code=token_for(store, missed))
    assert frame.view.title == "ĐÃ QUA LƯỢT"
    assert ticket_row(store, missed.id) == before
    assert pygame.image.load(str(out)).get_size() == LANDSCAPE
    assert "ĐÃ QUA LƯỢT" in assert_fits(frame, LANDSCAPE)

    put(store, dossier_record(5))
    portrait = tmp_path / "dossier.png"
    frame = save_lookup(config, store, portrait, now=NOW, faces=faces, code=CODE, size=PORTRAIT)
    assert pygame.image.load(str(portrait)).get_size() == PORTRAIT
    shown = assert_fits(frame, PORTRAIT)
    assert TITLES[5] in shown
    assert ACTIONS[5] in shown
    # Without a code: what the screen shows now (no scan yet: the instructions).
    idle = save_lookup(config, store, tmp_path / "idle.png", now=NOW, faces=faces)
    assert idle.view.kind == IDLE
    assert IDLE_TITLE in drawn(idle)


def ink_in(surface: pygame.Surface, rect: Rect, background: tuple[int, int, int]) -> pygame.Rect:
    """Where ``rect`` of the picture is not its ``background`` colour."""
    mask = pygame.mask.from_threshold(surface.subsurface(rect), background, (1, 1, 1, 255))
    mask.invert()
    found = mask.get_bounding_rects()
    assert found, rect
    return found[0].unionall(found[1:]).move(rect[0], rect[1])


def margins(outer: Rect, inner: pygame.Rect) -> tuple[int, int, int, int]:
    """Room left, above, right and below ``inner`` in ``outer``."""
    x, y, w, h = outer
    return inner.x - x, inner.y - y, x + w - inner.right, y + h - inner.bottom


@pytest.mark.parametrize("size", [LANDSCAPE, (1280, 720), (1024, 600), PORTRAIT])
def test_ok__the_badge_and_the_countdown_have_room_round_them(
    store: Store, config: Config, faces: ScreenFonts, size: tuple[int, int]
) -> None:
    put(store, dossier_record(4, due_at=local_iso(MONDAY - dt.timedelta(days=3), 17)))
    view = look_up(store, config, CODE, NOW, act=False)
    assert view.badge == "QUÁ HẠN"
    surface, frame = render(faces, config, view, size, back_in=30)
    assert_fits(frame, size)
    [badge] = [p.rect for p in frame.layout.panels if p.style == "badge"]
    left, top, right, bottom = margins(badge, ink_in(surface, badge, (255, 255, 255)))
    assert min(top, bottom) >= 0.12 * badge[3], (top, bottom, badge)
    assert min(left, right) >= 0.08 * badge[3], (left, right, badge)
    [footer] = [p.rect for p in frame.layout.panels if p.style == "footer"]
    [countdown] = [p for p in frame.placed if p.text == "Trở về màn hình chính sau 30 giây"]
    ink = ink_in(surface, countdown.rect, (5, 16, 32))
    left, top, right, bottom = margins(footer, ink)
    assert min(top, bottom) >= 0.12 * footer[3], (top, bottom, footer)
    assert right >= 0.01 * size[0], (right, footer)


@pytest.mark.parametrize("size", [LANDSCAPE, (1024, 600), PORTRAIT])
def test_ok__a_value_is_never_smaller_than_its_label(
    store: Store, config: Config, faces: ScreenFonts, size: tuple[int, int]
) -> None:
    pickup = ("Bộ phận tiếp nhận và trả kết quả - Quầy số 3, tầng 1, Trung tâm Phục vụ hành "
              "chính công tỉnh Hưng Yên, số 1 đường Nguyễn Văn Linh")  # fmt: skip
    put(store, dossier_record(9, pickup=pickup, pickup_counter=None))
    dossier = look_up(store, config, CODE, NOW, act=False)
    assert pickup in [row.value for row in dossier.rows]
    idle = View(kind=IDLE, tone="info", title="TRA CỨU TÌNH TRẠNG HỒ SƠ", heading="Mời quét mã",
                rows=(Row("Phiếu hẹn", "đưa mã vạch hoặc mã QR của phiếu hẹn trả kết quả vào "
                          "dưới máy quét, chờ một giây để màn hình hiện tình trạng hồ sơ"),
                      Row("Số", "quét mã QR")))  # fmt: skip
    for view, label, value in ((dossier, "row-label", "row-value"),
                               (idle, "idle-label", "idle-value")):  # fmt: skip
        _, frame = render(faces, config, view, size)
        assert_fits(frame, size)
        sizes: dict[str, set[int]] = {}
        for box in frame.layout.texts:
            for placed in lines_of(frame, box):
                sizes.setdefault(box.group, set()).add(placed.size)
        assert sizes[label] and sizes[value]
        assert min(sizes[value]) >= max(sizes[label]), (view.kind, sizes[label], sizes[value])


@pytest.mark.parametrize("kind", ["ticket", "not_found", "invalid"])
def test_ok__portrait_screen_has_no_timeline_for_what_has_none(
    store: Store, open_config: Config, faces: ScreenFonts, kind: str
) -> None:
    """Like the landscape screen, a portrait one shows the processing timeline only for a
    dossier: a queue ticket or a bad code has no "QUÁ TRÌNH XỬ LÝ" to show."""
    config = open_config
    if kind == "ticket":
        issued = ticketing.issue(store, config, "dat-dai", now=at(8), printed=True)
        raw = token_for(store, issued.ticket)
    else:
        raw = MISSING if kind == "not_found" else "1.011442.000.00.00.H38"
    view = look_up(store, config, raw, NOW, act=False)
    assert view.kind == kind
    assert not view.steps
    _, landscape = render(faces, config, view, LANDSCAPE)
    assert "QUÁ TRÌNH XỬ LÝ" not in drawn(landscape)
    _, portrait = render(faces, config, view, PORTRAIT)
    shown = assert_fits(portrait, PORTRAIT)
    assert view.title in shown
    assert "QUÁ TRÌNH XỬ LÝ" not in shown
    assert "Chưa có bước xử lý nào" not in shown


# --- kiosk scan and kiosk display snapshot -------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    (folder / "config.toml").write_text(text, encoding="utf-8")
    Store(folder / "kiosk.db").close()  # as the daemons leave it: scan and snapshots only read
    return folder


def cli_ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def imported_site(site: Path) -> tuple[str, dict[str, Any]]:
    """A site whose cache holds a status-9 dossier and an overdue status-4 one, due relative
    to the real clock (the CLI runs on it)."""
    zone = zoneinfo.ZoneInfo(TZ_NAME)
    today = dt.datetime.now(zone).date()
    ready = dossier_record(9, received_at=local_iso(today - dt.timedelta(days=10), 8),
                           due_at=local_iso(today + dt.timedelta(days=3), 17))  # fmt: skip
    ready["steps"] = [dict(STEPS[0], at=local_iso(today - dt.timedelta(days=10), 8, 15))]
    late_code = "000.00.04.G14-261116-0013"
    late = dossier_record(4, code=late_code, due_at=local_iso(today - dt.timedelta(days=3), 17),
                          received_at=local_iso(today - dt.timedelta(days=20), 8))  # fmt: skip
    late["steps"] = [dict(STEPS[0], at=local_iso(today - dt.timedelta(days=20), 8, 15))]
    feed = site / "dossiers.jsonl"
    feed.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (ready, late)), encoding="utf-8"
    )
    out = cli_ok(kiosk_in(site, "--json", "dossiers", "import", str(feed)))
    report = json.loads(out)
    assert report["written"] == 2
    assert report["rejected"] == 0
    assert report["cached"] == 2
    return late_code, ready


def test_ok__cli_scan_prints_status_and_action(site: Path) -> None:
    late_code, _ = imported_site(site)
    out = cli_ok(kiosk_in(site, "scan", CODE))
    assert "ĐÃ XỬ LÝ XONG" in out
    assert "ĐÚNG HẠN" in out
    assert "=> Hồ sơ đã có kết quả, mời ông/bà đến quầy số 3 để nhận kết quả" in out
    assert MASKED in out
    assert APPLICANT not in out
    assert "còn" not in out  # finished: no countdown
    late = cli_ok(kiosk_in(site, "scan", late_code.lower()))
    assert "ĐANG XỬ LÝ  [QUÁ HẠN]" in late
    assert "(trễ 3 ngày)" in late
    assert "phiếu xin lỗi" in late
    missing = cli_ok(kiosk_in(site, "scan", MISSING))
    assert "KHÔNG TÌM THẤY HỒ SƠ" in missing
    bad = cli_ok(kiosk_in(site, "scan", "1.011442.000.00.00.H38"))
    assert "MÃ KHÔNG HỢP LỆ" in bad
    assert "mã thủ tục" in bad
    assert "011442" not in bad


@pytest.mark.parametrize("raw", ["asdf;DROP TABLE x", "Xin chao!"])
def test_fail__cli_scan_and_snapshot_of_garbage_say_only_that_the_code_is_invalid(
    site: Path, raw: str
) -> None:
    said = cli_ok(kiosk_in(site, "scan", raw))
    assert said.splitlines() == ["MÃ KHÔNG HỢP LỆ", f"=> {INVALID_ACTION}"]
    data = json.loads(cli_ok(kiosk_in(site, "scan", raw, "--json")))
    assert (data["kind"], data["title"], data["code"]) == ("invalid", "MÃ KHÔNG HỢP LỆ", "")
    out = site / "invalid.png"
    result = kiosk_in(site, "display", "snapshot", "--role", "lookup", "--code", raw,
                      "--out", str(out), "--json")  # fmt: skip
    report = json.loads(cli_ok(result))
    assert "MÃ KHÔNG HỢP LỆ" in report["text"]
    assert words_in_order(INVALID_ACTION, report["text"])
    for printed in (said, json.dumps(data, ensure_ascii=False), json.dumps(report)):
        for word in ("asdf", "DROP", "TABLE", "chao"):
            assert word not in printed, (word, printed)


def test_ok__cli_scan_json(site: Path) -> None:
    imported_site(site)
    out = cli_ok(kiosk_in(site, "scan", CODE, "--json"))
    data = json.loads(out)
    assert data["kind"] == "dossier"
    assert data["title"] == "ĐÃ XỬ LÝ XONG"
    assert data["code"] == CODE
    assert data["action"] == ACTIONS[9]
    assert data["detail"]["status"] == 9
    assert View.from_json(data).title == "ĐÃ XỬ LÝ XONG"
    assert APPLICANT not in out
    missing = json.loads(cli_ok(kiosk_in(site, "scan", MISSING, "--json")))
    assert (missing["kind"], missing["title"]) == ("not_found", "KHÔNG TÌM THẤY HỒ SƠ")
    assert missing["note"] == ""  # just imported


def test_ok__cli_snapshot_of_a_code(site: Path) -> None:
    imported_site(site)
    out = site / "lookup.png"
    result = kiosk_in(site, "display", "snapshot", "--role", "lookup", "--code", CODE,
                      "--out", str(out), "--json")  # fmt: skip
    report = json.loads(cli_ok(result))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pygame.image.load(str(out)).get_size() == (1920, 1080)
    assert report["size"] == [1920, 1080]
    assert report["out"] == str(out)
    assert report["view"]["kind"] == "dossier"
    assert report["view"]["title"] == "ĐÃ XỬ LÝ XONG"
    text = report["text"]
    assert "ĐÃ XỬ LÝ XONG" in text
    assert CODE in text
    assert MASKED in text
    assert "QUÁ TRÌNH XỬ LÝ" in text
    assert words_in_order(ACTIONS[9], text)
    assert words_in_order(PROCEDURE, text)
    assert APPLICANT not in " ".join(text)
    # Without --json: one line naming the file.
    plain = site / "plain.png"
    said = cli_ok(kiosk_in(site, "display", "snapshot", "--role", "lookup", "--code", CODE,
                           "--out", str(plain)))  # fmt: skip
    assert str(plain) in said
    assert "look-up screen (1920x1080)" in said
    assert pygame.image.load(str(plain)).get_size() == (1920, 1080)


def test_ok__cli_snapshot_without_a_code_shows_the_instructions(site: Path) -> None:
    out = site / "idle.png"
    result = kiosk_in(site, "display", "snapshot", "--role", "lookup", "--out", str(out),
                      "--json")  # fmt: skip
    report = json.loads(cli_ok(result))
    assert pygame.image.load(str(out)).get_size() == (1920, 1080)
    assert report["view"]["kind"] == "idle"
    assert IDLE_TITLE in report["text"]
    assert "PHIẾU HẸN TRẢ KẾT QUẢ" in report["text"]
    assert words_in_order("Cần hỗ trợ, mời ông/bà liên hệ quầy hướng dẫn.", report["text"])
    portrait = site / "portrait.png"
    cli_ok(kiosk_in(site, "display", "snapshot", "--role", "lookup", "--out", str(portrait),
                    "--size", "1080x1920"))  # fmt: skip
    assert pygame.image.load(str(portrait)).get_size() == (1080, 1920)


def test_fail__cli_code_is_only_for_the_lookup_screen(site: Path) -> None:
    out = site / "wall.png"
    result = kiosk_in(site, "display", "snapshot", "--role", "wall", "--code", CODE,
                      "--out", str(out))  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--code" in lines[0]
    assert not out.exists()


def open_every_day(site: Path) -> None:
    """The example config, open round the clock every day, whatever today is."""
    config_file = site / "config.toml"
    text = config_file.read_text(encoding="utf-8")
    for old, new in (('open = "07:30"\nclose = "17:00"', 'open = "00:00"\nclose = "24:00"'),
                     ('lunch_start = "11:30"', 'lunch_start = ""'),
                     ('lunch_end = "13:00"', 'lunch_end = ""'),
                     ('days = ["mon", "tue", "wed", "thu", "fri"]',
                      'days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'),
                     ("last_ticket_minutes = 15", "last_ticket_minutes = 0"),
                     ('closed_dates = ["2026-01-01", "2026-09-02"]', "closed_dates = []"),
                     ('date = "2026-12-26"\nopen = "07:30"\nclose = "11:30"',
                      'date = "2026-12-26"\nopen = "00:00"\nclose = "24:00"')):  # fmt: skip
        assert old in text
        text = text.replace(old, new, 1)
    config_file.write_text(text, encoding="utf-8")


def site_key_row(db: Path) -> list[tuple[str]]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT value FROM kv WHERE key = 'ticket_key'").fetchall()
    finally:
        conn.close()


def test_ok__cli_scan_of_a_ticket_changes_nothing(site: Path) -> None:
    open_every_day(site)
    for _ in range(3):
        cli_ok(kiosk_in(site, "issue", "thue"))
    with Store(site / "kiosk.db") as opened:
        key = tokens.site_key(opened, time.time())
        day = opened.conn.execute("SELECT day FROM tickets WHERE number = 'G003'").fetchone()[0]
    token = tokens.sign(key, day, "G003")
    data = json.loads(cli_ok(kiosk_in(site, "scan", token, "--json")))
    assert data["kind"] == "ticket"
    assert data["title"] == "ĐANG CHỜ"
    assert data["detail"]["ahead"] == 2
    assert data["code"] == "G003"


def test_ok__cli_scan_and_snapshot_read_the_token_of_a_ticket_the_cli_printed(site: Path) -> None:
    """``kiosk ticket`` makes the site's key as it signs; ``kiosk scan`` and the look-up
    snapshot, which open the database only to read, verify with it and find the ticket."""
    open_every_day(site)
    cli_ok(kiosk_in(site, "issue", "thue"))
    assert site_key_row(site / "kiosk.db") == []  # a ticket without a QR needs no key
    printed = json.loads(cli_ok(kiosk_in(site, "ticket", "thue", "--out",
                                         str(site / "ticket.bin"), "--json")))  # fmt: skip
    token, number = printed["token"], printed["number"]
    assert token.startswith("HCC1:") and number == "G002"
    key = site_key_row(site / "kiosk.db")
    assert len(key) == 1
    data = json.loads(cli_ok(kiosk_in(site, "scan", token, "--json")))
    assert (data["kind"], data["title"], data["code"]) == ("ticket", "ĐANG CHỜ", "G002")
    assert data["detail"]["ahead"] == 1
    said = cli_ok(kiosk_in(site, "scan", token))
    assert said.splitlines()[0] == "ĐANG CHỜ"
    result = kiosk_in(site, "display", "snapshot", "--role", "lookup", "--code", token,
                      "--out", str(site / "ticket.png"), "--json")  # fmt: skip
    report = json.loads(cli_ok(result))
    assert (report["view"]["title"], report["view"]["code"]) == ("ĐANG CHỜ", "G002")
    assert site_key_row(site / "kiosk.db") == key


def test_fail__cli_scan_of_a_token_where_no_ticket_was_ever_signed_is_not_this_centres(
    site: Path,
) -> None:
    """A site with tickets but no key (``kiosk issue`` prints no QR) signed no token: one
    is another centre's, said as for any foreign token, and no key is made by reading."""
    open_every_day(site)
    cli_ok(kiosk_in(site, "issue", "thue"))
    db = site / "kiosk.db"
    day = sqlite3.connect(db).execute("SELECT day FROM tickets").fetchone()[0]
    token = tokens.sign(b"another centre's key, not ours!!", day, "G001")
    before = db.read_bytes()
    data = json.loads(cli_ok(kiosk_in(site, "scan", token, "--json")))
    assert (data["kind"], data["title"], data["code"]) == ("ticket", "PHIẾU KHÔNG HỢP LỆ", "")
    assert data["detail"]["status"] == "foreign"
    assert "không do trung tâm cấp" in data["action"]
    result = kiosk_in(site, "display", "snapshot", "--role", "lookup", "--code", token,
                      "--out", str(site / "foreign.png"), "--json")  # fmt: skip
    report = json.loads(cli_ok(result))
    assert report["view"]["title"] == "PHIẾU KHÔNG HỢP LỆ"
    assert "PHIẾU KHÔNG HỢP LỆ" in report["text"]
    mangled = json.loads(cli_ok(kiosk_in(site, "scan", "HCC1:261123:G001:short", "--json")))
    assert mangled["detail"]["status"] == "unreadable"
    assert site_key_row(db) == []
    assert db.read_bytes() == before


@pytest.mark.parametrize("status", [5, 6])
def test_ok__overdue_while_waiting_on_the_citizen_says_what_to_do(
    store: Store, config: Config, status: int
) -> None:
    put(store, dossier_record(status, due_at=local_iso(MONDAY - dt.timedelta(days=2), 17)))
    view = look_up(store, config, CODE, NOW, act=False)
    assert view.badge == "QUÁ HẠN" and view.detail["overdue"] is True
    assert "phiếu xin lỗi" not in view.action  # the delay is not the agency's
    wanted = "bổ sung" if status == 5 else "nghĩa vụ tài chính"
    assert wanted in view.action and "quầy số 3" in view.action


def test_ok__a_due_date_without_a_time_is_due_by_the_end_of_the_working_day(
    store: Store, config: Config
) -> None:
    put(store, dossier_record(4, due_at=MONDAY.isoformat()))
    view = look_up(store, config, CODE, NOW, act=False)  # Monday 09:00
    assert view.badge == "TRONG HẠN" and view.detail["overdue"] is False
    assert {r.label: r.value for r in view.rows}["Hẹn trả"] == "17:00 23/11/2026 (hôm nay)"


def test_ok__a_pickup_place_keeps_its_capitals(store: Store, config: Config) -> None:
    put(store, dossier_record(9, pickup_counter=None, pickup="UBND xã Tân Phú, tầng 1"))
    view = look_up(store, config, CODE, NOW, act=False)
    assert "đến UBND xã Tân Phú, tầng 1 để nhận kết quả" in view.action
