"""The ticket desk end to end: gpiozero MockFactory pins in, a pty serial printer out.

The printer is the product's VirtualPrinter on a pseudo-terminal, reached through
python-escpos and pyserial exactly as a USB-serial printer would be; the store is a
real SQLite file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk import procedures, tokens
from kiosk.config import Config
from kiosk.desk import Desk, Outcome, Press
from kiosk.keys.kiosk import Buttons, Feedback, LongPress
from kiosk.store import Reserve, Store
from printer import EscposPrinter, PtyPrinter, VirtualPrinter
from tests.conftest import OPEN_ALL_DAY, at, make_config, with_catalogue
from tests.disks import fill, needs_root, remount, tmpfs

PIN = {"dat-dai": 5, "tu-phap-ho-tich": 6, "thue": 20}
PRIORITY_PIN, BUSY, ERROR, PAPER, BUZZER = 26, 22, 23, 24, 25


def desk_config(printer_path: Path, **kiosk: Any) -> Config:
    return make_config(
        hours=OPEN_ALL_DAY,
        kiosk={"cooldown_seconds": 3, "hold_seconds": 0, **kiosk},
        printer={
            "connection": "serial",
            "serial_port": str(printer_path),
            "flow_control": "xonxoff",
            "timeout_seconds": 0.5,
            "retry_seconds": 0.5,
        },
    )


@dataclass
class Site:
    config: Config
    store: Store
    desk: Desk
    virtual: VirtualPrinter
    pty: PtyPrinter
    pins: MockFactory
    buttons: Buttons
    clock: list[float]

    def press(self, service: str, *, hold: float = 0.0) -> None:
        pin = self.pins.pin(PIN[service])
        pin.drive_low()
        if hold:
            time.sleep(hold)
        pin.drive_high()

    def handle_all(self) -> list[Outcome]:
        outcomes = []
        while not self.desk.presses.empty():
            outcomes.append(self.desk.handle(self.desk.presses.get_nowait()))
        return outcomes

    def tickets(self, status: str | None = None) -> list[tuple[str, str, int]]:
        sql = "SELECT number, status, priority FROM tickets"
        params: tuple[str, ...] = ()
        if status is not None:
            sql += " WHERE status = ?"
            params = (status,)
        with self.store.read() as conn:
            return [tuple(row) for row in conn.execute(sql + " ORDER BY id", params)]

    def events(self, type_: str) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            rows = conn.execute("SELECT data FROM events WHERE type = ? ORDER BY seq", (type_,))
            return [json.loads(row[0]) for row in rows]

    def wait_for_pages(self, count: int) -> None:
        deadline = time.monotonic() + 3
        while len(self.virtual.pages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.virtual.pages) == count


def build_site(tmp_path: Path, pins: MockFactory, db: Path | None = None, **kiosk: Any) -> Site:
    virtual = VirtualPrinter(576)
    pty = PtyPrinter(virtual, tmp_path / "printer")
    config = desk_config(tmp_path / "printer", **kiosk)
    store = Store(db or tmp_path / "kiosk.db")
    clock = [at(9, 0)]
    feedback = Feedback(config.kiosk, pin_factory=pins)
    desk = Desk(config, store, EscposPrinter(config.printer), feedback, clock=lambda: clock[0])
    buttons = Buttons(config.kiosk, desk.presses, pin_factory=pins)
    return Site(config, store, desk, virtual, pty, pins, buttons, clock)


@pytest.fixture
def make_site(tmp_path: Path, pins: MockFactory) -> Iterator[Any]:
    made: list[Site] = []

    def make(db: Path | None = None, **kiosk: Any) -> Site:
        site = build_site(tmp_path, pins, db, **kiosk)
        made.append(site)
        return site

    yield make
    for site in made:
        site.buttons.close()
        if site.desk.feedback is not None:
            site.desk.feedback.close()
        site.desk.printer.close()
        site.pty.close()
        site.store.close()


@pytest.fixture
def site(make_site: Any) -> Site:
    return make_site()  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------
# Presses
# ---------------------------------------------------------------------------------------


def test_ok__one_press_one_printed_ticket(site: Site) -> None:
    site.press("dat-dai")
    [outcome] = site.handle_all()
    assert outcome.kind == "printed"
    assert outcome.number == "A001"
    assert site.tickets() == [("A001", "waiting", 0)]
    site.wait_for_pages(1)
    assert site.virtual.unknown == []
    # The QR on the paper is a token this site signed for this very ticket.
    [token] = site.virtual.qr_codes[0]
    ref = tokens.verify(site.desk.key, token)
    assert (ref.day, ref.number) == ("2026-11-23", "A001")
    assert [e["reason"] for e in site.events("ticket.voided")] == []


def test_ok__each_button_its_own_service(site: Site) -> None:
    for service in ("dat-dai", "tu-phap-ho-tich", "thue"):
        site.press(service)
    assert [o.number for o in site.handle_all()] == ["A001", "B001", "G001"]
    site.wait_for_pages(3)


def test_ok__mashing_gives_one_ticket_per_cooldown(site: Site) -> None:
    for _ in range(20):  # a child pressing 20 times within the cooldown
        site.press("dat-dai")
    outcomes = site.handle_all()
    assert [o.kind for o in outcomes].count("printed") == 1
    assert [o.kind for o in outcomes].count("cooldown") == 19
    assert len(site.tickets()) == 1


def test_ok__cooldown_is_per_button_and_expires(site: Site) -> None:
    t0 = time.monotonic()
    site.desk.handle(Press("dat-dai", long=False, at=t0))
    assert site.desk.handle(Press("dat-dai", long=False, at=t0 + 2.9)).kind == "cooldown"
    assert site.desk.handle(Press("thue", long=False, at=t0 + 2.9)).kind == "printed"
    assert site.desk.handle(Press("dat-dai", long=False, at=t0 + 3.0)).number == "A002"


def test_ok__held_button_gives_one_ticket(site: Site) -> None:
    site.press("dat-dai", hold=0.3)
    assert [o.kind for o in site.handle_all()] == ["printed"]


def test_ok__long_press_gives_priority_ticket(make_site: Any) -> None:
    site: Site = make_site(hold_seconds=0.2, cooldown_seconds=0)
    site.press("dat-dai")  # short: issued on release, normal
    site.press("dat-dai", hold=0.45)  # held past hold_seconds: priority, once
    outcomes = site.handle_all()
    assert [(o.kind, o.priority) for o in outcomes] == [("printed", False), ("printed", True)]
    assert site.tickets() == [("A001", "waiting", 0), ("A002", "waiting", 1)]
    site.wait_for_pages(2)


def wait_until(condition: Any, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    return bool(condition())


def test_ok__buttons_run_no_thread_while_nobody_presses(make_site: Any) -> None:
    """gpiozero's Button keeps a hold thread per button awake ten times a second;
    the kiosk's inputs time a long press only while a button is down."""
    site: Site = make_site(hold_seconds=0.1, cooldown_seconds=0)
    site.buttons.close()
    before = {t.ident for t in threading.enumerate()}
    site.buttons = Buttons(site.config.kiosk, site.desk.presses, pin_factory=site.pins)
    assert len(site.buttons.devices) == len(site.config.kiosk.buttons) + 1  # and the priority key
    assert {t.ident for t in threading.enumerate()} <= before
    site.press("dat-dai", hold=0.6)
    site.press("thue")
    assert wait_until(lambda: {t.ident for t in threading.enumerate()} <= before)
    assert [(o.kind, o.priority) for o in site.handle_all()] == [
        ("printed", True),
        ("printed", False),
    ]


