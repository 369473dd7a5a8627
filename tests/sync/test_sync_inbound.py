"""What central sends a device, end to end: a real Mosquitto between a plain paho v5 client
playing central and an in-process ``sync.SyncDaemon`` stepped by the test, on a real
SQLite file.

Central publishes the site configuration (retained), dossier upserts, commands and acks;
the test checks what lands in the database, what the daemon answers on ``cmd/result``,
and that anything that breaks the contract is dropped without changing anything. A
Hypothesis property test feeds fuzzed payloads of every kind to the daemon's message
handling directly (the same call paho's messages go through).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import logging
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from kiosk import commands, outbox, procedures, ticketing
from kiosk.config import Config, read_central, site_config, with_central
from kiosk.config._load import load_raw
from kiosk.desk import Desk
from kiosk.dossiers import STATUSES, find, mask_name, parse_dossier, upsert
from kiosk.procedures import parse_record
from kiosk.store import Store
from printer import PagePrinter
from sync import Invalid, SyncDaemon, Topics, decode, validate
from sync._inbound import config_version
from sync._mqtt import Happened
from tests.brokers import Broker, free_port
from tests.conftest import EXAMPLE, OPEN_ALL_DAY, at, example_raw, make_config
from tests.disks import fill, needs_root, tmpfs
from tests.kiosk.test_procedures import portal

SITE, DEVICE = "hcc-hung-yen", "site-controller-01"
NOW = at(10, 0)  # the example Monday, 10:00 local: the daemons' clocks start here
TIMEOUT = 10.0


# -- the site's files -----------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


@dataclass
class Files:
    """``config.toml`` (the example) with a ``config.d/`` drop-in: OPEN_ALL_DAY and [sync]."""

    path: Path
    raw: dict[str, Any]
    sources: tuple[str, ...]
    config: Config


def site_files(folder: Path, sync: dict[str, Any]) -> Files:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_bytes(EXAMPLE.read_bytes())
    (folder / "config.d").mkdir()
    lines = ["[hours]", *(f"{k} = {_toml(v)}" for k, v in OPEN_ALL_DAY.items())]
    lines += ["", "[sync]", *(f"{k} = {_toml(v)}" for k, v in sync.items())]
    (folder / "config.d" / "50-test.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The TOML dict the overlay is laid over: the example with the same keys merged as
    # make_config merges them; the files on disk say the same (site_config reads them).
    raw = example_raw()
    raw["hours"] = {**raw["hours"], **OPEN_ALL_DAY}
    raw["sync"] = {**raw["sync"], **sync}
    from_files, sources = load_raw(path)
    assert from_files == raw
    config = dataclasses.replace(make_config(hours=OPEN_ALL_DAY, sync=sync), sources=sources)
    return Files(path, raw, sources, config)


def moving_clock() -> Callable[[], float]:
    """Wall time that starts at NOW (a working Monday) and runs at the real pace."""
    start = time.monotonic()
    return lambda: NOW + (time.monotonic() - start)


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the daemons' health reports."""
    names = [
        row[0]
        for row in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT IN ('health', 'sqlite_sequence') ORDER BY name"
        )
    ]
    return {
        name: sorted(store.conn.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
        for name in names
    }


def events(store: Store, type_: str) -> list[dict[str, Any]]:
    rows = store.conn.execute("SELECT data FROM events WHERE type = ? ORDER BY seq", (type_,))
    return [json.loads(row[0]) for row in rows]


def kv(store: Store, key: str) -> Any:
    row = store.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def dossier(n: int, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": f"000.00.04.G14-261123-{n:04d}",
        "procedure": "Cấp giấy chứng nhận quyền sử dụng đất",
        "applicant": "Nguyễn Văn An",
        "status": 4,
        "received_at": "2026-11-23T08:00:00+07:00",
        "version": 1,
    }
    out.update(fields)
    return out


# -- central: a plain paho client -----------------------------------------------------


class Central:
    """The other side: publishes as central does, collects results and states."""

    def __init__(self, port: int, topics: Topics) -> None:
        self.topics = topics
        self.lock = threading.Lock()
        self.received: list[tuple[str, bytes]] = []
        self.ready = threading.Event()
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id="central-under-test", protocol=mqtt.MQTTv5
        )
        client.on_connect = self._on_connect
        client.on_subscribe = lambda *_: self.ready.set()
        client.on_message = self._on_message
        client.connect("127.0.0.1", port)
        client.loop_start()
        self.client = client
        if not self.ready.wait(TIMEOUT):
            raise AssertionError("central's test client did not subscribe")

    def _on_connect(self, client: mqtt.Client, *_: Any) -> None:
        client.subscribe([(self.topics.result, 1), (self.topics.state, 1)])

    def _on_message(self, _c: Any, _u: Any, message: Any) -> None:
        with self.lock:
            self.received.append((str(message.topic), bytes(message.payload)))

    def publish(self, topic: str, payload: bytes | dict[str, Any], *, retain: bool = False) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = self.client.publish(topic, data, qos=1, retain=retain)
        info.wait_for_publish(TIMEOUT)
        assert info.is_published()

    def _docs(self, topic: str) -> list[dict[str, Any]]:
        with self.lock:
            payloads = [payload for got, payload in self.received if got == topic]
        return [json.loads(payload) for payload in payloads]

    def results(self, command_id: str | None = None) -> list[dict[str, Any]]:
        found = self._docs(self.topics.result)
        for doc in found:
            validate("result", doc)  # the device's answers keep the contract
        return [doc for doc in found if command_id is None or doc["id"] == command_id]

    def states(self) -> list[dict[str, Any]]:
        return self._docs(self.topics.state)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


# -- a site: broker, files, daemon, central --------------------------------------------


