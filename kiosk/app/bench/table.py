"""``kiosk bench``'s figures as a table (Markdown, so it pastes into the README as it is),
headed by the machine they were measured on. Each row: the figure, its result, its goal and
whether the goal is met."""

from __future__ import annotations

from typing import Any

# (label, path to a timing dict: median and p99 in ms, goal key or "")
# fmt: off
TIMINGS = (
    ("issue + commit (`synchronous=FULL`)", "issue_commit", "goal_p99_ms"),
    ("call next + commit", "call_next_commit", ""),
    ("`kiosk status`, whole process", "status_process", "goal_ms"),
    ("counter key on GPIO (MockFactory) → call committed", "counter.gpio_press_to_commit",
     "goal_p99_ms"),
    ("counter keypad key (evdev) → call committed", "counter.keypad_key_to_commit",
     "goal_p99_ms"),
    ("10 counter processes calling at once → committed",
     "counter.ten_counters_at_once_press_to_commit", ""),
    ("kiosk button → ticket's last byte to a serial printer (pty)", "printing.press_to_last_byte",
     "goal_p99_ms"),
    ("call committed → the wall display's frame", "display.commit_to_frame", "goal_p99_ms"),
    ("scan → look-up frame", "lookup.scan_to_frame", "goal_p99_ms"),
    ("touch panel tap → catalogue frame (2,000 procedures)", "catalogue.touch_to_frame",
     "goal_p99_ms"),
    ("on-screen key → search results frame", "catalogue.key_to_results", "goal_p99_ms"),
    ("procedure code scanned → its page's frame", "catalogue.scan_to_detail", "goal_p99_ms"),
)
# (label, path to a value, unit, path to its goal or "", True when lower is better)
VALUES = (
    ("ticket bytes, image mode, 80 mm", "printing.ticket_bytes.image_576.bytes", "B",
     "printing.ticket_bytes.image_576.goal_bytes", True),
    ("ticket bytes, image mode, 58 mm", "printing.ticket_bytes.image_384.bytes", "B", "", True),
    ("ticket bytes, text mode (CP1258)", "printing.ticket_bytes.text_576.bytes", "B",
     "printing.ticket_bytes.text_576.goal_bytes", True),
    ("wall display at rest, CPU (one core)", "display.idle.notice_still.cpu_percent", "%",
     "display.idle.goal_cpu_percent", True),
    ("wall display scrolling a notice, CPU", "display.idle.notice_scrolling.cpu_percent", "%",
     "", True),
    ("dossier import", "lookup.import.rows_per_second", "rows/s", "", False),
    ("import of 2,000 procedures", "catalogue.import.seconds", "s",
     "catalogue.import.goal_seconds", True),
    ("a ten-paper list of papers, image mode, 80 mm", "catalogue.checklist_bytes.bytes", "B",
     "catalogue.checklist_bytes.goal_bytes", True),
    ("dossier cache size per 1,000,000", "lookup.import.database_mb_per_million", "MB", "", True),
    ("sync drain to central's ack", "sync.drain_to_central_ack.per_second", "events/s", "",
     False),
    ("sync drain / plain paho QoS 1 loop", "sync.drain_to_central_ack.ratio_to_plain_loop", "",
     "sync.drain_to_central_ack.goal_ratio", False),
    ("central ingest, SQLite", "sync.central_ingest.sqlite.per_second", "events/s", "", False),
    ("central ingest, PostgreSQL", "sync.central_ingest.postgresql.per_second", "events/s", "",
     False),
    ("whole site: cold start of every daemon to READY", "site.cold_start_s", "s",
     "site.goals.cold_start_s", True),
    ("whole site: total PSS of every daemon", "site.total_pss_mb", "MB",
     "site.goals.total_pss_mb", True),
    ("whole site: total RSS of every daemon (shared pages in each)", "site.total_rss_mb", "MB",
     "", True),
    ("whole site: idle CPU of every daemon (one core)", "site.idle_cpu_percent", "%",
     "site.goals.idle_cpu_percent", True),
)
# fmt: on


def _get(result: dict[str, Any], path: str) -> Any:
    value: Any = result
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"


def _met(value: float, goal: Any, lower: bool) -> str:
    if not isinstance(goal, (int, float)):
        return ""
    return "yes" if (value <= goal if lower else value >= goal) else "**no**"


