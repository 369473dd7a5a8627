"""`kiosk demo`'s figures: one definition each, said in the summary, the same as the day's
statistics; tickets.csv in the site's local time; the dossiers it imports consistent."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

from kiosk.app.demo._definitions import FIGURES
from kiosk.daily import daily_report
from tests.app.test_demo_dossiers import problems
from tests.conftest import ROOT

LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")  # Asia/Ho_Chi_Minh


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo") / "out"
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"), "demo",
         "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with (out / "tickets.csv").open(encoding="utf-8") as handle:
        tickets = list(csv.DictReader(handle))
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    return {
        "out": out,
        "stdout": done.stdout,
        "summary": json.loads((out / "summary.json").read_text(encoding="utf-8")),
        "tickets": tickets,
        "events": events,
    }


def test_ok__every_service_counts_its_tickets_and_what_became_of_them(demo: dict[str, Any]) -> None:
    summary, tickets, events = demo["summary"], demo["tickets"], demo["events"]
    issued_for = {t["number"]: t["origin_service"] for t in tickets}
    transferred = {e["data"]["number"] for e in events if e["type"] == "ticket.transferred"}
    assert transferred  # the day has transfers: the question is where they count
    for service in summary["services"]:
        mine = [t for t in tickets if t["origin_service"] == service["id"]]
        status = Counter(t["status"] for t in mine)
        # All by the service the ticket was issued for, so they add up.
        assert service["tickets"] == len(mine) == service["served"] + service["no_shows"]
        assert service["served"] == status["done"]
        assert service["no_shows"] == status["missed"]
        assert service["transferred"] == sum(issued_for[n] == service["id"] for n in transferred)
    done = [e for e in events if e["type"] == "ticket.done"]
    assert summary["served"] == len(done) == sum(s["served"] for s in summary["services"])
    assert summary["served"] == sum(c["served"] for c in summary["counters"])
    # A service's tickets served elsewhere count under it: somebody was transferred out.
    assert any(t["origin_service"] != t["service"] and t["status"] == "done" for t in tickets)


def test_ok__no_shows_and_skips_are_two_figures_with_two_names(demo: dict[str, Any]) -> None:
    summary, tickets, events = demo["summary"], demo["tickets"], demo["events"]
    kinds = Counter(e["type"] for e in events)
    missed = sum(t["status"] == "missed" for t in tickets)
    assert summary["no_shows"] == missed == sum(s["no_shows"] for s in summary["services"])
    assert summary["skips"] == kinds["ticket.skipped"] > summary["no_shows"] > 0
    assert summary["reentries"] == kinds["ticket.reentered"]
    assert summary["skips"] - summary["reentries"] == summary["no_shows"]
    assert summary["recalls"] == kinds["ticket.recalled"]
    assert summary["transfers"] == kinds["ticket.transferred"]
    # The same figures as the day's statistics (what central reports).
    statistics = daily_report(events, summary["day"])
    assert statistics["no_shows"] == summary["no_shows"]
    assert statistics["service_seconds"]["served"] == summary["served"]
    assert statistics["tickets_by_service"] == {
        s["id"]: s["tickets"] for s in summary["services"] if s["tickets"]
    }
    # The summary says what each counts, and gives each one value under one name.
    text = " ".join(demo["stdout"].split())  # the note is wrapped
    assert f"{summary['served']} served, {summary['no_shows']} no-shows (still missed" in text
    assert f"{summary['skips']} skips when nobody came ({summary['reentries']} of them" in text
    assert "under the service it was issued for at the kiosk" in text
    assert "no-shows: tickets still missed at the close" in text
    assert "NO-SHOWS" in text and "NO-SHOW " not in text and "TRANSFERRED" in text
    assert set(summary["definitions"]) == {"services", "no_shows", "skips", "served"}
    # One definition each: the text says what summary.json says, and so does the busy
    # day's report for the figures it shares.
    for name, meaning in summary["definitions"].items():
        assert f"{name.replace('_', '-')}: {meaning}" in text, name
    assert {name: summary["definitions"][name] for name in FIGURES} == FIGURES


def test_ok__tickets_csv_gives_local_times_with_the_site_offset(demo: dict[str, Any]) -> None:
    tickets, events = demo["tickets"], demo["events"]
    issued = {e["data"]["number"]: e["ts"] for e in events if e["type"] == "ticket.issued"}
    for ticket in tickets:
        for column in ("issued_at", "called_at", "finished_at"):
            value = ticket[column]
            assert value == "" or LOCAL.match(value), (column, value)
        moment = dt.datetime.fromisoformat(ticket["issued_at"])
        assert moment.date().isoformat() == demo["summary"]["day"]
        assert dt.time(7, 30) <= moment.time() <= dt.time(17)  # the centre's hours
        at = dt.datetime.fromisoformat(issued[ticket["number"]].replace("Z", "+00:00"))
        assert abs((moment - at).total_seconds()) < 1
        if ticket["status"] == "done":
            called = dt.datetime.fromisoformat(ticket["called_at"])
            finished = dt.datetime.fromisoformat(ticket["finished_at"])
            seconds = (finished - called).total_seconds()
            assert abs(int(ticket["service_seconds"]) - seconds) <= 1


def test_ok__the_dossiers_the_demo_imports_keep_the_invariants(demo: dict[str, Any]) -> None:
    lines = (demo["out"] / "dossiers.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    today = dt.date.fromisoformat(demo["summary"]["day"])
    assert len(records) == demo["summary"]["dossiers_imported"] > 300
    wrong = {r["code"]: p for r in records if (p := problems(r, today))}
    assert not wrong, list(wrong.items())[:5]
