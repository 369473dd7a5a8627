"""The procedure catalogue over MQTT: central checks, versions and publishes it
(``kiosk central procedures``), a device applies it last-writer-wins, refuses a bad record
alone, and asks for all of it again with ``resync_procedures``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import outbox
from kiosk.outbox import Pending
from kiosk.procedures import parse_record
from kiosk.store import iso_utc
from sync import Invalid, Topics, decode, validate
from sync.central import Central, chunks
from sync.central_store import CentralStore
from tests.brokers import Broker
from tests.kiosk.test_procedures import PORTAL, portal
from tests.sync.test_central import (
    AS_ROOT,
    DEVICE,
    NOW,
    SITE,
    central_config,
    dossier,
    kiosk,
    peer,
    running,
    until_subscribed,
    wait_for,
)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    server = Broker(tmp_path / "broker", extra=AS_ROOT).start()
    yield server
    server.stop()


def ours(**changes: Any) -> dict[str, Any]:
    return parse_record(portal(**changes), 7).to_record()


# -- the contract -------------------------------------------------------------------------


def test_ok__a_record_of_ours_is_what_the_contract_carries() -> None:
    validate("procedures", {"procedures": [ours()]})
    for bad, problem in (
        ({"format": "kiosk-procedure/2"}, "procedures[0].format"),
        ({"name": "Đăng ký\x1b[2J"}, "procedures[0].name: must not contain control"),
        ({"online": "muc-do-4"}, "procedures[0].online"),
        ({"version": -1}, "procedures[0].version"),
        ({"extra": 1}, "procedures[0]"),
    ):
        with pytest.raises(Invalid, match=r"procedures: " + problem.replace("[", r"\[")):
            validate("procedures", {"procedures": [ours() | bad]})


def test_ok__central_sends_at_most_100_records_or_900_kib_a_message() -> None:
    small = [ours(MATTHC=f"1.{n:06d}") for n in range(250)]
    assert [len(c) for c in chunks("procedures", small)] == [100, 100, 50]
    big_paper = {"TENGIAYTO": "Giấy tờ " + "x" * 990}
    big = [
        ours(MATTHC=f"2.{n:06d}", THANHPHANHOSO=[{"GIAYTO": [big_paper] * 100}]) for n in range(12)
    ]
    sizes = [len(c) for c in chunks("procedures", big)]
    assert sum(sizes) == 12 and max(sizes) < 12
    for chunk in chunks("procedures", big):
        payload = json.dumps({"procedures": chunk}, ensure_ascii=False).encode()
        assert len(payload) <= 1024 * 1024
        decode("procedures", payload)


# -- central --------------------------------------------------------------------------------


def test_ok__kiosk_central_procedures_publishes_the_good_lines_once(
    tmp_path: Path, broker: Broker
) -> None:
    url = f"sqlite://{tmp_path}/central.db"
    path = tmp_path / "tthc.jsonl"
    lines = [
        json.dumps(PORTAL, ensure_ascii=False),  # 1: the portal's names
        json.dumps(ours(MATTHC="1.000894", TENTTHC="Đăng ký kết hôn"), ensure_ascii=False),  # 2
        '{"MATTHC": "broken',  # 3
        json.dumps(portal(MATTHC="2.000001", TENTTHC="x" * 2000)),  # 4: too long
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    where = ("--site", SITE, "--broker", f"127.0.0.1:{broker.port}", "--db", url)
    with peer(broker.port, "device") as device:
        device.subscribe(Topics(SITE).procedures)
        done = kiosk("central", "procedures", str(path), *where)
        assert done.returncode == 65, done.stderr
        problems = done.stderr.strip().splitlines()
        assert [p.split(": ")[2] for p in problems] == ["line 3", "line 4"]
        assert problems[1].endswith("TENTTHC: too long (2000 characters; at most 1000)")
        assert "Traceback" not in done.stderr
        assert done.stdout.strip().endswith(f"newer ones published: {SITE} 2")
        wait_for(lambda: len(device.received()) == 1, what="the procedures message")
        sent = decode("procedures", device.received()[0])["procedures"]
        assert [r["code"] for r in sent] == ["1.001193.000.00.00.H31", "1.000894"]
        assert {r["format"] for r in sent} == {"kiosk-procedure/1"}
        store = CentralStore(url)
        assert len(store.records("procedures", SITE)) == 2
        store.close()
        # The same file again: the portal's record (no version of its own) is versioned
        # anew and goes out again; ours states its version (7), not newer than what was sent.
        again = kiosk("--json", "central", "procedures", str(path), *where)
        assert json.loads(again.stdout)["published"] == {SITE: 1}
        wait_for(lambda: len(device.received()) == 2, what="the second message")
        resent = decode("procedures", device.received()[1])["procedures"]
        assert [r["code"] for r in resent] == ["1.001193.000.00.00.H31"]


def test_fail__kiosk_central_procedures_needs_a_file_and_one_of_site_or_all(
    tmp_path: Path,
) -> None:
    url = f"sqlite://{tmp_path}/central.db"
    for args in (("--site", SITE, "--all"), ()):
        done = kiosk("central", "procedures", "x.jsonl", *args, "--db", url)
        assert done.returncode == 2
        assert done.stderr.strip() == (
            "kiosk: kiosk central procedures FILE.jsonl --site SITE | --all"
        )
    done = kiosk("central", "procedures", str(tmp_path / "no.jsonl"), "--site", SITE, "--db", url)
    assert done.returncode == 66 and "cannot read" in done.stderr


@pytest.mark.parametrize("kind", ["procedures", "dossiers"])
def test_ok__a_device_asking_for_a_resync_gets_every_record_again(
    broker: Broker, tmp_path: Path, kind: str
) -> None:
    store = CentralStore(f"sqlite://{tmp_path}/central.db")
    if kind == "procedures":
        records = [ours(MATTHC=f"1.{n:06d}") for n in range(1, 131)]
    else:
        records = [dossier(f"000.00.04.G14-261123-{n:04d}", 1) for n in range(1, 131)]
    store.put(kind, SITE, records)
    central = Central(central_config(broker.port, store.url), store, client_id="central-1")
    db = uuid.uuid4().hex
    asked = outbox.envelope(
        Pending(1, str(uuid.uuid4()), f"{kind}.resync_requested", iso_utc(NOW), '{"cached":0}'),
        db,
        1,
    )
    try:
        with running(central), peer(broker.port, "device") as device:
            until_subscribed(store, device)
            device.subscribe(f"{Topics(SITE).prefix}/{kind}")
            device.publish(Topics(SITE, DEVICE).events, asked)
            wait_for(
                lambda: sum(len(decode(kind, m)[kind]) for m in device.received()) == 130,
                what=f"every {kind} record again",
            )
            sent = [r["code"] for m in device.received() for r in decode(kind, m)[kind]]
    finally:
        store.close()
    assert sorted(sent) == sorted(r["code"] for r in records)