@dataclass
class Site:
    broker: Broker
    files: Files
    db_path: Path
    topics: Topics
    central: Central
    store: Store  # the test's own connection, as another daemon's would be
    clock: Callable[[], float]
    daemon: SyncDaemon | None = None
    applied: list[tuple[str, str]] = field(default_factory=list)
    hooks: list[Callable[[], None]] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=itertools.count)

    @property
    def sync(self) -> SyncDaemon:
        assert self.daemon is not None
        return self.daemon

    def start(
        self, config: Config | None = None, *, monotonic: Callable[[], float] = time.monotonic
    ) -> SyncDaemon:
        daemon = SyncDaemon(
            config or self.files.config,
            str(self.db_path),
            self.files.raw,
            self.files.sources,
            clock=self.clock,
            monotonic=monotonic,
        )
        daemon.on_applied = lambda kind, message: self.applied.append((kind, message))
        self.daemon = daemon
        seen = len(self.central.states())
        daemon.start()
        # Its first state comes after its SUBSCRIBE on the same connection: once central
        # has it, the daemon's subscriptions are in place.
        self.run_until(
            lambda: any(s["online"] for s in self.central.states()[seen:]), "daemon online"
        )
        return daemon

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.close()
            self.daemon = None

    def run_until(self, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for: {what}")
            self.sync.step(0.01)
            for hook in self.hooks:
                hook()

    # central's side

    def push(self, kind: str, doc: bytes | dict[str, Any], *, retain: bool = False) -> str:
        """Publish a config, dossiers or procedures message; the daemon's one line about it."""
        seen = len(self.applied)
        topic = f"{self.topics.prefix}/{kind}"
        self.central.publish(topic, doc, retain=retain or kind == "config")
        self.run_until(lambda: len(self.applied) > seen, f"{kind} applied or refused")
        assert self.applied[seen][0] == kind
        return self.applied[seen][1]

    def marker(self) -> None:
        """A dossiers message after the ones under test: once it is in, they were handled."""
        seen = self.dossier_lines()
        self.central.publish(self.topics.dossiers, {"dossiers": [dossier(99)]})
        self.run_until(lambda: self.dossier_lines() > seen, "the marker dossier")

    def dossier_lines(self) -> int:
        return sum(kind == "dossiers" for kind, _ in self.applied)

    def command(
        self, cmd: str, command_id: str = "", *, answers: int = 1, **fields: Any
    ) -> dict[str, Any]:
        command_id = command_id or f"cmd-{next(self.ids)}"
        self.central.publish(self.topics.cmd, {"id": command_id, "cmd": cmd, **fields})
        return self.result(command_id, answers=answers)

    def result(
        self, command_id: str, *, answers: int = 1, timeout: float = TIMEOUT
    ) -> dict[str, Any]:
        self.run_until(
            lambda: len(self.central.results(command_id)) >= answers,
            f"result of {command_id}",
            timeout,
        )
        return self.central.results(command_id)[-1]

    def ack(self, seq: int, db: str = "") -> None:
        doc = {"seq": seq, "db": db or self.sync.db, "ts": "2026-11-23T03:00:00.000Z"}
        self.central.publish(self.topics.ack, doc, retain=True)

    def issue(self, service: str = "dat-dai", count: int = 1) -> list[str]:
        config = self.sync.config
        return [
            ticketing.issue(
                self.store, config, service, now=self.clock(), printed=True
            ).ticket.number
            for _ in range(count)
        ]

    def ticket(self, number: str) -> tuple[str, int | None]:
        row = self.store.conn.execute(
            "SELECT status, counter FROM tickets WHERE number = ?", (number,)
        ).fetchone()
        return str(row[0]), row[1]


def open_site(tmp_path: Path, db_path: Path | None = None, **sync: Any) -> Site:
    broker = Broker(tmp_path / "broker").start()
    settings_ = {"host": "127.0.0.1", "port": broker.port, "command_timeout_seconds": 1, **sync}
    files = site_files(tmp_path / "site", settings_)
    topics = Topics(SITE, DEVICE)
    db_path = db_path or tmp_path / "site" / "kiosk.db"
    return Site(
        broker, files, db_path, topics, Central(broker.port, topics), Store(db_path), moving_clock()
    )


def close_site(site: Site) -> None:
    site.stop()
    site.central.close()
    site.store.close()
    site.broker.stop()


@pytest.fixture
def idle_site(tmp_path: Path) -> Iterator[Site]:
    """Everything but the daemon (start it with ``site.start()``)."""
    site = open_site(tmp_path)
    yield site
    close_site(site)


@pytest.fixture
def site(idle_site: Site) -> Site:
    idle_site.start()
    return idle_site


# -- configuration --------------------------------------------------------------------


def services_plus_cong_chung(raw: dict[str, Any]) -> list[dict[str, Any]]:
    services = [dict(service) for service in raw["services"]]
    services.append(
        {
            "id": "cong-chung",
            "name": "Công chứng",
            "prefix": "H",
            "daily_cap": 80,
            "service_minutes": 20,
        }
    )
    return services


def central_config(raw: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return {
        "version": version,
        "ts": "2026-11-23T02:00:00Z",
        "services": services_plus_cong_chung(raw),
        "counters": [
            {
                "number": 1,
                "name": "Quầy 1 - Đất đai, Công chứng",
                "services": ["dat-dai", "cong-chung"],
                "staff_id": "cb-0199",
            },
            {"number": 2, "services": ["thue", "dat-dai"]},
        ],
        "hours": {"last_ticket_minutes": 10, "closed_dates": ["2027-01-01"]},
        "notices": [
            {"text": "Từ 01/12 nhận hồ sơ công chứng tại quầy 1."},
            {"text": "  Vui lòng mang theo CCCD.  "},
            {"text": "   "},
        ],
    }


def test_ok__central_config_is_applied_whole_and_kept_in_the_database(site: Site) -> None:
    base = site.files.config
    doc = central_config(site.files.raw)
    message = site.push("config", doc)
    assert message == "config v1 applied (counters, hours, notices, services)"

    body = {key: doc[key] for key in ("services", "counters", "hours", "notices")}
    assert json.loads(kv(site.store, "central_config")) == {"version": 1, "body": body}
    assert events(site.store, "config.applied") == [
        {"version": 1, "parts": ["counters", "hours", "notices", "services"]}
    ]
    # Every daemon loads the files, then the overlay: what kiosk run ... would run with.
    overlaid = site_config(site.files.path, site.db_path)
    assert overlaid.sources[-1] == "central v1"
    assert [s.id for s in overlaid.services][-1] == "cong-chung"
    assert overlaid.service("cong-chung").prefix == "H"
    one, two = overlaid.counter(1), overlaid.counter(2)
    assert (one.name, one.services, one.staff_id) == (
        "Quầy 1 - Đất đai, Công chứng",
        ("dat-dai", "cong-chung"),
        "cb-0199",
    )
    assert two.services == ("thue", "dat-dai")
    # Central says what the counters do, the files how they are wired.
    assert one.buttons == base.counter(1).buttons and len(one.buttons) == 8
    assert (one.led, one.rating_led) == (base.counter(1).led, base.counter(1).rating_led)
    assert two.keypads == base.counter(2).keypads and len(two.keypads) == 2
    assert overlaid.counter(3) == base.counter(3)  # not listed by central: as the files say
    # Hours merge key by key; notices become the wall display's line.
    assert overlaid.hours.closed_dates == (dt.date(2027, 1, 1),)
    assert overlaid.hours.last_ticket_minutes == 10
    assert (overlaid.hours.open, overlaid.hours.close) == (base.hours.open, base.hours.close)
    assert overlaid.display.notice == (
        "Từ 01/12 nhận hồ sơ công chứng tại quầy 1.   •   Vui lòng mang theo CCCD."
    )
    # The daemon runs the new configuration at once: a Công chứng ticket goes to counter 1.
    assert site.sync.config == overlaid
    (number,) = site.issue("cong-chung")
    assert number == "H001"
    result = site.command("call_next", args={"counter": 1})
    assert (result["ok"], result["code"], result["data"]["called"]["number"]) == (
        True,
        "done",
        "H001",
    )
    # ... and tells central which version it holds.
    site.run_until(
        lambda: any(s.get("config_version") == 1 for s in site.central.states()), "state v1"
    )


def test_ok__a_version_not_newer_than_the_applied_one_is_ignored(site: Site) -> None:
    assert site.push("config", {"version": 2, "notices": [{"text": "Phiên bản hai"}]}) == (
        "config v2 applied (notices)"
    )
    before = snapshot(site.store)
    config = site.sync.config
    same = site.push("config", {"version": 2, "notices": [{"text": "Lại phiên bản hai"}]})
    older = site.push("config", {"version": 1, "notices": [{"text": "Phiên bản một"}]})
    assert same == "config v2 ignored: v2 is already applied"
    assert older == "config v1 ignored: v2 is already applied"
    assert snapshot(site.store) == before
    assert site.sync.config is config
    assert site_config(site.files.path, site.db_path).display.notice == "Phiên bản hai"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {"counters": [{"number": 3, "services": ["tu-phap-ho-tich", "cong-chung"]}]},
            "counters[2].services[1]: unknown service 'cong-chung'",
        ),
        (
            {  # thue goes, but the kiosk's last button still issues it
                "services": [s for s in example_raw()["services"] if s["id"] != "thue"],
                "counters": [
                    {"number": 2, "services": ["dat-dai"]},
                    {"number": 8, "services": ["bao-hiem-xa-hoi"]},
                ],
            },
            "kiosk.buttons[6].service: unknown service 'thue'",
        ),
        ({"hours": {"open": "7h30"}}, "hours.open: must be a time of day \"HH:MM\" (got '7h30')"),
        (
            {"hours": {"special": [{"date": "2026-12-26", "open": "11:30", "close": "07:30"}]}},
            "hours.special[0].close: must be later than open",
        ),
    ],
    ids=["counter-serves-unknown-service", "button-service-removed", "bad-hh-mm", "close-first"],
)
def test_fail__an_invalid_config_is_refused_and_the_previous_one_stays(
    site: Site, body: dict[str, Any], problem: str
) -> None:
    site.push("config", {"version": 1, "notices": [{"text": "Phiên bản một"}]})
    held = site.sync.config
    stored = kv(site.store, "central_config")
    dropped = site.sync.dropped

    message = site.push("config", {"version": 2, **body})

    assert message.startswith("config v2 refused: ")
    assert problem in message
    refused = events(site.store, "config.refused")
    assert len(refused) == 1 and refused[0]["version"] == 2
    assert any(problem in line for line in refused[0]["problems"])
    assert kv(site.store, "central_config") == stored
    assert site.sync.config is held
    assert site_config(site.files.path, site.db_path).display.notice == "Phiên bản một"
    assert site.sync.dropped == dropped + 1
    # A refused version is not used up: central's corrected v2 applies.
    assert site.push("config", {"version": 2, "notices": [{"text": "Đã sửa"}]}).startswith(
        "config v2 applied"
    )
    assert site.sync.config.display.notice == "Đã sửa"


