"""``kiosk central``: the reference ingest, its daily report, dossier publishing and
commands to a device (as a staff PC would send them)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from kiosk.app.context import Context
from kiosk.app.exits import CONFIG, DATAERR, IOERR, NOINPUT, UNAVAILABLE, USAGE, CommandError
from kiosk.config import CentralConfig

log = logging.getLogger("kiosk")


def central_config(ctx: Context) -> CentralConfig:
    """``[central]`` of the config file (the rest of a site's config is not needed), then
    the command line's overrides."""
    from kiosk.config import DEFAULT_PATH, load_raw, main_path, parse_central

    raw: dict[str, Any] = {}
    path = main_path(ctx.args.config)
    if path != DEFAULT_PATH or path.is_file():  # central runs without a site's config too
        raw, _ = load_raw(path)
    args = ctx.args
    changes: dict[str, Any] = {}
    if args.broker:
        host, _, port = args.broker.partition(":")
        changes["host"] = host
        if port:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise CommandError(f"--broker {args.broker}: the port must be 1-65535", USAGE)
            changes["port"] = int(port)
    if args.central_db:
        changes["db"] = args.central_db
    if args.group:
        changes["group"] = args.group
    if args.client_id:
        changes["client_id"] = args.client_id
    return parse_central(raw, changes)


def _open_store(config: CentralConfig) -> Any:
    from sync.central_store import CentralStore, CentralStoreError, NotCentralDatabase

    try:
        return CentralStore(config.db)
    except NotCentralDatabase as exc:  # a site's database by mistake: as if none were there
        raise CommandError(str(exc), NOINPUT) from None
    except CentralStoreError as exc:
        raise CommandError(f"central.db: {exc}", IOERR) from None


def _central(config: CentralConfig, store: Any, *, one_shot: bool = True) -> Any:
    """The worker (``one_shot`` False) or a one-off client for a command: that one has an
    id and a short session of its own, so it never takes over a running worker's."""
    from sync import BrokerSetupError
    from sync.central import Central, central_client_id

    client_id = ""
    if one_shot:
        client_id = f"{central_client_id(config)}-cli-{uuid.uuid4().hex[:8]}"
        config = dataclasses.replace(config, session_expiry_hours=0.01)
    try:
        return Central(config, store, client_id=client_id)
    except BrokerSetupError as exc:
        raise CommandError(f"central: {exc}", CONFIG) from None


def cmd_central(ctx: Context) -> int:
    action = ctx.args.action
    config = central_config(ctx)
    if action == "report":
        return _report(ctx, config)
    if action == "dossiers":
        return _dossiers(ctx, config)
    if action == "procedures":
        from kiosk.app.cli._central_procedures import central_procedures

        return central_procedures(ctx, config)
    if action == "command":
        return _command(ctx, config)
    if action == "user":
        from kiosk.app.cli._central_users import central_user

        return central_user(ctx, config, _open_store)
    if action == "web":
        from kiosk.app.cli._central_web import central_web

        return central_web(ctx, config, _open_store)
    if ctx.args.target:
        raise CommandError(f"kiosk central {action}: unexpected {ctx.args.target[0]!r}", USAGE)
    return _run(config)


def _run(config: CentralConfig) -> int:
    from kiosk.app.daemons import setup_logging, stop_on_signals

    setup_logging()
    logging.getLogger("sync").setLevel(logging.INFO)
    store = _open_store(config)
    central = _central(config, store, one_shot=False)
    stop = stop_on_signals()
    central.start()
    log.info(
        "central ready: %s, broker %s:%d, group %s",
        config.db.split("@")[-1],
        config.host,
        config.port,
        config.group,
    )
    try:
        central.run(stop)
    finally:
        central.close()
        store.close()
    log.info("central stopped: %d events stored", central.stored)
    return 0


def _need_site(ctx: Context) -> str:
    return one_site(ctx) or _no_site()


def one_site(ctx: Context) -> str:
    """The one --site given ("" for none); more than one is refused."""
    sites = ctx.args.site or []
    if len(sites) > 1:
        raise CommandError(f"kiosk central {ctx.args.action}: one --site at a time", USAGE)
    return str(sites[0]) if sites else ""


def _no_site() -> str:
    raise CommandError("which site? --site SITE", USAGE)


def _report(ctx: Context, config: CentralConfig) -> int:
    from sync.central import report

    if ctx.args.period:
        return _period_report(ctx, config)
    site = _need_site(ctx)
    zone = ctx.args.timezone
    day = ctx.args.day or dt.datetime.now(_zone(zone)).date().isoformat()
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise CommandError(f"--day {day}: use YYYY-MM-DD", USAGE) from None
    store = _read_store(config)
    try:
        data = report(store, site, day, zone)
    finally:
        store.close()
    ctx.emit(data, _report_text(data))
    return 0


def _read_store(config: CentralConfig) -> Any:
    """Central's database to read a report from: a mistyped path is not a new, empty
    database."""
    path = config.db.removeprefix("sqlite://")
    if config.db.startswith("sqlite://") and path != ":memory:":
        if not Path(path).is_file():
            raise CommandError(f"{path}: no such database (check --db or central.db)", NOINPUT)
        if Path(path).stat().st_size == 0:
            raise CommandError(
                f"{path}: not a central database: an empty file (check --db or central.db)",
                NOINPUT,
            )
    return _open_store(config)


def _period_report(ctx: Context, config: CentralConfig) -> int:
    """A period's figures of every site (or the --site ones) by site, service, counter or
    officer: the numbers central's report page shows and exports."""
    from kiosk.periods import BadPeriod, parse_period
    from sync.central import period_report

    if ctx.args.day:
        raise CommandError("kiosk central report: --day or --period, not both", USAGE)
    try:
        period = parse_period(ctx.args.period)
    except BadPeriod as exc:
        raise CommandError(f"--period {exc}", USAGE) from None
    sites = list(dict.fromkeys(ctx.args.site)) if ctx.args.site else None
    store = _read_store(config)
    try:
        data = period_report(store, period, sites, ctx.args.by)
    finally:
        store.close()
    ctx.emit(data, _period_text(data))
    return 0


def _period_text(data: dict[str, Any]) -> str:
    def minutes(value: float | None) -> str:
        return "-" if value is None else f"{value / 60:.1f} min"

    def line(name: str, f: dict[str, Any]) -> str:
        satisfied = f["satisfaction_percent"]
        return (
            f"{name}: {f['tickets']} tickets, {f['served']} served, {f['no_shows']} no-shows; "
            f"wait mean {minutes(f['wait_mean_seconds'])}, p90 {minutes(f['wait_p90_seconds'])}"
            f"; service mean {minutes(f['service_mean_seconds'])}; {f['rated']} ratings"
            + ("" if satisfied is None else f", {satisfied}% satisfied")
        )

    lines = [f"{data['period']} ({data['first']} to {data['last']}), by {data['by']}:"]
    lines += [line(" ".join(row["key"]), row) for row in data["rows"]]
    lines.append(line("total", data["total"]))
    return "\n".join(lines)


def _zone(name: str) -> Any:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise CommandError(f"--timezone {name}: unknown time zone", USAGE) from None


def _report_text(data: dict[str, Any]) -> str:
    def minutes(value: float | None) -> str:
        return "-" if value is None else f"{value / 60:.1f} min"

    lines = [
        f"{data['site']} {data['day']}: {data['tickets']} tickets from "
        f"{', '.join(data['devices']) or 'no device'} ({data['events']} events)",
        "tickets by service: "
        + (", ".join(f"{k} {v}" for k, v in data["tickets_by_service"].items()) or "none"),
        f"wait: mean {minutes(data['wait_seconds']['mean'])}, "
        f"p90 {minutes(data['wait_seconds']['p90'])}; "
        f"service: mean {minutes(data['service_seconds']['mean'])} "
        f"({data['service_seconds']['served']} served); no-shows {data['no_shows']}",
    ]
    for kind in ("by_counter", "by_officer"):
        rows = data["ratings"][kind]
        if rows:
            label = "counter" if kind == "by_counter" else "officer"
            lines.append(
                f"ratings by {label}: "
                + ", ".join(f"{k} {v['mean']} ({v['n']})" for k, v in rows.items())
            )
    for item in data.get("rejected", []):
        lines.append(f"rejected event: {item['device']} seq {item['seq']}: {item['reason']}")
    return "\n".join(lines)


def _dossiers(ctx: Context, config: CentralConfig) -> int:
    """Check a JSON Lines file, keep the newer records and publish them to the site."""
    from kiosk.app.central_records import read_records

    site = _need_site(ctx)
    if len(ctx.args.target) != 1:
        raise CommandError("kiosk central dossiers FILE.jsonl --site SITE", USAGE)
    name = ctx.args.target[0]
    try:
        handle = sys.stdin.buffer if name == "-" else Path(name).open("rb")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"{name}: cannot read: {exc.strerror or exc}", NOINPUT) from None
    with handle:
        read = read_records("dossiers", handle, timezone=ctx.args.timezone, version=0)
    for number, said in read.bad:
        print(f"line {number}: {said}", file=sys.stderr)
    good, bad = read.good, len(read.bad)
    store = _open_store(config)
    try:
        newer = store.newer_dossiers(site, good)
        sent = _publish(config, store, site, newer)
        store.put_dossiers(site, newer)  # kept only once the broker has taken them
    finally:
        store.close()
    ctx.emit(
        {
            "site": site,
            "read": len(good) + bad,
            "refused": bad,
            "newer": len(newer),
            "published": sent,
        },
        f"{site}: {len(good)} good records, {len(newer)} newer published, {bad} refused",
    )
    return DATAERR if bad else 0


