"""What the kiosk and counter daemons share about GPIO: button wiring and errors."""

from __future__ import annotations

from typing import Any


def button_args(pull: str, active: str) -> dict[str, Any]:
    """gpiozero Button arguments for ``pull`` (up, down, off) and ``active`` (auto, low, high)."""
    if pull == "off":
        return {"pull_up": None, "active_state": active == "high"}
    return {"pull_up": pull == "up"}


def unavailable(exc: Exception) -> str:
    """One line for a GPIO that cannot be used: no pin factory, pin busy, no permission."""
    return (
        f"GPIO unavailable: {type(exc).__name__}: {exc} (on a machine without GPIO, "
        "GPIOZERO_PIN_FACTORY=mock runs with simulated pins)"
    )
