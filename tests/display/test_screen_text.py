"""Text on the screens drawn whole: every Vietnamese letter at every size the wall and the
look-up screen use, and every line of their pictures at the screen sizes a centre mounts
(landscape and portrait), capitals with a hook or two marks included. Real pygame on SDL's
dummy driver; each glyph and line is compared with the same text drawn unclipped."""

from __future__ import annotations

import dataclasses
import functools
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

import pygame.freetype  # noqa: TID251  # pygame is loaded (display.pygame_lib)
import pytest

from display import LookupMoment, Placed, ScreenFonts, TextBox, fonts_for, paint_lookup, paint_wall
from display._chars import CLOCK, COUNT, DRAWN, NUMBER
from display._layout import Panel
from display._paint import BACKGROUNDS, NoticeStrip, paint
from display._text import MIN_SIZE
from display.pygame_lib import pygame
from kiosk.config import Config
from kiosk.lookup import DOSSIER, Row, TimelineStep, View, idle_view
from kiosk.ticketing import Board, Call, CounterBoard, ServiceBoard
from kiosk.vietnamese import LETTERS
from tests.conftest import at, make_config
from tests.pixels import surface_bytes

Rect = tuple[int, int, int, int]
WHITE = (255, 255, 255)
SIZES = [(1920, 1080), (1280, 720), (1024, 600), (1080, 1920)]
# Capitals whose marks reach well above the font's ascent, as a centre writes them.
SITE = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH HƯNG YÊN"
NOTICE = "HỒ SƠ BỔ SUNG GIẤY TỜ NỘP TẠI QUẦY SỐ 3"
LONG_NOTICE = (
    "THÔNG BÁO: HỒ SƠ BỔ SUNG GIẤY TỜ NỘP TẠI QUẦY SỐ 3. CỔNG DỊCH VỤ CÔNG QUỐC GIA ĐÃ "
    "HOẠT ĐỘNG, MỜI ÔNG/BÀ NỘP HỒ SƠ TRỰC TUYẾN ĐỂ ĐƯỢC ƯU TIÊN TRẢ KẾT QUẢ ĐÚNG HẸN."
)
SERVICES = (
    ("dat-dai", "ĐẤT ĐAI - ỦY BAN NHÂN DÂN"),
    ("tu-phap", "Tư pháp - Hộ tịch"),
    ("ho-so", "HỒ SƠ BỔ SUNG - TRẢ KẾT QUẢ"),
    ("lao-dong", "Lao động - Thương binh và Xã hội"),
)


@pytest.fixture(scope="module")
def faces() -> ScreenFonts:
    return fonts_for(make_config())


def wall_config(notice: str) -> Config:
    services = [
        {"id": sid, "name": name, "prefix": "ABCD"[index]}
        for index, (sid, name) in enumerate(SERVICES)
    ]
    counters = [
        {"number": number, "name": f"QUẦY {number} - TIẾP NHẬN HỒ SƠ",
         "services": [SERVICES[number % len(SERVICES)][0]]}
        for number in range(1, 9)
    ]  # fmt: skip
    return make_config(
        site={"name": SITE}, services=services, counters=counters, display={"notice": notice}
    )


def wall_board(config: Config, notice: str) -> Board:
    calls = tuple(
        Call(20 - index, f"{'ABCD'[index % 4]}{index + 1:03d}", SERVICES[index % 4][0],
             index % 8 + 1, "call", at(9, 20 - index))
        for index in range(10)
    )  # fmt: skip
    counters = tuple(
        CounterBoard(c.number, c.label, None if c.number == 4 else f"A{c.number:03d}",
                     c.number == 4, "TẠM NGHỈ - HỌP GIAO BAN" if c.number == 4 else "")
        for c in config.counters
    )  # fmt: skip
    services = tuple(ServiceBoard(s.id, s.name, 12) for s in config.services)
    return Board("2026-11-23", calls, counters, services, notice)


