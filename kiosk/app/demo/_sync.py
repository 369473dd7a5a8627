"""The demo's last step: the day's events go to central as on a real site.

A local Mosquitto is started on a free loopback port (when one is installed), ``kiosk
central`` runs as its own process with a SQLite database in the demo's folder, and the
site's sync daemon sends the day's outbox until central has acked every event. The
daily report central computes from what it stored is then compared with the one the
device computes from its own events: they must be the same.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import outbox
from kiosk.config import Config
from kiosk.daily import daily_report
from kiosk.store import Store

if TYPE_CHECKING:
    from sync.servers import CentralProcess

DRAIN_SECONDS = 120.0


def send_to_central(config: Config, db: Path, out: Path, day: str) -> dict[str, Any]:
    """Sync ``db``'s outbox to a local central; what happened, for the summary. Anything
    that goes wrong here is reported in the summary: the simulated day stands on its own."""
    from sync.servers import have_mosquitto

    if not have_mosquitto():
        return {"skipped": "mosquitto is not installed (apt-get install mosquitto)"}
    try:
        return _send(config, db, out.resolve(), day)
    except Exception as exc:  # a broker that will not start, a central that died...
        return {"skipped": f"{type(exc).__name__}: {exc}"[:300]}


def _send(config: Config, db: Path, out: Path, day: str) -> dict[str, Any]:
    from sync.servers import Broker, CentralProcess

    with Store(db, config.store.busy_timeout_ms) as store:
        device_events = _events(store)
    central_db = out / "central.db"
    for stale in (central_db, out / "central.db-wal", out / "central.db-shm"):
        stale.unlink(missing_ok=True)
    shutil.rmtree(out / "broker", ignore_errors=True)  # no session left from a run before
    broker = Broker(out / "broker").start()
    try:
        central = CentralProcess(broker.port, f"sqlite://{central_db}", out, "demo-central")
        try:
            # Had central not subscribed in time, the events would just go again after
            # the ack timeout: a slow start costs time, never events.
            central.wait_ready()
            sent = _drain(config, db, broker.port, device_events, central)
        finally:
            status = central.stop()
    finally:
        broker.stop()
    if status not in (0, -15):
        raise RuntimeError(f"kiosk central exited with {status}; see central.log")
    return {**sent, **_compare(config, central_db, device_events, day)}


def _events(store: Store) -> list[dict[str, Any]]:
    box = outbox.state(store)
    return [
        {
            "db": box.db,
            "seq": e.seq,
            "id": e.id,
            "type": e.type,
            "ts": e.ts,
            "data": json.loads(e.data),
        }
        for e in outbox.pending(store, 1, box.held)
    ]


def _drain(
    config: Config, db: Path, port: int, events: list[dict[str, Any]], central: CentralProcess
) -> dict[str, Any]:
    from sync import SyncDaemon

    sync = dataclasses.replace(
        config.sync,
        host="127.0.0.1",
        port=port,
        tls=False,
        username="",
        password="",
        password_file="",
        ack_timeout_seconds=5,
    )
    daemon = SyncDaemon(dataclasses.replace(config, sync=sync), str(db), {}, ())
    last = events[-1]["seq"] if events else 0
    started = time.perf_counter()
    daemon.start()
    try:
        deadline = started + DRAIN_SECONDS
        busy = False
        while daemon.acked < last and time.perf_counter() < deadline:
            busy = daemon.step(0.0 if busy else 0.01)
            if central.exited is not None:
                raise RuntimeError(f"kiosk central exited with {central.exited}; see central.log")
        box = outbox.state(daemon.store)
    finally:
        daemon.close()
    return {
        "events_sent": len(events),
        "events_acked_by_central": box.acked,
        "left_in_outbox": box.held,
        "sync_seconds": round(time.perf_counter() - started, 2),
    }


def _compare(
    config: Config, central_db: Path, device_events: list[dict[str, Any]], day: str
) -> dict[str, Any]:
    from sync.central import report
    from sync.central_store import CentralStore

    store = CentralStore(f"sqlite://{central_db}")
    try:
        stored = store.count()
        central = report(store, config.site.id, day, config.site.timezone)
    finally:
        store.close()
    device = daily_report(device_events, day)
    same = {key: central[key] == device[key] for key in device}
    return {
        "events_stored_by_central": stored,
        "central_report_matches_device": all(same.values()),
        "differences": sorted(key for key, equal in same.items() if not equal),
        "central_tickets": central["tickets"],
        "central_db": str(central_db),
        "report_command": f"kiosk central report --db {shlex.quote(f'sqlite://{central_db}')} "
        f"--site {config.site.id} --day {day}",
    }
