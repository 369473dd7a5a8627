"""The MQTT v1 contract: topics, size limits and the JSON Schemas in ``sync/schemas/``
(the same files the AsyncAPI document ``sync/asyncapi.yaml`` points to).

Every inbound payload goes through :func:`decode`: bounded in size, UTF-8, plain JSON (no
NaN or Infinity, no duplicate keys), an object, valid against its schema. Anything else is
:class:`Invalid`, with one line that says what is wrong.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastjsonschema

SCHEMAS = Path(__file__).parent / "schemas"
VERSION = "v1"

# Largest payload taken, by message kind (bytes).
MAX_BYTES = {
    "event": 64 * 1024,
    "ack": 1024,
    "state": 8 * 1024,
    "config": 256 * 1024,
    "dossiers": 1024 * 1024,
    "procedures": 1024 * 1024,
    "command": 8 * 1024,
    "result": 8 * 1024,
}
KINDS = tuple(MAX_BYTES)

# Free text in the schemas (names, notices): the control and invisible characters that
# kiosk.freetext refuses, as far as a JSON Schema pattern can say it portably.
TEXT_PATTERN = (
    r"^[^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
    r"\u2060-\u206f\ufeff\ufff9-\ufffb]*$"
)


class Invalid(ValueError):
    """A payload that breaks the contract; the message says how."""


@functools.cache
def _validator(kind: str) -> Any:
    schema = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    return fastjsonschema.compile(schema)


def schema(kind: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    return loaded


def _no_constant(name: str) -> Any:
    raise Invalid(f"not plain JSON ({name})")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise Invalid(f"key {key!r} appears twice")
        out[key] = value
    return out


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Invalid("a number is out of range")
    return value


# A \uD800-\uDFFF escape: the only way JSON can carry a lone surrogate.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_text(value: Any) -> None:
    """Every string valid Unicode: no lone surrogates, which no database or screen can
    take. Iterative, so nesting cannot overflow the stack."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _unicode(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _unicode(key)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


def _unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("text that is not valid Unicode (a lone surrogate)") from None


def validate(kind: str, payload: Any) -> dict[str, Any]:
    """Check an already-parsed payload against the schema of ``kind``."""
    if not isinstance(payload, dict):
        raise Invalid(f"{kind}: must be a JSON object")
    try:
        _validator(kind)(payload)
    except fastjsonschema.JsonSchemaValueException as exc:
        where = (exc.name or "data").replace("data.", "", 1).replace("data", "(payload)")
        what = exc.message.replace(exc.name or "", "").strip()
        if exc.rule == "pattern" and exc.rule_definition == TEXT_PATTERN:
            what = "must not contain control or invisible characters"
        raise Invalid(f"{kind}: {where}: {what}") from None
    return payload


def decode(kind: str, payload: bytes) -> dict[str, Any]:
    """Parse and check an inbound payload of ``kind``."""
    limit = MAX_BYTES[kind]
    if len(payload) > limit:
        raise Invalid(f"{kind}: {len(payload)} bytes is over the limit of {limit}")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid(f"{kind}: not UTF-8") from None
    try:
        parsed = json.loads(
            text,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            object_pairs_hook=_no_duplicates,
        )
        if _SURROGATE.search(text):
            _check_text(parsed)
    except Invalid as exc:
        raise Invalid(f"{kind}: {exc}") from None
    except (ValueError, RecursionError):
        raise Invalid(f"{kind}: not JSON") from None
    return validate(kind, parsed)


_DB = re.compile(r"[0-9a-f]{32}")
_MAX_SEQ = 9007199254740991
# How the device writes an envelope (kiosk.outbox.envelope): read from the first bytes when
# the whole is too big to parse.
_HEAD = re.compile(
    rb'\{"id":"[0-9a-f-]{36}","seq":([1-9][0-9]{0,15}),"type":"[a-z._]{1,64}",'
    rb'"ts":"[0-9T:.Z-]{20,27}","db":"([0-9a-f]{32})",'
)


def event_envelope(payload: bytes) -> dict[str, Any] | None:
    """The ``db`` and ``seq`` of an event that failed :func:`decode`, when its envelope
    still names them plainly (so central can keep it aside and go on acking the device's
    later events); None for anything less. Its ``floor`` is not trusted: 1."""
    if len(payload) > MAX_BYTES["event"]:
        head = _HEAD.match(payload[:512])
        if head is None or int(head[1]) > _MAX_SEQ:
            return None
        return {"db": head[2].decode(), "seq": int(head[1]), "floor": 1}
    try:
        doc = json.loads(payload.decode("utf-8", "replace"), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    db, seq = doc.get("db"), doc.get("seq")
    if not (isinstance(db, str) and _DB.fullmatch(db)):
        return None
    if type(seq) is not int or not 1 <= seq <= _MAX_SEQ:
        return None
    return {"db": db, "seq": seq, "floor": 1}


def encode(kind: str, payload: dict[str, Any]) -> bytes:
    """An outbound payload, checked against its schema first."""
    validate(kind, payload)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Topics:
    """The topics of one site (and, for a device, its own)."""

    site: str
    device: str = "+"

    @property
    def prefix(self) -> str:
        return f"hcc/{VERSION}/{self.site}"

    def _own(self, leaf: str) -> str:
        return f"{self.prefix}/{self.device}/{leaf}"

    @property
    def events(self) -> str:
        return self._own("events")

    @property
    def state(self) -> str:
        return self._own("state")

    @property
    def ack(self) -> str:
        return self._own("ack")

    @property
    def cmd(self) -> str:
        return self._own("cmd")

    @property
    def result(self) -> str:
        return self._own("cmd/result")

    @property
    def config(self) -> str:
        return f"{self.prefix}/config"

    @property
    def dossiers(self) -> str:
        return f"{self.prefix}/dossiers"

    @property
    def procedures(self) -> str:
        return f"{self.prefix}/procedures"


_LEAVES = {"events": "event", "state": "state", "ack": "ack", "cmd": "command"}


_ID = re.compile(r"[a-z0-9_-]{1,63}\Z")


def parse_topic(topic: str) -> tuple[str, str, str] | None:
    """``(site, device, kind)`` of a device topic (device "" for site topics), or None."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != "hcc" or parts[1] != VERSION:
        return None
    site = parts[2]
    if not _ID.match(site) or (len(parts) > 4 and not _ID.match(parts[3])):
        return None  # ids are slugs (config.toml's rule): nothing else reaches a page or a log
    if len(parts) == 4 and parts[3] in ("config", "dossiers", "procedures"):
        return site, "", parts[3]
    if len(parts) == 5 and parts[4] in _LEAVES:
        return site, parts[3], _LEAVES[parts[4]]
    if len(parts) == 6 and parts[4:] == ["cmd", "result"]:
        return site, parts[3], "result"
    return None
