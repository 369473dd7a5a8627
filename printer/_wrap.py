"""Words into lines as even as they allow, whatever measures a line: dots of a font on
the image ticket, characters of the printer's own font in code-page mode."""

from __future__ import annotations

from collections.abc import Callable

from kiosk.words import DASHES, narrowest, units

Measure = Callable[[str], int]


def _greedy(words: list[str], measure: Measure, width: int) -> list[str]:
    """Filled word by word; a word wider than ``width`` stays whole on a line of its own."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if current and measure(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _cut(word: str, measure: Measure, width: int) -> list[str]:
    """``word`` in pieces no wider than ``width``, filled character by character. A lone
    dash the word carries (see :func:`kiosk.words.units`) stays at the end of a piece, with
    at least a letter before it: it never starts one."""
    head, tail = word, ""
    while " " in head and head.rsplit(" ", 1)[1] in DASHES:
        head, dash = head.rsplit(" ", 1)
        tail = f" {dash}{tail}"
    pieces = [""]
    for char in head:
        if pieces[-1] and measure(pieces[-1] + char) > width:
            pieces.append(char)
        else:
            pieces[-1] += char
    if not tail:
        return pieces
    last = pieces[-1]
    if measure(last + tail) <= width or len(last) < 2:
        pieces[-1] = last + tail  # (a line too narrow for a letter and its dash: left wide)
        return pieces
    keep = len(last) - 1  # letters go down with the dash until it fits
    while keep > 1 and measure(last[keep:] + tail) > width:
        keep -= 1
    pieces[-1:] = [last[:keep], last[keep:] + tail]
    return pieces


def even_lines(text: str, measure: Measure, width: int, *, break_words: bool = False) -> list[str]:
    """``text`` on as few lines no wider than ``width`` as it takes, evened out: the lines
    the narrowest width giving as few makes, so a heading never leaves a word or two alone
    on its last line ("… hành / chính công tỉnh Hưng Yên", not "… công tỉnh / Hưng Yên").
    A word wider than ``width`` stays whole on a line of its own, or with ``break_words`` is
    cut where the line ends."""
    words = units(text)
    if break_words:
        words = [p for word in words for p in _cut(word, measure, width) if p]
    lines = _greedy(words, measure, width)
    if len(lines) < 2:
        return lines
    low = max(measure(word) for word in words)
    if low > width:
        return lines
    return _greedy(words, measure, narrowest(lambda w: len(_greedy(words, measure, w)), low, width))
