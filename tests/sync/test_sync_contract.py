"""The written contract (sync/asyncapi.yaml and its JSON Schemas) is the one the code uses,
and a daemon takes central's new configuration by starting again on it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk import codes, freetext, outbox, ticketing
from kiosk.config import load_raw
from kiosk.desk import ERROR, PrinterStatus
from kiosk.desk._ports import MAX_DETAIL
from kiosk.store import Store
from sync import Invalid, decode, encode, validate
from sync._contract import KINDS, MAX_BYTES, SCHEMAS, TEXT_PATTERN
from sync._inbound import MAX_PROBLEM, apply_config
from tests.conftest import EXAMPLE, ROOT, at, example_raw, make_config

SPEC = ROOT / "sync" / "asyncapi.yaml"


def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def test_ok__every_message_of_the_document_points_to_a_schema_the_code_uses() -> None:
    spec = _spec()
    assert spec["asyncapi"].startswith("2.")
    referenced = {m["payload"]["$ref"] for m in spec["components"]["messages"].values()}
    assert referenced == {f"schemas/{kind}.json" for kind in KINDS}
    assert set(MAX_BYTES) == set(KINDS)
    for kind in KINDS:
        schema = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
        assert schema["type"] == "object" and schema["additionalProperties"] is False
    for name, channel in spec["channels"].items():
        assert name.startswith("hcc/v1/{site}/")
        operation = channel.get("publish") or channel.get("subscribe")
        assert operation["bindings"]["mqtt"]["qos"] == 1


def test_ok__the_documents_examples_are_valid_payloads() -> None:
    examples = 0
    for name, message in _spec()["components"]["messages"].items():
        for example in message.get("examples", []):
            validate(name, example["payload"])
            assert decode(name, encode(name, example["payload"])) == example["payload"]
            examples += 1
    assert examples >= 6


@pytest.mark.parametrize(
    ("kind", "payload", "says"),
    [
        ("ack", {"seq": -1, "db": "0" * 32}, "seq"),
        ("ack", {"seq": 1}, "db"),
        ("command", {"id": "x", "cmd": "format_disk"}, "cmd"),
        ("command", {"id": "x", "cmd": "recall", "args": {"counter": 0}}, "counter"),
        ("config", {"version": 0}, "version"),
        ("config", {"version": 2, "services": [{"id": "a"}]}, "name"),
        ("dossiers", {"dossiers": []}, "dossiers"),
        ("event", {"id": "1", "seq": 1, "type": "x", "ts": "", "data": {}, "db": "0"}, "id"),
    ],
)
def test_fail__payloads_that_break_the_contract(kind: str, payload: Any, says: str) -> None:
    with pytest.raises(Invalid) as refused:
        encode(kind, payload)
    assert str(refused.value).startswith(f"{kind}: ")
    assert says in str(refused.value)


# -- free text: the schemas say what kiosk.freetext checks ----------------------------

# (schema, path to the string's definition, the longest the device takes)
FREE_TEXT = [
    ("command", ("args", "text"), freetext.MAX_NOTICE),
    ("command", ("args", "staff"), freetext.MAX_STAFF_ID),
    ("config", ("services", "name"), freetext.MAX_NAME),
    ("config", ("counters", "name"), freetext.MAX_NAME),
    ("config", ("counters", "staff_id"), freetext.MAX_STAFF_ID),
    ("config", ("notices", "text"), 300),  # each; joined, display.notice's MAX_NOTICE
]


def _definition(kind: str, path: tuple[str, ...]) -> dict[str, Any]:
    node: dict[str, Any] = schema_of(kind)
    for key in path:
        node = node["properties"][key]
        node = node.get("items", node)
    return node


def schema_of(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(("kind", "path", "longest"), FREE_TEXT)
def test_ok__free_text_in_the_schemas_has_the_devices_limits(
    kind: str, path: tuple[str, ...], longest: int
) -> None:
    found = _definition(kind, path)
    assert found["type"] == "string" and found["pattern"] == TEXT_PATTERN
    assert found["maxLength"] == longest


def test_ok__the_schemas_text_pattern_refuses_only_what_the_device_refuses() -> None:
    """Every character of the Basic Multilingual Plane through the real validator: what the
    pattern refuses the device's rule refuses too, and every control character is refused
    by both (a central that checks its messages against the schema sends none)."""
    refused_by_schema = []
    for point in range(0x10000):
        ch = chr(point)
        if unicodedata.category(ch) == "Cs":
            continue  # no JSON text holds half a character (decode refuses it)
        try:
            validate("command", {"id": "c-1", "cmd": "notice", "args": {"text": f"a{ch}b"}})
        except Invalid as exc:
            assert str(exc) == (
                "command: args.text: must not contain control or invisible characters"
            )
            refused_by_schema.append(ch)
            with pytest.raises(freetext.BadText):
                freetext.clean(f"a{ch}b", 10)
        else:
            assert unicodedata.category(ch) not in ("Cc", "Zl", "Zp"), hex(point)
    assert "\x1b" in refused_by_schema and "\u202e" in refused_by_schema
    # C0, DEL and C1; soft hyphen, Arabic letter mark, Mongolian vowel separator; zero
    # widths and direction marks, line and paragraph separators, direction embeddings and
    # overrides; word joiner to the direction isolates; byte order mark; annotation marks.
    assert len(refused_by_schema) == 65 + 1 + 1 + 1 + 5 + 2 + 5 + 16 + 1 + 3


WIDE = "\U0001d400"  # 𝐀: one character, four bytes of UTF-8 (none takes more in an event)
LARGEST_SEQ = 2**53 - 1


def test_ok__the_largest_event_a_device_writes_fits_the_contract(tmp_path: Path) -> None:
    """The worst case of every event that carries text, each text at its longest and of
    the widest characters, in the envelope with the largest seq and floor. The other
    events carry numbers, ticket numbers, ids and codes of a few dozen characters."""
    config, raw = make_config(), example_raw()
    with Store(tmp_path / "kiosk.db") as store:
        now = at(9)
        # The operations themselves, with the longest text they take.
        ticketing.pause(store, config, 1, WIDE * freetext.MAX_REASON, now=now)
        ticketing.set_notice(store, WIDE * freetext.MAX_NOTICE, now=now, minutes=10079.999999999998)
        status = PrinterStatus(ERROR, WIDE * 70_000)  # an error naming a very long path
        assert len(status.detail) == MAX_DETAIL
        with store.change(now) as tx:
            tx.event("printer.status", status.to_json())
        # Central's configuration refused for many problems: five of them, each cut.
        bad = {
            "version": 7,
            "hours": {"open": "25:00", "close": "26:00"},
            "services": [{"id": f"s{n}", "name": "x", "prefix": "!"} for n in range(20)],
        }
        refused = apply_config(store, raw, (str(EXAMPLE),), bad, now=now)
        assert not refused.ok
        (problems,) = [json.loads(d) for (d,) in store.conn.execute(
            "SELECT data FROM events WHERE type = 'config.refused'")]  # fmt: skip
        assert len(problems["problems"]) == 5
        with store.change(now) as tx:
            # The most those bounds allow: five problems of the widest characters, and a
            # scan whose code is every character JSON must escape.
            tx.event("config.refused", {"version": LARGEST_SEQ,
                                        "problems": [WIDE * MAX_PROBLEM] * 5})  # fmt: skip
            tx.event("scan", {"scanner": "s" * 63, "kind": "not_found", "result": None,
                              "code": '"' * codes.MAX_INPUT})  # fmt: skip
        db = outbox.state(store).db
        held = outbox.pending(store, 1, 1000)
    sizes = {}
    for event in held:
        payload = outbox.envelope(event._replace(seq=LARGEST_SEQ), db, LARGEST_SEQ)
        assert decode("event", payload)["type"] == event.type  # the contract takes it
        sizes[event.type] = max(sizes.get(event.type, 0), len(payload))
    assert {"counter.paused", "notice.set", "printer.status", "config.refused", "scan"} <= set(
        sizes
    )
    assert max(sizes.values()) <= MAX_BYTES["event"] // 8, sizes  # 8 KiB: far inside 64 KiB
    assert sizes["config.refused"] == max(sizes.values())


def test_ok__a_daemon_starts_again_on_centrals_new_configuration(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text((ROOT / "config.toml").read_text(encoding="utf-8"), encoding="utf-8")
    db = tmp_path / "kiosk.db"
    Store(db).close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", str(config), "--db", str(db), "run",
         "scanner"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    try:
        assert _wait_for(daemon, lines, "scanner daemon ready")
        raw, sources = load_raw(config)
        notice = "Chiều nay Trung tâm làm việc đến 16 giờ."
        with Store(db) as store:
            applied = apply_config(store, raw, sources, {"version": 3,
                                   "notices": [{"text": notice}]}, now=time.time())  # fmt: skip
        assert applied.ok, applied.message
        assert _wait_for(daemon, lines, "central configuration v3 arrived")
        assert _wait_for(daemon, lines, "scanner daemon ready")  # the same process, again
        assert daemon.poll() is None
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(10)
    assert daemon.returncode == 0
    assert sum("scanner daemon ready" in line for line in lines) == 2


def _wait_for(process: subprocess.Popen[str], lines: list[str], text: str) -> bool:
    assert process.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            return False
        lines.append(line)
        if text in line:
            return True
    return False
