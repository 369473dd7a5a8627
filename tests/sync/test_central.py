"""Central for real: its store on SQLite and PostgreSQL, the ingest over a real Mosquitto,
shared subscriptions across workers, the daily report, and ``kiosk central``'s report,
dossiers and command sub-commands."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import outbox, ticketing
from kiosk.config import CentralConfig, Config, load_config
from kiosk.daily import daily_report, device_report
from kiosk.outbox import Pending
from kiosk.store import Store, iso_utc
from sync import SyncDaemon, Topics, decode
from sync._contract import event_envelope
from sync.central import Central, central_client_id, report
from sync.central_store import Ack, CentralStore, CentralStoreError, Incoming
from tests.brokers import Broker, Postgres
from tests.conftest import EXAMPLE, MONDAY, OPEN_ALL_DAY, ROOT, at, example_raw, make_config

SITE = "hcc-hung-yen"
DEVICE = "site-controller-01"
TZ = "Asia/Ho_Chi_Minh"
DAY = MONDAY.isoformat()
NOW = at(10, 0)
# As root, mosquitto drops to its own user, which cannot reach pytest's private folders.
AS_ROOT = "user root\n" if os.geteuid() == 0 else ""


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    server = Broker(tmp_path / "broker", extra=AS_ROOT).start()
    yield server
    server.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting{': ' + what if what else ''}")
        time.sleep(0.01)


def new_db() -> str:
    return uuid.uuid4().hex


def envelope(seq: int, db: str, *, floor: int = 1, data: dict[str, Any] | None = None) -> bytes:
    """An event exactly as a device publishes it."""
    pending = Pending(
        seq,
        str(uuid.uuid4()),
        "test.produced",
        iso_utc(NOW + seq),
        json.dumps(data if data is not None else {"n": seq}),
    )
    return outbox.envelope(pending, db, floor)


def event(seq: int, db: str, *, floor: int = 1) -> dict[str, Any]:
    return decode("event", envelope(seq, db, floor=floor))


def incoming(device: str, events: list[dict[str, Any]], site: str = SITE) -> list[Incoming]:
    return [Incoming(site, device, e) for e in events]


def acked(acks: list[Ack]) -> dict[tuple[str, str, str], int]:
    return {(a.site, a.device, a.db): a.seq for a in acks}


class Peer:
    """A plain paho client (MQTT v5) as the other side of the contract."""

    def __init__(
        self, port: int, client_id: str, *, username: str = "", password: str = ""
    ) -> None:
        self.port = port
        self.lock = threading.Lock()
        self.messages: list[tuple[str, bytes, bool]] = []
        self.reason: int | None = None
        self.subacks: dict[int, list[int]] = {}
        self.pubacks: dict[int, int] = {}
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,  # a refused or dropped peer stays down
        )
        if username:
            client.username_pw_set(username, password)
        client.on_connect = self._on_connect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.on_publish = self._on_publish
        self.client = client

    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self.reason = int(reason.value)

    def _on_message(self, _c: Any, _u: Any, message: Any) -> None:
        with self.lock:
            self.messages.append((message.topic, bytes(message.payload), bool(message.retain)))

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, codes: Any, _p: Any) -> None:
        self.subacks[mid] = [int(code.value) for code in codes]

    def _on_publish(self, _c: Any, _u: Any, mid: int, reason: Any, _p: Any) -> None:
        self.pubacks[mid] = int(reason.value)

    def connect(self) -> int:
        """Connect; the CONNACK reason code (0: accepted)."""
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()
        wait_for(lambda: self.reason is not None, what="CONNACK")
        assert self.reason is not None
        return self.reason

    def subscribe(self, *topics: str) -> list[int]:
        """Subscribe (QoS 1); the SUBACK reason codes (1: granted QoS 1, >= 128: refused)."""
        _, mid = self.client.subscribe([(topic, 1) for topic in topics])
        assert mid is not None
        wait_for(lambda: mid in self.subacks, what="SUBACK")
        return self.subacks[mid]

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> int:
        """Publish (QoS 1); the PUBACK reason code (0 or 16: taken, >= 128: refused)."""
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        wait_for(lambda: info.mid in self.pubacks, what="PUBACK")
        return self.pubacks[info.mid]

    def received(self, topic: str = "") -> list[bytes]:
        with self.lock:
            return [p for t, p, _ in self.messages if not topic or t == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextlib.contextmanager
def peer(port: int, client_id: str = "", **login: str) -> Iterator[Peer]:
    other = Peer(port, client_id or f"peer-{uuid.uuid4().hex[:8]}", **login)
    assert other.connect() == 0
    try:
        yield other
    finally:
        other.close()


def retained(port: int, topic: str) -> bytes | None:
    """What a new subscriber gets at once on ``topic`` as retained, or None."""
    with peer(port) as other:
        other.subscribe(topic)
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            with other.lock:
                if other.messages:
                    _, payload, was_retained = other.messages[0]
                    return payload if was_retained else None
            time.sleep(0.01)
    return None


def central_config(port: int, url: str, **changes: Any) -> CentralConfig:
    return CentralConfig(host="127.0.0.1", port=port, db=url, **changes)


@contextlib.contextmanager
def running(loop: Central | SyncDaemon) -> Iterator[threading.Thread]:
    """A worker's (or a device's sync) loop in a thread, as its command runs it."""
    stop = threading.Event()
    loop.start()
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(10)
        loop.close()


def until_subscribed(central_store: CentralStore, other: Peer, site: str = SITE) -> None:
    """Central subscribes right after connecting: publish a state now and then until one
    is stored (its events subscription came in the same SUBSCRIBE)."""
    topic = Topics(site, "probe").state
    deadline = time.monotonic() + 10
    while "probe" not in central_store.states(site):
        assert time.monotonic() < deadline, "central never subscribed"
        other.publish(topic, b'{"online": true}')
        time.sleep(0.05)


def kiosk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``kiosk`` as a user runs it, with the example config (its [central] table)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(EXAMPLE), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=timeout,
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# --- CentralStore -----------------------------------------------------------------------------


def test_ok__the_same_event_twice_is_stored_once(cstore: CentralStore) -> None:
    db = new_db()
    first = event(1, db)
    assert acked(cstore.ingest(incoming(DEVICE, [first]))) == {(SITE, DEVICE, db): 1}
    again = cstore.ingest(incoming(DEVICE, [first, dict(first), first]))  # repeats, in a batch
    assert acked(again) == {(SITE, DEVICE, db): 1}
    assert cstore.count() == 1
    stored = cstore.events(SITE)
    assert [(e["seq"], e["id"], e["data"]) for e in stored] == [(1, first["id"], {"n": 1})]


def test_ok__the_ack_is_the_highest_seq_held_without_a_gap(cstore: CentralStore) -> None:
    db = new_db()
    key = (SITE, DEVICE, db)

    def ingest(*seqs: int) -> int:
        return acked(cstore.ingest(incoming(DEVICE, [event(s, db) for s in seqs])))[key]

    assert ingest(2, 3) == 0  # 1 is missing: nothing can be acked
    assert ingest(1) == 3
    assert ingest(6, 5) == 3  # 4 is missing
    assert ingest(8, 9, 7) == 3
    assert ingest(4) == 9  # the gap filled: everything after it counts
    assert ingest(12, 11, 10) == 12  # out of order in one batch
    assert ingest(3, 1) == 12  # old repeats never lower it
    assert cstore.seqs(SITE, DEVICE) == list(range(1, 13))
    # The ack is kept in the database: a restarted central goes on from it.
    restarted = CentralStore(cstore.url)
    try:
        assert acked(restarted.ingest(incoming(DEVICE, [event(14, db)])))[key] == 12
        assert acked(restarted.ingest(incoming(DEVICE, [event(13, db)])))[key] == 14
    finally:
        restarted.close()


def test_ok__a_floor_acks_from_the_first_seq_a_device_still_holds(cstore: CentralStore) -> None:
    """A device that was acked up to 500 by an earlier central database sends floor 501."""
    db = new_db()
    key = (SITE, DEVICE, db)
    batch = [event(503, db, floor=501), event(501, db, floor=501), event(502, db, floor=501)]
    assert acked(cstore.ingest(incoming(DEVICE, batch)))[key] == 503
    # Without a floor, 501 on is a gap after 500 missing events.
    other = new_db()
    assert acked(cstore.ingest(incoming("kiosk-02", [event(501, other)]))) == {
        (SITE, "kiosk-02", other): 0
    }
    # A floor is a lower bound only: a later event with floor 1 keeps the ack.
    assert acked(cstore.ingest(incoming(DEVICE, [event(504, db)])))[key] == 504
    # A gap above the floor still holds the ack back.
    assert acked(cstore.ingest(incoming(DEVICE, [event(506, db, floor=501)])))[key] == 504
    assert cstore.seqs(SITE, DEVICE) == [501, 502, 503, 504, 506]


def test_ok__the_ack_crosses_long_runs_stored_out_of_order(cstore: CentralStore) -> None:
    """12,000 events held beyond a gap (more than one look-ahead window of 5,000) are all
    acked at once when the gap fills; the gap held the ack back until then."""
    db = new_db()
    key = (SITE, DEVICE, db)
    later = [event(seq, db) for seq in range(2, 12_002)]
    for first in range(0, len(later), 1000):
        assert acked(cstore.ingest(incoming(DEVICE, later[first : first + 1000])))[key] == 0
    assert acked(cstore.ingest(incoming(DEVICE, [event(1, db)])))[key] == 12_001


def test_ok__a_rejected_event_fills_its_place_in_the_seq_line(cstore: CentralStore) -> None:
    db = new_db()
    key = (SITE, DEVICE, db)
    assert acked(cstore.ingest(incoming(DEVICE, [event(1, db), event(3, db)])))[key] == 1
    bad = Incoming(SITE, DEVICE, {"db": db, "seq": 2, "floor": 1}, rejected="event: extra key",
                   payload='{"seq": 2, "thêm": true}')  # fmt: skip
    assert acked(cstore.ingest([bad]))[key] == 3  # the gap it left is filled
    assert cstore.seqs(SITE, DEVICE) == [1, 3]  # never among the events
    (kept,) = cstore.rejected(SITE)
    assert (kept["seq"], kept["reason"], kept["payload"]) == (
        2, "event: extra key", '{"seq": 2, "thêm": true}'
    )  # fmt: skip
    assert acked(cstore.ingest([bad]))[key] == 3  # again: kept once
    assert len(cstore.rejected(SITE)) == 1


def test_ok__a_new_database_starts_its_own_seq_line(cstore: CentralStore) -> None:
    """A device whose database was replaced starts at seq 1 again under a new db id."""
    old, new = new_db(), new_db()
    assert acked(cstore.ingest(incoming(DEVICE, [event(s, old) for s in (1, 2, 3)]))) == {
        (SITE, DEVICE, old): 3
    }
    both = cstore.ingest(incoming(DEVICE, [event(1, new), event(2, new), event(4, old)]))
    assert acked(both) == {(SITE, DEVICE, new): 2, (SITE, DEVICE, old): 4}
    assert cstore.count() == 6  # seq 1 and 2 of each kept: they are different events
    assert sorted((e["db"], e["seq"]) for e in cstore.events(SITE)) == sorted(
        [(old, 1), (old, 2), (old, 3), (old, 4), (new, 1), (new, 2)]
    )
    # The new line has its own gaps: its 3 missing holds its ack, not the old line's.
    split = cstore.ingest(incoming(DEVICE, [event(4, new), event(5, old)]))
    assert acked(split) == {(SITE, DEVICE, new): 2, (SITE, DEVICE, old): 5}


def test_ok__sites_and_devices_are_kept_apart(cstore: CentralStore) -> None:
    db = new_db()  # even the same db id and seqs (a cloned SD card) do not mix
    places = [(SITE, DEVICE), (SITE, "kiosk-02"), ("hcc-thai-binh", DEVICE)]
    batch = [Incoming(site, device, event(s, db)) for site, device in places for s in (1, 2, 3)]
    acks = cstore.ingest(batch[::-1])
    assert acked(acks) == {(site, device, db): 3 for site, device in places}
    assert cstore.count() == 9
    assert cstore.seqs(SITE, DEVICE) == [1, 2, 3]
    assert cstore.seqs(SITE, "kiosk-02") == [1, 2, 3]
    assert cstore.seqs("hcc-thai-binh", "kiosk-02") == []
    assert {e["device"] for e in cstore.events(SITE)} == {DEVICE, "kiosk-02"}
    assert len(cstore.events("hcc-thai-binh")) == 3
    assert cstore.sites() == ["hcc-hung-yen", "hcc-thai-binh"]
    # A gap at one device holds only that device's ack.
    more = cstore.ingest(
        [Incoming(SITE, DEVICE, event(5, db)), Incoming(SITE, "kiosk-02", event(4, db))]
    )
    assert acked(more) == {(SITE, DEVICE, db): 3, (SITE, "kiosk-02", db): 4}


def dossier(code: str, version: int, status: int = 4, **fields: Any) -> dict[str, Any]:
    return {
        "code": code,
        "procedure": "Cấp giấy chứng nhận quyền sử dụng đất",
        "applicant": "Nguyễn Văn An",
        "status": status,
        "received_at": "2026-11-23T08:00:00+07:00",
        "version": version,
        **fields,
    }


def test_ok__dossiers_last_writer_wins_by_version(cstore: CentralStore) -> None:
    a1, b1 = dossier("000.00.04.G14-261123-0001", 1), dossier("000.00.04.G14-261123-0002", 1)
    assert cstore.put_dossiers(SITE, [a1, b1]) == [a1, b1]
    b2 = dossier(b1["code"], 2, status=9, fee="150.000 đ")
    b0 = dossier(b1["code"], 0, status=1)
    c1 = dossier("000.00.04.G14-261123-0003", 1)
    a1_again = dossier(a1["code"], 1, status=7)  # the same version is not newer
    assert cstore.put_dossiers(SITE, [a1_again, b2, b0, c1]) == [b2, c1]
    assert cstore.dossiers(SITE) == [a1, b2, c1]
    # Another site's records are its own.
    assert cstore.put_dossiers("hcc-thai-binh", [b1]) == [b1]
    assert cstore.dossiers("hcc-thai-binh") == [b1]
    assert cstore.dossiers(SITE)[1]["fee"] == "150.000 đ"


def test_ok__states_and_results_are_stored(cstore: CentralStore) -> None:
    cstore.put_state(SITE, DEVICE, {"online": True, "version": "1.0", "outbox": {"acked": 5}})
    cstore.put_state(SITE, "kiosk-02", {"online": True})
    cstore.put_state(SITE, DEVICE, {"online": False, "version": "1.0"})  # the last will
    assert cstore.states(SITE) == {
        DEVICE: {"online": False, "version": "1.0"},
        "kiosk-02": {"online": True},
    }
    assert cstore.states("hcc-thai-binh") == {}
    first = {"id": "c-1", "ok": True, "code": "done", "message": "A001 called to counter 1"}
    cstore.put_result(SITE, DEVICE, first)
    cstore.put_result(SITE, DEVICE, {"id": "c-2", "ok": False, "code": "paused", "message": "x"})
    assert cstore.result(SITE, DEVICE, "c-1") == first
    assert cstore.result(SITE, "kiosk-02", "c-1") is None
    assert cstore.result(SITE, DEVICE, "c-3") is None
    repeat = {**first, "message": "sent again"}
    cstore.put_result(SITE, DEVICE, repeat)
    assert cstore.result(SITE, DEVICE, "c-1") == repeat


# --- Central over a real broker ---------------------------------------------------------------


def test_ok__published_events_are_stored_once_and_acked_retained(
    broker: Broker, cstore: CentralStore
) -> None:
    central = Central(central_config(broker.port, cstore.url), cstore, client_id="central-1")
    db = new_db()
    topics = Topics(SITE, DEVICE)
    payloads = {seq: envelope(seq, db, data={"n": seq, "tên": "Nguyễn"}) for seq in range(1, 7)}
    with running(central), peer(broker.port, "device") as device:
        until_subscribed(cstore, device)
        for seq in (1, 2, 4, 3, 2, 5, 6, 6):  # out of order, and QoS 1 repeats
            device.publish(topics.events, payloads[seq])
        wait_for(lambda: cstore.seqs(SITE, DEVICE) == [1, 2, 3, 4, 5, 6], what="6 events")
        wait_for(lambda: central.stored == 8, what="the repeats too")
        # A device that connects later finds the ack retained.
        wait_for(lambda: retained(broker.port, topics.ack) is not None, what="a retained ack")
        ack = json.loads(retained(broker.port, topics.ack) or b"")
    assert (ack["seq"], ack["db"]) == (6, db)
    decode("ack", json.dumps(ack).encode())
    assert central.stored >= 6
    assert cstore.count() == 6
    stored = {e["seq"]: e for e in cstore.events(SITE)}
    for seq, payload in payloads.items():
        sent = json.loads(payload)
        assert (stored[seq]["id"], stored[seq]["ts"], stored[seq]["type"]) == (
            sent["id"],
            sent["ts"],
            "test.produced",
        )
        assert stored[seq]["data"] == {"n": seq, "tên": "Nguyễn"}


def test_fail__invalid_event_payloads_are_dropped_and_central_goes_on(
    broker: Broker, cstore: CentralStore
) -> None:
    central = Central(central_config(broker.port, cstore.url), cstore, client_id="central-1")
    db = new_db()
    good = json.loads(envelope(1, db))
    bad = [
        b"not json",
        b"\xff\xfe{}",  # not UTF-8
        b"[1, 2]",
        json.dumps({**good, "seq": 0}).encode(),
        json.dumps({**good, "db": "not-hex"}).encode(),
        json.dumps({k: v for k, v in good.items() if k not in ("ts", "db")}).encode(),
        json.dumps({**good, "extra": 1, "seq": "1"}).encode(),
        b'{"seq": 1, "seq": 2}',
        envelope(2, db)[:-1] + b',"x":NaN}',
        json.dumps({**good, "pad": "x" * 70_000}).encode(),  # over 64 KiB, not as a device writes
    ]
    topic = Topics(SITE, DEVICE).events
    with running(central) as thread, peer(broker.port, "device") as device:
        until_subscribed(cstore, device)
        for payload in bad:
            device.publish(topic, payload)
        device.publish(Topics(SITE, DEVICE).state, b'{"online": "yes"}')  # a bad state too
        device.publish(topic, envelope(1, db))
        wait_for(lambda: cstore.seqs(SITE, DEVICE) == [1], what="the good event")
        wait_for(lambda: central.dropped == len(bad) + 1, what=f"{central.dropped} dropped")
        assert thread.is_alive()
        device.publish(topic, envelope(2, db))  # and it still takes events
        wait_for(lambda: cstore.seqs(SITE, DEVICE) == [1, 2], what="the next event")
    assert cstore.count() == 2
    assert DEVICE not in cstore.states(SITE)
    assert (central.rejected, cstore.rejected(SITE)) == (0, [])  # none named db and seq


def test_ok__the_envelope_of_an_event_that_fails_its_schema() -> None:
    db = new_db()
    good = json.loads(envelope(7, db, floor=3))
    assert event_envelope(json.dumps({**good, "extra": 1}).encode()) == {
        "db": db, "seq": 7, "floor": 1,  # a refused event's floor is not trusted
    }  # fmt: skip
    for broken in (
        {**good, "seq": True},  # a JSON true is not a seq
        {**good, "seq": 0},
        {**good, "seq": 2**53},
        {**good, "seq": "7"},
        {**good, "db": db.upper()},
        {k: v for k, v in good.items() if k != "db"},
    ):
        assert event_envelope(json.dumps(broken).encode()) is None, broken
    assert event_envelope(b"[7]") is None
    assert event_envelope(b'{"seq": 7, "db": "' + db.encode() + b'", "x": NaN}') is None
    # Too big to parse: the device's own layout still names db and seq in its first bytes.
    huge = envelope(9, db, data={"pad": "x" * 70_000})
    assert len(huge) > 65536
    assert event_envelope(huge) == {"db": db, "seq": 9, "floor": 1}
    assert event_envelope(b'{"db":"' + db.encode() + b'","seq":9,' + b" " * 70_000 + b"}") is None


def test_ok__an_event_central_cannot_take_is_kept_aside_and_later_ones_acked(
    broker: Broker, cstore: CentralStore
) -> None:
    """A device on a newer contract (or with a bug) sends an event central refuses: it is
    kept as received, and the device's later events are still acked, so its outbox never
    stalls behind it."""
    central = Central(central_config(broker.port, cstore.url), cstore, client_id="central-1")
    db = new_db()
    topics = Topics(SITE, DEVICE)
    odd = {**json.loads(envelope(2, db)), "priority_reason": "người cao tuổi"}
    with running(central), peer(broker.port, "device") as device:
        until_subscribed(cstore, device)
        device.publish(topics.events, envelope(1, db))
        device.publish(topics.events, json.dumps(odd, ensure_ascii=False).encode())
        device.publish(topics.events, envelope(3, db))
        wait_for(lambda: cstore.seqs(SITE, DEVICE) == [1, 3], what="the good events")
        wait_for(
            lambda: json.loads(retained(broker.port, topics.ack) or b"{}").get("seq") == 3,
            what="the ack over the refused event",
        )
    assert central.rejected == 1
    (kept,) = cstore.rejected(SITE)
    assert (kept["device"], kept["db"], kept["seq"]) == (DEVICE, db, 2)
    assert "priority_reason" in kept["reason"]
    assert json.loads(kept["payload"]) == odd  # as received, Vietnamese intact
    today = dt.datetime.now(zoneinfo.ZoneInfo(TZ)).date()
    shown = report(cstore, SITE, today.isoformat(), TZ)  # kept the day it arrived
    assert [(r["device"], r["seq"]) for r in shown["rejected"]] == [(DEVICE, 2)]
    earlier = report(cstore, SITE, (today - dt.timedelta(days=3)).isoformat(), TZ)
    assert earlier["rejected"] == []


def test_ok__a_failed_statement_keeps_a_live_postgresql_connection(postgres: Postgres) -> None:
    """A statement timeout (an OperationalError, as a deadlock is) is not a lost server:
    the connection is kept and the next call works."""
    store = CentralStore(postgres.url)
    try:
        connection = store.conn
        with pytest.raises(psycopg.errors.QueryCanceled), store._tx() as cur:
            cur.execute("SET LOCAL statement_timeout = 50")
            cur.execute("SELECT pg_sleep(2)")
        assert store.conn is connection
        assert store.count() >= 0
    finally:
        store.close()


def test_ok__central_reconnects_to_postgresql_after_the_server_restarts(
    broker: Broker,
) -> None:
    server = Postgres().start()
    try:
        store = CentralStore(server.url)
        central = Central(central_config(broker.port, server.url), store, client_id="central-1")
        db = new_db()
        topics = Topics(SITE, DEVICE)
        with running(central), peer(broker.port, "device") as device:
            until_subscribed(store, device)
            for seq in range(1, 4):
                device.publish(topics.events, envelope(seq, db))
            wait_for(lambda: store.seqs(SITE, DEVICE) == [1, 2, 3], what="events before")
            server.halt()
            for seq in range(4, 7):  # arrive while the database is away: not acked
                device.publish(topics.events, envelope(seq, db))
            wait_for(lambda: bool(central.store_down), what="central notices")
            assert "PostgreSQL" in central.store_down
            # While it is away, calls fail at once instead of each waiting to connect.
            began = time.monotonic()
            for _ in range(3):
                with pytest.raises(CentralStoreError):
                    store.count()
            assert time.monotonic() - began < 1.0
            server.start()

            def held() -> list[int]:
                try:
                    return store.seqs(SITE, DEVICE)
                except CentralStoreError:  # within the wait before the next connect
                    return []

            # The device sends what was not acked again (after its ack timeout), and more.
            deadline = time.monotonic() + 30
            while held() != list(range(1, 9)):
                assert time.monotonic() < deadline, f"held after the restart: {held()}"
                for seq in range(4, 9):
                    device.publish(topics.events, envelope(seq, db))
                time.sleep(0.5)
            wait_for(
                lambda: json.loads(retained(broker.port, topics.ack) or b"{}").get("seq") == 8,
                what="the ack after the restart",
            )
            assert central.store_down == ""
        store.close()
    finally:
        server.stop()


def test_ok__a_shared_subscription_spreads_events_and_stores_each_once(
    broker: Broker, central_url: str
) -> None:
    stores = [CentralStore(central_url), CentralStore(central_url)]
    workers = [
        Central(
            central_config(broker.port, central_url, group="workers", batch=100),
            store,
            client_id=f"worker-{n}",
        )
        for n, store in enumerate(stores)
    ]
    devices = {f"kiosk-{n:02d}": new_db() for n in range(1, 5)}
    per_device = 500
    highest: dict[str, int] = defaultdict(int)
    try:
        with contextlib.ExitStack() as stack:
            for worker in workers:
                stack.enter_context(running(worker))
            watcher = stack.enter_context(peer(broker.port, "watcher"))
            watcher.subscribe(f"hcc/v1/{SITE}/+/ack")
            # Both workers take part: probe events until each has stored one.
            probe = stack.enter_context(peer(broker.port, "probe"))
            probe_db, seq = new_db(), 0
            deadline = time.monotonic() + 15
            while not all(worker.stored for worker in workers):
                assert time.monotonic() < deadline, [w.stored for w in workers]
                seq += 1
                probe.publish(Topics(SITE, "probe").events, envelope(seq, probe_db))
                time.sleep(0.02)
            before = [worker.stored for worker in workers]
            senders = [stack.enter_context(peer(broker.port, name)) for name in devices]

            def send(sender: Peer, device: str) -> None:
                for n in range(1, per_device + 1):
                    sender.client.publish(
                        Topics(SITE, device).events, envelope(n, devices[device]), qos=1
                    )

            threads = [
                threading.Thread(target=send, args=(s, d))
                for s, d in zip(senders, devices, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)

            def all_acked() -> bool:
                with watcher.lock:
                    taken, watcher.messages[:] = list(watcher.messages), []
                for _, payload, _ in taken:
                    ack = json.loads(payload)
                    for device, db in devices.items():
                        if ack["db"] == db:
                            highest[device] = max(highest[device], ack["seq"])
                return all(highest[d] == per_device for d in devices)

            wait_for(all_acked, timeout=60, what="every device acked in full")
        check = stores[0]
        for device in devices:
            assert check.seqs(SITE, device) == list(range(1, per_device + 1))
        assert check.count() == len(devices) * per_device + seq
        took = [worker.stored - b for worker, b in zip(workers, before, strict=True)]
        assert all(n > 0 for n in took), took
        assert sum(took) >= len(devices) * per_device
    finally:
        for store in stores:
            store.close()


# --- the daily report -------------------------------------------------------------------------

SERVICES = ("dat-dai", "tu-phap-ho-tich", "thue", "bao-hiem-xa-hoi")
COUNTERS = (1, 2, 3, 8)  # 1 and 2 have an officer (staff_id), 3 and 8 do not


def simulate_day(store: Store, config: Config, day: dt.date, steps: int, seed: int) -> None:
    """A day of the real queue: tickets issued (some not printed, some voided), called,
    served, skipped, re-entered, recalled, rated, on a clock that only moves forward."""
    rng = random.Random(seed)
    t = at(7, 30, day=day)  # (one service opens at 07:30)
    serving: dict[int, str] = {}
    missed: list[str] = []
    unprinted: list[str] = []
    for step in range(steps):
        t += rng.randint(5, 60)
        roll = rng.random()
        if unprinted and roll < 0.1:
            uid = unprinted.pop()
            if rng.random() < 0.5:
                ticketing.void(store, config, uid, "paper_out", now=t)
            else:
                ticketing.mark_printed(store, config, uid, now=t)
        elif roll < (0.45 if step < steps * 0.7 else 0.1):
            printed = rng.random() > 0.1
            issued = ticketing.issue(
                store,
                config,
                rng.choice(SERVICES),
                now=t,
                printed=printed,
                priority=rng.random() < 0.1,
            )
            if not printed:
                unprinted.append(issued.ticket.uid)
        elif missed and roll < 0.55:
            with contextlib.suppress(ticketing.Refused):  # too late, or re-entered once already
                ticketing.reenter(store, config, missed.pop(rng.randrange(len(missed))), now=t)
        else:
            counter = rng.choice(COUNTERS)
            if counter not in serving or rng.random() < 0.1:  # (a call closes the last one)
                called = ticketing.call_next(store, config, counter, now=t)
                serving.pop(counter, None)
                if called.ticket is not None:
                    serving[counter] = called.ticket.number
                if called.finished is None or rng.random() < 0.5:
                    continue
            else:
                what = rng.random()
                if what < 0.08:
                    ticketing.recall(store, config, counter, now=t)
                    continue
                if what < 0.22:
                    ticketing.skip(store, config, counter, now=t)
                    number = serving.pop(counter)
                    if rng.random() < 0.5:  # comes back (or tries to); others never do
                        missed.append(number)
                    continue
                ticketing.done(store, config, counter, now=t)
                del serving[counter]
                if rng.random() < 0.35:
                    continue
            t += rng.randint(3, 50)
            ticketing.rate(store, config, counter, rng.randint(1, 4), now=t)


def day_with_everything(store: Store, config: Config) -> None:
    """Sunday's few tickets, then Monday: a number missed twice (it came back once), one
    missed that came back and was served, one never printed, then a busy random day."""
    sunday = MONDAY - dt.timedelta(days=1)
    for n in range(3):
        ticketing.issue(store, config, "dat-dai", now=at(15, n, day=sunday), printed=True)
    ticketing.call_next(store, config, 1, now=at(15, 10, day=sunday))
    ticketing.done(store, config, 1, now=at(15, 20, day=sunday))
    ticketing.rate(store, config, 1, 1, now=at(15, 20, 30, day=sunday))

    def call(now: float) -> str:
        ticket = ticketing.call_next(store, config, 3, now=now).ticket
        assert ticket is not None
        return ticket.number

    twice = ticketing.issue(store, config, "tu-phap-ho-tich", now=at(7, 0), printed=True).ticket
    back = ticketing.issue(store, config, "tu-phap-ho-tich", now=at(7, 0, 10), printed=True).ticket
    ticketing.issue(store, config, "thue", now=at(7, 0, 20))  # the printer never answered
    assert call(at(7, 1)) == twice.number
    ticketing.skip(store, config, 3, now=at(7, 2))
    assert call(at(7, 2, 30)) == back.number
    ticketing.skip(store, config, 3, now=at(7, 3))
    ticketing.reenter(store, config, twice.number, now=at(7, 4))
    ticketing.reenter(store, config, back.number, now=at(7, 4, 30))
    assert call(at(7, 5)) == back.number
    ticketing.done(store, config, 3, now=at(7, 9))
    ticketing.rate(store, config, 3, 2, now=at(7, 9, 20))
    assert call(at(7, 10)) == twice.number
    ticketing.skip(store, config, 3, now=at(7, 11))  # missed again: a no-show after all
    simulate_day(store, config, MONDAY, steps=400, seed=20261123)


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def mean(values: list[float]) -> float | None:
    """To a tenth of a second, of the values in whole milliseconds (as reports keep them)."""
    return round(sum(round(v * 1000) for v in values) / len(values) / 1000, 1) if values else None


def p90(values: list[float]) -> float:
    """The report's 90th percentile: the top of the histogram bin (30 s under an hour,
    5 min under 8 h) of the nearest-rank wait, no more than the longest wait."""
    value = round(nearest_rank(values, 0.9) * 1000) / 1000
    if value < 3600:
        top = (value // 30 + 1) * 30
    elif value < 8 * 3600:
        top = 3600 + ((value - 3600) // 300 + 1) * 300
    else:
        top = math.inf
    return round(min(top, round(max(values) * 1000) / 1000), 1)


def from_tables(store: Store, day: str) -> dict[str, Any]:
    """The report's figures, straight from the device's tables (not from its events)."""
    conn = store.conn
    by_service = dict(
        conn.execute(
            "SELECT origin_service, COUNT(*) FROM tickets WHERE day = ? "
            "AND status NOT IN ('issued', 'void') GROUP BY origin_service ORDER BY origin_service",
            (day,),
        ).fetchall()
    )
    waits = conn.execute(
        "SELECT c.at - t.queued_at, t.service FROM calls c JOIN tickets t ON t.id = c.ticket_id "
        "WHERE t.day = ? AND c.kind = 'call'",
        (day,),
    ).fetchall()
    waits_by: dict[str, list[float]] = defaultdict(list)
    for wait, service in waits:
        waits_by[service].append(wait)
    served = [
        row[0]
        for row in conn.execute(
            "SELECT service_seconds FROM tickets WHERE day = ? AND status = 'done'", (day,)
        )
    ]
    ratings: dict[str, dict[str, list[float]]] = {
        "by_counter": defaultdict(list),
        "by_officer": defaultdict(list),
    }
    for counter, staff, score in conn.execute(
        "SELECT counter, staff, score FROM ratings WHERE day = ?", (day,)
    ):
        ratings["by_counter"][str(counter)].append(score)
        if staff:
            ratings["by_officer"][staff].append(score)
    all_waits = [w for w, _ in waits]
    return {
        "tickets": sum(by_service.values()),
        "tickets_by_service": by_service,
        "voided": conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE day = ? AND status = 'void'", (day,)
        ).fetchone()[0],
        "called": len(waits),
        "wait_seconds": {"mean": mean(all_waits), "p90": p90(all_waits)},
        "wait_seconds_by_service": {
            s: {"mean": mean(v), "p90": p90(v)} for s, v in sorted(waits_by.items())
        },
        "service_seconds": {"mean": mean(served), "served": len(served)},
        "no_shows": conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE day = ? AND status = 'missed'", (day,)
        ).fetchone()[0],
        "ratings": {
            kind: {key: {"n": len(v), "mean": mean(v)} for key, v in sorted(rows.items())}
            for kind, rows in ratings.items()
        },
    }


def figures(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: data[key]
        for key in (
            "tickets",
            "tickets_by_service",
            "voided",
            "called",
            "wait_seconds",
            "wait_seconds_by_service",
            "service_seconds",
            "no_shows",
            "ratings",
        )
    }


def device_events(store: Store) -> list[dict[str, Any]]:
    box = outbox.state(store)
    return [
        decode("event", outbox.envelope(p, box.db, 1)) for p in outbox.pending(store, 1, 1_000_000)
    ]


def test_ok__the_daily_report_matches_the_device_tables(
    tmp_path: Path, cstore: CentralStore
) -> None:
    config = make_config(hours=OPEN_ALL_DAY)
    with Store(tmp_path / "kiosk.db") as device:
        day_with_everything(device, config)
        expected = from_tables(device, DAY)
        on_device = device_report(device.conn, DAY)
        events = device_events(device)
        last = outbox.state(device).last
    assert figures(on_device) == expected  # the device's own report, from its tables
    # The day has what a report must get right.
    assert expected["voided"] >= 1 and expected["no_shows"] >= 2
    assert len(expected["tickets_by_service"]) == 4 and expected["tickets"] > 60
    assert len(expected["ratings"]["by_counter"]) == 4
    assert set(expected["ratings"]["by_officer"]) == {"cb-0101", "cb-0102"}
    # Stored at central in two batches, out of order (as QoS 1 may deliver them).
    half = len(events) // 2
    cstore.ingest(incoming(DEVICE, events[half:][::-1]))
    acks = cstore.ingest(incoming(DEVICE, events[:half]))
    assert [a.seq for a in acks] == [last]
    got = report(cstore, SITE, DAY, TZ)
    assert (got["site"], got["day"], got["devices"]) == (SITE, DAY, [DEVICE])
    # Central and the device compute the same from the same events...
    assert figures(got) == figures(daily_report(events, DAY))
    # ...and that is what the tables say happened.
    assert figures(got) == expected
    # Sunday is a report of its own: its 3 tickets, one served and rated.
    sunday = report(cstore, SITE, (MONDAY - dt.timedelta(days=1)).isoformat(), TZ)
    assert (sunday["tickets"], sunday["service_seconds"]["served"]) == (3, 1)
    assert sunday["ratings"]["by_officer"] == {"cb-0101": {"n": 1, "mean": 4.0}}


def test_ok__the_device_report_equals_the_events_report_on_a_simulated_day(
    tmp_path: Path,
) -> None:
    """A whole simulated day (transfers, no-shows coming back, ratings, priority): the
    device's report from its tables equals the one computed from its events."""
    from kiosk.app.demo._sim import Day

    config = load_config(str(EXAMPLE))
    with Store(tmp_path / "kiosk.db") as device:
        day = dt.date(2026, 11, 23)
        sim = Day(config, device, day, 400, seed=7)
        sim.run()
        assert sim.tally.transfers and sim.tally.reentries and sim.tally.recalls
        events = device_events(device)
        got = device_report(device.conn, day.isoformat())
    assert got["no_shows"] > 0 and got["ratings"]["by_counter"]
    assert got == daily_report(events, day.isoformat())


