"""Reliability of the MQTT sync end to end: a real Mosquitto, real SQLite on both sides, the
device's sync daemon as a real process (so it can be SIGKILLed), central in-process or as
a ``kiosk central`` process.

Every scenario ends with the same check: central holds each event the device wrote exactly
once, gap-free from seq 1, with the ids the device gave them, and the device's outbox is
empty with ``outbox_acked`` at its last seq.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import outbox
from kiosk.config import CentralConfig
from kiosk.store import Store
from sync._contract import Topics
from sync.central import Central
from sync.central_store import CentralStore
from tests.brokers import Broker
from tests.conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.slow  # a system test: real processes, minutes of work

SITE = "hcc-hung-yen"
DEVICE = "site-controller-01"  # the example config's device
EVENTS = 1000
DELIVERY_DEADLINE = 120.0  # seconds for a device's outbox to drain once the link is whole
ACK_TIMEOUT = 2  # [sync] ack_timeout_seconds of the devices


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}


def tail(path: Path, chars: int = 3000) -> str:
    if not path.exists():
        return "(no log)"
    return path.read_text(encoding="utf-8", errors="replace")[-chars:]


def wait_for(condition: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    """Poll ``condition`` until it holds; on the deadline fail with ``what()``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s: {what()}")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def stack() -> Iterator[contextlib.ExitStack]:
    """Everything a test starts is undone here, last started first."""
    with contextlib.ExitStack() as undo:
        yield undo


def start_broker(work: Path, undo: contextlib.ExitStack) -> Broker:
    # Started as root, mosquitto drops to the "mosquitto" user, which cannot write to the
    # test's folder: its log and its persistence file (sessions, retained messages) would
    # silently not be written. "user root" keeps it as the user that can.
    broker = Broker(work, extra="user root" if os.geteuid() == 0 else "")
    undo.callback(broker.stop)
    return broker.start()


# -- the device ---------------------------------------------------------------------------


class LoggedProcess:
    """A ``python -m kiosk ...`` process whose stderr goes on in ``log`` across restarts."""

    log: Path
    undo: contextlib.ExitStack
    process: subprocess.Popen[bytes] | None = None
    run_from = 0  # where the current run's lines start in the log

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.run_from = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "kiosk", *self.command()],
                stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT, env=clean_env(),
            )  # fmt: skip
        self.undo.callback(stop_process, self.process)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def run_log(self) -> str:
        if not self.log.exists():
            return ""
        with self.log.open("rb") as handle:
            handle.seek(self.run_from)
            return handle.read().decode("utf-8", errors="replace")


class Device(LoggedProcess):
    """A site controller's folder: config (with a small-timer ``[sync]``), database, log,
    and its ``kiosk run sync`` process."""

    def __init__(self, folder: Path, port: int, undo: contextlib.ExitStack,
                 name: str = DEVICE) -> None:  # fmt: skip
        self.folder, self.name, self.undo = folder, name, undo
        folder.mkdir(parents=True)
        self.config = folder / "config.toml"
        self.db = folder / "kiosk.db"
        self.log = folder / "sync.log"
        self.config.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        (folder / "config.d").mkdir()
        (folder / "config.d" / "sync.toml").write_text(
            f'[sync]\nhost = "127.0.0.1"\nport = {port}\n'
            f"ack_timeout_seconds = {ACK_TIMEOUT}\nreconnect_min_seconds = 1\n"
            "reconnect_max_seconds = 2\nstate_seconds = 5\n",
            encoding="utf-8",
        )
        if name != DEVICE:
            (folder / "config.d" / "device.toml").write_text(f'[site]\ndevice = "{name}"\n')
        self.store = Store(self.db)  # the test's own connection (creates the database)
        undo.callback(self.store.close)
        self.ids: dict[int, str] = {}  # seq -> id, as read from the events table

    @property
    def topics(self) -> Topics:
        return Topics(SITE, self.name)

    def command(self) -> list[str]:
        return ["--config", str(self.config), "--db", str(self.db), "run", "sync"]

    def box(self) -> outbox.Outbox:
        return outbox.state(self.store)

    def produce(self, count: int, seconds: float = 0.0) -> Producer:
        producer = Producer(self, count, seconds)
        producer.start()
        self.undo.callback(producer.join, 60)
        return producer

    def status(self) -> str:
        box = self.box()
        alive = self.process is not None and self.process.poll() is None
        return (
            f"device {self.name}: outbox db={box.db} acked={box.acked} last={box.last} "
            f"held={box.held}; sync process {'running' if alive else 'not running'}\n"
            f"--- sync stderr (tail) ---\n{tail(self.log)}"
        )


