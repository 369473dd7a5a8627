"""The demo's dossiers make sense to whoever reads them: each procedure with the agency
that settles it and the fees that belong to it, steps in time order inside working hours,
the status matching the steps, the due date matching the processing time.

The checks here are written on their own (time arithmetic, what each status needs); only
the table of procedures, which the demo's data is built from, is shared."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import pytest

from kiosk import codes
from kiosk.app.demo._busy_site import SERVICES as BUSY_SERVICES
from kiosk.app.demo._slips import CACHED, demo_slips, service_counters
from kiosk.app.demo.dossiers import BY_NAME, ONE_STOP, PROCEDURES, sample_dossiers
from kiosk.config import load_config
from tests.conftest import EXAMPLE

RECEIVE, EXAMINE, APPROVE = "Tiếp nhận hồ sơ", "Thẩm định hồ sơ", "Phê duyệt kết quả"
SEND_BACK, RETURN = "Chuyển kết quả về Bộ phận Một cửa", "Trả kết quả"
IN_PROGRESS = {2, 4, 5, 6}  # received, being processed, papers to add, fees to pay
FINISHED = {9, 10}
CONFIG = load_config(str(EXAMPLE))
COUNTERS = service_counters(CONFIG)


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _working_time(moment: dt.datetime) -> bool:
    clock = moment.time()
    return moment.weekday() < 5 and (
        dt.time(7, 30) <= clock <= dt.time(11, 30) or dt.time(13) <= clock <= dt.time(17)
    )


def _due(days: int, received: dt.datetime) -> dt.datetime:
    """``days`` working days after the day of receipt, at 17:00 (same-day procedures: that
    day if received before 15:00, else the next working day)."""
    if days == 0 and received.time() >= dt.time(15):
        days = 1
    day = received.date()
    while days:
        day += dt.timedelta(days=1)
        days -= day.weekday() < 5
    return dt.datetime.combine(day, dt.time(17))


def _amounts(fee: str) -> dict[str, int]:
    return {name.strip().lower(): int(amount.replace(".", ""))
            for name, amount in re.findall(r"([^;\d]+?) ([\d.]+) đồng", fee)}  # fmt: skip


def problems(record: dict[str, Any], today: dt.date) -> list[str]:
    """What is wrong with ``record``, exported before ``today`` began; [] when nothing."""
    found: list[str] = []
    procedure = BY_NAME.get(record["procedure"])
    if procedure is None:
        return [f"{record['procedure']}: not a procedure of the table"]
    agency = procedure.agency
    status = record["status"]
    steps = record["steps"]
    contents = [s["content"] for s in steps]
    times = [_at(s["at"]) for s in steps]
    export = dt.datetime.combine(today, dt.time(0))
    texts = [record["procedure"], record["applicant"], record.get("fee", ""),
             *(s["unit"] for s in steps), *(s["handler"] for s in steps), *contents]  # fmt: skip
    if any(unicodedata.normalize("NFC", t) != t for t in texts):
        found.append("text not in NFC")
    # The code: the receiving agency's, the date received.
    code = codes.classify(record["code"])
    if code.kind != codes.DOSSIER or not record["code"].startswith(agency.code + "-"):
        found.append(f"code {record['code']} is not {agency.name}'s")
    # Time order, working hours, all before the export.
    if times != sorted(times):
        found.append("steps out of time order")
    if any(not _working_time(t) or t >= export for t in times):
        found.append("a step outside working hours or after the export")
    received = _at(record["received_at"]) if "received_at" in record else None
    if received is not None:
        if not _working_time(received) or received >= export:
            found.append("received outside working hours")
        if received.strftime("%y%m%d") != record["code"].split("-")[-2]:
            found.append("the code's date is not the day received")
        if any(t < received for t in times):
            found.append("a step before the dossier was received")
    # Who does what: the one-stop desk receives and returns; the agency examines and signs.
    unit_of = {RECEIVE: ONE_STOP, RETURN: ONE_STOP, EXAMINE: agency.examiner,
               APPROVE: agency.signer, SEND_BACK: agency.examiner}  # fmt: skip
    for step in steps:
        expected = unit_of.get(step["content"])
        if step["unit"] not in (ONE_STOP, agency.examiner, agency.signer) or (
            expected is not None and step["unit"] != expected
        ):
            found.append(f"{step['content']} by {step['unit']} for {procedure.name}")
    # The status and the steps.
    if status == 1 and (steps or received is not None):
        found.append("registered online, yet received")
    if status not in (1, 3) and contents[:1] != [RECEIVE]:
        found.append("the first step is not the receipt")
    if contents[:1] == [RECEIVE] and times[0] != received:
        found.append("received at another time than the receipt step")
    if status in FINISHED and (APPROVE not in contents or SEND_BACK not in contents):
        found.append("finished without approval or without the result sent back")
    if status in IN_PROGRESS and {APPROVE, SEND_BACK, RETURN} & set(contents[-1:]):
        found.append("still in progress, yet approved and sent back")
    if status == 10:
        if contents[-1:] != [RETURN] or record.get("returned_at") != steps[-1]["at"]:
            found.append("returned other than with the last step, Trả kết quả")
    elif RETURN in contents or "returned_at" in record:
        found.append(f"status {status}, yet the result was returned")
    # The due date: the procedure's processing time after receipt.
    if status in (1, 3):
        if "due_at" in record:
            found.append(f"status {status} has a due date")
    elif received is None or _at(record["due_at"]) != _due(procedure.days, received):
        found.append(f"due {record.get('due_at')}, not {procedure.days} working days on")
    # Fees: the procedure's own; its financial obligations only when asking for them.
    fee = record.get("fee")
    if status == 6:
        owed = _amounts(fee or "")
        shares = {name.lower(): share for name, share in procedure.obligations}
        values = {amount / shares[name] for name, amount in owed.items() if name in shares}
        if not procedure.obligations or set(owed) != set(shares) or len(values) != 1:
            found.append(f"obligations {fee!r} are not those of {procedure.name}")
    elif status in (1, 3, 7):
        if fee:
            found.append(f"status {status} has a fee")
    elif fee != procedure.fee:
        found.append(f"fee {fee!r} is not that of {procedure.name}")
    # Where the result is collected: a counter of the procedure's service.
    if "pickup_counter" in record and record["pickup_counter"] not in COUNTERS[procedure.service]:
        found.append(f"pickup at counter {record['pickup_counter']}, not a {procedure.service} one")
    return found


def demo_dossiers(today: dt.date) -> list[list[dict[str, Any]]]:
    """The dossiers the demo imports on ``today`` (its cache and its slips), and the busy
    day's."""
    slips = [record for _, record, _ in demo_slips(today, COUNTERS) if record is not None]
    return [[*sample_dossiers(today, CACHED, 11, COUNTERS), *slips],
            list(sample_dossiers(today, 300, 7, COUNTERS))]  # fmt: skip


