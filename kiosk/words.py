"""Words of a line of text for wrapping, shared by the screens and the tickets."""

from __future__ import annotations

from collections.abc import Callable

DASHES = ("-", "–", "—")


def units(text: str) -> list[str]:
    """The words of ``text``, a dash that stands alone kept with the word before it (a line
    may end with "Lao động -", never start with "- Việc làm")."""
    out: list[str] = []
    for word in text.split():
        if out and word in DASHES:
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def narrowest(lines_at: Callable[[int], int], low: int, high: int) -> int:
    """The narrowest width from ``low`` to ``high`` at which ``lines_at(width)`` lines are
    no more than at ``high``: where wrapped lines come out as even as their words allow."""
    most = lines_at(high)
    while low < high:
        middle = (low + high) // 2
        if lines_at(middle) <= most:
            high = middle
        else:
            low = middle + 1
    return low
