"""Spoken calls: Vietnamese number reading, voice packs, composed announcements, the
announcer's one-at-a-time queue, and ``kiosk say`` / ``kiosk voice build`` as a user runs them.

Sound goes through SDL's dummy audio driver (set by tests/conftest.py), which plays in
real time without a sound card.
"""

from __future__ import annotations

import array
import datetime as dt
import itertools
import json
import shutil
import time
import unicodedata
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from display.pygame_lib import pygame
from display.voice import (
    REQUIRED,
    Announcer,
    Clips,
    VoiceError,
    build_pack,
    in_quiet_hours,
    init_mixer,
    missing_clips,
)
from kiosk.announcement import (
    CHIME,
    CLIPS,
    Reading,
    call_clips,
    number_clips,
    ticket_clips,
    words,
)
from kiosk.config import Config, VoiceConfig
from kiosk.ticketing import Call
from tests.conftest import ROOT, at, kiosk_in, make_config

NORTH = Reading("north")
SOUTH = Reading("south")
CALL = "Mời công dân có số thứ tự"
TO_COUNTER = "đến quầy số"

# How early, by the monotonic clock, the next announcement may start and still follow the
# last one in the sound stream: the channel reports silence once the last samples are
# mixed, up to one mixer buffer (init_mixer asks for 1024 frames at 22.05 kHz) before
# they are heard, and SDL's dummy driver paces each buffer with a whole-millisecond sleep
# (46 ms for 46.4 ms of sound), so it runs about 1 % fast. Both are far below the length
# of an announcement (over 3 s), which is what an overlap would show.
BUFFER_SECONDS = 1024 / 22050
CLOCK_DRIFT = 0.02


def early_allowance(seconds: float) -> float:
    return BUFFER_SECONDS + CLOCK_DRIFT * seconds


# ---------------------------------------------------------------------------------------
# Number reading: (n, north, south), written out by hand.
# ---------------------------------------------------------------------------------------

