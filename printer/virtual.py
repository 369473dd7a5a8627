"""A printer in software: it reads ESC/POS, answers status queries and "prints" pages.

It understands what this package sends (raster bands, feeds, native QR, text in
a code page, cuts) plus the real-time status commands, and keeps paper, cover and
online state that tests, the demo and the benchmark change at will. Served on a
pseudo-terminal (:class:`PtyPrinter`) it is, to pyserial and python-escpos, a
serial printer. Anything it does not understand is recorded in ``unknown``.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty
import unicodedata
from pathlib import Path
from typing import Self

from PIL import Image, ImageDraw, ImageOps

from printer._fonts import REGULAR, font
from printer._layout import INK, qr_image

LINE_DOTS = 30  # default line spacing (about 1/6 inch at 203 dpi)
CUTTER_FEED = 0  # dots the paper moves to the cutter: kept 0 so pages match previews
XOFF, XON = b"\x13", b"\x11"
CODEPAGES = {0: "cp437", 27: "cp1258", 35: "cp1258", 52: "cp1258", 94: "cp1258"}


class Incomplete(Exception):
    """The buffer ends inside a command: wait for more bytes."""


class VirtualPrinter:
    def __init__(self, width: int = 576) -> None:
        self.width = width
        self.paper = "ok"  # ok | low | out
        self.cover_open = False
        self.online = True
        self.error = False
        self.silent = False  # connected but never answers status queries
        self.pages: list[Image.Image] = []  # black on white, one per cut
        self.texts: list[list[str]] = [[]]  # text lines per page (text mode)
        self.qr_codes: list[list[str]] = [[]]
        self.unknown: list[bytes] = []
        self.received = 0
        self.lost = 0  # bytes that arrived while it could not print
        self.jobs = 0  # pages cut
        self._buffer = bytearray()
        self._rows: list[Image.Image] = []
        self._text = bytearray()
        self._reset()

    def _reset(self) -> None:
        self._align = 0
        self._codepage = 0
        self._size = (1, 1)
        self._qr_module = 3
        self._qr_data = b""

    @property
    def can_print(self) -> bool:
        return self.online and not self.cover_open and self.paper != "out" and not self.error

    # -- status replies -------------------------------------------------------------

    def status_byte(self, n: int) -> int:
        value = 0x12
        if n == 1 and not self.can_print:
            value |= 0x08
        elif n == 2:
            value |= 0x04 * self.cover_open | 0x20 * (self.paper == "out") | 0x40 * self.error
        elif n == 3 and self.error:
            value |= 0x08  # cutter error
        elif n == 4:
            value |= 0x0C * (self.paper in ("low", "out")) | 0x60 * (self.paper == "out")
        return value

    # -- the byte stream ------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host; return the bytes it answers."""
        self.received += len(data)
        self._buffer += data
        replies = bytearray()
        while self._buffer:
            try:
                used, reply = self._command(bytes(self._buffer))
            except Incomplete:
                break
            del self._buffer[:used]
            replies += reply
        return bytes(replies)

    def _command(self, buf: bytes) -> tuple[int, bytes]:
        first = buf[0]
        if first == 0x10:  # DLE: real-time, answered even when it cannot print
            need(buf, 3)
            if buf[1] == 0x04:
                return 3, b"" if self.silent else bytes((self.status_byte(buf[2]),))
            self.unknown.append(buf[:3])
            return 3, b""
        if not self.can_print:
            self.lost += 1
            return 1, b""
        if first == 0x1B:
            return self._esc(buf)
        if first == 0x1D:
            return self._gs(buf)
        if first == 0x0A:
            self._print_text()
            return 1, b""
        if first in (0x00, 0x0D):
            return 1, b""
        self._text.append(first)
        return 1, b""

    def _esc(self, buf: bytes) -> tuple[int, bytes]:
        need(buf, 2)
        code = buf[1:2]
        if code == b"@":
            self._flush_text()
            self._reset()
            return 2, b""
        need(buf, 3)
        n = buf[2]
        if code == b"a":
            self._align = n % 48
        elif code == b"J":
            self._blank(n)
        elif code == b"d":
            self._blank(n * LINE_DOTS)
        elif code == b"t":
            self._codepage = n
        elif code not in (b"E", b"!", b"-", b"M"):
            self.unknown.append(buf[:3])
        return 3, b""

    def _gs(self, buf: bytes) -> tuple[int, bytes]:
        need(buf, 2)
        code = buf[1:2]
        if code == b"v":
            need(buf, 8)
            mode, width, rows = buf[3] % 48, buf[4] | buf[5] << 8, buf[6] | buf[7] << 8
            need(buf, 8 + width * rows)
            # m: 0 normal, 1 double width, 2 double height, 3 both.
            self._raster(buf[8 : 8 + width * rows], width, rows, 1 + mode % 2, 1 + mode // 2)
            return 8 + width * rows, b""
        if code == b"(":
            need(buf, 5)
            length = buf[3] | buf[4] << 8
            need(buf, 5 + length)
            self._two_d(buf[5 : 5 + length])
            return 5 + length, b""
        if code == b"V":
            need(buf, 3)
            used = 4 if buf[2] in (65, 66) else 3
            need(buf, used)
            self._cut()
            return used, b""
        if code == b"r":
            need(buf, 3)
            paper = 0x03 * (self.paper in ("low", "out")) | 0x0C * (self.paper == "out")
            return 3, b"" if self.silent else bytes((paper,))
        if code == b"!":
            need(buf, 3)
            self._size = ((buf[2] >> 4) + 1, (buf[2] & 0x0F) + 1)
            return 3, b""
        self.unknown.append(buf[:3])
        return 2, b""

    def _two_d(self, body: bytes) -> None:
        kind, fn = body[0:1], body[1]
        if kind != b"1":
            self.unknown.append(b"GS(k" + body[:2])
        elif fn == 67:
            self._qr_module = body[2]
        elif fn == 80:
            self._qr_data = body[3:]
        elif fn == 81:
            data = self._qr_data.decode("ascii", errors="replace")
            self.qr_codes[-1].append(data)
            self._place(qr_image(data, self._qr_module))

    # -- drawing ---------------------------------------------------------------------

    def _blank(self, dots: int) -> None:
        self._flush_text()
        if dots:
            self._rows.append(Image.new("1", (self.width, dots), 0))

    def _place(self, image: Image.Image) -> None:
        x = {0: 0, 1: (self.width - image.width) // 2, 2: self.width - image.width}[
            min(self._align, 2)
        ]
        row = Image.new("1", (self.width, image.height), 0)
        row.paste(image, (x, 0))
        self._rows.append(row)

    def _raster(self, data: bytes, width: int, rows: int, across: int, down: int) -> None:
        image = Image.frombytes("1", (width * 8, rows), data)
        if (across, down) != (1, 1):
            image = image.resize((image.width * across, rows * down), Image.Resampling.NEAREST)
        self._place(image)

    def _flush_text(self) -> None:
        if self._text:
            self._print_text()

    def _print_text(self) -> None:
        codec = CODEPAGES.get(self._codepage, "cp437")
        line = unicodedata.normalize("NFC", bytes(self._text).decode(codec, errors="replace"))
        self._text.clear()
        self.texts[-1].append(line)
        wide, high = self._size
        face = font(REGULAR[0], 24 * min(wide, high))
        height = 24 * high + 6
        image = Image.new("1", (self.width, height), 0)
        ImageDraw.Draw(image).text((0, 3), line, font=face, fill=INK)
        bbox = image.getbbox()
        if bbox is None:
            self._blank(height)
            return
        self._place(image.crop((bbox[0], 0, bbox[2], height)))

    def finish(self) -> None:
        """End the page in progress as if torn off (printers without a cutter)."""
        if self._rows or self._text:
            self._end_page()

    def _cut(self) -> None:
        self._end_page()
        self.jobs += 1

    def _end_page(self) -> None:
        self._flush_text()
        self._blank(CUTTER_FEED)
        page = Image.new("1", (self.width, sum(row.height for row in self._rows)), 0)
        y = 0
        for row in self._rows:
            page.paste(row, (0, y))
            y += row.height
        self._rows = []
        self.pages.append(ImageOps.invert(page.convert("L")).convert("1"))
        self.texts.append([])
        self.qr_codes.append([])


def need(buf: bytes, length: int) -> None:
    if len(buf) < length:
        raise Incomplete


class _Served:
    """A virtual printer behind a transport that can be unplugged and plugged back."""

    def plug(self) -> None:
        raise NotImplementedError

    def unplug(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.unplug()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.unplug()


class PtyPrinter(_Served):
    """Serves a :class:`VirtualPrinter` on a pseudo-terminal, like a USB-serial printer.

    ``path`` is a stable symlink to the current pty (like /dev/serial/by-id/...):
    :meth:`unplug` removes it and :meth:`plug` brings a new pty behind it.
    """

    def __init__(self, printer: VirtualPrinter, path: str | Path) -> None:
        self.printer = printer
        self.path = Path(path)
        # Jammed: answers the status queries as ready, then stops the host (XOFF) before
        # the ticket, as a printer with a full buffer does; writes time out.
        self.jam = False
        # Or stops the host once this many more bytes have come in: a buffer full mid-job.
        self.jam_after: int | None = None
        self._master = -1
        self._slave = -1
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.plug()

    def plug(self) -> None:
        if self._master >= 0:
            return
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path.unlink(missing_ok=True)
        self.path.symlink_to(os.ttyname(self._slave))
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="pty-printer", daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.path.unlink(missing_ok=True)
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = -1

    @property
    def jobs(self) -> int:
        """Pages cut so far (read while the serving thread may be printing)."""
        with self._lock:
            return self.printer.jobs

    def take_qr_codes(self) -> list[str]:
        """The QR codes of the pages cut since the last call, letting those pages go (a long
        run would otherwise keep every page's image)."""
        with self._lock:
            codes = [code for page in self.printer.qr_codes[:-1] for code in page]
            del self.printer.qr_codes[:-1]
            self.printer.pages.clear()
        return codes

    def resume(self) -> None:
        """Clear the jam; XON: the host may send again."""
        self.jam, self.jam_after = False, None
        with contextlib.suppress(OSError):
            os.write(self._master, XON)

    def _serve(self) -> None:
        master = self._master
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            with self._lock:
                reply = self.printer.feed(data)
            if self.jam_after is not None:
                self.jam_after -= len(data)
                if self.jam_after <= 0:
                    self.jam_after, self.jam = None, True
                    reply += XOFF
            elif self.jam and b"\x10\x04\x04" in data:
                # One write: the host's line discipline stops before it sees the reply.
                reply += XOFF
            if reply:
                os.write(master, reply)


class SocketPrinter(_Served):
    """Serves a :class:`VirtualPrinter` on a loopback TCP port, like a network printer
    on port 9100. One connection at a time; :meth:`unplug` drops it and stops listening."""

    def __init__(self, printer: VirtualPrinter, host: str = "127.0.0.1", port: int = 0) -> None:
        self.printer = printer
        self.host = host
        self.port = port
        self._server: socket.socket | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.plug()

    def plug(self) -> None:
        if self._server is not None:
            return
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(1)
        self.port = server.getsockname()[1]
        self._server = server
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="net-printer", daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._server is not None:
            self._server.close()
            self._server = None

    def _serve(self) -> None:
        server = self._server
        assert server is not None
        while not self._stop.is_set():
            ready, _, _ = select.select([server], [], [], 0.05)
            if not ready:
                continue
            connection, _ = server.accept()
            with connection:
                while not self._stop.is_set():
                    ready, _, _ = select.select([connection], [], [], 0.05)
                    if not ready:
                        continue
                    try:
                        data = connection.recv(65536)
                    except OSError:
                        break
                    if not data:
                        break
                    reply = self.printer.feed(data)
                    if reply:
                        connection.sendall(reply)
