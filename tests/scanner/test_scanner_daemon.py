"""The scanner daemon (``kiosk run scanner``) and the look-up screen (``--role lookup``).

Keyboard-mode (HID) scanners are simulated evdev keyboards on pipes (``kiosk.app.inputsim``),
read by the real :class:`kiosk.inputdev.InputReader`; serial scanners are real
pseudo-terminals opened by pyserial through a symlink, as udev's ``/dev/serial/by-id``
names are. The daemon's loop is stepped in the test thread unless a test says otherwise,
so the database is only touched from one thread; the readers run on their own threads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from display import (
    LOOKUP_HEALTH,
    LookupDaemon,
    WallDaemon,
    WindowScreen,
    fonts_for,
    lookup_screen,
)
from display._paint import paint
from display.pygame_lib import pygame
from kiosk import dossiers, ticketing, tokens
from kiosk.app.inputsim import Keyboards, PipeDevice, down, event, repeat, syn, tap, up
from kiosk.config import Config
from kiosk.evdev_lib import InputEvent
from kiosk.inputdev import ABSENT, BUSY, CONNECTED, DENIED
from kiosk.lookup import View, look_up, record_scan
from kiosk.store import Store
from scanner import HEALTH_NAME, Scanned, ScannerDaemon, SerialReader
from tests.conftest import OPEN_ALL_DAY, ROOT, at, kiosk_in, make_config, wait_until
from tests.pixels import surface_bytes

HID = "/dev/input/by-id/usb-scanner-event-kbd"
TZ_NAME = "Asia/Ho_Chi_Minh"
CODE = "000.00.04.G14-261120-0007"  # a dossier code (Thông tư 01/2018 shape)
OTHER = "38.98.H29-261119-0042"
STALL = 0.3


# -- helpers ------------------------------------------------------------------------------


def day_clock(hour: int = 9, minute: int = 0) -> Callable[[], float]:
    """Epoch "now" on the Monday test day, with real seconds passing."""
    base = at(hour, minute, 5.0)
    start = time.monotonic()
    return lambda: base + (time.monotonic() - start)


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def scanner_config(devices: list[dict[str, Any]], **changes: Any) -> Config:
    scanner = {"stall_ms": 300, "repeat_seconds": 3, "retry_seconds": 0.2, "devices": devices}
    scanner.update(changes.pop("scanner", {}))
    return make_config(hours=OPEN_ALL_DAY, scanner=scanner, **changes)


def hid_config(**changes: Any) -> Config:
    return scanner_config([{"id": "sanh-1", "device": HID}], **changes)


def dossier_record(code: str = CODE, status: int = 4) -> dict[str, Any]:
    return {
        "code": code,
        "procedure": "Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        "applicant": "Nguyễn Văn An",
        "status": status,
        "received_at": "2026-11-20T08:15:00",
        "due_at": "2026-11-27T17:00:00",
        "pickup_counter": 1,
        "steps": [
            {"unit": "Bộ phận một cửa", "content": "Tiếp nhận hồ sơ", "at": "2026-11-20T08:15:00"},
            {"unit": "Phòng TN&MT", "content": "Thẩm định", "at": "2026-11-21T10:00:00"},
        ],
        "version": 1,
    }


def add_dossier(store: Store, now: float, code: str = CODE, status: int = 4) -> None:
    with store.change(now) as tx:
        dossiers.upsert(tx, [dossiers.parse_dossier(dossier_record(code, status), TZ_NAME)])


_PLAIN = {"-": "KEY_MINUS", ".": "KEY_DOT", "/": "KEY_SLASH"}
_SHIFTED = {":": "KEY_SEMICOLON", "_": "KEY_MINUS"}


def typed(
    text: str,
    *,
    end: str | None = "KEY_ENTER",
    keypad: Callable[[int], bool] = lambda index: False,
    held: int | None = None,
) -> list[InputEvent]:
    """``text`` as a US-layout keyboard-mode scanner sends it: Shift held for capitals
    and shifted signs, MSC_SCAN before each press, SYN after each report; digits at the
    positions ``keypad`` picks come from the keypad; the key at ``held`` autorepeats
    (value 2, twice) before its release; ``end`` is the terminator key."""
    events: list[InputEvent] = []
    for index, char in enumerate(text):
        if char.isdigit():
            name, shift = (f"KEY_KP{char}" if keypad(index) else f"KEY_{char}"), False
        elif char.isascii() and char.isalpha():
            name, shift = f"KEY_{char.upper()}", char.isupper()
        elif char in _PLAIN:
            name, shift = _PLAIN[char], False
        else:
            name, shift = _SHIFTED[char], True
        press = down(name)
        if index == held:
            press += repeat(name) + repeat(name)
        if shift:
            events += [*down("KEY_LEFTSHIFT"), *press, *up(name), *up("KEY_LEFTSHIFT")]
        else:
            events += [*press, *up(name)]
    if end is not None:
        events += tap(end)
    return events


@dataclass
class Rig:
    """A scanner daemon stepped in the test thread, and what it handled."""

    config: Config
    store: Store
    daemon: ScannerDaemon
    board: Keyboards
    devices: list[PipeDevice] = field(default_factory=list)  # every device it opened
    scanned: list[Scanned] = field(default_factory=list)
    states: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # from the readers
    received: dict[str, int] = field(default_factory=dict)  # bytes a serial reader passed on

    def pump(self, until: Callable[[], bool], timeout: float = 3.0) -> None:
        """Step the loop as ``run`` would until ``until`` holds."""

        def stepped() -> bool:
            self.daemon.step(0.01)
            return until()

        wait_until(stepped, timeout)

    def views(self) -> list[View]:
        return [s.view for s in self.scanned]

    def codes(self) -> list[str]:
        return [s.view.code for s in self.scanned]

    def source(self, name: str = "sanh-1") -> Any:
        return self.daemon.sources[name]

    def health(self) -> dict[str, Any]:
        rows = {row["daemon"]: row for row in self.store.health()}
        return rows[HEALTH_NAME]

    def scan_rows(self) -> list[tuple[str, str, str]]:
        rows = self.store.conn.execute("SELECT scanner, kind, code FROM scans ORDER BY id")
        return [tuple(row) for row in rows]


@pytest.fixture
def make_rig(store: Store) -> Iterator[Callable[..., Rig]]:
    made: list[Rig] = []

    def make(config: Config, *, clock: Callable[[], float] | None = None) -> Rig:
        board = Keyboards()
        devices: list[PipeDevice] = []
        scanned: list[Scanned] = []

        def opener(path: str) -> PipeDevice:
            devices.append(board.open(path))
            return devices[-1]

        daemon = ScannerDaemon(
            config, store, hid_opener=opener, clock=clock or day_clock(), on_scan=scanned.append
        )
        rig = Rig(config, store, daemon, board, devices, scanned)
        for name, source in daemon.sources.items():
            rig.states[name] = []
            forward = source.reader.status.on_state

            def recorded(state: str, detail: str, name: str = name, forward: Any = forward) -> None:
                rig.states[name].append((state, detail))
                forward(state, detail)

            source.reader.status.on_state = recorded
            if isinstance(source.reader, SerialReader):
                rig.received[name] = 0
                handler = source.reader.on_bytes

                def counted(data: bytes, at: float, name: str = name, got: Any = handler) -> None:
                    rig.received[name] += len(data)
                    got(data, at)

                source.reader.on_bytes = counted
        made.append(rig)
        return rig

    yield make
    for rig in made:
        rig.daemon.close()
        rig.board.close()


@pytest.fixture
def hid(make_rig: Callable[..., Rig]) -> Rig:
    """One keyboard-mode scanner, plugged in and connected."""
    rig = make_rig(hid_config())
    rig.board.plug(HID)
    rig.daemon.start()
    rig.pump(lambda: rig.source().state == CONNECTED)
    return rig


class Pty:
    """A serial scanner on a pseudo-terminal; ``path`` is the stable (symlink) name."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "ttyUSB-scanner"
        self.master = self.slave = -1
        self.plug()

    def plug(self) -> None:
        """A new pty, and the stable name re-pointed at it (udev does that on replug)."""
        master, slave = os.openpty()
        link = self.path.with_name(self.path.name + ".new")
        link.symlink_to(os.ttyname(slave))
        link.replace(self.path)
        self.master, self.slave = master, slave

    def release_slave(self) -> None:
        """Once the daemon has the port open it is the only reader of the slave side."""
        if self.slave >= 0:
            os.close(self.slave)
            self.slave = -1

    def unplug(self) -> None:
        os.close(self.master)
        self.master = -1

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.master = self.slave = -1


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[Pty]:
    port = Pty(tmp_path)
    yield port
    port.close()


