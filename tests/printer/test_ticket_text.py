"""Text on printed tickets: every letter drawn whole, headings wrapped evenly.

A Vietnamese capital with a hook or two marks (Ẩ, Ổ, Ấ, Ỷ) reaches well above the font's
ascent; each line is compared with the same text drawn by Pillow on a large canvas, where
nothing can be cut off. Real DejaVu fonts, the real layout, the CLI as a user runs it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from kiosk.app.cli._printer_cmds import test_slip as printer_test_slip
from kiosk.config import load_config
from kiosk.slip import Slip
from kiosk.ticketing import local_time
from kiosk.vietnamese import LETTERS
from printer import Renderer, VirtualPrinter
from printer._fonts import font
from printer._layout import FOOTER, SERVICE, SITE, Fonts, Raster, TicketLayout
from printer._textbox import text_block, width_of, wrap
from tests.app.test_cli import ALWAYS_OPEN
from tests.app.test_cli_printer import kiosk
from tests.conftest import make_config
from tests.printer.test_printer import BOLD_FONT, REGULAR_FONT, make_slip, printer_config
from tests.printer.test_printer import SITE as SITE_NAME

WIDTHS = [384, 512, 576]
DASHES = ("-", "–", "—")
WEIGHTS = [pytest.param(REGULAR_FONT, id="regular"), pytest.param(BOLD_FONT, id="bold")]
CAPITALS_SITE = "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG TỈNH HƯNG YÊN"
CAPITALS_SERVICE = "CẤP GIẤY PHÉP XÂY DỰNG - BỔ SUNG HỒ SƠ"
# 58 mm, 80 mm (512 dots) and 80 mm (576 dots) printers.
PROFILES = [("POS-5890", 384), ("TM-T88V", 512), ("TM-T20II", 576)]


def unclipped(text: str, face: ImageFont.FreeTypeFont) -> Image.Image:
    """``text``'s ink drawn on a canvas far larger than it, cropped to the ink."""
    size = face.size
    canvas = Image.new("1", ((len(text) + 4) * size, 4 * size), 0)
    ImageDraw.Draw(canvas).text((size, size), text, font=face, fill=1)
    return ink(canvas)


def ink(image: Image.Image) -> Image.Image:
    box = image.getbbox()
    assert box is not None, "no ink at all"
    return image.crop(box)


def same_ink(drawn: Image.Image, text: str, face: ImageFont.FreeTypeFont) -> bool:
    expected, got = unclipped(text, face), ink(drawn)
    return (got.size, got.tobytes()) == (expected.size, expected.tobytes())


# -- every letter, every size ----------------------------------------------------------


@pytest.mark.parametrize("path", WEIGHTS)
@pytest.mark.parametrize("width", WIDTHS)
def test_ok__every_vietnamese_letter_is_drawn_whole_at_every_ticket_size(
    width: int, path: str
) -> None:
    layout = TicketLayout(width, Fonts(REGULAR_FONT, BOLD_FONT), native_qr=False)
    sizes = layout.text_sizes()
    # From the smallest a fitted footer may shrink to, up to the service name's size.
    assert sizes[0] == 12 and sizes[-1] == SERVICE.size(width)
    cut = []
    for size in sizes:
        face = font(path, size)
        heights = set()
        for letter in LETTERS:
            block = text_block([letter], face, layout.inner)
            heights.add(block.height)
            if not same_ink(block, letter, face):
                cut.append(f"{letter}@{size}")
        # One line box for the whole face: lines stack evenly whatever their letters.
        assert len(heights) == 1, (size, heights)
    assert cut == []


def test_ok__a_line_box_holds_a_character_outside_the_usual_ones() -> None:
    face = font(BOLD_FONT, 28)
    for text in ("Ǻ ǻ", "Ṍ SỐ", "Ậ Ặ ĝ"):
        assert same_ink(text_block([text], face, 544), text, face), text


# -- whole tickets -------------------------------------------------------------------------


def whole(piece: Raster) -> bool:
    """Whether a line of text on the ticket has all the ink of its text."""
    assert piece.face is not None
    return same_ink(piece.image, piece.text, piece.face)


def text_pieces(pieces: list[object]) -> list[Raster]:
    return [piece for piece in pieces if isinstance(piece, Raster) and piece.face is not None]


