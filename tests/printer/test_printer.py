"""Ticket printing: layout, ESC/POS encoding, fonts, code pages, status, the wire, tokens.

No printer hardware and no mocks: tickets are decoded by the package's own
:class:`VirtualPrinter`, served on a pseudo-terminal by :class:`PtyPrinter` where
a serial connection is needed, with the real DejaVu fonts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import select
import threading
import time
import tty
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk.config import PrinterConfig
from kiosk.desk import (
    COVER_OPEN,
    DISCONNECTED,
    ERROR,
    OFFLINE,
    PAPER_LOW,
    PAPER_OUT,
    READY,
    SILENT,
    UNCHECKED,
    PrintFailed,
)
from kiosk.slip import Slip
from kiosk.store import Store
from kiosk.tokens import BadToken, TicketRef, sign, site_key, verify
from kiosk.vietnamese import LETTERS, missing_letters, nfc
from printer import (
    EscposPrinter,
    FontError,
    ProfileError,
    PtyPrinter,
    Renderer,
    VirtualPrinter,
    check_font,
    find_font,
    load_profile,
)
from printer._escpos import CUT, GS, Commands, bands, encode
from printer._fonts import REGULAR, font
from printer._layout import Fonts, Qr, TicketLayout
from printer._link import Link
from printer._preview import preview
from printer._status import interpret, valid
from printer._text import encode_ascii, encode_cp1258
from printer._transports import LinkError
from tests.conftest import at, make_config

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
REGULAR_FONT = str(DEJAVU / "DejaVuSans.ttf")
BOLD_FONT = str(DEJAVU / "DejaVuSans-Bold.ttf")
MONO_FONT = str(DEJAVU / "DejaVuSansMono.ttf")

EXAMPLE_CONFIG = make_config()
KEY = bytes(range(32))
DAY = "2026-11-23"
SITE = "Trung tâm Phục vụ hành chính công tỉnh Hưng Yên"
SERVICE = "Lao động - Việc làm - Người có công"
NUMBER = "E123"
TOKEN = sign(KEY, DAY, NUMBER)
FOOTER = EXAMPLE_CONFIG.kiosk.footer
TEAR_FEED = 96  # dots fed past the tear bar by a printer without a cutter
IMAGE_BUDGET = 12 * 1024
TEXT_BUDGET = 1536


def printer_config(**changes: Any) -> PrinterConfig:
    """The example's [printer] (USB, TM-T20II, image mode) with some keys changed."""
    return dataclasses.replace(EXAMPLE_CONFIG.printer, **changes)


def serial_config(port: Path, **changes: Any) -> PrinterConfig:
    options: dict[str, Any] = {"flow_control": "xonxoff", "timeout_seconds": 0.5, **changes}
    return printer_config(connection="serial", serial_port=str(port), **options)


def make_slip(**changes: Any) -> Slip:
    slip = Slip(
        site=SITE,
        service=SERVICE,
        number=NUMBER,
        counters=(4, 7),
        issued=dt.datetime(2026, 11, 23, 9, 41),
        ahead=12,
        wait_minutes=35,
        priority=False,
        token=TOKEN,
        footer=FOOTER,
    )
    return dataclasses.replace(slip, **changes)


def is_blank(image: Image.Image) -> bool:
    """True when a black-on-white page image holds no ink."""
    return image.convert("L").getextrema() == (255, 255)


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def split_commands(data: bytes, ends: tuple[int, ...]) -> list[bytes]:
    starts = (0, *ends[:-1])
    return [data[start:end] for start, end in zip(starts, ends, strict=True)]


# -- raster round trip -----------------------------------------------------------------

PROFILES = [
    pytest.param("TM-T20II", 576, True, id="TM-T20II-576"),
    pytest.param("TM-T88V", 512, True, id="TM-T88V-512"),
    pytest.param("POS-5890", 384, False, id="POS-5890-384"),
]
PRIORITY = [pytest.param(False, id="normal"), pytest.param(True, id="priority")]


@pytest.mark.parametrize("priority", PRIORITY)
@pytest.mark.parametrize(("profile", "width", "native_qr"), PROFILES)
def test_ok__raster_ticket_prints_exactly_as_previewed(
    profile: str, width: int, native_qr: bool, priority: bool
) -> None:
    renderer = Renderer(printer_config(profile=profile))
    assert (renderer.profile.width, renderer.profile.native_qr) == (width, native_qr)
    rendered = renderer.render(make_slip(priority=priority))
    assert rendered.width == width
    printer = VirtualPrinter(width)
    printer.feed(rendered.data)
    tear = 0
    if renderer.profile.cut == "none":
        # No cutter: the ticket is fed past the tear bar and torn off by hand.
        assert printer.pages == []
        printer.finish()
        tear = TEAR_FEED
    expected = rendered.preview()
    assert len(printer.pages) == 1
    assert printer.unknown == []
    page = printer.pages[0]
    assert page.size == (width, expected.height + tear)
    assert expected.size == (width, expected.height)
    assert page.crop((0, 0, width, expected.height)).tobytes() == expected.tobytes()
    assert not is_blank(expected)
    if tear:
        assert is_blank(page.crop((0, expected.height, width, page.height)))
    if native_qr:
        assert printer.qr_codes[0] == [TOKEN]
        assert GS + b"(k" in rendered.data
    else:
        assert printer.qr_codes[0] == []
        assert GS + b"(k" not in rendered.data
        assert rendered.pieces is not None
        assert not any(isinstance(piece, Qr) for piece in rendered.pieces)


