"""The counters' keys and LEDs (GPIO) and their USB keypads and remotes (evdev): what
``kiosk.counter``'s station is pressed by and shows its state with."""

from kiosk.keys._counter_gpio import CounterButtons, CounterLights
from kiosk.keys._keypads import KeyDecoder, Keypads, keymap_problems

__all__ = ["CounterButtons", "CounterLights", "KeyDecoder", "Keypads", "keymap_problems"]
