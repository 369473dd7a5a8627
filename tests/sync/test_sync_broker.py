"""The example broker set-up in ``sync/mosquitto/`` for real: ``add-device.sh`` and the
ACL keep each device to its own topics, and TLS with the site's CA (the shipped
``mosquitto.conf`` too, with only its paths and port changed)."""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk import outbox
from kiosk.config import Config
from kiosk.store import Store
from sync import BrokerSetupError, SyncDaemon, Topics, client_id
from sync.central import Central
from sync.central_store import CentralStore
from tests.brokers import Broker, free_port
from tests.conftest import EXAMPLE, ROOT, example_raw, kiosk_in, make_config
from tests.sync.test_central import (
    AS_ROOT,
    Peer,
    central_config,
    one_line,
    peer,
    running,
    wait_for,
)

MOSQUITTO = ROOT / "sync" / "mosquitto"
ADD_DEVICE = MOSQUITTO / "add-device.sh"
SITE = "hcc-hung-yen"
OTHER_SITE = "hcc-thai-binh"
A, B = "site-controller-01", "site-controller-02"
PASSWORDS = {A: "mật-khẩu-A 1", B: "pw-b", "central": "central-secret"}


def user(site: str, device: str) -> str:
    return f"{site}.{device}"


def add_device(
    folder: Path, site: str, device: str, password: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ADD_DEVICE), site, device, password, str(folder)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def auth_folder(folder: Path, central: str = "passwd") -> Path:
    """passwd and acl as a province's broker has them: the example ACL, two devices of
    this site, one of another, and central (its login in the file ``central``)."""
    folder.mkdir()
    shutil.copy(MOSQUITTO / "acl", folder / "acl")
    for site, device in ((SITE, A), (SITE, B), (OTHER_SITE, A)):
        done = add_device(folder, site, device, PASSWORDS.get(device, "pw"))
        assert done.returncode == 0, done.stderr
    (folder / central).touch()
    subprocess.run(
        ["mosquitto_passwd", "-b", str(folder / central), "central", PASSWORDS["central"]],
        check=True,
        capture_output=True,
    )
    return folder


def secured(folder: Path) -> str:
    return f"{AS_ROOT}allow_anonymous false\npassword_file {folder}/passwd\nacl_file {folder}/acl\n"


@pytest.fixture
def acl_broker(tmp_path: Path) -> Iterator[Broker]:
    folder = auth_folder(tmp_path / "kiosk")
    server = Broker(tmp_path / "broker", extra=secured(folder)).start()
    yield server
    server.stop()


def login(device: str, site: str = SITE) -> dict[str, str]:
    if device == "central":
        return {"username": "central", "password": PASSWORDS["central"]}
    return {"username": user(site, device), "password": PASSWORDS.get(device, "pw")}


def refused(code: int) -> bool:
    return code >= 0x80


# --- the ACL ----------------------------------------------------------------------------------


def test_ok__a_device_uses_its_own_topics_and_central_all(acl_broker: Broker) -> None:
    port = acl_broker.port
    mine, site = Topics(SITE, A), Topics(SITE)
    with peer(port, "central", **login("central")) as central, peer(port, "a", **login(A)) as a:
        # Central reads every site's events (through a shared subscription, as it runs),
        # states and command results.
        granted = central.subscribe(
            "$share/central/hcc/v1/+/+/events", "hcc/v1/+/+/state", "hcc/v1/+/+/cmd/result"
        )
        assert not any(refused(code) for code in granted)
        theirs = (mine.ack, mine.cmd, site.config, site.dossiers, site.procedures)
        assert not any(refused(c) for c in a.subscribe(*theirs))
        for topic in (mine.events, mine.state, mine.result):
            assert not refused(a.publish(topic, f"from A to {topic}".encode()))
        for topic in theirs:
            assert not refused(central.publish(topic, f"from central to {topic}".encode()))
        wait_for(lambda: len(central.received()) == 3 and len(a.received()) == len(theirs))
        assert sorted(t for t, _, _ in central.messages) == sorted(
            [mine.events, mine.state, mine.result]
        )
        assert sorted(t for t, _, _ in a.messages) == sorted(theirs)
        assert central.received(mine.events) == [f"from A to {mine.events}".encode()]


