"""Views for the QR on a queue ticket: its place in the queue, or re-entry when missed."""

from __future__ import annotations

import datetime as dt

from kiosk import tokens
from kiosk.config import Config
from kiosk.lookup._view import TICKET, Row, View
from kiosk.store import Store
from kiosk.ticketing import Position, Refused, local_time, reenter, reentry_refused, ticket_position


def _counters(config: Config, service: str) -> str:
    return ", ".join(str(c.number) for c in config.counters if service in c.services)


def _service_name(config: Config, service: str) -> str:
    try:
        return config.service(service).name
    except KeyError:
        return service


def _waiting(config: Config, position: Position, title: str, lead: str) -> View:
    ticket = position.ticket
    ahead = position.ahead or 0
    rows = [Row("Dịch vụ", _service_name(config, ticket.service))]
    rows.append(Row("Phía trước", "không còn ai" if ahead == 0 else f"còn {ahead} người"))
    if position.wait_minutes is not None:
        wait = (
            "dưới 1 phút" if position.wait_minutes < 1 else f"khoảng {position.wait_minutes} phút"
        )
        rows.append(Row("Dự kiến chờ", wait))
    if counters := _counters(config, ticket.service):
        rows.append(Row("Quầy phục vụ", counters))
    ahead_text = "Không còn ai phía trước" if ahead == 0 else f"Phía trước còn {ahead} người"
    return View(
        kind=TICKET,
        tone="info" if title == "ĐANG CHỜ" else "ok",
        title=title,
        code=ticket.number,
        heading=f"Số {ticket.number}",
        rows=tuple(rows),
        action=f"{lead}{ahead_text}. Mời ông/bà chú ý màn hình và loa gọi số.",
        detail={"status": "waiting", "ahead": ahead, "wait_minutes": position.wait_minutes},
    )


def _refused_view(number: str, title: str, action: str, status: str, tone: str = "bad") -> View:
    return View(
        kind=TICKET,
        tone=tone,
        title=title,
        code=number,
        heading=f"Số {number}" if number else "",
        action=action,
        detail={"status": status},
    )


def _missed(store: Store, config: Config, position: Position, now: float, act: bool) -> View:
    ticket = position.ticket
    refused = reentry_refused(config, ticket, now)
    if refused is None and act:
        try:
            reenter(store, config, ticket.number, now=now)
        except Refused as exc:  # changed since it was read (another scan, a counter)
            refused = exc
        else:
            again = ticket_position(store, config, ticket.day, ticket.number, now=now)
            if again is not None and again.ticket.status == "waiting":
                return _waiting(
                    config,
                    again,
                    "ĐÃ VÀO LẠI HÀNG CHỜ",
                    f"Số {ticket.number} đã được đưa trở lại hàng chờ. ",
                )
            return ticket_view_for(store, config, ticket.day, ticket.number, now, act=False)
    if refused is None:  # a preview: say what a scan at the kiosk would do
        return _refused_view(
            ticket.number,
            "ĐÃ QUA LƯỢT",
            f"Số {ticket.number} đã qua lượt; quét phiếu tại máy quét để vào lại hàng chờ.",
            "missed",
            "warn",
        )
    # A refusal without Vietnamese words of its own (a race with a counter) gets general ones.
    said = refused.vi if refused.vi != str(refused) else "Mời ông/bà hỏi quầy hướng dẫn."
    return _refused_view(ticket.number, "ĐÃ QUA LƯỢT", said, "missed")


def ticket_view_for(
    store: Store, config: Config, day: str, number: str, now: float, *, act: bool
) -> View:
    position = ticket_position(store, config, day, number, now=now)
    if position is None:
        return _refused_view(
            number,
            "KHÔNG TÌM THẤY SỐ",
            f"Không tìm thấy số {number} hôm nay. Mời ông/bà hỏi quầy hướng dẫn.",
            "unknown",
            "warn",
        )
    ticket = position.ticket
    if ticket.day != position.current_day:
        when = dt.date.fromisoformat(ticket.day)
        return _refused_view(
            number,
            "PHIẾU ĐÃ HẾT HẠN",
            f"Phiếu số {number} ngày {when:%d/%m/%Y} chỉ có giá trị trong ngày. Mời lấy số mới.",
            "old",
        )
    status = ticket.status
    if status == "waiting":
        return _waiting(config, position, "ĐANG CHỜ", "")
    if status == "issued":
        return _refused_view(
            number, "ĐANG IN PHIẾU", "Phiếu đang được in, mời chờ giây lát.", "issued", "info"
        )
    if status == "called":
        return _refused_view(
            number,
            "ĐÃ ĐẾN LƯỢT",
            f"Số {number} đang được mời đến quầy số {ticket.counter}. Mời ông/bà đến ngay.",
            "called",
            "ok",
        )
    if status == "done":
        at = (
            ""
            if ticket.finished_at is None
            else f" lúc {local_time(config, ticket.finished_at):%H:%M}"
        )
        return _refused_view(
            number,
            "ĐÃ PHỤC VỤ XONG",
            f"Số {number} đã được phục vụ tại quầy số {ticket.counter}{at}.",
            "done",
            "plain",
        )
    if status == "missed":
        return _missed(store, config, position, now, act)
    if status == "void":
        return _refused_view(
            number, "PHIẾU ĐÃ HỦY", "Phiếu này bị hủy do in lỗi. Mời lấy số mới.", "void"
        )
    return _refused_view(
        number, "PHIẾU ĐÃ HẾT HẠN", "Phiếu không còn giá trị. Mời lấy số mới.", status
    )


def ticket_view(store: Store, config: Config, token: str, now: float, *, act: bool) -> View:
    try:
        # Read, never made here: a site without a key has signed no ticket (and a store
        # opened only to read could not make one).
        ref = tokens.verify(tokens.stored_key(store), token)
    except tokens.BadToken as exc:
        if "not issued" in str(exc):
            action = "Phiếu này không do trung tâm cấp. Mời lấy số tại máy lấy số."
            return _refused_view("", "PHIẾU KHÔNG HỢP LỆ", action, "foreign")
        action = "Không đọc được mã trên phiếu. Mời quét lại."
        return _refused_view("", "PHIẾU KHÔNG HỢP LỆ", action, "unreadable")
    return ticket_view_for(store, config, ref.day, ref.number, now, act=act)
