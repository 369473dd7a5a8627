"""What the kiosk and counter daemons share about GPIO: button wiring and errors."""

from __future__ import annotations

from typing import Any


def _wiring(pull: str, active: str) -> dict[str, Any]:
    """gpiozero input arguments for ``pull`` (up, down, off) and ``active`` (auto, low, high)."""
    if pull == "off":
        return {"pull_up": None, "active_state": active == "high"}
    return {"pull_up": pull == "up"}


def unavailable(exc: Exception) -> str:
    """One line for a GPIO that cannot be used: no pin factory, pin busy, no permission."""
    return (
        f"GPIO unavailable: {type(exc).__name__}: {exc} (on a machine without GPIO, "
        "GPIOZERO_PIN_FACTORY=mock runs with simulated pins)"
    )


def input_device(
    pin: Any, pull: str, active: str, *, bounce: float | None, pin_factory: Any
) -> Any:
    """A pressed-or-not GPIO input: a gpiozero ``DigitalInputDevice``.

    Not a gpiozero ``Button``: each Button starts a hold thread that wakes ten times a
    second for as long as the daemon runs, whether or not anybody holds it. A long
    press, where wanted, is timed only while the button is down (the kiosk's
    ``LongPress``).
    """
    from kiosk.keys.gpio_lib import DigitalInputDevice, factory

    return DigitalInputDevice(
        pin, bounce_time=bounce, pin_factory=factory(pin_factory), **_wiring(pull, active)
    )