def test_ok__long_press_reports_exactly_once_per_push() -> None:
    reports: list[bool] = []
    long_press = LongPress(0.05, reports.append)
    long_press.released()  # a release with no press before it is no press
    long_press.pressed()
    long_press.released()
    assert reports == [False]
    long_press.pressed()
    assert wait_until(lambda: len(reports) == 2)
    long_press.released()
    long_press.pressed()
    long_press.pressed()  # a bounce the debounce let through: one push still
    assert wait_until(lambda: len(reports) == 3)
    long_press.released()
    long_press.pressed()
    long_press.cancel()  # closed while down: nothing more
    time.sleep(0.1)
    long_press.released()
    assert reports == [False, True, True]


def test_ok__long_press_let_go_as_the_time_runs_out_is_one_press() -> None:
    for _ in range(200):
        reports: list[bool] = []
        long_press = LongPress(0.001, reports.append)
        long_press.pressed()
        time.sleep(0.001)
        long_press.released()
        assert wait_until(lambda said=reports: bool(said))  # the timer may still be reporting
        time.sleep(0.002)
        assert reports in ([False], [True])


def test_ok__priority_key_then_service_button(site: Site) -> None:
    site.pins.pin(PRIORITY_PIN).drive_low()
    site.pins.pin(PRIORITY_PIN).drive_high()
    site.press("tu-phap-ho-tich")
    site.press("thue")  # the key armed only the next ticket
    outcomes = site.handle_all()
    assert [(o.kind, o.priority) for o in outcomes] == [
        ("armed", False),
        ("printed", True),
        ("printed", False),
    ]


def test_ok__priority_key_expires(site: Site) -> None:
    t0 = time.monotonic()
    window = site.config.kiosk.priority_button.window_seconds
    site.desk.handle(Press(None, long=False, at=t0))
    late = site.desk.handle(Press("dat-dai", long=False, at=t0 + window + 0.1))
    assert (late.kind, late.priority) == ("printed", False)


def test_ok__callbacks_never_block_on_the_printer(site: Site) -> None:
    site.pty.jam = True  # the printer takes status queries, then stops the line
    stop = threading.Event()
    loop = threading.Thread(target=site.desk.run, args=(stop,), daemon=True)
    loop.start()
    try:
        site.press("dat-dai")
        time.sleep(0.15)  # the loop is now stuck writing to the jammed printer
        started = time.perf_counter()
        for service in ("tu-phap-ho-tich", "thue"):
            site.press(service)
        elapsed = time.perf_counter() - started
        assert elapsed < 0.05, f"button callbacks took {elapsed * 1000:.1f} ms"
        assert site.desk.presses.qsize() == 2  # waiting for the loop, not lost
    finally:
        stop.set()
        loop.join(timeout=5)
    assert not loop.is_alive()


# ---------------------------------------------------------------------------------------
# The printer failing, and coming back
# ---------------------------------------------------------------------------------------


