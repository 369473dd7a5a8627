"""``kiosk dossiers import FILE.jsonl``: dossier records, one JSON object per line.

The file is read as a stream (any size), checked line by line, and written in
batches of short transactions so the daemons are never held up. A bad line is
reported with its number and skipped; every good line is still imported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO

from kiosk.dossiers._cache import upsert
from kiosk.dossiers._model import Dossier
from kiosk.dossiers._record import BadDossier, parse_dossier
from kiosk.jsonl import MAX_LINE, ImportReport, read_lines
from kiosk.store import Store

BATCH = 2000


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
        report.wrote(len(pending), written)
        pending.clear()

    for line in read_lines(stream, max_line=MAX_LINE):
        report.lines += 1
        if line.problem:
            report.reject(line.number, line.problem)
            continue
        try:
            pending.append(parse_dossier(line.value, timezone))
        except BadDossier as exc:
            report.reject(line.number, str(exc))
            continue
        except (ValueError, OverflowError, RecursionError) as exc:  # nothing may stop the rest
            report.reject(line.number, f"unusable record ({type(exc).__name__})")
            continue
        if len(pending) >= batch:
            flush()
    flush()
    report.seconds = time.perf_counter() - started
    return report