def minutes(value: float | None) -> str:
    return "-" if value is None else f"{value / 60:.1f} min"


def test_ok__kiosk_central_report_over_real_sync(tmp_path: Path, broker: Broker) -> None:
    """A device's day synced for real (sync daemon, broker, central), then the CLI."""
    url = f"sqlite://{tmp_path}/central.db"
    config = make_config(hours=OPEN_ALL_DAY, sync={"host": "127.0.0.1", "port": broker.port})
    path = tmp_path / "kiosk.db"
    with Store(path) as device:
        day_with_everything(device, config)
        expected = figures(daily_report(device_events(device), DAY))
        last = outbox.state(device).last
    store = CentralStore(url)
    central = Central(central_config(broker.port, url), store, client_id="central-1")
    daemon = SyncDaemon(config, str(path), example_raw(), ())
    try:
        with running(central), peer(broker.port) as other:
            until_subscribed(store, other)
            daemon.start()
            deadline = time.monotonic() + 30
            while daemon.acked < last:
                assert time.monotonic() < deadline, f"acked {daemon.acked} of {last}"
                daemon.step(0.05)
        assert outbox.state(daemon.store).held == 0  # acked events are let go
    finally:
        daemon.close()
        store.close()
    done = kiosk("central", "report", "--site", SITE, "--day", DAY, "--db", url)
    assert done.returncode == 0, done.stderr
    as_json = kiosk("--json", "central", "report", "--site", SITE, "--day", DAY, "--db", url)
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert figures(data) == expected
    assert (data["site"], data["day"], data["devices"]) == (SITE, DAY, [DEVICE])
    assert data["events"] == last  # Sunday's events are in the window too (then left out)
    lines = done.stdout.splitlines()
    assert lines[0] == (
        f"{SITE} {DAY}: {data['tickets']} tickets from {DEVICE} ({data['events']} events)"
    )
    assert lines[1] == "tickets by service: " + ", ".join(
        f"{service} {n}" for service, n in expected["tickets_by_service"].items()
    )
    assert lines[2] == (
        f"wait: mean {minutes(expected['wait_seconds']['mean'])}, "
        f"p90 {minutes(expected['wait_seconds']['p90'])}; service: mean "
        f"{minutes(expected['service_seconds']['mean'])} "
        f"({expected['service_seconds']['served']} served); no-shows {expected['no_shows']}"
    )
    ratings = expected["ratings"]
    assert lines[3] == "ratings by counter: " + ", ".join(
        f"{k} {v['mean']} ({v['n']})" for k, v in ratings["by_counter"].items()
    )
    assert lines[4] == "ratings by officer: " + ", ".join(
        f"{k} {v['mean']} ({v['n']})" for k, v in ratings["by_officer"].items()
    )
    assert len(lines) == 5
    # A day without tickets says so.
    empty = kiosk("central", "report", "--site", SITE, "--day", "2026-11-30", "--db", url)
    assert empty.returncode == 0, empty.stderr
    assert empty.stdout.splitlines()[:2] == [
        f"{SITE} 2026-11-30: 0 tickets from no device (0 events)",
        "tickets by service: none",
    ]


