"""Calls spoken one at a time, in the order they were made.

Each call becomes one sound (chime and sentence joined), played on a channel of its
own. The next starts only once the channel is silent, so announcements never
overlap; calls made meanwhile wait in order. A call not started within
``voice.stale_seconds`` is dropped rather than said late, and none are said in the
quiet hours.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from display.pygame_lib import pygame
from display.voice._clips import Clips
from kiosk.announcement import Reading, call_clips
from kiosk.config import Config, VoiceConfig
from kiosk.ticketing import Call, local_time

log = logging.getLogger("kiosk.voice")


def reading(config: VoiceConfig) -> Reading:
    return Reading(region=config.region, four=config.four, style=config.style)


def in_quiet_hours(config: VoiceConfig, local: dt.time) -> bool:
    for start, end in config.quiet_hours:
        inside = start <= local < end if start < end else local >= start or local < end
        if inside:
            return True
    return False


@dataclass(frozen=True)
class Spoken:
    """An announcement as played: monotonic start, length in seconds."""

    call_id: int
    number: str
    counter: int
    kind: str
    started: float
    seconds: float


class Announcer:
    def __init__(
        self, config: Config, clips: Clips, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.config = config
        self.voice = config.voice
        self.clips = clips
        self.clock = clock
        pygame.mixer.set_reserved(1)
        self.channel = pygame.mixer.Channel(0)
        self.channel.set_volume(self.voice.volume)
        self.waiting: collections.deque[Call] = collections.deque()
        self.playing: tuple[Spoken, pygame.mixer.Sound] | None = None
        self.spoken: list[Spoken] = []  # the last few, newest last
        self.dropped = 0
        self.handled = 0  # the newest call taken off the queue (said or dropped)

    def add(self, call: Call) -> None:
        self.waiting.append(call)

    @property
    def busy(self) -> bool:
        return self.playing is not None or bool(self.waiting)

    def tick(self, now: float) -> float | None:
        """Start the next announcement if the last has finished. Returns how soon to
        look again (seconds), or None when there is nothing to say."""
        if self.playing is not None:
            spoken, _ = self.playing
            left = spoken.started + spoken.seconds - self.clock()
            if self.channel.get_busy():
                return max(0.02, left)
            self.playing = None
        while self.waiting:
            call = self.waiting.popleft()
            self.handled = max(self.handled, call.id)
            if now - call.at > self.voice.stale_seconds:
                self.dropped += 1
                log.warning(
                    "not announcing %s (quầy %d): called %.0f s ago",
                    call.number,
                    call.counter,
                    now - call.at,
                )
                continue
            if in_quiet_hours(self.voice, local_time(self.config, now).time()):
                self.dropped += 1
                log.info("quiet hours: not announcing %s (quầy %d)", call.number, call.counter)
                continue
            return self._start(call)
        return None

    def _start(self, call: Call) -> float:
        clips = call_clips(call.number, call.counter, reading(self.voice))
        pcm = self.clips.compose(
            clips, gap_ms=self.voice.gap_ms, chime=self.voice.chime, repeat=self.voice.repeat
        )
        sound = pygame.mixer.Sound(buffer=pcm)
        started = self.clock()
        self.channel.play(sound)
        spoken = Spoken(
            call.id, call.number, call.counter, call.kind, started, self.clips.seconds(pcm)
        )
        self.playing = (spoken, sound)
        self.spoken = [*self.spoken[-49:], spoken]
        log.info(
            "announcing %s → quầy %d%s",
            call.number,
            call.counter,
            " (recall)" if call.kind == "recall" else "",
        )
        return spoken.seconds

    def stop(self) -> None:
        self.channel.stop()
        self.playing = None
        self.waiting.clear()
