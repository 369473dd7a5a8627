"""Where a procedure is submitted at this centre: the service that receives it (which the
kiosk's button is for) and the counters that call that service."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Config, ServiceConfig
from kiosk.procedures._model import Procedure


@dataclass(frozen=True)
class Where:
    service: ServiceConfig
    counters: tuple[int, ...]  # counter numbers, in order


def receiving(procedure: Procedure, config: Config) -> Where | None:
    """The service that receives ``procedure``: the one its record names, else the one
    whose ``fields`` list its field's code or name; None when no service does."""
    found = next((s for s in config.services if s.id == procedure.service), None)
    if found is None:
        wanted = {procedure.field_code.casefold(), procedure.field_name.casefold()} - {""}
        found = next(
            (s for s in config.services if wanted & {f.casefold() for f in s.fields}), None
        )
    if found is None:
        return None
    counters = tuple(c.number for c in config.counters if found.id in c.services)
    return Where(found, counters)
