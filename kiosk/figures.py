"""The figures of a span of tickets (a day, a month, a year; a site, a service, a counter,
an officer), kept so that two spans add up to the span of both: counts, sums in whole
milliseconds and the waits as a histogram. The device's statistics, central's report and
central's pages all compute their figures through :class:`Figures`, so they agree exactly.

The 90th percentile of the waits is read from the histogram: the upper edge of the bin
that holds the nearest-rank value (bins of 30 s up to an hour, of 5 min up to 8 h), never
more than the longest wait. A year of a province is then a sum of a few thousand rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

FINE_SECONDS, FINE_UNTIL = 30, 3600
COARSE_SECONDS, COARSE_UNTIL = 300, 8 * 3600
_FINE_BINS = FINE_UNTIL // FINE_SECONDS
_LAST_BIN = _FINE_BINS + (COARSE_UNTIL - FINE_UNTIL) // COARSE_SECONDS  # beyond 8 h


def wait_bin(ms: int) -> int:
    """The histogram bin of a wait of ``ms`` milliseconds."""
    seconds = ms / 1000
    if seconds < FINE_UNTIL:
        return int(seconds // FINE_SECONDS)
    if seconds < COARSE_UNTIL:
        return _FINE_BINS + int((seconds - FINE_UNTIL) // COARSE_SECONDS)
    return _LAST_BIN


def bin_top(index: int) -> float:
    """The upper edge of a bin, in seconds (infinite for the last)."""
    if index < _FINE_BINS:
        return float((index + 1) * FINE_SECONDS)
    if index < _LAST_BIN:
        return float(FINE_UNTIL + (index - _FINE_BINS + 1) * COARSE_SECONDS)
    return math.inf


def to_ms(seconds: float) -> int:
    return round(float(seconds) * 1000)


def satisfied(choice: int, score: int) -> bool:
    """A rating in the better half of the labels (of four: the first two). The labels are
    as many as ``choice + score - 1``; the first is choice 1."""
    labels = choice + score - 1
    return choice <= labels // 2


@dataclass
class Figures:
    """What a span of tickets adds up to. ``tickets``: printed and not voided."""

    tickets: int = 0
    voided: int = 0
    no_shows: int = 0
    called: int = 0
    wait_ms: int = 0
    wait_max_ms: int = 0
    waits: dict[int, int] = field(default_factory=dict)  # bin -> calls
    served: int = 0
    service_ms: int = 0
    rated: int = 0
    score_sum: int = 0
    satisfied: int = 0
    labels: dict[str, int] = field(default_factory=dict)  # rating label -> ratings

    # -- taking one fact at a time ------------------------------------------------------

    def add_wait(self, seconds: float) -> None:
        ms = to_ms(seconds)
        self.called += 1
        self.wait_ms += ms
        self.wait_max_ms = max(self.wait_max_ms, ms)
        index = wait_bin(ms)
        self.waits[index] = self.waits.get(index, 0) + 1

    def add_service(self, seconds: float) -> None:
        self.served += 1
        self.service_ms += to_ms(seconds)

    def add_rating(self, label: str, choice: int, score: int) -> None:
        self.rated += 1
        self.score_sum += score
        self.satisfied += satisfied(choice, score)
        self.labels[label] = self.labels.get(label, 0) + 1

    def merge(self, other: Figures) -> Figures:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.wait_max_ms = max(self.wait_max_ms, other.wait_max_ms)
        for index, n in other.waits.items():
            self.waits[index] = self.waits.get(index, 0) + n
        for label, n in other.labels.items():
            self.labels[label] = self.labels.get(label, 0) + n
        return self

    def empty(self) -> bool:
        return not any(getattr(self, name) for name in COUNTS)

    # -- what a report shows ------------------------------------------------------------

    def wait_mean(self) -> float | None:
        return round(self.wait_ms / self.called / 1000, 1) if self.called else None

    def wait_p90(self) -> float | None:
        """The 90th percentile of the waits, in seconds (see the module's note)."""
        if not self.called:
            return None
        rank = max(1, math.ceil(0.9 * self.called))
        seen = 0
        for index in sorted(self.waits):
            seen += self.waits[index]
            if seen >= rank:
                return round(min(bin_top(index), self.wait_max_ms / 1000), 1)
        return round(self.wait_max_ms / 1000, 1)  # a histogram short of its count

    def service_mean(self) -> float | None:
        return round(self.service_ms / self.served / 1000, 1) if self.served else None

    def score_mean(self) -> float | None:
        return round(self.score_sum / self.rated, 1) if self.rated else None

    def satisfaction(self) -> float | None:
        """The share of ratings in the better half, in percent."""
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None

    def summary(self) -> dict[str, Any]:
        return {
            "tickets": self.tickets,
            "voided": self.voided,
            "called": self.called,
            "served": self.served,
            "no_shows": self.no_shows,
            "wait_mean_seconds": self.wait_mean(),
            "wait_p90_seconds": self.wait_p90(),
            "service_mean_seconds": self.service_mean(),
            "rated": self.rated,
            "rating_mean": self.score_mean(),
            "satisfaction_percent": self.satisfaction(),
            "ratings_by_label": dict(sorted(self.labels.items(), key=lambda kv: -kv[1])),
        }

    # -- kept in a database ------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {name: getattr(self, name) for name in COUNTS if getattr(self, name)}
        if self.wait_max_ms:
            body["wait_max_ms"] = self.wait_max_ms
        if self.waits:
            body["waits"] = {str(k): v for k, v in sorted(self.waits.items())}
        if self.labels:
            body["labels"] = dict(sorted(self.labels.items()))
        return body

    def add_to(self, body: dict[str, Any]) -> dict[str, Any]:
        """Add these figures to ``body`` (another's :meth:`to_json`), in place, and return
        it: what central does to a kept row for each batch, without building a Figures."""
        for name in COUNTS:
            value = getattr(self, name)
            if value:
                body[name] = body.get(name, 0) + value
        if self.wait_max_ms > body.get("wait_max_ms", 0):
            body["wait_max_ms"] = self.wait_max_ms
        if self.waits:
            waits = body.setdefault("waits", {})
            for index, n in self.waits.items():
                waits[str(index)] = waits.get(str(index), 0) + n
        if self.labels:
            labels = body.setdefault("labels", {})
            for label, n in self.labels.items():
                labels[label] = labels.get(label, 0) + n
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Figures:
        figures = cls()
        for name in COUNTS:
            setattr(figures, name, int(body.get(name, 0)))
        figures.wait_max_ms = int(body.get("wait_max_ms", 0))
        figures.waits = {int(k): int(v) for k, v in body.get("waits", {}).items()}
        figures.labels = {str(k): int(v) for k, v in body.get("labels", {}).items()}
        return figures


COUNTS = (
    "tickets",
    "voided",
    "no_shows",
    "called",
    "wait_ms",
    "served",
    "service_ms",
    "rated",
    "score_sum",
    "satisfied",
)


BY = ("site", "service", "counter", "officer")
Row = tuple[str, str, int, str, "Figures"]  # site, service, counter (0: none), officer


def grouped(rows: list[Row], by: str) -> tuple[dict[tuple[str, ...], Figures], Figures]:
    """The rows' figures by ``by`` (one of :data:`BY`), and their total. By counter or
    officer, a group is a site's counter or officer, and the tickets' own figures (those
    of no counter) count only in the total."""
    groups: dict[tuple[str, ...], Figures] = {}
    total = Figures()
    for site, service, counter, officer, figures in rows:
        total.merge(figures)
        if by == "site":
            key: tuple[str, ...] = (site,)
        elif by == "service":
            key = (site, service)
        elif not counter:
            continue
        elif by == "counter":
            key = (site, str(counter))
        else:
            key = (site, officer)
        groups.setdefault(key, Figures()).merge(figures)
    return dict(sorted(groups.items(), key=lambda kv: _order(kv[0]))), total


def _order(key: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple((int(part), "") if part.isdigit() else (0, part) for part in key)
