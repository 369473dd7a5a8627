"""What installing this controller needs from its configuration: the udev rules for its
devices (:func:`rules`) and the systemd units to enable (:func:`units`).

* The USB ticket printer (``printer.usb_vendor_id``/``usb_product_id``): group ``lp``,
  mode 0660, and the stable names ``/dev/kiosk/printer`` (the USB device python-escpos
  opens through libusb) and ``/dev/kiosk/printer-lp`` (the kernel's usblp node, if loaded).
* Each scanner: its group (``input`` for a keyboard-mode scanner, ``dialout`` for a serial
  one), mode 0660 and ``/dev/kiosk/scanner-ID``. A scanner configured by its
  ``/dev/input/by-id/`` or ``/dev/serial/by-id/`` name is matched by the USB serial, the
  interface and the input class that name is made of, so the rule follows it to any port
  and picks its keyboard, not the mouse or serial interface the same scanner also has. A
  ``by-path`` name is matched by the port (two scanners with the same serial); a kernel
  name by that node (a symlink such as ``/dev/serial0`` by the node it stands for).
* Serial scanners and printers are hidden from ModemManager, which otherwise probes them
  with AT commands for half a minute after every plug-in (and garbles the first scans).

``kiosk udev-rules`` prints them; the installer writes them to
``/etc/udev/rules.d/70-kiosk.rules``.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from kiosk.config import Config

# udev's own names (60-persistent-input.rules, 60-serial.rules):
#   /dev/input/by-id/usb-{ID_SERIAL}[-if{NN}]-event-{class}   (no -ifNN: interface 00)
#   /dev/input/by-id/usb-{ID_SERIAL}-event-if{NN}             (an interface of no class)
#   /dev/serial/by-id/usb-{ID_SERIAL}-if{NN}[-port{N}]
#   /dev/input/by-path/{ID_PATH}-event-{class}, /dev/serial/by-path/{ID_PATH}[-port{N}]
_INPUT_BY_ID = re.compile(
    r"usb-(?P<serial>.+?)(?:-if(?P<iface>[0-9a-f]{2}))?-event-(?:if(?P<bare>[0-9a-f]{2})|(?P<cls>\w+))$"
)
_SERIAL_BY_ID = re.compile(
    r"usb-(?P<serial>.+?)(?:-if(?P<iface>[0-9a-f]{2}))?(?:-port(?P<port>\d+))?$"
)
_INPUT_BY_PATH = re.compile(r"(?P<path>.+?)-event(?:-(?P<cls>\w+))?$")
# udev makes a second by-path name with the USB revision in it (ID_PATH_WITH_USB_REVISION).
_USB_REVISION = re.compile(r"-usbv\d+-")
_SERIAL_BY_PATH = re.compile(r"(?P<path>.+?)(?:-port(?P<port>\d+))?$")
# Kernel names a rule can match: what the kernel calls the node, never a symlink's name.
_KERNEL_NAME = re.compile(r"(?:tty[A-Za-z]+\d+|event\d+|hidraw\d+|rfcomm\d+)$")
# udev's input class of a by-id/by-path name, as the property that gives it.
# udev sets the class in order (kbd, then mouse, touchpad, tablet, joystick): the last wins.
_CLASS = {
    "kbd": (
        'ENV{ID_INPUT_KEYBOARD}=="?*", ENV{ID_INPUT_MOUSE}!="?*", '
        'ENV{ID_INPUT_TOUCHPAD}!="?*", ENV{ID_INPUT_TABLET}!="?*", '
        'ENV{ID_INPUT_JOYSTICK}!="?*"'
    ),
    "mouse": 'ENV{ID_INPUT_MOUSE}=="?*", ENV{ID_INPUT_JOYSTICK}!="?*"',
    "joystick": 'ENV{ID_INPUT_JOYSTICK}=="?*"',
}
MM_IGNORE = 'ENV{ID_MM_DEVICE_IGNORE}="1", ENV{ID_MM_PORT_IGNORE}="1"'


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _match(device: str, *, serial_port: bool) -> tuple[list[str], str]:
    """The udev keys that pick ``device`` out among every node (one interface of a scanner
    that is a keyboard, a mouse and a serial port at once), and a note for the comment;
    no keys when nothing stable can be matched."""
    path = PurePosixPath(device)
    kind, name = path.parent.name, path.name
    stable = _serial_match(kind, name) if serial_port else _input_match(kind, name)
    if stable is not None:
        return stable
    kernel = name if _KERNEL_NAME.match(name) else None
    if kernel is None and Path(device).exists():
        # A symlink of another kind (/dev/serial0 on a Pi): the node it stands for now.
        target = Path(device).resolve().name
        kernel = target if _KERNEL_NAME.match(target) else None
    if kernel is None:
        return [], f"{device} is neither a by-id, a by-path nor a kernel name: no rule"
    note = f"{device} is not a by-id name: the rule follows the node {kernel}"
    return [f'KERNEL=="{kernel}"'], note


def _serial_match(kind: str, name: str) -> tuple[list[str], str] | None:
    """A serial port's keys from its by-id or by-path name; None for another name."""
    by_id = _SERIAL_BY_ID.match(name) if kind == "by-id" and name.startswith("usb-") else None
    if by_id:
        keys = [f'ENV{{ID_SERIAL}}=="{_quote(by_id["serial"])}"']
        if by_id["iface"]:
            keys.append(f'ENV{{ID_USB_INTERFACE_NUM}}=="{by_id["iface"]}"')
        if by_id["port"]:
            keys.append(f'ATTRS{{port_number}}=="{by_id["port"]}"')
        return keys, ""
    by_path = _SERIAL_BY_PATH.match(name) if kind == "by-path" else None
    if by_path:
        keys = [_path_key(by_path["path"])]
        if by_path["port"]:
            keys.append(f'ATTRS{{port_number}}=="{by_path["port"]}"')
        return keys, "the USB port it is plugged into"
    return None


