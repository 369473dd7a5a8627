"""Bytes from a serial scanner to whole codes.

Scanners end each code with CR, LF or CR LF (``auto`` accepts any, counting a
CR LF once), or with nothing at all (``idle``: a pause ends the code). Bytes
arrive in arbitrary pieces; a piece without its end waits for the rest, and a
code whose rest never comes within ``stall`` seconds is dropped, not glued to
the next. Input is bounded: past the limit bytes are counted, not kept.
"""

from __future__ import annotations

from kiosk.codes import MAX_INPUT
from scanner._decode import Read

_ENDS = {"auto": b"\r\n", "cr": b"\r", "lf": b"\n", "crlf": b"\n", "idle": b""}


class FrameSplitter:
    def __init__(self, framing: str = "auto", stall: float = 0.3, limit: int = MAX_INPUT) -> None:
        if framing not in _ENDS:
            raise ValueError(f"unknown framing {framing!r}")
        self.framing = framing
        self.ends = _ENDS[framing]
        self.stall = stall
        self.limit = limit
        self.buffer = bytearray()
        self.overflow = 0
        self.last_at: float | None = None
        self.after_cr = False  # auto: the LF of a CR LF is not a second (empty) end

    @property
    def pending(self) -> bool:
        return bool(self.buffer or self.overflow)

    def _finish(self, at: float) -> Read | None:
        data, overflow = bytes(self.buffer), self.overflow
        self.buffer.clear()
        self.overflow = 0
        if overflow:
            return Read("", f"too long ({len(data) + overflow} bytes); dropped", at)
        if self.framing == "crlf":
            data = data.removesuffix(b"\r")
        if not data.strip():
            return None
        try:
            return Read(data.decode("ascii"), "", at)
        except UnicodeDecodeError:
            return Read("", "not text (binary data); dropped", at)

    def expire(self, now: float) -> list[Read]:
        """A code whose bytes stopped coming: the end of it (``idle``), else dropped."""
        if not self.pending or self.last_at is None or now - self.last_at <= self.stall:
            return []
        if self.framing == "idle":
            read = self._finish(self.last_at)
            return [read] if read is not None else []
        if not self.overflow and not self.buffer.strip():
            self.buffer.clear()  # the LF of a CR LF under "cr" framing: nothing was cut off
            return []
        typed = len(self.buffer) + self.overflow
        self.buffer.clear()
        self.overflow = 0
        return [
            Read("", f"scan stopped after {typed} byte(s) without its end; dropped", self.last_at)
        ]

    def feed(self, data: bytes, now: float) -> list[Read]:
        out = self.expire(now)
        self.last_at = now
        for byte in data:
            if self.ends and byte in self.ends:
                if self.framing == "auto" and byte == 0x0A and self.after_cr:
                    self.after_cr = False
                    continue
                self.after_cr = byte == 0x0D
                if (read := self._finish(now)) is not None:
                    out.append(read)
                continue
            self.after_cr = False
            if len(self.buffer) < self.limit:
                self.buffer.append(byte)
            else:
                self.overflow += 1
        return out