NUMBERS: list[tuple[int, str, str]] = [
    # digits
    (0, "không", "không"),
    (1, "một", "một"),
    (2, "hai", "hai"),
    (3, "ba", "ba"),
    (4, "bốn", "bốn"),
    (5, "năm", "năm"),
    (6, "sáu", "sáu"),
    (7, "bảy", "bảy"),
    (8, "tám", "tám"),
    (9, "chín", "chín"),
    # mười: 11 is một (not mốt), 14 bốn (never tư), 15 lăm
    (10, "mười", "mười"),
    (11, "mười một", "mười một"),
    (12, "mười hai", "mười hai"),
    (14, "mười bốn", "mười bốn"),
    (15, "mười lăm", "mười lăm"),
    (19, "mười chín", "mười chín"),
    # mươi: mốt, tư (north) / bốn (south), lăm
    (20, "hai mươi", "hai mươi"),
    (21, "hai mươi mốt", "hai mươi mốt"),
    (24, "hai mươi tư", "hai mươi bốn"),
    (25, "hai mươi lăm", "hai mươi lăm"),
    (30, "ba mươi", "ba mươi"),
    (31, "ba mươi mốt", "ba mươi mốt"),
    (34, "ba mươi tư", "ba mươi bốn"),
    (44, "bốn mươi tư", "bốn mươi bốn"),
    (45, "bốn mươi lăm", "bốn mươi lăm"),
    (50, "năm mươi", "năm mươi"),
    (51, "năm mươi mốt", "năm mươi mốt"),
    (55, "năm mươi lăm", "năm mươi lăm"),
    (90, "chín mươi", "chín mươi"),
    (91, "chín mươi mốt", "chín mươi mốt"),
    (94, "chín mươi tư", "chín mươi bốn"),
    (95, "chín mươi lăm", "chín mươi lăm"),
    (99, "chín mươi chín", "chín mươi chín"),
    # hundreds: linh / lẻ, with một, bốn, năm unchanged after them
    (100, "một trăm", "một trăm"),
    (101, "một trăm linh một", "một trăm lẻ một"),
    (102, "một trăm linh hai", "một trăm lẻ hai"),
    (104, "một trăm linh bốn", "một trăm lẻ bốn"),
    (105, "một trăm linh năm", "một trăm lẻ năm"),
    (109, "một trăm linh chín", "một trăm lẻ chín"),
    (110, "một trăm mười", "một trăm mười"),
    (111, "một trăm mười một", "một trăm mười một"),
    (114, "một trăm mười bốn", "một trăm mười bốn"),
    (115, "một trăm mười lăm", "một trăm mười lăm"),
    (120, "một trăm hai mươi", "một trăm hai mươi"),
    (121, "một trăm hai mươi mốt", "một trăm hai mươi mốt"),
    (124, "một trăm hai mươi tư", "một trăm hai mươi bốn"),
    (125, "một trăm hai mươi lăm", "một trăm hai mươi lăm"),
    (200, "hai trăm", "hai trăm"),
    (205, "hai trăm linh năm", "hai trăm lẻ năm"),
    (311, "ba trăm mười một", "ba trăm mười một"),
    (500, "năm trăm", "năm trăm"),
    (555, "năm trăm năm mươi lăm", "năm trăm năm mươi lăm"),
    (701, "bảy trăm linh một", "bảy trăm lẻ một"),
    (999, "chín trăm chín mươi chín", "chín trăm chín mươi chín"),
    # thousands: nghìn / ngàn, không trăm inside
    (1000, "một nghìn", "một ngàn"),
    (1001, "một nghìn không trăm linh một", "một ngàn không trăm lẻ một"),
    (1004, "một nghìn không trăm linh bốn", "một ngàn không trăm lẻ bốn"),
    (1005, "một nghìn không trăm linh năm", "một ngàn không trăm lẻ năm"),
    (1009, "một nghìn không trăm linh chín", "một ngàn không trăm lẻ chín"),
    (1010, "một nghìn không trăm mười", "một ngàn không trăm mười"),
    (1011, "một nghìn không trăm mười một", "một ngàn không trăm mười một"),
    (1015, "một nghìn không trăm mười lăm", "một ngàn không trăm mười lăm"),
    (1021, "một nghìn không trăm hai mươi mốt", "một ngàn không trăm hai mươi mốt"),
    (1023, "một nghìn không trăm hai mươi ba", "một ngàn không trăm hai mươi ba"),
    (1099, "một nghìn không trăm chín mươi chín", "một ngàn không trăm chín mươi chín"),
    (1100, "một nghìn một trăm", "một ngàn một trăm"),
    (1101, "một nghìn một trăm linh một", "một ngàn một trăm lẻ một"),
    (1111, "một nghìn một trăm mười một", "một ngàn một trăm mười một"),
    (1234, "một nghìn hai trăm ba mươi tư", "một ngàn hai trăm ba mươi bốn"),
    (1995, "một nghìn chín trăm chín mươi lăm", "một ngàn chín trăm chín mươi lăm"),
    (2000, "hai nghìn", "hai ngàn"),
    (2005, "hai nghìn không trăm linh năm", "hai ngàn không trăm lẻ năm"),
    (2024, "hai nghìn không trăm hai mươi tư", "hai ngàn không trăm hai mươi bốn"),
    (2025, "hai nghìn không trăm hai mươi lăm", "hai ngàn không trăm hai mươi lăm"),
    (3000, "ba nghìn", "ba ngàn"),
    (3050, "ba nghìn không trăm năm mươi", "ba ngàn không trăm năm mươi"),
    (4004, "bốn nghìn không trăm linh bốn", "bốn ngàn không trăm lẻ bốn"),
    (5005, "năm nghìn không trăm linh năm", "năm ngàn không trăm lẻ năm"),
    (5555, "năm nghìn năm trăm năm mươi lăm", "năm ngàn năm trăm năm mươi lăm"),
    (7009, "bảy nghìn không trăm linh chín", "bảy ngàn không trăm lẻ chín"),
    (9000, "chín nghìn", "chín ngàn"),
    (9909, "chín nghìn chín trăm linh chín", "chín ngàn chín trăm lẻ chín"),
    (9999, "chín nghìn chín trăm chín mươi chín", "chín ngàn chín trăm chín mươi chín"),
    # above 9999
    (10000, "mười nghìn", "mười ngàn"),
    (10001, "mười nghìn không trăm linh một", "mười ngàn không trăm lẻ một"),
    (15000, "mười lăm nghìn", "mười lăm ngàn"),
    (21000, "hai mươi mốt nghìn", "hai mươi mốt ngàn"),
    (24000, "hai mươi tư nghìn", "hai mươi bốn ngàn"),
    (100000, "một trăm nghìn", "một trăm ngàn"),
    (105000, "một trăm linh năm nghìn", "một trăm lẻ năm ngàn"),
    (
        999999,
        "chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
        "chín trăm chín mươi chín ngàn chín trăm chín mươi chín",
    ),
]