def dossier_view() -> View:
    steps = tuple(
        TimelineStep(f"1{day}/11 08:15", "BỘ PHẬN MỘT CỬA", "Tiếp nhận hồ sơ, YÊU CẦU BỔ SUNG",
                     "Trần T*** B", current=day == 4)
        for day in range(5)
    )  # fmt: skip
    return View(
        kind=DOSSIER,
        tone="warn",
        title="YÊU CẦU BỔ SUNG GIẤY TỜ",
        badge="QUÁ HẠN",
        code="000.00.04.G14-261116-0012",
        heading="CẤP GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT LẦN ĐẦU",
        rows=(
            Row("Mã hồ sơ", "000.00.04.G14-261116-0012"),
            Row("NGƯỜI NỘP", "NGUYỄN V*** A"),
            Row("HẸN TRẢ", "17:00 27/11/2026 (TRỄ 3 NGÀY)"),
            Row("NƠI NHẬN", "QUẦY SỐ 3 - BỘ PHẬN TRẢ KẾT QUẢ"),
        ),
        action="HỒ SƠ CẦN BỔ SUNG GIẤY TỜ. MỜI ÔNG/BÀ ĐẾN QUẦY SỐ 3 ĐỂ ĐƯỢC HƯỚNG DẪN.",
        steps=steps,
        note="Dữ liệu cập nhật lúc 08:15 22/11/2026",
    )


@dataclass
class Picture:
    name: str
    surface: pygame.Surface
    bare: pygame.Surface  # the same picture without its text: panels and their colours
    placed: list[Placed]
    boxes: tuple[TextBox, ...]
    notice: NoticeStrip | None = None


@dataclass(frozen=True)
class Bare:
    """A layout's panels alone."""

    panels: tuple[Panel, ...]
    texts: tuple[TextBox, ...] = ()


def bare_of(faces: ScreenFonts, size: tuple[int, int], panels: tuple[Panel, ...]) -> pygame.Surface:
    surface = pygame.Surface(size)
    paint(surface, Bare(panels), faces)
    return surface


def pictures(faces: ScreenFonts, size: tuple[int, int]) -> Iterator[Picture]:
    """The wall (a notice that stands still, then one that scrolls) and the look-up screen
    (the instructions, then a dossier), each with the capitals a centre writes."""
    for notice in (NOTICE, LONG_NOTICE):
        config = wall_config(notice)
        surface = pygame.Surface(size)
        frame = paint_wall(surface, faces, config, wall_board(config, notice), at(9, 20, 2))
        bare = bare_of(faces, size, frame.layout.panels)
        yield Picture(f"wall {size} {notice[:12]}", surface, bare, frame.placed,
                      frame.layout.texts, frame.notice)  # fmt: skip
    config = make_config(site={"name": SITE})
    moment = LookupMoment(clock="09:41", date="Thứ Hai, 23/11/2026", back_in=27)
    for view in (idle_view(config), dossier_view()):
        surface = pygame.Surface(size)
        shown = paint_lookup(surface, faces, config, view, moment)
        bare = bare_of(faces, size, shown.layout.panels)
        yield Picture(f"lookup {size} {view.kind}", surface, bare, shown.placed,
                      shown.layout.texts)  # fmt: skip


def ink(picture: pygame.Surface, bare: pygame.Surface, rect: Rect) -> pygame.Rect:
    """Where the picture differs from its bare panels inside ``rect``."""
    area = pygame.Rect(rect).clip(picture.get_rect())
    mask = pygame.mask.from_threshold(
        picture.subsurface(area), (0, 0, 0), (1, 1, 1, 255), bare.subsurface(area)
    )
    mask.invert()  # from_threshold marks the pixels equal to the bare picture's
    rects = mask.get_bounding_rects()
    if not rects:
        return pygame.Rect(area.x, area.y, 0, 0)
    return rects[0].unionall(rects[1:]).move(area.x, area.y)


def background(image: pygame.Surface) -> pygame.Surface:
    """A surface of ``image``'s size in the notice strip's colour."""
    plain = pygame.Surface(image.get_size())
    plain.fill(BACKGROUNDS["notice"])
    return plain


@functools.cache
def own_face(path: str) -> pygame.freetype.Font:
    """The font file opened for these checks alone, set as the screens' faces are (the
    display's shared faces are left as the display sets them)."""
    pygame.freetype.init()
    face = pygame.freetype.Font(path)
    face.pad, face.kerning, face.antialiased = True, True, True
    return face


