"""python-escpos's connection classes for the transports, and the one private attribute of
python-escpos the package uses, where the library offers nothing public.

The transports take python-escpos from here, so that what they rely on is read in one
place (the profiles read ``escpos.capabilities``, public, in :mod:`printer._profile`).

======================  ==========================================================
python-escpos private   why
======================  ==========================================================
``Escpos._raw(data)``   the only way to hand bytes already encoded to a printer
                        object: its public methods each build their own commands.
                        Used for the ``dummy`` connection only; the other
                        transports write to the device python-escpos opened
                        (the public ``device`` property).
======================  ==========================================================

Public, though less used: the ``device`` property's setter, with which the serial
transport takes the port back from python-escpos to close it without the flush in
``Serial.close()`` (that blocks for ever on a printer holding the line with XOFF).
"""

from __future__ import annotations

from typing import Any

from escpos.printer import Dummy, File, Network, Serial, Usb


def raw(printer: Any, data: bytes) -> None:
    """Hand ``data`` as it is to a python-escpos printer object."""
    printer._raw(data)  # noqa: SLF001 (the one private name used, above)


__all__ = ["Dummy", "File", "Network", "Serial", "Usb", "raw"]