# A Monday, a Wednesday, the first working day of a year, and today (as the demo runs).
DAYS = [dt.date(2026, 12, 7), dt.date(2026, 11, 25), dt.date(2027, 1, 4), dt.date.today()]


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_ok__every_demo_dossier_keeps_the_invariants(today: dt.date) -> None:
    demo, busy_day = demo_dossiers(today)
    assert len(demo) > CACHED
    for cache in (demo, busy_day):
        assert len({r["code"] for r in cache}) == len(cache)
    records = demo + busy_day
    wrong = {r["code"]: p for r in records if (p := problems(r, today))}
    assert not wrong, list(wrong.items())[:5]
    # Every status and every procedure is shown somewhere.
    assert {r["status"] for r in records} == set(range(1, 11))
    assert {r["procedure"] for r in records} == set(BY_NAME)


def test_ok__the_bench_cache_keeps_the_invariants_too() -> None:
    today = dt.date(2026, 12, 7)
    records = list(sample_dossiers(today, 12_000, seed=3))
    assert not [r["code"] for r in records if problems(r, today)][:5]
    assert "pickup_counter" not in records[0]  # no centre's counters given


def test_ok__the_slips_scanned_in_the_demo_show_what_they_are_there_to_show() -> None:
    today = dt.date(2026, 12, 7)
    slips = [record for _, record, _ in demo_slips(today, COUNTERS) if record is not None]
    status = [record["status"] for record in slips]
    assert status == [9, 4, 4, 6, 5, 10]
    ready, working, late, fee, _, _ = slips
    assert ready["pickup_counter"] in COUNTERS["tu-phap-ho-tich"]
    assert _at(working["due_at"]).date() > today > _at(late["due_at"]).date()  # one overdue
    assert "trước bạ" in fee["fee"] and BY_NAME[fee["procedure"]].agency.name == (
        "Văn phòng đăng ký đất đai"
    )


