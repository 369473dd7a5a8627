"""The printed list of papers to bring: drawn whole, exactly as previewed, small enough
for a slow serial printer."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from kiosk.config import load_config
from kiosk.procedures import Case, Checklist, Fee, Paper, Procedure, Way, checklist_for
from printer import Renderer, VirtualPrinter
from printer._layout import Qr, Raster
from tests.conftest import ROOT

CONFIG = load_config(ROOT / "config.toml")
PAPERS = (
    "Tờ khai đăng ký hộ kinh doanh theo mẫu",
    "Bản sao giấy tờ pháp lý của cá nhân đối với người đại diện hộ kinh doanh",
    "Bản sao biên bản họp thành viên hộ gia đình về việc thành lập hộ kinh doanh",
    "Văn bản ủy quyền của thành viên hộ gia đình cho một thành viên làm chủ hộ kinh doanh",
    "Bản sao hợp đồng thuê nhà, mượn nhà hoặc giấy tờ chứng minh quyền sử dụng địa điểm",
    "Giấy xác nhận đủ điều kiện an toàn thực phẩm (đối với ngành nghề có điều kiện)",
    "Chứng chỉ hành nghề của chủ hộ kinh doanh (nếu ngành nghề yêu cầu)",
    "Giấy tờ chứng minh vốn kinh doanh",
    "Ảnh chân dung 3x4 của chủ hộ kinh doanh",
    "Giấy ủy quyền cho người nộp hồ sơ (nếu không phải chủ hộ trực tiếp nộp)",
)
PRINTED = dt.datetime(2026, 12, 7, 9, 41)


def procedure(**changes: Any) -> Procedure:
    made = Procedure(
        code="2.000720.000.00.00.H31",
        name="Đăng ký thành lập hộ kinh doanh",
        field_code="G09-KD01",
        field_name="Thành lập và hoạt động của hộ kinh doanh",
        levels=("Cấp Xã",),
        agencies=("Ủy ban nhân dân xã, phường, đặc khu",),
        applicants=(),
        conditions="",
        ways=(Way("truc_tiep", 3, "Ngày làm việc", (Fee("Lệ phí", 100_000, "Đồng", ""),), ""),),
        cases=(
            Case(
                "",
                tuple(
                    Paper(n, 1, i % 2, "Phụ lục III-1" if i == 0 else "", "")
                    for i, n in enumerate(PAPERS)
                ),
            ),
        ),
        results=("Giấy chứng nhận đăng ký hộ kinh doanh",),
        basis=(),
        online="toan_trinh",
        portal_url="https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=2720",
        service="dang-ky-kinh-doanh",
        version=1,
    )
    return dataclasses.replace(made, **changes)


def sheet(**changes: Any) -> Checklist:
    return checklist_for(procedure(**changes), CONFIG, PRINTED)


def test_ok__the_checklist_says_what_to_bring_and_where() -> None:
    made = sheet()
    assert made.papers == 10
    items = made.cases[0][1]
    assert (items[0].counts, items[0].form) == ("1 bản chính", "Mẫu: Phụ lục III-1")
    assert items[1].counts == "1 bản chính, 1 bản sao"
    assert made.where == "Nộp tại quầy 5, 6 (Đăng ký kinh doanh)"
    assert made.time == "Thời hạn giải quyết: 3 ngày làm việc"
    assert made.fees == "Lệ phí 100.000 đồng"
    assert made.portal_url.startswith("https://dichvucong.gov.vn/")
    assert made.printed == "In lúc 09:41 ngày 07/12/2026"
    # Information only: no QR, and no line promising one.
    offline = sheet(online="")
    assert (offline.online, offline.portal_url) == ("", "")
    unknown = sheet(service="", field_code="X", field_name="Không có ở đây")
    assert unknown.where == "Hỏi quầy hướng dẫn để biết nơi nộp"


@pytest.mark.parametrize("profile", ["TM-T20II", "TM-T88V", "POS-5890"])
def test_ok__a_ten_paper_checklist_prints_exactly_as_previewed_in_20_kib(profile: str) -> None:
    renderer = Renderer(dataclasses.replace(CONFIG.printer, profile=profile))
    rendered = renderer.render_checklist(sheet())
    printer = VirtualPrinter(rendered.width)
    printer.feed(rendered.data)
    if renderer.profile.cut == "none":
        printer.finish()
    assert len(printer.pages) == 1 and printer.unknown == []
    expected = rendered.preview()
    page = printer.pages[0]
    assert page.crop((0, 0, rendered.width, expected.height)).tobytes() == expected.tobytes()
    if renderer.profile.width == 576:
        assert len(rendered.data) <= 20 * 1024
    assert rendered.pieces is not None
    drawn = " ".join(p.text for p in rendered.pieces if isinstance(p, Raster) and p.text)
    for name in PAPERS:  # every paper whole, in order, whatever the wrapping
        assert " ".join(name.split()) in " ".join(drawn.split())
    qr = [p for p in rendered.pieces if isinstance(p, Qr)]
    if renderer.profile.native_qr:
        assert [p.data for p in qr] == [procedure().portal_url]
        assert printer.qr_codes[0] == [procedure().portal_url]


def test_ok__no_qr_where_the_config_says_none_or_it_cannot_be_done_online() -> None:
    renderer = Renderer(dataclasses.replace(CONFIG.printer, qr="none"))
    pieces = renderer.render_checklist(sheet()).pieces or ()
    assert not any(isinstance(p, Qr) for p in pieces)
    pieces = Renderer(CONFIG.printer).render_checklist(sheet(online="")).pieces or ()
    assert not any(isinstance(p, Qr) for p in pieces)


def test_ok__a_paper_name_of_a_thousand_characters_is_printed_whole() -> None:
    long_name = ("Giấy tờ chứng minh quyền sử dụng đất hợp pháp " * 25)[:1000].strip()
    made = sheet(cases=(Case("", (Paper(long_name, 1, 0, "", ""),)),))
    rendered = Renderer(CONFIG.printer).render_checklist(made)
    assert rendered.pieces is not None
    drawn = " ".join(p.text for p in rendered.pieces if isinstance(p, Raster) and p.text)
    assert " ".join(long_name.split()) in " ".join(drawn.split())
    assert all(p.image.width <= rendered.width for p in rendered.pieces if isinstance(p, Raster))
