"""The event outbox: the ``events`` rows every change appends, sent to central in seq order
and deleted only once central says it has stored them (its ack, end to end).

The database has an identity (``outbox_db``): a device whose database is replaced starts
its seq at 1 again, and central tells the two apart by it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NamedTuple

from kiosk.store import Store, kv

log = logging.getLogger("kiosk.outbox")


class Pending(NamedTuple):  # a named tuple: made per event sent, and cheap
    seq: int
    id: str
    type: str
    ts: str
    data: str  # JSON text, as stored


@dataclass(frozen=True)
class Outbox:
    db: str  # the database's identity
    acked: int  # highest seq central has stored
    last: int  # highest seq written
    held: int  # events still held (not yet acked)


def state(store: Store) -> Outbox:
    with store.read() as conn:
        return read_state(conn)


def read_state(db: kv.Executes) -> Outbox:
    """The outbox as ``db`` sees it (inside a read the caller holds open)."""
    held = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    return Outbox(kv.OUTBOX_DB.need(db), kv.OUTBOX_ACKED.need(db), kv.EVENT_SEQ.read(db), int(held))


def pending(store: Store, first: int, limit: int) -> list[Pending]:
    """Up to ``limit`` held events from seq ``first`` on, in seq order."""
    rows = store.conn.execute(
        "SELECT seq, id, type, ts, data FROM events WHERE seq >= ? ORDER BY seq LIMIT ?",
        (first, limit),
    ).fetchall()
    return list(map(Pending._make, rows))


def envelope(event: Pending, db: str, floor: int) -> bytes:
    """The event as published: its stored JSON is used as it is, not parsed again."""
    return (
        f'{{"id":"{event.id}","seq":{event.seq},"type":"{event.type}","ts":"{event.ts}",'
        f'"db":"{db}","floor":{floor},"data":{event.data}}}'
    ).encode()


def ack(store: Store, seq: int, *, now: float) -> int:
    """Central holds everything up to ``seq``: forget those events. Returns how many went.

    An ack at or below the last one changes nothing (acks may arrive again or late); one
    beyond the last event written is refused, so a mistaken ack never deletes unsent events.
    The commit does not wait for the disk: should a power cut undo it, the events are
    simply sent again and central keeps each once.
    """
    with store.change(now, durable=False) as tx:
        acked = kv.OUTBOX_ACKED.need(tx)
        last = kv.EVENT_SEQ.read(tx)
        if seq > last:
            raise ValueError(f"ack {seq} is beyond the last event written ({last})")
        if seq <= acked:
            return 0
        gone = tx.execute("DELETE FROM events WHERE seq <= ?", (seq,)).rowcount
        kv.OUTBOX_ACKED.write(tx, seq)
    return int(gone)
