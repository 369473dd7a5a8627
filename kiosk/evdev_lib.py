"""python-evdev for the whole product, loaded without its asyncio half (``kiosk.held_back``
says why and what it saves).

Import evdev's names from here (``from kiosk.evdev_lib import ecodes``), never from
``evdev`` directly (ruff's TID251 says so), so that the first import is this one.
"""

from __future__ import annotations

from kiosk.held_back import load

load("evdev")

from evdev import InputDevice, InputEvent, ecodes  # noqa: E402
from evdev.eventio import EventIO  # noqa: E402

__all__ = ["EventIO", "InputDevice", "InputEvent", "ecodes"]