@pytest.mark.parametrize("day", ["2026-13-01", "23/11/2026", "yesterday"])
def test_fail__kiosk_central_report_bad_day(tmp_path: Path, day: str) -> None:
    done = kiosk(
        "central", "report", "--site", SITE, "--day", day, "--db", f"sqlite://{tmp_path}/central.db"
    )
    assert done.returncode == 2
    assert f"--day {day}" in one_line(done.stderr)
    assert done.stdout == ""


@pytest.mark.parametrize(
    "url",
    [
        "mysql://central@localhost/central",
        "postgresql://kiosk@127.0.0.1:1/central",
    ],
)
def test_fail__kiosk_central_report_bad_db(url: str) -> None:
    done = kiosk("central", "report", "--site", SITE, "--day", DAY, "--db", url)
    assert done.returncode in (74, 78), done.stderr
    assert one_line(done.stderr).startswith("kiosk: ")
    assert done.stdout == ""


@pytest.mark.parametrize("where", ["/proc/no/such", "{tmp}/typo"])
def test_fail__kiosk_central_report_never_creates_a_database(tmp_path: Path, where: str) -> None:
    path = f"{where.format(tmp=tmp_path)}/central.db"
    done = kiosk("central", "report", "--site", SITE, "--day", DAY, "--db", f"sqlite://{path}")
    assert done.returncode == 66, done.stderr  # EX_NOINPUT
    assert one_line(done.stderr) == (f"kiosk: {path}: no such database (check --db or central.db)")
    assert done.stdout == ""
    assert not (tmp_path / "typo").exists()


