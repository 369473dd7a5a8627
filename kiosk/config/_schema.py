"""The configuration model: frozen dataclasses, each field declared with its parser.

Field metadata drives the loader (:mod:`kiosk.config._build`):
``parse`` converts and validates a value, ``table`` names a nested section and
``tables`` an array of tables. A field without a default is required.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kiosk.config import _parse as p
from kiosk.config._keymaps import builtin_keymap


def opt(default: Any = None, parse: p.Parser | None = None, *, required: bool = False) -> Any:
    meta = {"parse": parse}
    if required:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def table(cls: type, *, required: bool = False) -> Any:
    if required:
        return field(metadata={"table": cls})
    return field(default_factory=cls, metadata={"table": cls})


def tables(cls: type, *, required: bool = False) -> Any:
    meta = {"tables": cls}
    if required:
        return field(metadata=meta)
    return field(default=(), metadata=meta)


@dataclass(frozen=True, kw_only=True)
class SiteConfig:
    """Who this controller is: the centre's name and ids used on the wire."""

    id: str = opt(parse=p.slug, required=True)
    name: str = opt(parse=p.name_text, required=True)
    device: str = opt("site-controller", p.slug)
    timezone: str = opt("Asia/Ho_Chi_Minh", p.timezone)


@dataclass(frozen=True, kw_only=True)
class StoreConfig:
    path: str = opt("/var/lib/kiosk/kiosk.db", p.path)
    busy_timeout_ms: int = opt(5000, p.int_range(100, 600_000))


@dataclass(frozen=True, kw_only=True)
class SpecialDay:
    """A date with its own hours, e.g. a Saturday worked in lieu of a holiday."""

    date: dt.date = opt(parse=p.date, required=True)
    open: dt.time = opt(parse=p.clock_time, required=True)
    close: dt.time = opt(parse=p.clock_time, required=True)


@dataclass(frozen=True, kw_only=True)
class HoursConfig:
    """Opening hours of the centre (local time of ``site.timezone``)."""

    open: dt.time = opt(dt.time(7, 30), p.clock_time)
    close: dt.time = opt(dt.time(17, 0), p.clock_time)
    lunch_start: dt.time | None = opt(dt.time(11, 30), p.optional_clock_time)
    lunch_end: dt.time | None = opt(dt.time(13, 0), p.optional_clock_time)
    days: tuple[str, ...] = opt(
        ("mon", "tue", "wed", "thu", "fri"), p.list_of(p.weekday, min_items=1, unique=True)
    )
    # Tickets stop this many minutes before closing so the last citizen can still be served.
    last_ticket_minutes: int = opt(0, p.int_range(0, 240))
    closed_dates: tuple[dt.date, ...] = opt((), p.list_of(p.date, unique=True))
    special: tuple[SpecialDay, ...] = tables(SpecialDay)


@dataclass(frozen=True, kw_only=True)
class QueueConfig:
    """Calling policy shared by every counter."""

    # Calls in a row: this many priority tickets, then this many normal ones.
    priority_ratio: tuple[int, int] = opt((2, 1), p.ratio)
    # A ticket waiting longer than this is called before anyone issued after it.
    aging_minutes: int = opt(45, p.int_range(1, 24 * 60))
    # How a counter picks among its services: the oldest ticket, or the first service listed.
    order: str = opt("oldest", p.one_of("oldest", "listed"))
    missed_tolerance_minutes: int = opt(30, p.int_range(0, 24 * 60))
    max_reentries: int = opt(1, p.int_range(0, 10))
    transfer_position: str = opt("front", p.one_of("front", "back"))
    # Recent completed services per service used for the wait estimate.
    estimate_window: int = opt(20, p.int_range(1, 1000))


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    """A service area (lĩnh vực) citizens pick at the kiosk."""

    id: str = opt(parse=p.slug, required=True)
    name: str = opt(parse=p.name_text, required=True)
    # Number format: a letter prefix with zero-padded digits (A023) or a band (1001-1999).
    prefix: str = opt("", p.prefix)
    digits: int = opt(3, p.int_range(1, 5))
    band: tuple[int, int] | None = opt(None, p.number_band)
    daily_cap: int | None = opt(None, p.positive_int)
    service_minutes: float = opt(10.0, p.positive_number)
    open: dt.time | None = opt(None, p.optional_clock_time)
    close: dt.time | None = opt(None, p.optional_clock_time)


