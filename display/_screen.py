"""The physical screen: its mode, which display, and rotation for portrait mounting.

Painters draw on :attr:`Screen.canvas` in the picture's own orientation; ``show``
puts it, or a part of it, on the screen, turned by the configured rotation.

With KMSDRM (a Pi without a desktop) one process at a time can drive the Pi's screens, so
the wall display and the look-up screen beside the scanner are driven by one process: the
wall through ``pygame.display``, the look-up screen through a :class:`WindowScreen`, a
second SDL window on the other HDMI output. The video system stays up while either is open.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import Any

from display._layout import Rect
from display.pygame_lib import pygame
from kiosk.config import DisplayConfig

# The screens this process has open: the video system is shut only when the last one closes.
_OPEN: weakref.WeakSet[Screen] = weakref.WeakSet()
# SDL_WINDOWPOS_UNDEFINED_DISPLAY(n): a window anywhere on screen n.
_ON_DISPLAY = 0x1FFF0000


class ScreenUnavailable(Exception):
    """No screen can be opened (no display driver, no monitor, no permission)."""


class Screen:
    def __init__(
        self, config: DisplayConfig, *, section: str = "display", caption: str = "wall display"
    ) -> None:
        self.config = config
        self.section = section  # where its settings come from, for messages
        self.caption = caption
        self.window: pygame.Surface | None = None
        self.canvas: pygame.Surface | None = None
        self.size: tuple[int, int] | None = None  # the mode it opened at; None when closed

    @property
    def is_open(self) -> bool:
        return self.size is not None

    def describe(self) -> str:
        """The mode the screen opened at and the driver, e.g. ``1024x768 (SDL dummy)``: SDL's
        dummy driver has that one mode and opens a full screen at it whatever is asked."""
        if self.size is None:
            return "not open"
        width, height = self.size
        return f"{width}x{height} (SDL {pygame.display.get_driver()})"

    def open(self) -> None:
        try:
            pygame.display.init()
            count = pygame.display.get_num_displays()
            if self.config.index >= count:
                self.close()  # so the next try counts the screens afresh
                raise ScreenUnavailable(
                    f"{self.section}.index {self.config.index}: only {count} screen(s) connected"
                )
            size = self.config.resolution or (0, 0)  # (0, 0): the screen's own mode
            self.size = self._make_window(size)
            pygame.mouse.set_visible(False)
        except pygame.error as exc:
            driver = pygame.display.get_driver() if pygame.display.get_init() else "SDL"
            self.close()
            raise ScreenUnavailable(f"{driver}: {exc}") from None
        _OPEN.add(self)

    @property
    def picture_size(self) -> tuple[int, int]:
        """The size of the picture painted for the screen: its mode, turned as mounted."""
        assert self.size is not None
        return self._turned(self.size)

    def to_picture(self, x: float, y: float) -> tuple[int, int]:
        """A point of the window (a touch) as the point of the picture painted there: the
        picture is turned as the screen is mounted, so a touch is turned back."""
        assert self.size is not None
        width, height = self.picture_size
        rotation = self.config.rotation
        if rotation == 90:
            return round(y), round(height - x)
        if rotation == 270:
            return round(width - y), round(x)
        if rotation == 180:
            return round(width - x), round(height - y)
        return round(x), round(y)

    def _turned(self, size: tuple[int, int]) -> tuple[int, int]:
        width, height = size
        return (height, width) if self.config.rotation in (90, 270) else (width, height)

    def _make_window(self, size: tuple[int, int]) -> tuple[int, int]:
        """Open the screen at ``size`` ((0, 0): its own mode); the mode it opened at."""
        window = pygame.display.set_mode(size, pygame.FULLSCREEN, display=self.config.index)
        pygame.display.set_caption(f"kiosk {self.caption}")
        self.window, size = window, window.get_size()
        self.canvas = window if self.config.rotation == 0 else pygame.Surface(self._turned(size))
        return size

    def show(self, rect: Rect | None = None) -> None:
        """Put ``rect`` of the canvas (all of it by default) on the screen."""
        if self.window is None or self.canvas is None:
            return
        if self.config.rotation == 0:
            self._present(pygame.Rect(rect) if rect is not None else None)
            return
        part = pygame.Rect(rect) if rect else self.canvas.get_rect()
        turned = pygame.transform.rotate(self.canvas.subsurface(part), -self.config.rotation)
        target = self._turned_rect(part)
        self.window.blit(turned, target)
        self._present(target)

    def _present(self, rect: pygame.Rect | None) -> None:
        # update(None) updates nothing in pygame 2: the whole screen needs flip().
        if rect is None:
            pygame.display.flip()
        else:
            pygame.display.update(rect)

    def _turned_rect(self, part: pygame.Rect) -> pygame.Rect:
        assert self.canvas is not None
        cw, ch = self.canvas.get_size()
        x, y, w, h = part
        rotation = self.config.rotation
        if rotation == 90:  # clockwise: canvas left edge becomes the top
            return pygame.Rect(ch - y - h, x, h, w)
        if rotation == 270:
            return pygame.Rect(y, cw - x - w, h, w)
        return pygame.Rect(cw - x - w, ch - y - h, w, h)  # 180

    def close(self) -> None:
        self._destroy()
        self.window = self.canvas = None
        self.size = None
        _OPEN.discard(self)
        if not _OPEN and pygame.display.get_init():
            pygame.display.quit()

    def _destroy(self) -> None:
        pass  # pygame.display's window goes with the video system


class WindowScreen(Screen):
    """A screen shown in an SDL window of its own (``pygame._sdl2.video``) on display
    ``index``, beside the one ``pygame.display`` drives: the second screen of a process
    that drives two. Painters draw on a frame made for each picture (:attr:`canvas`);
    ``show()`` hands the whole picture to the window's renderer and lets the frame go, so
    between pictures only the renderer holds it: a full frame less (3 MB at 1024x768,
    8 MB at 1920x1080) for the look-up screen, which is painted whole, once a minute at
    rest and once a second while a result counts down. ``show(rect)`` (a painter that
    updates part of its picture) keeps the frame for the next step."""

    def __init__(
        self, config: DisplayConfig, *, section: str = "display", caption: str = "wall display"
    ) -> None:
        super().__init__(config, section=section, caption=caption)
        self._sdl_window: Any = None
        self._renderer: Any = None
        self._frame: pygame.Surface | None = None

    @property
    def canvas(self) -> pygame.Surface | None:
        """The frame the next picture is painted on, made when first asked for."""
        if self._frame is None and self._renderer is not None:
            self._frame = pygame.Surface(self.picture_size)
        return self._frame

    @canvas.setter
    def canvas(self, frame: pygame.Surface | None) -> None:
        self._frame = frame

    def _make_window(self, size: tuple[int, int]) -> tuple[int, int]:
        from pygame._sdl2 import video  # noqa: TID251  # pygame is loaded (display.pygame_lib)

        index = self.config.index
        if size == (0, 0):
            size = pygame.display.get_desktop_sizes()[index]
        where = _ON_DISPLAY | index
        self._sdl_window = video.Window(f"kiosk {self.caption}", size=size, position=(where, where))
        self._sdl_window.set_fullscreen(desktop=True)
        self._renderer = video.Renderer(self._sdl_window)
        opened: tuple[int, int] = self._sdl_window.size
        return opened

    def show(self, rect: Rect | None = None) -> None:
        """Put the picture on the screen (the renderer takes all of it); the frame goes
        after a whole picture, and stays after a part (``rect``)."""
        from pygame._sdl2 import video  # noqa: TID251  # pygame is loaded (display.pygame_lib)

        if self._renderer is None or self._frame is None:
            return
        picture = self._frame
        if rect is None:
            self._frame = None
        if self.config.rotation:
            picture = pygame.transform.rotate(picture, -self.config.rotation)
        texture = video.Texture.from_surface(self._renderer, picture)
        self._renderer.blit(texture)
        self._renderer.present()

    def shown(self) -> pygame.Surface:
        """What the window shows now (read back from its renderer)."""
        shown: pygame.Surface = self._renderer.to_surface()
        return shown

    def _destroy(self) -> None:
        self._renderer = None
        if self._sdl_window is not None:
            with contextlib.suppress(pygame.error):
                self._sdl_window.destroy()
            self._sdl_window = None
