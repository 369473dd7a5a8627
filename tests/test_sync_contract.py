"""The written contract (sync/asyncapi.yaml and its JSON Schemas) is the one the code uses,
and a daemon takes central's new configuration by starting again on it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk.config import load_raw
from kiosk.store import Store
from sync import Invalid, decode, encode, validate
from sync._contract import KINDS, MAX_BYTES, SCHEMAS
from sync._inbound import apply_config
from tests.conftest import ROOT

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