_PULL = p.one_of("up", "down", "off")
# Which level means "pressed": auto is low with a pull-up, high with a pull-down.
_ACTIVE = p.one_of("auto", "low", "high")


@dataclass(frozen=True, kw_only=True)
class CounterButton:
    """A counter key wired to a GPIO pin: ``action`` is next, recall, skip, done, pause,
    resume, transfer:SERVICE or rate:N."""

    pin: str = opt(parse=p.gpio_pin, required=True)
    action: str = opt(parse=p.counter_action, required=True)
    pull: str = opt("up", _PULL)
    active: str = opt("auto", _ACTIVE)


@dataclass(frozen=True, kw_only=True)
class CounterKeypad:
    """A USB keypad or wireless remote that shows up as a keyboard (read with evdev)."""

    # Best the stable /dev/input/by-id/...-event-kbd name: it survives replugging.
    device: str = opt(parse=p.device_path, required=True)
    # A key map from [keymaps], or a built-in one: numpad, rating, presenter.
    keymap: str = opt("numpad", p.slug)


@dataclass(frozen=True, kw_only=True)
class CounterConfig:
    """A counter (quầy) and the services it calls, in preference order."""

    number: int = opt(parse=p.int_range(1, 999), required=True)
    name: str = opt("", p.optional_name_text)
    services: tuple[str, ...] = opt(
        parse=p.list_of(p.slug, min_items=1, unique=True), required=True
    )
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


@dataclass(frozen=True, kw_only=True)
class ServiceButton:
    """A ticket button at the kiosk, wired to a GPIO pin."""

    service: str = opt(parse=p.slug, required=True)
    pin: str = opt(parse=p.gpio_pin, required=True)
    pull: str = opt("up", _PULL)
    active: str = opt("auto", _ACTIVE)


@dataclass(frozen=True, kw_only=True)
class PriorityButton:
    """A dedicated priority key: pressed before a service button, that ticket is priority."""

    pin: str | None = opt(None, p.optional_gpio_pin)
    pull: str = opt("up", _PULL)
    active: str = opt("auto", _ACTIVE)
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


@dataclass(frozen=True, kw_only=True)
class CounterKeysConfig:
    """How the counter daemon treats its keys (all counters)."""

    bounce_seconds: float = opt(0.03, p.number_range(0, 0.2))
    # The same key at the same counter again within this is ignored, so a double press
    # of "next" never calls (and closes) two citizens. 0 turns it off.
    repeat_guard_seconds: float = opt(1.0, p.number_range(0, 10))
    # The reason recorded when the pause key is pressed without one of its own.
    pause_reason: str = opt("Tạm nghỉ", p.reason)
    # An absent or unplugged keypad is looked for again this often.
    keypad_retry_seconds: float = opt(2.0, p.number_range(0.2, 60))


_RATING_LABELS = ("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng")


@dataclass(frozen=True, kw_only=True)
class RatingsConfig:
    """Satisfaction rating after service: labels best first; rate:1 is the first label."""

    # 2 to 9: rating keys are rate:1 .. rate:9.
    labels: tuple[str, ...] = opt(
        _RATING_LABELS, p.list_of(p.name_text, min_items=2, max_items=9, unique=True)
    )
    # Rating keys are live this long after the counter finishes a ticket.
    window_seconds: float = opt(60.0, p.number_range(5, 900))

    def score(self, choice: int) -> int:
        """Higher is better: the first label scores len(labels), the last 1."""
        return len(self.labels) - choice + 1


