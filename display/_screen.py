"""The physical screen: its mode, which display, and rotation for portrait mounting.

Painters draw on :attr:`Screen.canvas` in the picture's own orientation; ``show``
puts a part of it on the screen, turned by the configured rotation.
"""

from __future__ import annotations

from display._layout import Rect
from display._pg import pygame
from kiosk.config import DisplayConfig


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

    @property
    def is_open(self) -> bool:
        return self.window is not None

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
            window = pygame.display.set_mode(size, pygame.FULLSCREEN, display=self.config.index)
            pygame.display.set_caption(f"kiosk {self.caption}")
            pygame.mouse.set_visible(False)
        except pygame.error as exc:
            driver = pygame.display.get_driver() if pygame.display.get_init() else "SDL"
            self.close()
            raise ScreenUnavailable(f"{driver}: {exc}") from None
        self.window = window
        width, height = window.get_size()
        if self.config.rotation in (90, 270):
            width, height = height, width
        self.canvas = window if self.config.rotation == 0 else pygame.Surface((width, height))

    def show(self, rect: Rect | None = None) -> None:
        """Put ``rect`` of the canvas (all of it by default) on the screen."""
        if self.window is None or self.canvas is None:
            return
        if self.config.rotation == 0:
            # update(None) updates nothing in pygame 2: the whole screen needs flip().
            if rect is None:
                pygame.display.flip()
            else:
                pygame.display.update(pygame.Rect(rect))
            return
        part = pygame.Rect(rect) if rect else self.canvas.get_rect()
        turned = pygame.transform.rotate(self.canvas.subsurface(part), -self.config.rotation)
        target = self._turned_rect(part)
        self.window.blit(turned, target)
        pygame.display.update(target)

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
        self.window = self.canvas = None
        if pygame.display.get_init():
            pygame.display.quit()
