"""The wall display: layout, text fitting, Vietnamese glyphs, the notice strip, rotation
and ``kiosk display snapshot``, all drawn by real pygame on SDL's dummy driver."""

from __future__ import annotations

import json
import subprocess
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from display import (
    Frame,
    Moment,
    Placed,
    ScreenFonts,
    TextBox,
    WallLayout,
    check_screen_font,
    fonts_for,
    moment,
    paint_wall,
    picture_size,
    render_wall,
    save_wall,
    wall_layout,
)
from display._screen import Screen, ScreenUnavailable
from display._text import MIN_SIZE
from display.pygame_lib import pygame
from kiosk import ticketing
from kiosk.config import Config
from kiosk.fonts import FontError
from kiosk.store import Store
from kiosk.ticketing import Board, Call, CounterBoard, ServiceBoard
from kiosk.vietnamese import LETTERS, missing_letters
from tests.conftest import OPEN_ALL_DAY, ROOT, at, kiosk_in, make_config
from tests.pixels import surface_bytes

Rect = tuple[int, int, int, int]
Render = Callable[[str], tuple[tuple[int, int], bytes]]

MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
SITE_NAME = "Trung tâm Phục vụ hành chính công tỉnh Hưng Yên"
SENTENCE = "Mời công dân có số thứ tự A023 đến quầy số 5 - Đăng ký kinh doanh"
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
RED = (255, 0, 0)
MOMENT = Moment(date="Thứ Hai, 23/11/2026", clock="09:41", highlight=False, history=10)

LONG_SERVICES = [
    ("dat-dai", "Tài nguyên và Môi trường - Đất đai"),
    ("tu-phap", "Tư pháp - Hộ tịch - Chứng thực bản sao"),
    ("kinh-doanh", "Đăng ký kinh doanh và hỗ trợ doanh nghiệp"),
    ("lao-dong", "Lao động - Thương binh và Xã hội"),
    ("xay-dung", "Xây dựng - Quy hoạch - Cấp giấy phép xây dựng nhà ở riêng lẻ"),
    ("bao-hiem", "Bảo hiểm xã hội và Bảo hiểm y tế hộ gia đình"),
    ("thue", "Thuế - Kê khai, nộp thuế và hoàn thuế"),
    (
        "giao-thong",
        "Giao thông vận tải - Cấp đổi giấy phép lái xe và đăng ký phương tiện thủy nội địa",
    ),
]
PAUSE_REASON = "Họp giao ban cơ quan và tập huấn sử dụng phần mềm một cửa điện tử của tỉnh"
LONG_NOTICE = (
    "Công dân vui lòng giữ trật tự, xếp hàng theo số thứ tự và theo dõi màn hình gọi số. "
    "Hồ sơ nộp trực tuyến qua Cổng Dịch vụ công quốc gia được ưu tiên tiếp nhận và trả kết quả "
    "đúng hẹn. Mọi phản ánh, kiến nghị xin gửi về đường dây nóng của Trung tâm."
)


# --- helpers -------------------------------------------------------------------------------


def busy_config() -> Config:
    services = [
        {"id": sid, "name": name, "prefix": "ABCDEFGH"[index]}
        for index, (sid, name) in enumerate(LONG_SERVICES)
    ]
    counters = [
        {
            "number": number,
            "name": f"Quầy {number} - Tiếp nhận hồ sơ và trả kết quả giải quyết thủ tục",
            "services": [LONG_SERVICES[(number - 1) % len(LONG_SERVICES)][0]],
        }
        for number in range(1, 21)
    ]
    return make_config(
        services=services,
        counters=counters,
        hours=OPEN_ALL_DAY,
        display={"notice": LONG_NOTICE},
    )


def fill_busy(store: Store, config: Config) -> float:
    """Tickets for every service, 12 calls, a recall and a paused counter; the newest call's
    time."""
    now = at(9)
    for round_ in range(4):
        for index, (sid, _) in enumerate(LONG_SERVICES):
            ticketing.issue(store, config, sid, now=now + round_ * 10 + index, printed=True)
    now += 100
    for number in range(1, 13):
        now += 5
        called = ticketing.call_next(store, config, number, now=now)
        assert called.ticket is not None
    now += 5
    ticketing.pause(store, config, 20, PAUSE_REASON, now=now)
    now += 5
    ticketing.recall(store, config, 3, now=now)
    return now


@pytest.fixture(scope="module")
def faces() -> ScreenFonts:
    return fonts_for(make_config())


@pytest.fixture
def display_off() -> Iterator[None]:
    """No pygame display before or after the test (SDL reads its driver on init)."""
    pygame.display.quit()
    try:
        yield
    finally:
        pygame.display.quit()


