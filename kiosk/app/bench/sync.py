"""The sync figures of ``kiosk bench``, against a real Mosquitto started for the run.

* Drain: 10,000 events queued in a device database, sent by the sync daemon until central
  (its own process, as in production) has acked all of them; events/s, and the ratio to a
  plain paho QoS 1 publish loop of as many messages of the same size in the same run. Both
  are run three times, alternately, and the medians compared: single runs vary by 15%.
* Central ingest: 200 simulated devices' events waiting at the broker for central's
  persistent session; events/s stored (and acked) with SQLite and with PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import outbox
from kiosk.config import CentralConfig, Config
from kiosk.store import Store
from sync import SyncDaemon, Topics
from sync.central import Central
from sync.central_store import CentralStore
from sync.servers import Broker, CentralProcess, Postgres, have_mosquitto, have_postgres

SAMPLE = {
    "ticket": "9d3c7a52-8f1e-4b7a-a0c4-2e6f1b9d8c13",
    "number": "A023",
    "service": "dat-dai",
    "counter": 5,
    "priority": False,
    "waited_seconds": 812.4,
    "staff": "cb-05",
}


def _fill(store: Store, count: int) -> None:
    with store.change(time.time()) as tx:
        for i in range(count):
            tx.event("ticket.called", {**SAMPLE, "n": i})


def _client(port: int, client_id: str) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def plain_loop(port: int, count: int, size: int) -> dict[str, Any]:
    """A bare paho QoS 1 publish loop: every message handed over and PUBACKed."""
    done = threading.Event()
    acked = [0]

    def on_publish(*_: Any) -> None:
        acked[0] += 1
        if acked[0] >= count:
            done.set()

    client = _client(port, f"bench-plain-{uuid.uuid4().hex[:8]}")
    client.on_publish = on_publish
    payload = b"x" * size
    start = time.perf_counter()
    for _ in range(count):
        client.publish("bench/plain", payload, qos=1)
    done.wait(300)
    seconds = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
    return {
        "messages": count,
        "bytes_each": size,
        "seconds": round(seconds, 3),
        "per_second": round(count / seconds),
    }


def drain(config: Config, work: Path, port: int, count: int) -> dict[str, Any]:
    site = dataclasses.replace(
        config,
        sync=dataclasses.replace(config.sync, host="127.0.0.1", port=port, ack_timeout_seconds=60),
    )
    db = work / "drain.db"
    with Store(db) as store:
        _fill(store, count)
        size = len(outbox.envelope(outbox.pending(store, 1, 1)[0], "0" * 32, 1))
    central = CentralProcess(port, f"sqlite://{work / 'drain-central.db'}", work, "bench-central")
    try:
        if not central.wait_ready():
            raise RuntimeError(f"kiosk central did not start: see {central.log}")
        daemon = SyncDaemon(site, str(db), {}, ())
        daemon.start()
        while daemon.next_seq is None:
            daemon.step(0.01)
        start = time.perf_counter()
        deadline = start + 600
        busy = False
        while daemon.acked < count and time.perf_counter() < deadline:
            busy = daemon.step(0.0 if busy else 0.05)  # as SyncDaemon.run steps
        seconds = time.perf_counter() - start
        daemon.close()
    finally:
        central.stop()
    return {
        "events": count,
        "acked": daemon.acked,
        "bytes_each": size,
        "seconds": round(seconds, 3),
        "per_second": round(daemon.acked / seconds),
    }


def ingest(
    port: int,
    url: str,
    devices: int,
    each: int,
    *,
    days: list[list[dict[str, Any]]] | None = None,
    figures: bool = True,
) -> dict[str, Any]:
    """Events of ``devices`` devices wait at the broker; central takes them all. The
    events are ``each`` calls of one sample ticket, or with ``days`` real-shaped days
    (device n sends day n, each device a site of its own); ``figures`` False stores them
    without keeping central's figures (to measure what keeping them costs)."""
    # A group of its own: a shared subscription spreads messages over every session in
    # the group, offline ones included, so an earlier run's session would take a share.
    run = uuid.uuid4().hex[:8]
    config = CentralConfig(
        host="127.0.0.1",
        port=port,
        db=url,
        batch=500,
        group=f"bench-{run}",
        client_id=f"bench-ingest-{run}",
    )
    store = CentralStore(url, figures=figures)
    central = Central(config, store)
    central.start()
    while not central.connected:  # the session and its shared subscription exist
        central.step(0.05)
    time.sleep(0.3)
    central.close()
    publisher = _client(port, f"bench-devices-{uuid.uuid4().hex[:8]}")
    db = uuid.uuid4().hex
    data = json.dumps(SAMPLE, separators=(",", ":"))
    infos = []
    if days is None:
        for seq in range(1, each + 1):
            for device in range(devices):
                event = outbox.Pending(
                    seq, str(uuid.uuid4()), "ticket.called", "2026-11-23T02:15:04.120Z", data
                )
                topic = Topics("bench-site", f"device-{device:03d}").events
                infos.append(publisher.publish(topic, outbox.envelope(event, db, 1), qos=1))
        total = devices * each
    else:
        total = 0
        longest = max(len(day) for day in days[:devices])
        for index in range(longest):  # the devices' events interleaved, as they arrive
            for device, day in enumerate(days[:devices]):
                if index >= len(day):
                    continue
                e = day[index]
                event = outbox.Pending(
                    e["seq"], str(uuid.uuid4()), e["type"], e["ts"],
                    json.dumps(e["data"], ensure_ascii=False, separators=(",", ":")),
                )  # fmt: skip
                topic = Topics(f"xa-{device:03d}", "site-controller-01").events
                infos.append(publisher.publish(topic, outbox.envelope(event, db, 1), qos=1))
                total += 1
    for info in infos:
        info.wait_for_publish(60)
    publisher.disconnect()
    publisher.loop_stop()
    central = Central(config, store)
    central.start()
    start = None
    deadline = time.perf_counter() + 600
    while central.stored < total and time.perf_counter() < deadline:
        if central.step(0.05) and start is None:
            start = time.perf_counter()
    while store.take_figures():  # done once the pages' figures have them too
        pass
    seconds = time.perf_counter() - (start or time.perf_counter())
    central.close()
    held = store.count()
    store.close()
    rate = round(central.stored / seconds)
    return {
        "devices": devices,
        "events": total,
        "stored": held,
        "seconds": round(seconds, 3),
        "per_second": rate,
    }


