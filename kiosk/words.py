"""Words of a line of text for wrapping, shared by the screens and the tickets."""

from __future__ import annotations

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