def machine_line(result: dict[str, Any]) -> str:
    m = result.get("machine", {})
    return (
        f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('system', '?')}, "
        f"Python {m.get('python', '?')}, SQLite {m.get('sqlite', '?')}, disk "
        f"{m.get('disk', '?')}"
    )


def as_table(result: dict[str, Any]) -> str:
    lines = [
        f"Machine: {machine_line(result)}",
        "",
        "| figure | result | goal | met |",
        "|---|---|---|---|",
    ]
    for label, path, goal_key in TIMINGS:
        timing = _get(result, path)
        if not isinstance(timing, dict):
            continue
        goal = timing.get(goal_key) if goal_key else None
        shown = f"median {timing['median_ms']:g} ms, p99 {timing['p99_ms']:g} ms (n {timing['n']})"
        against = timing["median_ms"] if goal_key == "goal_ms" else timing["p99_ms"]
        goal_text = (
            ""
            if goal is None
            else (f"≤ {goal:g} ms" if goal_key == "goal_ms" else f"p99 ≤ {goal:g} ms")
        )
        met = _met(against, goal, True) if timing["n"] else ("**no**" if goal_text else "")
        lines.append(f"| {label} | {shown} | {goal_text} | {met} |")
    for label, path, unit, goal_path, lower in VALUES:
        value = _get(result, path)
        if not isinstance(value, (int, float)):
            continue
        goal = _get(result, goal_path) if goal_path else None
        sign = "≤" if lower else "≥"
        goal_text = (
            f"{sign} {_number(goal)} {unit}".strip() if isinstance(goal, (int, float)) else ""
        )
        shown = f"{_number(value)} {unit}".strip()
        lines.append(f"| {label} | {shown} | {goal_text} | {_met(value, goal, lower)} |")
    lines += _central(result)
    daemons = _get(result, "site.daemons") or {}
    if daemons:
        lines += ["", "| daemon | start to READY | RSS | PSS | idle CPU |", "|---|---|---|---|---|"]
        for name, d in daemons.items():
            lines.append(
                f"| {name} | {d['ready_s']:g} s | {d['rss_mb']:g} MB | "
                f"{d['pss_mb']:g} MB | {d['idle_cpu_percent']:g}% |"
            )
    return "\n".join(lines)


# (label, path under central.<backend>, what is shown, goal key or "")
CENTRAL = (
    ("overview page, {sites} sites", "pages.overview", "p95_ms", "goal_p95_ms"),
    ("a year's report, {sites} sites", "pages.year_report", "p99_ms", "goal_ms"),
    ("9 months' report by service, {sites} sites", "pages.nine_months_report_by_service",
     "p99_ms", ""),
    ("a year's XLSX by service, {sites} sites", "pages.year_xlsx", "p99_ms", "goal_ms"),
    ("a change stored → 200 open overview pages", "pages.event_to_page", "p99_ms",
     "goal_p99_ms"),
)  # fmt: skip


def _central(result: dict[str, Any]) -> list[str]:
    lines = []
    for backend, name in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        part = _get(result, f"central.{backend}")
        if not isinstance(part, dict) or "pages" not in part:
            continue
        for label, path, key, goal_key in CENTRAL:
            figure = _get(part, path)
            if not isinstance(figure, dict):
                continue
            goal = figure.get(goal_key) if goal_key else None
            shown = f"median {figure.get('median_ms', figure.get('p50_ms')):g} ms, " + (
                f"{key.removesuffix('_ms')} {figure[key]:g} ms"
            )
            goal_text = "" if goal is None else f"{key.removesuffix('_ms')} ≤ {goal:g} ms"
            sites = _number(_get(part, "pages.sites") or 0)
            lines.append(
                f"| central, {name}: {label.format(sites=sites)} | {shown} | {goal_text} | "
                f"{_met(figure[key], goal, True)} |"
            )
        ingest = part.get("ingest", {})
        if "ratio" in ingest:
            lines.append(
                f"| central, {name}: ingest with the pages' figures kept / without | "
                f"{ingest['ratio']:g} ({_number(ingest['with_figures_per_second'])} / "
                f"{_number(ingest['without_figures_per_second'])} events/s) | "
                f"≥ {ingest['goal_ratio']:g} | "
                f"{_met(ingest['ratio'], ingest['goal_ratio'], False)} |"
            )
    return lines
