"""Each printer transport on its own: a write that gives up at its deadline, dropping bytes
that came unasked, reading a status byte, and what a failed device is reported as; the
padding owed after a cut-off write; and ``printer.open``, which picks the transport.

Real ptys, sockets and pipes play the printer; USB, which has no simulated device, gets a
hand-written stand-in for pyusb's device that raises pyusb's own errors.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import socket
import time
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest
import usb.core
from hypothesis import given
from hypothesis import strategies as st

import printer
from kiosk.config import PrinterConfig
from kiosk.desk import DISCONNECTED, SILENT
from printer import EscposPrinter, NotConfigured, ProfileError
from printer._resync import Resync
from printer._transports import LinkError, Transport, Unconfigured, opened
from printer._transports.file import DummyTransport, FileTransport
from printer._transports.network import NetworkTransport
from printer._transports.serial import SerialTransport
from printer._transports.usb import NO_LIBUSB, UsbTransport, _libusb_missing
from tests.conftest import make_config
from tests.printer.test_printer import wait_for

DEADLINE = 0.3
SLACK = 0.5  # a shared test machine's scheduling


def printer_config(**changes: object) -> PrinterConfig:
    base = make_config().printer
    return dataclasses.replace(base, timeout_seconds=0.5, **changes)  # type: ignore[arg-type]


def stalled_write(transport: Transport, size: int) -> LinkError:
    """A write of ``size`` bytes nobody reads: it must give up at its deadline."""
    data = b"\xaa" * size
    started = time.monotonic()
    with pytest.raises(LinkError) as cut:
        transport.write(data, started + DEADLINE)
    took = time.monotonic() - started
    assert DEADLINE - 0.01 <= took < DEADLINE + SLACK
    assert cut.value.status.state == SILENT
    assert f"write timed out after {cut.value.sent} of {size} bytes" in str(cut.value)
    assert 0 < cut.value.sent < size
    return cut.value


# -- the padding owed after a cut-off write ------------------------------------------------


def test_ok__resync_pads_a_cut_off_command_to_its_end() -> None:
    resync = Resync()
    assert resync.cut_off(b"", 7, ends=(2, 10, 14)) == 7
    assert resync.take() == b"\0" * 3
    assert resync.take() == b""


def test_ok__resync_owes_nothing_when_cut_between_commands() -> None:
    resync = Resync()
    assert resync.cut_off(b"", 10, ends=(2, 10, 14)) == 10
    assert resync.owed == b""


def test_fail__resync_cut_inside_the_padding_still_owes_its_rest() -> None:
    resync = Resync()
    assert resync.cut_off(b"\0" * 5, 2, ends=(3, 8)) == 0
    assert resync.owed == b"\0" * 3


@given(st.lists(st.integers(1, 500), max_size=8), st.integers(0, 30), st.data())
def test_ok__resync_always_ends_on_a_command_end(
    sizes: list[int], owed: int, data: st.DataObject
) -> None:
    ends = tuple(sum(sizes[: n + 1]) for n in range(len(sizes)))
    total = owed + (ends[-1] if ends else 0)
    sent = data.draw(st.integers(0, total))
    resync = Resync()
    done = resync.cut_off(b"\0" * owed, sent, ends)
    if sent < owed:
        assert (done, len(resync.owed)) == (0, owed - sent)
    else:
        assert done == sent - owed
        assert done + len(resync.owed) in (0, *ends)  # where the next command may start


# -- serial, on a pseudo-terminal ----------------------------------------------------------


@pytest.fixture
def serial_line(tmp_path: Path) -> Iterator[tuple[int, SerialTransport]]:
    """A serial transport opened on a raw pty; the test holds the printer's (master) end."""
    master, slave = os.openpty()
    tty.setraw(slave)
    path = tmp_path / "ttyPRINTER"
    path.symlink_to(os.ttyname(slave))
    transport = SerialTransport(
        printer_config(connection="serial", serial_port=str(path), flow_control="none")
    )
    transport.open()
    yield master, transport
    transport.close(discard=True)
    for fd in (master, slave):
        with contextlib.suppress(OSError):  # closed by the test: the printer unplugged
            os.close(fd)


