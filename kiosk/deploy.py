"""What installing this controller needs from its configuration: the udev rules for its
devices (:func:`rules`) and the systemd units to enable (:func:`units`).

* The USB ticket printer (``printer.usb_vendor_id``/``usb_product_id``): group ``lp``,
  mode 0660, and the stable names ``/dev/kiosk/printer`` (the USB device python-escpos
  opens through libusb) and ``/dev/kiosk/printer-lp`` (the kernel's usblp node, if loaded).
* Each scanner: its group (``input`` for a keyboard-mode scanner, ``dialout`` for a serial
  one), mode 0660 and ``/dev/kiosk/scanner-ID``. A scanner configured by its
  ``/dev/input/by-id/`` or ``/dev/serial/by-id/`` name is matched by the USB serial that
  name is made of, so the rule follows it to any port.
* Serial scanners and printers are hidden from ModemManager, which otherwise probes them
  with AT commands for half a minute after every plug-in (and garbles the first scans).

``kiosk udev-rules`` prints them; the installer writes them to
``/etc/udev/rules.d/70-kiosk.rules``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from kiosk.config import Config

# /dev/input/by-id/usb-{ID_SERIAL}[-if{NN}]-event-kbd
# /dev/serial/by-id/usb-{ID_SERIAL}[-if{NN}][-port{N}]
_BY_ID = re.compile(r"usb-(?P<serial>.+?)(?:-if[0-9a-f]{2})?(?:-port\d+|-event-kbd|-event-\w+)?$")
MM_IGNORE = 'ENV{ID_MM_DEVICE_IGNORE}="1", ENV{ID_MM_PORT_IGNORE}="1"'


def usb_serial(device: str) -> str | None:
    """The udev ``ID_SERIAL`` a by-id path is named after, or None for another path."""
    path = PurePosixPath(device)
    if path.parent.name != "by-id" or not path.name.startswith("usb-"):
        return None
    found = _BY_ID.match(path.name)
    return found["serial"] if found else None


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _device(device: str, what: str, link: str, *, serial_port: bool) -> list[str]:
    """The rule for a scanner or serial printer: matched by the USB serial its by-id name
    carries, else by its kernel name; serial ports are hidden from ModemManager."""
    subsystem, group = ("tty", "dialout") if serial_port else ("input", "input")
    serial = usb_serial(device)
    if serial is not None:
        events = "" if serial_port else 'KERNEL=="event*", '
        match = f'SUBSYSTEM=="{subsystem}", {events}ENV{{ID_SERIAL}}=="{_quote(serial)}"'
    else:
        match = f'SUBSYSTEM=="{subsystem}", KERNEL=="{_quote(PurePosixPath(device).name)}"'
        follows = "the port, not the device" if serial_port else "the node"
        what += f" ({device} is not a by-id name: the rule follows {follows})"
    rule = f'{match}, GROUP="{group}", MODE="0660", SYMLINK+="kiosk/{link}"'
    return [f"# {what}", f"{rule}, {MM_IGNORE}" if serial_port else rule, ""]


def rules(config: Config) -> str:
    lines = [
        "# udev rules for the kiosk controller, made by `kiosk udev-rules` from",
        f"# {', '.join(config.sources) or 'the configuration'}. Write them again after changing",
        "# the printer or the scanners, then: udevadm control --reload && udevadm trigger",
        "",
    ]
    printer = config.printer
    if printer.connection == "usb" and printer.usb_vendor_id is not None:
        vendor, product = f"{printer.usb_vendor_id:04x}", f"{printer.usb_product_id or 0:04x}"
        ids = f'ATTR{{idVendor}}=="{vendor}", ATTR{{idProduct}}=="{product}"'
        parent_ids = f'ATTRS{{idVendor}}=="{vendor}", ATTRS{{idProduct}}=="{product}"'
        lines += [
            f"# the ticket printer, USB {vendor}:{product} ({printer.profile})",
            f'SUBSYSTEM=="usb", ENV{{DEVTYPE}}=="usb_device", {ids}, GROUP="lp", MODE="0660", '
            'SYMLINK+="kiosk/printer"',
            f'SUBSYSTEM=="usbmisc", KERNEL=="lp[0-9]*", {parent_ids}, GROUP="lp", MODE="0660", '
            'SYMLINK+="kiosk/printer-lp"',
            "",
        ]
    elif printer.connection == "serial" and printer.serial_port:
        lines += _device(printer.serial_port, "the ticket printer, serial", "printer",
                         serial_port=True)  # fmt: skip
    for scanner in config.scanner.devices:
        what = (f"scanner {scanner.id}, keyboard mode (the daemon grabs it)" if scanner.is_hid
                else f"scanner {scanner.id}, serial")  # fmt: skip
        lines += _device(scanner.device, what, f"scanner-{scanner.id}",
                         serial_port=not scanner.is_hid)  # fmt: skip
    return "\n".join(lines).rstrip("\n") + "\n"


def units(config: Config) -> list[str]:
    """The systemd units this configuration needs (the installer enables only these: a
    controller without a scanner does not run a failing scanner unit)."""
    needed = []
    if config.printer.connection != "none":
        needed.append("kiosk-kiosk.service")
    if any(counter.has_keys for counter in config.counters):
        needed.append("kiosk-counter.service")
    needed.append("kiosk-display-wall.service")
    if config.scanner.devices:
        needed += ["kiosk-display-lookup.service", "kiosk-scanner.service"]
    if config.sync.enabled:
        needed.append("kiosk-sync.service")
    return needed
