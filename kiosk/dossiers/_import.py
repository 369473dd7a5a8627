"""``kiosk dossiers import FILE.jsonl``: dossier records, one JSON object per line.

The file is read as a stream (any size), checked line by line, and written in
batches of short transactions so the daemons are never held up. A bad line is
reported with its number and skipped; every good line is still imported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from kiosk.dossiers._cache import upsert
from kiosk.dossiers._model import Dossier
from kiosk.dossiers._record import BadDossier, parse_dossier
from kiosk.jsonl import MAX_LINE, read_lines
from kiosk.store import Store

BATCH = 2000
SHOWN_PROBLEMS = 20


@dataclass
class ImportReport:
    lines: int = 0  # non-blank lines read
    written: int = 0  # new dossiers, or newer versions of cached ones
    unchanged: int = 0  # the cache already had this version or a newer one
    rejected: int = 0
    problems: list[str] = field(default_factory=list)  # the first SHOWN_PROBLEMS, "line N: ..."
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "written": self.written,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "problems": self.problems,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.lines / self.seconds) if self.seconds > 0 else None,
        }


def import_jsonl(
    store: Store,
    stream: IO[bytes],
    timezone: str,
    *,
    now: Callable[[], float] = time.time,
    batch: int = BATCH,
) -> ImportReport:
    report = ImportReport()
    started = time.perf_counter()
    pending: list[Dossier] = []

    def flush() -> None:
        if not pending:
            return
        with store.change(now()) as tx:
            written = upsert(tx, pending)
        report.written += written
        report.unchanged += len(pending) - written
        pending.clear()

    def reject(number: int, message: str) -> None:
        report.rejected += 1
        if len(report.problems) < SHOWN_PROBLEMS:
            report.problems.append(f"line {number}: {message}")

    for line in read_lines(stream, max_line=MAX_LINE):
        report.lines += 1
        if line.problem:
            reject(line.number, line.problem)
            continue
        try:
            pending.append(parse_dossier(line.value, timezone))
        except BadDossier as exc:
            reject(line.number, str(exc))
            continue
        except (ValueError, OverflowError, RecursionError) as exc:  # nothing may stop the rest
            reject(line.number, f"unusable record ({type(exc).__name__})")
            continue
        if len(pending) >= batch:
            flush()
    flush()
    report.seconds = time.perf_counter() - started
    return report
