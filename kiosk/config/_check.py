"""Checks that span several fields: hours in order, number formats, references."""

from __future__ import annotations

import datetime as dt
import itertools

from kiosk.config._build import did_you_mean
from kiosk.config._keymaps import BUILTIN
from kiosk.config._parse import same_pin
from kiosk.config._schema import BrokerConfig, Config, ServiceConfig


def capacity(service: ServiceConfig) -> int:
    """How many distinct numbers the service's format can show in one day."""
    if service.band is not None:
        return service.band[1] - service.band[0] + 1
    return int(10**service.digits) - 1


def check(config: Config) -> list[str]:
    problems: list[str] = []
    problems += _check_hours(config)
    problems += _check_services(config)
    problems += _check_counters(config)
    problems += _check_kiosk(config)
    problems += _check_pins(config)
    problems += _check_counter_keys(config)
    problems += _check_printer(config)
    problems += _check_scanners(config)
    problems += check_broker("sync.", config.sync)
    problems += check_broker("central.", config.central)
    if not config.central.db.startswith(("sqlite://", "postgresql://", "postgres://")):
        problems.append(
            "central.db: must be sqlite:///PATH or postgresql://user:password@host/dbname "
            f"(got {config.central.db!r})"
        )
    return problems


def _ordered(path: str, *times: tuple[str, dt.time | None]) -> list[str]:
    present = [(name, value) for name, value in times if value is not None]
    for (first_name, first), (second_name, second) in itertools.pairwise(present):
        if not first < second:
            return [
                f"{path}{second_name}: must be later than {first_name} "
                f"({second:%H:%M} is not after {first:%H:%M})"
            ]
    return []


def _check_hours(config: Config) -> list[str]:
    hours = config.hours
    problems: list[str] = []
    if (hours.lunch_start is None) != (hours.lunch_end is None):
        problems.append("hours.lunch_end: set both lunch_start and lunch_end, or neither")
    problems += _ordered(
        "hours.",
        ("open", hours.open),
        ("lunch_start", hours.lunch_start),
        ("lunch_end", hours.lunch_end),
        ("close", hours.close),
    )
    seen: set[dt.date] = set()
    for index, day in enumerate(hours.special):
        path = f"hours.special[{index}]."
        problems += _ordered(path, ("open", day.open), ("close", day.close))
        if day.date in seen:
            problems.append(f"{path}date: {day.date} is listed twice")
        if day.date in hours.closed_dates:
            problems.append(f"{path}date: {day.date} is also in hours.closed_dates")
        seen.add(day.date)
    return problems


def _check_services(config: Config) -> list[str]:
    problems: list[str] = []
    ids: set[str] = set()
    prefixes: dict[str, int] = {}
    bands: list[tuple[int, tuple[int, int]]] = []
    for index, service in enumerate(config.services):
        path = f"services[{index}]."
        if service.id in ids:
            problems.append(f"{path}id: {service.id!r} is used by another service")
        ids.add(service.id)
        if (service.open is None) != (service.close is None):
            problems.append(f"{path}close: set both open and close, or neither")
        problems += _ordered(path, ("open", service.open), ("close", service.close))
        if bool(service.prefix) == (service.band is not None):
            problems.append(
                f'{path}prefix: set either prefix (like "A") or band (like [1001, 1999])'
            )
            continue
        if service.prefix:
            if service.prefix in prefixes:
                problems.append(
                    f"{path}prefix: {service.prefix!r} is already used by "
                    f"services[{prefixes[service.prefix]}]"
                )
            prefixes[service.prefix] = index
        elif service.band is not None:
            for other_index, other in bands:
                if service.band[0] <= other[1] and other[0] <= service.band[1]:
                    problems.append(f"{path}band: overlaps services[{other_index}].band")
            bands.append((index, service.band))
        if service.daily_cap and service.daily_cap > capacity(service):
            problems.append(
                f"{path}daily_cap: {service.daily_cap} is more than the number format holds "
                f"({capacity(service)})"
            )
    if not config.services:
        problems.append("services: at least one [[services]] table is required")
    return problems


def _check_counters(config: Config) -> list[str]:
    problems: list[str] = []
    service_ids = [service.id for service in config.services]
    numbers: set[int] = set()
    served: set[str] = set()
    for index, counter in enumerate(config.counters):
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
    if not config.counters:
        problems.append("counters: at least one [[counters]] table is required")
    for index, service in enumerate(config.services):
        if config.counters and service.id not in served:
            problems.append(f"services[{index}].id: no counter serves {service.id!r}")
    return problems


def _check_kiosk(config: Config) -> list[str]:
    kiosk = config.kiosk
    problems: list[str] = []
    service_ids = [service.id for service in config.services]
    for index, button in enumerate(kiosk.buttons):
        path = f"kiosk.buttons[{index}]."
        if button.service not in service_ids:
            problems.append(
                f"{path}service: unknown service {button.service!r}"
                f"{did_you_mean(button.service, service_ids)}"
            )
    return problems


