"""``[ratings]``: the satisfaction rating a citizen gives after service."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt

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
