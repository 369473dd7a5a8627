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


def timing(samples_ms: list[float]) -> dict[str, float]:
    """How a benchmark figure is reported: count, median, p99, max and mean, in ms (all 0.0
    for no samples)."""
    return {
        "n": len(samples_ms),
        "median_ms": round(percentile(samples_ms, 0.5), 3),
        "p99_ms": round(percentile(samples_ms, 0.99), 3),
        "max_ms": round(max(samples_ms, default=0.0), 3),
        "mean_ms": round(sum(samples_ms) / len(samples_ms), 3) if samples_ms else 0.0,
    }
