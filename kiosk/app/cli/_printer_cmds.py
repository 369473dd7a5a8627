"""``kiosk ticket`` and ``kiosk printer test|status``: tickets as bytes, and the real printer."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import ticketing, tokens
from kiosk.app.context import Context
from kiosk.app.exits import CANTCREAT, UNAVAILABLE, CommandError
from kiosk.app.printer_setup import open_printer, renderer
from kiosk.app.render import named
from kiosk.slip import Slip, slip_for
from kiosk.vietnamese import LETTERS, TONES, nfc

if TYPE_CHECKING:
    from kiosk.config import Config


def write_atomically(path: Path, data: bytes) -> None:
    """The whole file or nothing: a half-written ticket must not be mistaken for one."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def cmd_ticket(ctx: Context) -> int:
    """Issue a ticket and write exactly the bytes the printer would get (and a preview)."""
    args, config = ctx.args, ctx.config
    render = renderer(config.printer)
    out, png = Path(args.out), Path(args.png) if args.png else None
    for path in filter(None, (out, png)):
        if not path.parent.is_dir():
            raise CommandError(f"cannot write {path}: no folder {path.parent}", CANTCREAT)
    store = ctx.store
    issued = ticketing.issue(store, config, args.service, now=ctx.now(), priority=args.priority)
    ticket = issued.ticket
    try:
        token = tokens.sign(tokens.site_key(store, ctx.now()), ticket.day, ticket.number)
        rendered = render.render(slip_for(config, issued, token))
        write_atomically(out, rendered.data)
        if png is not None:
            rendered.preview().save(png, optimize=True)
    except BaseException as exc:
        ticketing.void(store, config, ticket.uid, "write_failed", now=ctx.now())
        if isinstance(exc, OSError):
            raise CommandError(
                f"cannot write ticket {ticket.number}: {exc.strerror or exc} "
                "(the number is voided)",
                CANTCREAT,
            ) from None
        raise
    ticket = ticketing.mark_printed(store, config, ticket.uid, now=ctx.now())
    data: dict[str, Any] = {
        **issued.to_json(),
        "status": ticket.status,
        "bytes": len(rendered.data),
        "out": str(out),
        "png": str(png) if png else None,
        "token": token,
        "mode": config.printer.mode,
        "width": rendered.width,
    }
    shown = f" and its picture to {png}" if png else ""
    said = f"Issued {named(config, ticket)}; wrote its {len(rendered.data)} bytes to {out}"
    ctx.emit(data, f"{said}{shown}.")
    return 0


def letter_groups() -> str:
    """The 134 Vietnamese letters, each base letter's with its tones together ("àáảãạ
    ăằắẳẵặ … đ ÀÁẢÃẠ …"): words short enough to wrap on any paper."""
    groups: list[list[str]] = []
    base = ""
    for letter in LETTERS:
        toneless = nfc("".join(c for c in unicodedata.normalize("NFD", letter) if c not in TONES))
        if toneless != base:
            groups.append([])
            base = toneless
        groups[-1].append(letter)
    return " ".join("".join(group) for group in groups)


def test_slip(config: Config, printer_width: int) -> Slip:
    now = dt.datetime.now().astimezone()
    return Slip(
        site=config.site.name,
        service="TRANG IN THỬ - Kiểm tra máy in",
        number="A000",
        counters=tuple(c.number for c in config.counters[:3]),
        issued=now,
        ahead=0,
        wait_minutes=None,
        priority=False,
        token="HCC1:TEST",
        footer=(
            f"{config.printer.profile}, {printer_width} điểm, chế độ {config.printer.mode}. "
            f"{letter_groups()}"
        ),
    )


def cmd_printer(ctx: Context) -> int:
    from kiosk.desk import PrintFailed

    config = ctx.config
    printer = open_printer(config.printer)
    try:
        status = printer.status()
        if not status.printable:
            raise CommandError(f"printer not ready: {status.state} ({status.detail})", UNAVAILABLE)
        if ctx.args.printer_command == "status":
            detail = f" ({status.detail})" if status.detail else ""
            ctx.emit({"ok": True, **status.to_json()}, f"printer: {status.state}{detail}")
            return 0
        try:
            sent = printer.print_slip(test_slip(ctx.config, printer.width))
        except PrintFailed as failed:
            raise CommandError(f"test page failed: {failed}", UNAVAILABLE) from None
        ctx.emit(
            {"ok": True, "bytes": sent, **status.to_json()},
            f"test page sent ({sent} bytes); printer: {status.state}",
        )
        return 0
    finally:
        with contextlib.suppress(Exception):
            printer.close()