def area(a: Rect, b: Rect) -> int:
    """The area two rects share."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, width) * max(0, height)


def inside(inner: Rect, outer: Rect) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def one_line(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def box_of(frame: Frame, placed: Placed) -> TextBox:
    boxes = [box for box in frame.layout.texts if inside(placed.rect, box.rect)]
    assert boxes, f"{placed} is in no text box"
    return boxes[0]


def drawn_in(frame: Frame, box: TextBox) -> list[Placed]:
    return [placed for placed in frame.placed if inside(placed.rect, box.rect)]


def boxes(layout: WallLayout, group: str) -> list[TextBox]:
    return [box for box in layout.texts if box.group == group]


def texts(layout: WallLayout) -> list[str]:
    return [box.text for box in layout.texts]


def pixels(surface: pygame.Surface, rect: Rect | None = None) -> bytes:
    part = surface if rect is None else surface.subsurface(pygame.Rect(rect))
    return surface_bytes(part, "RGB")


def colours(surface: pygame.Surface, rect: Rect) -> set[bytes]:
    data = pixels(surface, rect)
    return {data[i : i + 3] for i in range(0, len(data), 3)}


def glyph_render(font: pygame.font.Font) -> Render:
    def render(ch: str) -> tuple[tuple[int, int], bytes]:
        surface = font.render(ch, False, WHITE, BLACK)
        return surface.get_size(), surface_bytes(surface, "RGB")

    return render


def default_font_path() -> str:
    if not pygame.font.get_init():
        pygame.font.init()  # the screens draw with pygame.freetype; these tests use SDL_ttf
    return str(Path(pygame.__file__).parent / pygame.font.get_default_font())


def board_of(
    calls: tuple[Call, ...] = (),
    counters: tuple[CounterBoard, ...] = (),
    services: tuple[ServiceBoard, ...] = (),
) -> Board:
    return Board("2026-11-23", calls, counters, services, "")


def call(id_: int, number: str, counter: int, kind: str = "call") -> Call:
    return Call(id_, number, "dat-dai", counter, kind, at(9, id_))


# --- snapshots of a busy board -------------------------------------------------------------


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720), (1080, 1920)])
def test_ok__busy_board_text_stays_in_its_boxes(
    store: Store, faces: ScreenFonts, size: tuple[int, int]
) -> None:
    config = busy_config()
    newest_at = fill_busy(store, config)
    surface, frame = render_wall(config, store, size, newest_at + 1, faces)
    width, height = size
    screen = (0, 0, width, height)
    assert surface.get_size() == size
    assert frame.layout.size == size
    assert len(frame.placed) > 40

    # Text boxes never overlap one another nor the notice strip, and stay on screen.
    layout = frame.layout
    for index, box in enumerate(layout.texts):
        assert inside(box.rect, screen), box
        assert area(box.rect, layout.notice) == 0, box
        for other in layout.texts[index + 1 :]:
            assert area(box.rect, other.rect) == 0, (box, other)
    assert inside(layout.notice, screen)
    assert layout.notice[2] > 0
    assert layout.notice[3] > 0

    # Every drawn line: on screen, in the box it came from, apart from the others.
    for index, placed in enumerate(frame.placed):
        assert inside(placed.rect, screen), placed
        assert placed.size >= 10, placed
        assert placed.rect[2] > 0, placed
        assert placed.rect[3] > 0, placed
        box = box_of(frame, placed)
        assert placed.text.removesuffix("…") in one_line(box.text), (placed, box)
        assert area(placed.rect, layout.notice) == 0, placed
        for other in frame.placed[index + 1 :]:
            assert area(placed.rect, other.rect) == 0, (placed, other)

    shown = " ".join(placed.text for placed in frame.placed)
    assert SITE_NAME.split(maxsplit=1)[0] in shown
    # Every long service name is shown: whole (perhaps wrapped), or cut with an ellipsis.
    for _, name in LONG_SERVICES:
        [box] = [b for b in boxes(layout, "waiting-n") if b.text == name]
        lines = [placed.text for placed in drawn_in(frame, box)]
        assert lines, name
        assert 1 <= len(lines) <= box.lines
        joined = " ".join(lines)
        assert joined.startswith(name.split()[0]), (name, lines)
        assert joined == name or (joined.endswith("…") and name.startswith(joined[:-1])), lines
    # The waiting counts (4 tickets each, less those called).
    counts = [b.text for b in boxes(layout, "waiting-c")]
    board = ticketing.read_board(store, config, now=newest_at + 1)
    assert counts == [str(s.waiting) for s in board.services]
    assert sum(s.waiting for s in board.services) == 32 - 12

    # The paused counter's reason is on its tile.
    [reason] = [b for b in layout.texts if b.text == PAUSE_REASON]
    assert reason.style == "tile-paused"
    assert drawn_in(frame, reason)

    # The newest call (a recall at counter 3), highlighted and large.
    newest = board.newest
    assert newest is not None
    assert newest.kind == "recall"
    assert newest.counter == 3
    assert "call-hot" in {panel.style for panel in layout.panels}
    assert "MỜI LẠI CÔNG DÂN CÓ SỐ" in shown
    [number_box] = [b for b in layout.texts if b.style == "call-hot-number"]
    assert number_box.text == newest.number
    [big] = drawn_in(frame, number_box)
    assert big.text == newest.number
    recent = [p for b in layout.texts if b.group.startswith("recent") for p in drawn_in(frame, b)]
    assert len(recent) == 2 * 10
    assert big.size > max(p.size for p in recent)
    # Rows of one list are drawn at one size.
    for group in ("recent-n", "recent-c", "tile-label", "tile-number", "waiting-n", "waiting-c"):
        sizes = {p.size for b in boxes(layout, group) for p in drawn_in(frame, b)}
        assert len(sizes) == 1, (group, sizes)


@pytest.mark.parametrize("size", [(1920, 1080), (1024, 600), (1080, 1920)])
def test_ok__no_label_is_drawn_larger_than_its_value(
    store: Store, faces: ScreenFonts, size: tuple[int, int]
) -> None:
    """A counter's name is never larger than its number or pause reason, a service's name
    never larger than its count, a recall's mark never larger than the other counters."""
    busy = busy_config()
    newest_at = fill_busy(store, busy)
    ticketing.call_next(store, busy, 1, now=newest_at + 1)
    ticketing.recall(store, busy, 1, now=newest_at + 2)
    ticketing.call_next(store, busy, 2, now=newest_at + 3)
    _, crowded = render_wall(busy, store, size, newest_at + 4, faces)
    # Short counter names ("Quầy 2") and a long pause reason that must be made small.
    plain = make_config()
    counters = tuple(
        CounterBoard(c.number, c.label, None if c.number == 2 else f"A{c.number:03d}",
                     c.number == 2, PAUSE_REASON if c.number == 2 else "")
        for c in plain.counters
    )  # fmt: skip
    services = tuple(ServiceBoard(s.id, s.name, 3) for s in plain.services)
    board = board_of((call(2, "A001", 1, "recall"), call(1, "A002", 2)), counters, services)
    quiet = paint_wall(pygame.Surface(size), faces, plain, board, at(10))
    for frame in (crowded, quiet):
        sizes: dict[str, set[int]] = {}
        for box in frame.layout.texts:
            for placed in drawn_in(frame, box):
                sizes.setdefault(box.group, set()).add(placed.size)
        pairs = [("tile-label", ("tile-number", "tile-paused")), ("waiting-n", ("waiting-c",)),
                 ("recent-r", ("recent-c",))]  # fmt: skip
        for label, values in pairs:
            assert sizes[label], label
            for value in values:
                assert min(sizes[value]) >= max(sizes[label]), (
                    label, sizes[label], value, sizes[value])  # fmt: skip


def test_ok__snapshot_png_has_the_picture_size(
    store: Store, faces: ScreenFonts, tmp_path: Path
) -> None:
    config = busy_config()
    newest_at = fill_busy(store, config)
    out = tmp_path / "wall.png"
    frame = save_wall(config, store, out, size=(1280, 720), now=newest_at + 60, faces=faces)
    image = pygame.image.load(str(out))
    assert image.get_size() == (1280, 720)
    assert frame.layout.size == (1280, 720)
    # After the highlight the call panel is calm again.
    styles = {panel.style for panel in frame.layout.panels}
    assert "call-hot" not in styles
    assert "call" in styles


def test_ok__picture_size_follows_resolution_and_rotation() -> None:
    assert picture_size(make_config(), None) == (1920, 1080)
    assert picture_size(make_config(), (800, 600)) == (800, 600)
    turned = make_config(display={"resolution": "1280x720", "rotation": 90})
    assert picture_size(turned, None) == (720, 1280)
    upside = make_config(display={"resolution": "1280x720", "rotation": 180})
    assert picture_size(upside, None) == (1280, 720)
    left = make_config(display={"resolution": "1280x720", "rotation": 270})
    assert picture_size(left, None) == (720, 1280)


# --- Vietnamese glyphs ---------------------------------------------------------------------


@pytest.mark.parametrize("bold", [False, True])
def test_ok__screen_fonts_draw_every_vietnamese_letter(faces: ScreenFonts, bold: bool) -> None:
    assert len(LETTERS) == 134
    font = faces.get(40, bold)
    render = glyph_render(font)
    assert missing_letters(render) == ""
    # The sentence a call puts on screen: no character comes out as the missing-glyph box.
    tofu = {render("\ue000"), render("\U0010fffd")}
    assert all(render(ch) not in tofu for ch in SENTENCE if not ch.isspace())
    # The signs the layout draws besides letters.
    assert all(render(ch) not in tofu for ch in "—…•")


def test_ok__every_size_shares_one_face_per_weight(faces: ScreenFonts) -> None:
    """SDL_ttf would hold a face (and its caches) per size: the screens use dozens."""
    sizes = [faces.get(size, bold) for size in range(10, 400, 7) for bold in (False, True)]
    assert len({id(face.face) for face in sizes}) == 2
    assert faces.get(40).size("Mời công dân") == faces.get(40).size("Mời công dân")
    assert faces.get(80).size("Quầy 12")[0] > faces.get(40).size("Quầy 12")[0]