def _break(site: Site, fault: str) -> None:
    printer = site.virtual
    if fault == "paper_out":
        printer.paper = "out"
    elif fault == "cover_open":
        printer.cover_open = True
    elif fault == "offline":
        printer.online = False
    elif fault == "silent":
        printer.silent = True
    elif fault == "jam":
        site.pty.jam = True


def _mend(site: Site) -> None:
    printer = site.virtual
    printer.paper, printer.cover_open, printer.online, printer.silent = "ok", False, True, False
    site.pty.resume()


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("paper_out", "printer_paper_out"),
        ("cover_open", "printer_cover_open"),
        ("offline", "printer_offline"),
        ("silent", "printer_silent"),
        ("jam", "print_silent"),  # status fine, then the write times out
    ],
)
def test_fail__printer_fault_voids_then_recovers(site: Site, fault: str, reason: str) -> None:
    t0 = time.monotonic()
    assert site.desk.handle(Press("dat-dai", long=False, at=t0)).kind == "printed"
    site.wait_for_pages(1)
    _break(site, fault)
    failed = site.desk.handle(Press("thue", long=False, at=t0 + 10))
    assert (failed.kind, failed.number, failed.reason) == ("void", "G001", reason)
    assert site.tickets("void") == [("G001", "void", 0)]
    assert site.events("ticket.voided")[-1]["reason"] == reason
    # The citizen sees it: the error LED is lit (or blinking).
    assert site.pins.pin(ERROR).state
    # While it stays broken, presses are refused without taking a number.
    again = site.desk.handle(Press("thue", long=False, at=t0 + 20))
    assert again.kind == "refused"
    assert again.reason.startswith("printer_")
    assert site.events("ticket.refused")[-1]["reason"] == again.reason
    assert len(site.tickets()) == 2
    _mend(site)
    back = site.desk.handle(Press("thue", long=False, at=t0 + 30))
    assert (back.kind, back.number) == ("printed", "G002")
    site.wait_for_pages(2)
    states = [event["state"] for event in site.events("printer.status")]
    assert states[-1] == "ready"
    assert states.count("ready") >= 2  # ready, the fault, ready again
    _no_ticket_callable_without_print(site)


def _no_ticket_callable_without_print(site: Site) -> None:
    """Every callable ticket is on paper, and nothing voided is."""
    time.sleep(0.1)
    on_paper = {
        tokens.verify(site.desk.key, code).number for page in site.virtual.qr_codes for code in page
    }
    callable_numbers = {number for number, _, _ in site.tickets("waiting")}
    voided = {number for number, _, _ in site.tickets("void")}
    assert callable_numbers <= on_paper
    assert not voided & on_paper


def test_fail__unplugged_printer_is_retried(site: Site) -> None:
    t0 = time.monotonic()
    site.pty.unplug()
    assert site.desk.handle(Press("dat-dai", long=False, at=t0)).reason == "printer_disconnected"
    assert site.desk.status.state == "disconnected"
    site.pty.plug()
    site.desk.poll()  # the idle loop finds it again
    assert site.desk.status.state == "ready"
    assert site.desk.handle(Press("dat-dai", long=False, at=t0 + 10)).kind == "printed"


def test_ok__paper_low_is_reported_before_paper_out(site: Site) -> None:
    t0 = time.monotonic()
    site.virtual.paper = "low"
    low = site.desk.handle(Press("dat-dai", long=False, at=t0))
    assert low.kind == "printed"  # low paper still prints
    assert site.pins.pin(PAPER).state  # paper LED lit
    site.virtual.paper = "out"
    assert site.desk.handle(Press("dat-dai", long=False, at=t0 + 10)).kind == "void"
    states = [event["state"] for event in site.events("printer.status")]
    assert states.index("paper_low") < states.index("paper_out")
    with site.store.read() as conn:
        kept = conn.execute("SELECT value FROM kv WHERE key = 'printer'").fetchone()[0]
    assert json.loads(kept)["state"] == "paper_out"
    from kiosk import ticketing

    snap = ticketing.snapshot(site.store, site.config, now=site.clock[0])
    assert snap["printer"]["state"] == "paper_out"  # what `kiosk status` shows


# ---------------------------------------------------------------------------------------
# Queue rules at the kiosk
# ---------------------------------------------------------------------------------------


def test_fail__closed_hours_refused_and_recorded(make_site: Any) -> None:
    site: Site = make_site()
    site.clock[0] = at(9, 0, day=dt.date(2026, 9, 2))  # Quốc khánh: a closed date
    outcome = site.desk.handle(Press("dat-dai", long=False, at=time.monotonic()))
    assert (outcome.kind, outcome.reason) == ("refused", "closed_day")
    assert site.tickets() == []
    assert site.events("ticket.refused")[-1]["reason"] == "closed_day"
    assert True in [s.state for s in site.pins.pin(ERROR).states]  # the error LED blinked


def test_fail__daily_cap_refused(site: Site) -> None:
    t0 = time.monotonic()
    with site.store.change(site.clock[0]) as tx:
        tx.execute(
            "INSERT INTO day_numbers (day, service, last) VALUES ('2026-11-23', 'thue', 150)"
        )
    # Thuế's daily cap (150) is already used up today.
    outcome = site.desk.handle(Press("thue", long=False, at=t0))
    assert (outcome.kind, outcome.reason) == ("refused", "cap_reached")
    assert site.events("ticket.refused")[-1]["reason"] == "cap_reached"


