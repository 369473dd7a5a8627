"""Fonts for tickets: found or configured, checked to cover every Vietnamese letter."""

from __future__ import annotations

import functools

from PIL import ImageFont

from kiosk import fonts
from kiosk.fonts import BOLD, REGULAR, FontError, find_font

__all__ = ["BOLD", "REGULAR", "FontError", "check_font", "find_font", "font"]


@functools.cache
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    # Basic layout draws each code point's own glyph: no shaping engine quietly
    # composing a missing letter out of marks, no dependency on libraqm.
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


def check_font(path: str, key: str) -> str:
    """``path`` if it draws all 134 Vietnamese letters (``key``: printer.KEY in messages)."""
    return fonts.check_font(path, f"printer.{key}")
