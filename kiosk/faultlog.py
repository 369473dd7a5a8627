"""A fault that comes back on every pass of a daemon's loop, logged as a technician wants it:
one warning line when it starts, one a minute while it lasts (with how often it failed
meanwhile), and one when it clears. Never a traceback: the fault is the disk or the
database, not the code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

EVERY = 60.0  # seconds between two lines about the same lasting fault


class FaultLog:
    """The lines about one operation that may fail again and again (``what``, e.g. "sync
    step (ack)"): "what failed: why", "what still failing: why (12 times in 60 s)", "what
    works again (after 3 min, 181 failures)"."""

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        *,
        every: float = EVERY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log, self.what, self.every = log, what, every
        self.monotonic = monotonic
        self.since: float | None = None  # when it started failing; None while it works
        self.failures = 0
        self._said_at = 0.0
        self._said_failures = 0

    @property
    def failing(self) -> bool:
        return self.since is not None

    def failed(self, why: object, *, first: str | None = None) -> None:
        """It failed again, because of ``why`` (the error, in one line); ``first``: the
        line to log if it starts failing now (else "what failed: why")."""
        now = self.monotonic()
        self.failures += 1
        if self.since is None:
            self.since = now
            self.log.warning("%s", first or f"{self.what} failed: {why}")
        elif now - self._said_at >= self.every:
            self.log.warning(
                "%s still failing: %s (%d times in %s)",
                self.what,
                why,
                self.failures - self._said_failures,
                _span(now - self._said_at),
            )
        else:
            return
        self._said_at, self._said_failures = now, self.failures

    def worked(self, *, say: str | None = None) -> None:
        """It worked: one line (``say``, else "what works again") if it had been failing."""
        if self.since is None:
            return
        span = _span(self.monotonic() - self.since)
        self.log.warning(
            "%s (after %s, %d failures)", say or f"{self.what} works again", span, self.failures
        )
        self.since = None
        self.failures = self._said_failures = 0


def _span(seconds: float) -> str:
    """``seconds`` for people: 3 s, 2 min, 1 h 5 min."""
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