@pytest.mark.parametrize("bold", [False, True])
def test_ok__every_line_holds_its_letters_on_one_baseline(faces: ScreenFonts, bold: bool) -> None:
    """Marks and descenders (ầ, ỵ, g) are drawn whole inside a line's height, and a text
    with a capital reaching higher (Ẵ) is not drawn lower than one without."""
    for size in (12, 13, 27, 40, 96, 180):
        face = faces.get(size, bold)
        for text in ("Quầy jgy", "Mời công dân số ỵ", "Tư pháp – Hộ tịch", "Đất đai"):
            image = face.render(text, True, WHITE)
            whole = face.face.render(text, WHITE, size=size)[0].get_bounding_rect()
            ink = image.get_bounding_rect()
            assert image.get_height() == face.get_linesize(), (size, text)
            assert ink.size == whole.size, (size, text)  # nothing cut off
        plain = face.render("Mời", True, WHITE).get_bounding_rect()
        marked = face.render("Mời Ẵ", True, WHITE).get_bounding_rect()
        assert plain.bottom == marked.bottom  # the same baseline


def test_ok__drawn_text_is_in_sdls_pixel_order(faces: ScreenFonts) -> None:
    """ARGB, as SDL_ttf's: blitting it copies pixels instead of converting each one."""
    image = faces.get(40).render("Số A023", True, WHITE)
    assert image.get_masks() == (0xFF0000, 0xFF00, 0xFF, 0xFF000000)
    assert image.get_size() == faces.get(40).size("Số A023")
    assert image.get_bounding_rect().width > 0  # ink, not an empty box


def debians_default_font() -> bool:
    """Debian's python3-pygame (a Pi's) links its default font to fonts-freefont-ttf's whole
    FreeSansBold, which has every Vietnamese letter; PyPI's wheel bundles a subset."""
    return Path(default_font_path()).is_symlink()


def test_fail__pygame_default_font_lacks_vietnamese_letters(faces: ScreenFonts) -> None:
    font = pygame.font.Font(default_font_path(), 40)
    render = glyph_render(font)
    missing = missing_letters(render)
    if debians_default_font():
        assert missing == "", missing
        return
    assert len(missing) == 94, missing
    tofu = {render("\ue000"), render("\U0010fffd")}
    assert any(render(ch) in tofu for ch in SENTENCE)


def test_fail__screen_font_without_vietnamese_is_refused(faces: ScreenFonts) -> None:
    with pytest.raises(FontError) as mono:
        check_screen_font(MONO, "display.font")
    assert str(mono.value).startswith("display.font: ")
    assert "lacks 46 Vietnamese letters" in str(mono.value)
    if debians_default_font():
        assert check_screen_font(default_font_path(), "display.font_bold") == default_font_path()
    else:
        with pytest.raises(FontError) as default:
            check_screen_font(default_font_path(), "display.font_bold")
        assert str(default.value).startswith("display.font_bold: ")
        assert "lacks 94 Vietnamese letters" in str(default.value)
    with pytest.raises(FontError, match=r"^display\.font: "):
        fonts_for(make_config(display={"font": MONO}))
    regular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    assert check_screen_font(regular, "display.font") == regular


def test_ok__fonts_for_finds_dejavu_sans(faces: ScreenFonts) -> None:
    assert Path(faces.regular).name == "DejaVuSans.ttf"
    assert Path(faces.bold).name == "DejaVuSans-Bold.ttf"


# --- layout --------------------------------------------------------------------------------


def test_ok__empty_board_invites_to_take_a_number() -> None:
    layout = wall_layout((1920, 1080), board_of(), SITE_NAME, MOMENT)
    shown = texts(layout)
    assert "—" in shown
    assert "Xin mời lấy số thứ tự" in shown
    assert "MỜI CÔNG DÂN CÓ SỐ" in shown
    assert SITE_NAME in shown
    assert "Thứ Hai, 23/11/2026" in shown
    assert "09:41" in shown
    assert not boxes(layout, "recent-n")
    assert "call-hot" not in {panel.style for panel in layout.panels}
    # Even when asked to highlight: there is nothing to highlight.
    hot_moment = Moment(MOMENT.date, MOMENT.clock, highlight=True, history=10)
    hot = wall_layout((1920, 1080), board_of(), SITE_NAME, hot_moment)
    assert "call-hot" not in {panel.style for panel in hot.panels}


def test_ok__call_and_recall_are_worded_apart() -> None:
    counters = (CounterBoard(5, "Quầy 5 - Đăng ký kinh doanh", "A023", False, ""),)
    services = (ServiceBoard("dat-dai", "Đất đai", 3),)
    called = wall_layout(
        (1920, 1080), board_of((call(1, "A023", 5),), counters, services), SITE_NAME, MOMENT
    )
    assert "MỜI CÔNG DÂN CÓ SỐ" in texts(called)
    assert "MỜI LẠI CÔNG DÂN CÓ SỐ" not in texts(called)
    assert "A023" in texts(called)
    assert "ĐẾN QUẦY 5 - ĐĂNG KÝ KINH DOANH" in texts(called)
    assert "Đất đai" in texts(called)
    recalled = wall_layout(
        (1920, 1080),
        board_of((call(2, "A023", 5, "recall"), call(1, "A023", 5)), counters, services),
        SITE_NAME,
        MOMENT,
    )
    assert "MỜI LẠI CÔNG DÂN CÓ SỐ" in texts(recalled)
    assert "MỜI CÔNG DÂN CÓ SỐ" not in texts(recalled)
    # A counter the config no longer names is still called by its number.
    unnamed = wall_layout((1920, 1080), board_of((call(1, "B007", 9),)), SITE_NAME, MOMENT)
    assert "ĐẾN QUẦY 9" in texts(unnamed)


def test_ok__paused_counter_tile_shows_the_reason() -> None:
    counters = (
        CounterBoard(1, "Quầy 1", "A001", False, ""),
        CounterBoard(2, "Quầy 2", None, True, "Họp giao ban"),
        CounterBoard(3, "Quầy 3", None, True, ""),
        CounterBoard(4, "Quầy 4", None, False, ""),
    )
    layout = wall_layout((1280, 720), board_of(counters=counters), SITE_NAME, MOMENT)
    assert [b.text for b in boxes(layout, "tile-label")] == ["Quầy 1", "Quầy 2", "Quầy 3",
                                                               "Quầy 4"]  # fmt: skip
    assert [b.text for b in boxes(layout, "tile-paused")] == ["Họp giao ban", "Tạm nghỉ"]
    assert [b.text for b in boxes(layout, "tile-number")] == ["A001", "—"]
    assert [p.style for p in layout.panels if p.style.startswith("tile")] == [
        "tile", "tile-paused", "tile-paused", "tile"]  # fmt: skip


def test_ok__paused_counter_from_the_store(store: Store, faces: ScreenFonts) -> None:
    config = make_config(hours=OPEN_ALL_DAY)
    ticketing.pause(store, config, 4, "Họp giao ban", now=at(9))
    _, frame = render_wall(config, store, (1920, 1080), at(9, 1), faces)
    [reason] = [b for b in frame.layout.texts if b.text == "Họp giao ban"]
    assert [p.text for p in drawn_in(frame, reason)] == ["Họp giao ban"]