def test_fail__a_device_cannot_publish_as_another(acl_broker: Broker) -> None:
    port = acl_broker.port
    theirs = Topics(SITE, B)
    with peer(port, "central", **login("central")) as central, peer(port, "b", **login(B)) as b:
        central.subscribe("hcc/v1/+/+/events", "hcc/v1/+/+/state", "hcc/v1/+/+/cmd/result")
        b.subscribe(theirs.cmd, theirs.ack)
        codes = {}
        for topic in (
            theirs.events,
            theirs.state,
            theirs.cmd,
            theirs.result,
            theirs.ack,
            Topics(SITE).config,
            Topics(OTHER_SITE, A).events,
        ):
            # (Mosquitto drops a client after a refused publish: a new connection each.)
            with peer(port, **login(A)) as a:
                codes[topic] = a.publish(topic, b"forged by A")
        assert all(refused(code) for code in codes.values()), codes
        # What was let through would have arrived before these.
        with peer(port, **login(A)) as a:
            a.publish(Topics(SITE, A).events, b"marker")
        central.publish(theirs.cmd, b"marker")
        wait_for(lambda: b"marker" in central.received() and b"marker" in b.received())
        assert central.received() == [b"marker"]
        assert b.received() == [b"marker"]


def test_fail__a_device_cannot_read_another_devices_topics(acl_broker: Broker) -> None:
    port = acl_broker.port
    theirs, there = Topics(SITE, B), Topics(OTHER_SITE, A)
    with contextlib.ExitStack() as stack:
        central = stack.enter_context(peer(port, "central", **login("central")))
        a = stack.enter_context(peer(port, "a", **login(A)))
        b = stack.enter_context(peer(port, "b", **login(B)))
        other = stack.enter_context(peer(port, "other", **login(A, OTHER_SITE)))
        others = (there.config, there.dossiers, there.procedures, there.cmd)
        wanted = [theirs.ack, theirs.cmd, *others, "hcc/v1/#", "#"]
        codes = dict(zip(wanted, a.subscribe(*wanted), strict=True))
        b.subscribe(theirs.ack, theirs.cmd)
        other.subscribe(*others)
        for topic in (theirs.ack, theirs.cmd, *others):
            assert not refused(central.publish(topic, f"for {topic}".encode()))
        # Their owners get them...
        wait_for(lambda: len(b.received()) == 2 and len(other.received()) == len(others))
        # ...and A, by the time its own ack arrives after them, has none of them.
        central.publish(Topics(SITE, A).ack, b"marker")
        wait_for(lambda: b"marker" in a.received())
        leaked = {t for t, _, _ in a.messages if t != Topics(SITE, A).ack}
        for topic, code in codes.items():  # refused at SUBSCRIBE, or nothing delivered
            assert refused(code) or not any(_matches(topic, t) for t in leaked), (topic, code)
        assert leaked == set()


def _matches(pattern: str, topic: str) -> bool:
    parts, names = pattern.split("/"), topic.split("/")
    for index, part in enumerate(parts):
        if part == "#":
            return True
        if index >= len(names) or part not in ("+", names[index]):
            return False
    return len(parts) == len(names)


@pytest.mark.parametrize(
    ("name", "password"),
    [(user(SITE, A), "wrong"), (user(SITE, B), PASSWORDS[A]), ("nobody", "x"), ("", "")],
)
def test_fail__a_wrong_login_is_refused_at_connect(
    acl_broker: Broker, name: str, password: str
) -> None:
    other = Peer(acl_broker.port, "intruder", username=name, password=password)
    try:
        assert refused(other.connect())
        assert not other.client.is_connected()
    finally:
        other.close()


