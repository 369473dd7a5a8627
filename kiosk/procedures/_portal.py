"""A procedure record in the national portal's own field names (the national procedure
database's export: ``MATTHC``, ``TENTTHC``, ``LINHVUCTHUCHIEN``, ``CACHTHUCTHUCHIEN``,
``THANHPHANHOSO`` ...; README, "The procedure catalogue", lists every field read)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.procedures import _checks as c
from kiosk.procedures._checks import BadProcedure
from kiosk.procedures._model import Basis, Case, Fee, Paper, Procedure, Way

_CHANNELS = {
    "trực tiếp": "truc_tiep",
    "1": "truc_tiep",
    "trực tuyến": "truc_tuyen",
    "2": "truc_tuyen",
    "dịch vụ bưu chính": "buu_chinh",
    "bưu chính": "buu_chinh",
    "3": "buu_chinh",
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
        cases=c.each(record, "THANHPHANHOSO", "THANHPHANHOSO", _case),
        results=c.each(record, "KETQUATHUCHIEN", "KETQUATHUCHIEN", _result),
        basis=c.each(record, "CANCUPHAPLY", "CANCUPHAPLY", _basis, limit=c.MAX_ITEMS),
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
        c.each(item, "PHILEPHI", f"{where}.PHILEPHI", _fee),
    )


def _fee(item: Mapping[str, Any], where: str) -> Fee:
    amount = c.number(item, "SOTIEN", f"{where}.SOTIEN", most=1e12, whole=True)
    return Fee(
        kind=c.text(item, "MAPHILEPHI", f"{where}.MAPHILEPHI", limit=c.MAX_CODE),
        amount=int(amount or 0),
        unit=c.text(item, "DONVI", f"{where}.DONVI", limit=c.MAX_CODE),
        description=c.text(item, "MOTA", f"{where}.MOTA"),
    )


def _case(item: Mapping[str, Any], where: str) -> Case:
    return Case(
        name=c.text(item, "TRUONGHOP", f"{where}.TRUONGHOP", limit=c.MAX_NAME),
        papers=c.each(item, "GIAYTO", f"{where}.GIAYTO", _paper, limit=c.MAX_ITEMS),
    )


def _paper(item: Mapping[str, Any], where: str) -> Paper:
    return Paper(
        name=c.required_text(item, "TENGIAYTO", f"{where}.TENGIAYTO", limit=c.MAX_NAME),
        originals=c.count(item, "SOBANCHINH", f"{where}.SOBANCHINH"),
        copies=c.count(item, "SOBANSAO", f"{where}.SOBANSAO"),
        form=c.text(item, "TENMAUDON", f"{where}.TENMAUDON", limit=c.MAX_NAME),
        form_url=c.url(item, "URL", f"{where}.URL"),
    )


def _basis(item: Mapping[str, Any], where: str) -> Basis:
    return Basis(
        number=c.text(item, "SOVANBAN", f"{where}.SOVANBAN", limit=c.MAX_CODE),
        name=c.required_text(item, "TENVANBAN", f"{where}.TENVANBAN", limit=c.MAX_NAME),
        issued=c.text(item, "NGAYBANHANH", f"{where}.NGAYBANHANH", limit=c.MAX_CODE),
        issuer=c.text(item, "COQUANBANHANH", f"{where}.COQUANBANHANH"),
    )