def test_ok__waiting_counts_per_service(store: Store, faces: ScreenFonts) -> None:
    config = make_config(hours=OPEN_ALL_DAY)
    for _ in range(3):
        ticketing.issue(store, config, "dat-dai", now=at(9), printed=True)
    ticketing.issue(store, config, "thue", now=at(9), printed=True)
    ticketing.issue(store, config, "xay-dung", now=at(9))  # not printed: not waiting yet
    _, frame = render_wall(config, store, (1920, 1080), at(9, 5), faces)
    names = [b.text for b in boxes(frame.layout, "waiting-n")]
    counts = [b.text for b in boxes(frame.layout, "waiting-c")]
    assert names == [s.name for s in config.services]
    expected = {"dat-dai": "3", "thue": "1"}
    assert counts == [expected.get(s.id, "0") for s in config.services]
    # Each count is drawn beside its service's name.
    for name_box, count_box in zip(
        boxes(frame.layout, "waiting-n"), boxes(frame.layout, "waiting-c"), strict=True
    ):
        [count] = drawn_in(frame, count_box)
        assert count.text == count_box.text
        name_top, name_bottom = name_box.rect[1], name_box.rect[1] + name_box.rect[3]
        assert name_top <= count.rect[1] < name_bottom
        assert count.rect[0] > name_box.rect[0] + name_box.rect[2]


@pytest.mark.parametrize(("history", "rows"), [(5, 5), (10, 8)])
def test_ok__history_limits_recent_rows(
    store: Store, faces: ScreenFonts, history: int, rows: int
) -> None:
    config = make_config(hours=OPEN_ALL_DAY, display={"history": history})
    for _ in range(8):
        ticketing.issue(store, config, "dat-dai", now=at(9), printed=True)
    for minute in range(1, 9):
        ticketing.call_next(store, config, 1 + minute % 2, now=at(9, minute))
    _, frame = render_wall(config, store, (1920, 1080), at(9, 30), faces)
    numbers = [p.text for b in boxes(frame.layout, "recent-n") for p in drawn_in(frame, b)]
    assert len(numbers) == rows
    # Newest first: A008 was called last.
    assert numbers == [f"A{n:03d}" for n in range(8, 8 - rows, -1)]
    to = [p.text for b in boxes(frame.layout, "recent-c") for p in drawn_in(frame, b)]
    assert to == [f"Quầy {1 + n % 2}" for n in range(8, 8 - rows, -1)]
    # The list has a row for each of ``history`` calls, filled or not.
    styles = [p.style for p in frame.layout.panels]
    assert styles.count("row") + styles.count("row-alt") == history + len(config.services)


def test_ok__a_recall_is_listed_once_at_the_top_and_said_to_be_one(
    store: Store, faces: ScreenFonts
) -> None:
    config = make_config(hours=OPEN_ALL_DAY, display={"history": 4})
    for _ in range(6):
        ticketing.issue(store, config, "dat-dai", now=at(9), printed=True)
    for minute, counter in enumerate((1, 2, 1, 2), start=1):
        ticketing.call_next(store, config, counter, now=at(9, minute))  # A001..A004
    ticketing.recall(store, config, 1, now=at(9, 5))  # A003 again
    ticketing.recall(store, config, 1, now=at(9, 6))  # and again
    board = ticketing.read_board(store, config, now=at(9, 7), history=4)
    # One row a citizen: the recalled ticket at the top, the others as they were called;
    # the list still has ``history`` tickets.
    assert [(c.number, c.kind) for c in board.calls] == [
        ("A003", "recall"), ("A004", "call"), ("A002", "call"), ("A001", "call")]  # fmt: skip
    _, frame = render_wall(config, store, (1920, 1080), at(9, 7), faces)
    numbers = [p.text for b in boxes(frame.layout, "recent-n") for p in drawn_in(frame, b)]
    assert numbers == ["A003", "A004", "A002", "A001"]
    counters = [p.text for b in frame.layout.texts if b.group in ("recent-c", "recent-r")
                for p in drawn_in(frame, b)]  # fmt: skip
    assert counters == ["Gọi lại - Quầy 1", "Quầy 2", "Quầy 2", "Quầy 1"]
    # The big panel says it is a recall too.
    assert "MỜI LẠI CÔNG DÂN CÓ SỐ" in [p.text for p in frame.placed]
    # A number never shows twice, even from a board with room for every call.
    roomy = ticketing.read_board(store, config, now=at(9, 7), history=12)
    assert [(c.number, c.kind) for c in roomy.calls] == [(c.number, c.kind) for c in board.calls]
    layout = wall_layout((1280, 720), roomy, SITE_NAME, MOMENT)
    assert [b.text for b in boxes(layout, "recent-n")] == ["A003", "A004", "A002", "A001"]
    assert [b.text for b in boxes(layout, "recent-r")] == ["Gọi lại - Quầy 1"]
    assert [b.text for b in boxes(layout, "recent-c")] == ["Quầy 2", "Quầy 2", "Quầy 1"]


def test_ok__a_ticket_called_again_elsewhere_is_listed_once_at_its_new_counter(
    store: Store, faces: ScreenFonts
) -> None:
    config = make_config(hours=OPEN_ALL_DAY)
    ticketing.issue(store, config, "dat-dai", now=at(9), printed=True)
    ticketing.issue(store, config, "dat-dai", now=at(9), printed=True)
    ticketing.call_next(store, config, 1, now=at(9, 1))  # A001 at counter 1
    ticketing.transfer(store, config, 1, "thue", now=at(9, 2))
    called = ticketing.call_next(store, config, 8, now=at(9, 3))  # A001 again, at the tax counter
    assert called.ticket is not None and called.ticket.number == "A001"
    ticketing.call_next(store, config, 2, now=at(9, 4))  # A002
    board = ticketing.read_board(store, config, now=at(9, 5))
    assert [(c.number, c.counter) for c in board.calls] == [("A002", 2), ("A001", 8)]


def test_ok__layout_history_is_at_most_the_moment_history() -> None:
    calls = tuple(call(i, f"A{i:03d}", 1) for i in range(12, 0, -1))
    few = Moment(MOMENT.date, MOMENT.clock, highlight=False, history=5)
    layout = wall_layout((1920, 1080), board_of(calls), SITE_NAME, few)
    assert [b.text for b in boxes(layout, "recent-n")] == ["A012", "A011", "A010", "A009", "A008"]


def test_ok__highlight_lasts_highlight_seconds(store: Store, faces: ScreenFonts) -> None:
    config = make_config(hours=OPEN_ALL_DAY, display={"highlight_seconds": 3})
    ticketing.issue(store, config, "dat-dai", now=at(9), printed=True)
    ticketing.call_next(store, config, 1, now=at(9, 1))
    board = ticketing.read_board(store, config, now=at(9, 1))
    assert moment(config, board, at(9, 1)).highlight
    assert moment(config, board, at(9, 1, 2.9)).highlight
    assert not moment(config, board, at(9, 1, 3)).highlight
    assert not moment(config, board, at(9, 1, 60)).highlight

    surface, hot = render_wall(config, store, (1920, 1080), at(9, 1, 1), faces)
    [panel] = [p for p in hot.layout.panels if p.style == "call-hot"]
    assert "call" not in {p.style for p in hot.layout.panels}
    assert surface.get_at((panel.rect[0] + 2, panel.rect[1] + 2))[:3] == (255, 212, 0)
    [number] = [b for b in hot.layout.texts if b.style == "call-hot-number"]
    assert number.text == "A001"

    surface, calm = render_wall(config, store, (1920, 1080), at(9, 1, 4), faces)
    assert "call-hot" not in {p.style for p in calm.layout.panels}
    [panel] = [p for p in calm.layout.panels if p.style == "call"]
    assert surface.get_at((panel.rect[0] + 2, panel.rect[1] + 2))[:3] != (255, 212, 0)
    [number] = [b for b in calm.layout.texts if b.style == "call-number"]
    assert number.text == "A001"


