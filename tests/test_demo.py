"""`kiosk demo` simulates a day with the real store and writes its summary."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
import wave
from pathlib import Path

from PIL import Image

from tests.conftest import ROOT


def test_ok__demo_day_summary_adds_up(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    # --out relative, as `make demo` gives it: every path the demo hands on must hold.
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"), "demo",
         "--out", "demo-out"],
        capture_output=True, text=True, cwd=tmp_path, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Đất đai" in result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    with (out / "tickets.csv").open(encoding="utf-8") as handle:
        tickets = list(csv.DictReader(handle))
    assert summary["tickets"] == len(tickets) > 200
    assert sum(s["tickets"] for s in summary["services"]) == len(tickets)
    # everyone holding a ticket was served or is on the missed list by the end of the day
    assert {t["status"] for t in tickets} <= {"done", "missed"}
    assert summary["longest_wait"]["minutes"] >= summary["average_wait_minutes"] > 0
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert summary["events"] == len(events)
    # lunch break: every counter paused and resumed
    assert sum(e["type"] == "counter.paused" for e in events) == 8
    assert sum(e["type"] == "counter.resumed" for e in events) == 8
    # every ticket was printed: one PNG each, the ticket's number and token on it
    pngs = sorted(path.stem for path in (out / "tickets").glob("*.png"))
    assert pngs == sorted(t["number"] for t in tickets)
    assert sum(e["type"] == "ticket.printed" for e in events) == len(tickets)
    first = Image.open(out / "tickets" / f"{tickets[0]['number']}.png")
    assert first.mode == "1"
    assert first.width == 576
    assert 500 < first.height < 1000
    # ratings: one per rated ticket, all from the counter that finished it, in its window
    rated = [e["data"] for e in events if e["type"] == "ticket.rated"]
    ratings = summary["ratings"]
    assert len(rated) == ratings["given"] == sum(ratings["by_label"].values()) > 50
    assert len({r["ticket"] for r in rated}) == len(rated)
    done_at = {e["data"]["ticket"]: e["data"]["counter"] for e in events
               if e["type"] == "ticket.done"}  # fmt: skip
    assert all(done_at[r["ticket"]] == r["counter"] for r in rated)
    refused = [e["data"]["reason"] for e in events if e["type"] == "rating.refused"]
    assert refused and set(refused) == {"rating_closed"}
    assert sum(ratings["refused"].values()) == len(refused)
    assert {c["number"]: c["staff_id"] for c in summary["counters"]}[1] == "cb-0101"
    assert 1 <= ratings["mean_score"] <= 4
    # the wall display at two moments, at the three screen shapes, and the first calls spoken
    shots = summary["wall_snapshots"]
    assert len(shots) == 6
    for shot in shots:
        picture = Image.open(out / shot)
        width, height = (int(v) for v in shot.split("-")[1].removesuffix(".png").split("x"))
        assert picture.size == (width, height)
    said = summary["announcements"]
    calls = [e["data"] for e in events if e["type"] == "ticket.called"]
    spoken_calls = [name for name in said if not name.endswith("-recall.wav")]
    assert [name.split("-")[1] for name in spoken_calls] == [c["number"] for c in calls[:6]]
    assert [f"quay-{c['counter']}" for c in calls[:6]] == [
        "-".join(name.split("-")[2:4]).removesuffix(".wav") for name in spoken_calls
    ]
    recalls = [name for name in said if name.endswith("-recall.wav")]
    first_recall = next(e["data"] for e in events if e["type"] == "ticket.recalled")
    assert len(recalls) == 1 and f"-{first_recall['number']}-" in recalls[0]
    for name in said:
        with wave.open(str(out / name)) as sound:
            seconds = sound.getnframes() / sound.getframerate()
        assert 3 < seconds < 15, (name, seconds)  # chime and a whole sentence
    # the look-up scanner: the cache imported at 07:00, each slip scanned, screens written
    assert summary["dossiers_imported"] == len((out / "dossiers.jsonl").read_text().splitlines())
    scans = [e["data"] for e in events if e["type"] == "scan"]
    assert summary["scans"] == len(scans) >= 9
    kinds = [s["kind"] for s in scans]
    assert {"dossier", "not_found", "invalid", "ticket"} <= set(kinds)
    text = (out / "lookup" / "scans.txt").read_text(encoding="utf-8")
    for shown in (
        "ĐÃ XỬ LÝ XONG",
        "mời ông/bà đến quầy số 3 để nhận kết quả",
        "QUÁ HẠN",
        "KHÔNG TÌM THẤY HỒ SƠ",
        "mã thủ tục",
        "ĐÃ VÀO LẠI HÀNG CHỜ",
        "V***",
    ):
        assert shown in text, shown  # fmt: skip
    # ticket QR scans re-entered missed numbers: each is back in the queue and was served
    reentered = [e["data"]["number"] for e in events if e["type"] == "ticket.reentered"]
    assert summary["reentries"] == len(reentered) >= 1
    assert sum(s["result"] == "waiting" for s in scans if s["kind"] == "ticket") >= len(reentered)
    pictures = summary["lookup_snapshots"]
    assert len(pictures) >= 9
    for shot in pictures:
        assert Image.open(out / shot).size == (1920, 1080)
    # the day's events reached kiosk central over a real Mosquitto, each once, and the
    # report central computes from them is the device's own
    central = summary["central"]
    assert central["events_sent"] == central["events_stored_by_central"] == len(events)
    assert central["events_acked_by_central"] == len(events)
    assert central["left_in_outbox"] == 0
    assert central["central_report_matches_device"] is True, central["differences"]
    assert central["central_tickets"] == len(tickets)
    with sqlite3.connect(out / "central.db") as db:
        stored = db.execute("SELECT seq, id FROM events ORDER BY seq").fetchall()
    assert stored == [(e["seq"], e["id"]) for e in events]
    with sqlite3.connect(out / "demo.db") as db:
        assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0  # acked: let go
    assert "stored by kiosk central over MQTT" in result.stdout
    assert "matches the device's" in result.stdout
    # the report command the summary gives works as printed, from where the demo ran
    command = central["report_command"].split()
    assert command[:3] == ["kiosk", "central", "report"]
    report = subprocess.run(
        [sys.executable, "-m", "kiosk", *command[1:], "--json"],
        capture_output=True, text=True, cwd=tmp_path, check=False, timeout=60,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["tickets"] == len(tickets)
