"""The paho client as the sync part sets it up, against a real Mosquitto: the PUBACKs its
own network thread queues do not wake that thread through paho's socket pair (a third of
a busy central's network work), and nothing is lost or delayed for it."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from kiosk.config import CentralConfig
from sync._mqtt import PAHO, Client, _Paho
from tests.brokers import Broker

MESSAGES = 300


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    server = Broker(tmp_path / "broker").start()
    yield server
    server.stop()


class CountingPair:
    """Stands in for paho's wake-up socket: counts the wake-ups, passes them on."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.sends = 0
        self.lock = threading.Lock()

    def send(self, data: bytes) -> int:
        with self.lock:
            self.sends += 1
        return int(self.real.send(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def receive(port: int, paho_class: type[mqtt.Client]) -> tuple[int, int]:
    """``MESSAGES`` QoS 1 messages to a client of ``paho_class``: (received, wake-ups)."""
    got: list[bytes] = []
    done = threading.Event()
    ready = threading.Event()
    client = paho_class(CallbackAPIVersion.VERSION2, client_id=f"recv-{uuid.uuid4().hex[:8]}",
                        protocol=mqtt.MQTTv5)  # fmt: skip

    def on_message(_c: Any, _u: Any, message: Any) -> None:
        got.append(bytes(message.payload))
        if len(got) == MESSAGES:
            done.set()

    client.on_message = on_message
    client.on_subscribe = lambda *_: ready.set()
    client.connect("127.0.0.1", port)
    client.loop_start()
    pair = CountingPair(client._sockpairW)
    client._sockpairW = pair  # type: ignore[assignment]
    client.subscribe("test/wake", qos=1)
    assert ready.wait(10)
    sender = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sender.connect("127.0.0.1", port)
    sender.loop_start()
    for n in range(MESSAGES):
        sender.publish("test/wake", str(n).encode(), qos=1)
    assert done.wait(30), f"{len(got)} of {MESSAGES} received"
    time.sleep(0.2)  # the last PUBACKs
    sender.disconnect()
    sender.loop_stop()
    client.disconnect()
    client.loop_stop()
    assert got == [str(n).encode() for n in range(MESSAGES)]
    return len(got), pair.sends


def test_ok__the_installed_paho_takes_the_lighter_client() -> None:
    # If a paho upgrade changes the internals _Paho relies on, this says so (the plain
    # client is then used: correct, only slower).
    assert PAHO is _Paho


def test_ok__pubacks_from_the_network_thread_do_not_wake_it(broker: Broker) -> None:
    received, wakes = receive(broker.port, _Paho)
    assert received == MESSAGES
    assert wakes < MESSAGES // 10  # only the SUBSCRIBE and DISCONNECT from this thread
    stock_received, stock_wakes = receive(broker.port, mqtt.Client)
    assert stock_received == MESSAGES
    assert stock_wakes >= MESSAGES  # paho's own: one per PUBACK


def test_ok__publishes_from_another_thread_still_wake_it(broker: Broker) -> None:
    """A publish from the daemon's own thread wakes paho's network thread every time (it
    would otherwise wait up to a second in select()), and goes out at once."""
    config = CentralConfig(host="127.0.0.1", port=broker.port, keepalive=60)
    client = Client(config, f"pub-{uuid.uuid4().hex[:8]}", inflight=10)
    seen: list[float] = []
    ready = threading.Event()
    watcher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    watcher.on_message = lambda *_: seen.append(time.monotonic())
    watcher.on_subscribe = lambda *_: ready.set()
    watcher.connect("127.0.0.1", broker.port)
    watcher.loop_start()
    watcher.subscribe("test/at-once", qos=1)
    client.start()
    try:
        assert ready.wait(10)
        deadline = time.monotonic() + 10
        while not client.connected():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        pair = CountingPair(client.paho._sockpairW)
        client.paho._sockpairW = pair  # type: ignore[assignment]
        for n in range(5):
            time.sleep(0.3)  # the network thread is asleep in select()
            before = pair.sends
            sent = time.monotonic()
            assert client.publish("test/at-once", b"x") is not None
            assert pair.sends == before + 1  # woken by this publish, from this thread
            while len(seen) < n + 1:
                assert time.monotonic() - sent < 0.5, "the publish waited"
                time.sleep(0.005)
    finally:
        client.stop()
        watcher.disconnect()
        watcher.loop_stop()


def test_ok__packets_leave_at_once_without_nagle(broker: Broker) -> None:
    """Once connected, the client's socket has TCP_NODELAY (paho leaves Nagle on, and a
    small packet then waits for the peer's delayed ACK); the broker sets it on its side."""
    config = CentralConfig(host="127.0.0.1", port=broker.port, keepalive=60)
    client = Client(config, f"nodelay-{uuid.uuid4().hex[:8]}")
    plain = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    plain.connect("127.0.0.1", broker.port)
    client.start()
    try:
        deadline = time.monotonic() + 10
        while client.inbox.empty():  # the CONNACK handled
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert client.inbox.get_nowait().kind == "connected"
        sock = client.paho.socket()
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        # paho's own default, which the test would not tell apart otherwise
        assert plain.socket().getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    finally:
        client.stop()
        plain.disconnect()
    assert "set_tcp_nodelay true" in broker.conf.read_text()


def test_ok__paho_not_connected_is_debug_not_an_error(caplog: pytest.LogCaptureFixture) -> None:
    """paho 2.2 logs "Client is not connected" at error level when its loop runs with no
    socket (while a client closes, between reconnects): it must not reach a CLI's stderr
    as a second line, yet stays visible at debug level."""
    config = CentralConfig(host="127.0.0.1", port=1, keepalive=60)
    client = Client(config, f"idle-{uuid.uuid4().hex[:8]}")
    with caplog.at_level(logging.WARNING):
        client.paho.loop(0)  # no socket: paho logs its complaint
    assert not [r for r in caplog.records if r.name == "sync.paho"]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="sync.paho"):
        client.paho.loop(0)
        client.paho._easy_log(mqtt.MQTT_LOG_ERR, "a real failure %s", "x")
    levels = {r.getMessage()[:23]: r.levelno for r in caplog.records if r.name == "sync.paho"}
    assert levels == {"Client is not connected": logging.DEBUG, "a real failure x": logging.ERROR}