def test_ok__highlight_default_is_eight_seconds() -> None:
    config = make_config()
    board = board_of((Call(1, "A001", "dat-dai", 1, "call", at(9)),))
    assert moment(config, board, at(9, 0, 7.5)).highlight
    assert not moment(config, board, at(9, 0, 8)).highlight
    assert not moment(config, board_of(), at(9)).highlight
    assert moment(config, board, at(9)).date == "Thứ Hai, 23/11/2026"
    assert moment(config, board, at(9, 5)).clock == "09:05"


STALE = "Mất kết nối dữ liệu"


def test_ok__stale_board_says_so_above_the_clock(store: Store, faces: ScreenFonts) -> None:
    fresh = wall_layout((1920, 1080), board_of(), SITE_NAME, MOMENT)
    stale_moment = Moment(MOMENT.date, MOMENT.clock, False, 10, stale=True)
    stale = wall_layout((1920, 1080), board_of(), SITE_NAME, stale_moment)
    assert STALE not in texts(fresh)
    [warning] = [b for b in stale.texts if b.text == STALE]
    [clock] = [b for b in stale.texts if b.text == "09:41"]
    # In the header, right of the site name, above the clock (in place of the date).
    [name] = [b for b in stale.texts if b.text == SITE_NAME]
    assert warning.rect[0] >= name.rect[0] + name.rect[2]
    assert warning.rect[1] + warning.rect[3] <= clock.rect[1]
    assert MOMENT.date not in texts(stale)

    config = make_config()
    surface = pygame.Surface((1920, 1080))
    board = ticketing.read_board(store, config, now=at(9))
    frame = paint_wall(surface, faces, config, board, at(9), stale=True)
    assert any(p.text == STALE for p in frame.placed)
    frame = paint_wall(surface, faces, config, board, at(9))
    assert not any(p.text == STALE for p in frame.placed)


def test_ok__grouped_boxes_are_drawn_at_one_size(faces: ScreenFonts) -> None:
    config = make_config()
    numbers = ["A001", "1234", "B999", "3001", "E012", "F100", "G007", "1999", "A100", "B010"]
    calls = tuple(call(len(numbers) - i, n, (i % 8) + 1) for i, n in enumerate(numbers))
    counters = tuple(
        CounterBoard(c.number, c.label, None, False, "") for c in config.counters
    )  # labels of very different lengths: "Quầy 1 - Đất đai", "Quầy 2"
    services = tuple(ServiceBoard(s.id, s.name, 0) for s in config.services)
    surface = pygame.Surface((1920, 1080))
    frame = paint_wall(surface, faces, config, board_of(calls, counters, services), at(10))
    for group in ("recent-n", "recent-c", "tile-label", "waiting-n"):
        drawn = [p for b in boxes(frame.layout, group) for p in drawn_in(frame, b)]
        assert len(drawn) >= len(boxes(frame.layout, group)), group
        assert len({p.size for p in drawn}) == 1, (group, drawn)
    # Alone, the short label would be drawn larger: the group holds it back.
    labels = boxes(frame.layout, "tile-label")
    short = next(b for b in labels if b.text == "Quầy 2")
    long_ = next(b for b in labels if b.text == "Quầy 1 - Đất đai")
    alone = faces.fit(short.text, short.rect[2], short.rect[3], bold=short.bold)
    together = faces.fit(long_.text, long_.rect[2], long_.rect[3], bold=long_.bold)
    assert alone.size > together.size
    assert {p.size for p in drawn_in(frame, short)} == {together.size}


def test_ok__portrait_layout_stacks_regions() -> None:
    calls = (call(1, "A001", 1),)
    portrait = wall_layout((1080, 1920), board_of(calls), SITE_NAME, MOMENT)
    landscape = wall_layout((1920, 1080), board_of(calls), SITE_NAME, MOMENT)
    [p_call] = [b for b in portrait.texts if b.style.endswith("-number")]
    [p_recent] = [b for b in portrait.texts if b.group == "recent-n"]
    [l_call] = [b for b in landscape.texts if b.style.endswith("-number")]
    [l_recent] = [b for b in landscape.texts if b.group == "recent-n"]
    assert p_recent.rect[1] > p_call.rect[1] + p_call.rect[3]  # below
    assert l_recent.rect[0] > l_call.rect[0] + l_call.rect[2]  # beside
    assert portrait.notice[1] > landscape.notice[1]


# --- fitting text into a box ---------------------------------------------------------------

LONG_NAME = LONG_SERVICES[-1][1]


def width_of(faces: ScreenFonts, size: int, bold: bool, line: str) -> int:
    return int(faces.get(size, bold).size(line)[0])


@pytest.mark.parametrize("bold", [False, True])
def test_ok__fit_wraps_a_long_name_within_the_box(faces: ScreenFonts, bold: bool) -> None:
    fitted = faces.fit(LONG_NAME, 400, 90, lines=2, bold=bold)
    assert 1 <= len(fitted.lines) <= 2
    assert " ".join(fitted.lines) == LONG_NAME
    assert fitted.size >= 10
    for line in fitted.lines:
        assert width_of(faces, fitted.size, bold, line) <= 400, line
    assert len(fitted.lines) * faces.get(fitted.size, bold).get_linesize() <= 90
    # Three lines give more room: the text may grow, never shrink.
    three = faces.fit(LONG_NAME, 400, 90, lines=3, bold=bold)
    assert three.size >= fitted.size
    assert len(three.lines) <= 3


def test_ok__fit_takes_the_largest_size_that_fits(faces: ScreenFonts) -> None:
    wide = faces.fit("Đăng ký kinh doanh", 2000, 100)
    narrow = faces.fit("Đăng ký kinh doanh", 200, 100)
    assert wide.lines == narrow.lines == ("Đăng ký kinh doanh",)
    assert narrow.size < wide.size
    # One size larger no longer fits the narrow box.
    assert width_of(faces, narrow.size, False, "Đăng ký kinh doanh") <= 200
    larger = faces.get(narrow.size + 1)
    assert larger.size("Đăng ký kinh doanh")[0] > 200 or larger.get_linesize() > 100
    # ``cap`` bounds the size.
    assert faces.fit("Đăng ký kinh doanh", 2000, 100, cap=30).size == 30


def test_ok__fit_cuts_with_an_ellipsis_below_the_smallest_size(faces: ScreenFonts) -> None:
    fitted = faces.fit(LONG_NAME, 120, 20)
    assert fitted.size == 10
    [line] = fitted.lines
    assert line.endswith("…")
    assert LONG_NAME.startswith(line.removesuffix("…").rstrip())
    assert width_of(faces, 10, False, line) <= 120
    # Over two lines: the first is whole words, the last is cut.
    two = faces.fit(LONG_NAME, 120, 40, lines=2)
    assert two.size == 10
    assert len(two.lines) == 2
    assert not two.lines[0].endswith("…")
    assert two.lines[1].endswith("…")
    assert all(width_of(faces, 10, False, line) <= 120 for line in two.lines)
    assert LONG_NAME.startswith(two.lines[0])


