"""A dossier (hồ sơ) as the look-up screen needs it, and the national statuses."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from kiosk.store import iso_utc

#: The statuses as the national public service portal lists them.
STATUSES: dict[int, str] = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
RESULT_READY = 9
RETURNED = 10
#: Statuses in which the dossier is still being worked on, so its due date still runs.
IN_PROGRESS = frozenset({1, 2, 4, 5, 6})


@dataclass(frozen=True)
class Step:
    """One processing step: who handled it, where, when, and by when it was due."""

    unit: str
    handler: str
    at: float | None
    content: str
    deadline: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "handler": self.handler,
            "at": None if self.at is None else iso_utc(self.at),
            "content": self.content,
            "deadline": None if self.deadline is None else iso_utc(self.deadline),
        }


@dataclass(frozen=True)
class Dossier:
    code: str
    procedure: str
    applicant: str  # masked: this is shown on a public screen
    status: int
    received_at: float | None
    due_at: float | None
    returned_at: float | None
    steps: tuple[Step, ...]
    pickup: str  # where to collect the result ("Quầy số 3", "Bộ phận trả kết quả tầng 1")
    pickup_counter: int | None
    fee: str  # fee or financial obligation note
    version: int

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("received_at", "due_at", "returned_at"):
            if out[key] is not None:
                out[key] = iso_utc(out[key])
        out["steps"] = [step.to_json() for step in self.steps]
        out["status_label"] = self.status_label
        return out
