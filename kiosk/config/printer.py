"""``[printer]``: the ESC/POS ticket printer, how it is connected and how tickets are sent
to it, and what each kind of connection needs."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt


@dataclass(frozen=True, kw_only=True)
class PrinterConfig:
    """The ESC/POS ticket printer: how it is connected and how tickets are sent to it."""

    # "none": this controller has no ticket printer (the kiosk daemon will not start).
    connection: str = opt("none", p.one_of("none", "usb", "serial", "network", "file", "dummy"))
    # A python-escpos capabilities profile (paper width, native QR, cutter, code pages);
    # the default, Epson TM-T20II (80 mm, 576 dots), is what most 80 mm printers emulate.
    profile: str = opt("TM-T20II", p.text)
    # Printable width in dots; "" takes the profile's (576 on 80 mm paper, 384 on 58 mm).
    width: int | None = opt(None, p.optional_int_range(128, 2048))
    # image: Vietnamese rendered as a 1-bit image (any printer); text: the printer's code page.
    mode: str = opt("image", p.one_of("image", "text"))
    # Text mode only: cp1258 (Vietnamese) or ascii (letters without accents, any printer).
    codepage: str = opt("cp1258", p.one_of("cp1258", "ascii"))
    # ESC t number of that code page on this model; "" looks it up in the profile.
    codepage_table: int | None = opt(None, p.optional_int_range(0, 255))
    qr: str = opt("auto", p.one_of("auto", "native", "image", "none"))
    cut: str = opt("partial", p.one_of("partial", "full", "none"))
    # Ask the printer for paper and cover status before each ticket (where it can answer).
    status: str = opt("auto", p.one_of("auto", "off"))
    timeout_seconds: float = opt(5.0, p.number_range(0.5, 60))
    retry_seconds: float = opt(5.0, p.number_range(0.5, 300))
    usb_vendor_id: int | None = opt(None, p.optional_usb_id)
    usb_product_id: int | None = opt(None, p.optional_usb_id)
    usb_in_ep: int = opt(0x82, p.int_range(0x81, 0x8F))
    usb_out_ep: int = opt(0x01, p.int_range(0x01, 0x0F))
    serial_port: str = opt("", p.optional_path)
    baudrate: int = opt(
        115200, p.one_of_ints(2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
    )
    flow_control: str = opt("dsrdtr", p.one_of("none", "rtscts", "dsrdtr", "xonxoff"))
    host: str = opt("", p.optional_host)
    port: int = opt(9100, p.int_range(1, 65535))
    path: str = opt("", p.optional_path)
    # A TrueType font covering Vietnamese; "" finds DejaVu Sans or Noto Sans.
    font: str = opt("", p.optional_path)
    font_bold: str = opt("", p.optional_path)


# The keys each kind of connection cannot do without.
_CONNECTION_NEEDS = {
    "usb": ("usb_vendor_id", "usb_product_id"),
    "serial": ("serial_port",),
    "network": ("host",),
    "file": ("path",),
}


def check_printer(printer: PrinterConfig) -> list[str]:
    return [
        f"printer.{key}: required when connection = {printer.connection!r}"
        for key in _CONNECTION_NEEDS.get(printer.connection, ())
        if getattr(printer, key) in (None, "")
    ]
