"""gpiozero for the whole product, loaded without importlib.metadata, importlib_resources
and statistics.

gpiozero imports ``entry_points`` from ``importlib.metadata`` (and with it email,
zipfile, csv and tempfile) to look up a pin factory by name, ``importlib_resources`` for
the segment fonts of its character displays, and ``statistics`` (with fractions and
decimal) for the smoothed readings of analogue sensors: about 3 MB in each daemon that
drives pins, for functions it calls only on request. While gpiozero loads, those modules
are stand-ins whose functions import the real module when first called; they are gone
again straight after. gpiozero tries the ``importlib_metadata`` and
``importlib_resources`` names before the standard library's, so those two stand-ins
never hide a standard module; ``statistics`` is held back only where it is not loaded
already.

A factory named by one of gpiozero's own entry points (``lgpio`` on a Pi, as the units
set it; ``mock`` on a PC) is imported directly, as its entry point would load it; any
other name, and no name at all, goes through gpiozero's own choice.

Import gpiozero's names from here (``from kiosk.keys._gpio_lib import LED``), never from
``gpiozero`` directly, and make devices with ``factory(pin_factory)``.
"""

from __future__ import annotations

import importlib
import logging
import os
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

from kiosk.stand_ins import real, stand_in, standing_in

# gpiozero's own pin factories, under the names of its entry points (its setup.cfg).
FACTORIES = {
    "lgpio": "gpiozero.pins.lgpio:LGPIOFactory",
    "rpigpio": "gpiozero.pins.rpigpio:RPiGPIOFactory",
    "pigpio": "gpiozero.pins.pigpio:PiGPIOFactory",
    "native": "gpiozero.pins.native:NativeFactory",
    "mock": "gpiozero.pins.mock:MockFactory",
}


def _entry_points(**params: Any) -> Any:
    from importlib.metadata import entry_points

    return entry_points(**params)


def _files(anchor: Any) -> Any:
    from importlib.resources import files

    return files(anchor)


def _mean(data: Any) -> Any:
    return real("statistics").mean(data)


def _median(data: Any) -> Any:
    return real("statistics").median(data)


def _stand_ins(*names: str) -> dict[str, ModuleType]:
    """Fresh stand-ins for the modules ``names`` (all three by default)."""
    functions: dict[str, dict[str, Callable[..., Any]]] = {
        "importlib_metadata": {"entry_points": _entry_points},
        "importlib_resources": {"files": _files},
        "statistics": {"mean": _mean, "median": _median},
    }
    return {name: stand_in(name, **functions[name]) for name in names or functions}


with standing_in(_stand_ins()):
    import gpiozero

from gpiozero import (  # noqa: E402
    LED,
    BadPinFactory,
    Buzzer,
    Device,
    DigitalInputDevice,
    PinFactoryFallback,
)

log = logging.getLogger("kiosk.gpio")


def default_factory() -> Any:
    """A new pin factory, the one gpiozero would make for ``GPIOZERO_PIN_FACTORY`` (or,
    without it, the first of lgpio, RPi.GPIO, pigpio and its native one that works)."""
    name = os.environ.get("GPIOZERO_PIN_FACTORY")
    # gpiozero matches a name against every installed entry point, exactly and then in
    # lower case; its own names come first here (a third-party factory registered under one
    # of them would be passed over).
    target = FACTORIES.get(name.lower()) if name else None
    with standing_in(_stand_ins("importlib_metadata")):  # what a pin module imports (pins/mock.py)
        if target is None:
            return _first_that_works()
        module, cls = target.split(":")
        made: Any = getattr(importlib.import_module(module), cls)()
        return made


def _first_that_works() -> Any:
    """gpiozero's own choice of factory, its warnings about each one passed over (printed
    on stderr, two lines each, by default) made one log line each when one works, and
    part of the one-line error when none does."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PinFactoryFallback)
        try:
            made = Device._default_pin_factory()
        except BadPinFactory as exc:
            failed: BadPinFactory | None = exc
        else:
            failed = None
    fallbacks = [w for w in caught if issubclass(w.category, PinFactoryFallback)]
    for warning in caught:  # any other warning is the caller's, as if never caught
        if not issubclass(warning.category, PinFactoryFallback):
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)  # fmt: skip
    if failed is not None:
        tried = "; ".join(str(w.message) for w in fallbacks)
        raise BadPinFactory(f"{failed} ({tried})" if tried else str(failed)) from None
    for warning in fallbacks:
        log.warning("GPIO: %s", warning.message)
    return made


def factory(given: Any = None) -> Any:
    """``given``, or else the process's pin factory (``Device.pin_factory``, made by
    :func:`default_factory` the first time)."""
    if given is not None:
        return given
    if Device.pin_factory is None:
        Device.pin_factory = default_factory()
    return Device.pin_factory


__all__ = ["FACTORIES", "LED", "Buzzer", "Device", "DigitalInputDevice", "default_factory",
           "factory", "gpiozero"]  # fmt: skip