@pytest.mark.parametrize(
    ("width", "native_qr"),
    [
        pytest.param(576, True, id="576"),
        pytest.param(512, True, id="512"),
        pytest.param(384, False, id="384"),
    ],
)
def test_ok__left_aligned_bands_decode_to_the_same_preview(width: int, native_qr: bool) -> None:
    layout = TicketLayout(width, Fonts(REGULAR_FONT, BOLD_FONT), native_qr=native_qr)
    pieces = layout.pieces(make_slip(priority=True))
    expected = preview(pieces, width)
    centred = encode(pieces, "partial")
    left = encode(pieces, "partial", centre=False)
    for commands in (centred, left):
        printer = VirtualPrinter(width)
        printer.feed(bytes(commands.data))
        assert len(printer.pages) == 1
        assert printer.unknown == []
        assert printer.pages[0].size == expected.size
        assert printer.pages[0].tobytes() == expected.tobytes()
        assert printer.qr_codes[0] == ([TOKEN] if native_qr else [])
    # Centred bands are trimmed on both sides, left-aligned ones only on the right.
    assert len(centred.data) < len(left.data)


def test_ok__ticket_fed_in_odd_chunks_prints_the_same_page() -> None:
    rendered = Renderer(printer_config()).render(make_slip())
    whole, chunked = VirtualPrinter(576), VirtualPrinter(576)
    whole.feed(rendered.data)
    for start in range(0, len(rendered.data), 997):
        assert chunked.feed(rendered.data[start : start + 997]) == b""
    assert chunked.received == whole.received == len(rendered.data)
    assert len(chunked.pages) == len(whole.pages) == 1
    assert chunked.pages[0].tobytes() == whole.pages[0].tobytes()


def test_ok__command_ends_mark_whole_commands() -> None:
    rendered = Renderer(printer_config()).render(make_slip())
    ends = rendered.ends
    assert list(ends) == sorted(set(ends))
    assert ends[-1] == len(rendered.data)
    commands = split_commands(rendered.data, ends)
    assert commands[0] == b"\x1b@"
    assert commands[-1] == CUT["partial"]
    for command in commands:
        assert command[0] in (0x1B, 0x1D), command[:4]
        if command.startswith(GS + b"v0"):
            width, rows = command[4] | command[5] << 8, command[6] | command[7] << 8
            assert len(command) == 8 + width * rows
        elif command.startswith(b"\x1bJ"):
            assert len(command) == 3


def test_ok__bands_split_on_blank_rows_and_trim_whole_bytes() -> None:
    image = Image.new("1", (64, 40), 0)
    image.paste(1, (20, 2, 30, 5))  # rows 2-4, bytes 2-3
    image.paste(1, (8, 9, 12, 10))  # 4 blank rows above: a new band; byte 1
    image.paste(1, (40, 12, 41, 13))  # 2 blank rows above: same band; byte 5
    assert list(bands(image, centre=True)) == [(2, 3, 2, 4), (9, 4, 1, 6)]
    assert list(bands(image, centre=False)) == [(2, 3, 0, 4), (9, 4, 0, 6)]
    assert list(bands(Image.new("1", (64, 40), 0), centre=True)) == []


def test_ok__tall_ink_is_sent_in_bands_of_at_most_255_rows() -> None:
    image = Image.new("1", (16, 600), 0)
    image.paste(1, (0, 0, 16, 600))
    assert list(bands(image, centre=True)) == [(0, 255, 0, 2), (255, 255, 0, 2), (510, 90, 0, 2)]


def test_ok__long_feeds_are_split_into_255_dot_steps() -> None:
    commands = Commands()
    commands.feed(600)
    commands.feed(0)
    assert bytes(commands.data) == b"\x1bJ\xff\x1bJ\xff\x1bJ\x5a"
    assert commands.ends == [3, 6, 9]


@pytest.mark.parametrize(("width", "printed"), [(392, 384), (520, 512), (440, 432)])
@pytest.mark.parametrize("qr", ["auto", "image"])
def test_ok__page_matches_preview_when_width_is_not_a_multiple_of_16(
    width: int, printed: int, qr: str
) -> None:
    # The number (and an image QR) go out at half resolution: only whole bytes of it
    # centre exactly, so the width is taken down to a multiple of 16.
    rendered = Renderer(printer_config(width=width, qr=qr)).render(make_slip())
    assert rendered.width == printed
    printer = VirtualPrinter(rendered.width)
    printer.feed(rendered.data)
    assert len(printer.pages) == 1
    assert printer.unknown == []
    assert printer.pages[0].size == rendered.preview().size
    assert printer.pages[0].tobytes() == rendered.preview().tobytes()


