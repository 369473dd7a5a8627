"""``kiosk bench``: the hot paths measured on this machine, printed as a table with the
machine's description and saved as JSON (``--json`` prints the JSON).

Figures: issue + commit (``synchronous=FULL``), call-next + commit, the wall
time of a whole ``kiosk status`` process, a counter key (GPIO pin or keypad) to
the committed call, button press to the last byte written to a (pty) serial
printer, bytes per ticket in image and code-page mode, a call committed in another
process to the wall display's frame showing it, the display process's CPU and
memory at rest, dossier import speed and cache size, and a scan's last key event
to the look-up screen's frame with a million dossiers cached, MQTT sync, every daemon
of a site together (cold start to READY, memory, idle CPU), and central's pages and
figures at a province's size (500 sites) on SQLite and PostgreSQL. The scratch database
goes under ``--dir`` because the disk's fsync is part of what is measured.

Every bench is a module of this package (``catalogue``, ``central``, ``counter``,
``display``, ``lookup``, ``printer``, ``site``, ``sync``; ``table`` prints them). Part of
the applications: may import everything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk import outbox, ticketing
from kiosk.app.context import Context
from kiosk.app.exits import CANTCREAT, UNAVAILABLE, CommandError
from kiosk.config import Config, HoursConfig
from kiosk.stats import timing as stats
from kiosk.store import Store


def _timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def bench_config(config: Config) -> Config:
    """The site's services and counters, open round the clock, with room for many tickets."""
    services = tuple(
        dataclasses.replace(
            service,
            prefix=service.prefix or chr(ord("P") + i),
            band=None,
            digits=5,
            daily_cap=None,
            open=None,
            close=None,
        )
        for i, service in enumerate(config.services)
    )
    every_day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hours = HoursConfig(
        open=dt.time(0, 0), close=dt.time.max, lunch_start=None, lunch_end=None, days=every_day
    )
    return dataclasses.replace(config, services=services, hours=hours)


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("model name", "Model")):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
    }


def _filesystem(path: Path) -> str:
    best, kind = "", "unknown"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            mount = fields[1]
            if str(path).startswith(mount) and len(mount) > len(best):
                best, kind = mount, f"{fields[2]} on {fields[0]}"
    except OSError:
        pass
    return kind


PACKAGES = ("kiosk", "printer", "scanner", "display", "sync")


def compile_bytecode() -> bool:
    """The product's bytecode, compiled where Python keeps it, as ``pip install`` leaves an
    installed site: the daemons and commands measured then start as they do on a Pi, not
    compiling their sources first (which takes a third of a ``kiosk status`` and leaves the
    compiler's garbage in each daemon's heap). False if some could not be written (a
    folder the bench may not write to: an install whose bytecode pip compiled already)."""
    import compileall
    import importlib.util

    done = True
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            done = bool(compileall.compile_dir(folder, quiet=2)) and done
    return done


