"""A surface's pixels as bytes, with the pygame of Debian Bookworm too.

``pygame.image.tobytes`` came in pygame 2.1.3; Bookworm's python3-pygame (what a Pi runs,
pyproject allows it) is 2.1.2, which has the same function as ``tostring`` only."""

from __future__ import annotations

from typing import Any

from display.pygame_lib import pygame


def surface_bytes(surface: Any, fmt: str) -> bytes:
    to_bytes = getattr(pygame.image, "tobytes", None) or pygame.image.tostring
    data: bytes = to_bytes(surface, fmt)
    return data