@pytest.mark.parametrize("mode", ["image", "text"])
def test_ok__qr_none_prints_no_code(mode: str) -> None:
    renderer = Renderer(printer_config(qr="none", mode=mode))
    rendered = renderer.render(make_slip())
    assert rendered.data == renderer.render(make_slip(token="")).data
    assert GS + b"(k" not in rendered.data
    printer = VirtualPrinter(576)
    printer.feed(rendered.data)
    assert printer.qr_codes[0] == []
    # With the code the ticket is longer: a QR really is left out.
    with_code = Renderer(printer_config(qr="auto", mode=mode)).render(make_slip())
    assert rendered.preview().height < with_code.preview().height


# -- byte budget ---------------------------------------------------------------------------


def longest_service() -> str:
    return max((service.name for service in EXAMPLE_CONFIG.services), key=len)


@pytest.mark.parametrize("priority", PRIORITY)
def test_ok__image_ticket_fits_12_kib(priority: bool) -> None:
    assert longest_service() == SERVICE
    slip = make_slip(service=longest_service(), footer=FOOTER, priority=priority)
    size = len(Renderer(printer_config()).render(slip).data)
    assert size <= IMAGE_BUDGET, f"image ticket is {size} bytes, over {IMAGE_BUDGET}"


@pytest.mark.parametrize("priority", PRIORITY)
def test_ok__text_ticket_fits_1536_bytes(priority: bool) -> None:
    config = printer_config(mode="text", codepage="cp1258", profile="TM-T20II")
    slip = make_slip(service=longest_service(), footer=FOOTER, priority=priority)
    size = len(Renderer(config).render(slip).data)
    assert size <= TEXT_BUDGET, f"text ticket is {size} bytes, over {TEXT_BUDGET}"


# -- fonts and glyphs ----------------------------------------------------------------------

COUNTER_LINE = "Tư pháp - Hộ tịch — Quầy số 5"


def glyph(path: str, ch: str) -> tuple[tuple[int, int], bytes]:
    mask = font(path, 24).getmask(ch, mode="1")
    return mask.size, bytes(mask)


@pytest.mark.parametrize("path", [REGULAR_FONT, BOLD_FONT], ids=["regular", "bold"])
def test_ok__counter_line_has_no_missing_glyph(path: str) -> None:
    tofu = glyph(path, "\ue000")
    missing = [ch for ch in COUNTER_LINE if glyph(path, ch) == tofu]
    assert missing == []
    # The comparison does see a missing glyph: the monospace face lacks "ả".
    assert glyph(MONO_FONT, "ả") == glyph(MONO_FONT, "\ue000")


@pytest.mark.parametrize("path", [REGULAR_FONT, BOLD_FONT], ids=["regular", "bold"])
def test_ok__check_font_accepts_dejavu_sans(path: str) -> None:
    assert check_font(path, "font") == path


def test_fail__check_font_names_the_letters_monospace_lacks() -> None:
    missing = missing_letters(lambda ch: glyph(MONO_FONT, ch))
    assert len(missing) == 46
    with pytest.raises(FontError) as error:
        check_font(MONO_FONT, "font_bold")
    message = str(error.value)
    assert message.startswith(f"printer.font_bold: {MONO_FONT} lacks 46 Vietnamese letters")
    assert missing[:12] in message


def test_fail__check_font_unreadable_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font" * 10)
    with pytest.raises(FontError, match=r"printer\.font: cannot read font .*broken\.ttf"):
        check_font(str(broken), "font")


def test_fail__find_font_configured_path_missing(tmp_path: Path) -> None:
    missing = tmp_path / "NotoSans-Bold.ttf"
    with pytest.raises(FontError, match=r"^printer\.font_bold: no font file at .*NotoSans-Bold"):
        find_font(str(missing), REGULAR, "printer.font_bold")


def test_ok__find_font_takes_the_configured_path_or_the_first_installed() -> None:
    assert find_font(BOLD_FONT, (), "font_bold") == BOLD_FONT
    assert find_font("", REGULAR, "font") == REGULAR_FONT


def test_fail__find_font_without_any_candidate(tmp_path: Path) -> None:
    with pytest.raises(FontError, match=r"printer\.font: no Vietnamese font found.*fonts-dejavu"):
        find_font("", (str(tmp_path / "none.ttf"),), "printer.font")


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        pytest.param({"font": MONO_FONT}, r"^printer\.font: .*lacks 46", id="no-vietnamese"),
        pytest.param({"font_bold": "/nonexistent.ttf"}, r"^printer\.font_bold: no font", id="gone"),
    ],
)
def test_fail__renderer_checks_its_fonts(changes: dict[str, str], pattern: str) -> None:
    with pytest.raises(FontError, match=pattern):
        Renderer(printer_config(**changes))


def test_ok__vietnamese_letters_are_134_nfc_letters() -> None:
    assert len(LETTERS) == len(set(LETTERS)) == 134
    assert all(unicodedata.is_normalized("NFC", ch) and len(ch) == 1 for ch in LETTERS)
    assert not any(ch.isascii() for ch in LETTERS)
    assert sum(ch.islower() for ch in LETTERS) == sum(ch.isupper() for ch in LETTERS) == 67
    assert set("đĐưƯễỄậẬỹỸ") <= set(LETTERS)
    assert nfc("e\u0302\u0303") == "ễ"