def run(
    config: Config,
    config_path: str,
    work: Path,
    n: int,
    *,
    idle_seconds: float = 60.0,
    dossiers: int = 1_000_000,
    events: int = 10_000,
    sites: int = 500,
) -> dict[str, Any]:
    compile_bytecode()
    fast = bench_config(config)
    db = work / "bench.db"
    now = time.time()
    issue_ms: list[float] = []
    call_ms: list[float] = []
    with Store(db, config.store.busy_timeout_ms) as store:
        services = [s.id for s in fast.services]
        for i in range(n):
            service = services[i % len(services)]
            stamp = now + i * 0.001
            issue_ms.append(
                _timed(
                    functools.partial(
                        ticketing.issue,
                        store,
                        fast,
                        service,
                        now=stamp,
                        printed=True,
                        priority=i % 9 == 0,
                    )
                )
            )
        counters = [c.number for c in fast.counters]
        for i in range(n):
            counter = counters[i % len(counters)]
            stamp = now + n * 0.001 + i * 0.001
            call_ms.append(
                _timed(functools.partial(ticketing.call_next, store, fast, counter, now=stamp))
            )
        database = {
            "tickets": n,
            "events": outbox.state(store).held,
            "journal_mode": store.conn.execute("PRAGMA journal_mode").fetchone()[0],
            # 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
            "synchronous": store.conn.execute("PRAGMA synchronous").fetchone()[0],
        }
    status_ms: list[float] = []
    command = [sys.executable, "-m", "kiosk", "--config", config_path, "--db", str(db), "status"]
    for _ in range(20):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        status_ms.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"kiosk status failed: {said[-1] if said else done.returncode}")
    from kiosk.app.bench.catalogue import catalogue_figures
    from kiosk.app.bench.central import central_figures
    from kiosk.app.bench.counter import concurrent_calls, press_to_call
    from kiosk.app.bench.display import commit_to_frame, idle
    from kiosk.app.bench.lookup import lookup_figures
    from kiosk.app.bench.printer import printing
    from kiosk.app.bench.site import whole_site
    from kiosk.app.bench.sync import sync_figures

    return {
        "machine": {**machine(), "disk": _filesystem(work.resolve())},
        "database": database,
        "issue_commit": {**stats(issue_ms), "goal_p99_ms": 5},
        "call_next_commit": stats(call_ms),
        "status_process": {**stats(status_ms), "goal_ms": 250},
        "counter": {
            **press_to_call(fast, work, min(n, 1000)),
            "ten_counters_at_once_press_to_commit": concurrent_calls(fast, work),
        },
        "printing": printing(fast, work, n),
        "display": {
            "commit_to_frame": commit_to_frame(fast, work, min(n, 100)),
            "idle": idle(config_path, fast, work, idle_seconds),
        },
        "lookup": lookup_figures(fast, work, dossiers, min(n, 200)),
        "catalogue": catalogue_figures(fast, work, min(n, 100)),
        "sync": sync_figures(fast, work, events),
        "site": whole_site(config_path, work, idle_seconds),
        "central": central_figures(fast, work, sites),
    }


def _check_save(path: str) -> None:
    """Fail now, not after the run, if the JSON could not be saved at ``path`` (nothing
    is written to find out)."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        problem = "Is a directory"
    elif not folder.is_dir():
        problem = "No such file or directory"
    elif not os.access(target if target.exists() else folder, os.W_OK):
        problem = "Permission denied"
    else:
        return
    raise CommandError(f"--save: {problem}: {path}", CANTCREAT)


def cmd_bench(ctx: Context) -> int:
    config = ctx.config
    if ctx.args.save:
        _check_save(ctx.args.save)
    parent = Path(ctx.args.dir)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".bench-", dir=parent))
    except OSError as exc:
        raise CommandError(f"--dir: {exc.strerror}: {parent}", CANTCREAT) from None
    try:
        result = run(
            config,
            config.sources[0],
            work,
            max(10, ctx.args.n),
            idle_seconds=ctx.args.idle_seconds,
            dossiers=max(1000, ctx.args.dossiers),
            events=max(200, ctx.args.events),
            sites=max(10, ctx.args.sites),
        )
    except RuntimeError as exc:
        if type(exc) is not RuntimeError:  # RecursionError, NotImplementedError: a bug
            raise
        # A part could not be measured (a daemon or server did not start): say which.
        reason = next((line for line in str(exc).splitlines() if line.strip()), "failed")
        raise CommandError(f"bench: {reason}", UNAVAILABLE) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    from kiosk.app.bench.table import as_table

    text = json.dumps(result, ensure_ascii=False, indent=2)
    if ctx.args.save:
        try:
            Path(ctx.args.save).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"--save: {exc.strerror}: {ctx.args.save}", CANTCREAT) from None
    if ctx.json:
        print(text)
    else:
        saved = f"\n\nAs JSON in {ctx.args.save}" if ctx.args.save else ""
        print(as_table(result) + saved)
    return 0
