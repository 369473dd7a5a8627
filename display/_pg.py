"""pygame, imported once: without its greeting on stdout (it would corrupt ``--json``), and
without setuptools' ``pkg_resources``.

``pygame/__init__`` imports ``pygame.pkgdata``, which imports ``pkg_resources`` when
setuptools is installed (it is in every venv): about 4 MB of parsers and packaging
code in the display daemon, and a deprecation warning, for pygame's own data files.
pkgdata falls back to reading those files from pygame's folder when the import
fails, so the import is held back while pygame loads.
"""

from __future__ import annotations

import os

from kiosk.stand_ins import standing_in

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

with standing_in({"pkg_resources": None}):
    import pygame

__all__ = ["pygame"]