def test_ok__number_table_is_distinct_nfc_and_large_enough() -> None:
    numbers = [n for n, _, _ in NUMBERS]
    assert len(set(numbers)) == len(numbers)
    assert len([n for n in numbers if n <= 9999]) >= 60
    for _, north, south in NUMBERS:
        assert unicodedata.normalize("NFC", north) == north
        assert unicodedata.normalize("NFC", south) == south


@pytest.mark.parametrize(("n", "north", "south"), NUMBERS, ids=[str(n) for n, _, _ in NUMBERS])
def test_ok__number_read_by_region(n: int, north: str, south: str) -> None:
    assert words(number_clips(n, NORTH)) == north
    assert words(number_clips(n, SOUTH)) == south


def test_ok__number_default_reading_is_north() -> None:
    assert words(number_clips(2024)) == "hai nghìn không trăm hai mươi tư"
    assert words(number_clips(101)) == "một trăm linh một"


def test_ok__number_clip_ids() -> None:
    assert number_clips(21, NORTH) == ["hai", "muoi", "mot-sac"]
    assert number_clips(11, NORTH) == ["muoi-huyen", "mot"]
    assert number_clips(15, NORTH) == ["muoi-huyen", "lam"]
    assert number_clips(24, NORTH) == ["hai", "muoi", "tu"]
    assert number_clips(24, SOUTH) == ["hai", "muoi", "bon"]
    assert number_clips(105, SOUTH) == ["mot", "tram", "le", "nam"]
    assert number_clips(1000, SOUTH) == ["mot", "ngan"]
    assert number_clips(1023, NORTH) == ["mot", "nghin", "khong", "tram", "hai", "muoi", "ba"]


@pytest.mark.parametrize(
    ("n", "tu", "bon"),
    [
        (24, "hai mươi tư", "hai mươi bốn"),
        (34, "ba mươi tư", "ba mươi bốn"),
        (94, "chín mươi tư", "chín mươi bốn"),
        (2024, "hai nghìn không trăm hai mươi tư", "hai nghìn không trăm hai mươi bốn"),
        # after mười, linh or alone, four is always bốn
        (4, "bốn", "bốn"),
        (14, "mười bốn", "mười bốn"),
        (104, "một trăm linh bốn", "một trăm linh bốn"),
        (1004, "một nghìn không trăm linh bốn", "một nghìn không trăm linh bốn"),
        (4000, "bốn nghìn", "bốn nghìn"),
    ],
)
def test_ok__four_option_overrides_region_north(n: int, tu: str, bon: str) -> None:
    assert words(number_clips(n, Reading("north", four="tu"))) == tu
    assert words(number_clips(n, Reading("north", four="bon"))) == bon


@pytest.mark.parametrize(
    ("n", "tu", "bon"),
    [
        (24, "hai mươi tư", "hai mươi bốn"),
        (44, "bốn mươi tư", "bốn mươi bốn"),
        (124, "một trăm hai mươi tư", "một trăm hai mươi bốn"),
        (14, "mười bốn", "mười bốn"),
        (104, "một trăm lẻ bốn", "một trăm lẻ bốn"),
    ],
)
def test_ok__four_option_overrides_region_south(n: int, tu: str, bon: str) -> None:
    assert words(number_clips(n, Reading("south", four="tu"))) == tu
    assert words(number_clips(n, Reading("south", four="bon"))) == bon


@pytest.mark.parametrize("n", [-1, -1000, 1_000_000, 10_000_000])
def test_fail__number_out_of_range(n: int) -> None:
    with pytest.raises(ValueError, match="999999"):
        number_clips(n, NORTH)


# ---------------------------------------------------------------------------------------
# Ticket numbers and the call sentence
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "reading", "expected"),
    [
        ("A023", NORTH, "a hai mươi ba"),
        ("A001", NORTH, "a một"),
        ("A105", SOUTH, "a một trăm lẻ năm"),
        ("B124", NORTH, "bê một trăm hai mươi tư"),
        ("B124", SOUTH, "bê một trăm hai mươi bốn"),
        ("1023", NORTH, "một nghìn không trăm hai mươi ba"),
        ("1005", SOUTH, "một ngàn không trăm lẻ năm"),
        ("AB12", NORTH, "a bê mười hai"),
        ("XY021", NORTH, "ích xì i dài hai mươi mốt"),
        ("A023", Reading(style="digits"), "a không hai ba"),
        ("1005", Reading(style="digits"), "một không không năm"),
        ("1005", Reading("south", style="digits"), "một không không năm"),
        ("G415", Reading(style="digits"), "giê bốn một năm"),
        ("999999", NORTH, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    ],
)
def test_ok__ticket_read(number: str, reading: Reading, expected: str) -> None:
    assert words(ticket_clips(number, reading)) == expected