def serial_rig(make_rig: Callable[..., Rig], port: Pty, framing: str = "auto", **kw: Any) -> Rig:
    config = scanner_config([{"id": "sanh-2", "device": str(port.path), "framing": framing}], **kw)
    rig = make_rig(config)
    rig.daemon.start()
    rig.pump(lambda: rig.source("sanh-2").state == CONNECTED)
    port.release_slave()
    return rig


# -- 1. a keyboard-mode scanner ---------------------------------------------------------------


def test_ok__hid_scanner_types_a_dossier_code_and_a_ticket_token(hid: Rig, store: Store) -> None:
    clock = hid.daemon.clock
    add_dossier(store, clock())
    issued = ticketing.issue(store, hid.config, "dat-dai", now=clock(), printed=True)
    token = tokens.sign(tokens.site_key(store, clock()), issued.ticket.day, issued.ticket.number)
    assert any(c.isupper() for c in token) and ":" in token

    # Keypad digits at every third place, an autorepeat inside, Enter at the end.
    hid.board.send(HID, typed(CODE, keypad=lambda i: i % 3 == 0, held=9))
    hid.pump(lambda: len(hid.scanned) == 1)
    hid.board.send(HID, typed(token, keypad=lambda i: i % 2 == 0, held=6, end="KEY_KPENTER"))
    hid.pump(lambda: len(hid.scanned) == 2)
    hid.board.send(HID, typed(OTHER, held=3))  # a dossier the cache does not have
    hid.pump(lambda: len(hid.scanned) == 3)

    found, ticket, missing = hid.views()
    assert (found.kind, found.code, found.title) == ("dossier", CODE, "ĐANG XỬ LÝ")
    assert found.heading == "Cấp giấy chứng nhận quyền sử dụng đất lần đầu"
    assert (ticket.kind, ticket.code, ticket.title) == ("ticket", issued.ticket.number, "ĐANG CHỜ")
    assert ticket.detail["status"] == "waiting"
    assert (missing.kind, missing.code, missing.title) == (
        "not_found",
        OTHER,
        "KHÔNG TÌM THẤY HỒ SƠ",
    )
    assert [s.scanner for s in hid.scanned] == ["sanh-1"] * 3
    assert hid.scan_rows() == [
        ("sanh-1", "dossier", CODE),
        ("sanh-1", "ticket", issued.ticket.number),
        ("sanh-1", "not_found", OTHER),
    ]
    assert [s.scan_id for s in hid.scanned] == sorted({s.scan_id for s in hid.scanned})
    assert (hid.daemon.scans, hid.daemon.dropped) == (3, 0)
    # Grabbed: the codes never reach a console or another program.
    assert hid.board.opened == [HID]
    assert [device.grabbed for device in hid.devices] == [True]
    assert hid.health()["state"] == "ok"


