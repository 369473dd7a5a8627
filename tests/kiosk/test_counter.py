"""The counter daemon: gpiozero MockFactory pins and evdev event sequences in, queue
actions committed to a real SQLite file, LEDs out."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk import ticketing
from kiosk.app.inputsim import Keyboards, down, event, repeat, syn, tap, up
from kiosk.config import Config
from kiosk.counter import Key, Outcome, Press, Station
from kiosk.evdev_lib import ecodes
from kiosk.inputdev import ABSENT, BUSY, CONNECTED, DENIED, InputReader
from kiosk.keys.counters import CounterButtons, CounterLights, KeyDecoder, Keypads
from kiosk.store import Store
from tests.conftest import OPEN_ALL_DAY, ROOT, at, make_config, wait_until
from tests.disks import fill, needs_root, tmpfs

NEXT, RECALL, SKIP, DONE, PAUSE, TRANSFER = 4, 18, 21, 11, 15, 3
RATE = {1: 7, 2: 8, 3: 9, 4: 10}
LED, RATING_LED = 17, 27
NUMPAD = "/dev/input/by-id/usb-test-numpad-event-kbd"
RATING_PAD = "/dev/input/by-id/usb-test-rating-event-kbd"
REMOTE = "/dev/input/by-id/usb-test-presenter-event-kbd"
OTHER_SERVICES = ["tu-phap-ho-tich", "dang-ky-kinh-doanh", "xay-dung", "lao-dong-viec-lam",
                  "bao-hiem-xa-hoi"]  # fmt: skip


def counter_config(**changes: Any) -> Config:
    buttons = [
        {"pin": NEXT, "action": "next"},
        {"pin": RECALL, "action": "recall"},
        {"pin": SKIP, "action": "skip"},
        {"pin": DONE, "action": "done"},
        {"pin": PAUSE, "action": "pause"},
        {"pin": TRANSFER, "action": "transfer:tu-phap-ho-tich"},
        *({"pin": pin, "action": f"rate:{n}"} for n, pin in RATE.items()),
    ]
    counters = [
        {"number": 1, "services": ["dat-dai", "thue"], "staff_id": "cb-0101",
         "buttons": buttons, "led": LED, "rating_led": RATING_LED},
        {"number": 2, "services": ["dat-dai"], "staff_id": "cb-0102",
         "keypads": [{"device": NUMPAD}, {"device": RATING_PAD, "keymap": "rating"}]},
        {"number": 3, "services": OTHER_SERVICES,
         "keypads": [{"device": REMOTE, "keymap": "presenter"}]},
    ]  # fmt: skip
    sections: dict[str, Any] = {
        "hours": OPEN_ALL_DAY,
        "counters": counters,
        "keymaps": {},
        "counter_keys": {"repeat_guard_seconds": 1.0, "keypad_retry_seconds": 0.2},
    }
    sections.update(changes)
    return make_config(**sections)


@dataclass
class Rig:
    config: Config
    store: Store
    station: Station
    pins: MockFactory
    lights: CounterLights
    buttons: CounterButtons
    clock: list[float]  # wall clock the queue sees
    mono: list[float]  # the keys' clock, for the repeat guard
    outcomes: list[Outcome] = field(default_factory=list)

    def press(self, pin: int) -> None:
        self.mono[0] += 5.0  # well past the repeat guard unless a test says otherwise
        self.pins.pin(pin).drive_low()
        self.pins.pin(pin).drive_high()

    def handle_all(self) -> list[Outcome]:
        out = []
        while not self.station.presses.empty():
            out.append(self.station.handle(self.station.presses.get_nowait()))
        self.outcomes += out
        return out

    def act(self, pin: int) -> Outcome:
        self.press(pin)
        [outcome] = self.handle_all()
        return outcome

    def issue(self, service: str = "dat-dai", *, priority: bool = False) -> str:
        issued = ticketing.issue(
            self.store, self.config, service, now=self.clock[0], priority=priority, printed=True
        )
        self.clock[0] += 1
        return issued.ticket.number

    def status(self, number: str) -> str:
        with self.store.read() as conn:
            return str(conn.execute("SELECT status FROM tickets WHERE number = ?",
                                    (number,)).fetchone()[0])  # fmt: skip

    def events(self, type_: str) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            rows = conn.execute("SELECT data FROM events WHERE type = ? ORDER BY seq", (type_,))
            return [json.loads(row[0]) for row in rows]

    def led_states(self, pin: int) -> list[bool]:
        return [s.state for s in self.pins.pin(pin).states]


@pytest.fixture
def make_rig(tmp_path: Path, pins: MockFactory) -> Iterator[Any]:
    made: list[Rig] = []

    def make(
        config: Config | None = None, counters: tuple[int, ...] = (1,), db: Path | None = None
    ) -> Rig:
        config = config or counter_config()
        store = Store(db or tmp_path / "kiosk.db")
        clock, mono = [at(9, 0)], [1000.0]
        lights = CounterLights(config, list(counters), pin_factory=pins)
        station = Station(
            config, store, list(counters), lights, clock=lambda: clock[0],
            monotonic=lambda: mono[0],
        )  # fmt: skip
        buttons = CounterButtons(
            config, list(counters), station.presses, pin_factory=pins, clock=lambda: mono[0]
        )
        rig = Rig(config, store, station, pins, lights, buttons, clock, mono)
        made.append(rig)
        return rig

    yield make
    for rig in made:
        rig.buttons.close()
        rig.lights.close()
        rig.store.close()


@pytest.fixture
def rig(make_rig: Any) -> Rig:
    return make_rig()  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------
# GPIO keys: every action
# ---------------------------------------------------------------------------------------


def test_ok__every_gpio_action_goes_through_the_queue_rules(rig: Rig) -> None:
    a1, a2, a3 = rig.issue(), rig.issue(), rig.issue()

    assert (rig.act(NEXT).kind, rig.status(a1)) == ("called", "called")
    assert rig.pins.pin(LED).state is True  # serving
    assert rig.act(RECALL).number == a1
    assert rig.events("ticket.recalled")[0]["recalls"] == 1

    skipped = rig.act(SKIP)
    assert (skipped.kind, rig.status(a1)) == ("skipped", "missed")
    assert rig.pins.pin(LED).state is False

    assert rig.act(NEXT).number == a2
    transferred = rig.act(TRANSFER)
    assert (transferred.kind, transferred.number) == ("transferred", a2)
    with rig.store.read() as conn:
        service = conn.execute("SELECT service FROM tickets WHERE number = ?", (a2,)).fetchone()
    assert service[0] == "tu-phap-ho-tich"

    assert rig.act(NEXT).number == a3
    rig.clock[0] += 300
    assert rig.act(DONE).kind == "done"
    assert rig.status(a3) == "done"
    [done] = rig.events("ticket.done")
    assert done["service_seconds"] == 300 and done["staff"] == "cb-0101"
    assert rig.pins.pin(RATING_LED).state is True  # the citizen may rate now

    rated = rig.act(RATE[2])
    assert (rated.kind, rated.number) == ("rated", a3)
    [rating] = rig.events("ticket.rated")
    assert (rating["label"], rating["score"], rating["staff"]) == ("Hài lòng", 3, "cb-0101")

    assert rig.act(PAUSE).kind == "paused"
    assert ticketing.snapshot(rig.store, rig.config, now=rig.clock[0])["counters"][0]["paused"]
    assert rig.events("counter.paused")[0]["reason"] == "Tạm nghỉ"
    assert rig.act(PAUSE).kind == "resumed"  # the pause key toggles
    assert [o.kind for o in rig.outcomes] == [
        "called", "recalled", "skipped", "called", "transferred", "called", "done", "rated",
        "paused", "resumed",
    ]  # fmt: skip


def test_ok__gpio_keys_run_no_thread_at_rest(make_rig: Any) -> None:
    before = {t.ident for t in threading.enumerate()}
    rig: Rig = make_rig()
    assert rig.buttons.devices
    assert {t.ident for t in threading.enumerate()} <= before


def test_ok__next_follows_the_priority_policy_across_services(rig: Rig) -> None:
    normal = [rig.issue("dat-dai") for _ in range(3)]
    priority = [rig.issue("thue", priority=True) for _ in range(3)]
    called = [rig.act(NEXT).number for _ in range(6)]
    # ratio 2 priority : 1 normal, oldest first within each kind, across both services
    assert called == [priority[0], priority[1], normal[0], priority[2], normal[1], normal[2]]
    # each call closed the previous citizen as done
    assert len(rig.events("ticket.done")) == 5


def test_ok__nobody_waiting_blinks_instead_of_an_error(rig: Rig) -> None:
    outcome = rig.act(NEXT)
    assert outcome.kind == "empty"
    assert rig.events("ticket.called") == []
    time.sleep(1.0)  # three quick blinks play out (0.3 s each)
    assert rig.led_states(LED).count(True) == 3
    assert rig.pins.pin(LED).state is False


def test_ok__next_while_serving_closes_and_calls(rig: Rig) -> None:
    first, second = rig.issue(), rig.issue()
    rig.act(NEXT)
    outcome = rig.act(NEXT)
    assert outcome.number == second
    assert rig.status(first) == "done"
    assert rig.events("ticket.done")[0]["auto"] is True


def test_ok__a_double_press_calls_one_citizen(rig: Rig) -> None:
    rig.issue(), rig.issue()
    rig.press(NEXT)
    rig.pins.pin(NEXT).drive_low()  # 0 s later on the keys' clock: inside the guard
    rig.pins.pin(NEXT).drive_high()
    assert [o.kind for o in rig.handle_all()] == ["called", "ignored"]
    rig.mono[0] += 0.99
    rig.pins.pin(NEXT).drive_low()
    rig.pins.pin(NEXT).drive_high()
    assert [o.kind for o in rig.handle_all()] == ["ignored"]  # still within 1 s of the last
    assert len(rig.events("ticket.called")) == 1
    rig.press(RECALL)  # another key is not guarded by this one
    assert [o.kind for o in rig.handle_all()] == ["recalled"]


def test_ok__guard_off_lets_every_press_through(make_rig: Any) -> None:
    rig: Rig = make_rig(counter_config(counter_keys={"repeat_guard_seconds": 0}))
    rig.issue(), rig.issue()
    for _ in range(2):
        rig.pins.pin(NEXT).drive_low()
        rig.pins.pin(NEXT).drive_high()
    assert [o.kind for o in rig.handle_all()] == ["called", "called"]


def test_fail__refused_actions_blink_fast_and_restore_the_light(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.counter")
    refused = rig.act(DONE)  # nobody is being served
    assert (refused.kind, refused.reason) == ("refused", "not_serving")
    assert "counter 1 done refused (not_serving)" in caplog.text
    rig.issue()
    rig.act(NEXT)
    rig.act(PAUSE)
    blocked = rig.act(NEXT)  # paused: no call
    assert (blocked.kind, blocked.reason) == ("refused", "paused")
    assert len(rig.events("ticket.called")) == 1
    rig.mono[0] += 10  # past the signal: the steady state (slow blink) comes back
    rig.lights.tick(rig.mono[0])
    assert rig.lights.steady[1] == "slow"


def test_ok__paused_reason_from_the_key(make_rig: Any) -> None:
    config = counter_config()
    raw_buttons = [{"pin": NEXT, "action": "next"}, {"pin": PAUSE, "action": "pause:Họp"}]
    counters = [{**c, "buttons": raw_buttons} if c["number"] == 1 else c for c in
                _raw_counters(config)]  # fmt: skip
    rig: Rig = make_rig(counter_config(counters=counters))
    rig.act(PAUSE)
    assert rig.events("counter.paused")[0]["reason"] == "Họp"


def _raw_counters(config: Config) -> list[dict[str, Any]]:
    out = []
    for c in config.counters:
        raw: dict[str, Any] = {"number": c.number, "services": list(c.services)}
        if c.keypads:
            raw["keypads"] = [{"device": k.device, "keymap": k.keymap} for k in c.keypads]
        out.append(raw)
    return out


# ---------------------------------------------------------------------------------------
# Ratings through the keys
# ---------------------------------------------------------------------------------------


def test_fail__rating_outside_the_window_is_refused_and_logged(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    rig.issue()
    rig.act(NEXT)
    rig.act(DONE)
    rig.clock[0] += rig.config.ratings.window_seconds + 1
    outcome = rig.act(RATE[1])
    assert (outcome.kind, outcome.reason) == ("refused", "rating_closed")
    assert "counter 1 rate:1 refused (rating_closed)" in caplog.text
    assert [r.levelname for r in caplog.records if "refused" in r.getMessage()] == ["WARNING"]
    assert rig.events("rating.refused")[0]["reason"] == "rating_closed"
    assert rig.events("ticket.rated") == []


def test_fail__second_rating_for_one_ticket_is_refused(rig: Rig) -> None:
    rig.issue()
    rig.act(NEXT)
    rig.act(DONE)
    assert rig.act(RATE[1]).kind == "rated"
    again = rig.act(RATE[4])
    assert (again.kind, again.reason) == ("refused", "already_rated")
    assert [e["choice"] for e in rig.events("ticket.rated")] == [1]


def test_ok__rating_led_goes_out_when_the_window_ends(rig: Rig) -> None:
    rig.issue()
    rig.act(NEXT)
    rig.act(DONE)
    assert rig.pins.pin(RATING_LED).state is True
    rig.mono[0] += rig.config.ratings.window_seconds + 0.1
    rig.lights.tick(rig.mono[0])
    assert rig.pins.pin(RATING_LED).state is False


def test_fail__a_counter_that_did_not_serve_cannot_rate(make_rig: Any, tmp_path: Path) -> None:
    rig: Rig = make_rig(counters=(1, 2))
    rig.issue()
    rig.act(NEXT)
    rig.act(DONE)
    # counter 2's rating pad, pressed for the citizen counter 1 just served
    outcome = rig.station.handle(Press(2, Key("rate", "1"), rig.mono[0] + 10, RATING_PAD))
    assert (outcome.kind, outcome.reason) == ("refused", "nothing_to_rate")
    assert rig.events("rating.refused")[0]["counter"] == 2
    assert rig.act(RATE[3]).kind == "rated"  # counter 1's own keys still may


# ---------------------------------------------------------------------------------------
# Restart: lights follow the database
# ---------------------------------------------------------------------------------------


def test_ok__restart_lights_what_the_database_says(make_rig: Any, pins: MockFactory) -> None:
    rig: Rig = make_rig()
    rig.issue()
    rig.act(NEXT)
    rig.lights.close()
    rig.buttons.close()
    again: Rig = make_rig()
    assert again.pins.pin(LED).state is False  # a fresh process starts dark
    again.station.refresh()
    assert again.pins.pin(LED).state is True  # still serving A001
    again.act(PAUSE)
    again.lights.close()
    again.buttons.close()
    third: Rig = make_rig()
    third.station.refresh()
    assert third.lights.steady[1] == "slow"


def test_ok__finishing_while_paused_keeps_the_paused_light(rig: Rig) -> None:
    rig.issue()
    rig.act(NEXT)
    rig.act(PAUSE)  # a break after this citizen: the ticket being served stays
    assert rig.act(DONE).kind == "done"
    assert rig.lights.steady[1] == "slow"  # still paused, not idle


def test_ok__a_refused_press_does_not_arm_the_repeat_guard(rig: Rig) -> None:
    rig.issue(), rig.issue()
    rig.act(NEXT)
    rig.act(PAUSE)
    rig.mono[0] += 5
    rig.station.handle(Press(1, Key("next"), rig.mono[0], "test"))  # refused: paused
    rig.station.handle(Press(1, Key("pause"), rig.mono[0] + 0.2, "test"))  # resumes
    called = rig.station.handle(Press(1, Key("next"), rig.mono[0] + 0.4, "test"))
    assert called.kind == "called"  # not swallowed by the guard


def test_ok__lights_follow_changes_made_elsewhere(rig: Rig) -> None:
    """The CLI, a remote command or a new day change counters behind the daemon's back."""
    rig.issue()
    stop = threading.Event()
    loop = threading.Thread(target=rig.station.run, args=(stop,))
    loop.start()
    try:
        with Store(rig.store.path) as other:  # another process's connection
            ticketing.call_next(other, rig.config, 1, now=rig.clock[0])
            wait_until(lambda: rig.lights.steady.get(1) == "on")
            assert rig.pins.pin(LED).state is True
            ticketing.done(other, rig.config, 1, now=rig.clock[0])
            wait_until(lambda: rig.lights.steady.get(1) == "off")
            wait_until(lambda: rig.pins.pin(RATING_LED).state is True)
            ticketing.pause(other, rig.config, 1, "Họp", now=rig.clock[0])
            wait_until(lambda: rig.lights.steady.get(1) == "slow")
    finally:
        stop.set()
        loop.join(timeout=3)


