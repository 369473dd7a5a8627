"""Made-up but realistic dossiers, as the province's system would send them: for the
demo's slips, the busy day's cache and the benchmark's million-dossier cache. Records are
the JSON Lines format of ``kiosk dossiers import``.

Every record is built from :data:`PROCEDURES`, so it cannot contradict its procedure: the
agency that examines it and who signs the result, its processing time in working days,
the fee paid on submission and, where the procedure has them, the financial obligations
(``Yêu cầu thực hiện nghĩa vụ tài chính``). Times fall in working hours (7:30-11:30 and
13:00-17:00, Monday to Friday; public holidays are not known here), each step after the
one before, all before the day the records are exported. The due date is the processing
time after receipt (a same-day procedure received after 15:00 is due the next working day);
a result is returned only with the last step, ``Trả kết quả``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ONE_STOP = "Bộ phận Một cửa"  # receives dossiers and hands results back


@dataclass(frozen=True)
class Agency:
    name: str  # the agency that settles the procedure (cơ quan thực hiện)
    examiner: str  # the unit that examines the dossier (the "Thẩm định hồ sơ" step)
    signer: str  # who approves the result (the "Phê duyệt kết quả" step)
    code: str  # its code: the first part of the codes of the dossiers it receives


@dataclass(frozen=True)
class Procedure:
    name: str
    agency: Agency
    service: str  # the centre's service (field) whose counters hand the result back
    days: int  # processing time in working days; 0: the same day
    fee: str  # paid on submission, or why nothing is
    obligations: tuple[tuple[str, float], ...] = ()  # (what, share of the property's value)


# The agencies as they are since 1 July 2025: local government has two tiers, the province
# and the commune (xã, phường), and no district level. A commune registers civil status and
# household businesses, permits a house and grants a household its first land certificate;
# the land registration office's branches register transfers; the Sở Nội vụ took labour
# over; social insurance and tax are settled by their offices below the province (Bảo hiểm
# xã hội cơ sở, Thuế cơ sở). Agencies named alike share their code.
COMMUNE, WARD = "000.21.01.H31", "000.03.01.H31"
CIVIL_STATUS = Agency(
    "UBND xã", "Công chức Tư pháp - Hộ tịch, UBND xã", "Chủ tịch UBND xã", COMMUNE
)
FIRST_LAND = Agency("UBND xã", "Chi nhánh Văn phòng đăng ký đất đai", "Chủ tịch UBND xã", COMMUNE)
LAND = Agency(
    "Văn phòng đăng ký đất đai",
    "Chi nhánh Văn phòng đăng ký đất đai",
    "Lãnh đạo Chi nhánh Văn phòng đăng ký đất đai",
    "000.12.31.H31",
)
BUSINESS = Agency("UBND xã", "Phòng Kinh tế, UBND xã", "Lãnh đạo Phòng Kinh tế, UBND xã", COMMUNE)
BUILDING = Agency(
    "UBND phường", "Phòng Kinh tế, Hạ tầng và Đô thị, UBND phường", "Chủ tịch UBND phường", WARD
)
LABOUR = Agency("Sở Nội vụ", "Trung tâm Dịch vụ việc làm", "Lãnh đạo Sở Nội vụ", "000.00.15.H31")
INSURANCE = Agency(
    "Bảo hiểm xã hội cơ sở", "Bảo hiểm xã hội cơ sở", "Lãnh đạo Bảo hiểm xã hội cơ sở", "G22.50"
)
TAX = Agency("Thuế cơ sở", "Thuế cơ sở", "Lãnh đạo Thuế cơ sở", "000.20.38.H31")

PROCEDURES = (
    Procedure(
        "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu",
        FIRST_LAND,
        "dat-dai",
        20,
        "Lệ phí cấp Giấy chứng nhận 100.000 đồng",
        (("lệ phí trước bạ", 0.005),),
    ),
    Procedure(
        "Đăng ký biến động quyền sử dụng đất do chuyển nhượng",
        LAND,
        "dat-dai",
        10,
        "Lệ phí đăng ký biến động đất đai 30.000 đồng",
        (("thuế thu nhập cá nhân", 0.02), ("lệ phí trước bạ", 0.005)),
    ),
    Procedure(
        "Đăng ký khai sinh",
        CIVIL_STATUS,
        "tu-phap-ho-tich",
        0,
        "Miễn lệ phí (đăng ký khai sinh đúng hạn)",
    ),
    Procedure("Đăng ký kết hôn", CIVIL_STATUS, "tu-phap-ho-tich", 5, "Miễn lệ phí đăng ký kết hôn"),
    Procedure(
        "Cấp bản sao trích lục hộ tịch",
        CIVIL_STATUS,
        "tu-phap-ho-tich",
        0,
        "Phí cấp bản sao trích lục 8.000 đồng/bản",
    ),
    Procedure(
        "Đăng ký thành lập hộ kinh doanh",
        BUSINESS,
        "dang-ky-kinh-doanh",
        3,
        "Lệ phí đăng ký hộ kinh doanh 100.000 đồng",
    ),
    Procedure(
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        BUSINESS,
        "dang-ky-kinh-doanh",
        3,
        "Lệ phí đăng ký thay đổi 50.000 đồng",
    ),
    Procedure(
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        BUILDING,
        "xay-dung",
        15,
        "Lệ phí cấp giấy phép xây dựng 75.000 đồng",
    ),
    Procedure(
        "Giải quyết hưởng trợ cấp thất nghiệp",
        LABOUR,
        "lao-dong-viec-lam",
        20,
        "Không thu phí, lệ phí",
    ),
    Procedure(
        "Cấp lại sổ bảo hiểm xã hội", INSURANCE, "bao-hiem-xa-hoi", 10, "Không thu phí, lệ phí"
    ),
    Procedure("Đăng ký thuế lần đầu cho hộ kinh doanh", TAX, "thue", 3, "Không thu lệ phí"),
)
BY_NAME = {p.name: p for p in PROCEDURES}

# Each status's steps, in order: (who, what), "who" the one-stop desk or a field of the
# procedure's agency. The result is returned only with the last step, "Trả kết quả".
RECEIVE, EXAMINE = (ONE_STOP, "Tiếp nhận hồ sơ"), ("examiner", "Thẩm định hồ sơ")
APPROVE = ("signer", "Phê duyệt kết quả")
SEND_BACK = ("examiner", "Chuyển kết quả về Bộ phận Một cửa")
RETURN = (ONE_STOP, "Trả kết quả")
REFUSE = (ONE_STOP, "Không tiếp nhận hồ sơ (hồ sơ chưa đủ thành phần)")
STEPS: dict[int, tuple[tuple[str, str], ...]] = {
    1: (),  # registered online, not yet received
    2: (RECEIVE,),
    3: (REFUSE,),
    4: (RECEIVE, EXAMINE),
    5: (RECEIVE, EXAMINE, ("examiner", "Yêu cầu bổ sung giấy tờ")),
    6: (
        RECEIVE,
        EXAMINE,
        ("examiner", "Chuyển thông tin đến cơ quan thuế xác định nghĩa vụ tài chính"),
    ),
    7: (RECEIVE, (ONE_STOP, "Công dân rút hồ sơ")),
    8: (RECEIVE, EXAMINE, ("examiner", "Dừng xử lý hồ sơ")),
    9: (RECEIVE, EXAMINE, APPROVE, SEND_BACK),
    10: (RECEIVE, EXAMINE, APPROVE, SEND_BACK, RETURN),
}
# The share of the processing time by which a step is due (the others: by the due date).
DEADLINE = {RECEIVE[1]: 0.0, REFUSE[1]: 0.0, EXAMINE[1]: 0.6, APPROVE[1]: 0.85}
# Statuses 1..10 by weight: recent dossiers, and those long past their due date.
RECENT = (2, 4, 1, 30, 4, 3, 1, 1, 10, 20)
OLD = (0, 0, 1, 1, 0, 0, 1, 1, 4, 60)

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Ngọc", "Thu", "Quang", "Hữu")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Lan", "Nam", "Phúc", "Yến")

# Working time, counted in minutes: 480 a working day, 7:30-11:30 then 13:00-17:00.
DAY = 480
_MONDAY = dt.date(2000, 1, 3)


def working_day(date: dt.date) -> int:
    """The working day's index (a Saturday or Sunday gives the Monday after)."""
    weeks, rest = divmod((date - _MONDAY).days, 7)
    return weeks * 5 + min(rest, 5)


