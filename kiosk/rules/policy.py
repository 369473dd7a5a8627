"""Which waiting ticket a counter calls next."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.config import QueueConfig


@dataclass(frozen=True)
class Candidate:
    """A callable ticket as the policy sees it.

    ``rank`` is the queue order (issue order, kept by transfers to the front);
    ``queued_at`` is when its wait started, used for aging.
    """

    ticket_id: int
    service_id: str
    priority: bool
    rank: int
    queued_at: float


@dataclass(frozen=True)
class Streak:
    """Calls made in the current priority:normal cycle of one counter."""

    priority: int = 0
    normal: int = 0


def _first(candidates: Sequence[Candidate], services: Sequence[str], order: str) -> Candidate:
    if order == "listed":
        for service_id in services:
            mine = [c for c in candidates if c.service_id == service_id]
            if mine:
                return min(mine, key=lambda c: c.rank)
    return min(candidates, key=lambda c: c.rank)


def choose_next(
    candidates: Sequence[Candidate],
    services: Sequence[str],
    queue: QueueConfig,
    streak: Streak,
    now: float,
) -> tuple[Candidate, Streak] | None:
    """Pick the next ticket for a counter serving ``services`` (in preference order).

    1. Anyone who has waited ``aging_minutes`` or more goes first, oldest first,
       so a long priority stream never starves normal tickets.
    2. Otherwise priority and normal tickets alternate by ``priority_ratio``
       (e.g. 2:1 calls two priority tickets, then one normal, when both wait).
    3. Within the chosen class, the oldest ticket across the counter's services,
       or the first listed service with someone waiting (``order = "listed"``).
    """
    mine = [c for c in candidates if c.service_id in services]
    if not mine:
        return None
    want_p, want_n = queue.priority_ratio
    aged = [c for c in mine if now - c.queued_at >= queue.aging_minutes * 60]
    if aged:
        chosen = min(aged, key=lambda c: c.rank)
    else:
        priority = [c for c in mine if c.priority]
        normal = [c for c in mine if not c.priority]
        if priority and normal:
            take_priority = streak.priority < want_p or streak.normal >= want_n
            pool = priority if take_priority else normal
        else:
            pool = priority or normal
        chosen = _first(pool, services, queue.order)
    if chosen.priority:
        after = Streak(streak.priority + 1, streak.normal)
    else:
        after = Streak(streak.priority, streak.normal + 1)
    if after.priority >= want_p and after.normal >= want_n:
        after = Streak()
    return chosen, after
