"""Finding the size a text box is drawn at with few measures.

Fitting a text tries sizes, and every size tried measures each of the text's words with
FreeType (a layout of the string each time, the dearest part of painting a screen). The
size is guessed first from the font's advances, which scale with the size: each character's
advance is read once per font at :data:`REFERENCE` pixels and a word's width at any size is
estimated from their sum. The sizes around the guess are then measured for real
(:func:`largest`): a guess one size off costs two or three measures where a plain halving of
the whole range costs seven or eight. What is chosen is what halving the range chooses: the
largest size that fits, as text that fits at a size fits at any smaller one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

REFERENCE = 100  # the size the advances are read at, in pixels
# A character a font lacks is drawn as its missing-glyph box: guessed this wide.
MISSING = 0.6 * REFERENCE

T = TypeVar("T")


class Advances:
    """How far each character advances the pen at :data:`REFERENCE` pixels in one FreeType
    face, read the first time a character is met (a few kilobytes for every character a
    screen draws)."""

    def __init__(self, face: Any) -> None:
        self.face = face
        self.table: dict[str, float] = {}

    def width(self, text: str) -> float:
        """The width of ``text`` at :data:`REFERENCE` pixels, estimated: the sum of its
        characters' advances, without kerning or hinting."""
        table = self.table
        new = "".join(sorted(set(text) - table.keys()))
        if new:
            for char, metrics in zip(new, self.face.get_metrics(new, size=REFERENCE), strict=True):
                table[char] = MISSING if metrics is None else float(metrics[4])
        return sum(table[char] for char in text)


def breaks(widths: Sequence[float], space: float, width: float) -> list[int]:
    """How many words each line takes, filled word by word up to ``width``."""
    counts: list[int] = []
    used = -1.0
    for taken in widths:
        if counts and used + space + taken <= width:
            counts[-1] += 1
            used += space + taken
        else:
            counts.append(1)
            used = taken
    return counts


def guess(
    widths: Sequence[float],
    space: float,
    line: float,
    box: tuple[int, int],
    *,
    lines: int,
    sizes: tuple[int, int],
) -> int:
    """The largest size in ``sizes`` (lowest, highest) at which words ``widths`` wide at
    :data:`REFERENCE` pixels, a space ``space`` wide and lines ``line`` tall would fit
    ``box`` on at most ``lines`` lines, everything scaled with the size; the lowest if
    none would."""
    width, height = box
    longest = max(widths, default=0.0)

    def fits(size: int) -> bool:
        scale = size / REFERENCE
        if longest * scale > width:
            return False
        count = len(breaks([w * scale for w in widths], space * scale, width))
        return count <= lines and count * line * scale <= height

    low, high = sizes
    best = low
    while low <= high:
        middle = (low + high) // 2
        if fits(middle):
            best, low = middle, middle + 1
        else:
            high = middle - 1
    return best


def largest(test: Callable[[int], T | None], low: int, high: int, start: int) -> T | None:
    """What ``test`` gives at the largest size from ``low`` to ``high`` it passes (gives
    something at), None if it passes none; for a test that every size below one it passes
    passes too. Tried at ``start`` first, then at steps doubling away from it until the
    answer is bracketed, then by halving the bracket."""
    start = max(low, min(high, start))
    found = test(start)
    if found is not None:  # passes at start: step up to a size it fails
        good, bad, step = start, high + 1, 1
        while good < high:
            probe = min(high, good + step)
            result = test(probe)
            if result is None:
                bad = probe
                break
            good, found, step = probe, result, step * 2
    else:  # fails at start: step down to a size it passes
        good, bad, step = low - 1, start, 1
        while bad > low:
            probe = max(low, bad - step)
            result = test(probe)
            if result is not None:
                good, found = probe, result
                break
            bad, step = probe, step * 2
    while bad - good > 1:
        middle = (good + bad) // 2
        result = test(middle)
        if result is not None:
            good, found = middle, result
        else:
            bad = middle
    return found
