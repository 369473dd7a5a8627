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
from typing import IO, Any

from kiosk.stand_ins import real, stand_in, standing_in


def _safe_load(stream: IO[str]) -> Any:
    return real("yaml").safe_load(stream)  # no kept pickle: PyYAML parses the database


with standing_in({"yaml": stand_in("yaml", safe_load=_safe_load)}):
    from escpos import capabilities


def printers() -> Any:
    """python-escpos's connection classes (the ``escpos.printer`` module)."""
    return importlib.import_module("escpos.printer")


__all__ = ["capabilities", "printers"]
