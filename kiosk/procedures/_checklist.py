"""What the printed list of papers to bring says ("In danh sách giấy tờ"), independent of
how a printer draws it: the centre, the procedure, each paper with its copies and form,
where to submit it here, how long it takes and what it costs, and the portal's page for
submitting it online where that is offered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.config import Config
from kiosk.procedures._model import CHANNELS, Paper, Procedure, Way
from kiosk.procedures._where import receiving

TITLE = "DANH SÁCH GIẤY TỜ CẦN CHUẨN BỊ"
ONLINE = "Nộp trực tuyến: quét mã trên Cổng Dịch vụ công"


@dataclass(frozen=True)
class Item:
    name: str
    counts: str  # "1 bản chính, 2 bản sao"; "" when the record says nothing
    form: str  # "Mẫu: Tờ khai đăng ký khai sinh"; "" if none


@dataclass(frozen=True)
class Checklist:
    site: str
    title: str
    procedure: str
    code: str
    cases: tuple[tuple[str, tuple[Item, ...]], ...]  # (the case, "" when one; its papers)
    where: str  # "Nộp tại quầy 3, 4 (Tư pháp - Hộ tịch)"
    time: str  # "Thời hạn giải quyết: 3 ngày làm việc"
    fees: str  # "Lệ phí: 100.000 đồng"
    online: str  # the line over the QR; "" when it cannot be submitted online
    portal_url: str  # the QR's address; "" for none
    printed: str  # "In lúc 09:41 ngày 07/12/2026"

    @property
    def papers(self) -> int:
        return sum(len(items) for _, items in self.cases)


def checklist_for(procedure: Procedure, config: Config, printed: dt.datetime) -> Checklist:
    where = receiving(procedure, config)
    if where is None:
        place = "Hỏi quầy hướng dẫn để biết nơi nộp"
    else:
        counters = ", ".join(str(n) for n in where.counters)
        place = (
            f"Nộp tại quầy {counters} ({where.service.name})"
            if counters
            else (f"Nộp tại {where.service.name}")
        )
    in_person = next((w for w in procedure.ways if w.channel == "truc_tiep"), None)
    way = in_person or (procedure.ways[0] if procedure.ways else None)
    online = procedure.online in ("toan_trinh", "mot_phan") and bool(procedure.portal_url)
    return Checklist(
        site=config.site.name,
        title=TITLE,
        procedure=procedure.name,
        code=procedure.code,
        cases=tuple(
            (case.name, tuple(_item(paper) for paper in case.papers)) for case in procedure.cases
        ),
        where=place,
        time=_time_line(way),
        fees=_fees_line(way),
        online=ONLINE if online else "",
        portal_url=procedure.portal_url if online else "",
        printed=f"In lúc {printed:%H:%M} ngày {printed:%d/%m/%Y}",
    )


def _item(paper: Paper) -> Item:
    counts = [f"{paper.originals} bản chính"] if paper.originals else []
    counts += [f"{paper.copies} bản sao"] if paper.copies else []
    return Item(paper.name, ", ".join(counts), f"Mẫu: {paper.form}" if paper.form else "")


def _time_line(way: Way | None) -> str:
    if way is None or way.time is None:
        return ""
    if way.time == 0:
        return "Thời hạn giải quyết: trong ngày"
    return f"Thời hạn giải quyết: {way.time:g} {(way.unit or 'ngày').lower()}"


def _fees_line(way: Way | None) -> str:
    if way is None:
        return ""
    paid = [fee for fee in way.fees if fee.amount]
    if not paid:
        return "Không mất phí, lệ phí" if way.fees else ""
    parts = [
        f"{fee.kind or 'Phí'} {fee.amount:,}".replace(",", ".")
        + " đồng"
        + (f"/{fee.unit.split('/', 1)[1]}" if "/" in fee.unit else "")
        for fee in paid
    ]
    return "; ".join(parts)


__all__ = ["CHANNELS", "TITLE", "Checklist", "Item", "checklist_for"]