def assert_every_line_whole(pieces: list[object], slip: Slip) -> None:
    lines = text_pieces(pieces)
    said = " ".join(piece.text for piece in lines)
    # Every text of the slip is there, word for word, and the big number.
    for text in (slip.site, slip.service, slip.counters_line, slip.time_line, slip.number):
        assert " ".join(text.split()) in said
    assert "SỐ THỨ TỰ" in said
    assert [piece.text for piece in lines if not whole(piece)] == []


@pytest.mark.parametrize("priority", [False, True], ids=["normal", "priority"])
@pytest.mark.parametrize(("profile", "width"), PROFILES, ids=[str(w) for _, w in PROFILES])
def test_ok__ticket_in_capitals_has_every_line_whole(
    profile: str, width: int, priority: bool
) -> None:
    slip = make_slip(site=CAPITALS_SITE, service=CAPITALS_SERVICE, priority=priority)
    rendered = Renderer(printer_config(profile=profile, qr="image")).render(slip)
    assert rendered.width == width and rendered.pieces is not None
    assert_every_line_whole(list(rendered.pieces), slip)


def test_ok__cli_ticket_in_capitals_prints_every_line_whole(tmp_path: Path) -> None:
    config_text = (
        ALWAYS_OPEN.replace('"Bộ phận Một cửa xã Thử Nghiệm"', f'"{CAPITALS_SITE}"').replace(
            '"Tư pháp - Hộ tịch"', f'"{CAPITALS_SERVICE}"'
        )
        + '\n[printer]\nconnection = "file"\npath = "/dev/null"\nprofile = "POS-5890"\n'
    )
    (tmp_path / "config.toml").write_text(config_text, encoding="utf-8")
    png = tmp_path / "t.png"
    result = kiosk(tmp_path, "--json", "ticket", "ho-tich", "--out", str(tmp_path / "t.bin"),
                   "--png", str(png))  # fmt: skip
    assert result.returncode == 0, result.stderr
    issued = json.loads(result.stdout)
    # The same ticket laid out again: the CLI's picture is exactly it.
    config = load_config(tmp_path / "config.toml")
    stamp = dt.datetime.fromisoformat(issued["issued_at"].replace("Z", "+00:00")).timestamp()
    slip = Slip(
        site=CAPITALS_SITE,
        service=CAPITALS_SERVICE,
        number=issued["number"],
        counters=(1, 2),
        issued=local_time(config, stamp),
        ahead=issued["ahead"],
        wait_minutes=issued["wait_minutes"],
        priority=False,
        token=issued["token"],
        footer=config.kiosk.footer,
    )
    rendered = Renderer(config.printer).render(slip)
    picture = Image.open(png).convert("1")
    assert (issued["width"], picture.size) == (384, rendered.preview().size)
    assert picture.tobytes() == rendered.preview().tobytes()
    assert rendered.pieces is not None
    assert_every_line_whole(list(rendered.pieces), slip)


# -- wrapping --------------------------------------------------------------------------------


def test_ok__heading_wraps_into_even_lines_at_full_size() -> None:
    layout = TicketLayout(576, Fonts(REGULAR_FONT, BOLD_FONT), native_qr=True)
    header = text_pieces(list(layout.header(make_slip())))
    assert [piece.text for piece in header] == [
        "Trung tâm Phục vụ hành",
        "chính công tỉnh Hưng Yên",
    ]
    # As large as the style asks: evening the lines out never makes them smaller.
    assert {piece.face.size for piece in header if piece.face} == {SITE.size(576)}


@pytest.mark.parametrize(
    "text",
    [
        SITE_NAME,
        CAPITALS_SITE,
        CAPITALS_SERVICE,
        "Lao động - Việc làm - Người có công",
        "Vui lòng giữ phiếu đến khi hoàn thành thủ tục. Xin cảm ơn!",
    ],
    ids=["site", "site-capitals", "service-capitals", "service-dashes", "footer"],
)
@pytest.mark.parametrize("width", [200, 280, 368, 544])
def test_ok__wrapped_lines_are_as_even_as_they_can_be(text: str, width: int) -> None:
    face = font(BOLD_FONT, 23)
    lines = wrap(text, face, width)
    assert " ".join(lines) == text
    widest = max(width_of(face, line) for line in lines)
    assert widest <= width
    # No narrower width holds the text on as few lines: the lines are as even as can be.
    assert len(wrap(text, face, widest - 1)) > len(lines)
    # As few lines as filling each line word by word would give.
    assert len(lines) == len(greedy(text, face, width))
    # A dash that stands alone ends a line, never starts one.
    assert not any(line.split()[0] in DASHES for line in lines)


