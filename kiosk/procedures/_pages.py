"""What the look-up screen's catalogue pages say, independent of how a screen draws them:
the fields, a field's procedures, search results and a procedure's detail. Each thing a
citizen may touch carries an ``action`` ("field:Hộ tịch", "procedure:1.001193", "print")
the screen hands back when it is touched."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from kiosk.config import Config
from kiosk.procedures._cache import fields, in_field
from kiosk.procedures._checklist import checklist_for
from kiosk.procedures._model import CHANNELS, ONLINE_LEVELS, Procedure
from kiosk.procedures._search import search
from kiosk.procedures._where import receiving

HOME, FIELD, RESULTS, DETAIL = "home", "field", "results", "detail"
_NO_TIME = dt.datetime(2000, 1, 1)  # a checklist's printed-at line, not shown on screen


@dataclass(frozen=True)
class Entry:
    action: str
    title: str
    detail: str  # "14 thủ tục", a procedure's field, ...


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]
    ticks: bool = False  # each line is a paper to bring (drawn with a box to tick)


@dataclass(frozen=True)
class Page:
    kind: str  # HOME, FIELD, RESULTS, DETAIL
    title: str
    entries: tuple[Entry, ...] = ()
    sections: tuple[Section, ...] = ()
    query: str = ""  # what was typed (RESULTS)
    code: str = ""  # the procedure's (DETAIL)
    where: str = ""  # where it is submitted here (DETAIL)
    portal_url: str = ""  # its page on the portal, when it can be submitted online
    online: str = ""  # the line over that QR


def home_page(conn: sqlite3.Connection) -> Page:
    entries = tuple(
        Entry(f"field:{name}", name, f"{count} thủ tục") for _, name, count in fields(conn)
    )
    return Page(HOME, "TRA CỨU THỦ TỤC HÀNH CHÍNH", entries)


def field_page(conn: sqlite3.Connection, field: str) -> Page:
    entries = tuple(Entry(f"procedure:{code}", name, code) for code, name in in_field(conn, field))
    return Page(FIELD, field.upper(), entries)


def results_page(conn: sqlite3.Connection, query: str, limit: int = 30) -> Page:
    hits = search(conn, query, limit=limit)
    entries = tuple(Entry(f"procedure:{hit.code}", hit.name, hit.field) for hit in hits)
    title = f"KẾT QUẢ TÌM KIẾM ({len(hits)})" if hits else "KHÔNG TÌM THẤY THỦ TỤC NÀO"
    return Page(RESULTS, title, entries, query=query)


def detail_page(procedure: Procedure, config: Config) -> Page:
    sheet = checklist_for(procedure, config, _NO_TIME)
    sections = []
    for case, items in sheet.cases:
        papers = tuple(
            f"{item.name} ({', '.join(p for p in (item.counts, item.form) if p)})"
            if item.counts or item.form
            else item.name
            for item in items
        )
        sections.append(
            Section(f"GIẤY TỜ CẦN NỘP{f' - {case.upper()}' if case else ''}", papers, True)
        )
    ways = tuple(f"{CHANNELS[way.channel]}: {_time(way.time, way.unit)}" for way in procedure.ways)
    time_and_fees = ways + ((sheet.fees,) if sheet.fees else ())
    if time_and_fees:
        sections.append(Section("THỜI HẠN VÀ LỆ PHÍ", time_and_fees))
    if procedure.agencies:
        sections.append(Section("CƠ QUAN THỰC HIỆN", procedure.agencies))
    if procedure.results:
        sections.append(Section("KẾT QUẢ", procedure.results))
    sections.append(Section("DỊCH VỤ CÔNG TRỰC TUYẾN", (ONLINE_LEVELS[procedure.online],)))
    where = receiving(procedure, config)
    return Page(
        DETAIL,
        procedure.name,
        sections=tuple(sections),
        code=procedure.code,
        where=sheet.where if where is not None else "",
        portal_url=sheet.portal_url,
        online="Quét mã để nộp trực tuyến" if sheet.portal_url else "",
    )


def _time(time: float | None, unit: str) -> str:
    if time is None:
        return "thời hạn không nêu"
    return "trong ngày" if time == 0 else f"{time:g} {(unit or 'ngày').lower()}"
