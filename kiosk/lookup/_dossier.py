"""Views for dossier codes: progress, due date, what to do next; not found; invalid."""

from __future__ import annotations

from kiosk import codes
from kiosk.config import Config
from kiosk.dossiers import IN_PROGRESS, RESULT_READY, RETURNED, Dossier
from kiosk.lookup._view import (
    DOSSIER,
    INVALID,
    NOT_FOUND,
    Row,
    TimelineStep,
    View,
    clock_date,
    short,
)
from kiosk.ticketing import local_time

SHOWN_STEPS = 6  # the latest steps (the screen's timeline has room for six)
_TONE = {
    1: "info",
    2: "info",
    3: "bad",
    4: "info",
    5: "warn",
    6: "warn",
    7: "plain",
    8: "bad",
    9: "ok",
    10: "plain",
}


def stale_note(config: Config, updated_at: float | None, now: float) -> str:
    """ "Dữ liệu cập nhật lúc HH:MM dd/mm/yyyy" when the cache has not been fed for a while."""
    if updated_at is None:
        return "Chưa nhận được dữ liệu hồ sơ từ hệ thống."
    if now - updated_at <= config.lookup.stale_minutes * 60:
        return ""
    return f"Dữ liệu cập nhật lúc {clock_date(local_time(config, updated_at))}"


def _where(dossier: Dossier) -> str:
    if dossier.pickup_counter is not None:
        return f"quầy số {dossier.pickup_counter}"
    if dossier.pickup:
        return dossier.pickup
    return "quầy trả kết quả"


def _finished_at(dossier: Dossier) -> float | None:
    """When processing finished: its last step (collecting the result late is not the
    agency's delay); the return itself when no step has a time."""
    times = [s.at for s in dossier.steps if s.at is not None]
    if times:
        return max(times)
    return dossier.returned_at if dossier.status == RETURNED else None


def _days(config: Config, later: float, earlier: float) -> int:
    """Calendar days between two moments, in the site's time zone."""
    return (local_time(config, later).date() - local_time(config, earlier).date()).days


def _due(config: Config, dossier: Dossier, now: float) -> tuple[str, str, bool]:
    """The due row's text, the on-time/late badge, and whether it is overdue now."""
    if dossier.due_at is None:
        return "", "", False
    due = clock_date(local_time(config, dossier.due_at))
    # Being processed: "trong hạn" / "quá hạn"; finished: "đúng hạn" / "trễ hạn".
    if dossier.status in IN_PROGRESS:
        if now > dossier.due_at:
            late = _days(config, now, dossier.due_at)
            text = f"trễ {late} ngày" if late >= 1 else "đã quá giờ hẹn hôm nay"
            return f"{due} ({text})", "QUÁ HẠN", True
        left = _days(config, dossier.due_at, now)
        text = {0: "hôm nay", 1: "còn 1 ngày, ngày mai"}.get(left, f"còn {left} ngày")
        return f"{due} ({text})", "TRONG HẠN", False
    if dossier.status in (RESULT_READY, RETURNED):
        finished = _finished_at(dossier)
        if finished is None:
            return due, "", False
        if finished <= dossier.due_at:
            return due, "ĐÚNG HẠN", False
        late = _days(config, finished, dossier.due_at)
        text = f"xong trễ {late} ngày" if late >= 1 else "xong sau giờ hẹn"
        return f"{due} ({text})", "TRỄ HẠN", False
    return due, "", False


def _action(dossier: Dossier, overdue: bool, config: Config) -> str:
    where = _where(dossier)
    status = dossier.status
    # Waiting on the agency: it owes an apology. Waiting on the citizen (papers to add,
    # fees to pay): what they must do comes first.
    if overdue and status not in (5, 6):
        return (
            "Hồ sơ đã quá hạn giải quyết. Cơ quan giải quyết sẽ gửi ông/bà phiếu xin lỗi và "
            f"hẹn lại ngày trả kết quả; mời ông/bà liên hệ {where} nếu cần hỗ trợ."
        )
    if status == 1:
        return "Hồ sơ đã đăng ký, đang chờ cán bộ tiếp nhận. Ông/bà chưa cần làm gì thêm."
    if status == 2:
        return "Hồ sơ đã được tiếp nhận và chuyển xử lý. Ông/bà chưa cần làm gì thêm."
    if status == 3:
        return (
            f"Hồ sơ không được tiếp nhận. Mời ông/bà đến {where} để nhận lại hồ sơ "
            "và được hướng dẫn."
        )
    if status == 4:
        return "Hồ sơ đang được xử lý. Mời ông/bà quay lại theo ngày hẹn trả kết quả."
    if status == 5:
        return f"Hồ sơ cần bổ sung giấy tờ. Mời ông/bà đến {where} để được hướng dẫn bổ sung."
    if status == 6:
        fee = f" ({dossier.fee})" if dossier.fee else ""
        return (
            f"Mời ông/bà thực hiện nghĩa vụ tài chính{fee}, rồi mang chứng từ đã nộp đến {where}."
        )
    if status == 7:
        return f"Hồ sơ đã được rút theo yêu cầu. Mời ông/bà đến {where} để nhận lại giấy tờ."
    if status == 8:
        return f"Hồ sơ đã dừng xử lý. Mời ông/bà đến {where} để biết lý do và được hướng dẫn."
    if status == RESULT_READY:
        return f"Hồ sơ đã có kết quả, mời ông/bà đến {where} để nhận kết quả"
    returned = dossier.returned_at
    when = f" ngày {local_time(config, returned):%d/%m/%Y}" if returned is not None else ""
    return f"Kết quả đã được trả{when}. Cảm ơn ông/bà."