def working_date(index: int) -> dt.date:
    weeks, rest = divmod(index, 5)
    return _MONDAY + dt.timedelta(days=weeks * 7 + rest)


def working_minute(moment: dt.datetime) -> int:
    minutes = moment.hour * 60 + moment.minute - (7 * 60 + 30)
    if minutes > 240:  # the lunch break counts as its start; the afternoon after it
        minutes = max(240, minutes - 90)
    return working_day(moment.date()) * DAY + min(DAY, max(0, minutes))


def moment_of(minute: int) -> dt.datetime:
    day, into = divmod(minute, DAY)
    into += 7 * 60 + 30 if into < 240 else 13 * 60 - 240
    return dt.datetime.combine(working_date(day), dt.time(into // 60, into % 60))


def due_date(procedure: Procedure, received: dt.datetime) -> dt.datetime:
    """``procedure.days`` working days after the day of receipt, by 17:00; a same-day
    procedure received after 15:00 is due the next working day."""
    days = procedure.days or (1 if received.time() >= dt.time(15) else 0)
    return dt.datetime.combine(working_date(working_day(received.date()) + days), dt.time(17))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _money(amount: float) -> str:
    return f"{round(amount / 1000) * 1000:,} đồng".replace(",", ".")


def obligation(procedure: Procedure, rng: random.Random) -> str:
    """What the citizen must pay, for a property valued between 600 million and 4 billion
    đồng."""
    value = rng.randrange(12, 80) * 50_000_000
    owed = "; ".join(f"{what} {_money(value * share)}" for what, share in procedure.obligations)
    return owed[:1].upper() + owed[1:]


def dossier_code(agency: str, received: dt.date, sequence: int, digits: int = 4) -> str:
    return f"{agency}-{received:%y%m%d}-{sequence:0{digits}d}"


def _times(
    rng: random.Random, start: int, count: int, span: int, *, status: int, cutoff: int
) -> list[int]:
    """Working minutes of ``count`` steps from ``start``, in order and before ``cutoff``: a
    finished dossier's mostly within ``span`` (one in ten late), the result handed over
    after it came back; a dossier still being processed part-way through ``span``."""
    if count <= 1:
        return [start][:count]
    if status in (9, 10):
        on_time = rng.random() < 0.9
        done = span * (rng.uniform(0.35, 0.98) if on_time else rng.uniform(1.05, 1.4))
    else:
        done = span * rng.uniform(0.1, 0.9)
    inner = count - 2 - (status == 10)
    times = [start, *sorted(start + done * rng.random() for _ in range(inner)), start + done]
    if status == 10:  # collected later, by the due date if the result was ready in time
        times.append(times[-1] + min(rng.uniform(10, 960), max(10, start + span - 1 - times[-1])))
    marks = [round(t) for t in times]
    if marks[-1] >= cutoff:  # quicker: within the time there was before the export
        scale = (cutoff - 1 - start) * rng.uniform(0.6, 1.0) / (marks[-1] - start)
        marks = [start + round((t - start) * scale) for t in marks]
    for i in range(1, len(marks)):
        marks[i] = max(marks[i], marks[i - 1] + 1)
    return marks


def sample_dossier(
    rng: random.Random,
    procedure: Procedure,
    code: str,
    received: dt.datetime,
    status: int,
    *,
    today: dt.date,
    counters: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, Any]:
    """One record of ``procedure`` in ``status``, received at ``received`` (in working
    hours, before ``today``) and exported before ``today``'s first working hour."""
    if status == 6 and not procedure.obligations:
        raise ValueError(f"{procedure.name}: no financial obligation to ask for")
    due = due_date(procedure, received)
    start, span = working_minute(received), working_minute(due) - working_minute(received)
    plan = STEPS[status]
    times = _times(rng, start, len(plan), span, status=status, cutoff=working_day(today) * DAY)
    units = {"examiner": procedure.agency.examiner, "signer": procedure.agency.signer}
    steps = []
    for (who, what), at in zip(plan, times, strict=True):
        # Each step's own deadline: received at once (or turned away), examined by 60% of
        # the processing time, approved by 85%, the rest by the due date.
        share = DEADLINE.get(what, 1.0)
        deadline = moment_of(start + round(share * span)) if share < 1 else due
        steps.append(
            {
                "unit": units.get(who, who),
                "handler": _name(rng),
                "at": _iso(moment_of(at)),
                "content": what,
                "deadline": _iso(deadline),
            }
        )
    record: dict[str, Any] = {
        "code": code,
        "procedure": procedure.name,
        "applicant": _name(rng),
        "status": status,
    }
    if status != 1:
        record["received_at"] = _iso(received)
    if status not in (1, 3):
        record["due_at"] = _iso(due)
    record["steps"] = steps
    pickup = (counters or {}).get(procedure.service)
    if pickup:
        record["pickup_counter"] = rng.choice(list(pickup))
    if status == 6:
        record["fee"] = obligation(procedure, rng)
    elif status not in (1, 3, 7):
        record["fee"] = procedure.fee
    if status == 10:
        record["returned_at"] = steps[-1]["at"]
    record["version"] = len(steps) + rng.randint(1, 3)
    return record


def choose_status(
    rng: random.Random, procedure: Procedure, received: dt.datetime, today: dt.date
) -> int:
    """A status likely for a dossier of this age: one long past its due date is mostly
    returned; one registered online is recent; only a procedure with financial
    obligations asks for them."""
    start = working_minute(received)
    span, elapsed = (
        working_minute(due_date(procedure, received)) - start,
        working_day(today) * DAY - start,
    )
    weights = list(OLD if elapsed > span + 5 * DAY else RECENT)
    if elapsed < span * 0.3:  # early days: few are finished yet
        weights[8:] = [w // 4 for w in weights[8:]]
    if working_day(today) - working_day(received.date()) > 2:
        weights[0] = 0
    if not procedure.obligations:
        weights[5] = 0
    return rng.choices(range(1, 11), weights=weights)[0]


def sample_dossiers(
    today: dt.date, count: int, seed: int, counters: Mapping[str, Sequence[int]] | None = None
) -> Iterator[dict[str, Any]]:
    """``count`` dossiers received on the last 120 working days before ``today``, with
    unique codes; ``counters``: the counters of each service, where results are collected."""
    rng = random.Random(seed)
    per_day = max(1, count // 120 + 1)
    last = working_day(today)
    for index in range(count):
        received_day = working_date(last - (index // per_day % 120 + 1))
        received = moment_of(working_day(received_day) * DAY + rng.randrange(0, DAY - 30))
        procedure = rng.choice(PROCEDURES)
        sequence = index % 999_999 + 1
        code = dossier_code(
            procedure.agency.code, received_day, sequence, 4 if count < 10000 else 6
        )
        status = choose_status(rng, procedure, received, today)
        yield sample_dossier(rng, procedure, code, received, status, today=today, counters=counters)
