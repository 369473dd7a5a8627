"""Reads for the wait estimate: people ahead, recent service times, open counters."""

from __future__ import annotations

from kiosk.config import Config
from kiosk.rules import estimate
from kiosk.store import Tx


def ahead_of(tx: Tx, service_id: str, rank: int, priority: bool) -> int:
    """Callable tickets of the service that would be called before one of this rank."""
    if priority:
        sql = (
            "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND service = ? "
            "AND priority = 1 AND rank < ?"
        )
    else:
        sql = (
            "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND service = ? "
            "AND (rank < ? OR priority = 1)"
        )
    return int(tx.one(sql, (service_id, rank)))


def service_seconds(tx: Tx, config: Config, service_id: str) -> float:
    recent = [
        float(row[0])
        for row in tx.execute(
            "SELECT service_seconds FROM tickets WHERE status = 'done' AND service = ? "
            "ORDER BY finished_at DESC LIMIT ?",
            (service_id, config.queue.estimate_window),
        )
        if row[0] is not None
    ]
    return estimate.average_service_seconds(recent, config.service(service_id).service_minutes * 60)


def open_capacity(tx: Tx, config: Config, service_id: str) -> float:
    paused = {int(row[0]) for row in tx.execute("SELECT counter FROM counter_state WHERE paused")}
    return estimate.capacity(
        len(counter.services)
        for counter in config.counters
        if service_id in counter.services and counter.number not in paused
    )


def wait_minutes(tx: Tx, config: Config, service_id: str, ahead: int) -> int | None:
    return estimate.estimate_wait_minutes(
        ahead, service_seconds(tx, config, service_id), open_capacity(tx, config, service_id)
    )
