"""Fonts for tickets: found or configured, checked to cover every Vietnamese letter."""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

from kiosk.vietnamese import missing_letters

# Where Debian / Raspberry Pi OS packages put fonts that cover Vietnamese.
REGULAR = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/opentype/noto/NotoSans-Regular.ttf",
)
BOLD = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/opentype/noto/NotoSans-Bold.ttf",
)


class FontError(ValueError):
    """No usable font, or one that lacks Vietnamese letters."""


def find_font(configured: str, candidates: tuple[str, ...], key: str) -> str:
    if configured:
        if not Path(configured).is_file():
            raise FontError(f"printer.{key}: no font file at {configured}")
        return configured
    for path in candidates:
        if Path(path).is_file():
            return path
    raise FontError(
        f"printer.{key}: no Vietnamese font found (looked for {', '.join(candidates)}); "
        "install fonts-dejavu-core or set the path"
    )


@functools.cache
def font(path: str, size: int) -> ImageFont.FreeTypeFont:
    # Basic layout draws each code point's own glyph: no shaping engine quietly
    # composing a missing letter out of marks, no dependency on libraqm.
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.BASIC)


@functools.cache
def check_font(path: str, key: str) -> str:
    """``path`` if it draws all 134 Vietnamese letters; :class:`FontError` naming the missing."""
    try:
        face = font(path, 24)
    except OSError as exc:
        raise FontError(f"printer.{key}: cannot read font {path}: {exc}") from None

    def render(ch: str) -> tuple[tuple[int, int], bytes]:
        mask = face.getmask(ch, mode="1")
        return mask.size, bytes(mask)

    missing = missing_letters(render)
    if missing:
        raise FontError(
            f"printer.{key}: {path} lacks {len(missing)} Vietnamese letters ({missing[:12]}...); "
            "use DejaVu Sans or Noto Sans"
        )
    return path
