"""A procedure (thủ tục hành chính) as the catalogue keeps it, and its record in this
project's own format (:meth:`Procedure.to_record`, read back by :mod:`._ours`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FORMAT = "kiosk-procedure/1"
# Ways to submit: in person, online, by post (the portal's KENH).
CHANNELS = {"truc_tiep": "Trực tiếp", "truc_tuyen": "Trực tuyến", "buu_chinh": "Dịch vụ bưu chính"}
# The online public service's level: fully online, partly, information only.
ONLINE_LEVELS = {"toan_trinh": "Toàn trình", "mot_phan": "Một phần", "": "Chỉ cung cấp thông tin"}

# A national code ("1.001193") and the province's form of it ("1.001193.000.00.00.H31").
_NATIONAL = re.compile(r"^(\d{1,2}\.\d{6})(?:\.[0-9A-Z]+)*$")


def national_code(code: str) -> str:
    """The national part of a procedure code: "1.001193" for "1.001193.000.00.00.H31"
    (the code itself when it has no such part)."""
    found = _NATIONAL.match(code)
    return found.group(1) if found else code


@dataclass(frozen=True)
class Fee:
    kind: str  # "Phí" or "Lệ phí" (or the portal's own word)
    amount: int  # in đồng; 0: free
    unit: str  # what the amount is for ("Đồng", "Đồng/bản")
    description: str


@dataclass(frozen=True)
class Way:
    channel: str  # a key of CHANNELS
    time: float | None  # processing time, None when not stated; 0: the same day
    unit: str  # "Ngày làm việc", "Ngày", "Giờ"
    fees: tuple[Fee, ...]
    note: str


@dataclass(frozen=True)
class Paper:
    name: str
    originals: int
    copies: int
    form: str  # the form's name ("" if none)
    form_url: str


@dataclass(frozen=True)
class Case:
    name: str  # "" when the procedure has one case
    papers: tuple[Paper, ...]


@dataclass(frozen=True)
class Basis:
    number: str  # "60/2014/QH13"
    name: str
    issued: str  # as published ("20/11/2014")
    issuer: str


@dataclass(frozen=True)
class Procedure:
    code: str  # as published: national, or the province's form
    name: str
    field_code: str
    field_name: str
    levels: tuple[str, ...]  # as published: "Cấp Tỉnh", "Cấp Xã"
    agencies: tuple[str, ...]
    applicants: tuple[str, ...]
    conditions: str
    ways: tuple[Way, ...]
    cases: tuple[Case, ...]
    results: tuple[str, ...]
    basis: tuple[Basis, ...]
    online: str  # a key of ONLINE_LEVELS
    portal_url: str  # its page on the national portal ("" if unknown)
    service: str  # the centre's service that receives it, when the record says ("" if not)
    version: int

    @property
    def national(self) -> str:
        return national_code(self.code)

    @property
    def papers(self) -> tuple[Paper, ...]:
        """Every paper of every case, in order."""
        return tuple(paper for case in self.cases for paper in case.papers)

    def to_record(self) -> dict[str, Any]:
        """The procedure in this project's own format (JSON-ready; what ``_ours`` reads)."""
        return {
            "format": FORMAT,
            "code": self.code,
            "name": self.name,
            "field": {"code": self.field_code, "name": self.field_name},
            "levels": list(self.levels),
            "agencies": list(self.agencies),
            "applicants": list(self.applicants),
            "conditions": self.conditions,
            "ways": [
                {
                    "channel": way.channel,
                    "time": way.time,
                    "unit": way.unit,
                    "fees": [
                        {
                            "kind": fee.kind,
                            "amount": fee.amount,
                            "unit": fee.unit,
                            "description": fee.description,
                        }
                        for fee in way.fees
                    ],
                    "note": way.note,
                }
                for way in self.ways
            ],
            "cases": [
                {
                    "name": case.name,
                    "papers": [
                        {
                            "name": paper.name,
                            "originals": paper.originals,
                            "copies": paper.copies,
                            "form": paper.form,
                            "form_url": paper.form_url,
                        }
                        for paper in case.papers
                    ],
                }
                for case in self.cases
            ],
            "results": list(self.results),
            "basis": [
                {"number": b.number, "name": b.name, "issued": b.issued, "issuer": b.issuer}
                for b in self.basis
            ],
            "online": self.online,
            "portal_url": self.portal_url,
            "service": self.service,
            "version": self.version,
        }
