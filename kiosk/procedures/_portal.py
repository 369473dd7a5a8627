"""A procedure record in the national portal's own field names (the national procedure
database's export: ``MATTHC``, ``TENTTHC``, ``LINHVUCTHUCHIEN``, ``CACHTHUCTHUCHIEN``,
``THANHPHANHOSO`` ...; README, "The procedure catalogue", lists every field read)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.procedures import _checks as c
from kiosk.procedures import _parts as parts
from kiosk.procedures._checks import BadProcedure
from kiosk.procedures._model import Fee, Procedure, Way

_CHANNELS = {
    "trực tiếp": "truc_tiep",
    "1": "truc_tiep",
    "trực tuyến": "truc_tuyen",
    "2": "truc_tuyen",
    "dịch vụ bưu chính": "buu_chinh",
    "bưu chính": "buu_chinh",
    "3": "buu_chinh",
}
# The portal's key of each part's field (see :mod:`._parts`).
KEYS = {
    "kind": "MAPHILEPHI",
    "amount": "SOTIEN",
    "unit": "DONVI",
    "description": "MOTA",
    "name": "TRUONGHOP",
    "papers": "GIAYTO",
    "paper": "TENGIAYTO",
    "originals": "SOBANCHINH",
    "copies": "SOBANSAO",
    "form": "TENMAUDON",
    "form_url": "URL",
    "number": "SOVANBAN",
    "title": "TENVANBAN",
    "issued": "NGAYBANHANH",
    "issuer": "COQUANBANHANH",
}
_ONLINE = {"toàn trình": "toan_trinh", "một phần": "mot_phan", "": ""}


def read_portal(record: Mapping[str, Any], version: int) -> Procedure:
    fields = c.each(record, "LINHVUCTHUCHIEN", "LINHVUCTHUCHIEN", _field)
    field_code, field_name = fields[0] if fields else ("", "")
    online = c.text(record, "MUCDODVC", "MUCDODVC").casefold()
    if online not in _ONLINE:
        raise BadProcedure(f"MUCDODVC: {online!r} is not Toàn trình, Một phần or empty")
    return Procedure(
        code=c.code(record, "MATTHC", "MATTHC"),
        name=c.required_text(record, "TENTTHC", "TENTTHC", limit=c.MAX_NAME),
        field_code=field_code,
        field_name=field_name,
        levels=c.texts(record, "CAPTHUCHIEN", "CAPTHUCHIEN"),
        agencies=c.each(record, "COQUANTHUCHIEN", "COQUANTHUCHIEN", _agency),
        applicants=c.each(record, "DOITUONGTHUCHIEN", "DOITUONGTHUCHIEN", _applicant),
        conditions=c.text(record, "YEUCAU", "YEUCAU", limit=c.MAX_LONG),
        ways=c.each(record, "CACHTHUCTHUCHIEN", "CACHTHUCTHUCHIEN", _ways_of_channel),
        cases=c.each(record, "THANHPHANHOSO", "THANHPHANHOSO", parts.reader(parts.case, KEYS)),
        results=c.each(record, "KETQUATHUCHIEN", "KETQUATHUCHIEN", _result),
        basis=c.each(
            record, "CANCUPHAPLY", "CANCUPHAPLY", parts.reader(parts.basis, KEYS), limit=c.MAX_ITEMS
        ),
        online=_ONLINE[online],
        portal_url=c.url(record, "URL", "URL"),
        service="",
        version=version,
    )


def _field(item: Mapping[str, Any], where: str) -> tuple[str, str]:
    return (
        c.text(item, "MALINHVUC", f"{where}.MALINHVUC", limit=c.MAX_CODE),
        c.required_text(item, "TENLINHVUC", f"{where}.TENLINHVUC"),
    )


def _agency(item: Mapping[str, Any], where: str) -> str:
    return c.required_text(item, "TENCOQUAN", f"{where}.TENCOQUAN")


def _applicant(item: Mapping[str, Any], where: str) -> str:
    return c.required_text(item, "TENDOITUONG", f"{where}.TENDOITUONG")


def _result(item: Mapping[str, Any], where: str) -> str:
    return c.required_text(item, "TENKETQUA", f"{where}.TENKETQUA", limit=c.MAX_NAME)


def _ways_of_channel(item: Mapping[str, Any], where: str) -> Way:
    kenh = c.required_text(item, "KENH", f"{where}.KENH").casefold()
    if kenh not in _CHANNELS:
        raise BadProcedure(
            f"{where}.KENH: {kenh!r} is not Trực tiếp, Trực tuyến or Dịch vụ bưu chính"
        )
    times = c.each(item, "THOIGIAN", f"{where}.THOIGIAN", _time)
    # The portal lists a time (with its fees) per case of the way; the first is shown,
    # every fee is kept.
    time, unit, note = times[0][:3] if times else (None, "", "")
    fees = tuple(fee for found in times for fee in found[3])
    return Way(_CHANNELS[kenh], time, unit, fees, note)


def _time(item: Mapping[str, Any], where: str) -> tuple[float | None, str, str, tuple[Fee, ...]]:
    return (
        c.number(item, "THOIGIANGIAIQUYET", f"{where}.THOIGIANGIAIQUYET", most=3650),
        c.text(item, "DONVITINH", f"{where}.DONVITINH", limit=c.MAX_CODE),
        c.text(item, "MOTA", f"{where}.MOTA"),
        c.each(item, "PHILEPHI", f"{where}.PHILEPHI", parts.reader(parts.fee, KEYS)),
    )