def test_ok__restart_relights_an_open_rating_window(make_rig: Any) -> None:
    rig: Rig = make_rig()
    rig.issue()
    rig.act(NEXT)
    rig.act(DONE)
    rig.lights.close()
    rig.buttons.close()
    again: Rig = make_rig()
    again.clock[0] = rig.clock[0] + 20
    again.station.refresh()
    assert again.pins.pin(RATING_LED).state is True
    left = again.lights.rating_until[1] - again.mono[0]
    assert 39 < left <= 40  # what was left of the 60 s window


# ---------------------------------------------------------------------------------------
# evdev: the decoder
# ---------------------------------------------------------------------------------------


def test_ok__decoder_counts_key_down_only() -> None:
    decoder = KeyDecoder({"KEY_KPENTER": "next", "KEY_KP0": "done"})
    keys = [decoder.feed(e) for e in tap("KEY_KPENTER")]
    assert [k for k in keys if k is not None] == [Key("next")]
    held = [*down("KEY_KP0"), *repeat("KEY_KP0"), *repeat("KEY_KP0"), *up("KEY_KP0")]
    assert [k for k in map(decoder.feed, held) if k is not None] == [Key("done")]


def test_ok__decoder_ignores_what_is_not_mapped() -> None:
    decoder = KeyDecoder({"KEY_KPENTER": "next"})
    noise = [
        *tap("KEY_A", "KEY_NUMLOCK", "KEY_LEFTSHIFT", "KEY_KP5"),
        event(ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70058),
        event(ecodes.EV_LED, ecodes.LED_NUML, 1),
        event(ecodes.EV_REL, ecodes.REL_X, 5),  # a remote that is also a mouse
        syn(),
    ]
    assert [decoder.feed(e) for e in noise] == [None] * len(noise)


