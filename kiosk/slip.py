"""What a printed ticket says, independent of how a printer draws it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.config import Config
from kiosk.ticketing import Issued, local_time

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


@dataclass(frozen=True)
class Slip:
    """The content of one ticket, all text NFC (it comes from the validated config)."""

    site: str
    service: str
    number: str
    counters: tuple[int, ...]
    issued: dt.datetime  # local time of the site
    ahead: int
    wait_minutes: int | None
    priority: bool
    token: str  # what the QR holds; "" for none
    footer: str

    @property
    def counters_line(self) -> str:
        numbers = ", ".join(str(n) for n in self.counters)
        return f"Mời đến quầy số {numbers}"

    @property
    def ahead_line(self) -> str:
        if self.ahead == 0:
            return "Không có ai chờ trước"
        return f"Phía trước còn {self.ahead} người"

    @property
    def wait_line(self) -> str:
        if self.wait_minutes is None:
            return ""
        if self.wait_minutes < 1:
            return "Dự kiến chờ dưới 1 phút"
        return f"Dự kiến chờ khoảng {self.wait_minutes} phút"

    @property
    def time_line(self) -> str:
        weekday = WEEKDAYS_VI[self.issued.weekday()]
        return f"{self.issued:%H:%M}  {weekday}, {self.issued:%d/%m/%Y}"


def slip_for(config: Config, issued: Issued, token: str) -> Slip:
    ticket = issued.ticket
    counters = tuple(c.number for c in config.counters if ticket.service in c.services)
    return Slip(
        site=config.site.name,
        service=config.service(ticket.service).name,
        number=ticket.number,
        counters=counters,
        issued=local_time(config, ticket.issued_at),
        ahead=issued.ahead,
        wait_minutes=issued.wait_minutes,
        priority=ticket.priority,
        token=token,
        footer=config.kiosk.footer,
    )