def not_centrals(folder: Path, kind: str) -> tuple[Path, str]:
    """A file named as central's database by mistake, and what it is said to be."""
    path = folder / "named.db"
    if kind == "site":  # the site's database: the likeliest mistake
        with Store(path) as site:
            ticketing.issue(
                site, make_config(hours=OPEN_ALL_DAY), "dat-dai", now=at(9), printed=True
            )
        return path, "a site's kiosk database"
    if kind == "other":
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE notes (site TEXT, text TEXT)")
            conn.execute("INSERT INTO notes VALUES ('hcc-test', 'Họp giao ban')")
            conn.commit()
        return path, "another program's SQLite database"
    if kind == "text":
        path.write_text("Báo cáo ngày 23/11/2026\n" * 50, encoding="utf-8")
        return path, "not an SQLite file"
    path.write_bytes(b"")
    return path, "an empty file"


@pytest.mark.parametrize("kind", ["site", "other", "text", "empty"])
def test_fail__kiosk_central_report_of_what_is_not_centrals_database_is_one_line_exit_66(
    tmp_path: Path, kind: str
) -> None:
    """The site's ``kiosk.db`` given to ``central report --db`` (or another program's, or
    not SQLite) is said to be no central database, and is left exactly as it was."""
    path, what = not_centrals(tmp_path, kind)
    before = path.read_bytes()
    done = kiosk("central", "report", "--site", SITE, "--day", DAY, "--db", f"sqlite://{path}")
    assert done.returncode == 66, done.stderr  # EX_NOINPUT: no central database there
    assert one_line(done.stderr) == (
        f"kiosk: {path}: not a central database: {what} (check --db or central.db)"
    )
    assert done.stdout == ""
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["named.db"]


