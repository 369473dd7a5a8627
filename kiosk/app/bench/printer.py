"""Printing figures for ``kiosk bench``: press to last byte, and bytes per ticket."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import printer as printers
from kiosk import tokens
from kiosk.config import Config
from kiosk.desk import Desk
from kiosk.keys.kiosk import Buttons
from kiosk.slip import Slip
from kiosk.stats import timing
from kiosk.store import Store
from printer import Renderer
from printer.virtual import PtyPrinter, VirtualPrinter

BAUD = 115200  # 10 bits a byte on the wire (start, 8 data, stop)


def press_to_print(config: Config, work: Path, n: int) -> dict[str, Any]:
    """gpiozero press (MockFactory) -> issue + commit -> status query -> render -> last byte
    written to a serial printer on a pty (the virtual printer answers status and prints)."""
    from gpiozero.pins.mock import MockFactory

    port = work / "printer"
    printer_config = dataclasses.replace(
        config.printer,
        connection="serial",
        serial_port=str(port),
        mode="image",
        flow_control="xonxoff",
        status="auto",
        baudrate=115200,
    )
    kiosk = dataclasses.replace(config.kiosk, cooldown_seconds=0, hold_seconds=0)
    config = dataclasses.replace(config, printer=printer_config, kiosk=kiosk)
    virtual = VirtualPrinter()
    pins = MockFactory()
    samples: list[float] = []
    with (
        PtyPrinter(virtual, port),
        Store(work / "print-bench.db", config.store.busy_timeout_ms) as store,
    ):
        printer = printers.open(printer_config)
        desk = Desk(config, store, printer)
        buttons = Buttons(config.kiosk, desk.presses, pin_factory=pins)
        try:
            pin_numbers = [button.pin for button in config.kiosk.buttons]
            desk.check_printer()
            for i in range(n + 5):
                pin = pins.pin(pin_numbers[i % len(pin_numbers)])
                pin.drive_low()
                pin.drive_high()
                press = desk.presses.get_nowait()
                outcome = desk.handle(press)
                if outcome.kind != "printed":
                    raise RuntimeError(f"bench ticket not printed: {outcome}")
                if i >= 5:  # the first few warm the font and layout caches
                    samples.append((outcome.printed_at - press.at) * 1000)
        finally:
            buttons.close()
            printer.close()
            pins.reset()
    return {
        **timing(samples),
        "printer": "serial pty, 115200 baud setting, status queried",
        "goal_p99_ms": 50,
    }


def ticket_bytes(config: Config) -> dict[str, Any]:
    """Bytes of a ticket with the site's longest service name and its footer."""
    longest = max(config.services, key=lambda service: len(service.name))
    slip = Slip(
        site=config.site.name,
        service=longest.name,
        number=f"{longest.prefix}123" if longest.prefix else str((longest.band or (1001,))[0]),
        counters=tuple(c.number for c in config.counters if longest.id in c.services),
        issued=dt.datetime(2026, 11, 23, 8, 15),
        ahead=12,
        wait_minutes=35,
        priority=False,
        token=tokens.sign(b"bench", "2026-11-23", "E123"),
        footer=config.kiosk.footer,
    )
    out: dict[str, Any] = {"service": longest.name}
    for mode, width, profile in (
        ("image", 576, "TM-T20II"),
        ("image", 384, "POS-5890"),
        ("text", 576, "TM-T20II"),
    ):
        printer_config = dataclasses.replace(
            config.printer,
            mode=mode,
            width=width,
            profile=profile,
            codepage="cp1258",
            codepage_table=None,
            qr="auto",
        )
        rendered = Renderer(printer_config).render(slip)
        size = len(rendered.data)
        out[f"{mode}_{width}"] = {
            "profile": profile,
            "bytes": size,
            "transmit_ms_at_115200": round(size * 10 / BAUD * 1000, 1),
            "goal_bytes": 12 * 1024 if mode == "image" and width == 576 else None,
        }
    out["text_576"]["goal_bytes"] = 1536
    return out


def printing(config: Config, work: Path, n: int) -> dict[str, Any]:
    return {
        "press_to_last_byte": press_to_print(config, work, min(n, 300)),
        "ticket_bytes": ticket_bytes(config),
    }