def test_ok__recover_voids_tickets_left_mid_print(site: Site) -> None:
    from kiosk import ticketing

    left = ticketing.issue(site.store, site.config, "dat-dai", now=site.clock[0])
    assert left.ticket.status == "issued"
    assert site.desk.recover() == [left.ticket.number]
    assert site.tickets() == [("A001", "void", 0)]
    assert site.events("ticket.voided")[-1]["reason"] == "interrupted"
    assert site.desk.recover() == []


def test_ok__feedback_outputs(site: Site) -> None:
    t0 = time.monotonic()
    site.desk.handle(Press("dat-dai", long=False, at=t0))
    busy_states = [s.state for s in site.pins.pin(BUSY).states]
    assert busy_states[-2:] == [True, False]  # lit while printing, then off
    time.sleep(0.2)
    assert True in [s.state for s in site.pins.pin(BUZZER).states]  # a beep


def test_ok__the_loop_pings_after_every_printer_call(site: Site) -> None:
    """The watchdog hears from the loop between the status query and the ticket, so the
    longest gap is one printer call (bounded by printer.timeout_seconds), not a whole press."""
    calls: list[str] = []
    printer = site.desk.printer

    class Recording:
        def status(self) -> Any:
            calls.append("status")
            return printer.status()

        def print_slip(self, slip: Any) -> int:
            calls.append("print")
            return printer.print_slip(slip)

        def close(self) -> None:
            printer.close()

    site.desk.printer = Recording()
    stop = threading.Event()
    loop = threading.Thread(target=site.desk.run, args=(stop, lambda: calls.append("tick")))
    loop.start()
    try:
        site.press("dat-dai")
        site.wait_for_pages(1)
        deadline = time.monotonic() + 3
        while calls[-1] != "tick" and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        loop.join(5)
    assert "print" in calls
    for before, after in itertools.pairwise(calls):
        if before in ("status", "print"):
            assert after == "tick", calls
    # 0.5 s printer timeout twice, the queries' allowance, two 5 s busy timeouts, a second
    assert site.desk.longest_wait == 0.5 * 2 + 5.0 + 2 * 5.0 + 1.0


class BrokenDriver:
    """A printer driver with a bug: the loop must log it and keep serving."""

    def __init__(self) -> None:
        self.calls = 0

    def status(self) -> Any:
        from kiosk.desk import PrinterStatus

        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("driver bug")
        return PrinterStatus("unchecked")

    def print_slip(self, slip: Any) -> int:
        return 1

    def close(self) -> None:
        pass


def test_fail__a_failing_press_does_not_stop_the_loop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = desk_config(tmp_path / "unused")
    with Store(tmp_path / "kiosk.db") as store:
        desk = Desk(config, store, BrokenDriver(), clock=lambda: at(9, 0))
        t0 = time.monotonic()
        desk.presses.put(Press("dat-dai", long=False, at=t0))  # status() #1 fine, printed
        desk.presses.put(Press("thue", long=False, at=t0))  # status() #2 raises
        desk.presses.put(Press("tu-phap-ho-tich", long=False, at=t0))  # fine again
        stop = threading.Event()
        loop = threading.Thread(target=desk.run, args=(stop,), daemon=True)
        loop.start()
        deadline = time.monotonic() + 5
        while not desk.presses.empty() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        stop.set()
        loop.join(timeout=5)
        with store.read() as conn:
            rows = conn.execute("SELECT number, status FROM tickets ORDER BY id").fetchall()
    assert rows == [("A001", "waiting"), ("G001", "void"), ("B001", "waiting")]
    assert "press thue failed" in caplog.text


# ---------------------------------------------------------------------------------------
# A full disk (the database on a real tmpfs of a few MiB, filled up)
# ---------------------------------------------------------------------------------------


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", "8m") as mounted:
        yield mounted


class FillsTheDisk:
    """The site's printer, and while the ticket comes out something else (a log, a
    backup) takes the last of the disk."""

    def __init__(self, printer: Any, disk: Path) -> None:
        self.printer, self.disk = printer, disk
        self.armed = True

    def status(self) -> Any:
        return self.printer.status()

    def print_slip(self, slip: Any) -> int:
        sent = int(self.printer.print_slip(slip))
        if self.armed:
            fill(self.disk)
            self.armed = False
        return sent

    def close(self) -> None:
        self.printer.close()


@contextlib.contextmanager
def running(desk: Desk) -> Iterator[None]:
    """The desk's own loop on its thread, as the daemon runs it."""
    stop = threading.Event()
    loop = threading.Thread(target=desk.run, args=(stop,), daemon=True)
    loop.start()
    try:
        yield
    finally:
        stop.set()
        loop.join(timeout=10)


def log_lines(caplog: pytest.LogCaptureFixture, needle: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if needle in r.getMessage()]