def test_ok__notices_longer_than_the_wall_line_are_cut_and_the_rest_still_applies(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    # The contract takes 10 notices of 300 characters; the wall's line holds 500.
    sentence = "Trung tâm tiếp nhận hồ sơ đất đai và công chứng từ 7 giờ 30 đến 17 giờ. "
    first = (sentence * 5)[:300].strip()
    second = (sentence * 3)[:190].strip()
    assert (len(first), len(second)) == (300, 190)
    others = [(f"Thông báo số {n}: " + sentence * 5)[:300].strip() for n in range(8)]
    notices = [first, second, *others]
    doc = central_config(site.files.raw)
    doc["notices"] = [{"text": text} for text in notices]
    validate("config", doc)  # a valid message of the contract

    with caplog.at_level(logging.WARNING, logger="kiosk.config"):
        message = site.push("config", doc)

    assert message == "config v1 applied (counters, hours, notices, services)"
    notice = site.sync.config.display.notice
    # The cut falls inside the bullet after the second notice: the line ends with it.
    assert notice == f"{first}   •   {second}…"
    assert len(notice) <= 500
    assert site.sync.config.service("cong-chung").name == "Công chứng"
    assert site.sync.config.hours.closed_dates == (dt.date(2027, 1, 1),)
    assert site_config(site.files.path, site.db_path).display.notice == notice
    assert any(
        "notices are" in r.getMessage() and "the wall shows the first 500" in r.getMessage()
        for r in caplog.records
    )
    assert events(site.store, "config.refused") == []


def test_ok__a_notice_line_is_nfc_and_a_cut_keeps_a_notices_own_bullet() -> None:
    from kiosk.config._overlay import notice_line

    decomposed = unicodedata.normalize("NFD", "Nghỉ lễ Quốc khánh 2/9")
    short = notice_line([decomposed, " Làm việc bình thường từ 3/9 "])
    assert short == "Nghỉ lễ Quốc khánh 2/9   •   Làm việc bình thường từ 3/9"
    assert unicodedata.is_normalized("NFC", short)
    # A notice that ends with a bullet of its own, cut just after it: the bullet stays.
    first = ("Thủ tục đất đai " * 40)[:497] + " •"
    assert len(first) == 499
    cut = notice_line([first, "Công chứng"])
    assert cut == f"{first}…" and len(cut) == 500
    # A cut inside the bullet between two notices ends at the first one's end.
    head = "Hồ sơ đất đai " * 35 + "Đất đai"  # 497 characters: the cut falls in the bullet
    assert len(head) == 497
    assert notice_line([head, "Đăng ký kinh doanh"]) == f"{head}…"
    # Cut inside a notice: whole letters, NFC, no trailing space before "…".
    long = notice_line([unicodedata.normalize("NFD", "Hộ tịch, chứng thực " * 40)])
    assert unicodedata.is_normalized("NFC", long) and len(long) == 500
    assert long.endswith("…") and not long[:-1].endswith(" ")


def test_ok__retained_config_applies_when_the_device_connects_and_only_once(
    idle_site: Site,
) -> None:
    site = idle_site
    site.central.publish(site.topics.config, central_config(site.files.raw), retain=True)
    site.start()
    site.run_until(lambda: bool(site.applied), "the retained config")
    assert site.applied == [("config", "config v1 applied (counters, hours, notices, services)")]
    assert site.sync.config.display.notice.startswith("Từ 01/12")
    # A restart gets the retained message again: the version it holds already.
    site.stop()
    site.start(site_config(site.files.path, site.db_path))  # as `kiosk run sync` loads it
    site.run_until(lambda: len(site.applied) == 2, "the retained config again")
    assert site.applied[1] == ("config", "config v1 ignored: v1 is already applied")
    assert len(events(site.store, "config.applied")) == 1
    assert site.sync.config.service("cong-chung").name == "Công chứng"


def test_fail__config_number_too_big_for_a_float_is_refused_not_crashed(site: Site) -> None:
    # 10**400 is a JSON integer the schema takes ("type": "number"); the config check
    # turns it into a float. It must be refused like any other bad value.
    services = services_plus_cong_chung(site.files.raw)
    services[0]["service_minutes"] = 10**400
    doc = {
        "version": 1,
        "services": services,
        "counters": [{"number": 1, "services": ["dat-dai", "cong-chung"]}],
    }
    site.central.publish(site.topics.config, doc, retain=True)
    site.marker()
    assert [kind for kind, _ in site.applied] == ["config", "dossiers"], (
        "the config message was neither applied nor refused (an exception escaped)"
    )
    assert "refused" in site.applied[0][1] and "service_minutes" in site.applied[0][1]
    assert len(events(site.store, "config.refused")) == 1
    assert kv(site.store, "central_config") is None


def test_fail__config_text_with_a_lone_surrogate_is_dropped_not_crashed(site: Site) -> None:
    # "\ud800" is a JSON escape json.loads takes, but no UTF-8 (nor SQLite) can hold it.
    services = [dict(s) for s in site.files.raw["services"]]
    services[0]["name"] = "Đất \ud800 đai"
    payload = json.dumps({"version": 1, "services": services}).encode()
    assert b"\\ud800" in payload
    dropped = site.sync.dropped
    site.central.publish(site.topics.config, payload, retain=True)
    site.marker()
    assert site.sync.dropped == dropped + 1, (
        "the config was neither dropped nor refused (an exception escaped)"
    )
    assert kv(site.store, "central_config") is None


def test_fail__config_names_that_break_the_text_rule_are_refused(site: Site) -> None:
    services = [dict(s) for s in site.files.raw["services"]]
    dropped = site.sync.dropped
    services[0]["name"] = "Đất đai\x1b[2J"  # the schema's pattern says no
    site.central.publish(site.topics.config, {"version": 1, "services": services}, retain=True)
    site.marker()
    assert site.sync.dropped == dropped + 1
    services[0]["name"] = "Đất đai \ue000"  # the same check as config.toml's says no
    message = site.push("config", {"version": 1, "services": services})
    problem = "services[0].name: must not contain characters no font draws (U+E000)"
    assert message == f"config v1 refused: {problem}"
    assert events(site.store, "config.refused") == [{"version": 1, "problems": [problem]}]
    assert kv(site.store, "central_config") is None
    services[0]["name"] = unicodedata.normalize("NFD", "Đất đai - Nhà ở")
    assert site.push("config", {"version": 1, "services": services}).startswith("config v1 applied")
    assert site.sync.config.services[0].name == "Đất đai - Nhà ở"


# -- dossiers -------------------------------------------------------------------------


def test_ok__dossiers_land_in_the_cache_newest_version_wins_bad_ones_alone_skipped(
    site: Site,
) -> None:
    dropped = site.sync.dropped
    first = site.push(
        "dossiers",
        {
            "ts": "2026-11-23T02:00:00Z",
            "dossiers": [
                dossier(1, version=2),
                dossier(2, code="hello"),  # not a dossier code
                dossier(3, applicant="Công ty TNHH Minh Phát", status="Đã xử lý xong"),
                dossier(4, received_at="2026-02-30T08:00:00"),  # no 30 February
            ],
        },
    )
    assert first.startswith("dossiers: 2 written, 0 not newer, 2 refused (dossiers[1]: code:")
    assert site.sync.dropped == dropped + 1  # the message, not each record
    one, three = find(site.store, dossier(1)["code"]), find(site.store, dossier(3)["code"])
    assert one is not None and three is not None
    assert find(site.store, dossier(4)["code"]) is None
    assert (one.applicant, one.status, one.version) == ("Nguyễn V*** A", 4, 2)
    assert (three.applicant, three.status) == ("Công ty TNHH Minh Phát", 9)
    assert one.received_at == at(8, 0)
    raw_names = site.store.conn.execute("SELECT applicant FROM dossiers").fetchall()
    assert ("Nguyễn Văn An",) not in raw_names  # never stored unmasked

    second = site.push(
        "dossiers",
        {
            "dossiers": [
                dossier(1, version=1, procedure="Bản cũ"),  # older than the cached v2
                dossier(1, version=2, procedure="Cùng phiên bản"),  # equal: not newer either
                dossier(3, version=5, status=10, returned_at="2026-11-23T09:30:00+07:00"),
            ]
        },
    )
    assert second == "dossiers: 1 written, 2 not newer"
    one, three = find(site.store, dossier(1)["code"]), find(site.store, dossier(3)["code"])
    assert one is not None and three is not None
    assert (one.procedure, one.version) == ("Cấp giấy chứng nhận quyền sử dụng đất", 2)
    assert (three.status, three.version, three.returned_at) == (10, 5, at(9, 30))


# -- procedures -----------------------------------------------------------------------


def test_ok__procedures_land_in_the_catalogue_newest_wins_bad_ones_alone_skipped(
    site: Site,
) -> None:
    dropped = site.sync.dropped
    first = site.push(
        "procedures",
        {
            "procedures": [
                catalogue_record() | {"version": 2},
                catalogue_record(MATTHC="1.000894", TENTTHC="Đăng ký kết hôn"),
                catalogue_record(MATTHC="1.000895") | {"name": " "},  # blank after trimming
            ]
        },
    )
    assert first == "procedures: 2 written, 0 not newer, 1 refused (procedures[2]: name: missing)"
    assert site.sync.dropped == dropped + 1
    assert procedures.count(site.store.conn) == 2
    second = site.push(
        "procedures",
        {
            "procedures": [
                catalogue_record() | {"version": 1, "name": "Cũ"},
                catalogue_record() | {"version": 3, "name": "Đăng ký khai sinh (mới)"},
            ]
        },
    )
    assert second == "procedures: 1 written, 1 not newer"
    found = procedures.by_code(site.store.conn, "1.001193")
    assert found is not None and (found.name, found.version) == ("Đăng ký khai sinh (mới)", 3)
    assert [h.code for h in procedures.search(site.store.conn, "khai sinh moi")] == [found.code]


def test_ok__resync_procedures_asks_central_through_an_event(site: Site) -> None:
    site.push("procedures", {"procedures": [catalogue_record()]})
    result = site.command("resync_procedures")
    assert (result["ok"], result["code"]) == (True, "done")
    assert events(site.store, "procedures.resync_requested") == [{"cached": 1}]


def catalogue_record(**changes: Any) -> dict[str, Any]:
    """A procedure in this project's format, from the portal record of the catalogue tests."""
    return parse_record(portal(**changes), 7).to_record()


# -- commands -------------------------------------------------------------------------


def test_ok__call_next_calls_the_waiting_ticket_and_says_who(site: Site) -> None:
    (number,) = site.issue("dat-dai")
    result = site.command("call_next", "call-1", args={"counter": 1}, ts="2026-11-23T03:00:00Z")
    assert (result["ok"], result["code"], result["cmd"]) == (True, "done", "call_next")
    assert result["message"] == f"{number} called to counter 1"
    assert result["data"]["called"]["number"] == number
    assert site.ticket(number) == ("called", 1)
    found = commands.find(site.store, "call-1")
    assert found is not None and found.state == "done"

    nobody = site.command("call_next", args={"counter": 3})
    assert (nobody["ok"], nobody["code"]) == (True, "nobody_waiting")
    assert nobody["data"]["called"] is None


def test_ok__recall_announces_the_number_again(site: Site) -> None:
    (number,) = site.issue("dat-dai")
    site.command("call_next", args={"counter": 1})
    result = site.command("recall", args={"counter": 1})
    assert (result["ok"], result["code"], result["data"]) == (
        True,
        "done",
        {"number": number, "counter": 1},
    )
    kinds = site.store.conn.execute("SELECT kind FROM calls ORDER BY id").fetchall()
    assert kinds == [("call",), ("recall",)]
    not_serving = site.command("recall", args={"counter": 3})
    assert (not_serving["ok"], not_serving["code"]) == (False, "not_serving")


def test_ok__notice_shows_on_the_wall_and_an_empty_one_clears_it(site: Site) -> None:
    result = site.command("notice", args={"text": "Chiều nay nghỉ từ 15:00", "minutes": 30})
    assert (result["ok"], result["code"]) == (True, "done")
    board = ticketing.read_board(site.store, site.sync.config, now=site.clock())
    assert board.notice == "Chiều nay nghỉ từ 15:00"
    stored = json.loads(kv(site.store, "notice"))
    assert stored["text"] == "Chiều nay nghỉ từ 15:00"
    assert stored["until"] == pytest.approx(site.clock() + 1800, abs=5)
    later = ticketing.read_board(site.store, site.sync.config, now=site.clock() + 1801)
    assert later.notice == site.files.config.display.notice

    cleared = site.command("notice", args={"text": ""})
    assert (cleared["ok"], cleared["message"]) == (True, "notice cleared")
    board = ticketing.read_board(site.store, site.sync.config, now=site.clock())
    assert board.notice == site.files.config.display.notice


def test_ok__reprint_is_done_by_the_kiosk_desk_and_answered(site: Site) -> None:
    config = site.files.config
    printer = PagePrinter(config.printer)
    with Store(site.db_path) as desk_store:
        desk = Desk(config, desk_store, printer, clock=site.clock)
        site.issue("dat-dai")
        (last,) = site.issue("thue")
        site.hooks.append(desk.poll)
        result = site.command("reprint")
        site.hooks.clear()
    assert (result["ok"], result["code"], result["data"]) == (True, "done", {"number": last})
    assert printer.virtual.jobs == 1
    assert [e["number"] for e in events(site.store, "ticket.reprinted")] == [last]
    found = commands.find(site.store, result["id"])
    assert found is not None and found.state == "done"


def test_fail__reprint_with_no_kiosk_running_is_answered_after_the_timeout(site: Site) -> None:
    site.issue("dat-dai")
    sent = time.monotonic()
    result = site.command("reprint", "reprint-1")
    waited = time.monotonic() - sent
    assert (result["ok"], result["code"]) == (False, "kiosk_not_running")
    assert 1.0 <= waited < 5.0  # command_timeout_seconds = 1
    found = commands.find(site.store, "reprint-1")
    assert found is not None and found.state == "failed"
    assert commands.claim(site.store, "reprint", now=site.clock(), max_age=60) is None


def recorded(site: Site, command_id: str) -> Callable[[], bool]:
    return lambda: commands.find(site.store, command_id) is not None


def test_ok__a_reprint_waiting_when_sync_restarts_is_still_answered(site: Site) -> None:
    site.issue("dat-dai")
    site.central.publish(site.topics.cmd, {"id": "reprint-r", "cmd": "reprint"})
    site.run_until(recorded(site, "reprint-r"), "the reprint recorded")
    site.stop()  # before its deadline: the new run must pick it up from the database
    site.start()
    result = site.result("reprint-r")
    assert (result["ok"], result["code"]) == (False, "kiosk_not_running")
    found = commands.find(site.store, "reprint-r")
    assert found is not None and found.state == "failed"


def test_fail__the_kiosk_does_not_print_a_reprint_older_than_the_timeout(site: Site) -> None:
    config = site.files.config
    printer = PagePrinter(config.printer)
    site.issue("dat-dai")
    timeout = config.sync.command_timeout_seconds
    # Left pending by a sync daemon that stopped before it could give up on it.
    commands.record(site.store, "old", "reprint", {}, now=site.clock() - 2 * timeout)
    with Store(site.db_path) as desk_store:
        desk = Desk(config, desk_store, printer, clock=site.clock)
        assert desk.reprint() is None
        desk.poll()
        assert printer.virtual.jobs == 0
        commands.record(site.store, "new", "reprint", {}, now=site.clock())
        done = desk.reprint()
    assert done is not None and done.ok
    assert printer.virtual.jobs == 1
    old, new = commands.find(site.store, "old"), commands.find(site.store, "new")
    assert old is not None and old.state == "pending"
    assert new is not None and new.state == "done"


def test_ok__a_reprint_printed_while_sync_was_down_is_answered_when_it_is_back(
    site: Site,
) -> None:
    config = site.files.config
    printer = PagePrinter(config.printer)
    (number,) = site.issue("dat-dai")
    site.central.publish(site.topics.cmd, {"id": "reprint-b", "cmd": "reprint"})
    site.run_until(recorded(site, "reprint-b"), "the reprint recorded")
    site.stop()
    with Store(site.db_path) as desk_store:  # the kiosk prints it meanwhile
        done = Desk(config, desk_store, printer, clock=site.clock).reprint()
    assert done is not None and done.ok and printer.virtual.jobs == 1
    assert site.central.results("reprint-b") == []
    site.start()
    result = site.result("reprint-b")
    assert (result["ok"], result["code"], result["data"]) == (True, "done", {"number": number})
    assert commands.unanswered(site.store) == []


def test_fail__a_reprint_claimed_by_a_kiosk_that_died_is_answered_interrupted(
    site: Site,
) -> None:
    # The printer's time to print is part of the wait: keep it short here.
    config = site.files.config
    site.stop()
    site.start(dataclasses.replace(
        config, printer=dataclasses.replace(config.printer, timeout_seconds=0.5)
    ))  # fmt: skip
    site.issue("dat-dai")
    site.central.publish(site.topics.cmd, {"id": "reprint-d", "cmd": "reprint"})
    site.run_until(recorded(site, "reprint-d"), "the reprint recorded")
    claimed = commands.claim(site.store, "reprint", now=site.clock(), max_age=60)
    assert claimed is not None and claimed.id == "reprint-d"  # ... and then nothing
    sent = time.monotonic()
    result = site.result("reprint-d")
    assert (result["ok"], result["code"]) == (False, "interrupted")
    assert time.monotonic() - sent >= 1.0  # it had its time to print first
    found = commands.find(site.store, "reprint-d")
    assert found is not None and found.state == "failed"


def test_ok__resync_dossiers_asks_central_through_an_event(site: Site) -> None:
    with site.store.change(site.clock()) as tx:
        upsert(tx, [parse_dossier(dossier(1), "Asia/Ho_Chi_Minh")])
    result = site.command("resync_dossiers")
    assert (result["ok"], result["code"]) == (True, "done")
    assert events(site.store, "dossiers.resync_requested") == [{"cached": 1}]


def test_fail__refused_commands_say_why_and_change_no_ticket(site: Site) -> None:
    (number,) = site.issue("dat-dai")
    ticketing.pause(site.store, site.sync.config, 1, "Họp giao ban", now=site.clock())
    paused = site.command("call_next", args={"counter": 1})
    assert (paused["ok"], paused["code"]) == (False, "paused")
    assert "Họp giao ban" in paused["message"]
    unknown = site.command("call_next", args={"counter": 42})
    assert (unknown["ok"], unknown["code"]) == (False, "unknown_counter")
    assert "unknown counter 42" in unknown["message"]
    no_counter = site.command("call_next")
    assert (no_counter["ok"], no_counter["code"]) == (False, "invalid")
    assert site.ticket(number) == ("waiting", None)


def test_fail__an_expired_command_is_refused_not_carried_out(site: Site) -> None:
    (number,) = site.issue("dat-dai")
    late = site.command("call_next", args={"counter": 2}, expires="2026-11-23T02:00:00Z")
    assert (late["ok"], late["code"]) == (False, "expired")  # 09:00 local; it is 10:00
    assert site.ticket(number) == ("waiting", None)
    in_time = site.command("call_next", args={"counter": 2}, expires="2026-11-23T05:00:00Z")
    assert (in_time["ok"], in_time["code"]) == (True, "done")
    assert site.ticket(number) == ("called", 2)


def test_ok__a_command_delivered_twice_runs_once_and_is_answered_twice(site: Site) -> None:
    first, second = site.issue("dat-dai", 2)
    one = site.command("call_next", "twice-1", args={"counter": 1})
    two = site.command("call_next", "twice-1", answers=2, args={"counter": 1})
    assert len(site.central.results("twice-1")) == 2
    assert {k: v for k, v in one.items() if k != "ts"} == {
        k: v for k, v in two.items() if k != "ts"
    }
    assert one["data"]["called"]["number"] == first
    assert site.ticket(first) == ("called", 1)
    assert site.ticket(second) == ("waiting", None)
    assert len(events(site.store, "ticket.called")) == 1


def test_fail__invalid_command_with_a_readable_id_is_answered_invalid(site: Site) -> None:
    before = snapshot(site.store)
    dropped = site.sync.dropped
    result = site.command("self_destruct", "bad-1", args={"counter": 1})
    assert (result["ok"], result["code"]) == (False, "invalid")
    assert "cmd" in result["message"] and "cmd" not in result
    huge = site.command("notice", "bad-2", args={"text": "x" * 501})
    assert (huge["ok"], huge["code"]) == (False, "invalid")
    assert snapshot(site.store) == before
    assert site.sync.dropped == dropped + 2


def test_fail__a_command_without_an_id_gets_no_answer_and_changes_nothing(site: Site) -> None:
    (number,) = site.issue("dat-dai")
    before = snapshot(site.store)
    dropped = site.sync.dropped
    site.central.publish(site.topics.cmd, {"cmd": "call_next", "args": {"counter": 1}})
    site.central.publish(site.topics.cmd, {"id": "", "cmd": "call_next", "args": {"counter": 1}})
    site.run_until(lambda: site.sync.dropped == dropped + 2, "both dropped")
    assert snapshot(site.store) == before
    # Results come in order: once the next command's answer is in, none came for those.
    site.command("notice", "marker", args={"text": "x"})
    assert [r["id"] for r in site.central.results()] == ["marker"]
    assert site.ticket(number) == ("waiting", None)


def test_fail__deeply_nested_command_with_an_id_is_answered_invalid(site: Site) -> None:
    depth = 600  # json.loads takes it; a recursive check of it may not
    payload = (
        '{"id":"deep-1","cmd":"notice","args":{"text":' + "[" * depth + "]" * depth + "}}"
    ).encode()
    dropped = site.sync.dropped
    site.central.publish(site.topics.cmd, payload)
    site.command("notice", "marker", args={"text": "x"})
    first, *_ = site.central.results()
    assert first["id"] == "deep-1", "deep-1 got no answer"
    assert (site.central.results("deep-1")[0]["code"]) == "invalid"
    assert site.sync.dropped == dropped + 1


def test_fail__notice_with_a_lone_surrogate_is_answered_not_lost(site: Site) -> None:
    payload = json.dumps({"id": "sur-1", "cmd": "notice", "args": {"text": "a\udc80b"}}).encode()
    site.central.publish(site.topics.cmd, payload)
    site.command("notice", "marker", args={"text": "x"})
    first, *_ = site.central.results()
    assert first["id"] == "sur-1", "sur-1 got no answer"
    assert site.central.results("sur-1")[0]["ok"] is False


def test_fail__a_notice_with_control_or_hidden_characters_is_answered_and_logged(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    assert site.command("notice", args={"text": "Thông báo cũ"})["ok"] is True
    notices = events(site.store, "notice.set")
    dropped = site.sync.dropped
    with caplog.at_level(logging.WARNING, logger="sync"):
        # ESC [2J is refused by the contract's schema; a private-use character, which a
        # schema pattern cannot list, by the rule config.toml's text follows.
        escape = site.command("notice", "esc-1", args={"text": "Nghỉ \x1b[2J"})
        undrawn = site.command("notice", "pua-1", args={"text": "Nghỉ \ue000"})
        newline = site.command("notice", "nl-1", args={"text": "Dòng 1\nDòng 2"})
    assert (escape["ok"], escape["code"]) == (False, "invalid")
    assert escape["message"] == (
        "command: args.text: must not contain control or invisible characters"
    )
    assert (newline["ok"], newline["code"]) == (False, "invalid")
    assert (undrawn["ok"], undrawn["code"], undrawn["message"]) == (
        False, "invalid", "notice: must not contain characters no font draws (U+E000)",
    )  # fmt: skip
    assert site.sync.dropped == dropped + 2
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("args.text: must not contain control" in line for line in logged), logged
    assert any(line.startswith("command pua-1 refused (invalid): notice:") for line in logged)
    assert events(site.store, "notice.set") == notices
    board = ticketing.read_board(site.store, site.sync.config, now=site.clock())
    assert board.notice == "Thông báo cũ"
    # Still answering: the daemon did not stop at them.
    assert site.command("notice", args={"text": ""})["ok"] is True


def test_ok__a_decomposed_notice_from_central_is_shown_nfc(site: Site) -> None:
    nfd = unicodedata.normalize("NFD", "Chiều nay nghỉ từ 16 giờ")
    assert site.command("notice", args={"text": nfd})["ok"] is True
    board = ticketing.read_board(site.store, site.sync.config, now=site.clock())
    assert board.notice == "Chiều nay nghỉ từ 16 giờ"
    assert events(site.store, "notice.set")[-1]["text"] == "Chiều nay nghỉ từ 16 giờ"


# -- acks -----------------------------------------------------------------------------


def test_ok__acks_prune_the_outbox_only_when_they_are_for_it(site: Site) -> None:
    with site.store.change(site.clock()) as tx:
        for n in range(3):
            tx.event("test.produced", {"n": n})
    box = outbox.state(site.store)
    assert (box.acked, box.last, box.held) == (0, 3, 3)
    dropped = site.sync.dropped

    site.ack(3, db="f" * 32)  # another database's ack: ignored, not an error
    site.ack(box.last + 1)  # beyond what was written: refused
    site.run_until(lambda: site.sync.dropped == dropped + 1, "the ack beyond the last event")
    assert outbox.state(site.store) == box
    assert site.sync.acked == 0

    site.ack(2)
    site.run_until(lambda: site.sync.acked == 2, "ack 2")
    assert outbox.state(site.store) == outbox.Outbox(box.db, 2, 3, 1)
    assert [row[0] for row in site.store.conn.execute("SELECT seq FROM events")] == [3]
    assert site.sync.dropped == dropped + 1


# -- messages that break the contract -------------------------------------------------


def test_fail__invalid_inbound_messages_are_dropped_and_change_nothing(site: Site) -> None:
    topics = site.topics
    db = site.sync.db
    over = b'{"version": 1}' + b" " * (256 * 1024)  # valid JSON, over the config limit
    bad: list[tuple[str, bytes]] = [
        (topics.config, b"{version: 1"),
        (topics.config, b'{"version": 1, "ts": "\xff\xfe"}'),
        (topics.config, b'{"version": NaN}'),
        (topics.config, b'{"version": 1e999}'),
        (topics.config, b'{"version": 1, "version": 2}'),
        (topics.config, over),
        (topics.config, b'{"version": "1"}'),
        (topics.config, b'{"version": 1, "services": []}'),
        (topics.config, b'{"version": 1, "colour": "red"}'),
        (topics.config, b"[1, 2]"),
        (topics.dossiers, b'{"dossiers": []}'),
        (
            topics.dossiers,
            b'{"dossiers": [{"code": "x", "procedure": "p", "status": 1, "version": Infinity}]}',
        ),
        (topics.dossiers, b"\x00\x01\x02"),
        (topics.ack, json.dumps({"seq": -1, "db": db}).encode()),
        (topics.ack, json.dumps({"seq": 1.5, "db": db}).encode()),
        (topics.ack, json.dumps({"seq": 1, "db": db.upper()}).encode()),
        (topics.cmd, b"\xc3\x28"),
        (topics.cmd, b'{"cmd": "notice", "args": {"text": "x"}}'),
    ]
    # Topics the daemon is not subscribed to never come through the broker; paho's
    # callback would queue them the same way, so they go straight onto its inbox.
    valid_config = json.dumps({"version": 1, "notices": [{"text": "Không phải của tôi"}]})
    valid_call = json.dumps({"id": "other-1", "cmd": "call_next", "args": {"counter": 1}})
    injected: list[tuple[str, bytes]] = [
        ("hcc/v1/hcc-ha-noi/config", valid_config.encode()),
        (f"hcc/v1/{SITE}/site-controller-02/cmd", valid_call.encode()),
        (f"hcc/v1/{SITE}/site-controller-02/ack", json.dumps({"seq": 1, "db": db}).encode()),
        (
            topics.result,
            json.dumps({"id": "x", "ok": True, "code": "done", "message": "m"}).encode(),
        ),
        (topics.events, b"{}"),
        (f"hcc/v2/{SITE}/config", valid_config.encode()),
        ("somewhere/else", valid_config.encode()),
    ]
    site.issue("dat-dai")
    before = snapshot(site.store)
    dropped = site.sync.dropped
    for topic, payload in bad:
        site.central.publish(topic, payload)
    for topic, payload in injected:
        site.sync.client.inbox.put(Happened("message", topic=topic, payload=payload))
    expected = dropped + len(bad) + len(injected)
    site.run_until(lambda: site.sync.dropped >= expected, "every bad message dropped")
    assert site.sync.dropped == expected
    assert snapshot(site.store) == before
    assert site.applied == [] and site.central.results() == []
    # The daemon keeps working.
    assert site.push("config", {"version": 1, "notices": [{"text": "Vẫn chạy"}]}).startswith(
        "config v1 applied"
    )
    assert site.sync.config.display.notice == "Vẫn chạy"


# -- the property test: fuzzed payloads straight into the daemon's handling ------------


@dataclass(frozen=True)
class Deep:
    depth: int  # dumped as that many nested arrays


NEXT = object()  # the version after the one applied (so configs keep getting through)
SELF_DB = object()  # the daemon's own database identity


def dump(value: Any, daemon: SyncDaemon) -> str:
    if value is NEXT:
        return str(config_version(daemon.store) + 1)
    if value is SELF_DB:
        return json.dumps(daemon.db)
    if isinstance(value, Deep):
        return "[" * value.depth + "]" * value.depth
    if isinstance(value, dict):
        items = (f"{json.dumps(k)}:{dump(v, daemon)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(v, daemon) for v in value) + "]"
    return json.dumps(value)  # ASCII: odd characters and lone surrogates as \u escapes


BASE = example_raw()
SERVICE_IDS = [s["id"] for s in BASE["services"]]
BIG_INTS = st.sampled_from([0, -1, 2**31, 2**53 - 1, 2**53, 2**63, -(2**63), 10**30, 10**400])
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
ODD_TEXTS = [
    "",
    " ",
    "\x00",
    "a\nb",
    "\u202e",
    "\ud800",
    "x\udc80y",
    "Đất đai",
    "a" * 600,
    "07:30",
    "24:00",
    "25:61",
]
TEXTS = st.one_of(st.text(max_size=20), st.sampled_from(ODD_TEXTS))


def texts(longest: int, *, shortest: int = 0) -> st.SearchStrategy[str]:
    """Text the schema takes (by length), odd characters included."""
    return TEXTS.filter(lambda text: shortest <= len(text) <= longest)


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), BIG_INTS, FLOATS, TEXTS)
WILD = st.one_of(
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXTS, inner, max_size=3),
        max_leaves=6,
    ),
    st.builds(Deep, st.integers(1, 3000)),
)
TIMES = st.sampled_from(
    ["00:00", "07:30", "11:30", "13:00", "17:00", "23:59", "24:00", "", "25:00", "7:30", "07:60"]
)
DATES = st.sampled_from(["2026-11-24", "2027-01-01", "2026-02-30", "", "tomorrow"])
WHEN = st.one_of(
    st.none(),
    st.integers(-10, 5_000_000_000),
    BIG_INTS,
    FLOATS,
    st.sampled_from(
        [
            "2026-11-23",
            "2026-11-23T08:00:00+07:00",
            "2026-11-23 08:00",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "2026-02-30",
            "",
            "noon",
            "2100-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
        ]
    ),
)
NAMES = st.one_of(
    st.sampled_from(["Nguyễn Văn An", "Lê Thị Hồng Nhung", "An", "Công ty ABC", "  ", "\ud800"]),
    TEXTS,
)
EXPIRES = st.sampled_from(
    [
        "2026-11-23T02:00:00Z",
        "2026-11-23T05:00:00Z",
        "2030-01-01",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-23:59",
        "soon",
        "",
    ]
)