def test_ok__the_table_gives_each_procedure_its_agency_and_its_fees() -> None:
    agency = {p.name: p.agency for p in PROCEDURES}
    # Since 1 July 2025 local government has two tiers, the province and the commune: civil
    # status, household businesses, a house's building permit and a household's first land
    # certificate are the commune's (UBND xã, UBND phường); a transfer of land is registered
    # by the land registration office's branch; labour is the Sở Nội vụ's.
    for name in ("Đăng ký kết hôn", "Đăng ký khai sinh", "Cấp bản sao trích lục hộ tịch"):
        assert agency[name].name == "UBND xã"
        assert agency[name].examiner == "Công chức Tư pháp - Hộ tịch, UBND xã"
    land = [p for p in PROCEDURES if "quyền sử dụng đất" in p.name]
    assert len(land) == 2
    first, transfer = land
    assert (first.agency.name, transfer.agency.name) == ("UBND xã", "Văn phòng đăng ký đất đai")
    assert first.agency.signer == "Chủ tịch UBND xã"
    assert {p.agency.examiner for p in land} == {"Chi nhánh Văn phòng đăng ký đất đai"}
    for name in ("Đăng ký thành lập hộ kinh doanh",
                 "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh"):  # fmt: skip
        assert (agency[name].name, agency[name].examiner) == ("UBND xã", "Phòng Kinh tế, UBND xã")
    assert agency["Cấp giấy phép xây dựng nhà ở riêng lẻ"].name == "UBND phường"
    assert agency["Giải quyết hưởng trợ cấp thất nghiệp"].name == "Sở Nội vụ"
    assert agency["Cấp lại sổ bảo hiểm xã hội"].name == "Bảo hiểm xã hội cơ sở"
    assert agency["Đăng ký thuế lần đầu cho hộ kinh doanh"].name == "Thuế cơ sở"
    # The marriage fee is exempt; registration tax (trước bạ) is land's, never a fee paid
    # on submission, nor a tax registration's.
    assert BY_NAME["Đăng ký kết hôn"].fee.startswith("Miễn lệ phí")
    for procedure in PROCEDURES:
        owed = " ".join(name for name, _ in procedure.obligations)
        assert "trước bạ" not in procedure.fee
        assert ("trước bạ" in owed) == (procedure in land), procedure.name
        assert procedure.days in (0, 3, 5, 10, 15, 20)
        assert COUNTERS.get(procedure.service), procedure.service
    assert not BY_NAME["Đăng ký thuế lần đầu cho hộ kinh doanh"].obligations
    # Each agency has one code, and no two agencies share one.
    by_code = {p.agency.code: p.agency.name for p in PROCEDURES}
    assert len(by_code) == len({p.agency.name for p in PROCEDURES})