def unclipped(faces: ScreenFonts, text: str, size: int, bold: bool) -> pygame.Rect:
    """The ink of ``text`` drawn on a canvas with room all round; its faint edge (the
    pixels a blend onto a panel may leave unchanged) left out."""
    face = own_face(faces.bold if bold else faces.regular)
    laid = face.get_rect(text, size=size)
    canvas = pygame.Surface((laid.width + 4 * size, laid.height + 4 * size), pygame.SRCALPHA)
    face.render_to(canvas, (2 * size, 2 * size), text, WHITE, size=size)
    return canvas.get_bounding_rect(min_alpha=48)


def home(boxes: tuple[TextBox, ...], placed: Placed) -> TextBox:
    found = [b for b in boxes if pygame.Rect(b.rect).contains(pygame.Rect(placed.rect))]
    assert len(found) == 1, (placed, found)
    return found[0]


def sizes_used(faces: ScreenFonts) -> set[tuple[int, bool, str]]:
    """Each size and weight on the pictures, with the characters its line box holds."""
    used: set[tuple[int, bool, str]] = set()
    for size in SIZES:
        for picture in pictures(faces, size):
            for p in picture.placed:
                box = home(picture.boxes, p)
                used.add((p.size, box.bold, box.chars))
    return used


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_ok__every_line_on_the_wall_and_look_up_pictures_is_drawn_whole(
    faces: ScreenFonts, size: tuple[int, int]
) -> None:
    """Each line's ink on the picture is as tall and as wide as the line drawn unclipped:
    nothing is cut at a line box's top ("SỐ" never reads "SÔ", "BỔ" never "BỐ")."""
    checked = tall = 0
    for picture in pictures(faces, size):
        assert picture.placed, picture.name
        for placed in picture.placed:
            box = home(picture.boxes, placed)
            whole = unclipped(faces, placed.text, placed.size, box.bold)
            drawn = ink(picture.surface, picture.bare, placed.rect)
            assert drawn.height >= whole.height, (picture.name, placed, drawn, whole)
            assert drawn.width >= whole.width, (picture.name, placed, drawn, whole)
            checked += 1
            tall += any(ch in placed.text for ch in "ỐỒỔẾỀỂẤẦẨỦỬỈẢẲ")
        strip = picture.notice
        if strip is not None and strip.image is not None:
            # The notice strip's text: whole on the picture when it stands still, whole in
            # the image that scrolls.
            whole = unclipped(faces, strip.text, strip.size, False)
            if strip.scrolls:  # the image that scrolls: whole, and inside the strip
                drawn = ink(strip.image, background(strip.image), strip.image.get_rect())
                assert pygame.Rect(strip.inner).contains(pygame.Rect(strip.band))
                assert strip.band[3] == strip.image.get_height()
            else:  # standing still: whole on the picture
                pygame.draw.rect(picture.bare, BACKGROUNDS["notice"], pygame.Rect(strip.rect))
                drawn = ink(picture.surface, picture.bare, strip.inner)
            assert drawn.height >= whole.height, (picture.name, strip.text, drawn, whole)
            checked += 1
    assert checked > 100
    assert tall > 20  # the capitals this checks are on the pictures


def glyph(surface: pygame.Surface) -> tuple[tuple[int, int], bytes]:
    box = surface.get_bounding_rect()
    return box.size, surface_bytes(surface.subsurface(box), "RGBA")


