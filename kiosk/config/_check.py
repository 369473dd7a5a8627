"""The checks that run once every section is built, in the order their problems are
listed; each section's own checks live in its module."""

from __future__ import annotations

from kiosk.config._pins import check_pins
from kiosk.config._schema import Config
from kiosk.config.broker import check_broker
from kiosk.config.central import check_central
from kiosk.config.counters import check_counter_keys, check_counters
from kiosk.config.hours import check_hours
from kiosk.config.keymaps import check_keymaps
from kiosk.config.kiosk import check_kiosk
from kiosk.config.lookup import check_lookup
from kiosk.config.printer import check_printer
from kiosk.config.scanner import check_scanner
from kiosk.config.services import check_services


def check(config: Config) -> list[str]:
    """Every problem that spans fields or sections, each as "key.path: message"."""
    service_ids = [service.id for service in config.services]
    labels = len(config.ratings.labels)
    own_maps = [name for name, _ in config.keymaps]
    problems: list[str] = []
    problems += check_hours(config.hours)
    problems += check_services(config.services)
    problems += check_counters(config.counters, config.services)
    problems += check_kiosk(config.kiosk, service_ids)
    problems += check_pins(config.kiosk, config.counters)
    problems += check_keymaps(config.keymaps, service_ids, labels)
    problems += check_counter_keys(config.counters, service_ids, labels, own_maps)
    problems += check_printer(config.printer)
    problems += check_scanner(config.scanner)
    problems += check_lookup(config.lookup, [device.id for device in config.scanner.devices])
    problems += check_broker("sync.", config.sync)
    problems += check_central(config.central)
    return problems