# Bodies gone since Vietnam's 2025 reforms: the district level (cấp huyện: its quận, huyện,
# thị xã and their offices) and the thị trấn, abolished on 1 July 2025; the departments of
# the ministries merged in March 2025; the tax offices reorganised into Thuế tỉnh and Thuế
# cơ sở. A reader in 2026 meets none of them in the demo.
ABOLISHED = (
    "huyện", "quận", "thị xã", "thị trấn", "Phòng Tư pháp", "Phòng Tài chính - Kế hoạch",
    "Phòng Kinh tế - Hạ tầng", "Phòng Kinh tế và Hạ tầng", "Phòng Quản lý đô thị",
    "Phòng Lao động", "Tài nguyên và Môi trường", "Lao động - Thương binh",
    "Thương binh và Xã hội", "Kế hoạch và Đầu tư", "Giao thông vận tải",
    "Nông nghiệp và Phát triển nông thôn", "Chi cục Thuế", "Cục Thuế tỉnh", "BHXH",
)  # fmt: skip
_ABOLISHED = re.compile(r"\b(?:" + "|".join(map(re.escape, ABOLISHED)) + r")\b", re.IGNORECASE)


def abolished(text: str) -> list[str]:
    return _ABOLISHED.findall(unicodedata.normalize("NFC", text))


def test_ok__no_agency_in_the_table_is_one_abolished_in_2025() -> None:
    # The check finds the names the table used before the reforms.
    for old in ("Phòng Tài chính - Kế hoạch", "Lãnh đạo UBND cấp huyện", "Chi cục Thuế",
                "Sở Lao động - Thương binh và Xã hội", "Bảo hiểm xã hội cấp huyện",
                "Phòng Tài nguyên và Môi trường quận Hai Bà Trưng"):  # fmt: skip
        assert abolished(old), old
    assert not abolished("Đăng ký khai sinh cho trẻ em trong trường hợp đặc biệt")
    texts = {ONE_STOP}
    for procedure in PROCEDURES:
        agency = procedure.agency
        texts |= {procedure.name, procedure.fee, agency.name, agency.examiner, agency.signer}
    assert not {text: found for text in texts if (found := abolished(text))}


def test_ok__the_centres_services_are_named_as_in_2026() -> None:
    """The example centre's and the busy day's services and counters, as the kiosk's
    buttons, the tickets and the wall display show them."""
    busy = {name for _, name, _, _ in BUSY_SERVICES}
    texts = {CONFIG.site.name, *(s.name for s in CONFIG.services),
             *(c.label for c in CONFIG.counters), *busy}  # fmt: skip
    assert not {text: found for text in texts if (found := abolished(text))}
    # Every service a procedure's result is collected at is one of the busy day's too.
    assert {p.service for p in PROCEDURES} <= {sid for sid, _, _, _ in BUSY_SERVICES}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"procedure": "Đăng ký kết hôn"}, "not that of Đăng ký kết hôn"),  # a land fee
        ({"fee": "Lệ phí trước bạ 500.000 đồng"}, "is not that of"),
        ({"returned_at": "2026-11-02T08:00"}, "returned other than with the last step"),
        ({"status": 9}, "yet the result was returned"),
        ({"due_at": "2026-12-30T17:00"}, "not 10 working days on"),
    ],
)
def test_fail__the_checks_catch_a_record_that_contradicts_itself(
    change: dict[str, Any], problem: str
) -> None:
    today = dt.date(2026, 12, 7)
    transfer = "Đăng ký biến động quyền sử dụng đất do chuyển nhượng"
    record = next(r for r in sample_dossiers(today, 400, 5, COUNTERS)
                  if r["procedure"] == transfer and r["status"] == 10)  # fmt: skip
    assert problems(record, today) == []
    assert any(problem in p for p in problems({**record, **change}, today))
    swapped = [{**step, "at": record["steps"][0]["at"]} for step in record["steps"]]
    swapped[0], swapped[-1] = swapped[-1], swapped[0]
    assert problems({**record, "steps": swapped}, today)