@pytest.mark.parametrize(
    ("keymap", "keys", "expected"),
    [
        ("numpad", ["KEY_KPENTER", "KEY_KPPLUS", "KEY_KPMINUS", "KEY_KP0", "KEY_KPDOT"],
         ["next", "recall", "skip", "done", "pause"]),
        ("rating", ["KEY_1", "KEY_KP2", "KEY_3", "KEY_KP4", "KEY_5"],
         ["rate:1", "rate:2", "rate:3", "rate:4", None]),
        ("presenter", ["KEY_PAGEDOWN", "KEY_PAGEUP", "KEY_B", "KEY_F5", "KEY_ESC"],
         ["next", "recall", "skip", "done", "done"]),
    ],
)  # fmt: skip
def test_ok__built_in_keymaps(keymap: str, keys: list[str], expected: list[str | None]) -> None:
    decoder = KeyDecoder(counter_config().keymap(keymap))
    got = []
    for name in keys:
        pressed = [k for k in map(decoder.feed, tap(name)) if k is not None]
        got.append(str(pressed[0]) if pressed else None)
    assert got == expected


def test_ok__rating_keymap_follows_the_label_count() -> None:
    config = counter_config(
        ratings={"labels": ["Hài lòng", "Bình thường", "Không hài lòng"]},
        counters=_raw_counters(counter_config()),  # no rate:4 key
    )
    assert sorted(set(config.keymap("rating").values())) == ["rate:1", "rate:2", "rate:3"]