def _timeline(config: Config, dossier: Dossier) -> tuple[TimelineStep, ...]:
    ordered = sorted(
        enumerate(dossier.steps), key=lambda item: (item[1].at is None, item[1].at or 0, item[0])
    )
    steps = []
    last = len(ordered) - 1
    for index, (_, step) in enumerate(ordered):
        at = "" if step.at is None else short(local_time(config, step.at))
        late = step.at is not None and step.deadline is not None and step.at > step.deadline
        steps.append(TimelineStep(at, step.unit, step.content, step.handler, index == last, late))
    return tuple(steps[-SHOWN_STEPS:])


def dossier_view(config: Config, dossier: Dossier, now: float, updated_at: float | None) -> View:
    due_text, badge, overdue = _due(config, dossier, now)
    rows = [Row("Mã hồ sơ", dossier.code)]
    if dossier.applicant:
        rows.append(Row("Người nộp", dossier.applicant))
    if dossier.received_at is not None:
        rows.append(Row("Ngày nhận", clock_date(local_time(config, dossier.received_at))))
    if due_text:
        rows.append(Row("Hẹn trả", due_text))
    if dossier.status == RETURNED and dossier.returned_at is not None:
        rows.append(Row("Ngày trả", clock_date(local_time(config, dossier.returned_at))))
    if dossier.fee:
        rows.append(Row("Phí, lệ phí", dossier.fee))
    if dossier.pickup and dossier.status not in (RETURNED,):
        rows.append(Row("Nơi nhận kết quả", dossier.pickup))
    hidden = max(0, len(dossier.steps) - SHOWN_STEPS)
    return View(
        kind=DOSSIER,
        tone="bad" if overdue else _TONE[dossier.status],
        title=dossier.status_label.upper(),
        badge=badge,
        code=dossier.code,
        heading=dossier.procedure,
        rows=tuple(rows),
        action=_action(dossier, overdue, config),
        steps=_timeline(config, dossier),
        note=stale_note(config, updated_at, now),
        detail={
            "status": dossier.status,
            "status_label": dossier.status_label,
            "overdue": overdue,
            "version": dossier.version,
            "steps_hidden": hidden,
        },
    )


def not_found_view(config: Config, code: str, now: float, updated_at: float | None) -> View:
    return View(
        kind=NOT_FOUND,
        tone="warn",
        title="KHÔNG TÌM THẤY HỒ SƠ",
        code=code,
        heading=code,
        action=(
            "Chưa có hồ sơ với mã này trên hệ thống. Hồ sơ vừa nộp có thể chưa được cập nhật; "
            "mời ông/bà hỏi quầy hướng dẫn."
        ),
        note=stale_note(config, updated_at, now),
    )


def invalid_view(found: codes.Code) -> View:
    if found.kind == codes.PROCEDURE:
        action = (
            "Đây là mã thủ tục hành chính, không phải mã hồ sơ. Mời quét mã vạch hoặc mã QR "
            "trên phiếu hẹn trả kết quả."
        )
    else:
        action = "Không đọc được mã hồ sơ. Mời quét mã vạch hoặc mã QR trên phiếu hẹn trả kết quả."
    # What was scanned is never shown back (screen, ``kiosk scan``, snapshots): it may be
    # anything put under the scanner, a stranger's text or a prank.
    return View(
        kind=INVALID,
        tone="bad",
        title="MÃ KHÔNG HỢP LỆ",
        action=action,
        detail={"reason": found.reason, "what": found.kind},
    )