def test_ok__every_vietnamese_letter_is_drawn_whole_at_every_size_the_screens_use(
    faces: ScreenFonts,
) -> None:
    """All 134 Vietnamese letters (and ASCII), each as a line of its own, pixel for pixel as
    the glyph drawn unclipped on a large canvas, at every size and weight on the pictures."""
    assert len(LETTERS) == 134
    letters = [*LETTERS, *string.ascii_letters, *string.digits]
    drawn = sizes_used(faces)
    used = {(size, bold) for size, bold, _ in drawn} | {(10, False), (10, True)}
    assert len(used) > 20
    assert any(size >= 100 for size, _ in used)
    # The lines of a ticket number, a count or the time, in line boxes of their own
    # characters: each of those drawn whole too.
    own = {(size, bold, chars) for size, bold, chars in drawn if chars != DRAWN}
    assert {chars for _, _, chars in own} == {NUMBER, COUNT, CLOCK}
    assert any(size >= 100 for size, _, _ in own)
    cut: dict[tuple[int, bool, str], str] = {}
    for size, bold, chars in [*((s, b, DRAWN) for s, b in sorted(used)), *sorted(own)]:
        face = faces.get(size, bold, chars)
        canvas = pygame.Surface((4 * size, 4 * size), pygame.SRCALPHA)
        for letter in letters if chars == DRAWN else chars:
            line = face.render(letter, True, WHITE)
            assert line.get_height() == face.get_linesize()
            canvas.fill((0, 0, 0, 0))
            face.face.render_to(canvas, (size, size), letter, WHITE, size=size)
            if glyph(line) != glyph(canvas):
                key = (size, bold, chars[:8])
                cut[key] = cut.get(key, "") + letter
    assert not cut, cut


# --- fields of a ticket number, a count or the time ----------------------------------------


def number_fields(boxes: tuple[TextBox, ...]) -> dict[str, list[TextBox]]:
    """The boxes that hold only a ticket number, a count or the time, field by field: the
    newest call, the recent calls' numbers, the counters' numbers, the waiting counts."""
    fields: dict[str, list[TextBox]] = {}
    for box in boxes:
        if box.group in ("recent-n", "tile-number", "waiting-c"):
            field = box.group
        elif box.style in ("call-number", "call-hot-number"):
            field = "called"
        elif re.fullmatch(r"\d\d:\d\d", box.text):
            field = "clock"
        else:
            continue
        fields.setdefault(field, []).append(box)
    return fields


def own_line(faces: ScreenFonts, text: str, size: int, bold: bool) -> int:
    """How tall a line of ``text`` at ``size`` is when it holds the font's ascent and
    descent and the ink of ``text`` itself (FreeType's hinted metrics, glyph by glyph)."""
    face = faces.get(size, bold).face
    ascent = int(face.get_sized_ascender(size))
    descent = -int(face.get_sized_descender(size))
    gap = max(0, int(face.get_sized_height(size)) - ascent - descent)
    top = below = 0
    for metrics in face.get_metrics(text, size=size):
        lowest, highest = (v - (1 << 32) if v >= 1 << 31 else v for v in metrics[2:4])
        top, below = max(top, highest), max(below, -lowest)
    return max(ascent, top) + max(descent, below) + gap


def largest_own(faces: ScreenFonts, boxes: list[TextBox]) -> int:
    """The largest size at which every box's text fits its box on one line that holds its
    own ink (:func:`own_line`)."""
    for size in range(min(min(b.rect[3], b.cap) for b in boxes), MIN_SIZE - 1, -1):
        if all(
            own_line(faces, b.text, size, b.bold) <= b.rect[3]
            and faces.get(size, b.bold).face.get_rect(b.text, size=size).width <= b.rect[2]
            for b in boxes
        ):
            return size
    return MIN_SIZE


