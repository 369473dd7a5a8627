"""Site configuration: TOML files layered into frozen, validated dataclasses."""

from kiosk.config._check import capacity
from kiosk.config._load import ConfigError, config_files, load_config, parse_config
from kiosk.config._schema import (
    Config,
    CounterButton,
    CounterConfig,
    CounterKeypad,
    CounterKeysConfig,
    HoursConfig,
    KioskConfig,
    PrinterConfig,
    PriorityButton,
    QueueConfig,
    RatingsConfig,
    ServiceButton,
    ServiceConfig,
    SiteConfig,
    SpecialDay,
    StoreConfig,
)

__all__ = [
    "Config",
    "ConfigError",
    "CounterButton",
    "CounterConfig",
    "CounterKeypad",
    "CounterKeysConfig",
    "HoursConfig",
    "KioskConfig",
    "PrinterConfig",
    "PriorityButton",
    "QueueConfig",
    "RatingsConfig",
    "ServiceButton",
    "ServiceConfig",
    "SiteConfig",
    "SpecialDay",
    "StoreConfig",
    "capacity",
    "config_files",
    "load_config",
    "parse_config",
]
