"""Ticket numbers: letter prefix with padded digits (``A023``) or a number band (``1023``)."""

from __future__ import annotations

import string

from kiosk.config import ServiceConfig, capacity

# Every character a ticket number can hold: a prefix of one or two capitals A-Z (the config
# refuses any other) and digits.
NUMBER_CHARS = string.ascii_uppercase + string.digits


def daily_limit(service: ServiceConfig) -> int:
    """The most tickets the service may issue in one day (cap, or what the format holds)."""
    room = capacity(service)
    return min(service.daily_cap, room) if service.daily_cap else room


def format_number(service: ServiceConfig, seq: int) -> str:
    """The number shown for the ``seq``-th ticket of the day (1-based)."""
    if not 1 <= seq <= capacity(service):
        raise ValueError(f"ticket {seq} is outside the number format of {service.id!r}")
    if service.band is not None:
        return str(service.band[0] + seq - 1)
    return f"{service.prefix}{seq:0{service.digits}d}"