def sizes_in(picture: Picture, boxes: list[TextBox]) -> list[Placed]:
    return [p for p in picture.placed if home(picture.boxes, p) in boxes]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_ok__numbers_counts_and_the_time_are_as_large_as_their_own_ink_allows(
    faces: ScreenFonts, size: tuple[int, int]
) -> None:
    """A ticket number, a waiting count or the time never holds a Vietnamese capital: its
    line holds the font's ascent and descent and its own ink, not the room "Ổ" needs above
    the ascent, and it is drawn at the largest size its box allows ("C001" as tall as the
    newest call's box lets it be), larger than in a line made for every letter; a list's
    rows still at one size."""
    seen: set[str] = set()
    for picture in pictures(faces, size):
        for field, boxes in number_fields(picture.boxes).items():
            placed = sizes_in(picture, boxes)
            assert len(placed) == len(boxes), (picture.name, field)
            drawn = {p.size for p in placed}
            assert len(drawn) == 1, (picture.name, field, drawn)
            own = largest_own(faces, boxes)
            every = min(faces.fit(b.text, b.rect[2], b.rect[3], bold=b.bold).size for b in boxes)
            assert drawn == {own}, (picture.name, field, drawn, own, every)
            assert own >= every, (picture.name, field, own, every)
            if field == "called":  # the box is high enough for a larger number
                assert own > every, (picture.name, own, every)
            seen.add(field)
    assert seen == {"called", "recent-n", "tile-number", "waiting-c", "clock"}


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_ok__a_number_field_given_a_vietnamese_capital_draws_it_whole_on_the_rows_baseline(
    faces: ScreenFonts, size: tuple[int, int]
) -> None:
    """A number that is not made of capitals A-Z and digits (never issued, but a database
    may hold anything) is drawn in a line that holds every letter: "Ổ001" whole, its list's
    rows still at one size and on one baseline."""
    config = wall_config(NOTICE)
    board = wall_board(config, NOTICE)
    odd = {0: "Ổ001", 3: "Ử004"}  # the newest call, and a row of the recent calls
    calls = tuple(dataclasses.replace(c, number=odd.get(i, c.number))
                  for i, c in enumerate(board.calls))  # fmt: skip
    counters = tuple(dataclasses.replace(c, serving="Ấ002") if c.number == 2 else c
                     for c in board.counters)  # fmt: skip
    board = dataclasses.replace(board, calls=calls, counters=counters)
    surface = pygame.Surface(size)
    frame = paint_wall(surface, faces, config, board, at(9, 20, 2))
    picture = Picture("odd", surface, bare_of(faces, size, frame.layout.panels), frame.placed,
                      frame.layout.texts)  # fmt: skip
    fields = number_fields(picture.boxes)
    shown = {p.text for p in picture.placed}
    assert {"Ổ001", "Ử004", "Ấ002"} <= shown
    for field in ("called", "recent-n", "tile-number"):
        placed = sizes_in(picture, fields[field])
        assert len({p.size for p in placed}) == 1, (field, placed)
        # In every letter's line box, each row's line at the same height in its row.
        for p in placed:
            box = home(picture.boxes, p)
            whole = unclipped(faces, p.text, p.size, box.bold)
            drawn = ink(picture.surface, picture.bare, p.rect)
            assert drawn.height >= whole.height, (field, p, drawn, whole)
            assert drawn.width >= whole.width, (field, p, drawn, whole)
            assert p.rect[3] == faces.get(p.size, box.bold).get_linesize(), (field, p)
        assert len({p.rect[1] - home(picture.boxes, p).rect[1] for p in placed}) == 1, placed
    [called] = fields["called"]
    [line] = sizes_in(picture, [called])
    assert line.size == faces.fit(called.text, called.rect[2], called.rect[3], bold=True).size
    # The fields given numbers alone keep their own, larger, line box.
    [count] = {p.size for p in sizes_in(picture, fields["waiting-c"])}
    assert count == largest_own(faces, fields["waiting-c"])


def test_ok__fit_falls_back_to_every_letters_line_for_a_text_outside_the_fields_characters(
    faces: ScreenFonts,
) -> None:
    """Asked to fit a text in a number's line box, a text with other characters gets the
    line box of every character, drawn whole; a number gets its own, larger one."""
    number = faces.fit("C001", 2000, 200, bold=True, chars=NUMBER)
    odd = faces.fit("Ổ001", 2000, 200, bold=True, chars=NUMBER)
    assert (number.chars, odd.chars) == (NUMBER, DRAWN)
    assert odd.size == faces.fit("Ổ001", 2000, 200, bold=True).size < number.size
    assert faces.get(number.size, True, NUMBER).get_linesize() <= 200
    assert faces.get(number.size + 1, True, NUMBER).get_linesize() > 200
    face = faces.get(odd.size, True, odd.chars)
    line = face.render("Ổ001", True, WHITE)
    assert line.get_height() <= 200
    drawn, whole = line.get_bounding_rect(), unclipped(faces, "Ổ001", odd.size, True)
    assert drawn.height >= whole.height and drawn.width >= whole.width, (drawn, whole)