def wait_stepping(daemons: list[SyncDaemon], done: Callable[[], bool], timeout: float = 20) -> None:
    """Step the daemons (as their loops do) until ``done``."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, [d.health for d in daemons]
        for daemon in daemons:
            daemon.step(0.02)


def device_config(port: int, device: str, secret: Path, **sync: object) -> Config:
    return make_config(
        site={**example_raw()["site"], "device": device},
        sync={
            "host": "127.0.0.1",
            "port": port,
            "username": user(SITE, device),
            "password_file": str(secret),
            "ack_timeout_seconds": 5,
            **sync,
        },
    )


def produce(path: Path, count: int) -> int:
    with Store(path) as store:
        for n in range(count):
            with store.change(time.time()) as tx:
                tx.event("test.produced", {"n": n})
        return outbox.state(store).last


def test_ok__central_reads_every_devices_events_and_acks_them(
    tmp_path: Path, acl_broker: Broker
) -> None:
    """The real daemons under the ACL: two devices' events reach a central worker logged
    in as central, and its acks reach them (they let their events go)."""
    url = f"sqlite://{tmp_path}/central.db"
    store = CentralStore(url)
    config = central_config(acl_broker.port, url, username="central", password=PASSWORDS["central"])
    central = Central(config, store, client_id="central-worker-1")
    daemons, lasts = [], {}
    try:
        with running(central):
            wait_for(lambda: central.connected)
            for device in (A, B):
                secret = tmp_path / f"{device}.secret"
                secret.write_text(PASSWORDS[device] + "\n")
                path = tmp_path / f"{device}.db"
                lasts[device] = produce(path, 40)
                daemon = SyncDaemon(
                    device_config(acl_broker.port, device, secret), str(path), example_raw(), ()
                )
                daemon.start()
                daemons.append(daemon)
            wait_stepping(
                daemons, lambda: all(d.acked == lasts[d.config.site.device] for d in daemons)
            )
            for device in (A, B):
                assert store.seqs(SITE, device) == list(range(1, lasts[device] + 1))
            assert all(d.health[0] == "ok" for d in daemons)
            assert all(outbox.state(d.store).held == 0 for d in daemons)
            wait_for(lambda: set(store.states(SITE)) == {A, B})
    finally:
        for daemon in daemons:
            daemon.close()
        store.close()


# --- add-device.sh ----------------------------------------------------------------------------


def test_ok__a_device_with_a_login_keeps_its_session_on_a_broker_that_does_not_bind_it(
    tmp_path: Path, acl_broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    """A broker that takes the client id as sent (not the login, as the example one does):
    the device with a login and no sync.client_id connects as it always has, so a command
    queued in its session while it was away (as an earlier release left it) still reaches it."""
    caplog.set_level(logging.INFO, logger="sync")
    url = f"sqlite://{tmp_path}/central.db"
    config = central_config(acl_broker.port, url, username="central", password=PASSWORDS["central"])
    central = Central(config, CentralStore(url), client_id="central-worker-1")
    store = central.store
    secret = tmp_path / "b.secret"
    secret.write_text(PASSWORDS[B])
    path = tmp_path / "b.db"
    device = device_config(acl_broker.port, B, secret)
    assert device.sync.client_id == "" and device.sync.username == user(SITE, B)
    assert client_id(device) == f"kiosk-{SITE}-{B}"
    # The session as the daemon made it before this release: under kiosk-{site}-{device}.
    before = device_config(acl_broker.port, B, secret, client_id=f"kiosk-{SITE}-{B}")
    daemon = SyncDaemon(before, str(path), example_raw(), ())
    try:
        with running(central):
            wait_for(lambda: central.connected, what="central")
            daemon.start()
            wait_stepping([daemon], lambda: health(daemon)["state"] == "ok")
            daemon.close()  # away (an upgrade); a command for it waits in its session
            with peer(acl_broker.port, **login("central")) as staff:
                command = {"id": "while-away", "cmd": "notice", "args": {"text": "Nghỉ trưa"}}
                assert not refused(staff.publish(Topics(SITE, B).cmd, json.dumps(command).encode()))
            caplog.clear()
            daemon = SyncDaemon(device, str(path), example_raw(), ())
            daemon.start()
            wait_stepping([daemon], lambda: store.result(SITE, B, "while-away") is not None)
            assert "(session kept)" in caplog.text
            assert (store.result(SITE, B, "while-away") or {})["ok"] is True
    finally:
        daemon.close()
        store.close()


def test_ok__add_device_twice_keeps_one_acl_block_and_the_new_password(tmp_path: Path) -> None:
    folder = auth_folder(tmp_path / "kiosk")
    acl_before = (folder / "acl").read_text()
    done = add_device(folder, SITE, A, "a-new-password")
    assert done.returncode == 0, done.stderr
    acl = (folder / "acl").read_text()
    assert acl == acl_before
    assert acl.splitlines().count(f"user {user(SITE, A)}") == 1
    assert acl.count(f"topic write hcc/v1/{SITE}/{A}/events") == 1
    users = [line.split(":")[0] for line in (folder / "passwd").read_text().splitlines()]
    assert sorted(users) == sorted(["central", user(SITE, A), user(SITE, B), user(OTHER_SITE, A)])
    broker = Broker(tmp_path / "broker", extra=secured(folder)).start()
    try:
        assert refused(Peer(broker.port, "old", **login(A)).connect())
        with peer(broker.port, "new", username=user(SITE, A), password="a-new-password") as a:
            assert not refused(a.publish(Topics(SITE, A).events, b"1"))
    finally:
        broker.stop()


@pytest.mark.parametrize(
    "args",
    [
        pytest.param([SITE, "Site-Controller"], id="capitals"),
        pytest.param([SITE, "dev/01"], id="topic-level"),
        pytest.param([SITE, "+"], id="plus"),
        pytest.param([SITE, "#"], id="hash"),
        pytest.param(["hcc.x", A], id="dot"),  # the site.device separator
        pytest.param([SITE, "dev 01"], id="space"),
        pytest.param([SITE, "đ"], id="non-ascii"),
        pytest.param(["", A], id="empty-site"),
        pytest.param([SITE, ""], id="empty-device"),
    ],
)
def test_fail__add_device_refuses_bad_ids(tmp_path: Path, args: list[str]) -> None:
    folder = tmp_path / "kiosk"
    folder.mkdir()
    shutil.copy(MOSQUITTO / "acl", folder / "acl")
    done = add_device(folder, args[0], args[1], "pw")
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "add-device.sh" in done.stderr
    assert (folder / "acl").read_text() == (MOSQUITTO / "acl").read_text()
    assert not (folder / "passwd").exists() or (folder / "passwd").read_text() == ""


def test_fail__add_device_without_a_password_shows_the_usage(tmp_path: Path) -> None:
    done = subprocess.run([str(ADD_DEVICE), SITE, A], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("usage: add-device.sh SITE DEVICE PASSWORD")


# --- TLS --------------------------------------------------------------------------------------


def openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)


def make_ca(folder: Path, name: str) -> None:
    openssl(
        folder,
        "req",
        "-x509",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.crt",
        "-days",
        "3",
        "-subj",
        f"/CN={name}",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, the broker's certificate for 127.0.0.1 and localhost, and another CA."""
    folder = tmp_path_factory.mktemp("pki")
    make_ca(folder, "ca")
    make_ca(folder, "other-ca")
    openssl(
        folder,
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        "broker.key",
        "-out",
        "broker.csr",
        "-subj",
        "/CN=localhost",
    )
    (folder / "broker.ext").write_text(
        "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
        "basicConstraints = critical, CA:FALSE\n"
        "keyUsage = critical, digitalSignature\n"
        "extendedKeyUsage = serverAuth\n"
        "authorityKeyIdentifier = keyid\n"
        "subjectKeyIdentifier = hash\n"
    )
    openssl(
        folder,
        "x509",
        "-req",
        "-in",
        "broker.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "broker.crt",
        "-days",
        "3",
        "-extfile",
        "broker.ext",
    )
    return folder


