"""python-evdev for the whole product, loaded without its asyncio half.

``evdev.device`` imports ``evdev.eventio_async``, which imports asyncio, which imports
ssl and with it OpenSSL: about 5 MB in every daemon that reads a keypad or a scanner,
for an event loop nothing here uses (devices are read with ``select`` on their own
threads). evdev falls back to its plain ``EventIO`` when asyncio cannot be imported,
so asyncio is held back for the moment evdev loads. Where asyncio is already loaded
there is nothing to save and evdev loads as it is.

Import evdev's names from here (``from kiosk.evdev_lib import ecodes``), never from
``evdev`` directly, so that the first import is this one.
"""

from __future__ import annotations

from kiosk.stand_ins import standing_in

with standing_in({"asyncio": None}):
    import evdev  # noqa: F401

from evdev import InputDevice, InputEvent, ecodes
from evdev.eventio import EventIO

__all__ = ["EventIO", "InputDevice", "InputEvent", "ecodes"]