@dataclass(frozen=True, kw_only=True)
class PrinterConfig:
    """The ESC/POS ticket printer: how it is connected and how tickets are sent to it."""

    # "none": this controller has no ticket printer (the kiosk daemon will not start).
    connection: str = opt("none", p.one_of("none", "usb", "serial", "network", "file", "dummy"))
    # A python-escpos capabilities profile (paper width, native QR, cutter, code pages);
    # the default, Epson TM-T20II (80 mm, 576 dots), is what most 80 mm printers emulate.
    profile: str = opt("TM-T20II", p.text)
    # Printable width in dots; "" takes the profile's (576 on 80 mm paper, 384 on 58 mm).
    width: int | None = opt(None, p.optional_int_range(128, 2048))
    # image: Vietnamese rendered as a 1-bit image (any printer); text: the printer's code page.
    mode: str = opt("image", p.one_of("image", "text"))
    # Text mode only: cp1258 (Vietnamese) or ascii (letters without accents, any printer).
    codepage: str = opt("cp1258", p.one_of("cp1258", "ascii"))
    # ESC t number of that code page on this model; "" looks it up in the profile.
    codepage_table: int | None = opt(None, p.optional_int_range(0, 255))
    qr: str = opt("auto", p.one_of("auto", "native", "image", "none"))
    cut: str = opt("partial", p.one_of("partial", "full", "none"))
    # Ask the printer for paper and cover status before each ticket (where it can answer).
    status: str = opt("auto", p.one_of("auto", "off"))
    timeout_seconds: float = opt(5.0, p.number_range(0.5, 60))
    retry_seconds: float = opt(5.0, p.number_range(0.5, 300))
    usb_vendor_id: int | None = opt(None, p.optional_usb_id)
    usb_product_id: int | None = opt(None, p.optional_usb_id)
    usb_in_ep: int = opt(0x82, p.int_range(0x81, 0x8F))
    usb_out_ep: int = opt(0x01, p.int_range(0x01, 0x0F))
    serial_port: str = opt("", p.optional_path)
    baudrate: int = opt(
        115200, p.one_of_ints(2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)
    )
    flow_control: str = opt("dsrdtr", p.one_of("none", "rtscts", "dsrdtr", "xonxoff"))
    host: str = opt("", p.optional_host)
    port: int = opt(9100, p.int_range(1, 65535))
    path: str = opt("", p.optional_path)
    # A TrueType font covering Vietnamese; "" finds DejaVu Sans or Noto Sans.
    font: str = opt("", p.optional_path)
    font_bold: str = opt("", p.optional_path)


@dataclass(frozen=True, kw_only=True)
class DisplayConfig:
    """The wall display (kiosk run display --role wall): screen, font, what it shows."""

    # "native" takes the screen's own mode; or a mode like "1920x1080".
    resolution: tuple[int, int] | None = opt(None, p.resolution)
    # Degrees clockwise the picture is turned, e.g. 90 for a screen mounted portrait.
    rotation: int = opt(0, p.one_of_ints(0, 90, 180, 270))
    # Which screen, when the Pi drives two (0 is the first HDMI port).
    index: int = opt(0, p.int_range(0, 7))
    # TrueType fonts covering every Vietnamese letter; "" finds DejaVu Sans or Noto Sans.
    font: str = opt("", p.optional_path)
    font_bold: str = opt("", p.optional_path)
    # The newest call stays highlighted this long.
    highlight_seconds: float = opt(8.0, p.number_range(1, 120))
    # How many recent calls are listed, so a missed call can still be read.
    history: int = opt(10, p.int_range(3, 12))
    # A line along the bottom; scrolls when longer than the screen. Central can replace it.
    notice: str = opt("", p.notice)
    notice_speed: float = opt(90.0, p.number_range(0, 600))  # pixels a second; 0 still
    # How often the database is checked for a change (milliseconds).
    poll_ms: int = opt(40, p.int_range(10, 1000))
    # A screen or database that went away is looked for again this often.
    retry_seconds: float = opt(5.0, p.number_range(0.5, 300))