def test_ok__fit_leaves_a_too_small_box_empty(faces: ScreenFonts) -> None:
    linesize = faces.get(10).get_linesize()
    assert faces.fit("Đất đai", 300, linesize - 1).lines == ()
    assert faces.fit("Đất đai", 300, 5).lines == ()
    assert faces.fit("Đất đai", 0, 100).lines == ()
    assert faces.fit("   ", 300, 100).lines == ()
    assert faces.fit("Đất đai", 300, linesize).lines == ("Đất đai",)


@pytest.mark.parametrize("bold", [False, True])
def test_ok__wrapped_lines_are_evened_out(faces: ScreenFonts, bold: bool) -> None:
    """Two lines of about one length, never one word left alone on the last; a dash stays
    at the end of a line, never starts one."""
    name = "Lao động - Thương binh và Xã hội"
    font = faces.get(30, bold)
    # A box that a line filled word by word would end with "Xã" and leave "hội" alone.
    greedy_first = font.size("Lao động - Thương binh và Xã")[0]
    fitted = faces.fit(name, greedy_first + 2, 2 * font.get_linesize(), lines=2, cap=30,
                       bold=bold)  # fmt: skip
    assert fitted.size == 30
    assert fitted.lines == ("Lao động - Thương", "binh và Xã hội")
    for width, lines in ((400, 2), (300, 2), (520, 3), (260, 3)):
        for _, text in LONG_SERVICES:
            fitted = faces.fit(text, width, 300, lines=lines, bold=bold)
            widths = [width_of(faces, fitted.size, bold, line) for line in fitted.lines]
            assert " ".join(fitted.lines) == text
            assert max(widths) <= width
            if len(widths) > 1:
                # No narrower box takes the text on as few lines at this size: the lines
                # are as even as the words allow.
                narrower = faces.fit(text, max(widths) - 1, 300, lines=len(widths),
                                     cap=fitted.size, bold=bold)  # fmt: skip
                assert narrower.size < fitted.size or len(narrower.lines) > len(widths), (
                    text, fitted, narrower)  # fmt: skip
                assert min(widths) >= 0.3 * max(widths), (text, fitted.lines)
                assert not any(line.startswith(("-", "–")) for line in fitted.lines[1:])


@pytest.mark.parametrize("bold", [False, True])
def test_ok__a_dash_never_starts_a_line_of_text_cut_at_the_smallest_size(
    faces: ScreenFonts, bold: bool
) -> None:
    """Too long for its box even at the smallest size, a name fills the lines there and
    the last is cut; a dash still ends a line, never starts one."""
    name = "Lao động - Thương binh và Xã hội tỉnh Hưng Yên"
    font = faces.get(MIN_SIZE, bold)
    # Room for "Lao động" but not for "Lao động -": a line filled word by word would end
    # before the dash and start the next with it.
    width = font.size("Lao động")[0] + 1
    assert font.size("Lao động -")[0] > width
    fitted = faces.fit(name, width, 2 * font.get_linesize(), lines=2, bold=bold)
    assert fitted.size == MIN_SIZE and len(fitted.lines) == 2
    assert fitted.lines[0] == "Lao"
    assert fitted.lines[1].startswith("động") and fitted.lines[1].endswith("…")
    assert not any(line.startswith(("-", "–", "—")) for line in fitted.lines)
    assert all(width_of(faces, MIN_SIZE, bold, line) <= width for line in fitted.lines)


def test_ok__fit_gives_nfc_lines_for_nfd_text(faces: ScreenFonts) -> None:
    nfd = unicodedata.normalize("NFD", LONG_NAME)
    assert not unicodedata.is_normalized("NFC", nfd)
    fitted = faces.fit(nfd, 400, 90, lines=2)
    assert fitted.lines
    assert all(unicodedata.is_normalized("NFC", line) for line in fitted.lines)
    assert " ".join(fitted.lines) == LONG_NAME
    assert fitted == faces.fit(LONG_NAME, 400, 90, lines=2)
    # Also when cut.
    cut = faces.fit(nfd, 120, 20)
    assert cut.lines
    assert all(unicodedata.is_normalized("NFC", line) for line in cut.lines)


# --- the notice strip ----------------------------------------------------------------------


def outside_strip(surface: pygame.Surface, rect: Rect) -> bytes:
    copy = surface.copy()
    copy.fill((1, 2, 3), pygame.Rect(rect))
    return pixels(copy)


def test_ok__short_notice_stands_still(store: Store, faces: ScreenFonts) -> None:
    config = make_config(display={"notice": "Xin cảm ơn!"})
    surface, frame = render_wall(config, store, (1280, 720), at(9), faces)
    strip = frame.notice
    assert not strip.scrolls
    assert strip.image is not None
    before = surface.copy()
    assert strip.draw(surface, 0) == frame.layout.notice
    first = pixels(surface, frame.layout.notice)
    strip.draw(surface, 2.0)
    assert pixels(surface, frame.layout.notice) == first
    assert pixels(surface) == pixels(before)
    # Something is written in the strip: more than its background colour.
    assert len(colours(surface, frame.layout.notice)) > 1


def test_ok__long_notice_scrolls_inside_its_strip(store: Store, faces: ScreenFonts) -> None:
    config = make_config(display={"notice": LONG_NOTICE})
    surface, frame = render_wall(config, store, (1280, 720), at(9), faces)
    strip = frame.notice
    rect = frame.layout.notice
    assert strip.scrolls
    assert strip.image is not None
    assert strip.image.get_width() > rect[2]
    rest = outside_strip(surface, rect)
    strip.draw(surface, 0)
    start = pixels(surface, rect)
    assert outside_strip(surface, rect) == rest
    assert strip.draw(surface, 2.0) == rect
    later = pixels(surface, rect)
    assert later != start
    assert len(colours(surface, rect)) > 1
    assert outside_strip(surface, rect) == rest
    # Scrolling is a function of time: back to 0 s draws the first picture again.
    strip.draw(surface, 0)
    assert pixels(surface, rect) == start


def test_ok__a_scroll_step_redraws_only_the_text_band_as_a_whole_draw_would(
    store: Store, faces: ScreenFonts
) -> None:
    config = make_config(display={"notice": LONG_NOTICE})
    surface, frame = render_wall(config, store, (1280, 720), at(9), faces)
    strip, rect = frame.notice, frame.layout.notice
    assert strip.scrolls and strip.image is not None
    # Opaque, on the strip's colour: a step is a copy, nothing blended.
    assert not strip.image.get_flags() & pygame.SRCALPHA
    whole = surface.copy()
    for seconds in (0.5, 2.0, 7.25):
        strip.draw(whole, seconds)
        before = surface.copy()
        band = strip.scroll(surface, seconds)
        assert pixels(surface) == pixels(whole)
        # The band lies inside the strip, holds the text, and is all that changed.
        assert pygame.Rect(rect).contains(pygame.Rect(band))
        assert band[3] == strip.image.get_height() and band[2] < rect[2]
        before.blit(surface, band[:2], pygame.Rect(band))
        assert pixels(before) == pixels(surface)


