"""The look-up screen between scans: how to use it."""

from __future__ import annotations

from kiosk.config import Config
from kiosk.lookup._view import IDLE, Row, View


def idle_view(config: Config) -> View:
    rows = [
        Row("Phiếu hẹn trả kết quả", "đưa mã vạch hoặc mã QR vào dưới máy quét"),
        Row("Phiếu số thứ tự", "quét mã QR để xem còn bao nhiêu người phía trước"),
    ]
    return View(
        kind=IDLE,
        tone="info",
        title="TRA CỨU TÌNH TRẠNG HỒ SƠ",
        heading="Mời ông/bà quét mã trên phiếu",
        rows=tuple(rows),
        action=config.lookup.help,
    )
