"""Made-up but realistic dossiers, as the province's system would send them: for the
demo's slips and the benchmark's million-dossier cache. Records are the JSON Lines
format of ``kiosk dossiers import``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

PROCEDURES = (
    "Cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở lần đầu",
    "Đăng ký biến động quyền sử dụng đất do chuyển nhượng",
    "Đăng ký khai sinh",
    "Đăng ký kết hôn",
    "Cấp bản sao trích lục hộ tịch",
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
    "Đăng ký thành lập hộ kinh doanh",
    "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
    "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Giải quyết chế độ trợ cấp xã hội hằng tháng",
    "Cấp lại sổ bảo hiểm xã hội",
    "Đăng ký thuế lần đầu cho hộ kinh doanh",
)
UNITS = (
    "Bộ phận Một cửa",
    "Văn phòng đăng ký đất đai",
    "Phòng Tư pháp",
    "Phòng Tài chính - Kế hoạch",
    "Phòng Quản lý đô thị",
    "Lãnh đạo UBND",
)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Hữu")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Lan", "Nam", "Phúc", "Yến")
AGENCIES = ("000.00.04.G14", "38.98.H29", "000.A0.01.H26", "000.12.31.H56", "G22.50")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _working_hours(moment: dt.datetime) -> dt.datetime:
    """The same moment, or the next morning's if it falls outside 7:30-17:00."""
    if moment.hour >= 17:
        moment = (moment + dt.timedelta(days=1)).replace(hour=8)
    elif moment.hour < 8:
        moment = moment.replace(hour=8)
    return moment


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes")


def dossier_code(agency: str, received: dt.date, sequence: int, digits: int = 4) -> str:
    return f"{agency}-{received:%y%m%d}-{sequence:0{digits}d}"


def sample_dossier(
    rng: random.Random, code: str, received: dt.datetime, status: int, today: dt.date
) -> dict[str, Any]:
    """One record: steps up to ``status``, due some working days after receipt."""
    due = received + dt.timedelta(days=rng.choice((3, 5, 7, 10, 15)))
    due = due.replace(hour=17, minute=0)
    steps = [{"unit": UNITS[0], "handler": _name(rng), "at": _iso(received),
              "content": "Tiếp nhận hồ sơ", "deadline": _iso(received)}]  # fmt: skip
    later = (
        (UNITS[rng.randrange(1, 5)], "Thẩm định hồ sơ"),
        (UNITS[5], "Phê duyệt kết quả"),
        (UNITS[0], "Chuyển kết quả về Bộ phận Một cửa"),
    )
    # How far processing got: nothing after receipt until it is being processed.
    reached = {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 2, 7: 1, 8: 1, 9: 3, 10: 3}[status]
    moment = received
    for unit, content in later[:reached]:
        moment = _working_hours(moment + dt.timedelta(hours=rng.randint(3, 30)))
        if moment.date() > today:
            break
        steps.append({"unit": unit, "handler": _name(rng), "at": _iso(moment),
                      "content": content, "deadline": _iso(due)})  # fmt: skip
    if status == 1:
        steps = []  # registered online, not yet received
    record: dict[str, Any] = {
        "code": code,
        "procedure": rng.choice(PROCEDURES),
        "applicant": _name(rng),
        "status": status,
        "received_at": _iso(received),
        "due_at": _iso(due),
        "steps": steps,
        "pickup_counter": rng.randint(1, 8),
        "version": rng.randint(1, 40),
    }
    if status == 6:
        record["fee"] = f"Lệ phí {rng.choice((50, 100, 200, 500))}.000 đồng"
    if status == 10:
        record["returned_at"] = _iso(min(due, received + dt.timedelta(days=2)))
    return record


def sample_dossiers(today: dt.date, count: int, seed: int) -> Iterator[dict[str, Any]]:
    """``count`` dossiers received over the last months, with unique codes."""
    rng = random.Random(seed)
    per_day = max(1, count // 120 + 1)
    for index in range(count):
        received_day = today - dt.timedelta(days=index // per_day % 120 + 1)
        received = dt.datetime.combine(
            received_day, dt.time(rng.randint(7, 16), rng.randint(0, 59))
        )
        agency = AGENCIES[index % len(AGENCIES)]
        code = dossier_code(agency, received_day, index % 999_999 + 1, 4 if count < 10000 else 6)
        status = rng.choices(range(1, 11), weights=(2, 4, 1, 30, 4, 3, 1, 1, 14, 40))[0]
        yield sample_dossier(rng, code, received, status, today)