# ---------------------------------------------------------------------------------------
# evdev: keypads read on their own thread, grabbed, replugged
# ---------------------------------------------------------------------------------------


@pytest.fixture
def keyboards() -> Iterator[Keyboards]:
    board = Keyboards()
    yield board
    board.close()


@dataclass
class PadRig:
    rig: Rig
    keypads: Keypads
    board: Keyboards

    def outcomes_after(self, count: int) -> list[Outcome]:
        """Handle presses as the main loop would until ``count`` have arrived."""
        got: list[Outcome] = []
        deadline = time.monotonic() + 3
        while len(got) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(got)} of {count} presses arrived: {got}")
            try:
                press = self.rig.station.presses.get(timeout=0.05)
            except Exception:
                continue
            self.rig.mono[0] += 5
            got.append(self.rig.station.handle(press))
        return got


@pytest.fixture
def pad(make_rig: Any, keyboards: Keyboards) -> Iterator[PadRig]:
    # Keypad presses carry the real clock: the repeat guard would (rightly) swallow the
    # quick second "next" these tests type.
    rig: Rig = make_rig(counter_config(counter_keys={"repeat_guard_seconds": 0}), (2, 3))
    keypads = Keypads(rig.config, [2, 3], rig.station.presses, opener=keyboards.open)
    for path in (NUMPAD, RATING_PAD, REMOTE):
        keyboards.plug(path)
    keypads.start()
    wait_until(lambda: all(r.state == CONNECTED for r in keypads.readers))
    yield PadRig(rig, keypads, keyboards)
    keypads.close()


