"""The catalogue as a citizen moves through it on the look-up screen: a stack of pages
(the fields, a field's procedures, search results, a procedure's detail) and the search
being typed, moved by the actions a screen hands back when something is touched (or chosen
with a keypad), by a scanned procedure code, and back to the start after a while without a
touch. Pure: the screen draws :attr:`Browser.page` and reports what was touched."""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.config import Config
from kiosk.procedures._cache import by_code
from kiosk.procedures._pages import (
    RESULTS,
    Page,
    detail_page,
    field_page,
    home_page,
    results_page,
)

MAX_TYPED = 60  # characters of a search typed on the screen
# The on-screen keyboard: letters without accents first (a search finds the same with or
# without), then the Vietnamese letters and the tone marks, digits, and the keys that act.
KEYS = (
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "ăâđêôơư",
    "1234567890.",
)
TONES = {
    "tone:huyen": "\u0300",
    "tone:sac": "\u0301",
    "tone:hoi": "\u0309",
    "tone:nga": "\u0303",
    "tone:nang": "\u0323",
}
_MARKS = "".join(TONES.values())
_VOWELS = "aăâeêioôơuưy"


@dataclass
class Browser:
    """Where a citizen is in the catalogue, and what they typed."""

    conn: sqlite3.Connection
    config: Config
    clock: Callable[[], float]
    stack: list[Page] = field(default_factory=list)
    typed: str = ""
    shown: int = 0  # the screenful of the page on top
    touched_at: float = 0.0
    printed: list[str] = field(default_factory=list)  # codes asked to be printed

    def __post_init__(self) -> None:
        self.reset()

    @property
    def page(self) -> Page:
        return self.stack[-1]

    def reset(self) -> None:
        """Back to the fields, nothing typed."""
        self.stack = [home_page(self.conn)]
        self.typed, self.shown = "", 0

    def idle_for(self, seconds: float) -> bool:
        """Back to the start when nothing was touched for ``seconds``; whether it went."""
        away = (len(self.stack) > 1 or bool(self.typed)) and (
            self.clock() - self.touched_at >= seconds
        )
        if away:
            self.reset()
        return away

    def act(self, action: str, pages: int = 1) -> None:
        """What a touch (or a keypad's enter) on ``action`` does; ``pages``: how many
        screenfuls the page on top has."""
        self.touched_at = self.clock()
        kind, _, value = action.partition(":")
        if kind == "field":
            self._open(field_page(self.conn, value))
        elif kind == "procedure":
            self.open_procedure(value)
        elif kind == "back":
            if len(self.stack) > 1:
                self.stack.pop()
                self.shown = 0
        elif kind == "search":
            self._search("")
        elif kind == "key":
            self._search(self.typed + value)
        elif kind == "tone":
            self._search(_with_tone(self.typed, TONES.get(action, "")))
        elif kind == "space":
            spaced = self.typed and not self.typed.endswith(" ")
            self._search(self.typed + " " if spaced else self.typed)
        elif kind == "delete":
            self._search(self.typed[:-1])
        elif kind == "page":
            step = 1 if value == "next" else -1
            self.shown = max(0, min(pages - 1, self.shown + step))
        elif kind == "print" and self.page.code:
            self.printed.append(self.page.code)

    def open_procedure(self, code: str) -> bool:
        """Its detail on top (a scanned code, a touched line); False if unknown."""
        self.touched_at = self.clock()
        found = by_code(self.conn, code)
        if found is None:
            return False
        self._open(detail_page(found, self.config))
        return True

    def _open(self, page: Page) -> None:
        self.stack.append(page)
        self.shown = 0

    def _search(self, typed: str) -> None:
        """The results of ``typed`` on top (as they change with each key)."""
        self.typed = unicodedata.normalize("NFC", typed)[:MAX_TYPED]
        if self.typed.strip():
            page = results_page(self.conn, self.typed)
        else:
            page = Page(RESULTS, "NHẬP TÊN HOẶC MÃ THỦ TỤC")
        if self.stack and self.stack[-1].kind == RESULTS:
            self.stack[-1] = page
        else:
            self.stack.append(page)
        self.shown = 0


def _with_tone(typed: str, mark: str) -> str:
    """``typed`` with the tone ``mark`` on the last vowel of its last word (in place of the
    tone it had); as it was when that word has no vowel."""
    if not mark:
        return typed
    letters = list(unicodedata.normalize("NFC", typed))
    for index in range(len(letters) - 1, -1, -1):
        if letters[index] == " ":
            break
        bare = "".join(c for c in unicodedata.normalize("NFD", letters[index]) if c not in _MARKS)
        base = unicodedata.normalize("NFC", bare)
        if base.lower() in _VOWELS:
            letters[index] = unicodedata.normalize("NFC", unicodedata.normalize("NFD", base) + mark)
            return "".join(letters)
    return typed
