"""pygame, imported once: without its greeting on stdout (it would corrupt ``--json``;
pygame leaves it out when ``PYGAME_HIDE_SUPPORT_PROMPT`` is set), and without setuptools'
``pkg_resources`` (``kiosk.held_back`` says why and what it saves).

Import pygame from here (``from display.pygame_lib import pygame``), never directly (ruff's TID251
says so), so that the first import is this one.
"""

from __future__ import annotations

import os

from kiosk.held_back import load

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
load("pygame")

import pygame  # noqa: E402

__all__ = ["pygame"]