def test_ok__steps_that_move_the_band_on_draw_what_a_whole_draw_would(
    store: Store, faces: ScreenFonts
) -> None:
    config = make_config(display={"notice": LONG_NOTICE})
    surface, frame = render_wall(config, store, (1280, 720), at(9), faces)
    strip = frame.notice
    assert strip.scrolls and strip.image is not None
    turn = strip.image.get_width() / config.display.notice_speed  # seconds to scroll it all
    whole = surface.copy()
    # Steps of a few pixels, a long one, across the text's end and round again.
    steps = [n / 30 for n in range(1, 40)] + [5.0, turn - 0.05, turn, turn + 0.04, 2 * turn]
    for seconds in steps:
        before = surface.copy()
        band = strip.scroll(surface, seconds)
        strip.draw(whole, seconds)
        assert pixels(surface) == pixels(whole), seconds
        before.blit(surface, band[:2], pygame.Rect(band))
        assert pixels(before) == pixels(surface)
        strip.scroll(whole, seconds)  # the strip's last step is on the surface again
        strip.scroll(surface, seconds)
        assert pixels(surface) == pixels(whole)


def test_ok__notice_speed_zero_stands_still(store: Store, faces: ScreenFonts) -> None:
    config = make_config(display={"notice": LONG_NOTICE, "notice_speed": 0})
    surface, frame = render_wall(config, store, (1280, 720), at(9), faces)
    assert not frame.notice.scrolls
    first = pixels(surface, frame.layout.notice)
    frame.notice.draw(surface, 5.0)
    assert pixels(surface, frame.layout.notice) == first


def test_ok__central_notice_replaces_the_configured_one_while_it_lasts(
    store: Store, faces: ScreenFonts
) -> None:
    config = make_config()
    configured = config.display.notice
    assert configured
    assert ticketing.read_board(store, config, now=at(9)).notice == configured
    _, plain = render_wall(config, store, (1920, 1080), at(9), faces)
    plain_strip = pixels(plain.notice.image) if plain.notice.image else b""

    ticketing.set_notice(store, "Thông báo mới", now=at(9), minutes=10)
    assert ticketing.read_board(store, config, now=at(9, 5)).notice == "Thông báo mới"
    assert ticketing.read_board(store, config, now=at(9, 9, 59)).notice == "Thông báo mới"
    assert ticketing.read_board(store, config, now=at(9, 10, 1)).notice == configured
    _, told = render_wall(config, store, (1920, 1080), at(9, 5), faces)
    assert told.notice.image is not None
    assert pixels(told.notice.image) != plain_strip
    assert not told.notice.scrolls

    ticketing.set_notice(store, "Tạm ngừng tiếp nhận hồ sơ đất đai", now=at(10))
    assert ticketing.read_board(store, config, now=at(16)).notice == (
        "Tạm ngừng tiếp nhận hồ sơ đất đai"
    )
    ticketing.set_notice(store, "", now=at(16))
    assert ticketing.read_board(store, config, now=at(16)).notice == configured


# --- the screen, turned for portrait mounting ----------------------------------------------

QUADRANTS = {
    "top-left": (255, 0, 0),
    "top-right": (0, 255, 0),
    "bottom-left": (0, 0, 255),
    "bottom-right": (255, 255, 255),
}


def turned_point(rotation: int, canvas: tuple[int, int], point: tuple[int, int]) -> tuple[int, int]:
    """Where a canvas pixel lands on the screen when the picture is turned clockwise."""
    width, height = canvas
    x, y = point
    if rotation == 90:
        return height - 1 - y, x
    if rotation == 180:
        return width - 1 - x, height - 1 - y
    if rotation == 270:
        return y, width - 1 - x
    return x, y


def paint_quadrants(canvas: pygame.Surface) -> None:
    width, height = canvas.get_size()
    half_w, half_h = width // 2, height // 2
    canvas.fill(QUADRANTS["top-left"], (0, 0, half_w, half_h))
    canvas.fill(QUADRANTS["top-right"], (half_w, 0, width - half_w, half_h))
    canvas.fill(QUADRANTS["bottom-left"], (0, half_h, half_w, height - half_h))
    canvas.fill(QUADRANTS["bottom-right"], (half_w, half_h, width - half_w, height - half_h))


# SDL's dummy screen has one mode, 1024x768: a full-screen window of another size gets that
# mode (SDL takes the closest mode the screen has), so exact sizes are checked at 1024x768.
MODE = (1024, 768)


@pytest.fixture
def screen_for(display_off: None) -> Iterator[Callable[..., Screen]]:
    opened: list[Screen] = []

    def open_screen(rotation: int, resolution: str = "1024x768") -> Screen:
        config = make_config(display={"resolution": resolution, "rotation": rotation})
        screen = Screen(config.display)
        opened.append(screen)
        screen.open()
        return screen

    try:
        yield open_screen
    finally:
        for screen in opened:
            screen.close()