@needs_root
def test_fail__a_ticket_printed_as_the_disk_fills_up_still_joins_the_queue(
    make_site: Any, disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.desk")
    site = make_site(db=disk / "kiosk.db")
    site.desk.printer = FillsTheDisk(site.desk.printer, disk)
    site.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # each commit needs room
    with running(site.desk):
        site.press("dat-dai")
        site.wait_for_pages(1)
        assert wait_until(lambda: bool(log_lines(caplog, "press dat-dai: printed A001")))
        # The citizen holds A001: it is in the queue, not voided at the next start.
        assert site.tickets() == [("A001", "waiting", 0)]
        assert site.desk.recover() == []
        assert not (disk / "kiosk.db-reserve").exists()  # its room went to that commit

        # The disk is full now: presses are refused, clearly, and nothing is printed.
        site.press("tu-phap-ho-tich")
        site.press("thue")
        assert wait_until(lambda: len(log_lines(caplog, "refused  disk_full")) == 2)
        time.sleep(0.2)
        assert len(site.virtual.pages) == 1
        assert site.tickets() == [("A001", "waiting", 0)]
        assert True in [s.state for s in site.pins.pin(ERROR).states]  # the error LED blinked
        assert all("disk full" in line for line in log_lines(caplog, "refused  disk_full"))
        assert "Traceback" not in caplog.text
        assert not [r for r in caplog.records if r.exc_info]
        assert len(log_lines(caplog, "tu-phap-ho-tich")) == 1  # one line a press
        assert len(log_lines(caplog, "press thue")) == 1

        # Room again: the reserve is made again, and tickets come out.
        (disk / "ballast").unlink()
        site.desk.presses.put(Press("dat-dai", long=False, at=time.monotonic() + 60))
        site.wait_for_pages(2)
        assert wait_until(lambda: bool(log_lines(caplog, "press dat-dai: printed A002")))
    assert site.tickets() == [("A001", "waiting", 0), ("A002", "waiting", 0)]
    assert (disk / "kiosk.db-reserve").stat().st_size == 2 << 20


@needs_root
def test_fail__a_press_on_a_full_disk_is_refused_and_nothing_is_printed(
    make_site: Any, disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = make_site(db=disk / "kiosk.db")
    site.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    fill(disk)
    t0 = time.monotonic()
    first = site.desk.handle(Press("dat-dai", long=False, at=t0))
    assert (first.kind, first.reason) == ("refused", "disk_full")
    assert first.detail.startswith("disk full: no room for the 2.0 MiB kept free beside ")
    # With the reserve in place but the rest of the disk full, the number is not taken.
    (disk / "ballast").unlink()
    assert site.desk.has_room()
    fill(disk)
    second = site.desk.handle(Press("thue", long=False, at=t0))
    assert (second.kind, second.reason) == ("refused", "disk_full")
    assert "disk full (" in second.detail
    time.sleep(0.2)
    assert site.virtual.pages == []
    assert site.tickets() == []
    assert (disk / "kiosk.db-reserve").exists()  # kept for a ticket that does print


class TakenWhenSpent(Reserve):
    """The reserve, whose room someone else (another daemon, a log) takes the moment it is
    given back: the commit that follows the print still finds the disk full."""

    def __init__(self, db: Path, disk: Path) -> None:
        super().__init__(db, note="printed")
        self.disk = disk

    def spend(self) -> bool:
        spent = super().spend()
        fill(self.disk)  # the same ballast, grown
        return spent


def printed_not_recorded(make_site: Any, disk: Path, caplog: pytest.LogCaptureFixture) -> Site:
    """A01 printed as the disk fills up, and the reserve's room taken too: the database
    cannot take the ticket as printed."""
    caplog.set_level(logging.INFO, logger="kiosk.desk")
    site: Site = make_site(db=disk / "kiosk.db")
    site.desk.printer = FillsTheDisk(site.desk.printer, disk)
    site.desk.reserve = TakenWhenSpent(disk / "kiosk.db", disk)
    site.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # each commit needs room
    with running(site.desk):
        site.press("dat-dai")
        site.wait_for_pages(1)
        assert wait_until(lambda: bool(log_lines(caplog, "press dat-dai: printed A001")))
        time.sleep(2.5)  # the idle loop tries again, and again
        # The citizen holds A001, and got a ticket's beep.
        assert True not in [s.state for s in site.pins.pin(ERROR).states]
        # Presses wait for it: refused, the disk full, nothing printed.
        site.press("thue")
        assert wait_until(lambda: bool(log_lines(caplog, "press thue: refused  disk_full")))
        time.sleep(0.2)
        assert len(site.virtual.pages) == 1
        assert True in [s.state for s in site.pins.pin(ERROR).states]
    # Kept as printed, not voided.
    assert site.tickets() == [("A001", "issued", 0)]
    assert site.events("ticket.voided") == []
    [told] = log_lines(caplog, "was printed but is not recorded yet")
    assert told.startswith("ticket A001 was printed but is not recorded yet (")
    assert "disk full (" in told
    assert not log_lines(caplog, "left unprinted")
    # Noted beside the database, so that a restart knows it was printed.
    [(uid,)] = site.store.conn.execute("SELECT uid FROM tickets").fetchall()
    assert (disk / "kiosk.db-printed").read_text().split() == [uid]
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
    return site


@needs_root
def test_fail__a_printed_ticket_the_database_cannot_take_joins_the_queue_once_it_can(
    make_site: Any, disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = printed_not_recorded(make_site, disk, caplog)
    with running(site.desk):
        (disk / "ballast").unlink()
        assert wait_until(lambda: bool(log_lines(caplog, "A001, printed earlier, is recorded")))
        site.desk.presses.put(Press("thue", long=False, at=time.monotonic() + 60))
        site.wait_for_pages(2)
        assert wait_until(lambda: bool(log_lines(caplog, "press thue: printed G001")))
    assert site.tickets() == [("A001", "waiting", 0), ("G001", "waiting", 0)]
    assert [e["number"] for e in site.events("ticket.printed")] == ["A001", "G001"]
    assert site.events("ticket.voided") == []
    assert len(log_lines(caplog, "was printed but is not recorded yet")) == 1
    _no_ticket_callable_without_print(site)


@needs_root
def test_fail__a_printed_ticket_not_recorded_survives_restarts_and_joins_the_queue(
    make_site: Any, disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = printed_not_recorded(make_site, disk, caplog)
    db = disk / "kiosk.db"

    def restart() -> Desk:
        with Store(db) as store:
            desk = Desk(site.config, store, site.desk.printer, clock=lambda: site.clock[0])
            assert desk.recover() == []  # nothing voided
            return desk

    # The daemon restarts while the disk is still full: A001 stays printed, not recorded.
    again = restart()
    assert list(again.unrecorded.values()) == ["A001"]
    assert site.tickets() == [("A001", "issued", 0)]
    assert len(log_lines(caplog, "ticket A001 was printed but is not recorded yet")) == 2
    # And once more after space is freed: A001 joins the queue.
    (disk / "ballast").unlink()
    assert restart().unrecorded == {}
    assert site.tickets() == [("A001", "waiting", 0)]
    assert site.events("ticket.voided") == []
    assert log_lines(caplog, "ticket A001, printed earlier, is recorded now")
    assert (disk / "kiosk.db-printed").read_text().split() == []


def test_ok__recover_records_a_ticket_noted_as_printed_and_voids_the_others(site: Site) -> None:
    from kiosk import ticketing

    printed = ticketing.issue(site.store, site.config, "dat-dai", now=site.clock[0])
    unprinted = ticketing.issue(site.store, site.config, "thue", now=site.clock[0])
    assert site.desk.note is not None and site.desk.note.ready()
    site.desk.note.write([printed.ticket.uid])  # as the last run did once the printer took it
    assert site.desk.recover() == [unprinted.ticket.number]
    assert site.tickets() == [("A001", "waiting", 0), ("G001", "void", 0)]
    assert site.events("ticket.voided")[-1]["reason"] == "interrupted"


class LocksTheDatabase:
    """The site's printer, and while the ticket comes out another program holds the
    database's write lock past the busy timeout."""

    def __init__(self, printer: Any, db: Path) -> None:
        self.printer, self.db = printer, db
        self.locker: sqlite3.Connection | None = None

    def status(self) -> Any:
        return self.printer.status()

    def print_slip(self, slip: Any) -> int:
        sent = int(self.printer.print_slip(slip))
        if self.locker is None:
            self.locker = sqlite3.connect(self.db, isolation_level=None, check_same_thread=False)
            self.locker.execute("BEGIN IMMEDIATE")
        return sent

    def unlock(self) -> None:
        assert self.locker is not None
        self.locker.execute("ROLLBACK")
        self.locker.close()

    def close(self) -> None:
        self.printer.close()


def test_fail__a_printed_ticket_is_not_voided_when_the_database_is_locked(
    site: Site, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.desk")
    site.store.busy_timeout_ms = 200
    printer = LocksTheDatabase(site.desk.printer, tmp_path / "kiosk.db")
    site.desk.printer = printer
    with running(site.desk):
        site.press("dat-dai")
        site.wait_for_pages(1)
        assert wait_until(lambda: bool(log_lines(caplog, "press dat-dai: printed A001")))
        [told] = log_lines(caplog, "was printed but is not recorded yet")
        assert "database is locked" in told
        site.press("thue")
        assert wait_until(lambda: bool(log_lines(caplog, "press thue: refused  unrecorded")))
        assert len(site.virtual.pages) == 1
        printer.unlock()
        assert wait_until(lambda: bool(log_lines(caplog, "A001, printed earlier, is recorded")))
    assert site.tickets() == [("A001", "waiting", 0)]
    assert site.events("ticket.voided") == []
    assert not [r for r in caplog.records if r.exc_info]


@needs_root
def test_fail__a_reserve_that_cannot_be_made_refuses_presses_without_saying_disk_full(
    make_site: Any, disk: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.desk")
    # The database's folder is on a filesystem gone read-only (the database itself lives on,
    # through a link, where it can still be written).
    with tmpfs(tmp_path / "site", "1m") as folder:
        (folder / "kiosk.db").symlink_to(disk / "kiosk.db")
        remount(folder, readonly=True)
        site = make_site(db=folder / "kiosk.db")
        with running(site.desk):
            site.press("dat-dai")
            assert wait_until(lambda: bool(log_lines(caplog, "press dat-dai: refused")))
        [line] = [r for r in caplog.records if "press dat-dai" in r.getMessage()]
        assert line.levelname == "WARNING"
        assert line.getMessage().startswith(
            "press dat-dai: refused  no_reserve (cannot make the 2.0 MiB kept free beside "
            f"{folder / 'kiosk.db'}: {folder} is on a read-only filesystem; no tickets until "
            "then: one printed without it might never join the queue"
        )
        assert "disk full" not in caplog.text
        assert site.virtual.pages == []
        assert site.tickets() == []
        assert [e["reason"] for e in site.events("ticket.refused")] == ["no_reserve"]
        assert True in [s.state for s in site.pins.pin(ERROR).states]
        assert not [r for r in caplog.records if r.exc_info]
        site.store.close()


# ---------------------------------------------------------------------------------------
# The note of printed tickets left unreadable by a run as another user (root)
# ---------------------------------------------------------------------------------------

DESK_AS_NOBODY = """
import json, logging, sys, time
from kiosk.desk import Desk, PrinterStatus, Press
from kiosk.store import Store
from tests.conftest import OPEN_ALL_DAY, at, make_config

class Untouched:  # the press must be refused before the printer is asked
    def status(self): return PrinterStatus("ok")
    def print_slip(self, slip): raise AssertionError("printed")
    def close(self): pass

lines = []
handler = logging.Handler()
handler.emit = lambda record: lines.append(record.getMessage())
logging.getLogger("kiosk.desk").addHandler(handler)
logging.getLogger("kiosk.desk").setLevel(logging.INFO)
config = make_config(hours=OPEN_ALL_DAY)
with Store(sys.argv[1]) as store:
    desk = Desk(config, store, Untouched(), clock=lambda: at(9, 5))
    voided = desk.recover()
    desk.poll()
    outcome = desk.handle(Press("thue", long=False, at=time.monotonic()))
print(json.dumps({"voided": voided, "kind": outcome.kind, "reason": outcome.reason,
                  "detail": outcome.detail, "lines": lines}))
"""


def _desk_as_nobody(db: Path) -> dict[str, Any]:
    """A kiosk run as the kiosk user (here ``nobody``): recover(), the idle loop once, a press."""
    import subprocess

    from tests.disks import as_nobody, python_for_nobody

    done = subprocess.run(
        [*as_nobody(), *python_for_nobody(), "-c", DESK_AS_NOBODY, str(db)],
        capture_output=True, text=True, cwd="/", check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@needs_root
def test_fail__a_printed_ticket_noted_by_root_is_not_voided_by_the_kiosk_user() -> None:
    import os

    from kiosk import ticketing
    from tests.disks import NOBODY, public_folder

    with public_folder() as top:
        site = top / "site"
        site.mkdir()
        db = site / "kiosk.db"
        config = make_config(hours=OPEN_ALL_DAY)
        with Store(db) as store:  # A001 printed by a run as root, which died before the commit
            printed = ticketing.issue(store, config, "dat-dai", now=at(9, 0))
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for path in (site, *site.iterdir()):
            os.chown(path, NOBODY, NOBODY)
        note = site / "kiosk.db-printed"
        held = f"{printed.ticket.uid}\n".encode().ljust(4096, b"\n")
        note.write_bytes(held)
        note.chmod(0o600)  # root's alone

        ran = _desk_as_nobody(db)
        fix = (
            f"cannot read the note kiosk.db-printed beside {db}: {note}: permission denied "
            f"(left by a run as another user, such as root?): run `chown nobody: {note}`; "
            "until then no tickets, and those left issued are neither voided nor recorded as "
            "printed"
        )
        assert ran["voided"] == []
        assert [line for line in ran["lines"] if "kiosk.db-printed" in line] == [fix]
        assert (ran["kind"], ran["reason"], ran["detail"]) == ("refused", "no_reserve", fix)
        assert (note.read_bytes(), note.stat().st_uid) == (held, 0)  # the evidence kept
        with Store(db, readonly=True) as store:
            rows = store.conn.execute("SELECT number, status FROM tickets").fetchall()
            refused = store.conn.execute(
                "SELECT data FROM events WHERE type = 'ticket.refused'"
            ).fetchall()
        assert rows == [("A001", "issued")]  # neither voided nor recorded
        assert [json.loads(r[0])["reason"] for r in refused] == ["no_reserve"]

        # `chown nobody: kiosk.db-printed`: A001 joins the queue, and presses go on.
        os.chown(note, NOBODY, NOBODY)
        ran = _desk_as_nobody(db)
        assert ran["voided"] == []
        assert "ticket A001, printed earlier, is recorded now and joins the queue" in ran["lines"]
        assert ran["reason"] != "no_reserve"
        with Store(db, readonly=True) as store:
            rows = store.conn.execute("SELECT number, status FROM tickets").fetchall()
        assert rows[0] == ("A001", "waiting")


def test_fail__a_note_that_becomes_readable_settles_the_tickets_left_before_any_press(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    """The note was unreadable at start (a folder in its place here, as root may read any
    file): once it is a note again, the idle loop records what it notes, then presses go on."""
    from kiosk import ticketing

    caplog.set_level(logging.INFO, logger="kiosk.desk")
    printed = ticketing.issue(site.store, site.config, "dat-dai", now=site.clock[0])
    assert site.desk.note is not None
    site.desk.note.path.mkdir()
    assert site.desk.recover() == []
    assert len(log_lines(caplog, "cannot read the note kiosk.db-printed")) == 1
    site.desk.poll()
    refused = site.desk.handle(Press("thue", long=False, at=time.monotonic()))
    assert (refused.kind, refused.reason) == ("refused", "no_reserve")
    assert site.tickets() == [("A001", "issued", 0)]
    assert len(log_lines(caplog, "cannot read the note kiosk.db-printed")) == 1  # once
    assert site.virtual.pages == []

    site.desk.note.path.rmdir()
    site.desk.note.path.write_bytes(f"{printed.ticket.uid}\n".encode().ljust(4096, b"\n"))
    site.desk.poll()
    assert site.tickets() == [("A001", "waiting", 0)]
    later = site.desk.handle(Press("thue", long=False, at=time.monotonic() + 60))
    assert (later.kind, later.number) == ("printed", "G001")
    assert site.events("ticket.voided") == []


class TickFailsAfterPrint:
    """The site's printer; the watchdog's tick that follows a ticket taken whole fails once."""

    def __init__(self, printer: Any) -> None:
        self.printer = printer
        self.took = False
        self.failed = False

    def status(self) -> Any:
        return self.printer.status()

    def print_slip(self, slip: Any) -> int:
        sent = int(self.printer.print_slip(slip))
        self.took = True
        return sent

    def tick(self) -> None:
        if self.took and not self.failed:
            self.failed = True
            raise OSError("watchdog socket gone")

    def close(self) -> None:
        self.printer.close()


def test_fail__a_ticket_the_printer_took_is_not_voided_when_the_code_after_the_send_fails(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.desk")
    printer = TickFailsAfterPrint(site.desk.printer)
    site.desk.printer = printer
    stop = threading.Event()
    loop = threading.Thread(target=site.desk.run, args=(stop, printer.tick), daemon=True)
    loop.start()
    try:
        site.press("dat-dai")
        site.wait_for_pages(1)
        # Waited for by its log line: the site's store is the loop's own connection, which
        # this thread reads only once the loop has stopped.
        assert wait_until(lambda: log_lines(caplog, "printed earlier, is recorded now"))
    finally:
        stop.set()
        loop.join(timeout=10)
    assert site.tickets() == [("A001", "waiting", 0)]
    assert printer.failed
    assert log_lines(caplog, "press dat-dai failed")
    assert site.events("ticket.voided") == []
    assert log_lines(caplog, "ticket A001, printed earlier, is recorded now")


def test_ok__a_noted_ticket_of_a_day_now_over_is_said_to_expire_not_to_join_the_queue(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    from kiosk import ticketing

    caplog.set_level(logging.INFO, logger="kiosk.desk")
    printed = ticketing.issue(site.store, site.config, "dat-dai", now=site.clock[0])
    assert site.desk.note is not None and site.desk.note.ready()
    site.desk.note.write([printed.ticket.uid])
    site.clock[0] += 24 * 3600  # the kiosk starts again the next day
    assert site.desk.recover() == []
    [said] = log_lines(caplog, "ticket A001, printed earlier")
    assert said == (
        f"ticket A001, printed earlier, is of {printed.ticket.day}, a day now over: it "
        "expires with that day, not in today's queue"
    )
    assert "joins the queue" not in caplog.text
    site.desk.handle(Press("thue", long=False, at=time.monotonic()))
    assert site.tickets() == [("A001", "expired", 0), ("G001", "waiting", 0)]


# ---------------------------------------------------------------------------------------
# Lists of papers asked for at the look-up screen
# ---------------------------------------------------------------------------------------


def printing_checklists(site: Site) -> Desk:
    with_catalogue(site.store)
    site.desk.checklists = site.desk.printer.print_checklist  # type: ignore[attr-defined]
    return site.desk


def test_ok__a_checklist_asked_at_the_screen_is_printed_between_tickets(site: Site) -> None:
    desk = printing_checklists(site)
    pages = site.virtual.jobs
    job = procedures.jobs.request(site.store, "1.001193", now=site.clock[0])
    assert procedures.jobs.job(site.store, job).state == "pending"  # type: ignore[union-attr]
    desk.poll()  # the idle loop takes it
    done = procedures.jobs.job(site.store, job)
    assert done is not None and (done.state, done.message) == (
        "done",
        "Đã in danh sách giấy tờ, mời nhận ở máy in",
    )
    deadline = time.monotonic() + 3
    while site.virtual.jobs < pages + 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert site.virtual.jobs == pages + 1
    assert site.virtual.pages[-1].height > 1000  # a list of papers (a ticket is about 700)
    assert site.events("procedure.checklist_requested") == [{"code": "1.001193", "job": job}]
    desk.poll()  # nothing more to print
    assert site.virtual.jobs == pages + 1


def test_fail__a_checklist_the_printer_cannot_print_says_why(site: Site) -> None:
    desk = printing_checklists(site)
    printer = site.virtual
    printer.paper = "out"
    job = procedures.jobs.request(site.store, "1.001193", now=site.clock[0])
    desk.print_checklist()
    failed = procedures.jobs.job(site.store, job)
    assert failed is not None and failed.state == "failed"
    assert failed.message.startswith("Máy in chưa sẵn sàng (")
    printer.paper = "ok"
    unknown = procedures.jobs.request(site.store, "9.999999", now=site.clock[0])
    desk.print_checklist()
    assert procedures.jobs.job(site.store, unknown).message == (  # type: ignore[union-attr]
        "Không tìm thấy thủ tục này trong danh mục"
    )
    old = procedures.jobs.request(site.store, "1.001193", now=site.clock[0] - 600)
    assert desk.print_checklist() is None  # waited too long: failed, not printed
    assert procedures.jobs.job(site.store, old).state == "failed"  # type: ignore[union-attr]
