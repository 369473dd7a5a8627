"""Finding procedures as people type on a kiosk: with or without accents ("dat dai",
"đất đai" and "dat đai" find the same, the accents as typed ranking first), by either form
of a code, by field, ranked, and forgiving a slip of the finger ("khai snh").

SQLite's FTS5 does the finding: ``procedure_words`` holds each procedure's name as written
and folded (no accents, đ as d), its field and its codes; every query word must start a
word of the procedure. A word found nowhere is corrected first: ``procedure_terms`` holds
every word of the index cut into trigrams, and the nearest of the words sharing most of
the typed word's trigrams, or of those of its first letter and about its length (by edit
distance, at most one slip in four letters) stands in.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass

MAX_QUERY = 100  # characters of a query; the rest is not looked at
_WORD = re.compile(r"\w+")
_CODE = re.compile(r"^\d{1,2}\.\d{1,6}[0-9A-Za-z.]*$")
# Weights of the index's columns for ranking (bm25): a word as written counts most.
_WEIGHTS = "10.0, 4.0, 1.0, 10.0"


def fold(text: str) -> str:
    """``text`` in lower case without its accents, đ as d: how people type without a
    Vietnamese keyboard."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d")


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    field: str
    score: float  # higher is better


def search(conn: sqlite3.Connection, text: str, limit: int = 20) -> list[Hit]:
    """The procedures ``text`` finds, best first."""
    query = unicodedata.normalize("NFC", " ".join(text.split()))[:MAX_QUERY]
    if not query:
        return []
    hits = _by_code(conn, query) if _CODE.match(query) else []
    words = _WORD.findall(query.casefold())
    if words and len(hits) < limit:
        seen = {hit.code for hit in hits}
        found = _by_words(conn, [_corrected(conn, word) for word in words], limit)
        hits += [hit for hit in found if hit.code not in seen]
    return hits[:limit]


def _by_code(conn: sqlite3.Connection, code: str) -> list[Hit]:
    rows = conn.execute(
        "SELECT code, name, field_name, code = ?1 OR national = ?1 FROM procedures "
        "WHERE code = ?1 OR national = ?1 OR code LIKE ?2 ESCAPE '\\' "
        "ORDER BY 4 DESC, code LIMIT 20",
        (code, code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"),
    )
    return [Hit(c, n, f, 1000.0 if exact else 500.0) for c, n, f, exact in rows]


def _by_words(conn: sqlite3.Connection, words: list[str], limit: int) -> list[Hit]:
    # Each word starts a word of the name as written, of the name without accents, of the
    # field (either way) or of a code.
    parts = []
    for word in words:
        bare = fold(word)
        parts.append(
            f'(name : "{word}"* OR folded : "{bare}"* OR field : "{bare}"* OR '
            f'field : "{word}"* OR codes : "{word}"*)'
        )
    rows = conn.execute(
        "SELECT p.code, p.name, p.field_name, bm25(procedure_words, " + _WEIGHTS + ") AS rank "
        "FROM procedure_words JOIN procedures p ON p.rowid = procedure_words.rowid "
        "WHERE procedure_words MATCH ? ORDER BY rank, length(p.name), p.code LIMIT ?",
        (" AND ".join(parts), limit),
    )
    return [Hit(code, name, field, round(-rank, 3)) for code, name, field, rank in rows]


def _known(conn: sqlite3.Connection, word: str) -> bool:
    """Whether some word of the index starts with ``word`` (as written or folded)."""
    bare = fold(word)
    row = conn.execute(
        "SELECT 1 FROM procedure_vocab WHERE (term >= ?1 AND term < ?1 || '\U0010ffff') "
        "OR (term >= ?2 AND term < ?2 || '\U0010ffff') LIMIT 1",
        (word, bare),
    ).fetchone()
    return row is not None


def _corrected(conn: sqlite3.Connection, word: str) -> str:
    """``word``, or the index's word nearest to it when the index has no word it starts."""
    if len(word) < 3 or word.isdigit() or _known(conn, word):
        return word
    bare = fold(word)
    grams = {bare[i : i + 3] for i in range(len(bare) - 2)}
    rows = conn.execute(
        "SELECT term FROM procedure_terms WHERE procedure_terms MATCH ? ORDER BY rank LIMIT 30",
        (" OR ".join(f'"{gram}"' for gram in sorted(grams)),),
    ).fetchall()
    # A short word may share no trigram with what was meant ("snh"): the words of its
    # first letter and about its length are few.
    rows += conn.execute(
        "SELECT term FROM procedure_terms WHERE term >= ?1 AND term < ?1 || '\U0010ffff' "
        "AND length(term) BETWEEN ?2 AND ?3",
        (bare[0], len(bare) - 1, len(bare) + 1),
    ).fetchall()
    best, distance = word, max(1, len(bare) // 4) + 1
    for (term,) in rows:
        found = _distance(bare, term)
        if found < distance:
            best, distance = term, found
    return best


def _distance(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions, swaps of neighbours)."""
    previous = list(range(len(b) + 1))
    before: list[int] = []
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            row.append(cost)
        before, previous = previous, row
    return previous[-1]


def terms_changed(conn: sqlite3.Connection) -> None:
    """Rebuild the trigram index of the words (after the catalogue changed): each word
    without accents of three letters or more."""
    conn.execute("DELETE FROM procedure_terms")
    terms = [row[0] for row in conn.execute("SELECT term FROM procedure_vocab")]
    conn.executemany(
        "INSERT INTO procedure_terms (term) VALUES (?)",
        ((term,) for term in terms if len(term) >= 3 and term.isascii() and not term.isdigit()),
    )