# -- text (code page) mode ------------------------------------------------------------------


def test_ok__cp1258_round_trips_every_vietnamese_letter() -> None:
    broken = [ch for ch in LETTERS if nfc(encode_cp1258(ch).decode("cp1258")) != ch]
    assert broken == []
    assert len(encode_cp1258("ê")) == 1  # precomposed in CP1258
    assert len(encode_cp1258("ễ")) == 2  # base letter + combining tilde
    decomposed = unicodedata.normalize("NFD", SERVICE)
    assert encode_cp1258(decomposed) == encode_cp1258(SERVICE)
    assert nfc(encode_cp1258(SITE).decode("cp1258")) == SITE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đường Ưu tiên", b"Duong Uu tien"),
        ("đất đai", b"dat dai"),
        ("Quầy số 5", b"Quay so 5"),
        (SERVICE, b"Lao dong - Viec lam - Nguoi co cong"),
    ],
)
def test_ok__ascii_drops_the_marks(text: str, expected: bytes) -> None:
    assert encode_ascii(text) == expected


def test_ok__ascii_keeps_one_letter_per_vietnamese_letter() -> None:
    plain = [encode_ascii(ch) for ch in LETTERS]
    assert all(len(letter) == 1 and letter.isalpha() for letter in plain), plain


@pytest.mark.parametrize("priority", PRIORITY)
def test_ok__text_ticket_reads_back(priority: bool) -> None:
    renderer = Renderer(printer_config(mode="text"))
    assert renderer.profile.codepage_table == 52
    slip = make_slip(priority=priority)
    rendered = renderer.render(slip)
    assert rendered.pieces is None
    assert rendered.data.startswith(b"\x1b@\x1bt\x34")
    printer = VirtualPrinter(576)
    printer.feed(rendered.data)
    assert len(printer.pages) == 1
    assert printer.unknown == []
    lines = printer.texts[0]
    joined = " ".join(lines)
    assert SITE in joined
    assert ("SỐ THỨ TỰ ƯU TIÊN" if priority else "SỐ THỨ TỰ") in lines
    assert NUMBER in lines
    assert SERVICE in joined
    assert slip.counters_line in lines
    assert "Mời đến quầy số 4, 7" in lines
    assert slip.time_line in lines
    assert printer.qr_codes[0] == [TOKEN]
    assert rendered.preview().tobytes() == printer.pages[0].tobytes()


def test_ok__ascii_text_ticket_reads_back_without_marks() -> None:
    rendered = Renderer(printer_config(mode="text", codepage="ascii")).render(make_slip())
    assert rendered.data.startswith(b"\x1b@\x1bt\x00")
    assert max(rendered.data) < 0x80
    printer = VirtualPrinter(576)
    printer.feed(rendered.data)
    joined = " ".join(printer.texts[0])
    assert "Lao dong - Viec lam - Nguoi co cong" in joined
    assert "Moi den quay so 4, 7" in joined
    assert NUMBER in printer.texts[0]


def test_ok__text_preview_without_cutter() -> None:
    renderer = Renderer(printer_config(mode="text", profile="POS-5890"))
    assert (renderer.profile.cut, renderer.profile.codepage_table) == ("none", 27)
    rendered = renderer.render(make_slip())
    assert CUT["partial"] not in rendered.data
    image = rendered.preview()
    assert image.width == 384
    assert not is_blank(image)
    # The paper is fed past the tear bar: the preview ends in blank paper.
    assert is_blank(image.crop((0, image.height - TEAR_FEED, 384, image.height)))


# -- status replies ------------------------------------------------------------------------


ALL_ERRORS = "cutter error, unrecoverable error, head temperature or voltage error"


@pytest.mark.parametrize(
    ("replies", "state", "detail"),
    [
        # (printer, offline cause, error cause, roll paper): the DLE EOT 1-4 replies
        pytest.param((0x12, None, None, 0x12), READY, "", id="ready"),
        pytest.param((0x12, None, None, 0x1E), PAPER_LOW, "near its end", id="paper-low"),
        pytest.param((0x1A, 0x32, None, 0x7E), PAPER_OUT, "end sensor", id="paper-out-sensor"),
        pytest.param((0x12, None, None, 0x72), PAPER_OUT, "end sensor", id="sensor-when-online"),
        pytest.param((0x1A, 0x32, None, 0x12), PAPER_OUT, "paper end", id="paper-out-cause"),
        pytest.param((0x1A, 0x16, None, 0x12), COVER_OPEN, "cover is open", id="cover-open"),
        pytest.param((0x1A, 0x36, None, 0x7E), PAPER_OUT, "end sensor", id="cover-and-paper"),
        pytest.param((0x1A, 0x12, None, 0x12), OFFLINE, "offline", id="offline"),
        pytest.param((0x1A, 0x12, None, 0x1E), OFFLINE, "offline", id="offline-over-low"),
        pytest.param((0x1A, None, None, 0x12), OFFLINE, "offline", id="cause-unanswered"),
        pytest.param((0x1A, 0x52, 0x1A, 0x12), ERROR, "cutter error", id="cutter"),
        pytest.param((0x1A, 0x52, 0x7A, 0x12), ERROR, ALL_ERRORS, id="every-error"),
        pytest.param((0x1A, 0x52, None, 0x12), ERROR, "printer reports an error", id="error"),
    ],
)
def test_ok__status_replies_decode_to_one_state(
    replies: tuple[int, int | None, int | None, int], state: str, detail: str
) -> None:
    assert all(valid(reply) for reply in replies if reply is not None)
    status = interpret(*replies)
    assert status.state == state
    assert (status.detail == detail) if state == READY else (detail in status.detail)
    assert status.printable is (state in (READY, PAPER_LOW))


