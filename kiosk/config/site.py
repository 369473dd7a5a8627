"""``[site]``: who this controller is, the centre's name and the ids used on the wire."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt, required


@dataclass(frozen=True, kw_only=True)
class SiteConfig:
    """Who this controller is: the centre's name and ids used on the wire."""

    id: str = required(p.slug)
    name: str = required(p.name_text)
    device: str = opt("site-controller", p.slug)
    timezone: str = opt("Asia/Ho_Chi_Minh", p.timezone)