@dataclass(frozen=True, kw_only=True)
class VoiceConfig:
    """Spoken calls: "Mời công dân có số thứ tự A023 đến quầy số 5", from a voice pack."""

    enabled: bool = opt(True, p.boolean)
    # A folder with one WAV per clip (kiosk voice build makes one; a recorded pack drops in).
    pack: str = opt("/var/lib/kiosk/voice", p.path)
    # north: linh, nghìn, hai mươi tư; south: lẻ, ngàn, hai mươi bốn.
    region: str = opt("north", p.one_of("north", "south"))
    # 4 after mươi: "tu" (tư), "bon" (bốn) or "auto" (by region).
    four: str = opt("auto", p.one_of("auto", "tu", "bon"))
    # Ticket numbers: "number" (A023: a, hai mươi ba) or "digits" (a, không, hai, ba).
    style: str = opt("number", p.one_of("number", "digits"))
    volume: float = opt(1.0, p.number_range(0, 1))
    chime: bool = opt(True, p.boolean)
    # Each call is said this many times (a recall says it again).
    repeat: int = opt(1, p.int_range(1, 3))
    # Silence between words (milliseconds).
    gap_ms: int = opt(60, p.int_range(0, 1000))
    # No voice in these ranges of local time, e.g. ["11:30-13:00"] (the screen still shows).
    quiet_hours: tuple[tuple[dt.time, dt.time], ...] = opt((), p.list_of(p.time_range))
    # A call not yet spoken this long after it was made is dropped, not said late.
    stale_seconds: float = opt(120.0, p.number_range(5, 3600))
    # espeak-ng voice for `kiosk voice build`; "" picks by region (vi, vi-vn-x-south).
    espeak_voice: str = opt("", p.optional_text)


@dataclass(frozen=True, kw_only=True)
class ScannerDevice:
    """One barcode scanner: a USB scanner in keyboard (HID) mode, or a serial one."""

    # Names the scanner; a look-up screen shows the scans of the scanners it lists.
    id: str = opt(parse=p.slug, required=True)
    # Best the stable name: /dev/input/by-id/usb-...-event-kbd or /dev/serial/by-id/usb-...
    device: str = opt(parse=p.device_path, required=True)
    # "auto": hid for a path under /dev/input/, serial otherwise.
    kind: str = opt("auto", p.one_of("auto", "hid", "serial"))
    # Serial scanners only.
    baudrate: int = opt(9600, p.one_of_ints(1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200))
    # How a serial scanner ends a code: "auto" (CR, LF or CRLF), one of those, or
    # "idle" for a scanner set to send no suffix (a pause of scanner.stall_ms ends it).
    framing: str = opt("auto", p.one_of("auto", "cr", "lf", "crlf", "idle"))

    @property
    def is_hid(self) -> bool:
        if self.kind == "auto":
            return self.device.startswith("/dev/input/")
        return self.kind == "hid"


@dataclass(frozen=True, kw_only=True)
class ScannerConfig:
    """Barcode scanners (kiosk run scanner): appointment slips and ticket QR codes."""

    # A scan that pauses this long before its end is discarded (a partial read).
    stall_ms: int = opt(300, p.int_range(20, 5000))
    # The same code again within this many seconds is one scan (a slip left under a
    # scanner in continuous mode is read over and over).
    repeat_seconds: float = opt(3.0, p.number_range(0, 60))
    # A scanner that is absent or was unplugged is looked for again this often.
    retry_seconds: float = opt(2.0, p.number_range(0.2, 60))
    devices: tuple[ScannerDevice, ...] = tables(ScannerDevice)


