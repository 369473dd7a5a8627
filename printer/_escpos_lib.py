"""python-escpos for the printer package, loaded without PyYAML where it is not needed.

``escpos.capabilities`` imports PyYAML to parse its printer database, and reads a pickle
of the parsed database instead whenever there is a fresh one (kept in
``ESCPOS_CAPABILITIES_PICKLE_DIR``: ``/var/cache/kiosk`` under the units). While it
loads, ``yaml`` is a stand-in whose ``safe_load`` imports PyYAML when it is first called
(no pickle yet, or a newer database); the stand-in is gone again straight after. That
keeps about 0.7 MB of parser out of the kiosk daemon. Where PyYAML or the capabilities
are loaded already there is nothing to save.

Take python-escpos's modules from here (``capabilities``, ``printers()``), never from
``escpos`` directly, so that the first import is this one.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import IO, Any


def _safe_load(stream: IO[str]) -> Any:
    if sys.modules.get("yaml") is _STAND_IN:  # called while escpos loads: no pickle yet
        del sys.modules["yaml"]
    return importlib.import_module("yaml").safe_load(stream)


_STAND_IN = types.ModuleType("yaml")
_STAND_IN.safe_load = _safe_load  # type: ignore[attr-defined]


def _load() -> None:
    if "escpos.capabilities" in sys.modules or "yaml" in sys.modules:
        return
    sys.modules["yaml"] = _STAND_IN
    try:
        importlib.import_module("escpos.capabilities")
    finally:
        if sys.modules.get("yaml") is _STAND_IN:
            del sys.modules["yaml"]


_load()

from escpos import capabilities  # noqa: E402


def printers() -> Any:
    """python-escpos's connection classes (the ``escpos.printer`` module)."""
    return importlib.import_module("escpos.printer")


__all__ = ["capabilities", "printers"]