@pytest.mark.parametrize(
    ("rotation", "corner"),
    [(0, "top-left"), (90, "top-right"), (180, "bottom-right"), (270, "bottom-left")],
)
def test_ok__screen_turns_the_canvas_clockwise(
    screen_for: Callable[..., Screen], rotation: int, corner: str
) -> None:
    screen = screen_for(rotation)
    assert screen.window is not None
    assert screen.canvas is not None
    window, canvas = screen.window, screen.canvas
    width, height = MODE
    assert window.get_size() == MODE
    assert canvas.get_size() == ((height, width) if rotation in (90, 270) else MODE)
    canvas.fill(BLACK)
    canvas.fill(RED, (0, 0, 40, 30))  # the picture's top-left corner
    screen.show()
    corners = {
        "top-left": (0, 0),
        "top-right": (width - 1, 0),
        "bottom-left": (0, height - 1),
        "bottom-right": (width - 1, height - 1),
    }
    for name, point in corners.items():
        expected = RED if name == corner else BLACK
        assert window.get_at(point)[:3] == expected, (name, window.get_at(point))

    # Every part of the picture lands where a clockwise turn puts it.
    paint_quadrants(canvas)
    screen.show()
    cw, ch = canvas.get_size()
    for x, y, quadrant in [
        (5, 5, "top-left"),
        (cw - 6, 7, "top-right"),
        (9, ch - 4, "bottom-left"),
        (cw - 3, ch - 8, "bottom-right"),
        (cw // 4, ch // 4, "top-left"),
        (3 * cw // 4, 3 * ch // 4, "bottom-right"),
    ]:
        point = turned_point(rotation, (cw, ch), (x, y))
        assert window.get_at(point)[:3] == QUADRANTS[quadrant], (rotation, (x, y), point)


def test_ok__screen_in_another_mode_is_turned_too(screen_for: Callable[..., Screen]) -> None:
    screen = screen_for(90, "640x480")
    assert screen.window is not None
    assert screen.canvas is not None
    window, canvas = screen.window, screen.canvas
    width, height = window.get_size()
    assert canvas.get_size() == (height, width)
    canvas.fill(BLACK)
    canvas.fill(RED, (0, 0, 40, 30))
    screen.show()
    assert window.get_at((width - 1, 0))[:3] == RED
    assert window.get_at((0, 0))[:3] == BLACK
    assert window.get_at((width - 1, height - 1))[:3] == BLACK


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_ok__screen_shows_only_the_part_asked_for(
    screen_for: Callable[..., Screen], rotation: int
) -> None:
    screen = screen_for(rotation)
    assert screen.window is not None
    assert screen.canvas is not None
    window, canvas = screen.window, screen.canvas
    canvas.fill(BLACK)
    screen.show()
    part = (10, 20, 30, 40)
    canvas.fill(RED, part)
    canvas.fill(WHITE, (200, 300, 20, 20))  # painted but not shown
    screen.show(part)
    cw, ch = canvas.get_size()
    for x, y in [(10, 20), (39, 59), (25, 40), (10, 59), (39, 20)]:
        point = turned_point(rotation, (cw, ch), (x, y))
        assert window.get_at(point)[:3] == RED, (rotation, (x, y), point)
    for x, y in [(9, 20), (40, 40), (25, 19), (25, 60), (210, 310)]:
        point = turned_point(rotation, (cw, ch), (x, y))
        assert window.get_at(point)[:3] == BLACK, (rotation, (x, y), point)


def test_ok__wall_drawn_on_a_turned_screen(
    screen_for: Callable[..., Screen], store: Store, faces: ScreenFonts
) -> None:
    screen = screen_for(90)
    assert screen.window is not None
    assert screen.canvas is not None
    config = make_config()
    board = ticketing.read_board(store, config, now=at(9))
    frame = paint_wall(screen.canvas, faces, config, board, at(9))
    screen.show()
    assert frame.layout.size == (768, 1024)  # portrait picture on a landscape mode
    # The header (top of the picture) is the right edge of the screen.
    header = next(p for p in frame.layout.panels if p.style == "header")
    x, y = header.rect[0] + 1, header.rect[1] + 1
    expected = screen.canvas.get_at((x, y))[:3]
    assert expected == (168, 22, 32)
    assert screen.window.get_at(turned_point(90, (768, 1024), (x, y)))[:3] == expected
    assert screen.window.get_at((1023, 384))[:3] == expected
    assert screen.window.get_at((0, 384))[:3] != expected


def test_fail__screen_unavailable_without_a_video_driver(
    display_off: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    screen = Screen(make_config().display)
    with pytest.raises(ScreenUnavailable):
        screen.open()
    assert not screen.is_open
    assert screen.window is None
    assert screen.canvas is None
    screen.show()  # a closed screen ignores show


def test_fail__screen_unavailable_for_a_missing_display_index(display_off: None) -> None:
    screen = Screen(make_config(display={"index": 7}).display)
    with pytest.raises(ScreenUnavailable, match=r"display\.index 7"):
        screen.open()
    assert not screen.is_open
    # Like any other failed open, SDL's video is shut down again: the next attempt starts
    # afresh and counts the screens anew (a second screen plugged in later is found).
    assert not pygame.display.get_init()


# --- kiosk display snapshot and kiosk notice -----------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "config.toml").write_text(
        (ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    Store(folder / "kiosk.db").close()  # as the daemons leave it: snapshots only read it
    return folder


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_ok__cli_snapshot_writes_a_png(site: Path) -> None:
    out = site / "wall.png"
    result = kiosk_in(site, "display", "snapshot", "--role", "wall", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pygame.image.load(str(out)).get_size() == (1920, 1080)
    assert str(out) in result.stdout


def test_ok__cli_snapshot_size_and_json(site: Path) -> None:
    out = site / "portrait.png"
    result = kiosk_in(site, "display", "snapshot", "--out", str(out), "--size", "1080x1920",
                      "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert pygame.image.load(str(out)).get_size() == (1080, 1920)
    report = json.loads(result.stdout)
    assert report["size"] == [1080, 1920]
    assert report["out"] == str(out)
    shown = " ".join(report["text"])
    assert SITE_NAME in shown or all(word in shown for word in SITE_NAME.split())
    assert "Xin mời lấy số thứ tự" in report["text"]
    assert "ĐANG CHỜ" in report["text"]


def test_fail__cli_snapshot_refuses_a_tiny_size(site: Path) -> None:
    out = site / "tiny.png"
    result = kiosk_in(site, "display", "snapshot", "--out", str(out), "--size", "12x12")
    assert result.returncode == 2
    assert "--size" in one_line_error(result)
    assert not out.exists()


def test_fail__cli_snapshot_into_a_missing_folder(site: Path) -> None:
    out = site / "no-such-folder" / "wall.png"
    result = kiosk_in(site, "display", "snapshot", "--out", str(out))
    assert result.returncode == 73
    assert "no-such-folder" in one_line_error(result)
    assert not out.parent.exists()


def test_fail__cli_snapshot_with_a_font_lacking_vietnamese(site: Path) -> None:
    config = site / "config.toml"
    text = config.read_text(encoding="utf-8")
    line = 'font = ""                           # "" finds DejaVu Sans / Noto Sans'
    assert line in text
    config.write_text(text.replace(line, f'font = "{MONO}"  #'), encoding="utf-8")
    out = site / "wall.png"
    result = kiosk_in(site, "display", "snapshot", "--out", str(out))
    assert result.returncode == 78
    error = one_line_error(result)
    assert "lacks" in error
    assert "display.font" in error
    assert not out.exists()


def test_ok__cli_notice_reaches_the_board(site: Path) -> None:
    text = "Hôm nay Trung tâm tiếp nhận hồ sơ đất đai đến 16 giờ 30"
    result = kiosk_in(site, "--json", "notice", text, "--minutes", "30")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["notice"] == text
    config = make_config()
    now = time.time()
    with Store(site / "kiosk.db") as store:
        assert ticketing.read_board(store, config, now=now).notice == text
        assert ticketing.read_board(store, config, now=now + 28 * 60).notice == text
        assert (
            ticketing.read_board(store, config, now=now + 31 * 60).notice == config.display.notice
        )
    cleared = kiosk_in(site, "notice")
    assert cleared.returncode == 0, cleared.stderr
    assert "Traceback" not in cleared.stderr
    with Store(site / "kiosk.db") as store:
        assert ticketing.read_board(store, config, now=time.time()).notice == config.display.notice


def test_ok__a_long_notice_standing_still_is_cut_with_an_ellipsis(
    store: Store, faces: ScreenFonts
) -> None:
    config = make_config(display={"notice": LONG_NOTICE, "notice_speed": 0})
    _, frame = render_wall(config, store, (1280, 720), at(9), faces)
    image = frame.notice.image
    assert image is not None
    assert image.get_width() <= frame.layout.notice[2]  # it starts on screen, not cut off


def test_fail__a_notice_over_500_characters_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="at most 500"):
        ticketing.set_notice(store, "x" * 501, now=at(9))
    assert (
        ticketing.read_board(store, make_config(), now=at(9)).notice == make_config().display.notice
    )


def test_ok__a_full_repaint_reaches_the_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    """pygame 2's display.update(None) updates nothing: a whole-screen show must flip."""
    calls: list[object] = []
    flip, update = pygame.display.flip, pygame.display.update
    monkeypatch.setattr(pygame.display, "flip", lambda: (calls.append("flip"), flip())[1])
    monkeypatch.setattr(pygame.display, "update", lambda *a: (calls.append(a), update(*a))[1])
    screen = Screen(make_config().display)
    screen.open()
    try:
        screen.show()
        screen.show((0, 0, 10, 10))
    finally:
        screen.close()
    assert calls[0] == "flip"
    assert calls[1] == (pygame.Rect(0, 0, 10, 10),)
    assert None not in [a for call in calls if isinstance(call, tuple) for a in call]
