"""pygame, imported once without its greeting on stdout (it would corrupt ``--json``)."""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

__all__ = ["pygame"]