def greedy(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Filled word by word, a lone dash kept with the word before it."""
    lines: list[str] = []
    for word in text.split():
        if lines and (word in DASHES or width_of(face, f"{lines[-1]} {word}") <= width):
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def test_ok__a_dash_never_starts_a_line() -> None:
    face = font(BOLD_FONT, 28)
    text = "Lao động - Việc làm - Người có công"
    starts = set()
    for width in range(width_of(face, "Lao động -"), width_of(face, text) + 1, 3):
        for line in wrap(text, face, width):
            starts.add(line.split()[0])
    assert starts.isdisjoint(DASHES)
    assert {"Lao", "Việc", "Người"} <= starts  # lines do break around the dashes


def test_ok__code_page_ticket_wraps_into_even_lines() -> None:
    """In code-page mode the printer draws the letters (no line box of ours to cut them);
    its lines are counted in characters and evened out the same way."""
    config = printer_config(mode="text", codepage="cp1258", profile="TM-T20II", width=384)
    slip = make_slip(service="Lao động - Việc làm - Người có công")
    printer = VirtualPrinter(384)
    printer.feed(Renderer(config).render(slip).data)
    lines = printer.texts[0]
    assert lines[:2] == ["Trung tâm Phục vụ hành", "chính công tỉnh Hưng Yên"]
    # The service in double width, 16 characters a line: a dash ends a line.
    service = lines.index("SỐ THỨ TỰ") + 2  # after the label and the number
    assert lines[service : service + 3] == ["Lao động -", "Việc làm -", "Người có công"]
    assert slip.time_line in lines  # a line that fits is printed as it is written


def test_ok__code_page_ticket_never_starts_a_line_with_a_lone_dash_after_a_long_word() -> None:
    """A footer with an address longer than a line: the address is cut where the line ends,
    and the dash after it stays at the end of a line, never starting the next."""
    config = printer_config(mode="text", codepage="cp1258", profile="TM-T20II", width=384)
    url = "https://dichvucong.hungyen.gov.vn/dvc/tracuuhoso"
    for footer in (f"Tra cứu hồ sơ: {url} - Hotline 1900 1234",
                   f"Xem hồ sơ: {url} – Đường dây nóng 0221 3550 678"):  # fmt: skip
        printer = VirtualPrinter(384)
        printer.feed(Renderer(config).render(make_slip(footer=footer)).data)
        lines = printer.texts[0]
        start = next(i for i, line in enumerate(lines) if line and footer.startswith(line))
        printed = lines[start:]
        assert all(len(line) <= 32 for line in printed), printed  # Font A: 32 a line
        assert not any(line.split()[0] in ("-", "–", "—") for line in printed), printed
        assert "".join(printed).replace(" ", "") == footer.replace(" ", "")  # nothing lost


@pytest.mark.parametrize(("profile", "width"), PROFILES, ids=[str(w) for _, w in PROFILES])
def test_ok__printer_test_page_prints_every_letter_whole(profile: str, width: int) -> None:
    config = make_config()
    rendered = Renderer(printer_config(profile=profile, qr="image")).render(
        printer_test_slip(config, width)
    )
    assert rendered.pieces is not None
    lines = text_pieces(list(rendered.pieces))
    said = " ".join(piece.text for piece in lines)
    assert "TRANG IN THỬ" in said
    assert [letter for letter in LETTERS if letter not in said] == []
    assert [piece.text for piece in lines if not whole(piece)] == []


def test_ok__a_word_wider_than_the_paper_is_cut_where_the_line_ends() -> None:
    word = "ĐẮKLẮK" * 12  # no space to wrap at, even at the smallest size
    slip = make_slip(footer=f"Địa chỉ: {word}")
    rendered = Renderer(printer_config(profile="POS-5890")).render(slip)
    assert rendered.pieces is not None
    lines = text_pieces(list(rendered.pieces))
    texts = [piece.text for piece in lines]
    footer = lines[texts.index("Quét mã để xem số thứ tự của bạn") + 1 :]
    assert len(footer) >= 3  # the word on two lines at least, rather than cut at the margin
    assert "".join(piece.text for piece in footer) == f"Địa chỉ:{word}"
    assert {piece.face.size for piece in footer if piece.face} == {FOOTER.smallest}
    assert [piece.text for piece in footer if not whole(piece)] == []