class Producer(threading.Thread):
    """Writes ``count`` events into a device's database, spread over ``seconds``, and notes
    each one's id as the events table holds it (read in the writing transaction, before
    any ack can delete the row)."""

    def __init__(self, device: Device, count: int, seconds: float) -> None:
        super().__init__(daemon=True)
        self.device, self.count, self.seconds = device, count, seconds
        self.made = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            store = Store(self.device.db)
        except BaseException as exc:
            self.error = exc
            return
        try:
            began = time.monotonic()
            for n in range(self.count):
                with store.change(time.time()) as tx:
                    seq = int(tx.event("test.produced", {"n": n})["seq"])
                    written = tx.one("SELECT id FROM events WHERE seq = ?", (seq,))
                self.device.ids[seq] = str(written)
                self.made += 1
                pause = began + (n + 1) * self.seconds / self.count - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
        except BaseException as exc:
            self.error = exc
        finally:
            store.close()

    def finish(self, timeout: float = 60) -> None:
        self.join(timeout)
        assert not self.is_alive(), f"the producer is still writing ({self.made} made)"
        assert self.error is None, f"the producer failed: {self.error!r}"
        assert self.made == self.count


# -- central ------------------------------------------------------------------------------


class InProcessCentral:
    """``sync.central.Central`` on a SQLite file, stepping in a thread of the test."""

    def __init__(self, port: int, folder: Path, undo: contextlib.ExitStack) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / 'central.db'}"
        self.store = CentralStore(url)
        config = CentralConfig(host="127.0.0.1", port=port, db=url, client_id="central-test",
                               reconnect_min_seconds=1, reconnect_max_seconds=2)  # fmt: skip
        self.central = Central(config, self.store, client_id="central-test")
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.central.start()
        self.thread.start()
        undo.callback(self.close)

    def _run(self) -> None:
        try:
            self.central.run(self.stop)
        except BaseException as exc:
            self.error = exc

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        self.central.close()
        self.store.close()

    def status(self) -> str:
        alive = self.thread.is_alive()
        return (
            f"central (in-process): stored={self.central.stored} dropped={self.central.dropped}"
            f" connected={self.central.connected} thread={'alive' if alive else 'dead'}"
            f" error={self.error!r}"
        )


class CentralProcess(LoggedProcess):
    """``python -m kiosk central run`` with a fixed client id (its session is reused)."""

    def __init__(self, port: int, folder: Path, undo: contextlib.ExitStack,
                 client_id: str) -> None:  # fmt: skip
        folder.mkdir(parents=True, exist_ok=True)
        self.port, self.client_id, self.undo = port, client_id, undo
        self.url = f"sqlite:///{folder / 'central.db'}"
        self.log = folder / "central.log"
        self.store = CentralStore(self.url)  # the test reads what central stored
        undo.callback(self.store.close)

    def command(self) -> list[str]:
        return ["central", "run", "--broker", f"127.0.0.1:{self.port}", "--db", self.url,
                "--client-id", self.client_id]  # fmt: skip

    def status(self) -> str:
        alive = self.process is not None and self.process.poll() is None
        return (
            f"central process {'running' if alive else 'not running'}\n"
            f"--- central stderr (tail) ---\n{tail(self.log)}"
        )


# -- MQTT from the outside ----------------------------------------------------------------


