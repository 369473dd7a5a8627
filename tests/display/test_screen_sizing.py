"""Choosing a text box's size from a guess: the size chosen is the one a plain halving of
every size would choose (the largest that fits), whatever the guess, in few measures."""

from __future__ import annotations

import random

import pytest

from display import ScreenFonts, fonts_for
from display._chars import DRAWN, NUMBER, line_chars
from display._sizing import REFERENCE, Advances, guess, largest
from display._text import Fitted, _wrap, fit
from tests.conftest import make_config

TEXTS = (
    "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền "
    "với đất lần đầu",
    "Hồ sơ đang được xử lý. Mời ông/bà quay lại theo ngày hẹn trả kết quả.",
    "Chi nhánh Văn phòng đăng ký đất đai: Thẩm định hồ sơ, kiểm tra thực địa (Lê Văn Cường)",
    "ĐẤT ĐAI - ỦY BAN NHÂN DÂN",
    "Lao động - Thương binh và Xã hội",
    "17:00 18/12/2026 (còn 25 ngày)",
    "Nguyễn V*** A",
    "B005",
)


@pytest.fixture(scope="module")
def faces() -> ScreenFonts:
    return fonts_for(make_config())


def halving(faces: ScreenFonts, text: str, box: tuple[int, int], lines: int, cap: int,
            bold: bool, floor: int) -> Fitted | None:  # fmt: skip
    """The largest size that fits as found by halving every size from the floor to the cap."""
    chars = line_chars(DRAWN, text)
    width, height = box
    low, high = floor, max(floor, min(cap, height))
    best = None
    while low <= high:
        size = (low + high) // 2
        font = faces.get(size, bold, chars)
        wrapped = _wrap(font, text, width, lines)
        if wrapped is not None and len(wrapped) * font.get_linesize() <= height:
            best, low = Fitted(size, wrapped, chars), size + 1
        else:
            high = size - 1
    return best


def test_ok__largest_finds_the_largest_passing_size_from_any_start() -> None:
    for limit in range(5, 40):
        for start in range(0, 50, 3):
            tried: list[int] = []

            def test(size: int, limit: int = limit, tried: list[int] = tried) -> int | None:
                tried.append(size)
                return size if size <= limit else None

            assert largest(test, 10, 30, start) == (min(limit, 30) if limit >= 10 else None)
            assert len(tried) <= 12  # never many more than halving 21 sizes (5)


def test_ok__a_right_guess_costs_two_measures_and_the_cap_one() -> None:
    tried: list[int] = []

    def test(size: int) -> int | None:
        tried.append(size)
        return size if size <= 20 else None

    assert largest(test, 10, 90, 20) == 20
    assert tried == [20, 21]
    tried.clear()
    assert largest(test, 10, 18, 18) == 18
    assert tried == [18]


def test_ok__the_guess_is_close_to_the_size_that_fits(faces: ScreenFonts) -> None:
    for text in TEXTS:
        for box, lines in (((900, 200), 2), ((400, 90), 2), ((1500, 60), 1), ((300, 400), 4)):
            best = halving(faces, text, box, lines, 1000, True, 10)
            if best is None:
                continue
            chars = line_chars(DRAWN, text)
            guessed = faces.guess(text, box, lines=lines, bold=True, chars=chars,
                                  sizes=(10, box[1]))  # fmt: skip
            assert abs(guessed - best.size) <= max(2, best.size // 10), (text, box)


def test_ok__advances_scale_with_the_size(faces: ScreenFonts) -> None:
    advances = Advances(faces.get(REFERENCE).face)
    width = faces.get(REFERENCE).size("Thẩm định hồ sơ")[0]
    assert abs(advances.width("Thẩm định hồ sơ") - width) <= 3


def test_ok__guess_without_room_gives_the_lowest_size() -> None:
    assert guess([500.0], 25.0, 120.0, (10, 10), lines=1, sizes=(10, 40)) == 10


def test_ok__fit_chooses_what_halving_every_size_chooses(faces: ScreenFonts) -> None:
    rng = random.Random(4)
    for _ in range(400):
        text = rng.choice(TEXTS)
        box = (rng.randint(40, 1900), rng.randint(10, 400))
        lines, bold = rng.choice([1, 2, 3, 4]), rng.random() < 0.5
        cap, floor = rng.choice([1000, rng.randint(10, 200)]), rng.choice([10, rng.randint(10, 40)])
        fitted = fit(faces, text, box, lines=lines, cap=cap, bold=bold, floor=floor)
        best = halving(faces, text, box, lines, cap, bold, floor)
        if best is not None:
            assert fitted == best, (text, box, lines, cap, bold, floor)
        else:  # too long at the floor: filled there and cut
            assert fitted.size == max(10, floor)


def test_ok__a_number_box_guess_uses_its_own_line_box(faces: ScreenFonts) -> None:
    number = faces.fit("C001", 2000, 200, bold=True, chars=NUMBER)
    assert number == halving_number(faces)


def halving_number(faces: ScreenFonts) -> Fitted:
    low, high, best = 10, 200, None
    while low <= high:
        size = (low + high) // 2
        font = faces.get(size, True, NUMBER)
        if font.size("C001")[0] <= 2000 and font.get_linesize() <= 200:
            best, low = Fitted(size, ("C001",), NUMBER), size + 1
        else:
            high = size - 1
    assert best is not None
    return best