def test_ok__ticket_clip_ids() -> None:
    assert ticket_clips("A023", NORTH) == ["letter-a", "hai", "muoi", "ba"]
    assert ticket_clips("A023", Reading(style="digits")) == ["letter-a", "khong", "hai", "ba"]
    assert ticket_clips("AB12", NORTH) == ["letter-a", "letter-b", "muoi-huyen", "hai"]
    assert ticket_clips("1005", Reading(style="digits")) == ["mot", "khong", "khong", "nam"]


@pytest.mark.parametrize(
    "number", ["X", "A", "", "ABC1", "12345678", "1234567", "a-1", "A 1", "1A", "Đ1"]
)
def test_fail__ticket_bad_shape(number: str) -> None:
    with pytest.raises(ValueError, match="ticket number must be"):
        ticket_clips(number, NORTH)


def test_ok__call_sentence_north() -> None:
    clips = call_clips("A023", 5, NORTH)
    assert clips == ["call", "letter-a", "hai", "muoi", "ba", "to-counter", "nam"]
    assert words(clips) == "Mời công dân có số thứ tự a hai mươi ba đến quầy số năm"


@pytest.mark.parametrize(
    ("counter", "north", "south"),
    [
        (1, "một", "một"),
        (15, "mười lăm", "mười lăm"),
        (21, "hai mươi mốt", "hai mươi mốt"),
        (24, "hai mươi tư", "hai mươi bốn"),
        (105, "một trăm linh năm", "một trăm lẻ năm"),
        (999, "chín trăm chín mươi chín", "chín trăm chín mươi chín"),
    ],
)
def test_ok__call_sentence_counter(counter: int, north: str, south: str) -> None:
    assert words(call_clips("A023", counter, NORTH)) == (
        f"{CALL} a hai mươi ba {TO_COUNTER} {north}"
    )
    assert words(call_clips("A023", counter, SOUTH)) == (
        f"{CALL} a hai mươi ba {TO_COUNTER} {south}"
    )


def test_ok__call_sentence_digits_style_keeps_counter_as_number() -> None:
    reading = Reading("south", style="digits")
    assert words(call_clips("B105", 24, reading)) == (
        f"{CALL} bê một không năm {TO_COUNTER} hai mươi bốn"
    )


@pytest.mark.parametrize("counter", [0, -1, 1000])
def test_fail__call_counter_out_of_range(counter: int) -> None:
    with pytest.raises(ValueError, match="counter"):
        call_clips("A023", counter, NORTH)


def test_fail__call_bad_ticket() -> None:
    with pytest.raises(ValueError, match="ticket number must be"):
        call_clips("ABC1", 5, NORTH)


def test_ok__clips_table() -> None:
    digits = ["khong", "mot", "hai", "ba", "bon", "nam", "sau", "bay", "tam", "chin"]
    expected = {
        **dict(zip(digits, ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám",
                            "chín"], strict=True)),
        "mot-sac": "mốt", "tu": "tư", "lam": "lăm", "muoi-huyen": "mười", "muoi": "mươi",
        "tram": "trăm", "linh": "linh", "le": "lẻ", "nghin": "nghìn", "ngan": "ngàn",
        "call": CALL, "to-counter": TO_COUNTER,
    }  # fmt: skip
    for clip, text in expected.items():
        assert CLIPS[clip] == text
    letters = [f"letter-{chr(c)}" for c in range(ord("a"), ord("z") + 1)]
    assert all(letter in CLIPS for letter in letters)
    assert set(CLIPS) == set(expected) | set(letters)
    assert all(unicodedata.normalize("NFC", text) == text for text in CLIPS.values())
    assert CHIME == "chime"
    assert set(REQUIRED) == {*CLIPS, CHIME}


# ---------------------------------------------------------------------------------------
# Voice packs
# ---------------------------------------------------------------------------------------


