"""A procedure record in this project's own format (``"format": "kiosk-procedure/1"``,
what :meth:`Procedure.to_record` writes; README, "The procedure catalogue")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.procedures import _checks as c
from kiosk.procedures import _parts as parts
from kiosk.procedures._checks import BadProcedure
from kiosk.procedures._model import (
    CHANNELS,
    FORMAT,
    ONLINE_LEVELS,
    Procedure,
    Way,
)

# This format's key of each part's field (see :mod:`._parts`).
KEYS = {
    **{name: name for name in ("kind", "amount", "unit", "description", "name", "papers")},
    **{name: name for name in ("originals", "copies", "form", "form_url", "number", "issued")},
    "paper": "name",
    "title": "name",
    "issuer": "issuer",
}


def read_ours(record: Mapping[str, Any], version: int) -> Procedure:
    given = record.get("format", FORMAT)
    if given != FORMAT:
        raise BadProcedure(f"format: {freetext_repr(given)} is not {FORMAT}")
    field = record.get("field") or {}
    if not isinstance(field, Mapping):
        raise BadProcedure("field: must be an object with code and name")
    online = c.text(record, "online", "online", limit=c.MAX_CODE)
    if online not in ONLINE_LEVELS:
        raise BadProcedure(
            f"online: {online!r} is not one of {', '.join(map(repr, ONLINE_LEVELS))}"
        )
    stated = c.number(record, "version", "version", most=2**62, whole=True)
    return Procedure(
        code=c.code(record, "code", "code"),
        name=c.required_text(record, "name", "name", limit=c.MAX_NAME),
        field_code=c.text(field, "code", "field.code", limit=c.MAX_CODE),
        field_name=c.text(field, "name", "field.name"),
        levels=c.texts(record, "levels", "levels"),
        agencies=c.texts(record, "agencies", "agencies"),
        applicants=c.texts(record, "applicants", "applicants"),
        conditions=c.text(record, "conditions", "conditions", limit=c.MAX_LONG),
        ways=c.each(record, "ways", "ways", _way),
        cases=c.each(record, "cases", "cases", parts.reader(parts.case, KEYS)),
        results=c.texts(record, "results", "results", limit=c.MAX_NAME),
        basis=c.each(record, "basis", "basis", parts.reader(parts.basis, KEYS), limit=c.MAX_ITEMS),
        online=online,
        portal_url=c.url(record, "portal_url", "portal_url"),
        service=c.text(record, "service", "service", limit=c.MAX_CODE),
        version=version if stated is None else int(stated),
    )


def freetext_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _way(item: Mapping[str, Any], where: str) -> Way:
    channel = c.required_text(item, "channel", f"{where}.channel", limit=c.MAX_CODE)
    if channel not in CHANNELS:
        raise BadProcedure(f"{where}.channel: {channel!r} is not one of {', '.join(CHANNELS)}")
    return Way(
        channel=channel,
        time=c.number(item, "time", f"{where}.time", most=3650),
        unit=c.text(item, "unit", f"{where}.unit", limit=c.MAX_CODE),
        fees=c.each(item, "fees", f"{where}.fees", parts.reader(parts.fee, KEYS)),
        note=c.text(item, "note", f"{where}.note"),
    )
