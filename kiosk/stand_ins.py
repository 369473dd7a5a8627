"""Holding modules back while a library loads: what the ``*_lib`` loaders share.

Several libraries import, when they load, modules they use only on request (a metadata
reader, a proxy lookup, a YAML parser, an event loop), and a daemon keeps whatever it
imported for as long as it runs. A loader names those modules here for the moment the
library loads: as None (importing it fails, for a library that copes without it) or as a
stand-in whose functions import the real module when they are first called. Each is
gone again straight after, so anyone importing the module later gets the real one.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import Any


def stand_in(name: str, **functions: Callable[..., Any]) -> ModuleType:
    """A module ``name`` holding only ``functions``."""
    module = ModuleType(name)
    vars(module).update(functions, __stand_in__=True)
    return module


def real(name: str) -> ModuleType:
    """The real module ``name``, even while a stand-in for it is in place (which goes)."""
    if getattr(sys.modules.get(name), "__stand_in__", False):
        del sys.modules[name]
    return importlib.import_module(name)


@contextlib.contextmanager
def standing_in(modules: Mapping[str, ModuleType | None]) -> Iterator[None]:
    """Each of ``modules`` in ``sys.modules`` under its name for the imports made inside,
    where that module is not loaded already; none of them is left behind, unless the real
    module took its place meanwhile."""
    held = {name: module for name, module in modules.items() if name not in sys.modules}
    sys.modules.update(held)  # type: ignore[arg-type]  # None: "import NAME" fails
    try:
        yield
    finally:
        for name, module in held.items():
            if name in sys.modules and sys.modules[name] is module:
                del sys.modules[name]
