"""Spoken calls: voice packs, clips joined into announcements, played one at a time.

Part of the ``display`` adapter: imports only ``display`` itself and the :mod:`kiosk`
core (the call sentence is :mod:`kiosk.announcement`)."""

from display.voice._announcer import Announcer, Spoken, in_quiet_hours, reading
from display.voice._clips import Clips, init_mixer
from display.voice._pack import REQUIRED, Built, VoiceError, build_pack, missing_clips

__all__ = [
    "REQUIRED",
    "Announcer",
    "Built",
    "Clips",
    "Spoken",
    "VoiceError",
    "build_pack",
    "in_quiet_hours",
    "init_mixer",
    "missing_clips",
    "reading",
]
