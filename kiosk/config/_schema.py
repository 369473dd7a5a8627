"""The whole configuration of one site controller: which TOML table holds which section.

Each section is declared in its own module beside its checks (``kiosk.config.printer``
for ``[printer]``, ...); :mod:`kiosk.config._fields` says how a key is declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.config._fields import opt, table, tables
from kiosk.config.central import CentralConfig
from kiosk.config.counter_keys import CounterKeysConfig
from kiosk.config.counters import CounterConfig
from kiosk.config.display import DisplayConfig
from kiosk.config.dossiers import DossiersConfig
from kiosk.config.hours import HoursConfig
from kiosk.config.keymaps import Keymaps, builtin_keymap, parse_keymaps
from kiosk.config.kiosk import KioskConfig
from kiosk.config.lookup import LookupConfig
from kiosk.config.printer import PrinterConfig
from kiosk.config.queue import QueueConfig
from kiosk.config.ratings import RatingsConfig
from kiosk.config.scanner import ScannerConfig
from kiosk.config.services import ServiceConfig
from kiosk.config.site import SiteConfig
from kiosk.config.store import StoreConfig
from kiosk.config.sync import SyncConfig
from kiosk.config.voice import VoiceConfig


@dataclass(frozen=True, kw_only=True)
class Config:
    """The whole, validated configuration of one site controller."""

    site: SiteConfig = table(SiteConfig, required=True)
    store: StoreConfig = table(StoreConfig)
    hours: HoursConfig = table(HoursConfig)
    queue: QueueConfig = table(QueueConfig)
    kiosk: KioskConfig = table(KioskConfig)
    printer: PrinterConfig = table(PrinterConfig)
    counter_keys: CounterKeysConfig = table(CounterKeysConfig)
    ratings: RatingsConfig = table(RatingsConfig)
    display: DisplayConfig = table(DisplayConfig)
    voice: VoiceConfig = table(VoiceConfig)
    scanner: ScannerConfig = table(ScannerConfig)
    lookup: LookupConfig = table(LookupConfig)
    dossiers: DossiersConfig = table(DossiersConfig)
    sync: SyncConfig = table(SyncConfig)
    central: CentralConfig = table(CentralConfig)
    # Named key maps for counter keypads, on top of the built-in ones (numpad, rating,
    # presenter): { KEY_KP1 = "next", ... }.
    keymaps: Keymaps = opt((), parse_keymaps)
    services: tuple[ServiceConfig, ...] = tables(ServiceConfig, required=True)
    counters: tuple[CounterConfig, ...] = tables(CounterConfig, required=True)
    # Where the configuration came from, for messages; not a TOML key.
    sources: tuple[str, ...] = field(default=(), metadata={"internal": True})

    def service(self, service_id: str) -> ServiceConfig:
        for service in self.services:
            if service.id == service_id:
                return service
        raise KeyError(service_id)

    def counter(self, number: int) -> CounterConfig:
        for counter in self.counters:
            if counter.number == number:
                return counter
        raise KeyError(number)

    def keymap(self, name: str) -> dict[str, str]:
        """Key name to action for the key map ``name`` (a site's own, else a built-in)."""
        for own, keys in self.keymaps:
            if own == name:
                return dict(keys)
        return builtin_keymap(name, len(self.ratings.labels))