RUNS = 3  # drain and plain loop each, alternately; medians reported (the runs vary)


def drain_and_loop(config: Config, work: Path, port: int, events: int) -> dict[str, Any]:
    """The drain and the plain loop, alternately, :data:`RUNS` times each; the medians,
    their ratio, and every run's rate."""
    drains, loops = [], []
    for run in range(RUNS):
        folder = work / f"drain-{run}"
        folder.mkdir(parents=True, exist_ok=True)
        drains.append(drain(config, folder, port, events))
        loops.append(plain_loop(port, events, drains[-1]["bytes_each"]))
    figures = _median(drains)
    loop = _median(loops)
    return {
        "drain_to_central_ack": {
            **figures,
            "ratio_to_plain_loop": round(figures["per_second"] / loop["per_second"], 2),
            "goal_ratio": 0.5,
            "runs_per_second": [d["per_second"] for d in drains],
        },
        "plain_paho_qos1_loop": {**loop, "runs_per_second": [x["per_second"] for x in loops]},
    }


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(runs, key=lambda run: run["per_second"])[len(runs) // 2]


def sync_figures(
    config: Config, work: Path, events: int = 10_000, devices: int = 200
) -> dict[str, Any]:
    if not have_mosquitto():
        return {"skipped": "mosquitto is not installed"}
    broker = Broker(work / "broker").start()
    try:
        figures = drain_and_loop(config, work, broker.port, events)
        each = max(1, events // devices)
        backends: dict[str, Any] = {
            "sqlite": ingest(broker.port, f"sqlite:///{work / 'ingest.db'}", devices, each)
        }
        if have_postgres():
            postgres = Postgres().start()
            try:
                backends["postgresql"] = ingest(broker.port, postgres.url, devices, each)
            finally:
                postgres.stop()
        else:
            backends["postgresql"] = {"skipped": "PostgreSQL is not installed"}
    finally:
        broker.stop()
    return {**figures, "central_ingest": backends}