def tls_broker(work: Path, pki: Path, extra: str = AS_ROOT) -> Broker:
    """A broker whose only listener is TLS with the test CA's certificate."""
    broker = Broker(work, extra=extra)
    plain = f"listener {broker.port} 127.0.0.1"
    broker.conf.write_text(
        broker.conf.read_text().replace(
            plain,
            (
                f"{plain}\ncafile {pki}/ca.crt\ncertfile {pki}/broker.crt\n"
                f"keyfile {pki}/broker.key\ntls_version tlsv1.2"
            ),
        )
    )
    return broker.start()


@pytest.fixture
def tls(tmp_path: Path, pki: Path) -> Iterator[Broker]:
    server = tls_broker(tmp_path / "broker", pki)
    yield server
    server.stop()


def tls_config(port: int, ca: Path, **sync: object) -> Config:
    return make_config(
        sync={
            "host": "127.0.0.1",
            "port": port,
            "tls": True,
            "ca": str(ca),
            "ack_timeout_seconds": 5,
            **sync,
        }
    )


def health(daemon: SyncDaemon) -> dict[str, object]:
    rows = {row["daemon"]: row for row in daemon.store.health()}
    return dict(rows["sync"])


def test_ok__sync_over_tls_with_the_sites_ca(tmp_path: Path, tls: Broker, pki: Path) -> None:
    url = f"sqlite://{tmp_path}/central.db"
    store = CentralStore(url)
    central = Central(
        central_config(tls.port, url, tls=True, ca=str(pki / "ca.crt")),
        store,
        client_id="central-tls",
    )
    path = tmp_path / "kiosk.db"
    last = produce(path, 25)
    daemon = SyncDaemon(tls_config(tls.port, pki / "ca.crt"), str(path), example_raw(), ())
    try:
        with running(central):
            wait_for(lambda: central.connected, what="central over TLS")
            daemon.start()
            wait_stepping([daemon], lambda: daemon.acked == last)
            row = health(daemon)
            assert (row["state"], row["detail"]) == (
                "ok",
                f"connected to 127.0.0.1:{tls.port} (TLS)",
            )
            assert store.seqs(SITE, A) == list(range(1, last + 1))
    finally:
        daemon.close()
        store.close()
    assert health_state(path) == "stopped"


