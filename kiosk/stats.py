"""Small summary statistics shared by the demo report, the bench and later reports."""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(values: Iterable[float], share: float) -> float:
    """Nearest-rank percentile (``share`` from 0 to 1); 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))]
