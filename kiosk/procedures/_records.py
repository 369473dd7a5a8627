"""A procedure record from outside, in either format, checked (see ``_portal`` and
``_ours``): a record is used whole or refused with one line naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.procedures._checks import BadProcedure
from kiosk.procedures._model import Procedure
from kiosk.procedures._ours import read_ours
from kiosk.procedures._portal import read_portal


def parse_record(record: Any, version: int) -> Procedure:
    """``record`` as a :class:`Procedure`; ``version`` where the record states none (the
    portal's never do). :class:`BadProcedure` if it cannot be used."""
    if not isinstance(record, Mapping):
        raise BadProcedure(f"must be a JSON object, not {type(record).__name__}")
    try:
        if "MATTHC" in record:
            return read_portal(record, version)
        if "code" in record:
            return read_ours(record, version)
    except RecursionError:
        raise BadProcedure("nested too deeply") from None
    raise BadProcedure("neither a portal record (MATTHC) nor one of this project's (code)")


__all__ = ["BadProcedure", "parse_record"]