def test_ok__keypad_keys_drive_every_action(pad: PadRig) -> None:
    rig, board = pad.rig, pad.board
    first, second = rig.issue(), rig.issue()
    board.send(NUMPAD, tap("KEY_KPENTER", "KEY_KPPLUS", "KEY_KPMINUS", "KEY_KPENTER"))
    kinds = [(o.kind, o.number) for o in pad.outcomes_after(4)]
    assert kinds == [("called", first), ("recalled", first), ("skipped", first),
                     ("called", second)]  # fmt: skip
    board.send(NUMPAD, tap("KEY_KP0"))
    assert [o.kind for o in pad.outcomes_after(1)] == ["done"]
    board.send(RATING_PAD, tap("KEY_2"))  # another device, another thread: after "done"
    assert [o.kind for o in pad.outcomes_after(1)] == ["rated"]
    board.send(NUMPAD, tap("KEY_KPDOT", "KEY_KPDOT"))
    assert [o.kind for o in pad.outcomes_after(2)] == ["paused", "resumed"]
    [rating] = rig.events("ticket.rated")
    assert (rating["counter"], rating["staff"], rating["choice"]) == (2, "cb-0102", 2)


def test_ok__site_keymap_transfers_pauses_with_reason_and_resumes(
    make_rig: Any, keyboards: Keyboards
) -> None:
    keymap = {"KEY_KP1": "next", "KEY_KPSLASH": "transfer:thue", "KEY_KP7": "pause:Họp",
              "KEY_KP9": "resume", "KEY_KP4": "rate:4"}  # fmt: skip
    counters = _raw_counters(counter_config())
    counters[1]["keypads"] = [{"device": NUMPAD, "keymap": "staff"}]
    config = counter_config(
        counters=counters, keymaps={"staff": keymap}, counter_keys={"repeat_guard_seconds": 0}
    )
    rig: Rig = make_rig(config, (2,))
    keyboards.plug(NUMPAD)
    keypads = Keypads(config, [2], rig.station.presses, opener=keyboards.open).start()
    pad = PadRig(rig, keypads, keyboards)
    try:
        number = rig.issue()
        keyboards.send(NUMPAD, tap("KEY_KP1", "KEY_KPSLASH", "KEY_KP7", "KEY_KP1", "KEY_KP9"))
        kinds = [(o.kind, o.number, o.reason) for o in pad.outcomes_after(5)]
        assert kinds == [
            ("called", number, ""),
            ("transferred", number, ""),
            ("paused", "", ""),
            ("refused", "", "paused"),
            ("resumed", "", ""),
        ]
        assert rig.events("ticket.transferred")[0]["to_service"] == "thue"
        assert rig.events("counter.paused")[0]["reason"] == "Họp"
        keyboards.send(NUMPAD, tap("KEY_KP4"))  # nothing finished here: refused, logged
        [rated] = pad.outcomes_after(1)
        assert (rated.kind, rated.reason) == ("refused", "nothing_to_rate")
    finally:
        keypads.close()


def test_ok__keypads_are_grabbed(pad: PadRig) -> None:
    # A grabbed keypad's keys reach only this daemon, never a console login.
    assert sorted(pad.board.opened) == sorted([NUMPAD, RATING_PAD, REMOTE])
    assert all(reader.connects == 1 for reader in pad.keypads.readers)


def test_ok__held_key_and_noise_give_one_call(pad: PadRig) -> None:
    rig = pad.rig
    rig.issue(), rig.issue()
    held = [*down("KEY_KPENTER"), *[e for _ in range(25) for e in repeat("KEY_KPENTER")],
            *up("KEY_KPENTER")]  # fmt: skip
    pad.board.send(NUMPAD, [*tap("KEY_NUMLOCK", "KEY_KP5"), *held])
    assert [o.kind for o in pad.outcomes_after(1)] == ["called"]
    time.sleep(0.2)
    assert rig.station.presses.empty()