def test_fail__central_store_leaves_a_sites_database_as_it_is(tmp_path: Path) -> None:
    """What central's daemon and its other commands open: the same refusal, nothing written
    (no central tables added to the site's database, no WAL switch)."""
    for kind in ("site", "other", "text"):
        path, what = not_centrals(tmp_path, kind)
        before = path.read_bytes()
        with pytest.raises(CentralStoreError, match=f"not a central database: {what}"):
            CentralStore(f"sqlite://{path}")
        assert path.read_bytes() == before
        path.unlink()


def test_fail__kiosk_central_report_on_a_damaged_database_names_centrals_database(
    tmp_path: Path,
) -> None:
    """An SQLite error while reading central's database names central's, not the site's
    (exit 74, as for the site's database)."""
    path = tmp_path / "central.db"
    store = CentralStore(f"sqlite://{path}")
    db = new_db()
    store.ingest(incoming(DEVICE, [event(seq, db) for seq in range(1, 4)]))
    store.close()
    size = path.stat().st_size
    with path.open("r+b") as handle:  # the schema (page 1) kept, the tables' pages damaged
        handle.seek(4096)
        handle.write(b"\xff" * (size - 4096))
    done = kiosk("central", "report", "--site", SITE, "--day", DAY, "--db", f"sqlite://{path}")
    assert done.returncode == 74, done.stderr  # EX_IOERR
    assert one_line(done.stderr) == (f"kiosk: central.db: {path}: database disk image is malformed")
    assert done.stdout == ""