def test_ok__shift_caps_and_noise_are_typed_exactly(hid: Rig) -> None:
    # Text that is no code comes back as typed (case kept), so every key is checked.
    text = "Ab-c.9_X:z"
    noise = [event(4, 4, 0x70004), syn()]  # MSC_SCAN / SYN on their own
    hid.board.send(HID, [*noise, *typed(text, keypad=lambda i: True, held=1)])
    hid.pump(lambda: len(hid.scanned) == 1)
    [view] = hid.views()
    assert (view.kind, view.code) == ("invalid", "")  # never shown back
    assert hid.scanned[0].text == text
    assert view.detail["what"] == "unknown"
    # Caps Lock: letters flip, Shift on top of it gives lower case; signs are not affected.
    caps = [*tap("KEY_CAPSLOCK"), *typed("aB-1"), *tap("KEY_CAPSLOCK")]
    hid.board.send(HID, caps)
    hid.pump(lambda: len(hid.scanned) == 2)
    assert hid.scanned[1].text == "Ab-1"


def test_ok__a_scan_that_stalls_is_dropped_and_not_glued_to_the_next(hid: Rig) -> None:
    half = CODE[:12]
    hid.board.send(HID, typed(half, end=None))
    started = time.monotonic()
    hid.pump(lambda: hid.daemon.dropped == 1)
    assert time.monotonic() - started >= STALL * 0.9
    [dropped] = hid.views()
    assert dropped.kind == "invalid"
    assert dropped.title == "MÃ KHÔNG HỢP LỆ"
    assert dropped.detail["reason"] == f"scan stopped after {len(half)} character(s); dropped"

    hid.board.send(HID, typed(CODE))
    hid.pump(lambda: len(hid.scanned) == 2)
    assert hid.codes()[1] == CODE
    assert hid.views()[1].kind == "not_found"
    assert hid.daemon.dropped == 1
    assert [row[1] for row in hid.scan_rows()] == ["invalid", "not_found"]


def test_ok__a_stall_seen_only_in_the_event_times_still_splits_the_scans(hid: Rig) -> None:
    # The loop is busy (not stepped) while the scanner pauses: the key events' own
    # timestamps show the pause, so the half is still dropped, not glued on.
    hid.board.send(HID, typed(CODE[:8], end=None))
    time.sleep(STALL + 0.15)  # the scanner's pause, not an assertion
    hid.board.send(HID, typed(OTHER))
    hid.pump(lambda: len(hid.scanned) == 2)
    dropped, whole = hid.views()
    assert dropped.kind == "invalid"
    assert dropped.detail["reason"] == "scan stopped after 8 character(s); dropped"
    assert (whole.kind, whole.code) == ("not_found", OTHER)
    assert hid.daemon.dropped == 1


