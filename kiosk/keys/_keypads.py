"""USB keypads and wireless remotes at the counters, read with evdev."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

from kiosk.config import Config
from kiosk.counter import Key, Press
from kiosk.inputdev import Device, InputReader, open_evdev

KEY_DOWN = 1  # an EV_KEY value: 0 is up, 2 is autorepeat


def keymap_problems(config: Config) -> list[str]:
    """Key names in ``[keymaps]`` that this system's evdev does not know."""
    from kiosk.evdev_lib import ecodes

    return [
        f"keymaps.{name}.{key}: unknown key name {key!r} (see evdev's ecodes, e.g. KEY_KP1)"
        for name, keys in config.keymaps
        for key, _ in keys
        if key not in ecodes.ecodes
    ]


class KeyDecoder:
    """InputEvents of one keypad to counter keys.

    Only a key going down counts: releases and autorepeat (a key held down) do not,
    so holding "next" calls one citizen. Keys the map does not name are ignored.
    """

    def __init__(self, keymap: dict[str, str]) -> None:
        from kiosk.evdev_lib import ecodes

        self.codes = {ecodes.ecodes[name]: Key.parse(action) for name, action in keymap.items()}
        self.ev_key = ecodes.EV_KEY

    def feed(self, event: Any) -> Key | None:
        if event.type != self.ev_key or event.value != KEY_DOWN:
            return None
        return self.codes.get(event.code)


class Keypads:
    """One :class:`InputReader` per configured keypad of the given counters."""

    def __init__(
        self,
        config: Config,
        counters: list[int],
        presses: queue.Queue[Press],
        *,
        opener: Callable[[str], Device] = open_evdev,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.readers: list[InputReader] = []
        retry = config.counter_keys.keypad_retry_seconds
        for number in counters:
            for keypad in config.counter(number).keypads:
                decoder = KeyDecoder(config.keymap(keypad.keymap))
                self.readers.append(
                    InputReader(
                        keypad.device,
                        self._handler(number, keypad.device, decoder, presses, clock),
                        opener=opener,
                        retry_seconds=retry,
                        label=f"counter {number} keypad",
                    )
                )

    @staticmethod
    def _handler(
        number: int,
        device: str,
        decoder: KeyDecoder,
        presses: queue.Queue[Press],
        clock: Callable[[], float],
    ) -> Callable[[Any], None]:
        def on_event(event: Any) -> None:
            key = decoder.feed(event)
            if key is not None:
                presses.put_nowait(Press(number, key, clock(), device))

        return on_event

    def start(self) -> Keypads:
        for reader in self.readers:
            reader.start()
        return self

    def close(self) -> None:
        for reader in self.readers:
            reader.close()
        self.readers.clear()