def test_ok__serial_reads_a_status_byte(serial_line: tuple[int, SerialTransport]) -> None:
    master, transport = serial_line
    assert transport.read_byte(0.05) is None
    os.write(master, b"\x12")
    assert transport.read_byte(1) == 0x12


def test_ok__serial_drain_drops_what_came_unasked(
    serial_line: tuple[int, SerialTransport],
) -> None:
    master, transport = serial_line
    os.write(master, b"late reply\x12")
    assert wait_for(lambda: transport.escpos.device.in_waiting == 11)
    transport.drain()
    assert transport.read_byte(0.05) is None


def test_fail__serial_write_gives_up_at_its_deadline(
    serial_line: tuple[int, SerialTransport],
) -> None:
    _, transport = serial_line
    cut = stalled_write(transport, 200_000)
    assert not cut.broken  # the line is held, not gone: no need to open it again


def test_fail__serial_port_gone_is_disconnected(serial_line: tuple[int, SerialTransport]) -> None:
    master, transport = serial_line
    os.close(master)
    with pytest.raises(LinkError) as gone:
        transport.read_byte(0.2)
    assert (gone.value.status.state, gone.value.broken) == (DISCONNECTED, True)
    assert gone.value.status.detail.startswith(f"serial {transport.config.serial_port} at ")


def test_fail__serial_port_missing_cannot_be_opened(tmp_path: Path) -> None:
    transport = SerialTransport(
        printer_config(connection="serial", serial_port=str(tmp_path / "ttyNONE"))
    )
    with pytest.raises(LinkError) as missing:
        transport.open()
    assert missing.value.status.state == DISCONNECTED
    assert str(tmp_path / "ttyNONE") in missing.value.status.detail
    assert transport.escpos is None


# -- network, on a loopback socket ---------------------------------------------------------


