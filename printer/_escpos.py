"""ESC/POS bytes for a laid-out ticket: ink bands as raster images, blank space as feeds.

Only rows that hold ink are sent, each band cut off after its last inked byte;
everything blank becomes ``ESC J`` paper feed. Half-resolution pieces go out
with the printer's double-size raster mode. This keeps a ticket to a few KB, which
is what sets the print time on a 115200-baud serial printer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from PIL import Image

from printer._layout import Feed, Piece, Qr, Raster

ESC, GS, DLE = b"\x1b", b"\x1d", b"\x10"
INIT = ESC + b"@"
LEFT, CENTER = ESC + b"a\x00", ESC + b"a\x01"
CUT = {"partial": GS + b"V\x42\x00", "full": GS + b"V\x41\x00"}  # feed to the cutter, cut
MAX_BAND_ROWS = 255  # small printers buffer little: keep each raster command modest
MIN_SPLIT_GAP = 4  # blank rows worth a new band (header + feed cost ~11 bytes)
TAIL_FEED = 24  # dots below the last line before the cut

# QR "GS ( k" functions (cn = 49 for QR).
QR_EC_M = 49


def _u16(value: int) -> bytes:
    return bytes((value & 0xFF, value >> 8))


def raster(data: bytes, width_bytes: int, rows: int, scale: int, *, wide: bool = False) -> bytes:
    # GS v 0 m: 3 = double width and double height, 1 = double width only.
    mode = 3 if scale == 2 else 1 if wide else 0
    return GS + b"v0" + bytes((mode,)) + _u16(width_bytes) + _u16(rows) + data


def qr_native(data: str, module: int) -> bytes:
    payload = data.encode("ascii")

    def function(fn: int, body: bytes) -> bytes:
        return GS + b"(k" + _u16(len(body) + 2) + b"1" + bytes((fn,)) + body

    return (
        function(65, b"2\x00")  # model 2
        + function(67, bytes((module,)))
        + function(69, bytes((QR_EC_M,)))
        + function(80, b"0" + payload)  # store
        + function(81, b"0")  # print
    )


def bands(image: Image.Image, *, centre: bool) -> Iterable[tuple[int, int, int, int]]:
    """(first row, row count, first byte, bytes wide) of each band of ``image`` with ink.

    With ``centre`` the printer centres each band (ESC a 1, which applies to raster
    images), so a band is trimmed by the same whole bytes on both sides and lands
    exactly where it was drawn; without, only the blank bytes on the right go.
    """
    stride = (image.width + 7) // 8
    data = image.tobytes()
    rows = [data[y * stride : (y + 1) * stride] for y in range(image.height)]
    inked = [bool(row.strip(b"\0")) for row in rows]
    start: int | None = None
    gap = 0
    for y, ink in enumerate([*inked, *[False] * MIN_SPLIT_GAP]):
        if ink:
            if start is None:
                start = y
            gap = 0
        elif start is not None:
            gap += 1
            if gap == MIN_SPLIT_GAP or y >= image.height:
                end = y - gap + 1
                for top in range(start, end, MAX_BAND_ROWS):
                    band = rows[top : min(end, top + MAX_BAND_ROWS)]
                    right = max(len(row.rstrip(b"\0")) for row in band)
                    if centre:
                        left = min(len(row) - len(row.lstrip(b"\0")) for row in band)
                        trim = min(left, stride - right)
                        yield top, len(band), trim, stride - 2 * trim
                    else:
                        yield top, len(band), 0, right
                start, gap = None, 0


class Commands:
    """A byte stream that remembers where each command ends (for re-sync after a cut-off)."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.ends: list[int] = []

    def add(self, *commands: bytes) -> None:
        for command in commands:
            if command:
                self.data += command
                self.ends.append(len(self.data))

    def feed(self, dots: int) -> None:
        while dots > 0:
            step = min(dots, 255)
            self.add(ESC + b"J" + bytes((step,)))
            dots -= step


@functools.lru_cache(maxsize=512)
def encode_raster(piece: Raster, *, centre: bool) -> tuple[tuple[tuple[int, bytes], ...], int]:
    """(blank dots before, raster command) for each band of one piece, and the blank dots
    below its last band; in paper dots."""
    image = piece.image
    stride = (image.width + 7) // 8
    data = image.tobytes()
    out = []
    y = 0
    for top, rows, first, width in bands(image, centre=centre):
        block = b"".join(
            data[r * stride + first : r * stride + first + width] for r in range(top, top + rows)
        )
        command = raster(block, width, rows, piece.scale, wide=piece.wide)
        out.append(((top - y) * piece.scale, command))
        y = top + rows
    return tuple(out), (image.height - y) * piece.scale


def encode(pieces: list[Piece], cut: str, *, centre: bool = True) -> Commands:
    """The whole ticket. ``centre``: the printer centres raster bands (see :func:`bands`),
    but for pieces drawn from the left (:attr:`Raster.left`), sent left-aligned and cut off
    after their ink: a short line of a list costs its ink's width, not the paper's."""
    out = Commands()
    aligned = CENTER if centre else LEFT
    out.add(INIT, aligned)
    pending = 0
    for piece in pieces:
        if isinstance(piece, Feed):
            pending += piece.dots
        elif isinstance(piece, Raster):
            wanted = LEFT if piece.left or not centre else CENTER
            commands, below = encode_raster(piece, centre=wanted == CENTER)
            for before, command in commands:
                out.feed(pending + before)
                if wanted != aligned:
                    out.add(wanted)
                    aligned = wanted
                out.add(command)
                pending = 0
            pending += below
        elif isinstance(piece, Qr):
            out.feed(pending)
            out.add(CENTER, qr_native(piece.data, piece.module), aligned)
            pending = 0
    out.feed(pending + TAIL_FEED)
    if cut in CUT:
        out.add(CUT[cut])
    else:
        out.feed(96)  # no cutter: past the tear bar
    return out
