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
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kiosk import outbox
from kiosk.config import Config
from kiosk.daily import daily_report
from kiosk.store import Store

DRAIN_SECONDS = 120.0


def send_to_central(config: Config, db: Path, out: Path, day: str) -> dict[str, Any]:
    """Sync ``db``'s outbox to a local central; what happened, for the summary. Anything
    that goes wrong here is reported in the summary: the simulated day stands on its own."""
    from sync._servers import have_mosquitto

    if not have_mosquitto():
        return {"skipped": "mosquitto is not installed (apt-get install mosquitto)"}
    try:
        return _send(config, db, out.resolve(), day)
    except Exception as exc:  # a broker that will not start, a central that died...
        return {"skipped": f"{type(exc).__name__}: {exc}"[:300]}


def _send(config: Config, db: Path, out: Path, day: str) -> dict[str, Any]:
    from sync._servers import Broker

    with Store(db, config.store.busy_timeout_ms) as store:
        device_events = _events(store)
    central_db = out / "central.db"
    for stale in (central_db, out / "central.db-wal", out / "central.db-shm"):
        stale.unlink(missing_ok=True)
    shutil.rmtree(out / "broker", ignore_errors=True)  # no session left from a run before
    broker = Broker(out / "broker").start()
    try:
        central = _central(broker.port, central_db, out)
        try:
            _wait_ready(central, out / "central.log")
            sent = _drain(config, db, broker.port, len(device_events), central)
        finally:
            central.terminate()
            try:
                central.wait(10)
            except subprocess.TimeoutExpired:
                central.kill()
                central.wait()
    finally:
        broker.stop()
    if central.returncode not in (0, -15):
        raise RuntimeError(f"kiosk central exited with {central.returncode}; see central.log")
    return {**sent, **_compare(config, central_db, device_events, day)}


def _events(store: Store) -> list[dict[str, Any]]:
    site = store.conn.execute("SELECT value FROM kv WHERE key = 'outbox_db'").fetchone()[0]
    rows = store.conn.execute("SELECT seq, id, type, ts, data FROM events ORDER BY seq")
    return [{"db": site, "seq": seq, "id": id_, "type": type_, "ts": ts,
             "data": json.loads(data)} for seq, id_, type_, ts, data in rows]  # fmt: skip


def _central(port: int, central_db: Path, out: Path) -> subprocess.Popen[bytes]:
    """``kiosk central`` as its own process, as the province runs it."""
    empty = out / "central.toml"
    empty.write_text("# the demo's central: everything from the command line\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    with (out / "central.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(empty), "central",
             "--broker", f"127.0.0.1:{port}", "--db", f"sqlite://{central_db}",
             "--client-id", "demo-central"],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip


def _wait_ready(central: subprocess.Popen[bytes], log: Path, seconds: float = 20) -> None:
    """Until central says it is connected (it subscribes in the same breath)."""
    deadline = time.monotonic() + seconds
    while "central connected" not in log.read_text(encoding="utf-8", errors="replace"):
        if central.poll() is not None or time.monotonic() > deadline:
            return  # the drain then waits on its own, and the summary tells
        time.sleep(0.05)
    time.sleep(0.2)  # its SUBACK


def _drain(config: Config, db: Path, port: int, count: int,
           central: subprocess.Popen[bytes]) -> dict[str, Any]:  # fmt: skip
    from sync import SyncDaemon

    sync = dataclasses.replace(
        config.sync, host="127.0.0.1", port=port, tls=False, username="", password="",
        password_file="", ack_timeout_seconds=5,
    )  # fmt: skip
    daemon = SyncDaemon(dataclasses.replace(config, sync=sync), str(db), {}, ())
    started = time.perf_counter()
    daemon.start()
    try:
        deadline = started + DRAIN_SECONDS
        # Had central not subscribed yet, the events would go again after the ack
        # timeout: a slow start costs time, never events.
        busy = False
        while time.perf_counter() < deadline:
            busy = daemon.step(0.0 if busy else 0.01)
            if outbox.state(daemon.store).held == 0 and daemon.published >= count:
                break
            if central.poll() is not None:
                raise RuntimeError(f"kiosk central exited with {central.returncode}; "
                                   "see central.log")  # fmt: skip
        box = outbox.state(daemon.store)
    finally:
        daemon.close()
    return {
        "events_sent": count,
        "events_acked_by_central": box.acked,
        "left_in_outbox": box.held,
        "sync_seconds": round(time.perf_counter() - started, 2),
    }


def _compare(config: Config, central_db: Path, device_events: list[dict[str, Any]],
             day: str) -> dict[str, Any]:  # fmt: skip
    from sync._central import report
    from sync._central_store import CentralStore

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
        "report_command": f"kiosk central report --db sqlite://{central_db} "
        f"--site {config.site.id} --day {day}",
    }