@pytest.fixture
def network_line() -> Iterator[tuple[socket.socket, NetworkTransport]]:
    """A network transport connected to a loopback socket the test holds as the printer."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        transport = NetworkTransport(
            printer_config(connection="network", host="127.0.0.1", port=port)
        )
        transport.open()
        peer, _ = server.accept()
    yield peer, transport
    transport.close()
    peer.close()


def test_ok__network_reads_a_status_byte(
    network_line: tuple[socket.socket, NetworkTransport],
) -> None:
    peer, transport = network_line
    assert transport.read_byte(0.05) is None
    peer.sendall(b"\x12")
    assert transport.read_byte(1) == 0x12


def test_ok__network_drain_drops_what_came_unasked(
    network_line: tuple[socket.socket, NetworkTransport],
) -> None:
    peer, transport = network_line
    peer.sendall(b"late reply")
    time.sleep(0.05)  # on loopback, there by now
    transport.drain()
    assert transport.read_byte(0.05) is None
    peer.sendall(b"\x12")
    assert transport.read_byte(1) == 0x12  # the socket still blocks after the drain


def test_fail__network_write_gives_up_at_its_deadline(
    network_line: tuple[socket.socket, NetworkTransport],
) -> None:
    _, transport = network_line
    cut = stalled_write(transport, 32 * 1024 * 1024)  # far more than loopback buffers
    assert not cut.broken


def test_fail__network_printer_closing_is_disconnected(
    network_line: tuple[socket.socket, NetworkTransport],
) -> None:
    peer, transport = network_line
    peer.close()
    with pytest.raises(LinkError) as gone:
        transport.read_byte(1)
    assert (gone.value.status.state, gone.value.broken) == (DISCONNECTED, True)
    assert gone.value.status.detail.endswith(": printer closed the connection")


def test_fail__network_printer_refusing_cannot_be_opened() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # bound, not listening: a connection is refused
        transport = NetworkTransport(
            printer_config(connection="network", host="127.0.0.1", port=port)
        )
        with pytest.raises(LinkError) as refused:
            transport.open()
    assert refused.value.status.state == DISCONNECTED
    assert refused.value.status.detail.startswith(f"network 127.0.0.1:{port}: ")


# -- a device file: here a named pipe --------------------------------------------------------


@pytest.fixture
def pipe_line(tmp_path: Path) -> Iterator[tuple[int, FileTransport]]:
    """A file transport writing to a FIFO; the test holds its reading end, never reading."""
    path = tmp_path / "lp0"
    os.mkfifo(path)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    transport = FileTransport(printer_config(connection="file", path=str(path)))
    transport.open()
    yield reader, transport
    transport.close()
    with contextlib.suppress(OSError):
        os.close(reader)


def test_fail__file_write_gives_up_at_its_deadline(
    pipe_line: tuple[int, FileTransport],
) -> None:
    reader, transport = pipe_line
    cut = stalled_write(transport, 1024 * 1024)
    assert not cut.broken
    assert len(os.read(reader, 2 * 1024 * 1024)) == cut.sent  # what went, and only that


def test_ok__file_has_nothing_to_drain_or_read(pipe_line: tuple[int, FileTransport]) -> None:
    reader, transport = pipe_line
    assert not transport.can_read
    transport.drain()
    assert transport.read_byte(0.05) is None
    transport.write(b"\x1b@", time.monotonic() + DEADLINE)
    assert os.read(reader, 16) == b"\x1b@"


def test_fail__file_reader_gone_is_disconnected(pipe_line: tuple[int, FileTransport]) -> None:
    reader, transport = pipe_line
    os.close(reader)
    with pytest.raises(LinkError) as gone:
        transport.write(b"\x1b@", time.monotonic() + DEADLINE)
    assert (gone.value.status.state, gone.value.broken) == (DISCONNECTED, True)
    assert gone.value.status.detail == f"file {transport.config.path}: Broken pipe"


def test_ok__dummy_keeps_the_bytes() -> None:
    transport = DummyTransport()
    transport.open()
    transport.write(b"\x1b@", time.monotonic())
    transport.write(b"AB", time.monotonic())
    assert transport.escpos.output == b"\x1b@AB"
    assert transport.read_byte(0.01) is None


def test_fail__no_connection_says_so_at_every_use() -> None:
    transport = Unconfigured()
    for use in (transport.open, transport.drain, lambda: transport.write(b"x", 0)):
        with pytest.raises(LinkError, match=r"^printer\.connection: no printer configured"):
            use()


# -- USB, over a stand-in for pyusb's device ----------------------------------------------


class UsbDevice:
    """What pyusb's ``Device`` does for a printer, as the test sets it: ``replies`` are read
    one at a time, then reads time out; ``fail`` is raised by every call."""

    def __init__(self, replies: bytes = b"", *, pace: float = 0.0) -> None:
        self.replies = bytearray(replies)
        self.pace = pace
        self.fail: usb.core.USBError | None = None
        self.timeouts: list[int] = []

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        self.timeouts.append(timeout)
        if self.fail is not None:
            raise self.fail
        time.sleep(self.pace)
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int) -> bytes:
        self.timeouts.append(timeout)
        if self.fail is not None:
            raise self.fail
        if not self.replies:
            raise usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
        data = bytes(self.replies[:size])
        del self.replies[:size]
        return data


def usb_line(device: UsbDevice) -> UsbTransport:
    transport = UsbTransport(
        printer_config(connection="usb", usb_vendor_id=0x04B8, usb_product_id=0x0E15)
    )
    transport.escpos = type("Usb", (), {"device": device})()
    return transport


def test_ok__usb_reads_a_status_byte_and_times_out_quietly() -> None:
    transport = usb_line(UsbDevice(b"\x12"))
    assert transport.read_byte(0.2) == 0x12
    assert transport.read_byte(0.0001) is None
    assert transport.escpos.device.timeouts == [200, 1]  # never 0: libusb's "no timeout"


def test_ok__usb_drain_reads_until_nothing_comes() -> None:
    device = UsbDevice(b"late reply" * 20)
    transport = usb_line(device)
    transport.drain()
    assert device.replies == b""
    assert transport.read_byte(0.05) is None


def test_fail__usb_write_gives_up_at_its_deadline() -> None:
    transport = usb_line(UsbDevice(pace=0.2))
    cut = stalled_write(transport, 20 * 4096)
    assert not cut.broken


def test_fail__usb_timeout_from_pyusb_is_silent_and_reopens() -> None:
    device = UsbDevice()
    device.fail = usb.core.USBTimeoutError("Operation timed out", -7, errno.ETIMEDOUT)
    with pytest.raises(LinkError) as cut:
        usb_line(device).write(b"\x1b@", time.monotonic() + DEADLINE)
    assert (cut.value.status.state, cut.value.broken) == (SILENT, True)


@pytest.mark.parametrize("use", ["write", "read_byte"])
def test_fail__usb_device_gone_is_disconnected(use: str) -> None:
    device = UsbDevice(b"\x12")
    device.fail = usb.core.USBError(
        "No such device (it may have been disconnected)", -4, errno.ENODEV
    )
    transport = usb_line(device)
    with pytest.raises(LinkError) as gone:
        if use == "write":
            transport.write(b"\x1b@", time.monotonic() + DEADLINE)
        else:
            transport.read_byte(0.2)
    assert (gone.value.status.state, gone.value.broken) == (DISCONNECTED, True)
    assert gone.value.status.detail.startswith("USB 04b8:0e15: ")
    assert "No such device" in gone.value.status.detail


def test_fail__usb_without_libusb_says_what_to_install() -> None:
    config = printer_config(connection="usb")

    def no_backend() -> None:
        raise usb.core.NoBackendError("No backend available")

    with pytest.raises(LinkError) as missing:
        opened(config, no_backend, hint=_libusb_missing)
    assert missing.value.status.detail == f"USB 04b8:0e15: No backend available{NO_LIBUSB}"
    with pytest.raises(LinkError) as other:
        opened(config, lambda: 1 / 0, hint=_libusb_missing)
    assert NO_LIBUSB not in other.value.status.detail


# -- printer.open ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connection", "kind"),
    [
        ("usb", UsbTransport),
        ("serial", SerialTransport),
        ("network", NetworkTransport),
        ("file", FileTransport),
        ("dummy", DummyTransport),
    ],
)
def test_ok__open_picks_the_transport_without_touching_the_device(
    connection: str, kind: type, tmp_path: Path
) -> None:
    made = printer.open(
        printer_config(
            connection=connection,
            serial_port=str(tmp_path / "no"),
            path=str(tmp_path / "no" / "lp0"),
        )
    )
    assert isinstance(made, EscposPrinter)
    assert isinstance(made.link.transport, kind)
    assert made.link.transport.escpos is None
    assert made.width == 576


def test_ok__open_dummy_printer_prints() -> None:
    from tests.printer.test_printer_links import SLIP

    made = printer.open(printer_config(connection="dummy"))
    assert made.status().state == "unchecked"
    sent = made.print_slip(SLIP)
    assert len(made.link.transport.escpos.output) == sent


def test_fail__open_without_a_printer_is_a_config_error() -> None:
    with pytest.raises(NotConfigured) as error:
        printer.open(printer_config(connection="none"))
    assert str(error.value) == 'printer.connection is "none": set the printer in [printer]'
    assert isinstance(error.value, ValueError)


def test_fail__open_with_a_bad_profile_names_the_key() -> None:
    with pytest.raises(ProfileError, match=r"^printer\.profile: unknown profile 'TM-X999'"):
        printer.open(printer_config(connection="dummy", profile="TM-X999"))
