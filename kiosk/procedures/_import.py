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
from typing import IO

from kiosk.jsonl import ImportReport, read_lines
from kiosk.procedures._cache import upsert
from kiosk.procedures._model import Procedure
from kiosk.procedures._records import BadProcedure, parse_record
from kiosk.store import Store

BATCH = 500


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
            report.wrote(len(pending), written)
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
            report.reject(line.number, problem)
        elif len(pending) >= batch:
            flush()
    flush()
    report.seconds = time.perf_counter() - started
    return report
