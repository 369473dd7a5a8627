"""The GPIO pins ``[kiosk]`` and ``[[counters]]`` claim between them: one use per pin,
and a level that means "pressed" for every input without a pull resistor."""

from __future__ import annotations

from kiosk.config._parse import same_pin
from kiosk.config._schema import Config
from kiosk.config.counters import CounterConfig
from kiosk.config.kiosk import KioskConfig

_OUTPUTS = ("busy_led", "error_led", "paper_led", "buzzer")


def _pins(kiosk: KioskConfig, counters: tuple[CounterConfig, ...]) -> list[tuple[str | None, str]]:
    """Every GPIO pin the daemons of this controller claim, with where it is set."""
    pins: list[tuple[str | None, str]] = [(kiosk.priority_button.pin, "kiosk.priority_button.pin")]
    pins += [(b.pin, f"kiosk.buttons[{i}].pin") for i, b in enumerate(kiosk.buttons)]
    pins += [(getattr(kiosk, name), f"kiosk.{name}") for name in _OUTPUTS]
    for index, counter in enumerate(counters):
        path = f"counters[{index}]."
        pins += [(b.pin, f"{path}buttons[{i}].pin") for i, b in enumerate(counter.buttons)]
        pins += [(counter.led, f"{path}led"), (counter.rating_led, f"{path}rating_led")]
    return pins


def _floating(kiosk: KioskConfig, counters: tuple[CounterConfig, ...]) -> list[str]:
    """An input without a pull resistor needs to be told which level means pressed."""
    priority = kiosk.priority_button
    inputs = [(priority.pin, priority.pull, priority.active, "kiosk.priority_button.")]
    inputs += [
        (b.pin, b.pull, b.active, f"kiosk.buttons[{i}].") for i, b in enumerate(kiosk.buttons)
    ]
    for index, counter in enumerate(counters):
        path = f"counters[{index}]."
        inputs += [
            (b.pin, b.pull, b.active, f"{path}buttons[{i}].") for i, b in enumerate(counter.buttons)
        ]
    return [
        f'{path}active: with pull = "off" set "low" or "high"'
        for pin, pull, active, path in inputs
        if pin is not None and pull == "off" and active == "auto"
    ]


def check_pins(kiosk: KioskConfig, counters: tuple[CounterConfig, ...]) -> list[str]:
    """A pin drives one thing: the kiosk and counter daemons share the header."""
    problems: list[str] = _floating(kiosk, counters)
    claimed: dict[str, tuple[str, str]] = {}
    for pin, path in _pins(kiosk, counters):
        if pin is None:
            continue
        physical = same_pin(pin)
        if physical in claimed:
            other_pin, other_path = claimed[physical]
            same = "" if other_pin == pin else f" (as {other_pin})"
            problems.append(f"{path}: {pin} is already used by {other_path}{same}")
        else:
            claimed[physical] = (pin, path)
    return problems


def pins_in_use(config: Config) -> list[tuple[str, str, str]]:
    """Each configured GPIO pin: (pin, where it is set, the daemon that claims it)."""
    return [
        (pin, path, "kiosk" if path.startswith("kiosk.") else "counter")
        for pin, path in _pins(config.kiosk, config.counters)
        if pin is not None
    ]
