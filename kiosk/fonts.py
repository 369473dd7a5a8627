"""Fonts for screens and tickets: the configured file, or the first installed one that
covers Vietnamese."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from pathlib import Path

from kiosk.vietnamese import missing_letters

# Where Debian / Raspberry Pi OS packages put fonts that cover every Vietnamese letter.
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
    """``configured`` if set (it must exist), else the first of ``candidates`` installed.

    ``key`` is the config key the font comes from (``printer.font``), for messages.
    """
    if configured:
        if not Path(configured).is_file():
            raise FontError(f"{key}: no font file at {configured}")
        return configured
    for path in candidates:
        if Path(path).is_file():
            return path
    raise FontError(
        f"{key}: no Vietnamese font found (looked for {', '.join(candidates)}); "
        "install fonts-dejavu-core or set the path"
    )


@functools.cache
def check_font(path: str, key: str) -> str:
    """``path`` if the font itself has all 134 Vietnamese letters; :class:`FontError`
    naming the missing ones.

    Each letter is drawn with Pillow's basic layout, which draws the code point's own
    glyph: a shaping engine (the one pygame's SDL_ttf uses) would quietly stack a
    missing letter out of a base and combining marks, often misplaced.
    """
    from PIL import ImageFont

    try:
        face = ImageFont.truetype(path, 24, layout_engine=ImageFont.Layout.BASIC)
    except OSError as exc:
        raise FontError(f"{key}: cannot read font {path}: {exc}") from None

    def render(ch: str) -> tuple[tuple[int, int], bytes]:
        mask = face.getmask(ch, mode="1")
        return mask.size, bytes(mask)

    return require_letters(path, key, render)


def require_letters(path: str, key: str, render: Callable[[str], Hashable]) -> str:
    """``path`` if ``render`` (one code point's own glyph, no shaping) draws every
    Vietnamese letter; :class:`FontError` naming the missing ones."""
    missing = missing_letters(render)
    if missing:
        raise FontError(
            f"{key}: {path} lacks {len(missing)} Vietnamese letters ({missing[:12]}...); "
            "use DejaVu Sans or Noto Sans"
        )
    return path