# --- kiosk central dossiers -------------------------------------------------------------------


def dossiers_in(messages: list[bytes]) -> list[list[tuple[str, int]]]:
    return [
        [(r["code"], r["version"]) for r in decode("dossiers", m)["dossiers"]] for m in messages
    ]


def test_ok__kiosk_central_dossiers_publishes_good_lines(tmp_path: Path, broker: Broker) -> None:
    url = f"sqlite://{tmp_path}/central.db"
    codes = [f"000.00.04.G14-261123-{n:04d}" for n in range(1, 5)]
    lines = [
        json.dumps(dossier(codes[0], 1), ensure_ascii=False),  # 1
        json.dumps(dossier(codes[1], 3), ensure_ascii=False),  # 2
        '{"code": "broken',  # 3: not JSON
        json.dumps({k: v for k, v in dossier(codes[2], 1).items() if k != "procedure"}),  # 4
        "",  # 5: blank lines are skipped
        json.dumps(dossier(codes[3], 1, status=99)),  # 6: no such status
        json.dumps(
            dossier(codes[2], 1, steps=[{"unit": "Văn phòng", "at": "2026-11-23"}]),
            ensure_ascii=False,
        ),  # 7
        "[1, 2, 3]",  # 8
    ]
    path = tmp_path / "hoso.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    where = ("--site", SITE, "--broker", f"127.0.0.1:{broker.port}", "--db", url)
    with peer(broker.port, "device") as device:
        device.subscribe(Topics(SITE).dossiers)
        done = kiosk("central", "dossiers", str(path), *where)
        assert done.returncode == 65, done.stderr
        problems = done.stderr.strip().splitlines()
        assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 6", "line 8"]
        assert "Traceback" not in done.stderr
        assert done.stdout.strip() == f"{SITE}: 3 good records, 3 newer published, 4 refused"
        wait_for(lambda: len(device.received()) == 1, what="the dossiers message")
        assert dossiers_in(device.received()) == [[(codes[0], 1), (codes[1], 3), (codes[2], 1)]]
        store = CentralStore(url)
        assert [d["code"] for d in store.dossiers(SITE)] == codes[:3]
        store.close()
        # The same file again: nothing is newer, nothing is published.
        again = kiosk("--json", "central", "dossiers", str(path), *where)
        assert again.returncode == 65
        assert json.loads(again.stdout) == {
            "site": SITE,
            "read": 7,
            "refused": 4,
            "newer": 0,
            "published": 0,
        }
        # Only a newer version goes out (and it is the next message the device sees).
        path.write_text(json.dumps(dossier(codes[1], 4, status=9)) + "\n" + lines[0] + "\n")
        newer = kiosk("central", "dossiers", str(path), *where)
        assert newer.returncode == 0, newer.stderr
        assert newer.stdout.strip() == f"{SITE}: 2 good records, 1 newer published, 0 refused"
        wait_for(lambda: len(device.received()) == 2, what="the newer dossier")
        assert dossiers_in(device.received())[1] == [(codes[1], 4)]


