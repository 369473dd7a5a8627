"""``kiosk demo --day busy``: a full day at a busy centre, every daemon its own process.

1,500 citizens (by default) arrive with the morning peak of the seeds' centres, at a kiosk
with 8 service buttons, and are served at 20 counters, with priority citizens, no-shows
(some come back and scan their ticket), transfers and ratings; 300 appointment slips and
some garbage are scanned. The day is compressed (``--speed``, 60 times by default: ten
hours in ten minutes). Along the way the printer runs out of paper twice and is unplugged
once, the scanner is unplugged, Mosquitto is stopped and started again, ``kiosk central``
is killed, and each daemon is killed once (``SIGKILL``) and started again as systemd would.
At the end the invariant report (:mod:`kiosk.app.demo._busy_check`) says whether anything was
lost, duplicated or made up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import zoneinfo
from collections import Counter
from pathlib import Path
from typing import Any

from kiosk.app.demo._arrivals import arrivals
from kiosk.app.demo._busy_check import check
from kiosk.app.demo._busy_figures import day_figures
from kiosk.app.demo._busy_load import GIVE_UP, Citizen, Clock, Hardware, Kiosk, Scheduler, Staff
from kiosk.app.demo._busy_site import COUNTER_SERVICES, SerialScanner, Site, write_config
from kiosk.app.demo._slips import service_counters
from kiosk.app.demo.dossiers import sample_dossiers
from kiosk.config import load_config
from kiosk.store import StoreError, connect_readonly, kv

OPENING, CLOSING = 7 * 3600, 17 * 3600  # the arrivals' hours, local time
GARBAGE = (
    b"\x00\x01\x02\xff\xfe\x80",
    b"A" * 3000,
    b"'; DROP TABLE dossiers; --",
    b"\x1b[2J\x1b[H",
    b"1.001234.000.00.00.H12",
    b"HCC1:261122:A001:AAAAAAAAAAAAAAAA",
    b"\xc3\x28\xa0\xa1",
    b"000000000000",
    b"https://dichvucong.gov.vn/?x=<script>",
    b"  ",
)
# The day's faults, at a share of the day: (share, what, simulated minutes it lasts).
FAULTS = (
    (0.15, "paper_low", 0),
    (0.20, "paper_out", 12),
    (0.30, "scanner_unplugged", 5),
    (0.35, "broker_down", 20),
    (0.45, "printer_unplugged", 6),
    (0.50, "kill:kiosk", 0),
    (0.52, "pause:20", 30),
    (0.55, "kill:counter", 0),
    (0.60, "kill:display", 0),
    (0.62, "paper_out", 8),
    (0.65, "kill:central", 0),
    (0.70, "kill:sync", 0),
    (0.75, "kill:scanner", 0),
)
DRAIN_SECONDS = 180.0


class BusyDay:
    def __init__(
        self, config_path: str, out: Path, *, citizens: int, speed: float, seed: int, slips: int
    ) -> None:
        self.out, self.citizens, self.speed, self.slips = out, citizens, speed, slips
        self.rng = random.Random(seed)
        self.base = config_path
        self.base_config = load_config(config_path)
        self.tally: dict[str, Any] = {"faults": [], "scans": Counter(), "gave_up": 0}
        self.stop = threading.Event()

    # -- set-up ---------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        from display.voice import build_pack
        from printer.virtual import PtyPrinter, VirtualPrinter
        from sync.servers import Broker

        out = self.out
        started = time.monotonic()
        build_pack(out / "voice-pack", self.base_config.voice)
        self.broker = Broker(out / "broker").start()
        self.central_db = out / "central.db"
        self._start_central()
        self.printer = PtyPrinter(VirtualPrinter(), out / "printer-tty")
        self.scanner = SerialScanner(out / "scanner-tty")
        config = write_config(
            self.base,
            out,
            printer=out / "printer-tty",
            scanner=out / "scanner-tty",
            broker_port=self.broker.port,
            voice_pack=str(out / "voice-pack"),
        )
        self.config = load_config(str(config))
        self.db = out / "kiosk.db"
        codes = self._dossiers(config)
        self.site = Site(config, self.db, out)
        try:
            if not self.central.wait_ready():
                raise RuntimeError(f"kiosk central did not start: see {self.central.log}")
            cold = self.site.start()
            self.hw = Hardware(self.site.control)
            if not self.hw.plug_keypads(len(COUNTER_SERVICES)):
                raise RuntimeError("the counter daemon's keypads could not be plugged in")
            self._day(codes)
            drained = self._drain()
        finally:
            exits = self.site.stop()
            central_exit = self.central.stop()
            self.broker.stop()
            self.printer.unplug()
            self.scanner.unplug()
        day = self.day.isoformat()
        (out / "printed.txt").write_text("".join(t + "\n" for t in self.kiosk.tokens))
        report = check(
            self.db,
            self.central_db,
            out,
            self.kiosk.tokens,
            site=self.config.site.id,
            day=day,
            timezone=self.config.site.timezone,
            stale_seconds=self.config.voice.stale_seconds,
        )
        daemons = {
            d.name: {
                "starts": d.starts,
                "killed": d.killed,
                "crashed": d.crashed,
                "exit": exits[d.name],
            }
            for d in self.site.daemons.values()
        }
        clean = all(not d["crashed"] and d["exit"] == 0 for d in daemons.values())
        report["daemons_survived"] = {
            "ok": clean and central_exit in (0, -15),
            "daemons": daemons,
            "central_exit": central_exit,
        }
        report["outbox_drained"] = drained
        sent, seen = self.tally["scans"], report.pop("scans_at_central")
        slips = seen.get("dossier", 0) + seen.get("not_found", 0)
        report["scans_recorded"] = {
            "ok": slips == sent["slip"]
            and seen.get("ticket", 0) + seen.get("invalid", 0) <= sent["ticket"] + sent["garbage"],
            "slips_sent": sent["slip"],
            "slips_recorded": slips,
            "ticket_codes_sent": sent["ticket"],
            "garbage_sent": sent["garbage"],
            "recorded": dict(seen),
        }
        return {
            "day": day,
            "citizens": self.citizens,
            "speed": self.speed,
            "cold_start_s": round(cold, 2),
            "ok": all(v.get("ok", True) for v in report.values() if isinstance(v, dict)),
            "invariants": report,
            "load": self._load(),
            "faults": self.tally["faults"],
            "figures": day_figures(self.db, self.central_db, site=self.config.site.id, day=day),
            "run_seconds": round(time.monotonic() - started, 1),
        }

    def _dossiers(self, config: Path) -> list[str]:
        """The cache the slips are looked up in, imported as a technician would."""
        counters = service_counters(self.config)
        records = list(sample_dossiers(dt.date.today(), max(self.slips, 50), 7, counters))
        path = self.out / "dossiers.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        kiosk = [sys.executable, "-m", "kiosk", "--config", str(config), "--db", str(self.db)]
        done = subprocess.run(
            [*kiosk, "dossiers", "import", str(path)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"kiosk dossiers import: {done.stderr.strip()}")
        return [str(r["code"]) for r in records]

    # -- the day ----------------------------------------------------------------------

    def _day(self, codes: list[str]) -> None:
        tz = zoneinfo.ZoneInfo(self.config.site.timezone)
        self.day = dt.datetime.now(tz).date()
        midnight = dt.datetime.combine(self.day, dt.time(0), tzinfo=tz).timestamp()
        self.clock = clock = Clock(self.speed, midnight + OPENING)
        self.kiosk = Kiosk(self.hw, self.printer)
        self.kiosk.citizens = [
            Citizen(a) for a in arrivals(self.config, self.day, self.citizens, self.rng)
        ]
        self.by_number: dict[str, str] = {}  # ticket number -> the token its holder has
        self.scans, self.queue_at, self.faults = Scheduler(), Scheduler(), Scheduler()
        self.scan_lock = threading.Lock()
        self.staff = Staff(
            self.hw,
            str(self.db),
            clock,
            self.rng,
            counters=[list(s) for s in COUNTER_SERVICES],
            come_back=self._come_back,
        )
        for person in self.kiosk.citizens:
            self.queue_at.at(
                clock.real(person.arrival.at), functools.partial(self._at_kiosk, person)
            )
        self._plan_scans(codes, midnight)
        for share, what, minutes in FAULTS:
            moment = midnight + OPENING + share * (CLOSING - OPENING)
            self.faults.at(clock.real(moment), functools.partial(self._fault, what, minutes))
        timed = (self.queue_at, self.scans, self.faults)
        threads = [threading.Thread(target=s.run, args=(self.stop,), daemon=True) for s in timed]
        threads.append(threading.Thread(target=self._staff_loop, daemon=True))
        for thread in threads:
            thread.start()
        end = clock.real(midnight + CLOSING)
        while True:
            time.sleep(0.2)
            if time.monotonic() < end or any(timed):
                continue
            if self.staff.idle and not self._open_tickets():
                break
        self.stop.set()
        for thread in threads:
            thread.join(10)

    def _open_tickets(self) -> int:
        with contextlib.closing(connect_readonly(self.db)) as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM tickets WHERE status IN ('issued', 'waiting', 'called')"
            ).fetchone()
            return int(row[0])

    def _staff_loop(self) -> None:
        while not self.stop.is_set():
            with contextlib.suppress(sqlite3.Error, StoreError):  # a busy moment: look again
                self.staff.step()
            time.sleep(0.02)

    def _at_kiosk(self, person: Citizen) -> None:
        if self.kiosk.serve(person):
            ticket = person.ticket.split(":")
            if len(ticket) == 4:
                self.by_number[ticket[2]] = person.ticket
            return
        if person.tries >= GIVE_UP:
            self.tally["gave_up"] += 1
            return
        later = time.monotonic() + self.clock.seconds(self.rng.uniform(60, 180))
        self.queue_at.at(later, lambda: self._at_kiosk(person))

    def _come_back(self, number: str, after: float) -> None:
        """A citizen whose number was skipped scans their ticket to re-enter the queue."""
        token = self.by_number.get(number)
        if token:
            when = time.monotonic() + self.clock.seconds(after)
            self.scans.at(when, functools.partial(self._scan, token.encode(), "ticket", retry=True))

    def _plan_scans(self, codes: list[str], midnight: float) -> None:
        found = self.slips - self.slips // 20
        chosen = [
            *self.rng.sample(codes, min(found, len(codes))),
            *[f"G22.99-{self.day:%y%m%d}-{9000 + n}" for n in range(self.slips - found)],
        ]
        for n, code in enumerate(chosen):
            moment = (
                midnight + OPENING + (n + self.rng.random()) * (CLOSING - OPENING) / len(chosen)
            )
            slip = functools.partial(self._scan, code.encode(), "slip", retry=True)
            self.scans.at(self.clock.real(moment), slip)
        for n in range(max(10, self.slips // 8)):
            junk = GARBAGE[n % len(GARBAGE)]
            moment = midnight + OPENING + self.rng.random() * (CLOSING - OPENING)
            garbage = functools.partial(self._scan, junk, "garbage", retry=False)
            self.scans.at(self.clock.real(moment), garbage)

    def _scan(self, code: bytes, kind: str, *, retry: bool) -> None:
        with self.scan_lock:
            written = self.scanner.scan(code)
        if written:
            self.tally["scans"][kind] += 1
            time.sleep(0.05)  # the next citizen steps up
        elif retry:  # the scanner is unplugged: they try again in a minute
            self.scans.at(
                time.monotonic() + self.clock.seconds(60),
                lambda: self._scan(code, kind, retry=retry),
            )

    # -- faults -------------------------------------------------------------------

    def _fault(self, what: str, minutes: float) -> None:
        self.tally["faults"].append(what)
        later = time.monotonic() + self.clock.seconds(minutes * 60)
        virtual = self.printer.printer
        if what == "paper_low":
            virtual.paper = "low"
        elif what == "paper_out":
            with self.kiosk.lock:
                virtual.paper = "out"
            self.faults.at(later, lambda: setattr(virtual, "paper", "ok"))
        elif what == "printer_unplugged":
            with self.kiosk.lock:
                self.printer.unplug()
            self.faults.at(later, self.printer.plug)
        elif what == "scanner_unplugged":
            with self.scan_lock:
                self.scanner.unplug()
            self.faults.at(later, self._replug_scanner)
        elif what == "broker_down":
            self.broker.stop()
            self.faults.at(later, self._broker_up)
        elif what.startswith("pause:"):
            self.staff.pause(int(what.split(":")[1]), minutes)
        elif what == "kill:central":
            self.central.kill()
            self.faults.at(time.monotonic() + 2, self._start_central)
        elif what.startswith("kill:"):
            self._kill(what.split(":")[1])

    def _broker_up(self) -> None:
        self.broker.start()

    def _replug_scanner(self) -> None:
        with self.scan_lock:
            self.scanner.plug()

    def _start_central(self) -> None:
        from sync.servers import CentralProcess

        self.central = CentralProcess(
            self.broker.port, f"sqlite://{self.central_db}", self.out, "busy-day-central"
        )

    def _kill(self, name: str) -> None:
        """Between two citizens (kiosk) or two scans (scanner): no one is mid-way."""
        lock = {"kiosk": self.kiosk.lock, "scanner": self.scan_lock}.get(name)
        with lock or contextlib.nullcontext():
            before = time.monotonic()
            self.site.kill(name)
            if name in ("kiosk", "scanner"):
                self.site.wait_ready(name, before)
        if name == "counter":
            threading.Thread(target=self._replug_keypads, args=(before,), daemon=True).start()

    def _replug_keypads(self, before: float) -> None:
        if self.site.wait_ready("counter", before):
            self.hw.plug_keypads(len(COUNTER_SERVICES))

    # -- the end ----------------------------------------------------------------------

    def _drain(self) -> dict[str, Any]:
        """Until central has acked every event the device wrote."""
        deadline = time.monotonic() + DRAIN_SECONDS
        began = time.monotonic()
        while True:
            with contextlib.closing(connect_readonly(self.db)) as c:
                written, acked = kv.EVENT_SEQ.read(c), kv.OUTBOX_ACKED.need(c)
            if acked >= written or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # the display's last frame, the voice's last words
        return {
            "ok": acked >= written,
            "events": written,
            "acked": acked,
            "seconds_after_the_last_citizen": round(time.monotonic() - began, 1),
        }

    def _load(self) -> dict[str, Any]:
        people = self.kiosk.citizens
        return {
            "citizens": len(people),
            "with_a_ticket": sum(1 for p in people if p.ticket),
            "priority": sum(1 for p in people if p.arrival.priority),
            "tried_again_at_the_kiosk": sum(1 for p in people if p.tries > 1),
            "left_without_a_ticket": self.tally["gave_up"],
            "tickets_printed": len(self.kiosk.tokens),
            "key_presses": self.staff.presses,
            "scans_sent": dict(self.tally["scans"]),
            "presses_that_found_a_daemon_down": self.hw.failed,
        }


def run_busy_day(
    config_path: str, out: Path, *, citizens: int, speed: float, seed: int, slips: int
) -> dict[str, Any]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return BusyDay(
        config_path, out.resolve(), citizens=citizens, speed=speed, seed=seed, slips=slips
    ).run()