def test_ok__presenter_remote_at_another_counter(pad: PadRig) -> None:
    rig = pad.rig
    number = rig.issue("xay-dung")
    pad.board.send(REMOTE, tap("KEY_PAGEDOWN"))
    [outcome] = pad.outcomes_after(1)
    assert (outcome.counter, outcome.kind, outcome.number) == (3, "called", number)


def test_ok__unplugged_keypad_comes_back_without_restart(pad: PadRig) -> None:
    rig, board = pad.rig, pad.board
    [numpad] = [r for r in pad.keypads.readers if r.path == NUMPAD]
    board.unplug(NUMPAD)
    wait_until(lambda: numpad.state == ABSENT)
    first = rig.issue()
    board.plug(NUMPAD)
    wait_until(lambda: numpad.state == CONNECTED)
    assert numpad.connects == 2
    board.send(NUMPAD, tap("KEY_KPENTER"))
    assert [(o.kind, o.number) for o in pad.outcomes_after(1)] == [("called", first)]


def test_ok__keypad_absent_at_start_is_picked_up_later(
    make_rig: Any, keyboards: Keyboards, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.input")
    rig: Rig = make_rig(counters=(2,))
    keypads = Keypads(rig.config, [2], rig.station.presses, opener=keyboards.open).start()
    try:
        wait_until(lambda: all(r.state == ABSENT for r in keypads.readers))
        assert f"counter 2 keypad: {NUMPAD}: not found (unplugged?)" in caplog.text
        keyboards.plug(NUMPAD)
        [numpad] = [r for r in keypads.readers if r.path == NUMPAD]
        wait_until(lambda: numpad.state == CONNECTED)
        number = rig.issue()
        keyboards.send(NUMPAD, tap("KEY_KPENTER"))
        press = rig.station.presses.get(timeout=3)
        assert rig.station.handle(press).number == number
        # said once, not every retry
        assert caplog.text.count(f"{NUMPAD}: not found") == 1
    finally:
        keypads.close()


def test_fail__keypad_without_permission_or_grabbed_elsewhere(
    keyboards: Keyboards, caplog: pytest.LogCaptureFixture
) -> None:
    states: list[str] = []
    keyboards.deny(NUMPAD)
    reader = InputReader(
        NUMPAD, lambda e: None, opener=keyboards.open, retry_seconds=0.05,
        on_state=lambda state, detail: states.append(state),
    ).start()  # fmt: skip
    try:
        wait_until(lambda: reader.state == DENIED)
        assert "add the user to the 'input' group" in caplog.text
        keyboards.deny(NUMPAD, False)
        keyboards.busy(NUMPAD)
        keyboards.plug(NUMPAD)
        wait_until(lambda: reader.state == BUSY)
        assert "grabbed by another program" in caplog.text
        keyboards.busy(NUMPAD, False)
        keyboards.unplug(NUMPAD)
        keyboards.plug(NUMPAD)
        wait_until(lambda: reader.state == CONNECTED)
        assert states == [DENIED, ABSENT, BUSY, ABSENT, CONNECTED] or states[-1] == CONNECTED
        assert DENIED in states and BUSY in states
    finally:
        reader.close()


def test_ok__a_failing_handler_does_not_stop_the_reader(
    keyboards: Keyboards, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[int] = []

    def handler(e: Any) -> None:
        if e.type == ecodes.EV_KEY and e.code == ecodes.KEY_KP1:
            raise RuntimeError("boom")
        if e.type == ecodes.EV_KEY:
            seen.append(e.code)

    keyboards.plug(NUMPAD)
    reader = InputReader(NUMPAD, handler, opener=keyboards.open).start()
    try:
        keyboards.send(NUMPAD, tap("KEY_KP1", "KEY_KP2"))
        wait_until(lambda: len(seen) == 2)
        assert seen == [ecodes.KEY_KP2, ecodes.KEY_KP2]
        assert "event handler failed" in caplog.text
    finally:
        reader.close()


def test_ok__a_library_fault_while_opening_is_retried(
    keyboards: Keyboards, caplog: pytest.LogCaptureFixture
) -> None:
    calls = []

    def flaky(path: str) -> Any:
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("driver hiccup")
        return keyboards.open(path)

    keyboards.plug(NUMPAD)
    reader = InputReader(NUMPAD, lambda e: None, opener=flaky, retry_seconds=0.05).start()
    try:
        wait_until(lambda: reader.state == CONNECTED)
        assert len(calls) == 2
        assert "unexpected error" in caplog.text and "driver hiccup" in caplog.text
    finally:
        reader.close()
        reader.close()  # twice is harmless


def test_ok__reader_stops_promptly(keyboards: Keyboards) -> None:
    keyboards.plug(NUMPAD)
    reader = InputReader(NUMPAD, lambda e: None, opener=keyboards.open).start()
    wait_until(lambda: reader.state == CONNECTED)
    started = time.monotonic()
    reader.close()
    assert time.monotonic() - started < 0.5


# ---------------------------------------------------------------------------------------
# The main loop
# ---------------------------------------------------------------------------------------


def test_ok__run_loop_serves_presses_in_order_and_survives_a_fault(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[int, str]] = []
    rig.station.on_outcome = lambda press, outcome: seen.append((press.counter, outcome.kind))
    stop = threading.Event()
    thread = threading.Thread(target=rig.station.run, args=(stop,))
    thread.start()
    try:
        rig.issue()
        rig.station.presses.put(Press(1, Key("next"), 1.0, "test"))
        rig.station.presses.put(Press(99, Key("next"), 2.0, "test"))  # not a counter: refused
        rig.station.presses.put(Press(1, Key("rate", "7"), 3.0, "test"))  # beyond labels
        rig.station.presses.put(Press(1, Key("recall"), 4.0, "test"))
        wait_until(lambda: len(seen) == 4)
    finally:
        stop.set()
        thread.join(timeout=3)
    assert seen == [(1, "called"), (99, "refused"), (1, "refused"), (1, "recalled")]


# ---------------------------------------------------------------------------------------
# `kiosk run counter`
# ---------------------------------------------------------------------------------------


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text((ROOT / "config.toml").read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True, text=True, timeout=30, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_ok__run_counter_starts_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"), "--db", str(db),
         "run", "counter"],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "GPIOZERO_PIN_FACTORY": "mock"},
    )  # fmt: skip
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + 20
    while not any("counter 2 ready" in line for line in lines):
        assert time.monotonic() < deadline, lines
        lines.append(proc.stderr.readline())
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(timeout=10) == 0
    text = "".join(lines) + rest
    assert "counter 1 ready: 8 GPIO key(s), staff cb-0101" in text
    assert "usb-SIGMACHIP_USB_Keyboard-event-kbd: not found (unplugged?)" in text
    assert "counter daemon stopped" in text
    assert "Traceback" not in text


