"""``kiosk say``, ``kiosk voice build``, ``kiosk display snapshot`` and ``kiosk notice``."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kiosk import announcement, ticketing
from kiosk.app.context import Context
from kiosk.app.exits import CANTCREAT, CONFIG, IOERR, NOINPUT, UNAVAILABLE, USAGE, CommandError


@contextlib.contextmanager
def voice_errors() -> Iterator[None]:
    from display.voice import VoiceError

    try:
        yield
    except VoiceError as exc:
        raise CommandError(str(exc), UNAVAILABLE) from None


def cmd_say(ctx: Context) -> int:
    args, voice = ctx.args, ctx.config.voice
    from display.voice import reading

    try:
        clips = announcement.call_clips(args.number, args.counter, reading(voice))
    except ValueError as exc:
        raise CommandError(str(exc), USAGE) from None
    sentence = announcement.words(clips)
    out: dict[str, Any] = {
        "number": args.number.upper(),
        "counter": args.counter,
        "sentence": sentence,
        "clips": clips,
    }
    if args.words:
        ctx.emit(out, sentence)
        return 0
    if args.wav:
        # A file needs no sound card.
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    from display.pygame_lib import pygame
    from display.voice import Clips, init_mixer

    try:
        init_mixer()
    except pygame.error as exc:
        raise CommandError(
            f"no sound output: {exc} (write a file instead with --wav FILE)", UNAVAILABLE
        ) from None
    pack = args.pack or voice.pack
    with voice_errors():
        loaded = Clips(pack)
    pcm = loaded.compose(clips, gap_ms=voice.gap_ms, chime=voice.chime, repeat=voice.repeat)
    out["seconds"] = round(loaded.seconds(pcm), 2)
    if args.wav:
        try:
            loaded.write_wav(pcm, args.wav)
        except OSError as exc:
            raise CommandError(f"{args.wav}: {exc.strerror or exc}", CANTCREAT) from None
        out["wav"] = args.wav
        ctx.emit(out, f"{sentence}\nwritten to {args.wav} ({out['seconds']} s)")
        return 0
    channel = pygame.mixer.Sound(buffer=pcm).play()
    channel.set_volume(voice.volume)
    while channel.get_busy():
        time.sleep(0.05)
    ctx.emit(out, f"{sentence}\nclips: {' '.join(clips)} ({out['seconds']} s)")
    return 0


def cmd_voice(ctx: Context) -> int:
    from display.voice import build_pack

    folder = ctx.args.out or ctx.config.voice.pack
    started = time.perf_counter()
    with voice_errors():
        built = build_pack(folder, ctx.config.voice)
    seconds = round(time.perf_counter() - started, 2)
    ctx.emit(
        {
            "folder": built.folder,
            "voice": built.voice,
            "clips": built.clips,
            "audio_seconds": built.seconds,
            "built_in_seconds": seconds,
        },
        f"voice pack in {built.folder}: {built.clips} clips ({built.seconds} s of audio) "
        f"from espeak-ng voice {built.voice}, in {seconds} s",
    )
    return 0


def cmd_display(ctx: Context) -> int:
    from display import fonts_for, save_lookup, save_wall
    from kiosk.fonts import FontError

    args = ctx.args
    out = Path(args.out)
    chosen = [f"--{n}" for n in ("code", "procedure", "search") if getattr(args, n) is not None]
    if chosen and args.role != "lookup":
        raise CommandError(f"{chosen[0]} is for --role lookup", USAGE)
    if len(chosen) > 1:
        raise CommandError(f"{' and '.join(chosen)}: one at a time", USAGE)
    try:
        faces = fonts_for(ctx.config)
    except FontError as exc:
        raise CommandError(f"config: {exc}", CONFIG) from None
    if not out.parent.is_dir():
        raise CommandError(f"{out}: no such folder {out.parent}", CANTCREAT)
    try:
        if args.role == "lookup" and (args.procedure is not None or args.search is not None):
            from display import save_catalogue

            try:
                laid, placed = save_catalogue(
                    ctx.config,
                    ctx.store,
                    out,
                    now=ctx.now(),
                    faces=faces,
                    procedure=args.procedure,
                    query=args.search,
                    size=args.size,
                )
            except LookupError as exc:
                raise CommandError(str(exc), NOINPUT) from None
            size = laid.layout.size
            extra = {
                "page": laid.page + 1,
                "pages": laid.pages,
                "targets": [{"action": t.action, "rect": list(t.rect)} for t in laid.targets],
            }
        elif args.role == "lookup":
            looked = save_lookup(
                ctx.config,
                ctx.store,
                out,
                now=ctx.now(),
                faces=faces,
                code=args.code,
                size=args.size,
            )
            size, placed = looked.layout.size, looked.placed
            extra = {"view": looked.view.to_json()}
        else:
            frame = save_wall(
                ctx.config, ctx.store, out, size=args.size, now=ctx.now(), faces=faces
            )
            size, placed, extra = frame.layout.size, frame.placed, {}
    except OSError as exc:
        raise CommandError(f"{out}: {exc.strerror or exc}", CANTCREAT) from None
    except sqlite3.Error as exc:
        raise CommandError(f"database: {exc}", IOERR) from None
    except Exception as exc:  # pygame.error: the PNG cannot be written
        if type(exc).__name__ != "error":
            raise
        raise CommandError(f"{out}: {exc}", CANTCREAT) from None
    width, height = size
    screen = "look-up screen" if args.role == "lookup" else "wall display"
    ctx.emit(
        {"out": str(out), "size": [width, height], "text": [p.text for p in placed], **extra},
        f"{screen} ({width}x{height}) written to {out}",
    )
    return 0


def cmd_notice(ctx: Context) -> int:
    text = ctx.args.text  # one line, checked (kiosk.app.cli._parser.NOTICE_TEXT)
    minutes = ctx.args.minutes
    if minutes is not None and not 0 < minutes <= 7 * 24 * 60:
        raise CommandError("--minutes must be more than 0 and at most 10080 (a week)", USAGE)
    ticketing.set_notice(ctx.store, text, now=ctx.now(), minutes=minutes)
    shown = text or ctx.config.display.notice
    until = f" for {minutes:g} min" if minutes and text else ""
    if text:
        said = f'The wall display shows the notice "{text}"{until}.'
    elif shown:
        said = f'The wall display shows its configured notice "{shown}" again.'
    else:
        said = "The wall display shows no notice."
    ctx.emit({"notice": shown, "minutes": minutes}, said)
    return 0