class Listener:
    """A plain paho MQTT v5 client that notes what arrives on ``topic``."""

    def __init__(self, port: int, topic: str) -> None:
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.subscribed = threading.Event()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{uuid.uuid4().hex}",
                             protocol=mqtt.MQTTv5)  # fmt: skip

        def on_connect(c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
            if not reason.is_failure:
                c.subscribe(topic, qos=1)

        def on_subscribe(_c: Any, _u: Any, _m: Any, _r: Any, _p: Any) -> None:
            self.subscribed.set()

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = lambda _c, _u, message: self.messages.put(message)
        client.connect("127.0.0.1", port)
        client.loop_start()
        self.client = client
        if not self.subscribed.wait(5):
            self.close()
            raise AssertionError(f"could not subscribe to {topic} on port {port}")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def retained_state(port: int, device: str = DEVICE) -> dict[str, Any] | None:
    """The retained state message of ``device`` as a new subscriber gets it (None: none)."""
    listener = Listener(port, Topics(SITE, device).state)
    try:
        while True:
            message = listener.messages.get(timeout=1.0)
            if message.retain:
                state: dict[str, Any] = json.loads(message.payload)
                return state
    except queue.Empty:
        return None
    finally:
        listener.close()


# -- the outcome ----------------------------------------------------------------------------


def drained(device: Device, produced: int) -> bool:
    """Everything the device wrote is acked and let go."""
    box = device.box()
    return box.last >= produced and box.acked == box.last and box.held == 0


def seq_problems(seqs: list[int], n: int) -> str:
    counts = Counter(seqs)
    missing = sorted(set(range(1, n + 1)) - set(counts))
    twice = sorted(seq for seq, c in counts.items() if c > 1)
    extra = sorted(seq for seq in counts if not 1 <= seq <= n)
    disorder = [b for a, b in itertools.pairwise(seqs) if b <= a]
    return (
        f"{len(seqs)} events for {n} written; missing {missing[:20]}"
        f"{'...' if len(missing) > 20 else ''}; more than once {twice[:20]}; "
        f"beyond the device's {extra[:20]}; out of order after {disorder[:20]}"
    )


def assert_delivered(device: Device, store: CentralStore, context: str) -> None:
    """Central holds each event of ``device`` once, in seq order, with the device's ids;
    the device's outbox is empty and ``outbox_acked`` is its last seq."""
    box = device.box()
    n = box.last
    assert sorted(device.ids) == list(range(1, n + 1)), (
        f"the device holds {n} events but the test noted {len(device.ids)}: it wrote events "
        f"of its own the test did not see\n{context}"
    )
    rows = [e for e in store.events(SITE) if e["device"] == device.name]
    seqs = [e["seq"] for e in rows]
    assert seqs == list(range(1, n + 1)), f"{seq_problems(seqs, n)}\n{context}"
    assert {e["db"] for e in rows} == {box.db}, f"central's dbs { ({e['db'] for e in rows}) }"
    wrong = [(e["seq"], e["id"], device.ids[e["seq"]]) for e in rows
             if e["id"] != device.ids[e["seq"]]]  # fmt: skip
    assert not wrong, f"{len(wrong)} ids differ (seq, central, device): {wrong[:5]}\n{context}"
    assert len({e["id"] for e in rows}) == n
    assert store.seqs(SITE, device.name) == list(range(1, n + 1))
    assert (box.held, box.acked) == (0, n), f"outbox not empty: {box}\n{context}"
    left = device.store.conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert left == 0, f"{left} events still in the device's events table\n{context}"


def warm_up(device: Device, store: CentralStore, status: Callable[[], str]) -> None:
    """A few events through the whole link: device, broker and central all work."""
    device.produce(10).finish()
    wait_for(lambda: drained(device, 10), 30, status)
    assert store.seqs(SITE, device.name) == list(range(1, 11))


# -- the scenarios ----------------------------------------------------------------------


@pytest.mark.slow
def test_ok__broker_down_30s_while_1000_events_are_made(
    tmp_path: Path, stack: contextlib.ExitStack
) -> None:
    broker = start_broker(tmp_path / "broker", stack)
    central = InProcessCentral(broker.port, tmp_path / "central", stack)
    device = Device(tmp_path / "site", broker.port, stack)

    def status() -> str:
        return f"{central.status()}\n{device.status()}"

    device.start()
    warm_up(device, central.store, status)

    broker.stop()
    down_at = time.monotonic()
    producer = device.produce(EVENTS, seconds=29.0)
    producer.finish(timeout=60)
    time.sleep(max(0.0, down_at + 30.0 - time.monotonic()))
    # Nothing can be acked while the broker is away: the device holds every new event.
    box = device.box()
    assert (box.acked, box.held) == (10, EVENTS), f"while the broker was down: {box}"
    assert device.process is not None and device.process.poll() is None, status()
    broker.start()
    assert time.monotonic() - down_at >= 30.0

    wait_for(lambda: drained(device, 10 + EVENTS), DELIVERY_DEADLINE, status)
    assert_delivered(device, central.store, status())
    assert device.box().last == 10 + EVENTS
    assert central.error is None, status()


@dataclass(frozen=True)
class Kill:
    after: float  # seconds from the start of the process
    connected: bool  # the run had logged its connection to the broker
    acked: int  # the device's outbox at the kill
    last: int
    central_max: int  # highest seq central held for the device at the kill


@pytest.mark.slow
def test_ok__sync_sigkilled_20_times_while_publishing(
    tmp_path: Path, stack: contextlib.ExitStack
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    broker = start_broker(tmp_path / "broker", stack)
    central = InProcessCentral(broker.port, tmp_path / "central", stack)
    device = Device(tmp_path / "site", broker.port, stack)

    def status() -> str:
        return f"seed {seed}\n{central.status()}\n{device.status()}"

    delays = [rng.uniform(0.2, 1.5) for _ in range(20)]
    # The events are made all through the kills (a start and a kill take ~0.05 s more).
    producer = device.produce(EVENTS, seconds=sum(delays) + 0.05 * len(delays))
    kills: list[Kill] = []
    for after in delays:
        device.start()
        time.sleep(after)
        box = device.box()
        held = central.store.seqs(SITE, DEVICE)
        connected = "connected to" in device.run_log()
        assert device.process is not None and device.process.poll() is None, (
            f"the sync process died on its own\n{status()}"
        )
        device.kill()
        kills.append(Kill(after, connected, box.acked, box.last, max(held, default=0)))
    producer.finish(timeout=60)

    device.start()
    wait_for(lambda: drained(device, EVENTS), DELIVERY_DEADLINE, status)
    summary = "\n".join(str(k) for k in kills)
    assert_delivered(device, central.store, f"kills:\n{summary}\n{status()}")
    assert device.box().last == EVENTS

    # The kills landed mid-publishing: connected, with events sent but not yet acked.
    unacked = [k for k in kills if k.connected and k.last > k.acked]
    assert len(unacked) >= 5, f"only {len(unacked)} kills with events unacked:\n{summary}"
    # ...and the killed runs did get events through (not only the last, whole run).
    assert kills[-1].acked > 0, f"no event acked during the kills:\n{summary}\n{status()}"
    assert central.error is None, status()


@pytest.mark.slow
def test_ok__central_down_while_1000_events_are_published(
    tmp_path: Path, stack: contextlib.ExitStack
) -> None:
    broker = start_broker(tmp_path / "broker", stack)
    central = CentralProcess(broker.port, tmp_path / "central", stack, "central-reliability")
    device = Device(tmp_path / "site", broker.port, stack)

    def status() -> str:
        return f"{central.status()}\n{device.status()}"

    central.start()
    device.start()
    warm_up(device, central.store, status)

    # Another subscriber sees what the device publishes while central is away.
    seen: set[int] = set()
    listener = Listener(broker.port, device.topics.events)
    stack.callback(listener.close)

    def note() -> set[int]:
        with contextlib.suppress(queue.Empty):
            while True:
                seen.add(int(json.loads(listener.messages.get_nowait().payload)["seq"]))
        return seen

    central.kill()
    producer = device.produce(EVENTS, seconds=3.0)
    producer.finish()
    down_at = time.monotonic()
    # The device publishes all of them (the broker PUBACKs each) yet keeps every one: only
    # central's ack lets an event go. Watched for a few ack timeouts, with resends.
    held: list[int] = []
    while time.monotonic() - down_at < 3 * ACK_TIMEOUT or not set(range(11, 11 + EVENTS)) <= note():
        box = device.box()
        assert box.acked == 10, f"an ack while central was down: {box}\n{status()}"
        assert box.held == box.last - 10, f"events let go while central was down: {box}"
        held.append(box.held)
        assert time.monotonic() - down_at < 60, (
            f"the device published {len(note())} of the events while central was down\n{status()}"
        )
        time.sleep(0.2)
    assert max(held) == EVENTS, f"outbox while central was down: {held[:5]}...{held[-5:]}"
    assert min(held) > 0
    assert "sending again from seq 11" in device.run_log(), (
        f"no resend after {ACK_TIMEOUT}s without an ack\n{status()}"
    )

    central.start()  # the same client id: its session, with what was queued, is reused
    wait_for(lambda: drained(device, 10 + EVENTS), DELIVERY_DEADLINE, status)
    assert "session kept" in central.run_log(), status()
    assert_delivered(device, central.store, status())
    assert device.box().last == 10 + EVENTS


@pytest.mark.slow
def test_ok__retained_state_offline_on_sigkill_online_after_broker_restart(
    tmp_path: Path, stack: contextlib.ExitStack
) -> None:
    broker = start_broker(tmp_path / "broker", stack)
    central = InProcessCentral(broker.port, tmp_path / "central", stack)
    device = Device(tmp_path / "site", broker.port, stack)

    def status() -> str:
        return f"{central.status()}\n{device.status()}"

    def state() -> dict[str, Any] | None:
        return retained_state(broker.port)

    device.start()
    warm_up(device, central.store, status)
    online = state()
    assert online is not None and online["online"] is True, f"{online}\n{status()}"
    assert "outbox" in online, online

    device.kill()  # no clean goodbye: the broker publishes the will
    wait_for(lambda: (state() or {}).get("online") is False, 15,
             lambda: f"retained state {state()}\n{status()}")  # fmt: skip
    will = state()
    assert will is not None and set(will) <= {"online", "version"}, will

    broker.restart()  # sessions and retained messages come back from disk
    assert state() == will, "the retained will did not survive the broker's restart"

    device.produce(20).finish()
    device.start()
    wait_for(lambda: (state() or {}).get("online") is True, 30,
             lambda: f"retained state {state()}\n{status()}")  # fmt: skip
    wait_for(lambda: drained(device, 30), 60, status)
    assert "session kept" in device.run_log(), f"the broker lost the session\n{status()}"

    # And a broker restart under a running daemon: it comes back, its session kept.
    before = state()
    assert before is not None and before["online"] is True
    broker.restart()
    device.produce(20).finish()
    wait_for(lambda: drained(device, 50), 60, status)
    wait_for(lambda: (state() or {}).get("ts", "") > before["ts"], 30,
             lambda: f"retained state {state()} (before {before})\n{status()}")  # fmt: skip
    assert device.run_log().count("session kept") >= 2, status()
    final = state()
    assert final is not None and final["online"] is True, final
    assert_delivered(device, central.store, status())


def test_ok__two_devices_one_central_keep_their_own_seqs(
    tmp_path: Path, stack: contextlib.ExitStack
) -> None:
    broker = start_broker(tmp_path / "broker", stack)
    central = InProcessCentral(broker.port, tmp_path / "central", stack)
    first = Device(tmp_path / "site-1", broker.port, stack)
    second = Device(tmp_path / "site-2", broker.port, stack, name="site-controller-02")

    def status() -> str:
        return f"{central.status()}\n{first.status()}\n{second.status()}"

    first.start()
    second.start()
    producers = [first.produce(150, seconds=1.5), second.produce(120, seconds=1.5)]
    for producer in producers:
        producer.finish()
    wait_for(lambda: drained(first, 150) and drained(second, 120), 60, status)

    assert_delivered(first, central.store, status())
    assert_delivered(second, central.store, status())
    assert central.store.seqs(SITE, first.name) == list(range(1, 151))
    assert central.store.seqs(SITE, second.name) == list(range(1, 121))
    assert first.box().db != second.box().db
    devices = Counter(e["device"] for e in central.store.events(SITE))
    assert devices == {first.name: 150, second.name: 120}
    assert not set(first.ids.values()) & set(second.ids.values())
    assert central.error is None, status()
