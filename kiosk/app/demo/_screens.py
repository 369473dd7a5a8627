"""What the waiting room saw and heard in the simulated day: wall display snapshots at
the three screen shapes, and the first announcements as WAV files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

from kiosk.config import Config
from kiosk.store import Store
from kiosk.ticketing import Called, Ticket, local_time

SIZES = ((1920, 1080), (1280, 720), (1080, 1920))
# Snapshots just after the first call at or after these local times.
MOMENTS = (dt.time(9, 30), dt.time(14, 30))
ANNOUNCED = 6  # calls written as WAV files (plus the first recall)


class Screens:
    """An observer of :class:`kiosk.app.demo._sim.Day` writing ``wall/`` and ``voice/``."""

    def __init__(self, config: Config, store: Store, out: Path) -> None:
        os.environ["SDL_AUDIODRIVER"] = "dummy"  # WAV files need no sound card
        from display import fonts_for

        self.config = config
        self.store = store
        self.wall = out / "wall"
        self.voice = out / "voice"
        for folder in (self.wall, self.voice):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        self.faces = fonts_for(config)
        self.moments = list(MOMENTS)
        self.snapshots: list[str] = []
        self.wavs: list[str] = []
        self.recalled = False
        self.calls_said = 0
        self.voice_note = ""
        self.clips = self._voice_pack(out / "voice-pack")

    def _voice_pack(self, folder: Path) -> Any:
        from display.voice import Clips, VoiceError, build_pack, init_mixer

        try:
            build_pack(folder, self.config.voice)
            init_mixer()
            return Clips(folder)
        except VoiceError as exc:
            self.voice_note = f"no announcements: {exc}"
        except Exception as exc:  # pygame.error: no mixer even with the dummy driver
            self.voice_note = f"no announcements: {exc}"
        return None

    def __call__(self, kind: str, payload: Any, now: float) -> None:
        if kind == "called" and isinstance(payload, Called) and payload.ticket is not None:
            self._announce(payload.ticket, payload.counter, "call", now)
            self._snapshot(now)
        elif kind == "recalled" and isinstance(payload, Ticket) and not self.recalled:
            self.recalled = True
            self._announce(payload, payload.counter or 0, "recall", now)

    def _snapshot(self, now: float) -> None:
        local = local_time(self.config, now)
        if not self.moments or local.time() < self.moments[0]:
            return
        self.moments.pop(0)
        from display import save_wall

        for width, height in SIZES:
            name = f"{local:%H%M}-{width}x{height}.png"
            # A second after the call: the call is still highlighted.
            save_wall(
                self.config,
                self.store,
                self.wall / name,
                size=(width, height),
                now=now + 1,
                faces=self.faces,
            )
            self.snapshots.append(f"wall/{name}")

    def _announce(self, ticket: Ticket, counter: int, kind: str, now: float) -> None:
        if self.clips is None or (kind == "call" and self.calls_said >= ANNOUNCED):
            return
        self.calls_said += kind == "call"
        from display.voice import reading
        from kiosk.announcement import call_clips

        voice = self.config.voice
        clips = call_clips(ticket.number, counter, reading(voice))
        pcm = self.clips.compose(clips, gap_ms=voice.gap_ms, chime=voice.chime, repeat=voice.repeat)
        local = local_time(self.config, now)
        suffix = "-recall" if kind == "recall" else ""
        name = f"{local:%H%M%S}-{ticket.number}-quay-{counter}{suffix}.wav"
        self.clips.write_wav(pcm, self.voice / name)
        self.wavs.append(f"voice/{name}")
