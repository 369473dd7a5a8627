"""The buttons, keys and lights people press and see, in two halves that each daemon loads
alone:

- :mod:`kiosk.keys.kiosk`: the ticket kiosk's buttons (service keys, long press, the
  priority key), its LEDs and buzzer, on GPIO (gpiozero);
- :mod:`kiosk.keys.counters`: the counters' keys and LEDs on GPIO, and their USB keypads
  and remotes (evdev).

gpiozero is loaded through :mod:`kiosk.keys.gpio_lib` (the pin factory the process uses).

An adapter: it imports only the core (``kiosk.desk``, ``kiosk.counter``, ``kiosk.config``,
``kiosk.inputdev``), never ``printer``, ``scanner``, ``display``, ``sync`` or the
applications.
"""

from kiosk.keys._pins import unavailable

__all__ = ["unavailable"]
