"""The look-up screen between scans: how to use it."""

from __future__ import annotations

from kiosk.config import Config
from kiosk.lookup._view import IDLE, Row, View


def idle_view(config: Config, *, catalogue: bool = False) -> View:
    """The instructions; with ``catalogue`` (the device has one), how to look up a
    procedure too."""
    rows = [
        Row("Phiếu hẹn trả kết quả", "đưa mã vạch hoặc mã QR vào dưới máy quét"),
        Row("Phiếu số thứ tự", "quét mã QR để xem còn bao nhiêu người phía trước"),
    ]
    if catalogue:
        rows.append(Row("Thủ tục hành chính", "chạm vào màn hình để tra cứu giấy tờ cần nộp"))
    return View(
        kind=IDLE,
        tone="info",
        title="TRA CỨU TÌNH TRẠNG HỒ SƠ",
        heading="Mời ông/bà quét mã trên phiếu",
        rows=tuple(rows),
        action=config.lookup.help,
    )
