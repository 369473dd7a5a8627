"""One daemon of the busy day in its own process, with simulated hardware the day's script
drives: gpiozero's MockFactory pins and keypads that are pipes carrying evdev
``InputEvent`` sequences (:mod:`kiosk.app.inputsim`). Everything else is the daemon exactly as
``kiosk run`` starts it (same code, same database, same broker, ``NOTIFY_SOCKET``).

    python -m kiosk.app.demo._host CONTROL_SOCKET RECORD_DIR -- --config C --db D run kiosk

The script sends one JSON object per line on the control socket and gets ``ok`` or
``error: ...`` back:

* ``{"pin": 5, "hold": 0.05}``: a button on that pin is pressed for ``hold`` seconds;
* ``{"keys": ["KEY_KPENTER"], "device": PATH}``: keys tapped on a keypad;
* ``{"plug": PATH}`` / ``{"unplug": PATH}``: a keypad plugged in or pulled out.

The wall display's process also writes what it shows and says to ``RECORD_DIR``: one
JSON line per frame whose newest call changed (``wall.jsonl``), one per call said and
one per run of stale calls dropped (``voice.jsonl``), and a PNG of every 100th such frame.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from kiosk.app.inputsim import Keyboards, tap
from kiosk.config import load_config, main_path

SNAPSHOT_EVERY = 100


class Host:
    def __init__(self, control: str) -> None:
        from gpiozero import Device
        from gpiozero.pins.mock import MockFactory

        Device.pin_factory = MockFactory()
        self.factory = Device.pin_factory
        self.keyboards = Keyboards()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        Path(control).unlink(missing_ok=True)
        self.server.bind(control)
        self.server.listen(8)
        threading.Thread(target=self._accept, name="host control", daemon=True).start()

    def _accept(self) -> None:
        while True:
            connection, _ = self.server.accept()
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rwb", buffering=0) as stream:
            for line in stream:
                try:
                    self.do(json.loads(line))
                    answer = "ok"
                except Exception as exc:  # told back to the script, never fatal here
                    answer = f"error: {type(exc).__name__}: {exc}"
                stream.write(answer.encode() + b"\n")

    def do(self, order: dict[str, Any]) -> None:
        if "pin" in order:
            pin = self.factory.pin(int(order["pin"]))
            pin.drive_low()  # buttons wired to ground, pull-up: pressed is low
            time.sleep(float(order.get("hold", 0.05)))
            pin.drive_high()
        elif "keys" in order:
            self.keyboards.send(str(order["device"]), tap(*order["keys"]))
        elif "plug" in order:
            self.keyboards.plug(str(order["plug"]))
        elif "unplug" in order:
            self.keyboards.unplug(str(order["unplug"]))
        else:
            raise ValueError(f"unknown order {sorted(order)}")


def _recorded_wall(folder: Path, config: Path) -> dict[str, Any]:
    """Hooks for the wall display (:class:`display.WallDaemon`) that write what it shows and
    says, as the day's report checks them."""
    from display import Screen

    frames, said = folder / "wall.jsonl", folder / "voice.jsonl"
    shots = folder / "wall"
    shots.mkdir(parents=True, exist_ok=True)
    screen = Screen(load_config(config).display)
    shown: list[int] = []  # the newest call of each frame whose newest call changed

    def on_frame(board: Any, at: float) -> None:
        newest = board.newest
        if newest is None or (shown and newest.id == shown[-1]):
            return
        shown.append(newest.id)
        line = {"call": newest.id, "number": newest.number, "counter": newest.counter, "at": at}
        with frames.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        if len(shown) % SNAPSHOT_EVERY == 1 and screen.canvas is not None:
            from display.pygame_lib import pygame

            pygame.image.save(screen.canvas, str(shots / f"{newest.id:06d}.png"))

    def on_said(spoken: Any, at: float) -> None:
        line = {
            "call": spoken.call_id,
            "number": spoken.number,
            "counter": spoken.counter,
            "kind": spoken.kind,
            "at": at,
        }
        with said.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")

    def on_dropped(count: int, upto: int, at: float) -> None:
        with said.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"dropped": count, "upto": upto}) + "\n")

    return {"screen": screen, "on_frame": on_frame, "on_said": on_said, "on_dropped": on_dropped}


def main(argv: list[str]) -> int:
    control, record = argv[0], Path(argv[1])
    kiosk_args = argv[3:] if argv[2:3] == ["--"] else argv[2:]
    host = Host(control)
    hooks: dict[str, Any] = {}
    if "counter" in kiosk_args:
        hooks["keypad_opener"] = host.keyboards.open
    if "display" in kiosk_args:
        named = kiosk_args[kiosk_args.index("--config") + 1] if "--config" in kiosk_args else None
        hooks["wall"] = _recorded_wall(record, main_path(named))
    from kiosk.app.cli import main as kiosk_main

    return kiosk_main(kiosk_args, hooks=hooks)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
