"""A dossier record from outside (a JSON Lines file, or central over MQTT), checked.

Every field is checked and normalised (NFC text, whitespace collapsed, timestamps
to epoch seconds, the applicant masked) or the record is refused with one line
that names the field. A record never reaches the database half-checked.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Mapping
from typing import Any

from kiosk import codes, freetext
from kiosk.dossiers._mask import mask_name
from kiosk.dossiers._model import STATUSES, Dossier, Step
from kiosk.vietnamese import nfc

MAX_TEXT = 500
MAX_STEPS = 60
END_OF_DAY = dt.time(17, 0)  # a due date given without a time is due by then
LATEST = 4102444800  # 2100-01-01: later (or before 1970) is a mistake, not a date
_BY_LABEL = {nfc(label).casefold(): number for number, label in STATUSES.items()}


class BadDossier(ValueError):
    """A record that cannot be used; the message names the field."""


def _text(
    record: Mapping[str, Any], key: str, *, required: bool = False, limit: int = MAX_TEXT
) -> str:
    value = record.get(key)
    if value is None or value == "":
        if required:
            raise BadDossier(f"{key}: missing")
        return ""
    if not isinstance(value, str):
        raise BadDossier(f"{key}: must be text, not {type(value).__name__}")
    try:
        text = freetext.one_line(value, limit)
    except freetext.BadText as exc:
        raise BadDossier(f"{key}: {exc}") from None
    if required and not text:
        raise BadDossier(f"{key}: missing")
    return text


def _when(record: Mapping[str, Any], key: str, zone: dt.tzinfo) -> float | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadDossier(f"{key}: must be a date and time, not true/false")
    if isinstance(value, int | float):
        if isinstance(value, int) and not 0 <= value < LATEST:
            raise BadDossier(f"{key}: {str(value)[:20]} is not a plausible time")
        if not math.isfinite(value) or not 0 <= value < LATEST:
            raise BadDossier(f"{key}: {value} is not a plausible time")
        return float(value)
    if not isinstance(value, str) or len(value) > 40:
        raise BadDossier(f"{key}: must be an ISO 8601 date and time")
    text = value.strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadDossier(f"{key}: {value!r} is not an ISO 8601 date and time") from None
    if "T" not in text.upper() and " " not in text and len(text) <= 10:
        # A date alone: a due date or deadline means by the end of that working day.
        moment = moment.replace(hour=END_OF_DAY.hour) if key in ("due_at", "deadline") else moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        epoch = moment.timestamp()
    except (OverflowError, ValueError):
        epoch = -1.0
    if not 0 <= epoch < LATEST:
        raise BadDossier(f"{key}: {value!r} is not a plausible time (1970 to 2099)")
    return epoch


def _status(record: Mapping[str, Any]) -> int:
    value = record.get("status")
    if isinstance(value, bool) or value is None:
        raise BadDossier("status: missing (1 to 10, or the status name)")
    if isinstance(value, int) and value in STATUSES:
        return value
    if isinstance(value, str):
        digits = value.strip()
        if digits.isascii() and digits.isdigit() and int(digits) in STATUSES:
            return int(value)
        if (number := _BY_LABEL.get(" ".join(nfc(value).split()).casefold())) is not None:
            return number
    raise BadDossier(f"status: {str(value)[:40]!r} is not one of the 10 national statuses")


def _int(record: Mapping[str, Any], key: str, low: int, high: int, *, required: bool) -> int | None:
    value = record.get(key)
    if value is None:
        if required:
            raise BadDossier(f"{key}: missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadDossier(f"{key}: must be a whole number from {low} to {high}")
    return value


def _steps(record: Mapping[str, Any], zone: dt.tzinfo) -> tuple[Step, ...]:
    value = record.get("steps")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadDossier("steps: must be a list")
    if len(value) > MAX_STEPS:
        raise BadDossier(f"steps: {len(value)} steps; at most {MAX_STEPS}")
    steps = []
    for index, item in enumerate(value, 1):
        if not isinstance(item, dict):
            raise BadDossier(f"steps[{index}]: must be an object")
        try:
            steps.append(
                Step(
                    unit=_text(item, "unit"),
                    handler=mask_name(_text(item, "handler", limit=200)),
                    at=_when(item, "at", zone),
                    content=_text(item, "content"),
                    deadline=_when(item, "deadline", zone),
                )
            )
        except BadDossier as exc:
            raise BadDossier(f"steps[{index}].{exc}") from None
    return tuple(steps)


def parse_dossier(record: Any, timezone: str) -> Dossier:
    """A checked :class:`Dossier` from a decoded JSON object (times without an offset
    are the site's local time)."""
    if not isinstance(record, dict):
        raise BadDossier("a dossier must be a JSON object")
    raw_code = record.get("code")
    if not isinstance(raw_code, str):
        raise BadDossier("code: missing")
    found = codes.classify(raw_code)
    if found.kind != codes.DOSSIER:
        raise BadDossier(f"code: {found.shown or 'this'} is not a dossier code ({found.reason})")
    zone = zoneinfo.ZoneInfo(timezone)
    version = _int(record, "version", 0, 2**62, required=True)
    assert version is not None
    return Dossier(
        code=found.value,
        procedure=_text(record, "procedure", required=True),
        applicant=mask_name(_text(record, "applicant", limit=200)),
        status=_status(record),
        received_at=_when(record, "received_at", zone),
        due_at=_when(record, "due_at", zone),
        returned_at=_when(record, "returned_at", zone),
        steps=_steps(record, zone),
        pickup=_text(record, "pickup", limit=200),
        pickup_counter=_int(record, "pickup_counter", 1, 999, required=False),
        fee=_text(record, "fee"),
        version=version,
    )
