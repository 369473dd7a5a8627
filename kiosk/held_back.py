"""What a library is loaded without, and why: the one place the product keeps a library's
optional module out of its daemons.

A daemon keeps every module it imported for as long as it runs. A few libraries import,
when they load, a module they can do without: they catch the ``ImportError`` and fall back
to code of their own. :func:`load` imports such a library while those modules are refused
(an import finder at the head of ``sys.meta_path``, the import system's own hook, gone
again as soon as the library is loaded). A module loaded already is not refused (nothing
would be saved), and it may be imported normally once the library is loaded; while the
library loads, it is refused to every thread (the daemons load these libraries before their
threads need them).

Only modules a library copes without are held back, never one it imports outright. ruff's
banned-api rule (TID251, pyproject.toml) keeps every other module from importing these
libraries itself, so the first import is the one made here; the loaders named in
``HELD_BACK`` are the only modules allowed to.

PSS saved: the site at rest (``kiosk bench``'s ``site``, two runs each) with and without the
modules held back, the daemons that load the library together (README, "Performance").
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from types import ModuleType


@dataclass(frozen=True)
class HeldBack:
    library: str  # the package imported by :func:`load`
    modules: tuple[str, ...]  # refused while it loads
    why: str  # what the library would load them for, and its fallback
    loader: str  # the one module that loads the library (TID251's exception)
    pss_saved_mb: float  # the site at rest, all daemons together
    test: str  # the test that guards it, in tests/app/test_footprint.py


HELD_BACK = {
    held.library: held
    for held in (
        HeldBack(
            library="evdev",
            modules=("asyncio",),
            why="evdev.device imports its asyncio half (asyncio, ssl, OpenSSL) for an "
            "event loop nothing here uses (devices are read with select on their own "
            "threads); without asyncio it uses its plain EventIO",
            loader="kiosk.evdev_lib",
            pss_saved_mb=5.2,  # counter 2.9, scanner 2.3
            test="test_ok__evdev_loads_without_asyncio_and_asyncio_still_loads_after",
        ),
        HeldBack(
            library="pygame",
            modules=("pkg_resources",),
            why="pygame.pkgdata imports setuptools' pkg_resources (which reads the metadata "
            "of every installed package) for pygame's own data files; without it pkgdata "
            "reads them from pygame's folder",
            loader="display.pygame_lib",
            pss_saved_mb=5.6,  # display
            test="test_ok__pygame_loads_without_pkg_resources_and_keeps_its_own_files",
        ),
    )
}


class _Refuse:
    """An import finder that refuses the modules ``names`` (and their submodules)."""

    def __init__(self, library: str, names: Sequence[str]) -> None:
        self.library = library
        self.names = tuple(names)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname in self.names or fullname.startswith(tuple(f"{n}." for n in self.names)):
            raise ModuleNotFoundError(
                f"{fullname} is held back while {self.library} loads (kiosk.held_back)",
                name=fullname,
            )
        return None  # not ours: the next finder looks


def load(library: str) -> ModuleType:
    """The library ``library`` of :data:`HELD_BACK`, imported (the first time) without the
    modules it names."""
    if library in sys.modules:
        return sys.modules[library]
    refuse = _Refuse(library, HELD_BACK[library].modules)
    sys.meta_path.insert(0, refuse)
    try:
        return importlib.import_module(library)
    finally:
        sys.meta_path.remove(refuse)
