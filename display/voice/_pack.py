"""Voice packs: a folder with one WAV file per clip, and ``kiosk voice build``.

A pack holds ``<clip>.wav`` for every clip of :data:`kiosk.announcement.CLIPS` plus
``chime.wav``, and a ``pack.json`` saying what each clip says. ``build`` makes one
with espeak-ng's Vietnamese voice; a recorded human voice with the same file names
drops in (any WAV format: clips are converted when loaded).
"""

from __future__ import annotations

import array
import json
import math
import os
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

from kiosk.announcement import CHIME, CLIPS
from kiosk.config import VoiceConfig

RATE = 22050
REQUIRED = (*CLIPS, CHIME)
# espeak-ng voices from Debian's espeak-ng-data, by region.
ESPEAK_VOICES = {"north": "vi", "south": "vi-vn-x-south"}


class VoiceError(Exception):
    """A voice pack is missing or incomplete, or cannot be built."""


def missing_clips(folder: str | Path) -> list[str]:
    """Clip ids with no readable WAV file in ``folder``."""
    root = Path(folder)
    try:
        return [clip for clip in REQUIRED if not (root / f"{clip}.wav").is_file()]
    except OSError as exc:  # e.g. a folder the daemon's user may not read
        raise VoiceError(f"voice pack {root}: {exc.strerror or exc}") from None


def clip_path(folder: str | Path, clip: str) -> Path:
    return Path(folder) / f"{clip}.wav"


@dataclass(frozen=True)
class Built:
    folder: str
    voice: str
    clips: int
    seconds: float  # audio in the pack


def build_pack(folder: str | Path, config: VoiceConfig, *, espeak: str = "espeak-ng") -> Built:
    """Generate every clip with espeak-ng into ``folder`` (replacing what is there)."""
    import shutil  # building a pack (and what it needs) is not the display daemon's work

    program = shutil.which(espeak)
    if program is None:
        raise VoiceError(f"{espeak} not found: install it (apt install espeak-ng)")
    voice = config.espeak_voice or ESPEAK_VOICES[config.region]
    root = Path(folder)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise VoiceError(f"{root}: {exc.strerror or exc}") from None
    try:
        return _build(root, voice, program)
    except OSError as exc:
        raise VoiceError(f"{root}: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise VoiceError(f"espeak-ng -v {voice} did not finish in 60 s") from None


def _build(root: Path, voice: str, program: str) -> Built:
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory(prefix=".voice-", dir=root) as scratch:

        def speak(item: tuple[str, str]) -> float:
            clip, text = item
            raw = Path(scratch) / f"{clip}.wav"
            done = subprocess.run(
                [program, "-v", voice, "-s", "150", "-w", str(raw), text],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
            if done.returncode != 0 or not raw.is_file():
                message = (done.stderr or done.stdout).strip().splitlines()
                raise VoiceError(
                    f"espeak-ng -v {voice} failed for {clip!r}: "
                    f"{message[-1] if message else done.returncode}"
                )
            samples, rate = read_mono16(raw)
            samples = trim(samples)
            write_mono16(clip_path(root, clip), samples, rate)
            return len(samples) / rate

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            seconds = sum(pool.map(speak, CLIPS.items()))
    chime = ding_dong(RATE)
    write_mono16(clip_path(root, CHIME), chime, RATE)
    seconds += len(chime) / RATE
    manifest = {
        "format": 1,
        "engine": "espeak-ng",
        "voice": voice,
        "clips": {**CLIPS, CHIME: "(chime)"},
    }
    (root / "pack.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return Built(str(root), voice, len(REQUIRED), round(seconds, 2))


def read_mono16(path: Path) -> tuple[array.array[int], int]:
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2 or handle.getnchannels() != 1:
            raise VoiceError(f"{path}: expected 16-bit mono from espeak-ng")
        samples = array.array("h")
        samples.frombytes(handle.readframes(handle.getnframes()))
        rate = handle.getframerate()
    if sys.byteorder == "big":
        samples.byteswap()
    return samples, rate


def write_mono16(path: Path, samples: array.array[int], rate: int) -> None:
    data = array.array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    with path.open("wb") as file, wave.open(file, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(data.tobytes())


def trim(samples: array.array[int], threshold: int = 300, keep: int = 220) -> array.array[int]:
    """Without the silence espeak-ng puts before and after a word (``keep`` samples left)."""
    loud = [i for i, value in enumerate(samples) if abs(value) > threshold]
    if not loud:
        return samples
    start, end = max(0, loud[0] - keep), min(len(samples), loud[-1] + keep)
    return samples[start:end]


def ding_dong(rate: int) -> array.array[int]:
    """Two bell tones, high then low, the usual call chime."""
    out = array.array("h")
    for frequency, seconds in ((659.25, 0.45), (523.25, 0.7)):
        count = int(rate * seconds)
        for i in range(count):
            t = i / rate
            envelope = math.exp(-4.0 * t) * min(1.0, i / (0.005 * rate))
            tone = math.sin(2 * math.pi * frequency * t) + 0.3 * math.sin(
                4 * math.pi * frequency * t
            )
            out.append(int(11000 * envelope * tone))
    return out