def _pins(config: Config) -> list[tuple[str | None, str]]:
    """Every GPIO pin the daemons of this controller claim, with where it is set."""
    kiosk = config.kiosk
    pins: list[tuple[str | None, str]] = [(kiosk.priority_button.pin, "kiosk.priority_button.pin")]
    pins += [(b.pin, f"kiosk.buttons[{i}].pin") for i, b in enumerate(kiosk.buttons)]
    pins += [(getattr(kiosk, name), f"kiosk.{name}")
             for name in ("busy_led", "error_led", "paper_led", "buzzer")]  # fmt: skip
    for index, counter in enumerate(config.counters):
        path = f"counters[{index}]."
        pins += [(b.pin, f"{path}buttons[{i}].pin") for i, b in enumerate(counter.buttons)]
        pins += [(counter.led, f"{path}led"), (counter.rating_led, f"{path}rating_led")]
    return pins


def _floating(config: Config) -> list[str]:
    """An input without a pull resistor needs to be told which level means pressed."""
    inputs: list[tuple[str | None, str, str, str]] = [
        (config.kiosk.priority_button.pin, config.kiosk.priority_button.pull,
         config.kiosk.priority_button.active, "kiosk.priority_button.")
    ]  # fmt: skip
    inputs += [(b.pin, b.pull, b.active, f"kiosk.buttons[{i}].")
               for i, b in enumerate(config.kiosk.buttons)]  # fmt: skip
    for index, counter in enumerate(config.counters):
        inputs += [(b.pin, b.pull, b.active, f"counters[{index}].buttons[{i}].")
                   for i, b in enumerate(counter.buttons)]  # fmt: skip
    return [
        f'{path}active: with pull = "off" set "low" or "high"'
        for pin, pull, active, path in inputs
        if pin is not None and pull == "off" and active == "auto"
    ]


def _check_pins(config: Config) -> list[str]:
    """A pin drives one thing: the kiosk and counter daemons share the header."""
    problems: list[str] = _floating(config)
    claimed: dict[str, tuple[str, str]] = {}
    for pin, path in _pins(config):
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


def _check_action(config: Config, action: str, path: str) -> list[str]:
    name, _, argument = action.partition(":")
    service_ids = [service.id for service in config.services]
    if name == "transfer" and argument not in service_ids:
        return [f"{path}: {action!r} names an unknown service{did_you_mean(argument, service_ids)}"]
    labels = len(config.ratings.labels)
    if name == "rate" and int(argument) > labels:
        return [f"{path}: {action!r} but ratings.labels has only {labels} label(s)"]
    return []


def _check_counter_keys(config: Config) -> list[str]:
    problems: list[str] = []
    own_maps = [name for name, _ in config.keymaps]
    known_maps = sorted({*own_maps, *BUILTIN})
    for name, keys in config.keymaps:
        for key, action in keys:
            problems += _check_action(config, action, f"keymaps.{name}.{key}")
    devices: dict[str, str] = {}
    for index, counter in enumerate(config.counters):
        path = f"counters[{index}]."
        for item, button in enumerate(counter.buttons):
            button_path = f"{path}buttons[{item}]."
            problems += _check_action(config, button.action, f"{button_path}action")
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


_CONNECTION_NEEDS = {
    "usb": ("usb_vendor_id", "usb_product_id"),
    "serial": ("serial_port",),
    "network": ("host",),
    "file": ("path",),
}


def _check_printer(config: Config) -> list[str]:
    printer = config.printer
    return [
        f"printer.{key}: required when connection = {printer.connection!r}"
        for key in _CONNECTION_NEEDS.get(printer.connection, ())
        if getattr(printer, key) in (None, "")
    ]


def _check_scanners(config: Config) -> list[str]:
    problems = []
    ids = [d.id for d in config.scanner.devices]
    for index, device in enumerate(config.scanner.devices):
        path = f"scanner.devices[{index}]"
        if ids.count(device.id) > 1 and ids.index(device.id) != index:
            problems.append(f"{path}.id: {device.id!r} is used by another scanner")
        if not device.is_hid and device.device.startswith("/dev/input/"):
            problems.append(f"{path}.kind: a serial scanner cannot be {device.device}")
    paths = [d.device for d in config.scanner.devices]
    for index, device in enumerate(config.scanner.devices):
        if paths.index(device.device) != index:
            problems.append(
                f"scanner.devices[{index}].device: {device.device} is already "
                f"scanner {ids[paths.index(device.device)]!r}"
            )
    for name in config.lookup.scanners:
        if name not in ids:
            hint = did_you_mean(name, ids)
            problems.append(f"lookup.scanners: no scanner {name!r}{hint}")
    return problems


def check_broker(path: str, broker: BrokerConfig) -> list[str]:
    problems: list[str] = []
    if broker.password and broker.password_file:
        problems.append(f"{path}password_file: give password or password_file, not both")
    if bool(broker.cert) != bool(broker.key):
        problems.append(f"{path}key: a client certificate needs its key (set both cert and key)")
    if (broker.ca or broker.cert) and not broker.tls:
        problems.append(f"{path}tls: ca/cert are set but tls = false")
    if broker.reconnect_min_seconds > broker.reconnect_max_seconds:
        problems.append(f"{path}reconnect_max_seconds: must not be less than reconnect_min_seconds")
    return problems


def pins_in_use(config: Config) -> list[tuple[str, str, str]]:
    """Each configured GPIO pin: (pin, where it is set, the daemon that claims it)."""
    return [(pin, path, "kiosk" if path.startswith("kiosk.") else "counter")
            for pin, path in _pins(config) if pin is not None]  # fmt: skip