@dataclass(frozen=True, kw_only=True)
class LookupConfig:
    """The look-up screen (kiosk run display --role lookup): dossier progress by scan."""

    # Which scanners' scans this screen shows (their ids); empty: every scanner's.
    scanners: tuple[str, ...] = opt((), p.list_of(p.slug, unique=True))
    resolution: tuple[int, int] | None = opt(None, p.resolution)
    rotation: int = opt(0, p.one_of_ints(0, 90, 180, 270))
    # Which screen, when the Pi drives two (the wall display is usually 0).
    index: int = opt(1, p.int_range(0, 7))
    # A result stays this long, then the screen goes back to its instructions.
    show_seconds: float = opt(30.0, p.number_range(5, 600))
    # Results say "cập nhật lúc HH:MM" when the cache took no update for this long.
    stale_minutes: float = opt(60.0, p.number_range(1, 10080))
    # An extra line on the instructions screen, e.g. where to ask for help.
    help: str = opt("", p.optional_text)


@dataclass(frozen=True, kw_only=True)
class DossiersConfig:
    """The dossier cache (fed by central, or kiosk dossiers import)."""

    # Returned dossiers (status 10) are deleted this many days after they were returned.
    purge_after_days: int = opt(90, p.int_range(1, 3650))


@dataclass(frozen=True, kw_only=True)
class BrokerConfig:
    """How to reach the MQTT broker (MQTT v5): address, TLS and credentials."""

    host: str = opt("localhost", p.text)
    # 1883 plain, 8883 with TLS.
    port: int = opt(1883, p.int_range(1, 65535))
    username: str = opt("", p.optional_text)
    # Better kept out of this file: password_file names a file (mode 0600) holding it.
    password: str = opt("", p.optional_path)
    password_file: str = opt("", p.optional_path)
    tls: bool = opt(False, p.boolean)
    # CA bundle that signed the broker's certificate ("" with tls: the system's CAs).
    ca: str = opt("", p.optional_path)
    # This client's certificate and key, for brokers that want one.
    cert: str = opt("", p.optional_path)
    key: str = opt("", p.optional_path)
    keepalive: int = opt(30, p.int_range(5, 3600))
    # Reconnect waits grow from the first to the second, doubling each time.
    reconnect_min_seconds: float = opt(1.0, p.number_range(0.1, 60))
    reconnect_max_seconds: float = opt(120.0, p.number_range(1, 3600))
    # How long the broker keeps this client's session (subscriptions, queued messages)
    # while it is away.
    session_expiry_hours: float = opt(168.0, p.number_range(0.01, 8760))


@dataclass(frozen=True, kw_only=True)
class SyncConfig(BrokerConfig):
    """kiosk run sync: the outbox to central, and what central sends back."""

    enabled: bool = opt(True, p.boolean)
    # "" uses kiosk-{site.id}-{site.device}: stable, so the broker keeps the session (the
    # example broker takes the username as the client id instead, whatever is sent).
    client_id: str = opt("", p.optional_text)
    # QoS 1 messages on the wire without a PUBACK yet.
    inflight: int = opt(100, p.int_range(1, 65535))
    # Events sent but not yet acknowledged by central; nothing more is sent until it acks.
    window: int = opt(5000, p.int_range(1, 100_000))
    # No ack progress this long while events wait: send them again from the last ack.
    ack_timeout_seconds: float = opt(30.0, p.number_range(1, 3600))
    # The retained state message is refreshed this often.
    state_seconds: float = opt(60.0, p.number_range(5, 3600))
    # A reprint waits this long for the kiosk daemon before it is answered as failed.
    command_timeout_seconds: float = opt(20.0, p.number_range(1, 600))


@dataclass(frozen=True, kw_only=True)
class CentralConfig(BrokerConfig):
    """kiosk central: the province's reference ingest."""

    # sqlite:///PATH (default) or postgresql://user:password@host/dbname
    db: str = opt("sqlite:///var/lib/kiosk/central.db", p.path)
    # Workers with the same group share the sites' events (MQTT v5 shared subscription).
    group: str = opt("central", p.slug)
    # "" uses kiosk-central-{group}-{hostname}; give each worker its own.
    client_id: str = opt("", p.optional_text)
    # Events stored per transaction (and acked together).
    batch: int = opt(1000, p.int_range(1, 100_000))
    # Which sites to take: "+" all, or one site id.
    sites: str = opt("+", p.text)


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
    keymaps: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = opt((), p.keymaps)
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