def test_ok__build_pack_south(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    assert missing_clips(folder) == list(REQUIRED)
    built = build_pack(folder, VoiceConfig(region="south"))
    assert built.voice == "vi-vn-x-south"
    assert built.clips == len(REQUIRED)
    assert Path(built.folder) == folder
    assert built.seconds > 0
    assert missing_clips(folder) == []
    for clip in REQUIRED:
        with wave.open(str(folder / f"{clip}.wav"), "rb") as handle:
            assert handle.getnframes() > 0, clip
    manifest = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
    assert {"format", "engine", "voice", "clips"} <= set(manifest)
    assert manifest["engine"] == "espeak-ng"
    assert manifest["voice"] == "vi-vn-x-south"
    assert set(manifest["clips"]) == set(REQUIRED)
    assert manifest["clips"]["tram"] == "trăm"
    # no scratch files left behind
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{clip}.wav" for clip in REQUIRED] + ["pack.json"]
    )


def test_ok__shared_pack_is_complete(voice_pack: Path) -> None:
    assert missing_clips(voice_pack) == []
    manifest = json.loads((voice_pack / "pack.json").read_text(encoding="utf-8"))
    assert manifest["voice"] == "vi"


def test_fail__build_pack_without_espeak(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match="not found"):
        build_pack(tmp_path / "pack", VoiceConfig(), espeak="no-such-espeak")
    assert missing_clips(tmp_path / "pack") == list(REQUIRED)


def test_ok__missing_clips_names_deleted_ones(voice_pack: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(voice_pack, tmp_path / "pack"))
    (copy / "tram.wav").unlink()
    (copy / "chime.wav").unlink()
    assert missing_clips(copy) == ["tram", "chime"]


# ---------------------------------------------------------------------------------------
# Clips in the mixer
# ---------------------------------------------------------------------------------------


@pytest.fixture
def mixer() -> Iterator[None]:
    init_mixer()
    yield
    pygame.mixer.quit()


@pytest.fixture
def clips(mixer: None, voice_pack: Path) -> Clips:
    return Clips(voice_pack)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as handle:
        return handle.getnframes() / handle.getframerate()


def test_ok__mixer_format(mixer: None) -> None:
    assert pygame.mixer.get_init() == (22050, -16, 1)


def test_fail__clips_missing_a_clip(mixer: None, voice_pack: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(voice_pack, tmp_path / "pack"))
    (copy / "tram.wav").unlink()
    with pytest.raises(VoiceError, match="tram") as caught:
        Clips(copy)
    assert "kiosk voice build" in str(caught.value)
    assert "1 clip" in str(caught.value)


def test_fail__clips_empty_folder(mixer: None, tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match=f"lacks {len(REQUIRED)} clip"):
        Clips(tmp_path)


def test_ok__recorded_pack_in_another_format_drops_in(
    mixer: None, voice_pack: Path, tmp_path: Path
) -> None:
    """A person's recording at 44.1 kHz stereo, same file names: converted on load."""
    copy = Path(shutil.copytree(voice_pack, tmp_path / "recorded"))
    with wave.open(str(copy / "hai.wav"), "rb") as handle:
        rate, mono = handle.getframerate(), handle.readframes(handle.getnframes())
    samples = memoryview(mono).cast("h")
    # Each sample twice (two channels), and each frame twice (twice the rate, near enough).
    stereo = array.array("h", (value for value in samples for _ in range(4)))
    with wave.open(str(copy / "hai.wav"), "wb") as handle:
        handle.setnchannels(2)
        handle.setsampwidth(2)
        handle.setframerate(rate * 2)
        handle.writeframes(stereo.tobytes())
    recorded, generated = Clips(copy), Clips(voice_pack)
    ids = ["hai"]
    assert recorded.seconds(recorded.compose(ids, gap_ms=0, chime=False)) == pytest.approx(
        generated.seconds(generated.compose(ids, gap_ms=0, chime=False)), abs=0.01
    )
    assert len(recorded.raw["hai"]) % recorded.frame == 0  # whole mono frames


def test_ok__compose_is_the_clips_end_to_end(clips: Clips, voice_pack: Path) -> None:
    ids = call_clips("A023", 5, NORTH)
    pcm = clips.compose(ids, gap_ms=0, chime=False)
    expected = sum(wav_seconds(voice_pack / f"{clip}.wav") for clip in ids)
    assert clips.seconds(pcm) == pytest.approx(expected, abs=1e-3)


