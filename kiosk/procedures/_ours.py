"""A procedure record in this project's own format (``"format": "kiosk-procedure/1"``,
what :meth:`Procedure.to_record` writes; README, "The procedure catalogue")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.procedures import _checks as c
from kiosk.procedures._checks import BadProcedure
from kiosk.procedures._model import (
    CHANNELS,
    FORMAT,
    ONLINE_LEVELS,
    Basis,
    Case,
    Fee,
    Paper,
    Procedure,
    Way,
)


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
        cases=c.each(record, "cases", "cases", _case),
        results=c.texts(record, "results", "results", limit=c.MAX_NAME),
        basis=c.each(record, "basis", "basis", _basis, limit=c.MAX_ITEMS),
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
        fees=c.each(item, "fees", f"{where}.fees", _fee),
        note=c.text(item, "note", f"{where}.note"),
    )


def _fee(item: Mapping[str, Any], where: str) -> Fee:
    amount = c.number(item, "amount", f"{where}.amount", most=1e12, whole=True)
    return Fee(
        kind=c.text(item, "kind", f"{where}.kind", limit=c.MAX_CODE),
        amount=int(amount or 0),
        unit=c.text(item, "unit", f"{where}.unit", limit=c.MAX_CODE),
        description=c.text(item, "description", f"{where}.description"),
    )


def _case(item: Mapping[str, Any], where: str) -> Case:
    return Case(
        name=c.text(item, "name", f"{where}.name", limit=c.MAX_NAME),
        papers=c.each(item, "papers", f"{where}.papers", _paper, limit=c.MAX_ITEMS),
    )


def _paper(item: Mapping[str, Any], where: str) -> Paper:
    return Paper(
        name=c.required_text(item, "name", f"{where}.name", limit=c.MAX_NAME),
        originals=c.count(item, "originals", f"{where}.originals"),
        copies=c.count(item, "copies", f"{where}.copies"),
        form=c.text(item, "form", f"{where}.form", limit=c.MAX_NAME),
        form_url=c.url(item, "form_url", f"{where}.form_url"),
    )


def _basis(item: Mapping[str, Any], where: str) -> Basis:
    return Basis(
        number=c.text(item, "number", f"{where}.number", limit=c.MAX_CODE),
        name=c.required_text(item, "name", f"{where}.name", limit=c.MAX_NAME),
        issued=c.text(item, "issued", f"{where}.issued", limit=c.MAX_CODE),
        issuer=c.text(item, "issuer", f"{where}.issuer"),
    )
