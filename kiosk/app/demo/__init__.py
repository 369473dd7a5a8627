"""``kiosk demo``: a headless simulated day at the centre, written to ``./demo-out/``;
``kiosk demo --day busy`` runs every daemon as its own process through a compressed busy
day (:mod:`kiosk.app.demo._busy`), driving them through the hooks their mains offer.

Part of the applications: may import everything."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shlex
import shutil
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.app.context import Context
from kiosk.app.demo._report import as_text, summarise
from kiosk.app.demo._screens import Screens
from kiosk.app.demo._sim import Day
from kiosk.app.demo._slips import Slips
from kiosk.app.demo._sync import send_to_central
from kiosk.app.demo._web import central_pages
from kiosk.app.demo.catalogue import run_catalogue
from kiosk.app.printer_setup import config_errors
from kiosk.config import Config, main_path
from kiosk.desk import TicketPrinter
from kiosk.rules.hours import day_hours
from kiosk.store import Store
from kiosk.ticketing import local_time

__all__ = ["Day", "cmd_demo", "demo_printer", "next_working_day"]


def next_working_day(config: Config, after: dt.date) -> dt.date:
    day = after + dt.timedelta(days=1)
    while day_hours(config.hours, day) is None:
        day += dt.timedelta(days=1)
    return day


def cmd_demo(ctx: Context) -> int:
    if ctx.args.day == "busy":
        from kiosk.app.demo._busy_report import cmd_busy_day

        return cmd_busy_day(ctx)
    config = ctx.config
    citizens = 330 if ctx.args.citizens is None else ctx.args.citizens
    out = Path(ctx.args.out)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.db"
    for stale in (db, out / "demo.db-wal", out / "demo.db-shm"):
        stale.unlink(missing_ok=True)
    day = next_working_day(config, dt.date.today())
    started = time.perf_counter()
    tickets = out / "tickets"
    shutil.rmtree(tickets, ignore_errors=True)
    tickets.mkdir()
    printer = demo_printer(config, tickets)
    with Store(db, config.store.busy_timeout_ms) as store:
        sim = Day(config, store, day, citizens, ctx.args.seed, printer=printer)
        screens = Screens(config, store, out)
        slips = Slips(config, store, out, day)
        sim.observers += [screens, slips]
        slips.schedule(sim)
        opening = dt.datetime.combine(day, dt.time(7, 45), ZoneInfo(config.site.timezone))
        catalogue = run_catalogue(config, store, out, opening)
        sim.run()
        slips.write_texts()
        summary = summarise(store, config, sim.tally)
        _write_tickets(store, config, out / "tickets.csv")
        _write_events(store, out / "events.jsonl")
    # Last: once central acks them, the events leave the device's outbox.
    summary["central"] = send_to_central(config, db, out, day.isoformat())
    summary["central_web"] = (
        central_pages(config, out, day.isoformat())
        if "skipped" not in summary["central"]
        else {"skipped": "central did not run"}
    )
    summary["wall_snapshots"] = screens.snapshots
    summary["announcements"] = screens.wavs
    summary["dossiers_imported"] = slips.imported.written
    summary["lookup_snapshots"] = slips.snapshots
    summary["procedures"] = catalogue
    if screens.voice_note:
        summary["voice_note"] = screens.voice_note
    summary["simulated_in_seconds"] = round(time.perf_counter() - started, 2)
    text = as_text(summary)
    (out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    (out / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    files = (
        "summary.txt, summary.json, tickets.csv, events.jsonl, demo.db, tickets/*.png, "
        "wall/*.png (wall display), voice/*.wav (announcements), voice-pack/, "
        "dossiers.jsonl, lookup/*.png and lookup/scans.txt (look-up screen), "
        "procedures/searches.txt, procedures/*.png and procedures/screen-*.png (the catalogue's "
        "searches, checklists and look-up screen pages)"
    )
    if "skipped" not in summary["central"]:
        files += ", central.db and central.log (kiosk central)"
    web = summary["central_web"]
    if "skipped" not in web:
        files += ", central-web/*.png (central's pages)"
    ctx.emit(summary, f"{text}\n\nwritten to {out}/: {files}\n{_next(ctx, db, web)}")
    return 0


def _next(ctx: Context, db: Path, web: dict[str, Any]) -> str:
    """What to run next, as it can be pasted in the folder the demo ran in."""
    config = main_path(ctx.args.config)
    command = f"kiosk --config {_shown(config)} --db {_shown(db)} status"
    text = f"the day's end as the site sees it:\n  {command}"
    if "skipped" not in web:
        central_db = _shown(db.parent / "central.db")
        text += (
            "\ncentral's pages on the demo's data (http://127.0.0.1:8080/, user "
            f"{web['account']}, password in {_shown(Path(web['password_file']))}):\n"
            f"  kiosk central web --db sqlite://{central_db}"
        )
    return text


def _shown(path: Path) -> str:
    """``path`` for a shell in the current folder: relative when it is inside it."""
    full = path.resolve()
    here = Path.cwd().resolve()
    return shlex.quote(str(full.relative_to(here) if full.is_relative_to(here) else full))


def demo_printer(config: Config, out: Path) -> TicketPrinter:
    """The site's own printer settings (width, mode, QR), printing into PNG files."""
    from printer import PagePrinter

    with config_errors():
        return PagePrinter(config.printer, out)


TIMES = ("issued_at", "called_at", "finished_at")


def _write_tickets(store: Store, config: Config, path: Path) -> None:
    """One row per ticket; times local to the site, ISO 8601 with its UTC offset
    (``2026-12-07T08:03:15+07:00``); service time in whole seconds."""
    columns = [
        "number",
        "origin_service",
        "service",
        "priority",
        "status",
        "counter",
        *TIMES,
        "service_seconds",
        "recalls",
        "reentries",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in store.conn.execute(f"SELECT {', '.join(columns)} FROM tickets ORDER BY id"):
            values = dict(zip(columns, row, strict=True))
            for name in TIMES:
                if values[name] is not None:
                    values[name] = local_time(config, values[name]).isoformat(timespec="seconds")
            if values["service_seconds"] is not None:
                values["service_seconds"] = round(values["service_seconds"])
            writer.writerow(values.values())


def _write_events(store: Store, path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for seq, id_, type_, ts, data in store.conn.execute(
            "SELECT seq, id, type, ts, data FROM events ORDER BY seq"
        ):
            event = {"id": id_, "seq": seq, "type": type_, "ts": ts, "data": json.loads(data)}
            handle.write(json.dumps(event, ensure_ascii=False) + "\n")