def test_ok__compose_chime_adds_chime_and_pause(clips: Clips, voice_pack: Path) -> None:
    ids = call_clips("A023", 5, NORTH)
    without = clips.seconds(clips.compose(ids, gap_ms=60, chime=False))
    with_chime = clips.seconds(clips.compose(ids, gap_ms=60, chime=True))
    chime = wav_seconds(voice_pack / "chime.wav")
    assert chime > 0.5
    assert with_chime - without == pytest.approx(chime + 0.25, abs=1e-3)


def test_ok__compose_repeat_adds_sentence_and_pause(clips: Clips) -> None:
    ids = call_clips("B7", 3, NORTH)
    once = clips.seconds(clips.compose(ids, gap_ms=60, chime=False))
    twice = clips.seconds(clips.compose(ids, gap_ms=60, chime=False, repeat=2))
    three = clips.seconds(clips.compose(ids, gap_ms=60, chime=True, repeat=3))
    chimed = clips.seconds(clips.compose(ids, gap_ms=60, chime=True))
    assert twice == pytest.approx(2 * once + 0.7, abs=1e-3)
    assert three - chimed == pytest.approx(2 * (once + 0.7), abs=1e-3)


@pytest.mark.parametrize("gap_ms", [1, 60, 250, 1000])
def test_ok__compose_gap_between_words(clips: Clips, gap_ms: int) -> None:
    ids = call_clips("AB12", 24, SOUTH)
    base = clips.seconds(clips.compose(ids, gap_ms=0, chime=False))
    spaced = clips.seconds(clips.compose(ids, gap_ms=gap_ms, chime=False))
    assert spaced - base == pytest.approx((len(ids) - 1) * gap_ms / 1000, abs=1e-3)


def test_ok__write_wav_readable(clips: Clips, tmp_path: Path) -> None:
    pcm = clips.compose(call_clips("A023", 5, NORTH), gap_ms=60, chime=True)
    out = tmp_path / "call.wav"
    clips.write_wav(pcm, out)
    with wave.open(str(out), "rb") as handle:
        assert handle.getframerate() == 22050
        assert handle.getnchannels() == 1
        assert handle.getsampwidth() == 2
        frames = handle.getnframes()
        assert handle.readframes(frames) == pcm
    assert frames / 22050 == pytest.approx(clips.seconds(pcm), abs=1e-6)
    assert clips.seconds(pcm) > 3


# ---------------------------------------------------------------------------------------
# Quiet hours
# ---------------------------------------------------------------------------------------


def test_ok__quiet_hours_simple_range() -> None:
    voice = VoiceConfig(quiet_hours=((dt.time(11, 30), dt.time(13, 0)),))
    assert in_quiet_hours(voice, dt.time(12, 0))
    assert in_quiet_hours(voice, dt.time(11, 30))
    assert in_quiet_hours(voice, dt.time(12, 59, 59))
    assert not in_quiet_hours(voice, dt.time(13, 0))
    assert not in_quiet_hours(voice, dt.time(11, 29))
    assert not in_quiet_hours(voice, dt.time(9, 0))


def test_ok__quiet_hours_wrap_past_midnight_from_config() -> None:
    voice = make_config(voice={"quiet_hours": ["21:00-06:00"]}).voice
    assert voice.quiet_hours == ((dt.time(21, 0), dt.time(6, 0)),)
    assert in_quiet_hours(voice, dt.time(23, 0))
    assert in_quiet_hours(voice, dt.time(5, 0))
    assert in_quiet_hours(voice, dt.time(0, 0))
    assert not in_quiet_hours(voice, dt.time(12, 0))
    assert not in_quiet_hours(voice, dt.time(6, 0))


def test_ok__no_quiet_hours() -> None:
    assert not in_quiet_hours(VoiceConfig(), dt.time(12, 0))


# ---------------------------------------------------------------------------------------
# The announcer
# ---------------------------------------------------------------------------------------

FAST_VOICE = {"chime": False, "gap_ms": 0, "stale_seconds": 60, "quiet_hours": ["11:30-13:00"]}


@pytest.fixture
def fast_config() -> Config:
    return make_config(voice=FAST_VOICE)


def call(call_id: int, number: str, counter: int, when: float, kind: str = "call") -> Call:
    return Call(id=call_id, number=number, service="dat-dai", counter=counter, kind=kind, at=when)


