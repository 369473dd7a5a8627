"""The kiosk's ticket printer: layout, encoding, status and the wire, behind one object."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from kiosk.config import PrinterConfig
from kiosk.desk import SILENT, UNCHECKED, PrinterStatus, PrintFailed
from kiosk.procedures import Checklist
from kiosk.slip import Slip
from printer import _status
from printer._checklist import ChecklistLayout
from printer._escpos import encode
from printer._fonts import BOLD, REGULAR, FontError, check_font, find_font
from printer._layout import Fonts, Piece, Qr, TicketLayout
from printer._link import Link
from printer._preview import preview
from printer._profile import ProfileError, load_profile
from printer._text import encode_text_ticket
from printer._transports import LinkError, Transport


@dataclass(frozen=True)
class Rendered:
    """One ticket exactly as the printer gets it, and how it comes out."""

    data: bytes
    ends: tuple[int, ...]  # where each command ends, for re-sync after a cut-off write
    width: int
    pieces: tuple[Piece, ...] | None  # image mode: the drawn pieces

    def preview(self) -> Image.Image:
        if self.pieces is not None:
            return preview(list(self.pieces), self.width)
        # Text mode: the printer draws the letters; this is a close likeness.
        from printer.virtual import VirtualPrinter

        printer = VirtualPrinter(self.width)
        printer.feed(self.data)
        printer.finish()  # a model without a cutter never cuts the page
        return printer.pages[0]


def config_problems(config: PrinterConfig) -> list[str]:
    """Every problem with the profile and fonts ``config`` names (a renderer stops at one)."""
    problems = []
    try:
        load_profile(config)
    except ProfileError as exc:
        problems.append(str(exc))
    for key, configured, candidates in (
        ("font", config.font, REGULAR),
        ("font_bold", config.font_bold, BOLD),
    ):
        try:
            check_font(find_font(configured, candidates, f"printer.{key}"), key)
        except FontError as exc:
            problems.append(str(exc))
    return problems


class Renderer:
    """Slips to bytes for one printer profile and mode."""

    def __init__(self, config: PrinterConfig) -> None:
        self.config = config
        self.profile = load_profile(config)
        fonts = Fonts(
            check_font(find_font(config.font, REGULAR, "printer.font"), "font"),
            check_font(find_font(config.font_bold, BOLD, "printer.font_bold"), "font_bold"),
        )
        self.layout = TicketLayout(self.profile.width, fonts, native_qr=self.profile.native_qr)
        self.sheets = ChecklistLayout(self.profile.width, fonts, native_qr=self.profile.native_qr)

    def render(self, slip: Slip) -> Rendered:
        if self.config.qr == "none":
            slip = dataclasses.replace(slip, token="")
        if self.config.mode == "text":
            commands = encode_text_ticket(slip, self.profile, self.profile.cut)
            return Rendered(bytes(commands.data), tuple(commands.ends), self.profile.width, None)
        pieces = self.layout.pieces(slip)
        commands = encode(pieces, self.profile.cut)
        return Rendered(
            bytes(commands.data), tuple(commands.ends), self.profile.width, tuple(pieces)
        )

    def render_checklist(self, sheet: Checklist) -> Rendered:
        """A list of papers to bring, always drawn (image mode)."""
        pieces = self.sheets.checklist(sheet)
        if self.config.qr == "none":
            pieces = [piece for piece in pieces if not isinstance(piece, Qr)]
        commands = encode(pieces, self.profile.cut)
        return Rendered(
            bytes(commands.data), tuple(commands.ends), self.profile.width, tuple(pieces)
        )


class EscposPrinter:
    """A :class:`kiosk.desk.TicketPrinter` over python-escpos.

    Construction checks profile and fonts (bad ones raise ``ValueError`` subclasses
    naming the config key) but does not touch the device: an unplugged printer is
    found and retried by :meth:`status`. The ``transport`` is the one
    ``config.connection`` names unless given.
    """

    def __init__(self, config: PrinterConfig, transport: Transport | None = None) -> None:
        self.config = config
        self.renderer = Renderer(config)
        self.link = Link(config, transport)

    @property
    def width(self) -> int:
        return self.renderer.profile.width

    def status(self) -> PrinterStatus:
        try:
            self.link.open()
            if not self.link.can_read or self.config.status == "off":
                return PrinterStatus(UNCHECKED, "this connection cannot report paper or cover")
            printer = self.link.query(_status.PRINTER)
            if printer is None:
                return PrinterStatus(SILENT, "no answer to the status query")
            cause = error = None
            if printer & 0x08:
                cause = self.link.query(_status.OFFLINE_CAUSE)
                if cause is not None and cause & 0x40:
                    error = self.link.query(_status.ERROR_CAUSE)
            paper = self.link.query(_status.ROLL_PAPER)
            if paper is None:
                return PrinterStatus(SILENT, "no answer to the paper status query")
            return _status.interpret(printer, cause, error, paper)
        except LinkError as exc:
            return exc.status

    def send(self, rendered: Rendered) -> None:
        try:
            self.link.write(rendered.data, ends=rendered.ends)
        except LinkError as exc:
            raise PrintFailed(exc.status) from None

    def print_slip(self, slip: Slip) -> int:
        rendered = self.renderer.render(slip)
        self.send(rendered)
        return len(rendered.data)

    def print_checklist(self, sheet: Checklist) -> int:
        """Render and send a list of papers to bring; the bytes sent. :class:`PrintFailed`."""
        rendered = self.renderer.render_checklist(sheet)
        self.send(rendered)
        return len(rendered.data)

    def close(self) -> None:
        self.link.close()


class PagePrinter:
    """A :class:`kiosk.desk.TicketPrinter` that prints into a :class:`VirtualPrinter` and
    saves each page as a PNG named after the ticket: the demo's kiosk printer."""

    def __init__(self, config: PrinterConfig, out: Path | None = None) -> None:
        from printer.virtual import VirtualPrinter

        self.renderer = Renderer(config)
        self.virtual = VirtualPrinter(self.renderer.profile.width)
        self.out = out

    def status(self) -> PrinterStatus:
        return _status.interpret(
            self.virtual.status_byte(1),
            self.virtual.status_byte(2),
            None,
            self.virtual.status_byte(4),
        )

    def print_slip(self, slip: Slip) -> int:
        return self._page(self.renderer.render(slip), slip.number)

    def print_checklist(self, sheet: Checklist) -> int:
        return self._page(self.renderer.render_checklist(sheet), f"giay-to-{sheet.code}")

    def _page(self, rendered: Rendered, name: str) -> int:
        pages = self.virtual.jobs
        self.virtual.feed(rendered.data)
        if self.virtual.jobs != pages + 1:
            raise PrintFailed(self.status())
        if self.out is not None:
            self.virtual.pages[-1].save(self.out / f"{name}.png", optimize=True)
        self.virtual.pages.clear()  # keep memory flat over a long day
        return len(rendered.data)

    def close(self) -> None:
        pass
