"""Site configuration: TOML files layered into frozen, validated dataclasses.

Each section is declared in the module named after it (``[printer]`` in
:mod:`kiosk.config.printer`, ``[[counters]]`` in :mod:`kiosk.config.counters`, ...): its
dataclasses, their defaults, their value parsers and the checks that span its fields.
The private modules hold what the sections share: how a key is declared (``_fields``),
the common value parsers (``_parse``), the builder that turns TOML into dataclasses
with key-path errors (``_build``), the whole model (``_schema``), the checks across
sections (``_check``, ``_pins``), reading and layering the files (``_load``) and
central's overlay (``_overlay``). What callers need is exported here.

Imports: the standard library and the core only (:mod:`kiosk.freetext`, and
:mod:`kiosk.store` where central's overlay is read from the database).
"""

from kiosk.config._build import did_you_mean
from kiosk.config._load import (
    DEFAULT_PATH,
    ENV_VAR,
    ConfigError,
    config_files,
    load_config,
    load_raw,
    main_path,
    parse_central,
    parse_config,
)
from kiosk.config._overlay import (
    overlay,
    read_central,
    site_config,
    stored_central,
    with_central,
)
from kiosk.config._parse import WEEKDAYS, resolution, same_pin
from kiosk.config._pins import pins_in_use
from kiosk.config._schema import Config
from kiosk.config.broker import BrokerConfig
from kiosk.config.central import CentralConfig
from kiosk.config.counter_keys import CounterKeysConfig
from kiosk.config.counters import CounterButton, CounterConfig, CounterKeypad
from kiosk.config.display import DisplayConfig
from kiosk.config.dossiers import DossiersConfig
from kiosk.config.hours import HoursConfig, SpecialDay
from kiosk.config.kiosk import KioskConfig, PriorityButton, ServiceButton
from kiosk.config.lookup import LookupConfig
from kiosk.config.printer import PrinterConfig
from kiosk.config.queue import QueueConfig
from kiosk.config.ratings import RatingsConfig
from kiosk.config.scanner import ScannerConfig, ScannerDevice
from kiosk.config.services import ServiceConfig, capacity
from kiosk.config.site import SiteConfig
from kiosk.config.store import StoreConfig
from kiosk.config.sync import SyncConfig
from kiosk.config.voice import VoiceConfig

__all__ = [
    "DEFAULT_PATH",
    "ENV_VAR",
    "WEEKDAYS",
    "BrokerConfig",
    "CentralConfig",
    "Config",
    "ConfigError",
    "CounterButton",
    "CounterConfig",
    "CounterKeypad",
    "CounterKeysConfig",
    "DisplayConfig",
    "DossiersConfig",
    "HoursConfig",
    "KioskConfig",
    "LookupConfig",
    "PrinterConfig",
    "PriorityButton",
    "QueueConfig",
    "RatingsConfig",
    "ScannerConfig",
    "ScannerDevice",
    "ServiceButton",
    "ServiceConfig",
    "SiteConfig",
    "SpecialDay",
    "StoreConfig",
    "SyncConfig",
    "VoiceConfig",
    "capacity",
    "config_files",
    "did_you_mean",
    "load_config",
    "load_raw",
    "main_path",
    "overlay",
    "parse_central",
    "parse_config",
    "pins_in_use",
    "read_central",
    "resolution",
    "same_pin",
    "site_config",
    "stored_central",
    "with_central",
]