def _input_match(kind: str, name: str) -> tuple[list[str], str] | None:
    """An input device's keys from its by-id or by-path name; None for another name."""
    by_id = _INPUT_BY_ID.match(name) if kind == "by-id" and name.startswith("usb-") else None
    if by_id:
        keys = ['KERNEL=="event*"', f'ENV{{ID_SERIAL}}=="{_quote(by_id["serial"])}"']
        iface = by_id["iface"] or by_id["bare"]
        keys.append(
            f'ATTRS{{bInterfaceNumber}}=="{iface}"' if iface else 'ATTRS{bInterfaceNumber}=="|00"'
        )
        if by_id["cls"] in _CLASS:
            keys.append(_CLASS[by_id["cls"]])
        return keys, ""
    by_path = _INPUT_BY_PATH.match(name) if kind == "by-path" else None
    if by_path:
        keys = ['KERNEL=="event*"', _path_key(by_path["path"])]
        if by_path["cls"] in _CLASS:
            keys.append(_CLASS[by_path["cls"]])
        return keys, "the USB port it is plugged into"
    return None


def _path_key(path: str) -> str:
    key = "ID_PATH_WITH_USB_REVISION" if _USB_REVISION.search(path) else "ID_PATH"
    return f'ENV{{{key}}}=="{_quote(path)}"'


def _device(device: str, what: str, link: str, *, serial_port: bool) -> list[str]:
    """The rule for a scanner or serial printer; serial ports are hidden from ModemManager."""
    subsystem, group = ("tty", "dialout") if serial_port else ("input", "input")
    keys, note = _match(device, serial_port=serial_port)
    if note:
        what += f" ({note})"
    if not keys:
        return [f"# {what}", ""]
    match = ", ".join([f'SUBSYSTEM=="{subsystem}"', *keys])
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
        lines += _device(
            printer.serial_port, "the ticket printer, serial", "printer", serial_port=True
        )
    for scanner in config.scanner.devices:
        what = (
            f"scanner {scanner.id}, keyboard mode (the daemon grabs it)"
            if scanner.is_hid
            else f"scanner {scanner.id}, serial"
        )
        lines += _device(
            scanner.device, what, f"scanner-{scanner.id}", serial_port=not scanner.is_hid
        )
    return "\n".join(lines).rstrip("\n") + "\n"


def units(config: Config) -> list[str]:
    """The systemd units this configuration needs (the installer enables only these: a
    controller without a scanner does not run a failing scanner unit)."""
    needed = []
    if config.printer.connection != "none":
        needed.append("kiosk-kiosk.service")
    if any(counter.has_keys for counter in config.counters):
        needed.append("kiosk-counter.service")
    if config.scanner.devices:
        # The look-up screen beside the scanner is the Pi's second screen, and with KMSDRM
        # one process drives both (kiosk-display-lookup alone is for a desktop session).
        needed += ["kiosk-display-both.service", "kiosk-scanner.service"]
    else:
        needed.append("kiosk-display-wall.service")
    if config.sync.enabled:
        needed.append("kiosk-sync.service")
    return needed
