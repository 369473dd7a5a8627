"""A small keypad for the look-up screen's catalogue where there is no touch panel
(``lookup.keypad``): the arrows move a highlight from one button to the nearest one that
way, enter presses it, back (Esc, Backspace) goes back. Keypad digits work as arrows
(8 up, 2 down, 4 left, 6 right, 5 enter), as on a numeric keypad with Num Lock off. Read
through evdev (grabbed, looked for again when unplugged), as the counters' keypads are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.evdev_lib import ecodes
from kiosk.inputdev import Device, InputReader, open_evdev

MOVES = {
    "KEY_UP": "up",
    "KEY_KP8": "up",
    "KEY_DOWN": "down",
    "KEY_KP2": "down",
    "KEY_LEFT": "left",
    "KEY_KP4": "left",
    "KEY_RIGHT": "right",
    "KEY_KP6": "right",
    "KEY_ENTER": "enter",
    "KEY_KPENTER": "enter",
    "KEY_KP5": "enter",
    "KEY_ESC": "back",
    "KEY_BACKSPACE": "back",
}
_CODES = {ecodes.ecodes[name]: move for name, move in MOVES.items()}


def keypad_move(event: Any) -> str | None:
    """The move a key press (or its repeat) asks for; None for anything else."""
    if event.type == ecodes.EV_KEY and event.value in (1, 2):
        return _CODES.get(event.code)
    return None


class Keypad:
    """Reads the keypad at ``path`` on a thread; each move goes to ``on_move``."""

    def __init__(
        self,
        path: str,
        on_move: Callable[[str], None],
        *,
        opener: Callable[[str], Device] = open_evdev,
        retry_seconds: float = 2.0,
    ) -> None:
        def deliver(event: Any) -> None:
            move = keypad_move(event)
            if move is not None:
                on_move(move)

        self.reader = InputReader(
            path, deliver, opener=opener, retry_seconds=retry_seconds, label="look-up keypad"
        )

    def start(self) -> Keypad:
        self.reader.start()
        return self

    def close(self) -> None:
        self.reader.close()


def nearest(rects: list[tuple[int, int, int, int]], current: int, move: str) -> int:
    """The index of the rectangle nearest to ``rects[current]`` in the direction ``move``
    (its centre that way, the nearest along it first); ``current`` when there is none."""
    if not rects:
        return current
    cx, cy = _centre(rects[current])
    best, best_score = current, None
    for index, rect in enumerate(rects):
        if index == current:
            continue
        x, y = _centre(rect)
        dx, dy = x - cx, y - cy
        along, across = {
            "up": (-dy, abs(dx)),
            "down": (dy, abs(dx)),
            "left": (-dx, abs(dy)),
            "right": (dx, abs(dy)),
        }[move]
        if along <= 0:
            continue
        score = along + 2 * across
        if best_score is None or score < best_score:
            best, best_score = index, score
    return best


def _centre(rect: tuple[int, int, int, int]) -> tuple[float, float]:
    x, y, w, h = rect
    return x + w / 2, y + h / 2
