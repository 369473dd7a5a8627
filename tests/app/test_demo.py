"""`kiosk demo` simulates a day with the real store and writes its summary."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import wave
from pathlib import Path
from typing import Any

from PIL import Image

from sync.servers import wait_port
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
    # central's pages, pictured by chromium: the overview, the site's day, the report
    web = summary["central_web"]
    assert web["screenshots"] == [
        "central-web/overview.png",
        "central-web/site-day.png",
        "central-web/report.png",
    ], web
    for shot in web["screenshots"]:
        width, height = Image.open(out / shot).size
        assert width == 1280 and height >= 800
    assert (out / "central-admin.password").stat().st_mode & 0o077 == 0
    assert "kiosk central web --db sqlite://" in result.stdout


def readme_path_instruction() -> str:
    """The README's set-up instruction that puts ``kiosk`` on the PATH, as written there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Set-up", 1)[1].split("\n## ", 1)[0]
    found = [b for b in re.findall(r"```sh\n(.*?)```", section, re.S) if "make" not in b]
    assert len(found) == 1, found
    return found[0]


def test_ok__the_commands_the_demo_prints_run_as_printed(tmp_path: Path) -> None:
    """In the project folder, after `make` and the README's instruction, `make demo`'s
    command and then every `kiosk` command the demo prints run exactly as printed."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "config.toml", project / "config.toml")
    (project / ".venv").symlink_to(sys.prefix)  # the venv `make` made
    venv_bin = str(Path(sys.prefix) / "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(
        p for p in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep) if p != venv_bin
    )
    instruction = readme_path_instruction()

    def shell(command: str, set_up: str = instruction) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", f"set -e\n{set_up}\n{command}"],
            capture_output=True, text=True, cwd=project, env=env, check=False, timeout=300,
        )  # fmt: skip

    assert shell("kiosk --version", set_up="").returncode == 127  # not on PATH without it
    recipe = re.search(r"^demo:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert recipe is not None
    make_demo = recipe[1].replace("$(BIN)/", "")
    assert make_demo == "kiosk --config config.toml demo"
    demo = shell(f"{make_demo} --citizens 60")
    assert demo.returncode == 0, demo.stderr
    printed = [line.strip() for line in demo.stdout.splitlines() if line.startswith("  kiosk ")]
    assert [c.split(" --")[0] for c in printed] == [
        "kiosk central report",
        "kiosk",
        "kiosk central web",
    ], printed
    assert printed[1] == "kiosk --config config.toml --db demo-out/demo.db status"
    web_command = printed.pop()
    assert web_command == "kiosk central web --db sqlite://demo-out/central.db"
    serves_central_pages(shell, web_command, project)
    for command in printed:
        done = shell(command)
        assert (done.returncode, done.stderr) == (0, ""), (command, done.stderr)
        assert "hcc-hung-yen" in done.stdout or "Hưng Yên" in done.stdout, done.stdout
    # The status is the demo's day (its missed numbers), not an empty database elsewhere.
    with sqlite3.connect(project / "demo-out" / "demo.db") as db:
        missed = [n for (n,) in db.execute("SELECT number FROM tickets WHERE status = 'missed'")]
    status = shell(printed[1]).stdout
    assert missed and all(f"{number} (" in status for number in missed), status


def serves_central_pages(shell: Any, command: str, project: Path) -> None:
    """The printed ``kiosk central web`` serves the demo's data on the port it names, and
    the account the demo printed signs in."""
    import httpx

    server = subprocess.Popen(
        ["bash", "-c", f"{readme_path_instruction()}\nexec {command}"],
        cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")},
    )  # fmt: skip
    try:
        wait_port(8080, timeout=30)
        web = httpx.Client(base_url="http://127.0.0.1:8080", timeout=30)
        form = web.get("/login")
        assert form.status_code == 200 and "Đăng nhập" in form.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        password = (project / "demo-out" / "central-admin.password").read_text().strip()
        done = web.post("/login", data={"csrf": csrf[1], "name": "admin", "password": password})
        assert done.status_code == 303, done.text[:300]
        overview = web.get("/")
        assert "Trung tâm Phục vụ hành chính công tỉnh Hưng Yên" in overview.text
    finally:
        server.terminate()
        server.wait(timeout=15)
