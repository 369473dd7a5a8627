"""The buttons, keys and lights people press and see: the kiosk's ticket buttons, LEDs and
buzzer, the counters' keys and LEDs on GPIO (gpiozero), and the counters' USB keypads and
remotes (evdev).

An adapter: it imports only the core (``kiosk.desk``, ``kiosk.counter``, ``kiosk.config``
and the like), never ``printer``, ``scanner``, ``display``, ``sync`` or the applications.
"""

from kiosk.keys._buttons import Buttons, LongPress
from kiosk.keys._counter_gpio import CounterButtons, CounterLights
from kiosk.keys._feedback import Feedback
from kiosk.keys._keypads import KeyDecoder, Keypads, keymap_problems
from kiosk.keys._pins import unavailable

__all__ = [
    "Buttons",
    "CounterButtons",
    "CounterLights",
    "Feedback",
    "KeyDecoder",
    "Keypads",
    "LongPress",
    "keymap_problems",
    "unavailable",
]
