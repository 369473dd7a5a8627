"""Key events from a keyboard-mode scanner to whole codes.

Only presses type (value 1); releases matter for modifiers only, and autorepeat
(value 2: a key held down, e.g. by a slow scanner) types nothing, so a code is
read exactly as printed. Shift and Caps Lock give capitals; Alt with keypad
digits types the character of that code (the "Alt+numpad" mode scanners offer).
Enter, keypad Enter or Tab end a code.

A code whose keys stop coming for ``stall`` seconds before its end is dropped: a
scan cut off half-way must not be glued to the start of the next one. Input is
bounded: past ``MAX_INPUT`` characters the rest is not kept and the code is
reported as too long.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.codes import MAX_INPUT
from kiosk.evdev_lib import ecodes
from scanner import _keys as k

UNTYPED = "\x00"  # a key that types nothing printable: makes the code invalid, visibly


@dataclass(frozen=True)
class Read:
    """A finished read: a code (``text``), or why the keys were dropped (``problem``)."""

    text: str
    problem: str = ""
    at: float = 0.0  # time of the last key event (the event's own timestamp)


def _timestamp(event: Any) -> float:
    return float(event.sec) + float(event.usec) / 1e6


class KeyDecoder:
    def __init__(self, stall: float = 0.3, limit: int = MAX_INPUT) -> None:
        self.stall = stall
        self.limit = limit
        self.chars: list[str] = []
        self.overflow = 0
        self.shift: set[int] = set()
        self.alt: set[int] = set()
        self.ctrl: set[int] = set()
        self.caps = False
        self.alt_digits = ""
        self.last_at: float | None = None

    @property
    def pending(self) -> bool:
        return bool(self.chars or self.overflow or self.alt_digits)

    def _reset(self) -> None:
        self.chars.clear()
        self.overflow = 0
        self.alt_digits = ""

    def _type(self, char: str) -> None:
        if len(self.chars) < self.limit:
            self.chars.append(char)
        else:
            self.overflow += 1

    def expire(self, now: float) -> Read | None:
        """Drop a code whose keys stopped coming (``now`` on the events' clock)."""
        if self.pending and self.last_at is not None and now - self.last_at > self.stall:
            typed = len(self.chars) + self.overflow
            self._reset()
            return Read("", f"scan stopped after {typed} character(s); dropped", self.last_at)
        return None

    def feed(self, event: Any) -> Read | None:
        """One event; a :class:`Read` when it ends a code (or drops one)."""
        if event.type == ecodes.EV_SYN and event.code == ecodes.SYN_DROPPED:
            return self._dropped(event)
        if event.type != ecodes.EV_KEY:
            return None
        at = _timestamp(event)
        stalled = self.expire(at)
        code, value = event.code, event.value
        self.last_at = at  # any key event, held keys' autorepeat too, shows the scan goes on
        if code in k.MODIFIERS:
            self._modifier(code, value)
            return stalled
        if value != 1:  # release or autorepeat
            return stalled
        if code in k.TERMINATORS:
            return self._finish(at) if self.pending else stalled
        if code == k.CAPSLOCK:
            self.caps = not self.caps
            return stalled
        if code == k.NUMLOCK:
            return stalled
        if self.alt and code in k.KEYPAD_DIGITS:
            self.alt_digits = (self.alt_digits + k.KEYPAD_DIGITS[code])[-4:]
            return stalled
        if self.ctrl or self.alt:
            self._type(UNTYPED)  # a shortcut, not a character of a code
            return stalled
        pair = k.TYPED.get(code)
        if pair is None:
            self._type(UNTYPED)
            return stalled
        upper = bool(self.shift)
        if code in k.LETTERS and self.caps:
            upper = not upper
        self._type(pair[1] if upper else pair[0])
        return stalled

    def _dropped(self, event: Any) -> Read | None:
        """The kernel lost events: the code so far may miss keys, and a key release may be
        among the lost. Start afresh rather than read a different code."""
        self.shift.clear()
        self.alt.clear()
        self.ctrl.clear()
        if not self.pending:
            return None
        typed = len(self.chars) + self.overflow
        self._reset()
        return Read(
            "", f"keys lost by the system after {typed} character(s); dropped", _timestamp(event)
        )

    def _modifier(self, code: int, value: int) -> None:
        if code in k.SHIFT:
            held = self.shift
        elif code in k.ALT:
            held = self.alt
        elif code in k.CTRL:
            held = self.ctrl
        else:
            return
        if value == 1:
            held.add(code)
        elif value == 0:
            held.discard(code)
            if held is self.alt and not held and self.alt_digits:
                self._type(chr(int(self.alt_digits)))
                self.alt_digits = ""

    def _finish(self, at: float) -> Read:
        text = "".join(self.chars)
        overflow = self.overflow
        self._reset()
        if overflow:
            return Read("", f"too long ({len(text) + overflow} characters); dropped", at)
        return Read(text, "", at)