def test_fail__kiosk_central_dossiers_unreadable_file(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/central.db"
    for name in (tmp_path / "missing.jsonl", tmp_path):  # no such file; a folder
        done = kiosk(
            "central", "dossiers", str(name), "--site", SITE, "--db", url, "--broker", "127.0.0.1:1"
        )
        assert done.returncode == 66, done.stderr
        assert str(name) in one_line(done.stderr)
    (tmp_path / "latin1.jsonl").write_bytes(b'{"code": "\xe9"}\n')
    done = kiosk(
        "central",
        "dossiers",
        str(tmp_path / "latin1.jsonl"),
        "--site",
        SITE,
        "--db",
        url,
        "--broker",
        "127.0.0.1:1",
    )
    assert done.returncode == 65
    assert "not UTF-8" in one_line(done.stderr)


# --- kiosk central command --------------------------------------------------------------------


@contextlib.contextmanager
def sync_daemon(config: Config, path: Path, clock: float) -> Iterator[SyncDaemon]:
    """A device's sync daemon stepping in a thread, on a fixed clock (Monday morning)."""
    daemon = SyncDaemon(config, str(path), example_raw(), (), clock=lambda: clock)
    with running(daemon):
        yield daemon


def test_ok__kiosk_central_command_call_next_end_to_end(tmp_path: Path, broker: Broker) -> None:
    config = make_config(hours=OPEN_ALL_DAY, sync={"host": "127.0.0.1", "port": broker.port})
    path = tmp_path / "kiosk.db"
    with Store(path) as device:
        first = ticketing.issue(device, config, "dat-dai", now=at(9, 0), printed=True).ticket
        ticketing.issue(device, config, "thue", now=at(9, 1), printed=True)
    where = (
        "--site",
        SITE,
        "--broker",
        f"127.0.0.1:{broker.port}",
        "--db",
        f"sqlite://{tmp_path}/central.db",
        "--wait",
        "20",
    )
    with sync_daemon(config, path, at(9, 5)) as daemon, Store(path) as device:
        wait_for(lambda: daemon.health[0] == "ok", what="sync connected")
        done = kiosk("central", "command", DEVICE, "call_next", "--counter", "1", *where)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"done: {first.number} called to counter 1"
        status = device.conn.execute(
            "SELECT status, counter FROM tickets WHERE uid = ?", (first.uid,)
        ).fetchone()
        assert tuple(status) == ("called", 1)
        # Nobody else waits for counter 1's service: done, but nobody is called.
        nobody = kiosk(
            "--json", "central", "command", DEVICE, "call_next", "--counter", "1", *where
        )
        assert nobody.returncode == 0, nobody.stderr
        answer = json.loads(nobody.stdout)
        assert (answer["ok"], answer["code"], answer["cmd"]) == (
            True,
            "nobody_waiting",
            "call_next",
        )
        assert answer["data"]["finished"]["number"] == first.number  # closed as done first
        # A counter the site does not have: the device refuses, exit 1.
        refused = kiosk("central", "command", DEVICE, "call_next", "--counter", "99", *where)
        assert refused.returncode == 1, refused.stderr
        assert refused.stdout.startswith("unknown_counter: ")
        commands = device.conn.execute("SELECT state FROM commands ORDER BY received_at")
        assert [row[0] for row in commands] == ["done", "done", "failed"]


def test_fail__kiosk_central_command_to_a_device_that_is_not_running(
    tmp_path: Path, broker: Broker
) -> None:
    started = time.monotonic()
    done = kiosk(
        "central",
        "command",
        "kiosk-99",
        "call_next",
        "--counter",
        "1",
        "--site",
        SITE,
        "--broker",
        f"127.0.0.1:{broker.port}",
        "--db",
        f"sqlite://{tmp_path}/central.db",
        "--wait",
        "2",
    )
    assert done.returncode == 69, done.stderr
    assert time.monotonic() - started >= 2
    assert "no answer from hcc-hung-yen/kiosk-99 in 2s" in one_line(done.stderr)
    assert done.stdout == ""


def test_ok__a_central_command_leaves_the_running_worker_alone(
    tmp_path: Path, broker: Broker
) -> None:
    """A staff PC's command on the host that runs the worker (both with the config's
    default client id) must not take the worker's MQTT session over."""
    url = f"sqlite://{tmp_path}/central.db"
    config = central_config(broker.port, url)
    store = CentralStore(url)
    central = Central(config, store)  # the default id, as `kiosk central run` uses it
    worker = central_client_id(config)
    assert central.client.client_id == worker
    try:
        with running(central), peer(broker.port, "device") as device:
            until_subscribed(store, device)
            done = kiosk(
                "central",
                "command",
                "kiosk-99",
                "notice",
                "--text",
                "x",
                "--site",
                SITE,
                "--broker",
                f"127.0.0.1:{broker.port}",
                "--db",
                url,
                "--wait",
                "1",
            )
            assert done.returncode == 69, done.stderr
            db = new_db()
            for seq in (1, 2, 3):
                device.publish(Topics(SITE, DEVICE).events, envelope(seq, db))
            wait_for(lambda: store.seqs(SITE, DEVICE) == [1, 2, 3], what="the worker's events")
    finally:
        store.close()
    log = broker.log.read_text()
    assert f"Client {worker} already connected, closing old connection" not in log
