"""The ticket kiosk's buttons, LEDs and buzzer (GPIO): what ``kiosk.desk`` is pressed by and
shows its state with."""

from kiosk.keys._buttons import Buttons, LongPress
from kiosk.keys._feedback import Feedback

__all__ = ["Buttons", "Feedback", "LongPress"]
