"""Every printer connection the config offers, against the product's virtual printer:
network (a loopback TCP printer), device file, dummy; and ``config check`` of the
printer's profile and fonts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import PrinterConfig
from kiosk.desk import PrintFailed
from kiosk.slip import Slip
from printer import EscposPrinter, SocketPrinter, VirtualPrinter
from tests.conftest import ROOT, make_config

SLIP = Slip(
    site="Bộ phận Một cửa xã Thử Nghiệm",
    service="Tư pháp - Hộ tịch",
    number="B005",
    counters=(3, 4),
    issued=dt.datetime(2026, 11, 23, 8, 15),
    ahead=2,
    wait_minutes=16,
    priority=False,
    token="HCC1:261123:B005:K7QW3MZP2XTR5AB4",
    footer="Xin cảm ơn!",
)


def printer_config(**changes: object) -> PrinterConfig:
    base = make_config().printer
    return dataclasses.replace(base, timeout_seconds=0.5, **changes)  # type: ignore[arg-type]


Network = tuple[VirtualPrinter, SocketPrinter, EscposPrinter]


@pytest.fixture
def network() -> Iterator[Network]:
    virtual = VirtualPrinter(576)
    with SocketPrinter(virtual) as server:
        config = printer_config(connection="network", host="127.0.0.1", port=server.port)
        printer = EscposPrinter(config)
        try:
            yield virtual, server, printer
        finally:
            printer.close()


def wait_pages(virtual: VirtualPrinter, count: int) -> None:
    deadline = time.monotonic() + 3
    while len(virtual.pages) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(virtual.pages) == count


def test_ok__network_printer_status_and_ticket(network: Network) -> None:
    virtual, _, printer = network
    assert printer.status().state == "ready"
    sent = printer.print_slip(SLIP)
    wait_pages(virtual, 1)
    assert virtual.received >= sent
    assert virtual.qr_codes[0] == [SLIP.token]
    virtual.paper = "low"
    assert printer.status().state == "paper_low"
    virtual.cover_open = True
    assert printer.status().state == "cover_open"


def test_fail__network_printer_unplugged_and_back(network: Network) -> None:
    virtual, server, printer = network
    assert printer.status().state == "ready"
    server.unplug()
    assert printer.status().state == "disconnected"
    with pytest.raises(PrintFailed) as failed:
        printer.print_slip(SLIP)
    assert failed.value.status.state == "disconnected"
    server.plug()
    assert printer.status().state == "ready"
    printer.print_slip(SLIP)
    wait_pages(virtual, 1)


def test_fail__network_printer_silent(network: Network) -> None:
    virtual, _, printer = network
    virtual.silent = True
    status = printer.status()
    assert status.state == "silent"
    assert not status.printable  # a silent printer is not "plenty of paper"


def test_ok__file_printer_gets_the_exact_bytes(tmp_path: Path) -> None:
    path = tmp_path / "lp0"
    path.touch()
    printer = EscposPrinter(printer_config(connection="file", path=str(path)))
    try:
        status = printer.status()
        assert (status.state, status.printable) == ("unchecked", True)
        rendered = printer.renderer.render(SLIP)
        printer.send(rendered)
    finally:
        printer.close()
    assert path.read_bytes() == rendered.data


def test_fail__file_printer_missing_device(tmp_path: Path) -> None:
    printer = EscposPrinter(printer_config(connection="file", path=str(tmp_path / "no" / "lp0")))
    status = printer.status()
    assert status.state == "disconnected"
    assert "lp0" in status.detail


def test_ok__dummy_printer_keeps_the_bytes() -> None:
    printer = EscposPrinter(printer_config(connection="dummy"))
    assert printer.status().state == "unchecked"
    sent = printer.print_slip(SLIP)
    assert len(printer.link.transport.escpos.output) == sent


def test_fail__usb_printer_absent_is_reported_not_raised() -> None:
    printer = EscposPrinter(printer_config(connection="usb", usb_vendor_id=0x04B8,
                                           usb_product_id=0x0E15))  # fmt: skip
    status = printer.status()
    assert status.state == "disconnected"
    assert status.detail.startswith("USB 04b8:0e15: ")


def test_fail__config_check_names_bad_profile_and_font(tmp_path: Path) -> None:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('profile = "TM-T20II"', 'profile = "TM-T2OII"')
    mono = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
    text = text.replace("[printer]\n", f'[printer]\nfont = "{mono}"\n')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(path), "config", "check"],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 78
    lines = result.stderr.splitlines()
    assert lines[0].startswith("kiosk: config: printer.profile: unknown profile 'TM-T2OII'")
    assert lines[1].startswith("kiosk: config: printer.font: ")
    assert "lacks 46 Vietnamese letters" in lines[1]
    assert len(lines) == 2


def test_fail__usb_write_gives_up_at_one_deadline_not_one_per_chunk() -> None:
    """A USB printer taking each 4 KiB chunk slowly: the ticket fails after
    printer.timeout_seconds in all, each chunk given only what is left of it. (pyusb's
    device offers no simulated endpoint, so a stand-in records the write calls.)"""
    from printer._link import Link
    from printer._transports import LinkError
    from printer._transports.usb import UsbTransport

    timeouts: list[int] = []

    class SlowEndpoint:
        def write(self, endpoint: int, data: bytes, timeout: int) -> int:
            timeouts.append(timeout)
            time.sleep(0.2)
            return len(data)

    config = printer_config(connection="usb", usb_vendor_id=0x04B8, usb_product_id=0x0E15)
    transport = UsbTransport(config)
    transport.escpos = type("Usb", (), {"device": SlowEndpoint()})()
    link = Link(config, transport)
    started = time.monotonic()
    with pytest.raises(LinkError) as failed:
        link.write(b"\x1b@" * 20_000)  # ten chunks: two seconds at this pace
    assert time.monotonic() - started < 1.0
    assert "timed out" in str(failed.value) or "timeout" in str(failed.value).lower()
    assert 2 <= len(timeouts) <= 4
    assert timeouts == sorted(timeouts, reverse=True) and timeouts[0] <= 500
    assert link.sent == 4096 * len(timeouts)
