"""``[kiosk]``: the ticket kiosk's buttons, their timing, feedback outputs and the ticket
footer, and their checks."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._build import did_you_mean
from kiosk.config._fields import opt, required, table, tables


@dataclass(frozen=True, kw_only=True)
class ServiceButton:
    """A ticket button at the kiosk, wired to a GPIO pin."""

    service: str = required(p.slug)
    pin: str = required(p.gpio_pin)
    pull: str = opt("up", p.pull)
    active: str = opt("auto", p.active)


@dataclass(frozen=True, kw_only=True)
class PriorityButton:
    """A dedicated priority key: pressed before a service button, that ticket is priority."""

    pin: str | None = opt(None, p.optional_gpio_pin)
    pull: str = opt("up", p.pull)
    active: str = opt("auto", p.active)
    # How long the key stays armed waiting for a service button.
    window_seconds: float = opt(10.0, p.number_range(1, 120))


@dataclass(frozen=True, kw_only=True)
class KioskConfig:
    """The ticket kiosk: its buttons, their timing, feedback outputs and the ticket footer."""

    # gpiozero debounce; keep it short (longer swallows quick taps on lgpio).
    bounce_seconds: float = opt(0.03, p.number_range(0, 0.2))
    # One ticket per button per cooldown, however often or long it is pressed.
    cooldown_seconds: float = opt(3.0, p.number_range(0, 60))
    # Holding a service button this long gives a priority ticket; 0 turns long press off.
    hold_seconds: float = opt(0.0, p.number_range(0, 10))
    priority_button: PriorityButton = table(PriorityButton)
    buttons: tuple[ServiceButton, ...] = tables(ServiceButton)
    # Feedback outputs (LED or buzzer pins, active high); "" for none.
    busy_led: str | None = opt(None, p.optional_gpio_pin)
    error_led: str | None = opt(None, p.optional_gpio_pin)
    paper_led: str | None = opt(None, p.optional_gpio_pin)
    buzzer: str | None = opt(None, p.optional_gpio_pin)
    # Printed at the bottom of every ticket.
    footer: str = opt("", p.optional_text)


def check_kiosk(kiosk: KioskConfig, service_ids: list[str]) -> list[str]:
    """Each button names a service the site has."""
    problems: list[str] = []
    for index, button in enumerate(kiosk.buttons):
        path = f"kiosk.buttons[{index}]."
        if button.service not in service_ids:
            problems.append(
                f"{path}service: unknown service {button.service!r}"
                f"{did_you_mean(button.service, service_ids)}"
            )
    return problems