def test_ok__the_same_code_within_repeat_seconds_is_one_scan(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(hid_config(scanner={"repeat_seconds": 1}))
    rig.board.plug(HID)
    rig.daemon.start()
    rig.pump(lambda: rig.source().state == CONNECTED)

    rig.board.send(HID, typed(CODE))
    rig.board.send(HID, typed(CODE))  # the slip still under the scanner
    rig.board.send(HID, typed(OTHER))  # after it in the queue: the repeat was handled
    rig.pump(lambda: len(rig.scanned) == 2)
    assert rig.codes() == [CODE, OTHER]
    assert [row[2] for row in rig.scan_rows()] == [CODE, OTHER]

    time.sleep(1.2)  # the repeat window passes
    rig.board.send(HID, typed(CODE))
    rig.pump(lambda: len(rig.scanned) == 3)
    assert rig.codes() == [CODE, OTHER, CODE]
    assert rig.daemon.scans == 3


# -- 2. unplug, replug, absent, denied ----------------------------------------------------


def test_ok__unplugged_hid_scanner_comes_back_without_restart(hid: Rig) -> None:
    source = hid.source()
    hid.board.unplug(HID)
    hid.pump(lambda: source.state == ABSENT)
    assert hid.states["sanh-1"][1] == (ABSENT, "unplugged")
    health = hid.health()
    assert health["state"] == "degraded"
    assert health["detail"].startswith("sanh-1: ")
    assert source.detail in ("unplugged", "not found (unplugged?)")

    hid.board.plug(HID)
    hid.pump(lambda: source.state == CONNECTED)
    assert source.reader.connects == 2
    assert [device.grabbed for device in hid.devices] == [True, True]
    assert hid.health()["state"] == "ok"
    hid.board.send(HID, typed(CODE))
    hid.pump(lambda: len(hid.scanned) == 1)
    assert hid.codes() == [CODE]


def test_ok__scanner_unplugged_mid_scan_with_shift_down_reads_the_next_code_right(
    hid: Rig,
) -> None:
    # The cable is pulled while the scanner holds Shift for the "G": its release never
    # comes. The half code is dropped; after the replug the same scanner's next code must
    # read as printed, not with Shift still "held" (which turns 0 into ")", . into ">").
    source = hid.source()
    hid.board.send(HID, [*typed(CODE[:10], end=None), *down("KEY_LEFTSHIFT")])
    hid.pump(lambda: len(source.decoder.chars) == 10 and bool(source.decoder.shift))
    hid.board.unplug(HID)
    hid.pump(lambda: source.state == ABSENT and hid.daemon.dropped == 1)
    assert hid.views()[0].detail["reason"] == "scanner went away in the middle of a code; dropped"

    hid.board.plug(HID)
    hid.pump(lambda: source.state == CONNECTED)
    hid.board.send(HID, typed(CODE))
    hid.pump(lambda: len(hid.scanned) == 2)
    after = hid.views()[1]
    assert after.code == CODE, f"read as {after.code!r} ({after.kind})"
    assert after.kind == "not_found"


def test_ok__hid_scanner_absent_at_start_is_picked_up_later(make_rig: Callable[..., Rig]) -> None:
    rig = make_rig(hid_config())
    rig.daemon.start()
    source = rig.source()
    rig.pump(lambda: source.state == ABSENT)
    assert source.detail == "not found (unplugged?)"
    health = rig.health()
    assert (health["state"], health["detail"]) == ("degraded", "sanh-1: not found (unplugged?)")

    rig.board.plug(HID)
    rig.pump(lambda: source.state == CONNECTED)
    assert source.reader.connects == 1
    assert rig.health()["state"] == "ok"
    rig.board.send(HID, typed(CODE))
    rig.pump(lambda: len(rig.scanned) == 1)
    assert rig.codes() == [CODE]


def test_fail__hid_scanner_without_permission_is_reported_as_denied(
    make_rig: Callable[..., Rig],
) -> None:
    rig = make_rig(hid_config())
    rig.board.deny(HID)
    rig.board.plug(HID)
    rig.daemon.start()
    source = rig.source()
    rig.pump(lambda: source.state == DENIED)
    assert "'input' group" in source.detail
    health = rig.health()
    assert health["state"] == "degraded"
    assert health["detail"] == f"sanh-1: {source.detail}"
    assert rig.devices == []  # never opened, so never grabbed

    rig.board.deny(HID, False)
    rig.pump(lambda: source.state == CONNECTED)
    assert rig.health()["state"] == "ok"


# -- 3. serial scanners ---------------------------------------------------------------------

SERIAL_CODES = [f"000.00.04.G14-261120-{n:04d}" for n in range(1, 5)]
SENTINEL = "000.00.04.G14-261120-9999"


@pytest.mark.parametrize(
    ("framing", "end", "chunks"),
    [
        # auto: CR, LF and CR LF all end a code; a CR LF split across writes counts once.
        (
            "auto",
            "\r\n",
            [
                f"{SERIAL_CODES[0]}\r{SERIAL_CODES[1]}\n{SERIAL_CODES[2]}\r",
                f"\n{SERIAL_CODES[3]}\r\n",
            ],
        ),
        ("cr", "\r", ["".join(f"{c}\r" for c in SERIAL_CODES)]),
        ("lf", "\n", ["".join(f"{c}\n" for c in SERIAL_CODES)]),
        ("crlf", "\r\n", ["".join(f"{c}\r\n" for c in SERIAL_CODES[:2]), SERIAL_CODES[2], "\r",
                          f"\n{SERIAL_CODES[3]}\r\n"]),
    ],
)  # fmt: skip
def test_ok__serial_framing_gives_exactly_the_codes_sent(
    make_rig: Callable[..., Rig], pty: Pty, framing: str, end: str, chunks: list[str]
) -> None:
    rig = serial_rig(make_rig, pty, framing)
    source = rig.source("sanh-2")
    sent = 0
    for chunk in chunks:
        pty.send(chunk.encode())
        sent += len(chunk)
        # the daemon takes this piece on its own before the next one comes
        rig.pump(lambda sent=sent: rig.received["sanh-2"] == sent)
    rig.pump(lambda: len(rig.scanned) == len(SERIAL_CODES))
    pty.send(f"{SENTINEL}{end}".encode())  # nothing left over glues onto the next code
    rig.pump(lambda: len(rig.scanned) == len(SERIAL_CODES) + 1)
    assert rig.codes() == [*SERIAL_CODES, SENTINEL]
    assert {v.kind for v in rig.views()} == {"not_found"}
    assert rig.daemon.dropped == 0
    assert not source.pending
    assert [row[0] for row in rig.scan_rows()] == ["sanh-2"] * 5


def test_ok__serial_idle_framing_ends_a_code_after_a_pause(
    make_rig: Callable[..., Rig], pty: Pty
) -> None:
    rig = serial_rig(make_rig, pty, "idle")
    source = rig.source("sanh-2")
    pty.send(SERIAL_CODES[0][:10].encode())
    rig.pump(lambda: source.pending)
    pty.send(SERIAL_CODES[0][10:].encode())
    sent = time.monotonic()
    rig.pump(lambda: len(rig.scanned) == 1)
    assert time.monotonic() - sent >= STALL * 0.9  # only the pause ends it
    pty.send(SERIAL_CODES[1].encode())
    rig.pump(lambda: len(rig.scanned) == 2)
    assert rig.codes() == SERIAL_CODES[:2]
    assert rig.daemon.dropped == 0


def test_ok__serial_pieces_of_a_frame_join(make_rig: Callable[..., Rig], pty: Pty) -> None:
    rig = serial_rig(make_rig, pty)
    source = rig.source("sanh-2")
    pieces = [CODE[:3], CODE[3:11], CODE[11:20], CODE[20:], "\r\n"]
    sent = 0
    for piece in pieces[:-1]:
        pty.send(piece.encode())
        sent += len(piece)
        rig.pump(lambda sent=sent: rig.received["sanh-2"] == sent)
        assert bytes(source.splitter.buffer) == CODE[:sent].encode()
    pty.send(pieces[-1].encode())
    rig.pump(lambda: len(rig.scanned) == 1)
    assert rig.codes() == [CODE]
    assert rig.daemon.dropped == 0


def test_ok__serial_frame_without_its_end_is_dropped_and_the_next_is_clean(
    make_rig: Callable[..., Rig], pty: Pty
) -> None:
    rig = serial_rig(make_rig, pty)
    pty.send(CODE[:18].encode())
    rig.pump(lambda: rig.daemon.dropped == 1)
    [dropped] = rig.views()
    assert dropped.kind == "invalid"
    assert dropped.detail["reason"] == "scan stopped after 18 byte(s) without its end; dropped"
    pty.send(f"{OTHER}\r".encode())
    rig.pump(lambda: len(rig.scanned) == 2)
    assert rig.views()[1].kind == "not_found"
    assert rig.codes()[1] == OTHER


def test_fail__serial_binary_garbage_is_an_invalid_scan(
    make_rig: Callable[..., Rig], pty: Pty
) -> None:
    rig = serial_rig(make_rig, pty)
    pty.send(b"\xff\xfe\x80\x00garbage\x91\xc3\r\n")
    rig.pump(lambda: len(rig.scanned) == 1)
    [garbage] = rig.views()
    assert (garbage.kind, garbage.title) == ("invalid", "MÃ KHÔNG HỢP LỆ")
    assert garbage.detail["reason"] == "not text (binary data); dropped"
    assert garbage.code == ""  # nothing of it is echoed on the screen
    assert rig.daemon.dropped == 1
    pty.send(f"{CODE}\r\n".encode())
    rig.pump(lambda: len(rig.scanned) == 2)
    assert rig.codes()[1] == CODE


def test_ok__serial_scanner_unplugged_and_replugged_without_restart(
    make_rig: Callable[..., Rig], pty: Pty
) -> None:
    rig = serial_rig(make_rig, pty)
    source = rig.source("sanh-2")
    pty.send(f"{CODE}\r".encode())
    rig.pump(lambda: len(rig.scanned) == 1)

    old_master = pty.master
    pty.plug()  # the new pty exists first, so it cannot reuse the old one's number...
    new = pty.path.readlink()
    pty.path.unlink()
    pty.path.symlink_to("/dev/pts/gone-away")  # ...and the stable name is gone meanwhile
    os.close(old_master)
    rig.pump(lambda: source.state == ABSENT)
    assert rig.states["sanh-2"][1] == (ABSENT, "unplugged")
    health = rig.health()
    assert health["state"] == "degraded"
    assert health["detail"].startswith("sanh-2: ")

    pty.path.unlink()
    pty.path.symlink_to(new)  # udev makes the name again
    rig.pump(lambda: source.state == CONNECTED)
    pty.release_slave()
    assert source.reader.connects == 2
    assert rig.health()["state"] == "ok"
    pty.send(f"{OTHER}\r\n".encode())
    rig.pump(lambda: len(rig.scanned) == 2)
    assert rig.codes() == [CODE, OTHER]


def test_fail__serial_port_held_by_another_program_is_busy_until_released(
    make_rig: Callable[..., Rig], pty: Pty
) -> None:
    # Another program (ModemManager, a serial console) holds the port's lock.
    other = os.open(pty.path, os.O_RDWR | os.O_NOCTTY)
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        rig = make_rig(scanner_config([{"id": "sanh-2", "device": str(pty.path)}]))
        rig.daemon.start()
        source = rig.source("sanh-2")
        rig.pump(lambda: source.state == BUSY)
        assert "in use by another program" in source.detail
        health = rig.health()
        assert (health["state"], health["detail"]) == ("degraded", f"sanh-2: {source.detail}")
    finally:
        os.close(other)
    rig.pump(lambda: source.state == CONNECTED)
    assert rig.health()["state"] == "ok"
    pty.release_slave()
    pty.send(f"{CODE}\n".encode())
    rig.pump(lambda: len(rig.scanned) == 1)
    assert rig.codes() == [CODE]


# -- 4. a missed ticket re-enters at the scanner ----------------------------------------------


def test_ok__missed_ticket_scanned_re_enters_the_queue(
    make_rig: Callable[..., Rig], pty: Pty, store: Store
) -> None:
    rig = serial_rig(make_rig, pty)
    clock, config = rig.daemon.clock, rig.config
    issued = ticketing.issue(store, config, "dat-dai", now=clock(), printed=True)
    number = issued.ticket.number
    ticketing.call_next(store, config, 1, now=clock())
    missed = ticketing.skip(store, config, 1, now=clock())
    assert missed.status == "missed"
    token = tokens.sign(tokens.site_key(store, clock()), issued.ticket.day, number)

    pty.send(f"{token}\r\n".encode())
    rig.pump(lambda: len(rig.scanned) == 1)
    [view] = rig.views()
    assert (view.kind, view.code, view.title) == ("ticket", number, "ĐÃ VÀO LẠI HÀNG CHỜ")
    assert view.detail["status"] == "waiting"
    status, reentries = store.conn.execute(
        "SELECT status, reentries FROM tickets WHERE number = ?", (number,)
    ).fetchone()
    assert (status, reentries) == ("waiting", 1)
    types = [row[0] for row in store.conn.execute("SELECT type FROM events ORDER BY seq")]
    assert types.count("ticket.reentered") == 1
    assert types[-1] == "scan"


# -- 5. the look-up screen ------------------------------------------------------------------


def lookup_config(**lookup: Any) -> Config:
    devices = [{"id": "sanh-1", "device": HID}, {"id": "sanh-2", "device": "/dev/ttyUSB-s2"}]
    return scanner_config(devices, lookup={"index": 0, "show_seconds": 5, **lookup})


@dataclass
class Screen:
    daemon: LookupDaemon
    frames: list[tuple[View, float]] = field(default_factory=list)

    def text(self) -> list[str]:
        assert self.daemon.frame is not None
        return self.daemon.frame.text

    def countdown(self) -> list[str]:
        return [t for t in self.text() if t.startswith("Trở về màn hình chính sau")]


@pytest.fixture
def make_screen(store: Store) -> Iterator[Callable[..., Screen]]:
    made: list[LookupDaemon] = []

    def make(config: Config, clock: Callable[[], float]) -> Screen:
        screen: Screen

        def on_frame(view: View, monotonic: float) -> None:
            screen.frames.append((view, monotonic))

        daemon = LookupDaemon(config, store.path, fonts_for(config), on_frame=on_frame,
                              clock=clock)  # fmt: skip
        made.append(daemon)
        screen = Screen(daemon)
        return screen

    yield make
    for daemon in made:
        daemon.close()


def test_ok__lookup_screen_shows_a_scan_counts_down_and_returns_to_idle(
    store: Store, make_screen: Callable[..., Screen]
) -> None:
    config = lookup_config()
    clock = FakeClock(at(9, 30))
    add_dossier(store, clock())
    screen = make_screen(config, clock)
    daemon = screen.daemon
    daemon.step()
    assert daemon.frames == 1
    assert daemon.view.kind == "idle"
    assert "TRA CỨU TÌNH TRẠNG HỒ SƠ" in screen.text()
    assert screen.countdown() == []
    rows = {row["daemon"]: row for row in store.health()}
    assert (rows[LOOKUP_HEALTH]["state"], rows[LOOKUP_HEALTH]["detail"]) == ("ok", "")
    assert daemon.step() > 0 and daemon.frames == 1  # nothing new: no repaint

    view = look_up(store, config, CODE, clock(), act=False)
    scan_id = record_scan(store, "sanh-1", view, clock())
    daemon.step()
    assert daemon.shown_scan == scan_id
    assert daemon.frames == 2
    assert daemon.view.code == CODE
    assert daemon.until == clock() + 5
    assert "ĐANG XỬ LÝ" in screen.text()
    assert CODE in screen.text()
    assert screen.countdown() == ["Trở về màn hình chính sau 5 giây"]
    assert [(v.kind, v.code) for v, _ in screen.frames] == [("idle", ""), ("dossier", CODE)]

    seen = []
    for elapsed in (1.5, 2.5, 3.5, 4.5):
        clock.now = at(9, 30) + elapsed
        daemon.step()
        seen += screen.countdown()
    assert seen == [f"Trở về màn hình chính sau {n} giây" for n in (4, 3, 2, 1)]
    assert daemon.view.kind == "dossier"

    clock.now = at(9, 30) + 5
    daemon.step()
    assert daemon.view.kind == "idle"
    assert daemon.until is None
    assert "TRA CỨU TÌNH TRẠNG HỒ SƠ" in screen.text()
    assert screen.countdown() == []
    assert screen.frames[-1][0].kind == "idle"
    assert len(screen.frames) == daemon.frames == 7


def test_ok__wall_and_lookup_screens_driven_by_one_process(store: Store) -> None:
    """``kiosk run display --role both``: the look-up screen in an SDL window of its own
    beside the wall's (KMSDRM lets one process drive a Pi's screens). What the window
    shows is read back from its renderer; losing the wall's screen leaves it up."""
    config = lookup_config()
    clock = FakeClock(at(9, 30))
    add_dossier(store, clock())
    faces = fonts_for(config)
    wall = WallDaemon(config, store.path, faces, voice=False, clock=clock)
    window = WindowScreen(lookup_screen(config), section="lookup", caption="look-up screen")
    lookup = LookupDaemon(config, store.path, faces, screen=window, clock=clock)
    try:
        wall.step()
        lookup.step()
        assert wall.screen.is_open and window.is_open
        assert "TRA CỨU TÌNH TRẠNG HỒ SƠ" in lookup.frame.text  # type: ignore[union-attr]
        idle = surface_bytes(window.shown(), "RGB")

        record_scan(store, "sanh-1", look_up(store, config, CODE, clock(), act=False), clock())
        lookup.step()
        assert "ĐANG XỬ LÝ" in lookup.frame.text  # type: ignore[union-attr]
        shown = window.shown()
        assert shown.get_size() == window.size
        result = surface_bytes(shown, "RGB")
        assert result != idle
        # The same picture painted afresh is what the window shows.
        again = pygame.Surface(window.picture_size)
        paint(again, lookup.frame.layout, faces)  # type: ignore[union-attr]
        assert surface_bytes(again, "RGB") == result
        # Its frame went with the picture: the renderer alone holds it between pictures.
        assert window._frame is None

        wall.screen.close()  # the wall's screen lost: the video system stays for the other
        assert pygame.display.get_init()
        clock.now += 1.0
        lookup.step()  # the countdown repaints into the window without the wall
        assert lookup.screen.is_open
        counted = surface_bytes(window.shown(), "RGB")
        assert counted not in (idle, result)
        again = pygame.Surface(window.picture_size)
        paint(again, lookup.frame.layout, faces)  # type: ignore[union-attr]
        assert surface_bytes(again, "RGB") == counted
        wall.step()  # and the wall comes back beside it
        assert wall.screen.is_open
    finally:
        wall.close()
        lookup.close()
    assert not pygame.display.get_init()  # the last screen closed shuts it


@pytest.mark.parametrize("rotation", [0, 90])
def test_ok__second_window_shows_its_picture_turned_and_keeps_a_frame_only_for_parts(
    rotation: int,
) -> None:
    config = lookup_config(rotation=rotation)
    window = WindowScreen(lookup_screen(config), section="lookup", caption="look-up screen")
    window.open()
    try:
        assert window.size is not None
        width, height = window.size
        assert window.picture_size == ((height, width) if rotation else (width, height))
        canvas = window.canvas
        assert canvas is not None and canvas.get_size() == window.picture_size
        canvas.fill((0, 0, 0))
        canvas.fill((255, 0, 0), (0, 0, 40, 30))  # the picture's top-left corner
        window.show((0, 0, 40, 30))  # a part: the frame stays for the next step
        assert window.canvas is canvas
        window.show()
        shown = window.shown()
        corner = (width - 1, 0) if rotation == 90 else (0, 0)  # turned clockwise
        assert shown.get_at(corner)[:3] == (255, 0, 0)
        assert shown.get_at((width // 2, height // 2))[:3] == (0, 0, 0)
        # A whole picture shown: its frame is let go, the next picture gets a fresh one.
        assert window._frame is None
        fresh = window.canvas
        assert fresh is not None and fresh is not canvas
    finally:
        window.close()
    assert window.canvas is None and not window.is_open


def test_ok__lookup_screen_ignores_other_scanners_and_old_scans(
    store: Store, make_screen: Callable[..., Screen]
) -> None:
    config = lookup_config(scanners=["sanh-1"])
    clock = FakeClock(at(10))
    old = look_up(store, config, OTHER, clock() - 100, act=False)
    record_scan(store, "sanh-1", old, clock() - 100)  # before the screen started
    screen = make_screen(config, clock)
    daemon = screen.daemon
    daemon.step()
    assert daemon.view.kind == "idle"
    assert "TRA CỨU TÌNH TRẠNG HỒ SƠ" in screen.text()

    other = look_up(store, config, CODE, clock(), act=False)
    record_scan(store, "sanh-2", other, clock())  # a scanner this screen does not show
    clock.now += 0.5
    daemon.step()
    assert daemon.view.kind == "idle"
    assert all(v.kind == "idle" for v, _ in screen.frames)

    mine = look_up(store, config, CODE, clock(), act=False)
    record_scan(store, "sanh-1", mine, clock())
    daemon.step()
    assert (daemon.view.kind, daemon.view.code) == ("not_found", CODE)
    assert "KHÔNG TÌM THẤY HỒ SƠ" in screen.text()
    assert screen.frames[-1][0].code == CODE


def test_ok__a_new_scan_replaces_the_one_shown_and_restarts_the_countdown(
    store: Store, make_screen: Callable[..., Screen]
) -> None:
    config = lookup_config()
    start = at(14)
    clock = FakeClock(start)
    add_dossier(store, start)
    screen = make_screen(config, clock)
    daemon = screen.daemon
    daemon.step()
    record_scan(store, "sanh-1", look_up(store, config, CODE, clock(), act=False), clock())
    daemon.step()
    clock.now = start + 3.5
    daemon.step()
    assert screen.countdown() == ["Trở về màn hình chính sau 2 giây"]

    record_scan(store, "sanh-2", look_up(store, config, OTHER, clock(), act=False), clock())
    daemon.step()
    assert (daemon.view.kind, daemon.view.code) == ("not_found", OTHER)
    assert "KHÔNG TÌM THẤY HỒ SƠ" in screen.text()
    assert screen.countdown() == ["Trở về màn hình chính sau 5 giây"]
    clock.now = start + 5.5  # the first scan's time is up, not the second's
    daemon.step()
    assert daemon.view.code == OTHER
    assert screen.countdown() == ["Trở về màn hình chính sau 3 giây"]
    clock.now = start + 8.5
    daemon.step()
    assert daemon.view.kind == "idle"
    assert [v.code for v, _ in screen.frames] == ["", CODE, CODE, OTHER, OTHER, ""]


# -- 6. end to end --------------------------------------------------------------------------


def test_ok__typed_code_reaches_the_lookup_screen_within_a_second(
    store: Store, make_screen: Callable[..., Screen]
) -> None:
    config = lookup_config()
    clock = day_clock()
    add_dossier(store, clock())
    board = Keyboards()
    board.plug(HID)
    devices: list[PipeDevice] = []

    def opener(path: str) -> PipeDevice:
        devices.append(board.open(path))
        return devices[-1]

    scanner_store = Store(store.path)  # the daemon's own connection, for its own thread
    scanner = ScannerDaemon(config, scanner_store, hid_opener=opener, clock=clock)
    stop = threading.Event()
    thread = threading.Thread(target=scanner.run, args=(stop,), daemon=True)
    screen = make_screen(config, clock)
    try:
        scanner.start()
        thread.start()
        wait_until(lambda: scanner.sources["sanh-1"].reader.state == CONNECTED)
        deadline = time.monotonic() + 3
        while screen.daemon.frames < 1:
            assert time.monotonic() < deadline
            time.sleep(min(screen.daemon.step(), 0.02))

        sent = time.monotonic()
        board.send(HID, typed(CODE, keypad=lambda i: i > 14, held=4))
        while not any(v.code == CODE for v, _ in screen.frames):
            assert time.monotonic() - sent < 3, "the scan never reached the screen"
            time.sleep(min(screen.daemon.step(), 0.02))
        shown_at = next(t for v, t in screen.frames if v.code == CODE)
        assert shown_at - sent < 1.0
        assert "ĐANG XỬ LÝ" in screen.text()
        assert devices and devices[0].grabbed
    finally:
        stop.set()
        if thread.ident is not None:
            thread.join(timeout=5)
        scanner.close()
        board.close()
        if not thread.is_alive():
            scanner_store.close()
    assert not thread.is_alive()
    rows = {row["daemon"]: row["state"] for row in store.health()}
    assert rows[HEALTH_NAME] == "stopped"


def test_ok__the_bell_shows_a_scan_long_before_the_next_look_at_the_database(
    store: Store, make_screen: Callable[..., Screen]
) -> None:
    """A look-up screen that looks at the database once a second shows each scan within
    a fraction of it: recording the scan rings the screens' bell (kiosk.store.bell)."""
    config = lookup_config()
    config = dataclasses.replace(config, display=dataclasses.replace(config.display, poll_ms=1000))
    clock = day_clock()
    add_dossier(store, clock())
    screen = make_screen(config, clock)
    stop = threading.Event()
    latencies: list[float] = []

    def scans() -> None:
        try:
            with Store(store.path) as scanner_side:
                for _ in range(5):
                    time.sleep(0.3)
                    frames = len(screen.frames)
                    sent = time.monotonic()
                    view = look_up(scanner_side, config, CODE, clock(), act=False)
                    record_scan(scanner_side, "sanh-1", view, clock())
                    wait_until(lambda n=frames: len(screen.frames) > n)
                    latencies.append(screen.frames[frames][1] - sent)
        finally:
            stop.set()

    scanner = threading.Thread(target=scans)

    def on_tick() -> None:
        if screen.frames and scanner.ident is None:
            scanner.start()

    screen.daemon.run(stop, on_tick=on_tick)
    scanner.join(10)
    assert len(latencies) == 5
    assert max(latencies) < 0.3, latencies  # by the polls alone: 0.5 s on average


# -- 7. the daemons as a user runs them -----------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """The example config with absent scanners, and the look-up screen on screen 0."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    replacements = {
        "/dev/input/by-id/usb-Honeywell_Imaging___Mobility_1900-event-kbd": (
            "/dev/input/by-id/usb-absent-test-scanner-event-kbd"
        ),
        "/dev/serial/by-id/usb-Newland_Auto-ID_NLS-FR40-if00": str(tmp_path / "no-such-tty"),
        "index = 1                           # the second": "index = 0  # here: the second",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return tmp_path


def user_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return {**env, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


def health_row(db: Path, name: str) -> dict[str, Any] | None:
    if not db.exists():
        return None
    with Store(db) as opened:
        return next((row for row in opened.health() if row["daemon"] == name), None)


def start_daemon(site: Path, *args: str) -> tuple[subprocess.Popen[str], Path]:
    log = site / "stderr.log"
    with log.open("w", encoding="utf-8") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "--config", str(site / "config.toml"),
             "--db", str(site / "kiosk.db"), "run", *args],
            cwd=ROOT, env=user_env(), stdout=subprocess.DEVNULL, stderr=sink, text=True,
        )  # fmt: skip
    return process, log


def test_fail__run_scanner_without_devices_is_a_config_error(site: Path) -> None:
    config = site / "config.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index("[[scanner.devices]]")
    end = text.index("# The look-up screen beside")
    config.write_text(text[:start] + text[end:], encoding="utf-8")
    done = kiosk_in(site, "run", "scanner")
    assert done.returncode == 78, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "no scanner configured" in lines[0]
    assert "[[scanner.devices]]" in lines[0]


def test_ok__run_scanner_with_absent_devices_stays_up_degraded_and_stops_on_sigterm(
    site: Path,
) -> None:
    db = site / "kiosk.db"
    process, log = start_daemon(site, "scanner")
    try:
        wait_until(lambda: (health_row(db, HEALTH_NAME) or {}).get("state") == "degraded", 20)
        detail = str((health_row(db, HEALTH_NAME) or {})["detail"])
        assert "sanh-1: not found (unplugged?)" in detail
        assert "sanh-2: not found (unplugged?)" in detail
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text(encoding="utf-8")
    assert "scanner daemon ready" in text
    assert "scanner daemon stopped" in text
    assert "Traceback" not in text
    assert (health_row(db, HEALTH_NAME) or {})["state"] == "stopped"


def test_ok__run_lookup_display_runs_and_stops_on_sigterm(site: Path) -> None:
    db = site / "kiosk.db"
    process, log = start_daemon(site, "display", "--role", "lookup")
    try:
        wait_until(lambda: health_row(db, LOOKUP_HEALTH) is not None, 30)
        assert (health_row(db, LOOKUP_HEALTH) or {})["state"] == "ok"
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text(encoding="utf-8")
    assert "look-up screen ready" in text
    assert "look-up screen stopped" in text
    assert "Traceback" not in text
    assert (health_row(db, LOOKUP_HEALTH) or {})["state"] == "stopped"
