"""Lists of papers to bring asked for at the look-up screen and printed by the kiosk daemon,
which owns the printer: the screen asks (:func:`request`) and watches the job's state; the
kiosk takes the oldest job between two tickets (:func:`claim`) and says how it went
(:func:`finish`). A job not taken within :data:`EXPIRES_SECONDS` (no kiosk daemon, the
printer out of paper all that time) is failed rather than printed for nobody."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk import freetext
from kiosk.store import Store

EXPIRES_SECONDS = 120.0
MAX_MESSAGE = 200


@dataclass(frozen=True)
class Job:
    id: int
    code: str
    state: str  # pending, printing, done, failed
    message: str


def request(store: Store, code: str, *, now: float) -> int:
    """Ask for the checklist of the procedure ``code``; the job's id."""
    with store.change(now) as tx:
        cursor = tx.execute(
            "INSERT INTO print_jobs (code, state, requested_at) VALUES (?, 'pending', ?)",
            (code, now),
        )
        job = int(cursor.lastrowid or 0)
        tx.event("procedure.checklist_requested", {"code": code, "job": job})
    return job


def claim(store: Store, *, now: float) -> Job | None:
    """The oldest pending job, now printing; jobs waited on too long are failed first."""
    with store.change(now, durable=False) as tx:
        tx.execute(
            "UPDATE print_jobs SET state = 'failed', message = ?, finished_at = ? "
            "WHERE state = 'pending' AND requested_at < ?",
            ("Máy in chưa sẵn sàng, mời thử lại sau", now, now - EXPIRES_SECONDS),
        )
        row = tx.execute(
            "SELECT id, code FROM print_jobs WHERE state = 'pending' ORDER BY id LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        tx.execute("UPDATE print_jobs SET state = 'printing' WHERE id = ?", (row[0],))
    return Job(int(row[0]), str(row[1]), "printing", "")


def finish(store: Store, job: int, *, ok: bool, message: str, now: float) -> None:
    state = "done" if ok else "failed"
    with store.change(now) as tx:
        tx.execute(
            "UPDATE print_jobs SET state = ?, message = ?, finished_at = ? WHERE id = ?",
            (state, freetext.shorten(message, MAX_MESSAGE), now, job),
        )


def pending(store: Store) -> bool:
    row = store.conn.execute("SELECT 1 FROM print_jobs WHERE state = 'pending' LIMIT 1")
    return row.fetchone() is not None


def job(store: Store, job_id: int) -> Job | None:
    row = store.conn.execute(
        "SELECT id, code, state, message FROM print_jobs WHERE id = ?", (job_id,)
    ).fetchone()
    return None if row is None else Job(int(row[0]), str(row[1]), str(row[2]), str(row[3]))
