"""The busy day, shortened: ``kiosk demo --day busy`` as a user runs it (every daemon its own
process, simulated hardware, a real Mosquitto stopped and started again, ``kiosk central``
killed, each daemon killed once), then its invariant report, and proof that the report's
checks catch what they are there to catch."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.app.demo._busy_check import check
from tests.conftest import EXAMPLE, ROOT

pytestmark = pytest.mark.slow  # a system test: real processes, minutes of work

CITIZENS, SPEED, SLIPS = 150, 400, 40


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    out = tmp_path_factory.mktemp("busy") / "day"
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(EXAMPLE), "demo", "--day", "busy",
         "--citizens", str(CITIZENS), "--speed", str(SPEED), "--slips", str(SLIPS),
         "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=280,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = out / "busy-day"
    assert "ALL INVARIANTS HOLD" in done.stdout and "Traceback" not in done.stderr
    yield out, json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_ok__a_shortened_busy_day_keeps_every_invariant(day: tuple[Path, dict[str, Any]]) -> None:
    out, report = day
    assert report["ok"] is True
    invariants = report["invariants"]
    assert all(v["ok"] for v in invariants.values()), invariants
    load = report["load"]
    assert load["citizens"] == CITIZENS
    assert load["with_a_ticket"] + load["left_without_a_ticket"] == CITIZENS
    assert load["tickets_printed"] >= load["with_a_ticket"] > CITIZENS * 0.9
    assert load["tried_again_at_the_kiosk"] > 0  # paper out and unplugged: they came back
    assert invariants["printed_tickets_called_or_missed"]["printed"] == load["tickets_printed"]
    assert invariants["scans_recorded"]["slips_recorded"] == SLIPS
    # Every daemon was killed once and came back; none failed on its own; all stop cleanly.
    for name, daemon in invariants["daemons_survived"]["daemons"].items():
        assert (daemon["killed"], daemon["starts"], daemon["crashed"], daemon["exit"]) == (
            1, 2, [], 0), name  # fmt: skip
    assert report["faults"].count("paper_out") == 2
    assert {"printer_unplugged", "broker_down", "kill:central"} <= set(report["faults"])
    assert invariants["every_event_at_central_once"]["central_events"] > 500
    assert invariants["voice_consistent_with_calls"]["said"] > 0
    assert any((out / "wall").glob("*.png"))
    for log in (out / "logs").glob("*.log"):
        assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace"), log.name


def test_ok__each_figure_of_the_report_has_one_definition_and_one_value(
    day: tuple[Path, dict[str, Any]],
) -> None:
    out, report = day
    figures = report["figures"]
    statistics = report["invariants"]["daily_statistics_equal"]
    with sqlite3.connect(out / "kiosk.db") as device:
        status = dict(device.execute("SELECT status, COUNT(*) FROM tickets GROUP BY status"))
    with sqlite3.connect(out / "central.db") as central:
        events = [(kind, json.loads(data)) for kind, data in central.execute(
            "SELECT type, data FROM events")]  # fmt: skip
    kinds = [kind for kind, _ in events]
    # Served: the tickets finished at a counter, in the figures as in the statistics; the
    # done key and the next key (which closes a ticket still being served) together.
    assert figures["served"] == statistics["served"] == status["done"] == kinds.count("ticket.done")
    closed_by_next = sum(1 for kind, data in events if kind == "ticket.done" and data["auto"])
    assert figures["served_when_the_counter_called_the_next_citizen"] == closed_by_next
    assert figures["served_with_the_done_key"] + closed_by_next == figures["served"]
    # No-shows: tickets still missed at the close; skips: every skip, those who came back too.
    assert figures["no_shows"] == statistics["no_shows"] == status.get("missed", 0)
    assert figures["skips"] == kinds.count("ticket.skipped") > 0
    assert figures["reentries"] == kinds.count("ticket.reentered")
    assert figures["skips"] - figures["reentries"] == figures["no_shows"]
    assert figures["calls"] == statistics["called"]
    assert figures["transfers"] == kinds.count("ticket.transferred")
    # The text gives each figure one value, under one name, and says what it counts.
    text = (out / "report.txt").read_text(encoding="utf-8")
    assert not re.search(r"no[ _]shows?", text)
    assert set(re.findall(r"no-shows (\d+)", text)) == {str(figures["no_shows"])}
    assert set(re.findall(r"served (\d+)", text)) == {str(figures["served"])}
    assert "no-shows: tickets still missed at the close" in text
    assert "skips: every skip when nobody came" in text
    assert "served: tickets finished at a counter" in text


def _check(out: Path, tokens: list[str], central: Path | None = None) -> dict[str, Any]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    from kiosk.config import load_config

    config = load_config(str(out / "site" / "config.toml"))
    return check(out / "kiosk.db", central or out / "central.db", out, tokens,
                 site=config.site.id, day=report["day"], timezone=config.site.timezone,
                 stale_seconds=config.voice.stale_seconds)  # fmt: skip


def test_fail__the_report_catches_a_lost_event_a_phantom_and_a_reused_number(
    day: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, _ = day
    tokens = (out / "printed.txt").read_text().split()
    assert all(v["ok"] for v in _check(out, tokens).values() if "ok" in v)
    # A ticket in the queue that nobody was printed: a phantom.
    phantom = _check(out, tokens[1:])
    assert not phantom["no_phantom_tickets"]["ok"] and phantom["no_number_reused"]["ok"]
    # The same number printed twice.
    assert not _check(out, [*tokens, tokens[0]])["no_number_reused"]["ok"]
    # A ticket printed that the queue does not know.
    ghost = tokens[0].split(":")
    ghost[2] = "Z999"
    assert not _check(out, [*tokens, ":".join(ghost)])["printed_tickets_called_or_missed"]["ok"]
    # An event central never got, and its statistics then differ.
    central = tmp_path / "central.db"
    shutil.copy(out / "central.db", central)
    with sqlite3.connect(central) as conn:
        conn.execute("DELETE FROM events WHERE seq = (SELECT MIN(seq) FROM events "
                     "WHERE type = 'ticket.done')")  # fmt: skip
    lost = _check(out, tokens, central)
    assert not lost["every_event_at_central_once"]["ok"]
    assert lost["every_event_at_central_once"]["missing"]
    assert not lost["daily_statistics_equal"]["ok"]


def test_fail__a_busy_day_never_replaces_a_folder_of_other_files(tmp_path: Path) -> None:
    mine = tmp_path / "busy-day" / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("keep me")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(EXAMPLE), "demo", "--day", "busy",
         "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"kiosk: {mine.parent} holds files that are not a busy day's: move them first"
    ]
    assert mine.read_text() == "keep me"
