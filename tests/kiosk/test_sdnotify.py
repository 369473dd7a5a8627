"""The sd_notify sender against a real datagram socket, as systemd listens: READY once up,
WATCHDOG from the main loop, STOPPING on the way out. The daemons themselves, started as
systemd starts them, are in test_daemons_under_systemd.py."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.sdnotify import Notifier


class Listener:
    """A SOCK_DGRAM socket playing systemd's notify socket."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(0.05)

    def messages(self, seconds: float = 0.3) -> list[dict[str, str]]:
        got: list[dict[str, str]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            got.append(dict(line.split("=", 1) for line in data.decode().split("\n")))
        return got

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[str, Listener]]:
    path = str(tmp_path / "notify")
    server = Listener(path)
    yield path, server
    server.close()


def test_ok__ready_watchdog_stopping_arrive(listener: tuple[str, Listener]) -> None:
    path, server = listener
    now = [100.0]
    notify = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "2000000"}, clock=lambda: now[0])
    assert notify.enabled and notify.interval == 2.0
    assert notify.ready("kiosk ready: printer ready; buttons for dat-dai")
    assert notify.watchdog()
    assert not notify.watchdog()  # within a quarter of the interval: no second ping
    now[0] += 0.4
    assert not notify.watchdog()
    now[0] += 0.2  # 0.6 s: past a quarter of 2 s
    assert notify.watchdog()
    assert notify.status("đang chờ máy in\nhết giấy")
    assert notify.stopping()
    notify.close()
    got = server.messages()
    assert got[0] == {"READY": "1", "MAINPID": str(os.getpid()),
                      "STATUS": "kiosk ready: printer ready; buttons for dat-dai"}  # fmt: skip
    assert got[1:3] == [{"WATCHDOG": "1"}, {"WATCHDOG": "1"}]
    assert got[3] == {"STATUS": "đang chờ máy in hết giấy"}  # one line, UTF-8
    assert got[4] == {"STOPPING": "1"}
    assert len(got) == 5


def test_ok__watchdog_raised_for_a_loop_that_waits_long(listener: tuple[str, Listener]) -> None:
    """A loop that may wait 21 s on its printer: the unit's 30 s becomes 42 s for this run
    (systemd's WATCHDOG_USEC); a shorter wait leaves the unit's interval alone."""
    path, server = listener
    notify = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert notify.outlast(10.0) == 30.0
    assert server.messages(0.1) == []
    assert notify.outlast(21.0) == 42.0
    assert server.messages() == [{"WATCHDOG_USEC": "42000000"}]
    now = [0.0]
    notify.clock = lambda: now[0]
    assert notify.watchdog()
    now[0] += 9.0  # a quarter of 30 s, not yet of 42 s: pings follow the new interval
    assert not notify.watchdog()
    now[0] += 2.0
    assert notify.watchdog()
    assert Notifier({"NOTIFY_SOCKET": path}).outlast(21.0) == 0  # no watchdog: nothing to raise


def test_ok__abstract_socket_names_work() -> None:
    name = f"kiosk-test-{uuid.uuid4().hex}"
    server = Listener("\0" + name)
    try:
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ready()
        assert server.messages()[0]["READY"] == "1"
    finally:
        server.close()


def test_ok__outside_systemd_nothing_is_sent() -> None:
    notify = Notifier({})
    assert not notify.enabled
    assert not notify.ready() and not notify.watchdog() and not notify.stopping()


def test_ok__a_watchdog_meant_for_another_process_is_not_ours(
    listener: tuple[str, Listener],
) -> None:
    path, server = listener
    other = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000",
                      "WATCHDOG_PID": str(os.getpid() + 1)})  # fmt: skip
    assert other.interval == 0 and not other.watchdog()
    ours = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000",
                     "WATCHDOG_PID": str(os.getpid())})  # fmt: skip
    assert ours.interval == 1.0 and ours.watchdog()
    assert Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "soon"}).interval == 0
    assert server.messages() == [{"WATCHDOG": "1"}]


def test_fail__a_socket_that_is_gone_is_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    notify = Notifier({"NOTIFY_SOCKET": str(tmp_path / "nobody"), "WATCHDOG_USEC": "10"})
    with caplog.at_level(logging.WARNING, logger="kiosk.sdnotify"):
        assert not notify.ready()
        assert not notify.stopping()
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "cannot notify systemd" in warnings[0]