def test_fail__run_counter_without_keys(tmp_path: Path) -> None:
    config = make_config()
    bare = tmp_path / "bare.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    start = text.index("# Keys: [[counters.buttons]]")
    end = text.index("[[counters]]\nnumber = 3")
    bare.write_text(text[:start] + _plain_counters(config) + text[end:], encoding="utf-8")
    result = run_cli("--config", str(bare), "--db", str(tmp_path / "k.db"), "run", "counter")
    assert result.returncode == 78
    assert result.stderr.strip().endswith(
        "no counter has keys: add [[counters.buttons]] or [[counters.keypads]]"
    )
    assert len(result.stderr.strip().splitlines()) == 1


def _plain_counters(config: Config) -> str:
    return "".join(
        f"[[counters]]\nnumber = {c.number}\nservices = {json.dumps(list(c.services))}\n\n"
        for c in config.counters[:2]
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["run", "counter", "--counter", "42"], 2, "--counter 42: no such counter in the config"),
        (["run", "counter", "--counter", "3"], 78, "counter 3 has no keys"),
        (["run", "kiosk", "--counter", "1"], 2, "--counter is for 'kiosk run counter'"),
        (["run", "counter", "--counter", "x"], 2, "counter must be a number"),
    ],
)
def test_fail__run_counter_bad_arguments(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    result = run_cli("--config", str(ROOT / "config.toml"), "--db", str(tmp_path / "k.db"), *args)
    assert result.returncode == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_fail__run_counter_without_gpio(tmp_path: Path) -> None:
    result = run_cli(
        "--config", str(ROOT / "config.toml"), "--db", str(tmp_path / "k.db"),
        "run", "counter", "--counter", "1",
        env={"GPIOZERO_PIN_FACTORY": "nonexistent"},
    )  # fmt: skip
    assert result.returncode == 69
    assert "GPIO unavailable" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("works", [True, False], ids=["works", "none_works"])
def test_ok__gpio_factory_choice_names_only_fallbacks_and_passes_other_warnings_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, works: bool
) -> None:
    """Only gpiozero's fallback warnings are the factories tried; any other warning raised
    meanwhile reaches the caller as it would have, whether a factory is found or not."""
    import warnings

    from gpiozero import BadPinFactory, Device, PinFactoryFallback

    from kiosk.keys.gpio_lib import default_factory

    def choose() -> Any:  # gpiozero's choice, at its seam: lgpio passed over, then the rest
        warnings.warn(
            PinFactoryFallback("Falling back from lgpio: no /dev/gpiochip0"), stacklevel=2
        )
        warnings.warn(DeprecationWarning("RPi.GPIO: setmode is deprecated"), stacklevel=2)
        if not works:
            raise BadPinFactory("Unable to load any default pin factory!")
        return MockFactory()

    monkeypatch.setattr(Device, "_default_pin_factory", staticmethod(choose))
    monkeypatch.setattr(Device, "pin_factory", None)  # none made yet in this process
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    caplog.set_level(logging.WARNING, logger="kiosk")
    with warnings.catch_warnings(record=True) as passed:
        warnings.simplefilter("always")
        if works:
            made = default_factory()
            assert isinstance(made, MockFactory)
            made.close()
        else:
            with pytest.raises(BadPinFactory) as raised:
                default_factory()
            assert str(raised.value) == (
                "Unable to load any default pin factory! "
                "(Falling back from lgpio: no /dev/gpiochip0)"
            )
    assert [(w.category, str(w.message)) for w in passed] == [
        (DeprecationWarning, "RPi.GPIO: setmode is deprecated")
    ]
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("kiosk")]
    assert logged == (["GPIO: Falling back from lgpio: no /dev/gpiochip0"] if works else [])


