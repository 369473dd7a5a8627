"""``kiosk central procedures FILE.jsonl --site SITE | --all``: central checks a procedure
catalogue (the national portal's field names or this project's format), versions it, keeps
what is newer than what each site was sent, and publishes that to the site's devices over
MQTT (``hcc/v1/{site}/procedures``, chunked); a device asking for a resync gets the whole
catalogue again."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kiosk.app.cli._central_cmds import _open_store, _publish_kind, one_site
from kiosk.app.context import Context
from kiosk.app.exits import DATAERR, NOINPUT, USAGE, CommandError
from kiosk.config import CentralConfig


def central_procedures(ctx: Context, config: CentralConfig) -> int:
    from kiosk.app.central_records import read_records

    if len(ctx.args.target) != 1 or bool(one_site(ctx)) == bool(ctx.args.all):
        raise CommandError("kiosk central procedures FILE.jsonl --site SITE | --all", USAGE)
    name = ctx.args.target[0]
    try:
        stream = sys.stdin.buffer if name == "-" else Path(name).open("rb")  # noqa: SIM115
    except OSError as exc:
        raise CommandError(f"{name}: cannot read: {exc.strerror or exc}", NOINPUT) from None
    version = int(time.time() * 1000)
    with stream:
        read = read_records("procedures", stream, timezone="", version=version)
    for number, said in read.bad:
        print(f"kiosk: {name}: line {number}: {said}", file=sys.stderr)
    good, bad = read.good, len(read.bad)
    store = _open_store(config)
    try:
        sites = store.known_sites() if ctx.args.all else [one_site(ctx)]
        sent = {}
        for site in sites:
            newer = store.newer("procedures", site, good)
            sent[site] = _publish_kind(config, store, "procedures", site, newer)
            store.put("procedures", site, newer)  # kept only once the broker has taken them
    finally:
        store.close()
    published = ", ".join(f"{site} {count}" for site, count in sent.items()) or "no site known"
    ctx.emit(
        {"read": len(good) + bad, "refused": bad, "version": version, "published": sent},
        f"{name}: {len(good)} good procedures, {bad} refused; newer ones published: {published}",
    )
    return DATAERR if bad else 0
