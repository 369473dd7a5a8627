"""``[[counters]]``: each counter, the services it calls, its keys and LEDs, and their
checks."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._build import did_you_mean
from kiosk.config._fields import opt, required, tables
from kiosk.config.keymaps import BUILTIN, check_action, counter_action
from kiosk.config.services import ServiceConfig


@dataclass(frozen=True, kw_only=True)
class CounterButton:
    """A counter key wired to a GPIO pin: ``action`` is next, recall, skip, done, pause,
    resume, transfer:SERVICE or rate:N."""

    pin: str = required(p.gpio_pin)
    action: str = required(counter_action)
    pull: str = opt("up", p.pull)
    active: str = opt("auto", p.active)


@dataclass(frozen=True, kw_only=True)
class CounterKeypad:
    """A USB keypad or wireless remote that shows up as a keyboard (read with evdev)."""

    # Best the stable /dev/input/by-id/...-event-kbd name: it survives replugging.
    device: str = required(p.device_path)
    # A key map from [keymaps], or a built-in one: numpad, rating, presenter.
    keymap: str = opt("numpad", p.slug)


@dataclass(frozen=True, kw_only=True)
class CounterConfig:
    """A counter (quầy) and the services it calls, in preference order."""

    number: int = required(p.int_range(1, 999))
    name: str = opt("", p.optional_name_text)
    services: tuple[str, ...] = required(p.list_of(p.slug, min_items=1, unique=True))
    # The officer at this counter, for per-officer statistics; "" for none.
    staff_id: str = opt("", p.staff_id)
    # Keys wired to GPIO pins, and USB keypads or wireless remotes (kiosk run counter).
    buttons: tuple[CounterButton, ...] = tables(CounterButton)
    keypads: tuple[CounterKeypad, ...] = tables(CounterKeypad)
    # Status LED: lit while serving, blinks slowly while paused, three quick blinks when
    # nobody is waiting. Rating LED: lit while the citizen can rate. "" for none.
    led: str | None = opt(None, p.optional_gpio_pin)
    rating_led: str | None = opt(None, p.optional_gpio_pin)

    @property
    def label(self) -> str:
        return self.name or f"Quầy {self.number}"

    @property
    def has_keys(self) -> bool:
        return bool(self.buttons or self.keypads)


def check_counters(
    counters: tuple[CounterConfig, ...], services: tuple[ServiceConfig, ...]
) -> list[str]:
    """Numbers used once, services that exist, every service served by some counter."""
    problems: list[str] = []
    service_ids = [service.id for service in services]
    numbers: set[int] = set()
    served: set[str] = set()
    for index, counter in enumerate(counters):
        path = f"counters[{index}]."
        if counter.number in numbers:
            problems.append(f"{path}number: counter {counter.number} is defined twice")
        numbers.add(counter.number)
        for item, service_id in enumerate(counter.services):
            if service_id not in service_ids:
                problems.append(
                    f"{path}services[{item}]: unknown service {service_id!r}"
                    f"{did_you_mean(service_id, service_ids)}"
                )
            served.add(service_id)
    if not counters:
        problems.append("counters: at least one [[counters]] table is required")
    for index, service in enumerate(services):
        if counters and service.id not in served:
            problems.append(f"services[{index}].id: no counter serves {service.id!r}")
    return problems


def check_counter_keys(
    counters: tuple[CounterConfig, ...], service_ids: list[str], labels: int, own_maps: list[str]
) -> list[str]:
    """Key actions that fit the site, key maps that exist, each keypad at one counter."""
    problems: list[str] = []
    known_maps = sorted({*own_maps, *BUILTIN})
    devices: dict[str, str] = {}
    for index, counter in enumerate(counters):
        path = f"counters[{index}]."
        for item, button in enumerate(counter.buttons):
            button_path = f"{path}buttons[{item}]."
            problems += check_action(button.action, f"{button_path}action", service_ids, labels)
        for item, keypad in enumerate(counter.keypads):
            keypad_path = f"{path}keypads[{item}]."
            if keypad.keymap not in known_maps:
                problems.append(
                    f"{keypad_path}keymap: unknown key map {keypad.keymap!r}"
                    f"{did_you_mean(keypad.keymap, known_maps)}; key maps: "
                    f"{', '.join(known_maps)}"
                )
            if keypad.device in devices:
                problems.append(
                    f"{keypad_path}device: {keypad.device} is already used by "
                    f"{devices[keypad.device]} (a keypad is grabbed by one counter)"
                )
            else:
                devices[keypad.device] = f"{keypad_path}device"
    return problems
