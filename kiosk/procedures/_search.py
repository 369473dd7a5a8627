"""Finding procedures as people type on a kiosk: with or without accents ("dat dai",
"đất đai" and "dat đai" find the same, the accents as typed ranking first), by either form
of a code, by field, ranked, and forgiving a slip of the finger ("khai snh").

SQLite's FTS5 does the finding: ``procedure_words`` holds each procedure's name as written
and folded (no accents, đ as d), its field and its codes; every query word must start a
word of the procedure. A word found nowhere is read as the index's nearest words first
(any of them may match): ``procedure_terms`` holds every word of the index cut into
trigrams, and the nearest of the words sharing most of
the typed word's trigrams, or of those of its first letter and about its length (by edit
distance, at most one slip in four letters) stands in.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from kiosk.procedures._model import national_code

MAX_QUERY = 100  # characters of a query; the rest is not looked at
CANDIDATES = 60  # found by FTS5, then ranked
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
        found = _by_words(conn, [_readings(conn, word) for word in words], limit)
        hits += [hit for hit in found if hit.code not in seen]
    return hits[:limit]


def _by_code(conn: sqlite3.Connection, code: str) -> list[Hit]:
    national = national_code(code)
    rows = conn.execute(
        "SELECT code, name, field_name, code = ?1 OR national = ?1 OR national = ?3 "
        "FROM procedures WHERE code = ?1 OR national = ?1 OR national = ?3 "
        "OR code LIKE ?2 ESCAPE '\\' ORDER BY 4 DESC, code LIMIT 20",
        (code, code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", national),
    )
    return [Hit(c, n, f, 1000.0 if exact else 500.0) for c, n, f, exact in rows]


def _by_words(conn: sqlite3.Connection, words: list[tuple[str, ...]], limit: int) -> list[Hit]:
    """FTS5 finds the candidates (each typed word, or one of its readings, starts a word of
    the name as written or without accents, of the field, or of a code), then they are
    ranked as a reader expects (:func:`_rank`)."""
    parts = []
    for readings in words:
        either = []
        for word in readings:
            bare = fold(word)
            either.append(
                f'name : "{word}"* OR folded : "{bare}"* OR field : "{bare}"* OR '
                f'field : "{word}"* OR codes : "{word}"*'
            )
        parts.append(f"({' OR '.join(either)})")
    rows = conn.execute(
        "SELECT p.code, p.name, p.field_name, bm25(procedure_words, " + _WEIGHTS + ") AS rank "
        "FROM procedure_words JOIN procedures p ON p.rowid = procedure_words.rowid "
        "WHERE procedure_words MATCH ? ORDER BY rank LIMIT ?",
        (" AND ".join(parts), CANDIDATES),
    ).fetchall()
    ranked = sorted(
        (Hit(code, name, field, _rank(words, name, bm25)) for code, name, field, bm25 in rows),
        key=lambda hit: (-hit.score, len(hit.name), hit.code),
    )
    return ranked[:limit]


def _rank(words: list[tuple[str, ...]], name: str, bm25: float) -> float:
    """How well ``name`` answers the query (each word's readings): the words in a row as
    typed (the last may be half typed) count most, then each word found whole, each found
    with its accents as typed, and a short name over a long one; FTS5's bm25 breaks what is
    left."""
    typed = [{fold(word) for word in readings} for readings in words]
    said = _WORD.findall(name.casefold())
    bare = [fold(word) for word in said]
    *head, last = typed
    in_a_row = any(
        all(bare[i + k] in head[k] for k in range(len(head)))
        and any(bare[i + len(head)].startswith(word) for word in last)
        for i in range(len(bare) - len(head))
    )
    whole = sum(1 for readings in typed if readings & set(bare))
    accented = sum(
        1 for readings in words for word in readings[:1] if word != fold(word) and word in said
    )
    return round(100 * in_a_row + 10 * whole + 5 * accented - len(said) - bm25 / 10, 3)


def _known(conn: sqlite3.Connection, word: str) -> bool:
    """Whether some word of the index starts with ``word`` (as written or folded)."""
    bare = fold(word)
    row = conn.execute(
        "SELECT 1 FROM procedure_vocab WHERE (term >= ?1 AND term < ?1 || '\U0010ffff') "
        "OR (term >= ?2 AND term < ?2 || '\U0010ffff') LIMIT 1",
        (word, bare),
    ).fetchone()
    return row is not None


def _readings(conn: sqlite3.Connection, word: str) -> tuple[str, ...]:
    """``word`` itself when the index has a word it starts; else the index's words nearest
    to it (all those at the least edit distance, at most one slip in four letters), or
    ``word`` when none is that near."""
    if len(word) < 2 or word.isdigit() or _known(conn, word):
        return (word,)
    bare = fold(word)
    grams = sorted({bare[i : i + 3] for i in range(len(bare) - 2)})
    rows = []
    if grams:
        rows = conn.execute(
            "SELECT term FROM procedure_terms WHERE procedure_terms MATCH ? ORDER BY rank LIMIT 30",
            (" OR ".join(f'"{gram}"' for gram in grams),),
        ).fetchall()
    # A short word may share no trigram with what was meant ("snh"): the words of its
    # first letter and about its length are few.
    rows += conn.execute(
        "SELECT term FROM procedure_terms WHERE term >= ?1 AND term < ?1 || '\U0010ffff' "
        "AND length(term) BETWEEN ?2 AND ?3",
        (bare[0], len(bare) - 1, len(bare) + 1),
    ).fetchall()
    near: dict[str, int] = {}
    for (term,) in rows:
        near[term] = _distance(bare, term)
    least = min(near.values(), default=99)
    if least > max(1, len(bare) // 4):
        return (word,)
    return tuple(sorted(term for term, distance in near.items() if distance == least))[:8]


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