def _publish(config: CentralConfig, store: Any, site: str, records: list[dict[str, Any]]) -> int:
    return _publish_kind(config, store, "dossiers", site, records)


def _publish_kind(
    config: CentralConfig, store: Any, kind: str, site: str, records: list[dict[str, Any]]
) -> int:
    """Publish ``records`` of ``kind`` (dossiers, procedures) to ``site`` through a one-off
    client, waiting until the broker has taken every message."""
    if not records:
        return 0
    central = _central(config, store)
    central.start()
    try:
        _wait_connected(central, config)
        sent = central.publish(kind, site, records)
        _wait_published(central)
    finally:
        central.close()
    return int(sent)


def _wait_connected(central: Any, config: CentralConfig, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not central.client.connected():
        if time.monotonic() > deadline:
            raise CommandError(f"broker {config.host}:{config.port} not reachable", UNAVAILABLE)
        time.sleep(0.05)


def _wait_published(central: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while central.client.sending():
        if time.monotonic() > deadline:
            raise CommandError("the broker did not take every message in time", UNAVAILABLE)
        time.sleep(0.02)


def _command(ctx: Context, config: CentralConfig) -> int:
    """Send a command to one device and print its result (as a staff PC would)."""
    from sync import Topics

    site = _need_site(ctx)
    target = ctx.args.target
    if len(target) != 2:
        raise CommandError(
            "kiosk central command DEVICE CMD --site SITE [--counter N] [--text T]", USAGE
        )
    device, cmd = target
    args: dict[str, Any] = {}
    if ctx.args.counter is not None:
        args["counter"] = ctx.args.counter
    if ctx.args.text is not None:
        args["text"] = ctx.args.text
    if ctx.args.minutes is not None:
        args["minutes"] = ctx.args.minutes
    command = {"id": uuid.uuid4().hex, "cmd": cmd, "args": args}
    store = _open_store(config)
    central = _central(config, store)
    got = threading.Event()
    answer: dict[str, Any] = {}

    def on_result(_c: Any, _u: Any, message: Any) -> None:
        try:
            body = json.loads(message.payload)
            if body.get("id") == command["id"]:
                answer.update(body)
                got.set()
        except Exception:  # never into paho's thread
            return

    topics = Topics(site, device)
    central.client.paho.message_callback_add(topics.result, on_result)
    try:
        central.client.start()
        _wait_connected(central, config)
        central.client.paho.subscribe(topics.result, qos=1)
        time.sleep(0.2)
        try:
            central.command(site, device, command)
        except ValueError as exc:
            raise CommandError(f"command: {exc}", USAGE) from None
        if not got.wait(ctx.args.wait):
            raise CommandError(
                f"no answer from {site}/{device} in {ctx.args.wait:g}s (is its sync running?)",
                UNAVAILABLE,
            )
    finally:
        central.close()
        store.close()
    ctx.emit(answer, f"{answer.get('code')}: {answer.get('message')}")
    return 0 if answer.get("ok") else 1
