"""``kiosk procedures import FILE.jsonl``: procedure records, one JSON object per line, in
the national portal's field names or this project's format (told apart line by line).

The file is read as a stream and written in batches of short transactions; a bad line is
reported with its number and reason and skipped, every good line is still imported.
Records that state no version (the portal's) get the import's time as theirs, so a later
import of the same procedure replaces it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from kiosk.jsonl import read_lines
from kiosk.procedures._cache import upsert
from kiosk.procedures._model import Procedure
from kiosk.procedures._records import BadProcedure, parse_record
from kiosk.store import Store

BATCH = 500
SHOWN_PROBLEMS = 20


@dataclass
class ImportReport:
    lines: int = 0  # non-blank lines read
    written: int = 0  # new procedures, or newer versions of known ones
    unchanged: int = 0  # the catalogue had this version or a newer one
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
        }


def import_jsonl(
    store: Store,
    stream: IO[bytes],
    *,
    now: Callable[[], float] = time.time,
    batch: int = BATCH,
) -> ImportReport:
    report = ImportReport()
    started = time.perf_counter()
    version = int(now() * 1000)
    pending: list[Procedure] = []

    def flush() -> None:
        if pending:
            with store.change(now()) as tx:
                written = upsert(tx, pending)
            report.written += written
            report.unchanged += len(pending) - written
            pending.clear()

    for line in read_lines(stream):
        report.lines += 1
        problem = line.problem
        if not problem:
            try:
                pending.append(parse_record(line.value, version))
            except BadProcedure as exc:
                problem = str(exc)
            except (ValueError, OverflowError, RecursionError) as exc:  # never stop the rest
                problem = f"unusable record ({type(exc).__name__})"
        if problem:
            report.rejected += 1
            if len(report.problems) < SHOWN_PROBLEMS:
                report.problems.append(f"line {line.number}: {problem}")
        elif len(pending) >= batch:
            flush()
    flush()
    report.seconds = time.perf_counter() - started
    return report
