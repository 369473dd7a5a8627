"""What the look-up screen shows for a scan: plain text, ready to paint or print.

A view is data only (no pygame), so ``kiosk scan`` prints exactly what the screen
paints, tests read it, and the scanner daemon stores it for the screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

IDLE = "idle"
DOSSIER = "dossier"
NOT_FOUND = "not_found"
INVALID = "invalid"
TICKET = "ticket"
PROCEDURE = "procedure"  # a procedure code the catalogue has: the screen opens it

# Tones colour the status banner: ok (green), info (blue), warn (amber), bad (red), plain.
TONES = ("ok", "info", "warn", "bad", "plain")


@dataclass(frozen=True)
class Row:
    label: str  # "Hẹn trả"
    value: str  # "17:00 27/11/2026 (còn 5 ngày)"


@dataclass(frozen=True)
class TimelineStep:
    at: str  # "20/11 08:15", "" when unknown
    unit: str
    content: str
    handler: str
    current: bool = False  # the latest step
    late: bool = False  # done after its own deadline


@dataclass(frozen=True)
class View:
    kind: str  # idle | dossier | not_found | invalid | ticket
    tone: str
    title: str  # the banner: "ĐÃ XỬ LÝ XONG"
    badge: str = ""  # "ĐÚNG HẠN" / "TRỄ HẠN" / ""
    code: str = ""  # the dossier code or ticket number looked up
    heading: str = ""  # the procedure, or "Số A023"
    rows: tuple[Row, ...] = ()
    action: str = ""  # what to do next, one or two sentences
    steps: tuple[TimelineStep, ...] = ()
    note: str = ""  # "Dữ liệu cập nhật lúc 08:15 22/11/2026" when the cache is stale
    detail: dict[str, Any] = field(default_factory=dict)  # for scripts (--json); not shown

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> View:
        return cls(
            kind=str(data["kind"]),
            tone=str(data["tone"]),
            title=str(data["title"]),
            badge=str(data.get("badge", "")),
            code=str(data.get("code", "")),
            heading=str(data.get("heading", "")),
            rows=tuple(Row(**row) for row in data.get("rows", ())),
            action=str(data.get("action", "")),
            steps=tuple(TimelineStep(**step) for step in data.get("steps", ())),
            note=str(data.get("note", "")),
            detail=dict(data.get("detail", {})),
        )

    def text(self) -> str:
        """The view as lines of text, in the order the screen reads."""
        lines = [f"{self.title}  [{self.badge}]" if self.badge else self.title]
        if self.heading:
            lines.append(self.heading)
        lines += [f"{row.label}: {row.value}" for row in self.rows]
        if self.action:
            lines.append(f"=> {self.action}")
        if self.steps:
            lines.append("Quá trình xử lý:")
            for step in self.steps:
                mark = "*" if step.current else "-"
                who = f" ({step.handler})" if step.handler else ""
                late = " [trễ hạn]" if step.late else ""
                lines.append(f"  {mark} {step.at:<11} {step.unit}: {step.content}{who}{late}")
        if self.note:
            lines.append(self.note)
        return "\n".join(line.rstrip() for line in lines)


def clock_date(moment: dt.datetime) -> str:
    return f"{moment:%H:%M %d/%m/%Y}"


def short(moment: dt.datetime) -> str:
    return f"{moment:%d/%m %H:%M}"