@pytest.mark.parametrize("daemon", ["kiosk", "counter"])
def test_fail__a_machine_without_gpio_is_one_line_naming_each_factory_tried(
    tmp_path: Path, daemon: str
) -> None:
    """gpiozero's warnings about each pin factory it passes over (two lines each on stderr)
    become part of the one line that says GPIO is unavailable."""
    env = {k: v for k, v in os.environ.items() if k != "GPIOZERO_PIN_FACTORY"}
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"),
         "--db", str(tmp_path / "k.db"), "run", daemon],
        capture_output=True, text=True, timeout=30, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 69
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kiosk: GPIO unavailable: BadPinFactory: ")
    assert "Falling back from lgpio: " in lines[0]
    assert "GPIOZERO_PIN_FACTORY=mock" in lines[0]


@pytest.mark.parametrize(
    "daemon", [["kiosk"], ["counter"], ["scanner"], ["sync"], ["display", "--role", "wall"]],
    ids=lambda d: d[0],
)  # fmt: skip
def test_fail__a_daemon_given_a_file_that_is_no_kiosk_database_exits_78(
    tmp_path: Path, daemon: list[str]
) -> None:
    """A daemon makes its database when there is none; a store.path naming another file is a
    configuration systemd must not restart on (exit 78), and the file stays as it was. The
    display, which waits for a database missing or unusable for a while, does not wait on
    this one."""
    other = tmp_path / "notes.db"
    content = b"not a database" * 300
    other.write_bytes(content)
    result = run_cli(
        "--config", str(ROOT / "config.toml"), "--db", str(other), "run", *daemon,
        env={"GPIOZERO_PIN_FACTORY": "mock", "SDL_VIDEODRIVER": "dummy",
             "SDL_AUDIODRIVER": "dummy"},
    )  # fmt: skip
    assert result.returncode == 78, result.stderr
    assert result.stderr.strip() == (
        f"kiosk: database: {other}: not a kiosk database: not an SQLite file "
        "(check --db or store.path)"
    )
    assert other.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


@needs_root
def test_fail__keys_on_a_full_disk_are_refused_with_one_line_each(
    make_rig: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.counter")
    with tmpfs(tmp_path / "disk", "8m") as disk:
        rig = make_rig(db=disk / "kiosk.db")
        number = rig.issue()
        rig.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # each commit needs room
        fill(disk)
        stop = threading.Event()
        loop = threading.Thread(target=rig.station.run, args=(stop,), daemon=True)
        loop.start()
        try:
            for _ in range(2):
                rig.press(NEXT)
            wait_until(lambda: caplog.text.count("failed: ") == 2)
        finally:
            stop.set()
            loop.join(timeout=5)
        failed = [r for r in caplog.records if "failed" in r.getMessage()]
        assert [r.levelname for r in failed] == ["WARNING", "WARNING"]
        assert all("disk full (" in r.getMessage() for r in failed)
        assert not [r for r in caplog.records if r.exc_info]  # no traceback
        assert rig.status(number) == "waiting"  # nothing changed; the citizen still waits
        rig.store.close()


def test_fail__lights_that_cannot_read_the_counters_say_so_once_a_minute_then_when_it_clears(
    make_rig: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged page (an SD card failing) keeps the lights from reading the counters on
    every pass of the loop: one warning line, one a minute while it lasts, one when it clears;
    never a traceback."""
    caplog.set_level(logging.INFO, logger="kiosk.counter")
    db = tmp_path / "kiosk.db"
    rig = make_rig(db=db)
    rig.issue()
    other = Store(db)  # another daemon's connection
    other.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = other.conn.execute("PRAGMA page_size").fetchone()[0]
    root = other.conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'counter_state'"
    ).fetchone()[0]
    with db.open("r+b") as file:
        file.seek((root - 1) * page_size)
        good = file.read(page_size)
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)

    def lines(needle: str) -> list[str]:
        return [r.getMessage() for r in caplog.records if needle in r.getMessage()]

    stop = threading.Event()
    loop = threading.Thread(target=rig.station.run, args=(stop,), daemon=True)
    loop.start()
    try:
        time.sleep(0.2)
        with other.change(rig.clock[0]) as tx:  # another daemon commits: the lights look
            tx.put("marker", "1")
        wait_until(lambda: rig.station._reading.failures >= 2, 10)
        [first] = lines("counter lights")
        assert first.startswith(f"counter lights: reading the counters failed: {db}: ")
        assert "malformed" in first
        rig.mono[0] += 61  # a minute on, still failing: one more line
        wait_until(lambda: len(lines("still failing")) == 1, 10)
        with db.open("r+b") as file:  # mended (restored from a copy)
            file.seek((root - 1) * page_size)
            file.write(good)
        with other.change(rig.clock[0]) as tx:  # and read again at the next commit
            tx.put("marker", "2")
        wait_until(lambda: bool(lines("works again")), 10)
    finally:
        stop.set()
        loop.join(timeout=5)
        other.close()
    [cleared] = lines("works again")
    assert cleared.startswith("counter lights: reading the counters works again (after 61 s, ")
    assert len(lines("counter lights")) == 3
    assert not [r for r in caplog.records if r.exc_info]