def health_state(path: Path) -> str:
    with Store(path) as store:
        return str({row["daemon"]: row for row in store.health()}["sync"]["state"])


def test_fail__sync_does_not_trust_a_broker_of_another_ca(
    tmp_path: Path, tls: Broker, pki: Path
) -> None:
    url = f"sqlite://{tmp_path}/central.db"
    store = CentralStore(url)
    central = Central(
        central_config(tls.port, url, tls=True, ca=str(pki / "ca.crt")),
        store,
        client_id="central-tls",
    )
    path = tmp_path / "kiosk.db"
    produce(path, 5)
    daemon = SyncDaemon(
        tls_config(tls.port, pki / "other-ca.crt", reconnect_min_seconds=1),
        str(path),
        example_raw(),
        (),
    )
    try:
        with running(central):
            wait_for(lambda: central.connected, what="central over TLS")
            daemon.start()
            # The broker saw the handshake fail (the device refused its certificate)...
            wait_stepping([daemon], lambda: "unknown ca" in tls.log.read_text(), timeout=10)
            for _ in range(20):
                daemon.step(0.02)
            assert not daemon.client.connected()
            assert daemon.next_seq is None and daemon.published == 0
            assert store.count() == 0
            # ...and the device says so in its health.
            wait_stepping([daemon], lambda: health(daemon)["state"] == "degraded", timeout=5)
            assert "127.0.0.1" in str(health(daemon)["detail"])
    finally:
        daemon.close()
        store.close()


def test_fail__a_missing_ca_file_is_a_setup_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-ca.crt"
    with pytest.raises(BrokerSetupError, match=f"ca {missing}: no such file"):
        SyncDaemon(tls_config(free_port(), missing), str(tmp_path / "kiosk.db"), example_raw(), ())
    site = tmp_path / "site"
    site.mkdir()
    config = site / "config.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (site / "config.d").mkdir()
    (site / "config.d" / "sync.toml").write_text(
        f'[sync]\nhost = "127.0.0.1"\nport = {free_port()}\ntls = true\nca = "{missing}"\n',
        encoding="utf-8",
    )
    started = time.monotonic()
    done = kiosk_in(site, "run", "sync")
    assert done.returncode == 78, done.stderr
    assert one_line(done.stderr) == f"kiosk: sync: ca {missing}: no such file"
    assert time.monotonic() - started < 30


# --- the shipped mosquitto.conf ---------------------------------------------------------------


