"""The counter daemon: call-next, recall, no-show, done, transfer and pause keys, and the
citizen's rating keys, on GPIO pins or USB keypads, through the queue rules."""

from kiosk.counter._gpio import CounterButtons, CounterLights
from kiosk.counter._keypad import KeyDecoder, Keypads, keymap_problems
from kiosk.counter._keys import Key, Press
from kiosk.counter._station import Outcome, Station

__all__ = [
    "CounterButtons",
    "CounterLights",
    "Key",
    "KeyDecoder",
    "Keypads",
    "Outcome",
    "Press",
    "Station",
    "keymap_problems",
]
