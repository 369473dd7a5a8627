"""``[dossiers]``: the dossier cache (fed by central, or kiosk dossiers import)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt


@dataclass(frozen=True, kw_only=True)
class DossiersConfig:
    """The dossier cache (fed by central, or kiosk dossiers import)."""

    # Returned dossiers (status 10) are deleted this many days after they were returned.
    purge_after_days: int = opt(90, p.int_range(1, 3650))