class Shipped(Broker):
    """sync/mosquitto/mosquitto.conf as shipped, with only its paths and ports changed:
    ``port`` is the devices' listener, ``central_port`` central's."""

    def __init__(self, work: Path, folder: Path, pki: Path) -> None:
        super().__init__(work)
        self.central_port = free_port()
        shipped = (MOSQUITTO / "mosquitto.conf").read_text()
        for old, new in {
            "/etc/mosquitto/conf.d/kiosk": str(folder),
            "/etc/mosquitto/certs/ca.crt": str(pki / "ca.crt"),
            "/etc/mosquitto/certs/broker.crt": str(pki / "broker.crt"),
            "/etc/mosquitto/certs/broker.key": str(pki / "broker.key"),
            "/var/lib/mosquitto/": f"{self.work}/",
            "listener 8883": f"listener {self.port} 127.0.0.1",
            "listener 8884": f"listener {self.central_port} 127.0.0.1",
        }.items():
            assert old in shipped
            shipped = shipped.replace(old, new)
        self.conf.write_text(f"{shipped}\nlog_dest file {self.log}\n{AS_ROOT}")


@pytest.fixture
def shipped(tmp_path: Path, pki: Path) -> Iterator[Shipped]:
    folder = auth_folder(tmp_path / "kiosk", central="central-passwd")
    broker = Shipped(tmp_path / "broker", folder, pki)
    broker.start()
    yield broker
    broker.stop()


def shipped_central(broker: Shipped, url: str, pki: Path, client_id: str) -> Central:
    """A central worker on central's listener, with central's login."""
    config = central_config(
        broker.central_port,
        url,
        tls=True,
        ca=str(pki / "ca.crt"),
        username="central",
        password=PASSWORDS["central"],
    )
    return Central(config, CentralStore(url), client_id=client_id)


def tls_peer(port: int, pki: Path, client_id: str, **login: str) -> Peer:
    """A plain MQTT v5 client over TLS (not connected yet; a clean start when it is)."""
    other = Peer(port, client_id, **login)
    other.client.tls_set(ca_certs=str(pki / "ca.crt"))
    return other


def test_ok__the_example_mosquitto_conf_with_tls_passwords_and_the_acl(
    tmp_path: Path, shipped: Shipped, pki: Path
) -> None:
    """The shipped mosquitto.conf: a device with its password file and the site's CA syncs
    to a central over TLS."""
    url = f"sqlite://{tmp_path}/central.db"
    central = shipped_central(shipped, url, pki, "central-1")
    store = central.store
    secret = tmp_path / "device.secret"
    secret.write_text(PASSWORDS[A])
    path = tmp_path / "kiosk.db"
    last = produce(path, 30)
    config = device_config(shipped.port, A, secret, tls=True, ca=str(pki / "ca.crt"))
    daemon = SyncDaemon(config, str(path), example_raw(), ())
    try:
        # Plain MQTT is not offered at all: a CONNECT gets no CONNACK.
        for port in (shipped.port, shipped.central_port):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00")
                with contextlib.suppress(ConnectionResetError):
                    assert sock.recv(16)[:1] != b"\x20"
        with running(central):
            wait_for(lambda: central.connected, what="central")
            daemon.start()
            wait_stepping([daemon], lambda: daemon.acked == last)
            assert store.seqs(SITE, A) == list(range(1, last + 1))
            assert health(daemon)["state"] == "ok"
            wait_for(lambda: A in store.states(SITE), what="the device's state")
            assert store.states(SITE)[A]["online"] is True
    finally:
        daemon.close()
        store.close()


