"""A voice pack loaded into the mixer, and clips joined into one announcement."""

from __future__ import annotations

import contextlib
import os
import wave
from collections.abc import Iterator
from pathlib import Path

from display.pygame_lib import pygame
from display.voice._pack import REQUIRED, VoiceError, clip_path, missing_clips
from kiosk.announcement import CHIME

# The mixer's format: 22.05 kHz, 16-bit signed, mono (what espeak-ng makes; SDL converts
# a recorded pack and converts again for the sound card).
FREQUENCY, SIZE, CHANNELS = 22050, -16, 1


def init_mixer() -> None:
    """Open the sound output (``pygame.error`` when there is none)."""
    if pygame.mixer.get_init() is None:
        with _alsa_quiet():
            pygame.mixer.init(frequency=FREQUENCY, size=SIZE, channels=CHANNELS, buffer=1024)


@contextlib.contextmanager
def _alsa_quiet() -> Iterator[None]:
    """alsa-lib prints its own lines to stderr when there is no sound card; the caller
    reports the failure once, in one line, instead."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class Clips:
    """Every clip of a pack as raw samples in the mixer's format."""

    def __init__(self, folder: str | Path) -> None:
        if missing := missing_clips(folder):
            raise VoiceError(
                f"voice pack {folder} lacks {len(missing)} clip(s): {', '.join(missing[:8])}"
                f"{'...' if len(missing) > 8 else ''} (make one with 'kiosk voice build')"
            )
        init = pygame.mixer.get_init()
        if init is None:
            raise VoiceError("the mixer is not open")
        self.frequency, size, self.channels = init
        self.frame = abs(size) // 8 * self.channels  # bytes per sample frame
        self.raw: dict[str, bytes] = {}
        for clip in REQUIRED:
            try:
                self.raw[clip] = pygame.mixer.Sound(str(clip_path(folder, clip))).get_raw()
            except (pygame.error, OSError) as exc:
                raise VoiceError(f"{clip_path(folder, clip)}: {exc}") from None

    def silence(self, ms: int) -> bytes:
        return bytes(self.frequency * ms // 1000 * self.frame)

    def compose(self, clips: list[str], *, gap_ms: int, chime: bool, repeat: int = 1) -> bytes:
        """The announcement as one stretch of samples: the chime, then the sentence
        ``repeat`` times, words ``gap_ms`` apart."""
        gap = self.silence(gap_ms)
        sentence = gap.join(self.raw[clip] for clip in clips)
        parts = [self.raw[CHIME], self.silence(250)] if chime else []
        for index in range(repeat):
            if index:
                parts.append(self.silence(700))
            parts.append(sentence)
        return b"".join(parts)

    def seconds(self, pcm: bytes) -> float:
        return len(pcm) / self.frame / self.frequency

    def write_wav(self, pcm: bytes, path: str | Path) -> None:
        # The file first: wave.open on a path it cannot create leaves a half-made writer
        # that prints a traceback when collected.
        with Path(path).open("wb") as file, wave.open(file, "wb") as handle:
            handle.setnchannels(self.channels)
            handle.setsampwidth(self.frame // self.channels)
            handle.setframerate(self.frequency)
            handle.writeframes(pcm)
