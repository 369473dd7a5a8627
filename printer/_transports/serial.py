"""A printer on a serial port (pyserial, through python-escpos's ``Serial``)."""

from __future__ import annotations

import contextlib
import termios
from typing import Any

import serial

from printer._transports import disconnected, opened, strerror
from printer._transports._base import EscposDevice
from printer._transports._fd import write_fd

QUERY_SECONDS = 0.5  # the port's read timeout until a query sets its own
# What pyserial raises for a port that is gone: SerialException (an OSError) from its
# reads, OSError from ioctl, termios.error from reconfiguring the port.
GONE = (serial.SerialException, OSError, termios.error)


class SerialTransport(EscposDevice):
    def connect(self) -> Any:
        from printer._escpos_lib import Serial

        config = self.config
        return opened(
            config,
            lambda: Serial(
                devfile=config.serial_port,
                baudrate=config.baudrate,
                timeout=QUERY_SECONDS,
                dsrdtr=config.flow_control == "dsrdtr",
                xonxoff=config.flow_control == "xonxoff",
            ),
        )

    def ready(self) -> None:
        config, device = self.config, self.escpos.device
        try:
            device.rtscts = config.flow_control == "rtscts"
        except GONE as exc:
            self.close(discard=True)
            raise disconnected(config, exc) from None
        with contextlib.suppress(*GONE):
            device.exclusive = True  # a second process must not interleave tickets

    def close(self, *, discard: bool = False) -> None:
        printer, self.escpos = self.escpos, None
        if printer is None:
            return
        # Not python-escpos's close: it flushes, which blocks for ever on a printer that
        # stopped reading (XOFF). The port is taken from it and closed here.
        device, printer.device = printer.device, None
        if discard:
            with contextlib.suppress(*GONE):
                device.reset_output_buffer()
        with contextlib.suppress(*GONE):
            device.close()

    def write(self, data: bytes, deadline: float) -> None:
        try:
            fd = self.escpos.device.fileno()
        except GONE as exc:
            raise disconnected(self.config, strerror(exc)) from None
        write_fd(self.config, fd, data, deadline)

    def drain(self) -> None:
        # Read, never tcflush: a flush can drop an XON the printer just sent before the
        # line discipline acts on it, leaving the port stopped.
        device = self.escpos.device
        try:
            while waiting := device.in_waiting:
                device.read(waiting)
        except GONE as exc:
            raise disconnected(self.config, exc) from None

    def read_byte(self, timeout: float) -> int | None:
        device = self.escpos.device
        try:
            device.timeout = timeout
            data = device.read(1)
        except GONE as exc:
            raise disconnected(self.config, exc) from None
        return data[0] if data else None
