"""gpiozero for the whole product: the device classes it uses and the process's pin factory.

gpiozero makes its pin factory the first time a device needs one: the one named by
``GPIOZERO_PIN_FACTORY`` (``lgpio`` on a Pi, as the units set it; ``mock`` on a PC), or
without it the first of lgpio, RPi.GPIO, pigpio and its native one that works, warning
about each one passed over. :func:`default_factory` makes it with gpiozero's public
``Device.ensure_pin_factory`` and turns those warnings into one log line each, or into part
of the one-line error when none works.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from gpiozero import LED, BadPinFactory, Buzzer, Device, DigitalInputDevice, PinFactoryFallback

log = logging.getLogger("kiosk.gpio")


def default_factory() -> Any:
    """The process's pin factory (``Device.pin_factory``), made by gpiozero the first time;
    gpiozero's warnings about each factory passed over (printed on stderr, two lines each,
    by default) made one log line each when one works, and part of the one-line
    ``BadPinFactory`` when none does."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PinFactoryFallback)
        try:
            Device.ensure_pin_factory()
        except BadPinFactory as exc:
            failed: BadPinFactory | None = exc
        else:
            failed = None
    fallbacks = [w for w in caught if issubclass(w.category, PinFactoryFallback)]
    for warning in caught:  # any other warning is the caller's, as if never caught
        if not issubclass(warning.category, PinFactoryFallback):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    if failed is not None:
        tried = "; ".join(str(w.message) for w in fallbacks)
        raise BadPinFactory(f"{failed} ({tried})" if tried else str(failed)) from None
    for warning in fallbacks:
        log.warning("GPIO: %s", warning.message)
    return Device.pin_factory


def factory(given: Any = None) -> Any:
    """``given``, or else the process's pin factory (:func:`default_factory`)."""
    return given if given is not None else default_factory()


__all__ = ["LED", "Buzzer", "Device", "DigitalInputDevice", "default_factory", "factory"]