@pytest.mark.parametrize(
    ("reply", "ok"),
    [
        (0x12, True),
        (0x16, True),
        (0x1A, True),
        (0x1E, True),
        (0x72, True),
        (0x7E, True),
        (0x00, False),
        (0x02, False),
        (0x10, False),
        (0x11, False),  # XON
        (0x13, False),  # XOFF
        (0x92, False),
        (0x93, False),
        (0xFF, False),
    ],
)
def test_ok__valid_status_bytes(reply: int, ok: bool) -> None:
    assert valid(reply) is ok


@pytest.mark.parametrize(
    ("changes", "state"),
    [
        ({}, READY),
        ({"paper": "low"}, PAPER_LOW),
        ({"paper": "out"}, PAPER_OUT),
        ({"cover_open": True}, COVER_OPEN),
        ({"online": False}, OFFLINE),
        ({"error": True}, ERROR),
    ],
)
def test_ok__virtual_printer_status_bytes_decode_to_its_state(
    changes: dict[str, Any], state: str
) -> None:
    printer = VirtualPrinter()
    for name, value in changes.items():
        setattr(printer, name, value)
    replies = [printer.status_byte(n) for n in (1, 2, 3, 4)]
    assert all(valid(reply) for reply in replies)
    assert interpret(*replies).state == state
    answered = printer.feed(b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04")
    assert list(answered) == replies


# -- over a pseudo-terminal ----------------------------------------------------------------


@pytest.fixture
def virtual() -> VirtualPrinter:
    return VirtualPrinter(576)


@pytest.fixture
def pty(virtual: VirtualPrinter, tmp_path: Path) -> Iterator[PtyPrinter]:
    served = PtyPrinter(virtual, tmp_path / "printer")
    yield served
    served.close()


@pytest.fixture
def escpos(pty: PtyPrinter) -> Iterator[EscposPrinter]:
    printer = EscposPrinter(serial_config(pty.path))
    yield printer
    printer.close()


def host_can_write(printer: EscposPrinter) -> bool:
    """Whether the host's end of the serial line takes bytes (False while XOFF holds it)."""
    fd = printer.link.transport.escpos.device.fileno()
    return bool(select.select([], [fd], [], 0)[1])


def printed(virtual: VirtualPrinter, pages: int) -> bool:
    return wait_for(lambda: len(virtual.pages) >= pages)


def test_ok__pty_printer_is_ready_and_prints(
    escpos: EscposPrinter, virtual: VirtualPrinter
) -> None:
    status = escpos.status()
    assert status.state == READY
    assert status.printable
    assert escpos.width == 576
    slip = make_slip()
    expected = Renderer(escpos.config).render(slip)
    assert escpos.print_slip(slip) == len(expected.data)
    assert printed(virtual, 1)
    assert virtual.pages[0].tobytes() == expected.preview().tobytes()
    assert virtual.qr_codes[0] == [TOKEN]
    assert virtual.unknown == []
    assert virtual.lost == 0


@pytest.mark.parametrize(
    ("changes", "state", "detail"),
    [
        pytest.param({"paper": "low"}, PAPER_LOW, "near its end", id="paper-low"),
        pytest.param({"paper": "out"}, PAPER_OUT, "no paper", id="paper-out"),
        pytest.param({"cover_open": True}, COVER_OPEN, "cover is open", id="cover-open"),
        pytest.param({"online": False}, OFFLINE, "offline", id="offline"),
        pytest.param({"error": True}, ERROR, "cutter error", id="error"),
        pytest.param({"silent": True}, SILENT, "no answer", id="silent"),
    ],
)
def test_ok__pty_printer_reports_its_state(
    escpos: EscposPrinter,
    virtual: VirtualPrinter,
    changes: dict[str, Any],
    state: str,
    detail: str,
) -> None:
    assert escpos.status().state == READY
    for name, value in changes.items():
        setattr(virtual, name, value)
    status = escpos.status()
    assert (status.state, status.printable) == (state, state == PAPER_LOW)
    assert detail in status.detail
    for name in changes:
        setattr(virtual, name, getattr(VirtualPrinter(), name))
    assert escpos.status().state == READY


def test_ok__pty_printer_with_paper_low_still_prints(
    escpos: EscposPrinter, virtual: VirtualPrinter
) -> None:
    virtual.paper = "low"
    assert escpos.status().printable
    escpos.print_slip(make_slip())
    assert printed(virtual, 1)
    assert virtual.qr_codes[0] == [TOKEN]


def test_fail__jammed_printer_times_out_then_recovers(
    escpos: EscposPrinter, pty: PtyPrinter, virtual: VirtualPrinter
) -> None:
    slip = make_slip()
    pty.jam = True
    assert escpos.status().state == READY  # it answers, then holds the host with XOFF
    assert wait_for(lambda: not host_can_write(escpos)), "XOFF did not stop the host"
    received = virtual.received
    with pytest.raises(PrintFailed) as failed:
        escpos.print_slip(slip)
    assert failed.value.status.state == SILENT
    assert "timed out" in failed.value.status.detail
    assert virtual.received == received
    assert (virtual.pages, virtual.jobs) == ([], 0)

    pty.resume()  # XON: the status query right after must not lose it
    assert escpos.status().state == READY
    assert host_can_write(escpos)
    escpos.print_slip(slip)
    assert printed(virtual, 1)
    assert virtual.pages[0].tobytes() == Renderer(escpos.config).render(slip).preview().tobytes()
    assert virtual.qr_codes[0] == [TOKEN]
    assert virtual.unknown == []


def test_fail__jam_inside_a_picture_then_the_status_query_is_still_answered(
    escpos: EscposPrinter, pty: PtyPrinter, virtual: VirtualPrinter
) -> None:
    """A write cut off inside a raster leaves the printer waiting for the rest of it: the
    padding owed goes out before the next status query, or the query is eaten as dots."""
    width, rows = 72, 4000  # 288,000 bytes: far more than the line holds once stopped
    picture = GS + b"v0\x00" + bytes((width, 0, rows & 0xFF, rows >> 8)) + b"\xaa" * width * rows
    assert escpos.status().state == READY
    pty.jam_after = 1000
    with pytest.raises(LinkError) as cut:
        escpos.link.write(picture, ends=(len(picture),))
    assert cut.value.status.state == SILENT
    assert 0 < escpos.link.sent < len(picture)
    pty.resume()
    assert escpos.status().state == READY
    assert wait_for(lambda: virtual.received == len(picture) + 12)  # and 2 status checks
    assert virtual.unknown == []
    escpos.print_slip(make_slip())
    assert printed(virtual, 1)  # the padded picture, then the ticket, on one page
    assert virtual.qr_codes[0] == [TOKEN]


def test_ok__unplugged_printer_is_disconnected_then_found_again(
    escpos: EscposPrinter, pty: PtyPrinter, virtual: VirtualPrinter
) -> None:
    path = pty.path
    assert escpos.status().state == READY
    pty.unplug()
    assert not path.is_symlink()
    for _ in range(2):  # the open port fails first, then the port cannot be opened at all
        status = escpos.status()
        assert status.state == DISCONNECTED
        assert str(path) in status.detail
    with pytest.raises(PrintFailed) as failed:
        escpos.print_slip(make_slip())
    assert failed.value.status.state == DISCONNECTED

    pty.plug()
    assert path.is_symlink()
    assert pty.path == path
    assert escpos.status().state == READY
    escpos.print_slip(make_slip())
    assert printed(virtual, 1)
    assert virtual.qr_codes[0] == [TOKEN]


def test_ok__file_connection_gets_the_exact_bytes_and_cannot_report(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    target.write_bytes(b"")
    printer = EscposPrinter(printer_config(connection="file", path=str(target)))
    try:
        assert printer.status().state == UNCHECKED
        slip = make_slip()
        assert printer.print_slip(slip) == target.stat().st_size
    finally:
        printer.close()
    assert target.read_bytes() == Renderer(printer.config).render(slip).data


def test_fail__no_printer_connection() -> None:
    with pytest.raises(LinkError) as error:
        Link(printer_config(connection="none")).open()
    assert error.value.status.state == ERROR
    assert "printer.connection" in str(error.value)


# -- the wire: stray bytes and re-sync -----------------------------------------------------


@pytest.fixture
def raw_pty(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A pty pair in raw mode behind a stable symlink; the test plays the printer."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = tmp_path / "ttyPRINTER"
    path.symlink_to(os.ttyname(slave))
    yield master, path
    for fd in (master, slave):
        os.close(fd)


class Reader:
    """Reads everything the host sends to the master end, in the background."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.data = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            if select.select([self.fd], [], [], 0.02)[0]:
                try:
                    self.data += os.read(self.fd, 65536)
                except OSError:
                    return

    def __enter__(self) -> Reader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def answer(master: int, query: bytes, reply: bytes) -> threading.Thread:
    """Once ``query`` arrives on the master end, write ``reply`` back."""

    def run() -> None:
        received = b""
        deadline = time.monotonic() + 3
        while query not in received and time.monotonic() < deadline:
            if select.select([master], [], [], 0.02)[0]:
                received += os.read(master, 64)
        if query in received:
            os.write(master, reply)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        pytest.param(b"\x00\x13junk\xff\x1e", 0x1E, id="stray-then-valid"),
        pytest.param(b"\x12", 0x12, id="valid"),
        pytest.param(b"\x00\x91junk", None, id="only-stray"),
    ],
)
def test_ok__status_query_skips_stray_bytes(
    raw_pty: tuple[int, Path], reply: bytes, expected: int | None
) -> None:
    master, path = raw_pty
    assert [valid(byte) for byte in reply[:-1]] == [False] * (len(reply) - 1)
    link = Link(serial_config(path, flow_control="none"))
    try:
        responder = answer(master, b"\x10\x04\x04", reply)
        assert link.query(b"\x10\x04\x04") == expected
        responder.join(timeout=3)
    finally:
        link.close()


def big_job() -> tuple[bytes, tuple[int, ...]]:
    """INIT, one raster command far larger than a pty buffers, a cut; and the command ends."""
    width, rows = 72, 1200
    raster = GS + b"v0\x00" + bytes((width, 0, rows & 0xFF, rows >> 8)) + b"\xaa" * width * rows
    commands = [b"\x1b@", raster, CUT["partial"]]
    ends = tuple(sum(len(c) for c in commands[: n + 1]) for n in range(len(commands)))
    return b"".join(commands), ends


def test_fail__cut_off_write_is_padded_to_the_end_of_its_command(
    raw_pty: tuple[int, Path],
) -> None:
    master, path = raw_pty
    payload, ends = big_job()
    assert len(payload) > 40_000
    link = Link(serial_config(path))
    try:
        with pytest.raises(LinkError) as cut:
            link.write(payload, ends=ends)  # nobody reads the master: the write stalls
        assert cut.value.status.state == SILENT
        assert "timed out" in str(cut.value)
        sent = link.sent
        assert ends[0] < sent < ends[1], (sent, ends)
        with Reader(master) as reader:
            assert wait_for(lambda: len(reader.data) >= sent)
            link.write(b"NEXT")
            expected = payload[:sent] + b"\0" * (ends[1] - sent) + b"NEXT"
            assert wait_for(lambda: len(reader.data) >= len(expected))
        assert link.sent == 4
    finally:
        link.close()
    assert bytes(reader.data[:sent]) == payload[:sent]
    assert bytes(reader.data[sent:]) == b"\0" * (ends[1] - sent) + b"NEXT"


def test_fail__padding_survives_a_second_cut_off_write(raw_pty: tuple[int, Path]) -> None:
    master, path = raw_pty
    payload, ends = big_job()
    link = Link(serial_config(path))
    try:
        with pytest.raises(LinkError):
            link.write(payload, ends=ends)
        sent = link.sent
        assert ends[0] < sent < ends[1]
        with pytest.raises(LinkError) as again:  # still stalled: not even the padding goes out
            link.write(b"\x1b@" + CUT["partial"], ends=(2, 6))
        assert again.value.status.state == SILENT
        with Reader(master) as reader:
            link.write(b"NEXT")
            assert wait_for(lambda: reader.data.endswith(b"NEXT"))
    finally:
        link.close()
    assert bytes(reader.data) == payload[:sent] + b"\0" * (ends[1] - sent) + b"NEXT"


# -- profiles ------------------------------------------------------------------------------


def test_fail__unknown_profile() -> None:
    with pytest.raises(ProfileError, match=r"^printer\.profile: unknown profile 'TM-X999'") as e:
        load_profile(printer_config(profile="TM-X999"))
    assert "TM-T20II" in str(e.value)


def test_fail__profile_without_width_needs_one_configured() -> None:
    with pytest.raises(ProfileError, match=r"^printer\.width: profile 'default'"):
        load_profile(printer_config(profile="default"))
    assert load_profile(printer_config(profile="default", width=576)).width == 576


def test_fail__width_below_128_dots() -> None:
    with pytest.raises(ProfileError, match=r"^printer\.width"):
        load_profile(printer_config(width=100))


def test_fail__native_qr_on_a_printer_without_it() -> None:
    with pytest.raises(ProfileError, match=r"^printer\.qr: profile 'POS-5890' has no native QR"):
        load_profile(printer_config(profile="POS-5890", qr="native"))


@pytest.mark.parametrize(
    ("profile", "width", "native_qr", "cut"),
    [
        ("TM-T20II", 576, True, "partial"),
        ("TM-T88V", 512, True, "partial"),
        ("POS-5890", 384, False, "none"),
    ],
)
def test_ok__profile_capabilities(profile: str, width: int, native_qr: bool, cut: str) -> None:
    loaded = load_profile(printer_config(profile=profile))
    assert (loaded.name, loaded.width, loaded.native_qr, loaded.cut) == (
        profile,
        width,
        native_qr,
        cut,
    )
    assert loaded.codepage_table is None  # image mode sends no code page


@pytest.mark.parametrize(
    ("qr", "native"), [("auto", True), ("native", True), ("image", False), ("none", False)]
)
def test_ok__qr_setting_on_a_native_qr_printer(qr: str, native: bool) -> None:
    assert load_profile(printer_config(qr=qr)).native_qr is native


@pytest.mark.parametrize(
    ("profile", "wanted", "cut"),
    [
        ("TM-T20II", "partial", "partial"),
        ("TM-T20II", "full", "full"),
        ("TM-T20II", "none", "none"),
        ("POS-5890", "full", "none"),
    ],
)
def test_ok__cut_is_what_config_asks_and_the_model_can(profile: str, wanted: str, cut: str) -> None:
    assert load_profile(printer_config(profile=profile, cut=wanted)).cut == cut


@pytest.mark.parametrize(
    ("changes", "table"),
    [
        pytest.param({"codepage": "cp1258"}, 52, id="TM-T20II-cp1258"),
        pytest.param({"codepage": "ascii"}, 0, id="ascii"),
        pytest.param({"codepage": "cp1258", "codepage_table": 30}, 30, id="configured"),
        pytest.param({"codepage": "cp1258", "profile": "POS-5890"}, 27, id="POS-5890-cp1258"),
    ],
)
def test_ok__text_mode_code_page_table(changes: dict[str, Any], table: int) -> None:
    assert load_profile(printer_config(mode="text", **changes)).codepage_table == table


def test_fail__text_mode_on_a_model_without_cp1258() -> None:
    with pytest.raises(ProfileError, match=r"^printer\.codepage_table: profile 'TM-T88IV'"):
        load_profile(printer_config(mode="text", profile="TM-T88IV"))


@pytest.mark.parametrize(
    ("width", "expected"), [(576, 576), (500, 496), (520, 512), (383, 368), (130, 128)]
)
def test_ok__configured_width_overrides_rounded_down_to_16(width: int, expected: int) -> None:
    config = make_config(printer={"width": width}).printer
    assert config.width == width
    assert load_profile(config).width == expected


# -- tokens --------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "number"), [(DAY, "E123"), ("2027-01-02", "1023"), (DAY, "A1")])
def test_ok__token_round_trip(day: str, number: str) -> None:
    token = sign(KEY, day, number)
    stamp = dt.date.fromisoformat(day).strftime("%y%m%d")
    assert re.fullmatch(rf"HCC1:{stamp}:{number}:[A-Z2-7]{{16}}", token)
    assert verify(KEY, token) == TicketRef(day, number)


def test_ok__verify_accepts_lower_case_and_surrounding_space() -> None:
    assert verify(KEY, f"  {TOKEN.lower()}\n") == TicketRef(DAY, NUMBER)
    assert verify(KEY, TOKEN.title()) == TicketRef(DAY, NUMBER)


def other_signature_char(token: str) -> str:
    return token[:-1] + ("B" if token[-1] == "A" else "A")


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(TOKEN.replace(":E123:", ":E124:"), id="number"),
        pytest.param(TOKEN.replace(":261123:", ":261124:"), id="date"),
        pytest.param(other_signature_char(TOKEN), id="signature"),
        pytest.param(sign(b"another site key", DAY, NUMBER), id="other-key"),
    ],
)
def test_fail__verify_rejects_an_altered_token(token: str) -> None:
    assert token != TOKEN
    with pytest.raises(BadToken, match="not issued by this centre"):
        verify(KEY, token)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "HCC1",
        "E123",
        "https://dichvucong.gov.vn/",
        TOKEN.replace("HCC1", "HCC2"),
        TOKEN + "A",
        TOKEN[:-1],
        TOKEN.replace(":E123:", ":ABC123:"),
        TOKEN[:-1] + "1",  # 1 is not base32
        "HCC1:261399:E123:" + "A" * 16,  # no 99th of the month
        TOKEN.replace("261123", "٢٦١١٢٣"),  # Arabic-Indic digits
        TOKEN.replace(":", ";"),
    ],
)
def test_fail__verify_rejects_garbage(token: str) -> None:
    with pytest.raises(BadToken, match="not a ticket code"):
        verify(KEY, token)


TOKEN_LIKE = st.from_regex(r"HCC1:[0-9]{6}:[A-Z]{0,2}[0-9]{1,6}:[A-Z2-7]{16}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(), TOKEN_LIKE, TOKEN_LIKE.map(str.lower)))
def test_ok__verify_raises_nothing_but_bad_token(text: str) -> None:
    try:
        ref = verify(KEY, text)
    except BadToken:
        return
    assert sign(KEY, ref.day, ref.number) == text.strip().upper()


def test_ok__site_key_is_made_once_and_never_leaves_the_device(
    store: Store, tmp_path: Path
) -> None:
    events = store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    first = site_key(store, at(8))
    assert len(first) == 32
    assert site_key(store, at(9)) == first
    stored = store.conn.execute("SELECT value FROM kv WHERE key = 'ticket_key'").fetchone()
    assert stored == (first.hex(),)
    assert store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events
    leaked = store.conn.execute(
        "SELECT COUNT(*) FROM events WHERE data LIKE ?", (f"%{first.hex()}%",)
    ).fetchone()[0]
    assert leaked == 0
    with Store(tmp_path / "kiosk.db") as reopened:
        assert site_key(reopened, at(10)) == first
    with Store(tmp_path / "other-site.db") as other:
        assert site_key(other, at(8)) != first
    token = sign(first, DAY, NUMBER)
    assert verify(first, token) == TicketRef(DAY, NUMBER)
    with pytest.raises(BadToken):
        verify(KEY, token)
