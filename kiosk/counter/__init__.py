"""The counter station: call-next, recall, no-show, done, transfer and pause keys, and the
citizen's rating keys, through the queue rules.

Core: what a key means (:class:`Key`, :class:`Press`) and what the station needs from the
counters' LEDs (:class:`Lights`) are defined here; ``kiosk.keys`` reads the keys (GPIO pins,
USB keypads) and drives the LEDs. Imports only the core.
"""

from kiosk.counter._keys import EMPTY, REFUSED, THANKS, Key, Lights, Press
from kiosk.counter._station import Outcome, Station

__all__ = [
    "EMPTY",
    "REFUSED",
    "THANKS",
    "Key",
    "Lights",
    "Outcome",
    "Press",
    "Station",
]
