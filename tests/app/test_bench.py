"""`kiosk bench` runs as a user runs it and reports what it measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.stats import percentile
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([], 0.5, 0.0),
        ([7.0], 0.99, 7.0),
        ([3.0, 1.0, 2.0], 0.5, 2.0),
        ([float(i) for i in range(1, 101)], 0.9, 90.0),
        ([float(i) for i in range(1, 101)], 0.99, 99.0),
        ([float(i) for i in range(1, 101)], 1.0, 100.0),
        ([5.0, 1.0], 0.0, 1.0),
    ],
)
def test_ok__nearest_rank_percentile(values: list[float], share: float, expected: float) -> None:
    assert percentile(values, share) == expected


def test_ok__bench_prints_figures_and_leaves_no_scratch(tmp_path: Path) -> None:
    scratch, saved = tmp_path / "scratch", tmp_path / "figures.json"
    scratch.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"), "bench",
         "--n", "40", "--dir", str(scratch), "--idle-seconds", "3", "--dossiers", "3000",
         "--events", "1000", "--sites", "20", "--save", str(saved)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads(saved.read_text(encoding="utf-8"))
    # The table: the machine first, then every figure with its goal.
    table = result.stdout
    machine = figures["machine"]
    assert table.splitlines()[0] == (
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['system']}, Python "
        f"{machine['python']}, SQLite {machine['sqlite']}, disk {machine['disk']}"
    )
    issue = figures["issue_commit"]
    assert (f"| issue + commit (`synchronous=FULL`) | median {issue['median_ms']:g} ms, "
            f"p99 {issue['p99_ms']:g} ms (n 40) | p99 ≤ 5 ms |") in table  # fmt: skip
    for row in (
        "scan → look-up frame",
        "sync drain / plain paho QoS 1 loop",
        "whole site: total RSS of every daemon",
        "| display |",
        "dossier import",
    ):
        assert row in table, row
    assert f"As JSON in {saved}" in table
    for backend, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        central = figures["central"][backend]
        pages = central["pages"]
        assert pages["sites"] == 20 and pages["overview"]["n"] == 30
        assert f"| central, {name}: overview page, 20 sites | median " in table
        live = pages["event_to_page"]
        assert live["delays"] == live["expected_delays"] == 20 * live["pages"]  # none lost
        ingest = central["ingest"]
        assert ingest["sites"] == 2 and 0 < ingest["ratio"] < 2
        assert f"| central, {name}: ingest with the pages' figures kept / without | " in table
    assert figures["database"]["synchronous"] == 2  # FULL, read from the connection
    assert figures["database"]["journal_mode"] == "wal"
    assert figures["database"]["events"] > 2 * 40
    for name in ("issue_commit", "call_next_commit", "status_process"):
        figure = figures[name]
        assert 0 < figure["median_ms"] <= figure["p99_ms"] <= figure["max_ms"]
    assert figures["issue_commit"]["n"] == 40 and figures["status_process"]["n"] == 20
    assert list(scratch.iterdir()) == []
    site = figures["site"]
    assert set(site["daemons"]) == {"kiosk", "counter", "display", "scanner", "sync"}
    for daemon in site["daemons"].values():
        assert 0 < daemon["ready_s"] <= site["cold_start_s"] < 60
        assert 10 < daemon["pss_mb"] <= daemon["rss_mb"] < 500
        assert daemon["idle_cpu_percent"] >= 0
    assert site["total_rss_mb"] == pytest.approx(
        sum(d["rss_mb"] for d in site["daemons"].values()), abs=0.2
    )
    assert site["total_pss_mb"] == pytest.approx(
        sum(d["pss_mb"] for d in site["daemons"].values()), abs=0.2
    )
    counter = figures["counter"]
    for name in ("gpio_press_to_commit", "keypad_key_to_commit"):
        assert counter[name]["n"] == 40
        assert 0 < counter[name]["median_ms"] <= counter[name]["p99_ms"] <= counter[name]["max_ms"]
    stress = counter["ten_counters_at_once_press_to_commit"]
    assert (stress["processes"], stress["calls"], stress["n"]) == (10, 2000, 2000)
    assert stress["calls_per_second"] > 0
    printing = figures["printing"]
    press = printing["press_to_last_byte"]
    assert press["n"] == 40
    assert 0 < press["median_ms"] <= press["p99_ms"] <= press["max_ms"]
    sizes = printing["ticket_bytes"]
    assert sizes["service"] == "Lao động - Việc làm - Người có công"  # the longest name
    assert 0 < sizes["text_576"]["bytes"] < sizes["image_384"]["bytes"]
    assert sizes["image_576"]["bytes"] > sizes["image_384"]["bytes"]
    image = sizes["image_576"]
    assert image["transmit_ms_at_115200"] == round(image["bytes"] * 10 / 115200 * 1000, 1)
    display = figures["display"]
    frame = display["commit_to_frame"]
    assert frame["n"] == 40 and frame["missed"] == 0
    assert 0 < frame["median_ms"] <= frame["p99_ms"] <= frame["max_ms"]
    assert frame["frames"] >= 40  # one frame at least per call
    rest = display["idle"]
    assert rest["seconds"] == 3
    for name in ("notice_still", "notice_scrolling"):
        assert 0 <= rest[name]["cpu_percent"] < 100
        assert rest[name]["rss_mb"] > 10  # read from /proc: a live pygame process
    lookup = figures["lookup"]
    imported = lookup["import"]
    assert (imported["dossiers"], imported["rejected"]) == (3000, 0)
    assert imported["rows_per_second"] > 0 and imported["database_mb"] > 0
    assert imported["database_mb_per_million"] == pytest.approx(
        imported["database_mb"] * 1_000_000 / 3000, rel=0.05
    )
    scan = lookup["scan_to_frame"]
    assert scan["cached_dossiers"] == 3000
    assert scan["n"] == 40 and scan["missed"] == 0
    assert 0 < scan["median_ms"] <= scan["p99_ms"] <= scan["max_ms"]
    catalogue = figures["catalogue"]
    assert catalogue["procedures"] == catalogue["import"]["written"] == 2000
    assert catalogue["import"]["seconds"] > 0
    for name in ("touch_to_frame", "key_to_results"):  # every tap reached the screen
        assert catalogue[name]["n"] > 0
        assert 0 < catalogue[name]["median_ms"] <= catalogue[name]["p99_ms"]
    assert catalogue["touch_to_frame"]["n"] == 2 * 40
    scanned = catalogue["scan_to_detail"]  # every procedure code scanned opened its page
    assert scanned["n"] == 40 and scanned["missed"] == 0
    assert 0 < scanned["median_ms"] <= scanned["p99_ms"]
    assert catalogue["checklist_bytes"]["papers"] == 10 and catalogue["checklist_bytes"]["bytes"]
    sync = figures["sync"]
    drained, loop = sync["drain_to_central_ack"], sync["plain_paho_qos1_loop"]
    assert drained["events"] == drained["acked"] == 1000  # every event acked end to end
    assert loop["messages"] == 1000 and loop["bytes_each"] == drained["bytes_each"]
    assert drained["ratio_to_plain_loop"] == pytest.approx(
        drained["per_second"] / loop["per_second"], abs=0.01
    )
    for figure in (drained, loop):  # three runs each; the median is the figure
        runs = figure["runs_per_second"]
        assert len(runs) == 3 and sorted(runs)[1] == figure["per_second"]
    for backend in ("sqlite", "postgresql"):
        ingest = sync["central_ingest"][backend]
        assert ingest["devices"] == 200
        assert ingest["stored"] == ingest["events"] == 1000  # 5 events from each device
        assert ingest["per_second"] > 0


def test_ok__bench_table_says_whether_each_goal_is_met() -> None:
    from kiosk.app.bench.table import as_table

    timing = {"n": 9, "median_ms": 3.0, "p99_ms": 7.0, "max_ms": 8.0, "mean_ms": 3.5}
    result = {
        "machine": {"cpu": "Cortex-A76", "cores": 4, "system": "Linux 6.6", "python": "3.11.2",
                    "sqlite": "3.40.1", "disk": "ext4 on /dev/mmcblk0p2"},
        "issue_commit": {**timing, "goal_p99_ms": 5},
        "status_process": {**timing, "goal_ms": 250},
        "site": {"total_rss_mb": 140.0, "total_pss_mb": 100.0, "idle_cpu_percent": 2.5,
                 "cold_start_s": 1.0,
                 "goals": {"total_pss_mb": 110, "idle_cpu_percent": 2.0, "cold_start_s": 3.0}},
        "sync": {"drain_to_central_ack": {"per_second": 9000, "ratio_to_plain_loop": 0.52,
                                          "goal_ratio": 0.5}},
        "display": {"commit_to_frame": {"n": 0, "median_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0,
                                        "mean_ms": 0.0, "goal_p99_ms": 100}},
    }  # fmt: skip
    table = as_table(result)
    assert table.splitlines()[0] == (
        "Machine: Cortex-A76, 4 cores, Linux 6.6, Python 3.11.2, SQLite 3.40.1, "
        "disk ext4 on /dev/mmcblk0p2"
    )
    assert "| median 3 ms, p99 7 ms (n 9) | p99 ≤ 5 ms | **no** |" in table
    assert (
        "| `kiosk status`, whole process | median 3 ms, p99 7 ms (n 9) | ≤ 250 ms | yes |" in table
    )
    assert "| whole site: total PSS of every daemon | 100 MB | ≤ 110 MB | yes |" in table
    assert (
        "| whole site: total RSS of every daemon (shared pages in each) | 140 MB |  |  |" in table
    )
    assert "| whole site: idle CPU of every daemon (one core) | 2.5 % | ≤ 2 % | **no** |" in table
    assert "| sync drain / plain paho QoS 1 loop | 0.52 | ≥ 0.5 | yes |" in table
    assert "call next" not in table  # a figure not measured is left out
    # Nothing measured is not a goal met.
    assert ("| call committed → the wall display's frame | median 0 ms, p99 0 ms (n 0) "
            "| p99 ≤ 100 ms | **no** |") in table  # fmt: skip


def test_fail__bench_with_an_unwritable_save_path_fails_before_measuring(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    missing = tmp_path / "no such folder" / "figures.json"
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"), "bench",
         "--dir", str(scratch), "--save", str(missing)],
        capture_output=True, text=True, cwd=ROOT, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 73
    assert result.stderr.strip().splitlines() == [
        f"kiosk: --save: No such file or directory: {missing}"
    ]
    assert "Traceback" not in result.stderr
    assert not scratch.exists()  # nothing was started


def test_ok__bench_save_path_is_checked_without_writing_anything(tmp_path: Path) -> None:
    from kiosk.app.bench import _check_save
    from kiosk.app.exits import CommandError

    new, kept = tmp_path / "new.json", tmp_path / "kept.json"
    kept.write_text("{}\n", encoding="utf-8")
    _check_save(str(new))
    _check_save(str(kept))
    assert not new.exists()
    assert kept.read_text(encoding="utf-8") == "{}\n"
    with pytest.raises(CommandError, match="Is a directory"):
        _check_save(str(tmp_path))


def test_fail__a_part_that_cannot_run_is_one_line_and_a_bug_is_not_hidden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk.app import bench
    from kiosk.app.cli import main

    def no_broker(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("mosquitto did not start: see broker.log\nmore detail")

    monkeypatch.setattr(bench, "run", no_broker)
    config = str(ROOT / "config.toml")
    argv = ["--config", config, "bench", "--dir", str(tmp_path), "--save", ""]
    assert main(argv) == 69
    assert capsys.readouterr().err == "kiosk: bench: mosquitto did not start: see broker.log\n"
    assert list(tmp_path.iterdir()) == []  # its scratch folder went too

    def bug(*_args: object, **_kwargs: object) -> None:
        raise NotImplementedError("not written")

    monkeypatch.setattr(bench, "run", bug)
    assert main(argv) == 70  # an internal error, not "could not be measured"
    assert "internal error: NotImplementedError" in capsys.readouterr().err


def test_ok__timing_of_no_samples_is_zeros() -> None:
    from kiosk.stats import timing

    assert timing([]) == {"n": 0, "median_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0, "mean_ms": 0.0}
    assert timing([2.0, 4.0])["mean_ms"] == 3.0


def test_ok__bench_compiles_the_products_bytecode_as_an_install_has_it() -> None:
    import importlib.util

    from kiosk.app import bench

    source = Path(bench.__file__).parent / "table.py"
    cached = Path(importlib.util.cache_from_source(str(source)))
    cached.unlink(missing_ok=True)
    assert bench.compile_bytecode()
    assert cached.is_file() and cached.stat().st_size > 0