# Each kind comes "clean" (every value of the type and size its schema asks for, extremes
# and nonsense within that) and "dirty" (any value may be anything, extra keys appear).
Wrap = Callable[[st.SearchStrategy[Any]], st.SearchStrategy[Any]]


def clean(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy


def dirty(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return strategy | WILD


def with_extra(v: Wrap, doc: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    if v is clean:
        return doc
    return st.tuples(doc, st.dictionaries(TEXTS, WILD, max_size=2)).map(
        lambda pair: {**pair[1], **pair[0]} if pair[1] else pair[0]
    )


SERVICE_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "name": st.sampled_from(["Đất đai", "Công chứng"]) | NAMES.filter(lambda n: len(n) <= 200),
    "prefix": st.sampled_from(["A", "G", "H", "Z", "AA", "", "a"]),
    "digits": st.integers(0, 7) | BIG_INTS,
    "band": st.lists(st.integers(0, 10**6) | BIG_INTS, max_size=2),
    "daily_cap": st.integers(-1, 2000) | BIG_INTS,
    "service_minutes": st.integers(-1, 100) | FLOATS | BIG_INTS,
    "open": TIMES,
    "close": TIMES,
}


def config_docs(v: Wrap) -> st.SearchStrategy[Any]:
    service = with_extra(
        v,
        st.fixed_dictionaries(
            {
                "id": v(st.sampled_from([*SERVICE_IDS, "cong-chung", "Bad Id"])),
                "name": v(SERVICE_VALUES["name"]),
            },
            optional={key: v(values) for key, values in SERVICE_VALUES.items() if key != "name"},
        ),
    )
    # The example's services with one value changed: most such configs still fit.
    changed = (
        st.sampled_from(sorted(SERVICE_VALUES))
        .flatmap(
            lambda key: st.tuples(
                st.integers(0, len(BASE["services"]) - 1), st.just(key), v(SERVICE_VALUES[key])
            )
        )
        .map(
            lambda t: [
                {**s, t[1]: t[2]} if i == t[0] else s for i, s in enumerate(BASE["services"])
            ]
        )
    )
    services = st.one_of(
        st.just(BASE["services"]),
        st.just(BASE["services"]),
        changed,
        changed,
        st.lists(service, min_size=1, max_size=3),
    )
    counter = with_extra(
        v,
        st.fixed_dictionaries(
            {"number": v(st.integers(1, 10) | st.integers(1, 999))},
            optional={
                "name": v(NAMES.filter(lambda n: len(n) <= 200)),
                "staff_id": v(texts(100)),
                "services": v(st.lists(st.sampled_from([*SERVICE_IDS, "cong-chung"]), max_size=3)),
            },
        ),
    )
    special = st.fixed_dictionaries({"date": v(DATES), "open": v(TIMES), "close": v(TIMES)})
    hours = with_extra(
        v,
        st.fixed_dictionaries(
            {},
            optional={
                "open": v(TIMES),
                "close": v(TIMES),
                "lunch_start": v(TIMES),
                "lunch_end": v(TIMES),
                "last_ticket_minutes": v(st.integers(-1, 300)),
                "days": v(st.lists(st.sampled_from(["mon", "sun", "xyz", ""]), max_size=7)),
                "closed_dates": v(st.lists(DATES, max_size=3)),
                "special": v(st.lists(special, max_size=2)),
            },
        ),
    )
    notice = st.fixed_dictionaries({"text": v(NAMES.filter(lambda n: 1 <= len(n) <= 300))})
    notices = st.lists(notice, max_size=10 if v is clean else 12)
    versions = st.one_of(st.just(NEXT), st.just(NEXT), st.integers(1, 3))
    return with_extra(
        v,
        st.fixed_dictionaries(
            {"version": v(versions) if v is clean else versions | BIG_INTS | WILD},
            optional={
                "ts": v(texts(40)),
                "services": v(services),
                "counters": v(st.lists(counter, min_size=1, max_size=4)),
                "hours": v(hours),
                "notices": v(notices),
            },
        ),
    )


def dossier_docs(v: Wrap) -> st.SearchStrategy[Any]:
    codes = st.one_of(
        st.integers(1, 30).map(lambda n: dossier(n)["code"]),
        st.integers(1, 30).map(lambda n: dossier(n)["code"]),
        st.sampled_from(
            [
                "hello",
                "",
                "1.011442.000.00.00.H38",
                "000.00.04.G14-261332-0001",
                "000.00.04.g14-261123-0042",
                "x" * 512,
            ]
        ),
        texts(512),
    )
    statuses = st.one_of(st.integers(-1, 12), st.sampled_from([*STATUSES.values(), "4", " 10 "]))
    optional_text = st.none() | texts(500)
    step = with_extra(
        v,
        st.fixed_dictionaries(
            {},
            optional={
                "unit": v(optional_text),
                "handler": v(st.none() | NAMES),
                "at": v(WHEN),
                "content": v(optional_text),
                "deadline": v(WHEN),
            },
        ),
    )
    record = with_extra(
        v,
        st.fixed_dictionaries(
            {
                "code": v(codes),
                "procedure": v(texts(500)),
                "status": v(statuses),
                "version": v(st.integers(0, 5) | BIG_INTS),
            },
            optional={
                "applicant": v(st.none() | NAMES.filter(lambda n: len(n) <= 500)),
                "received_at": v(WHEN),
                "due_at": v(WHEN),
                "returned_at": v(WHEN),
                "steps": v(st.none() | st.lists(step, max_size=3)),
                "pickup": v(optional_text),
                "fee": v(optional_text),
                "pickup_counter": v(st.none() | st.integers(-1, 1000) | BIG_INTS),
            },
        ),
    )
    return with_extra(
        v,
        st.fixed_dictionaries(
            {"dossiers": v(st.lists(record, min_size=1, max_size=5))}, optional={"ts": v(texts(40))}
        ),
    )


def command_docs(v: Wrap) -> st.SearchStrategy[Any]:
    ids = st.one_of(
        st.sampled_from(["c-1", "c-2", "c-3"]),
        st.from_regex(r"[A-Za-z0-9._:-]{1,64}", fullmatch=True),
    )
    cmds = st.sampled_from(["call_next", "recall", "notice", "reprint", "resync_dossiers"])
    minutes = st.integers(1, 10080) | st.floats(0, 10080, exclude_min=True)
    args = with_extra(
        v,
        st.fixed_dictionaries(
            {},
            optional={
                "counter": v(st.integers(1, 10) | st.integers(1, 999)),
                "staff": v(texts(100)),
                "text": v(texts(500)),
                "minutes": v(minutes),
            },
        ),
    )
    optional = {"ts": v(texts(40)), "expires": v(EXPIRES | texts(40)), "args": v(args)}
    if v is dirty:
        optional["id"] = v(ids)  # and sometimes no id at all
        return with_extra(v, st.fixed_dictionaries({"cmd": v(cmds)}, optional=optional))
    return st.fixed_dictionaries({"id": ids, "cmd": cmds}, optional=optional)


def ack_docs(v: Wrap) -> st.SearchStrategy[Any]:
    dbs = st.sampled_from([SELF_DB, SELF_DB, "0" * 32])
    return with_extra(
        v,
        st.fixed_dictionaries(
            {
                "seq": v(st.integers(0, 40) | st.just(2**53 - 1)),
                "db": v(dbs) if v is clean else dbs | st.sampled_from(["F" * 32, "abc"]) | WILD,
            },
            optional={"ts": v(texts(40))},
        ),
    )


TOPICS = Topics(SITE, DEVICE)
OWN = {
    "config": TOPICS.config,
    "dossiers": TOPICS.dossiers,
    "command": TOPICS.cmd,
    "ack": TOPICS.ack,
}
FOREIGN = [
    "hcc/v1/hcc-ha-noi/config",
    f"hcc/v1/{SITE}/site-controller-02/cmd",
    TOPICS.result,
    TOPICS.state,
    TOPICS.events,
    f"hcc/v1/{SITE}/{DEVICE}/cmd/extra",
    "hcc/v1",
]
KINDS = {"config": config_docs, "dossiers": dossier_docs, "command": command_docs, "ack": ack_docs}
MESSAGES = st.one_of(
    *(st.tuples(st.just(OWN[kind]), make(clean)) for kind, make in KINDS.items()),
    *(st.tuples(st.just(OWN[kind]), make(clean)) for kind, make in KINDS.items()),
    *(st.tuples(st.just(OWN[kind]), make(dirty)) for kind, make in KINDS.items()),
    st.tuples(st.sampled_from(list(OWN.values())), st.binary(max_size=200)),
    st.tuples(st.sampled_from(FOREIGN), WILD | config_docs(clean) | command_docs(clean)),
)


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Fuzz:
    daemon: SyncDaemon
    files: Files
    db_path: Path
    errors: Errors
    applied: list[str] = field(default_factory=list)  # the daemon's lines, config/dossiers


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    """A daemon that is never started (no broker): messages go to its handling directly."""
    folder = tmp_path_factory.mktemp("fuzz")
    files = site_files(
        folder, {"host": "127.0.0.1", "port": free_port(), "command_timeout_seconds": 1}
    )
    db_path = folder / "kiosk.db"
    daemon = SyncDaemon(files.config, str(db_path), files.raw, files.sources, clock=moving_clock())
    now = daemon.clock()
    for service in ("dat-dai", "dat-dai", "thue", "tu-phap-ho-tich", "xay-dung"):
        ticketing.issue(daemon.store, files.config, service, now=now, printed=True)
    with daemon.store.change(now) as tx:
        upsert(tx, [parse_dossier(dossier(n), "Asia/Ho_Chi_Minh") for n in (1, 2)])
        for n in range(20):
            tx.event("test.produced", {"n": n})
    errors = Errors()
    logging.getLogger("sync").addHandler(errors)
    found = Fuzz(daemon, files, db_path, errors)
    daemon.on_applied = lambda _kind, message: found.applied.append(message)
    yield found
    logging.getLogger("sync").removeHandler(errors)
    daemon.close()


def valid(topic: str, payload: bytes) -> bool:
    kind = {v: k for k, v in OWN.items()}.get(topic)
    if kind is None:
        return False
    try:
        decode(kind, payload)
    except Invalid:
        return False
    except Exception:  # a decode that breaks is not a yes
        return False
    return True


def check_consistent(fuzz: Fuzz) -> None:
    daemon, store = fuzz.daemon, fuzz.daemon.store
    stored = read_central(fuzz.db_path)
    if stored is not None:
        version, body = stored
        assert version == config_version(store)
        assert with_central(fuzz.files.raw, fuzz.files.sources, version, body) == daemon.config
    assert site_config(fuzz.files.path, fuzz.db_path) == daemon.config
    box = outbox.state(store)
    assert box.acked == daemon.acked <= box.last
    lowest = store.conn.execute("SELECT MIN(seq) FROM events").fetchone()[0]
    assert lowest is None or lowest > box.acked
    for command_id, cmd, state, result in store.conn.execute(
        "SELECT id, cmd, state, result FROM commands"
    ).fetchall():
        if state == "pending":
            assert cmd == "reprint", f"command {command_id} ({cmd}) was left unanswered"
        else:
            assert state in ("done", "failed")
            assert {"ok", "code", "message"} <= set(json.loads(result))
    for code, status, applicant in store.conn.execute(
        "SELECT code, status, applicant FROM dossiers"
    ).fetchall():
        assert 1 <= status <= 10
        assert mask_name(applicant) == applicant
        assert find(store, code) is not None


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(message=MESSAGES)
def test_ok__fuzzed_inbound_payloads_never_break_the_daemon(
    fuzz: Fuzz, message: tuple[str, Any]
) -> None:
    topic, doc = message
    daemon = fuzz.daemon
    payload = doc if isinstance(doc, bytes) else dump(doc, daemon).encode()
    fuzz.errors.records.clear()
    before = snapshot(daemon.store)
    dropped, applied = daemon.dropped, len(fuzz.applied)

    daemon._safely(daemon._message, topic, payload)  # paho's messages take this path

    escaped = [
        f"{type(r.exc_info[1]).__name__}: {r.exc_info[1]}" if r.exc_info else r.getMessage()
        for r in fuzz.errors.records
    ]
    assert escaped == [], f"an exception escaped the message handling: {escaped}"
    kind = {v: k for k, v in OWN.items()}.get(topic, "foreign")
    if valid(topic, payload):
        check_consistent(fuzz)
        said = fuzz.applied[-1] if len(fuzz.applied) > applied else ""
        outcome = re.search(r"applied|refused|ignored|written", said)
        event(f"{kind}: valid{f', {outcome[0]}' if outcome else ''}")
    else:
        event(f"{kind}: invalid")
        assert snapshot(daemon.store) == before
        assert daemon.dropped == dropped + 1


# -- a full disk ------------------------------------------------------------------------


@needs_root
def test_fail__acks_on_a_full_disk_give_one_line_then_one_a_minute_then_one_when_it_clears(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sync")
    later = [0.0]  # how far the daemon's clock is ahead of the real one
    with tmpfs(tmp_path / "disk", "8m") as disk:
        site = open_site(tmp_path, disk / "kiosk.db")
        try:
            daemon = site.start(monotonic=lambda: time.monotonic() + later[0])
            site.issue(count=3)
            last = outbox.state(site.store).last
            site.run_until(lambda: daemon.next_seq == last + 1, "the events sent")
            site.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # each commit needs room
            fill(disk)

            def acked(times: int) -> None:
                """Central's ack (again), handled by the daemon ``times`` times in all."""
                site.ack(last)
                site.run_until(lambda: daemon.faults["ack"].failures >= times
                               if "ack" in daemon.faults else False, f"ack {times}")  # fmt: skip

            for times in range(1, 6):  # central acks again and again: one line
                acked(times)
            said = [r.getMessage() for r in caplog.records if r.name == "sync"]
            [first] = [line for line in said if "sync step (ack)" in line]
            assert first.startswith(f"sync step (ack) failed: {disk / 'kiosk.db'}: disk full (")
            later[0] += 61  # a minute on, and it still fails: one more line
            acked(6)
            acked(7)
            [again] = [r.getMessage() for r in caplog.records if "still failing" in r.getMessage()]
            assert again.startswith("sync step (ack) still failing: ")
            assert again.endswith("free some space and try again (5 times in 61 s)")  # 2nd to 6th
            assert outbox.state(site.store).held == last  # nothing let go meanwhile

            (disk / "ballast").unlink()  # room again: the next ack goes in, and it is said
            site.ack(last)
            site.run_until(lambda: outbox.state(site.store).acked == last, "the ack recorded")
            assert outbox.state(site.store).held == 0
            [cleared] = [r.getMessage() for r in caplog.records if "works again" in r.getMessage()]
            assert cleared == "sync step (ack) works again (after 61 s, 7 failures)"
            lines = [r for r in caplog.records if r.name == "sync" and r.levelno >= logging.WARNING]
            assert len([r for r in lines if "(ack)" in r.getMessage()]) == 3
            assert not [r for r in caplog.records if r.exc_info]
            assert "Traceback" not in caplog.text
        finally:
            close_site(site)