def test_fail__a_devices_login_cannot_knock_another_device_off(
    tmp_path: Path, shipped: Shipped, pki: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A's login connecting with B's client id (the one B sends, or B's old default) gets a
    session of its own: B stays connected, and a command queued for B while it was away
    still reaches it after A connected with a clean start under B's id."""
    caplog.set_level(logging.INFO, logger="sync")
    url = f"sqlite://{tmp_path}/central.db"
    central = shipped_central(shipped, url, pki, "central-1")
    store = central.store
    secret = tmp_path / "b.secret"
    secret.write_text(PASSWORDS[B])
    path = tmp_path / "b.db"
    config = device_config(shipped.port, B, secret, tls=True, ca=str(pki / "ca.crt"))
    assert client_id(config) == f"kiosk-{SITE}-{B}"  # the broker takes its login instead
    daemon = SyncDaemon(config, str(path), example_raw(), ())
    lost = "lost the broker"
    try:
        with running(central):
            wait_for(lambda: central.connected, what="central")
            daemon.start()
            wait_stepping([daemon], lambda: health(daemon)["state"] == "ok")
            for theirs in (user(SITE, B), f"kiosk-{SITE}-{B}", user(SITE, B)):
                intruder = tls_peer(shipped.port, pki, theirs, **login(A))
                try:
                    assert intruder.connect() == 0  # let in, as itself
                    # Under its own login's topics only: B's are still closed to it.
                    assert refused(intruder.publish(Topics(SITE, B).events, b"forged"))
                finally:
                    intruder.close()
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline:
                    daemon.step(0.02)
                    assert daemon.client.connected(), f"B was knocked off by A as {theirs}"
            assert lost not in caplog.text
            assert caplog.text.count(f"connected to 127.0.0.1:{shipped.port} ") == 1
            # A device's login cannot use central's listener (and its free client ids).
            other = tls_peer(shipped.central_port, pki, user(SITE, B), **login(A))
            try:
                assert refused(other.connect())
            finally:
                other.close()

            # B goes away; a command for it waits in its session at the broker.
            daemon.close()
            with peer_over_tls(shipped.central_port, pki, **login("central")) as staff:
                command = {"id": "while-away", "cmd": "notice", "args": {"text": "Nghỉ trưa"}}
                assert not refused(staff.publish(Topics(SITE, B).cmd, json.dumps(command).encode()))
            # A connects under B's client id with a clean start (which would wipe the
            # session that id names) and leaves.
            intruder = tls_peer(shipped.port, pki, user(SITE, B), **login(A))
            try:
                assert intruder.connect() == 0
            finally:
                intruder.close()
            caplog.clear()
            daemon = SyncDaemon(config, str(path), example_raw(), ())
            daemon.start()
            wait_stepping([daemon], lambda: store.result(SITE, B, "while-away") is not None)
            assert "(session kept)" in caplog.text
            assert (store.result(SITE, B, "while-away") or {})["ok"] is True
    finally:
        daemon.close()
        store.close()


@contextlib.contextmanager
def peer_over_tls(port: int, pki: Path, **login: str) -> Iterator[Peer]:
    other = tls_peer(port, pki, f"peer-{time.monotonic_ns()}", **login)
    assert other.connect() == 0
    try:
        yield other
    finally:
        other.close()


def test_ok__central_workers_share_the_events_on_their_own_listener(
    tmp_path: Path, shipped: Shipped, pki: Path
) -> None:
    """Two workers with central's one login and their own client ids: both stay connected,
    share the devices' events (each stored once) and ack them all."""
    url = f"sqlite://{tmp_path}/central.db"
    workers = [shipped_central(shipped, url, pki, f"central-{n}") for n in (1, 2)]
    daemons, lasts = [], {}
    try:
        with running(workers[0]), running(workers[1]):
            wait_for(lambda: all(w.connected for w in workers), what="both workers")
            for device in (A, B):
                secret = tmp_path / f"{device}.secret"
                secret.write_text(PASSWORDS[device])
                path = tmp_path / f"{device}.db"
                lasts[device] = produce(path, 200)
                config = device_config(
                    shipped.port, device, secret, tls=True, ca=str(pki / "ca.crt")
                )
                daemon = SyncDaemon(config, str(path), example_raw(), ())
                daemon.start()
                daemons.append(daemon)
            wait_stepping(
                daemons, lambda: all(d.acked == lasts[d.config.site.device] for d in daemons)
            )
            assert all(w.connected for w in workers)
            store = workers[0].store
            for device in (A, B):
                assert store.seqs(SITE, device) == list(range(1, lasts[device] + 1))
            assert all(w.stored > 0 for w in workers), [w.stored for w in workers]
    finally:
        for daemon in daemons:
            daemon.close()
        for worker in workers:
            worker.store.close()
