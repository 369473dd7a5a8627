"""``[scanner]`` and ``[[scanner.devices]]``: the barcode scanners (kiosk run scanner) and
their checks."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt, required, tables


@dataclass(frozen=True, kw_only=True)
class ScannerDevice:
    """One barcode scanner: a USB scanner in keyboard (HID) mode, or a serial one."""

    # Names the scanner; a look-up screen shows the scans of the scanners it lists.
    id: str = required(p.slug)
    # Best the stable name: /dev/input/by-id/usb-...-event-kbd or /dev/serial/by-id/usb-...
    device: str = required(p.device_path)
    # "auto": hid for a path under /dev/input/, serial otherwise.
    kind: str = opt("auto", p.one_of("auto", "hid", "serial"))
    # Serial scanners only.
    baudrate: int = opt(9600, p.one_of_ints(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200))
    # How a serial scanner ends a code: "auto" (CR, LF or CRLF), one of those, or
    # "idle" for a scanner set to send no suffix (a pause of scanner.stall_ms ends it).
    framing: str = opt("auto", p.one_of("auto", "cr", "lf", "crlf", "idle"))

    @property
    def is_hid(self) -> bool:
        if self.kind == "auto":
            return self.device.startswith("/dev/input/")
        return self.kind == "hid"


@dataclass(frozen=True, kw_only=True)
class ScannerConfig:
    """Barcode scanners (kiosk run scanner): appointment slips and ticket QR codes."""

    # A scan that pauses this long before its end is discarded (a partial read).
    stall_ms: int = opt(300, p.int_range(20, 5000))
    # The same code again within this many seconds is one scan (a slip left under a
    # scanner in continuous mode is read over and over).
    repeat_seconds: float = opt(3.0, p.number_range(0, 60))
    # A scanner that is absent or was unplugged is looked for again this often.
    retry_seconds: float = opt(2.0, p.number_range(0.2, 60))
    devices: tuple[ScannerDevice, ...] = tables(ScannerDevice)


def check_scanner(scanner: ScannerConfig) -> list[str]:
    """Each scanner named once and read once, a serial one not at an input device's path."""
    problems = []
    ids = [d.id for d in scanner.devices]
    for index, device in enumerate(scanner.devices):
        path = f"scanner.devices[{index}]"
        if ids.count(device.id) > 1 and ids.index(device.id) != index:
            problems.append(f"{path}.id: {device.id!r} is used by another scanner")
        if not device.is_hid and device.device.startswith("/dev/input/"):
            problems.append(f"{path}.kind: a serial scanner cannot be {device.device}")
    paths = [d.device for d in scanner.devices]
    for index, device in enumerate(scanner.devices):
        if paths.index(device.device) != index:
            problems.append(
                f"scanner.devices[{index}].device: {device.device} is already "
                f"scanner {ids[paths.index(device.device)]!r}"
            )
    return problems
