"""``[display]``: the wall display (kiosk run display --role wall), its screen, fonts and
what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt


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