def run_until_idle(announcer: Announcer, now: float, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while announcer.busy:
        assert time.monotonic() < deadline, "announcer still busy"
        announcer.tick(now)
        time.sleep(0.01)


def assert_one_at_a_time(announcer: Announcer) -> None:
    spoken = announcer.spoken
    for before, after in itertools.pairwise(spoken):
        assert after.started >= before.started + before.seconds - early_allowance(before.seconds), (
            before,
            after,
        )
        # and the next one follows promptly (ticked every 10 ms)
        assert after.started <= before.started + before.seconds + 1.0, (before, after)


def test_ok__announcements_never_overlap_and_keep_call_order(
    clips: Clips, fast_config: Config
) -> None:
    now = at(9, 0)
    calls = [
        call(11, "A1", 1, now),
        call(12, "B2", 3, now + 0.1),
        call(13, "A1", 1, now + 0.2, kind="recall"),
        call(14, "E4", 7, now + 0.3),
    ]
    announcer = Announcer(fast_config, clips)
    for made in calls:
        announcer.add(made)
    assert announcer.busy
    assert announcer.spoken == []

    wait = announcer.tick(now + 1)
    assert len(announcer.spoken) == 1
    first = announcer.spoken[0]
    assert wait == pytest.approx(first.seconds)
    # while it plays, ticking again starts nothing
    again = announcer.tick(now + 1)
    assert again is not None
    assert 0 < again <= first.seconds
    assert len(announcer.spoken) == 1
    time.sleep(0.2)
    assert announcer.tick(now + 1) is not None
    assert len(announcer.spoken) == 1

    run_until_idle(announcer, now + 1)
    assert [s.call_id for s in announcer.spoken] == [11, 12, 13, 14]
    assert [(s.number, s.counter, s.kind) for s in announcer.spoken] == [
        ("A1", 1, "call"),
        ("B2", 3, "call"),
        ("A1", 1, "recall"),
        ("E4", 7, "call"),
    ]
    for s in announcer.spoken:
        pcm = clips.compose(call_clips(s.number, s.counter, NORTH), gap_ms=0, chime=False)
        assert s.seconds == pytest.approx(clips.seconds(pcm))
    assert_one_at_a_time(announcer)
    assert announcer.dropped == 0
    assert announcer.tick(now + 1) is None
    assert not announcer.busy


def test_ok__calls_added_while_playing_wait_in_order(clips: Clips, fast_config: Config) -> None:
    now = at(10, 0)
    announcer = Announcer(fast_config, clips)
    announcer.add(call(1, "A7", 2, now))
    assert announcer.tick(now) is not None
    assert len(announcer.spoken) == 1
    announcer.add(call(2, "B8", 3, now + 1))
    announcer.add(call(3, "A9", 1, now + 2))
    announcer.tick(now + 2)
    assert [s.call_id for s in announcer.spoken] == [1]
    assert announcer.busy
    run_until_idle(announcer, now + 3)
    assert [s.call_id for s in announcer.spoken] == [1, 2, 3]
    assert_one_at_a_time(announcer)
    assert announcer.dropped == 0


def test_ok__stale_calls_dropped(clips: Clips) -> None:
    config = make_config(voice={**FAST_VOICE, "stale_seconds": 30})
    now = at(9, 0)
    announcer = Announcer(config, clips)
    announcer.add(call(1, "A1", 1, now - 600))  # ten minutes old
    announcer.add(call(2, "A2", 1, now - 31))
    announcer.add(call(3, "A3", 2, now - 29))
    assert announcer.tick(now) is not None
    assert announcer.dropped == 2
    assert [s.call_id for s in announcer.spoken] == [3]
    announcer.stop()
    assert not announcer.busy
    assert announcer.tick(now) is None
    assert [s.call_id for s in announcer.spoken] == [3]


def test_ok__call_going_stale_while_waiting_is_dropped(clips: Clips) -> None:
    config = make_config(voice={**FAST_VOICE, "stale_seconds": 30})
    now = at(9, 0)
    announcer = Announcer(config, clips)
    announcer.add(call(1, "A1", 1, now))
    announcer.tick(now)
    announcer.stop()
    announcer.add(call(2, "A2", 1, now))
    # by the time the channel is free again the call is 45 s old
    assert announcer.tick(now + 45) is None
    assert announcer.dropped == 1
    assert [s.call_id for s in announcer.spoken] == [1]


def test_ok__quiet_hour_calls_dropped(clips: Clips, fast_config: Config) -> None:
    noon = at(12, 0)
    announcer = Announcer(fast_config, clips)
    announcer.add(call(1, "A1", 1, noon))
    announcer.add(call(2, "A2", 2, noon + 1))
    assert announcer.tick(noon + 2) is None
    assert announcer.dropped == 2
    assert announcer.spoken == []
    assert not announcer.busy
    # after 13:00 calls are spoken again
    after = at(13, 0)
    announcer.add(call(3, "A3", 3, after))
    assert announcer.tick(after + 1) is not None
    assert [s.call_id for s in announcer.spoken] == [3]
    assert announcer.dropped == 2
    announcer.stop()
    assert not announcer.busy


# ---------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path, voice_pack: Path) -> Path:
    original = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = original.replace('pack = "/var/lib/kiosk/voice"', f'pack = "{voice_pack}"')
    assert text != original
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_ok__cli_say_words(site: Path) -> None:
    done = kiosk_in(site, "say", "A023", "5", "--words")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Mời công dân có số thứ tự a hai mươi ba đến quầy số năm\n"


def test_ok__cli_say_words_json(site: Path) -> None:
    done = kiosk_in(site, "say", "A023", "24", "--words", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["number"] == "A023"
    assert out["counter"] == 24
    assert out["sentence"] == f"{CALL} a hai mươi ba {TO_COUNTER} hai mươi tư"
    assert out["clips"] == call_clips("A023", 24, NORTH)


def test_fail__cli_say_bad_number(site: Path) -> None:
    done = kiosk_in(site, "say", "X", "5", "--words")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("kiosk: ticket number must be")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("counter", ["0", "1000", "five"])
def test_fail__cli_say_bad_counter(site: Path, counter: str) -> None:
    done = kiosk_in(site, "say", "A1", counter, "--words")
    assert done.returncode == 2
    assert "counter must be" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_ok__cli_say_wav(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    done = kiosk_in(site, "say", "A023", "5", "--wav", str(out), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["wav"] == str(out)
    assert result["sentence"] == "Mời công dân có số thứ tự a hai mươi ba đến quầy số năm"
    with wave.open(str(out), "rb") as handle:
        assert handle.getframerate() == 22050
        assert handle.getnchannels() == 1
        seconds = handle.getnframes() / handle.getframerate()
    assert seconds > 3
    assert result["seconds"] == pytest.approx(seconds, abs=0.01)


def test_ok__cli_say_wav_text(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.wav"
    done = kiosk_in(site, "say", "1005", "2", "--wav", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "Mời công dân có số thứ tự một nghìn không trăm linh năm đến quầy số hai\n"
    )
    assert str(out) in done.stdout
    assert out.is_file()


def test_fail__cli_say_empty_pack(site: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out.wav"
    done = kiosk_in(site, "say", "A023", "5", "--pack", str(empty), "--wav", str(out))
    assert done.returncode == 69
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "lacks" in lines[0]
    assert "kiosk voice build" in lines[0]
    assert not out.exists()


def test_fail__cli_say_wav_into_missing_folder(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "out.wav"
    done = kiosk_in(site, "say", "A023", "5", "--wav", str(out))
    assert done.returncode == 73
    assert done.stderr.startswith(f"kiosk: {out}: No such file or directory\n")
    assert done.stdout == ""
    assert not out.exists()


def test_fail__cli_say_wav_into_missing_folder_one_line(site: Path, tmp_path: Path) -> None:
    # The CLI reports a failure in one line, with no traceback (kiosk/app/cli/_exit.py).
    out = tmp_path / "no" / "such" / "out.wav"
    done = kiosk_in(site, "say", "A023", "5", "--wav", str(out))
    assert done.returncode == 73
    assert done.stderr == f"kiosk: {out}: No such file or directory\n"


def test_ok__cli_say_plays_in_real_time(site: Path, tmp_path: Path) -> None:
    measured = kiosk_in(site, "say", "A023", "5", "--wav", str(tmp_path / "x.wav"), "--json")
    seconds = json.loads(measured.stdout)["seconds"]
    started = time.monotonic()
    done = kiosk_in(site, "say", "A023", "5")
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Mời công dân có số thứ tự a hai mươi ba đến quầy số năm"
    assert lines[1].startswith("clips: call letter-a hai muoi ba to-counter nam")
    assert took >= seconds >= 3


def test_ok__cli_voice_build(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "built"
    done = kiosk_in(site, "voice", "build", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"{len(REQUIRED)} clips" in done.stdout
    assert missing_clips(out) == []
    assert all((out / f"{clip}.wav").is_file() for clip in REQUIRED)
    assert json.loads((out / "pack.json").read_text(encoding="utf-8"))["voice"] == "vi"
