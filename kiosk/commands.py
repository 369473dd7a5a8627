"""Commands from central, kept in the database: each command id runs once, whichever
daemon carries it out, and its result is kept so a command delivered again (MQTT QoS 1
may deliver twice) gets the first answer again instead of running twice.

Sync records a command and runs what it can itself (call next, recall, notice); one that
needs a device another daemon owns (reprint: the kiosk's printer) waits as ``pending``
until that daemon claims it, or until sync gives up on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kiosk.store import Store


@dataclass(frozen=True)
class Result:
    ok: bool
    code: str  # "done", or why not
    message: str
    data: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok, "code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


@dataclass(frozen=True)
class Command:
    id: str
    cmd: str
    args: dict[str, Any]
    state: str  # pending, running, done, failed
    result: Result | None
    received_at: float


def _command(row: tuple[Any, ...]) -> Command:
    cid, cmd, args, state, result, received_at = row
    done = None
    if result:
        r = json.loads(result)
        done = Result(bool(r["ok"]), str(r["code"]), str(r["message"]), r.get("data"))
    return Command(cid, cmd, json.loads(args), state, done, float(received_at))


_COLUMNS = "id, cmd, args, state, result, received_at"


def find(store: Store, command_id: str) -> Command | None:
    row = store.conn.execute(
        f"SELECT {_COLUMNS} FROM commands WHERE id = ?", (command_id,)
    ).fetchone()
    return None if row is None else _command(row)


def record(store: Store, command_id: str, cmd: str, args: dict[str, Any], *, now: float) -> bool:
    """Note a command as pending; False if this id was seen before (nothing changes)."""
    with store.change(now) as tx:
        cursor = tx.execute(
            "INSERT INTO commands (id, cmd, args, state, received_at) "
            "VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (id) DO NOTHING",
            (command_id, cmd, json.dumps(args, ensure_ascii=False), now),
        )
        return cursor.rowcount == 1


def claim(store: Store, cmd: str, *, now: float, max_age: float) -> Command | None:
    """Take the oldest pending command of kind ``cmd`` received in the last ``max_age``
    seconds to run it (pending -> running). An older one is not run: whoever sent it has
    been told it was not carried out (a ticket printed an hour late helps nobody)."""
    with store.change(now) as tx:
        row = tx.conn.execute(
            f"SELECT {_COLUMNS} FROM commands WHERE cmd = ? AND state = 'pending' "
            "AND received_at >= ? ORDER BY received_at, id LIMIT 1",
            (cmd, now - max_age),
        ).fetchone()
        if row is None:
            return None
        tx.execute("UPDATE commands SET state = 'running' WHERE id = ?", (row[0],))
    return _command(row)


def waiting(store: Store, cmd: str, *, now: float, max_age: float) -> bool:
    """Whether a command of kind ``cmd`` waits to be claimed (a cheap, indexed look)."""
    return (
        store.conn.execute(
            "SELECT 1 FROM commands WHERE cmd = ? AND state = 'pending' AND received_at >= ? "
            "LIMIT 1",
            (cmd, now - max_age),
        ).fetchone()
        is not None
    )


def unfinished(store: Store, cmd: str) -> list[Command]:
    """Commands of kind ``cmd`` not yet answered (pending or running), oldest first."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM commands WHERE cmd = ? AND state IN ('pending', 'running') "
        "ORDER BY received_at, id",
        (cmd,),
    ).fetchall()
    return [_command(row) for row in rows]


def finish(store: Store, command_id: str, result: Result, *, now: float) -> None:
    with store.change(now) as tx:
        tx.execute(
            "UPDATE commands SET state = ?, result = ?, finished_at = ? "
            "WHERE id = ? AND state IN ('pending', 'running')",
            (
                "done" if result.ok else "failed",
                json.dumps(result.to_json(), ensure_ascii=False),
                now,
                command_id,
            ),
        )


def give_up(
    store: Store, command_id: str, result: Result, *, now: float, running: bool = False
) -> bool:
    """Fail a command nobody claimed (with ``running``, also one claimed by a daemon that
    died before it finished); False if it was claimed meanwhile (it still runs)."""
    states = "('pending', 'running')" if running else "('pending')"
    with store.change(now) as tx:
        cursor = tx.execute(
            "UPDATE commands SET state = 'failed', result = ?, finished_at = ? "
            f"WHERE id = ? AND state IN {states}",
            (json.dumps(result.to_json(), ensure_ascii=False), now, command_id),
        )
        return cursor.rowcount == 1


def answered(store: Store, command_id: str, *, now: float) -> None:
    """Note that the command's answer went to central."""
    with store.change(now) as tx:
        tx.execute("UPDATE commands SET answered_at = ? WHERE id = ?", (now, command_id))


def unanswered(store: Store) -> list[Command]:
    """Finished commands whose answer has not gone to central yet, oldest first."""
    rows = store.conn.execute(
        f"SELECT {_COLUMNS} FROM commands WHERE result IS NOT NULL AND answered_at IS NULL "
        "ORDER BY finished_at, id"
    ).fetchall()
    return [_command(row) for row in rows]


def forget(store: Store, before: float, *, now: float) -> int:
    """Delete finished commands older than ``before`` (their ids may then run again)."""
    with store.change(now) as tx:
        cursor = tx.execute(
            "DELETE FROM commands WHERE state IN ('done', 'failed') AND finished_at < ?",
            (before,),
        )
        return int(cursor.rowcount)
