"""``kiosk run sync``: the link to central over MQTT (the outbox out, commands and
configuration in)."""

from __future__ import annotations

import logging

from kiosk.app.daemons._life import Life, serve, setup_logging, stop_on_signals
from kiosk.app.exits import CONFIG, CommandError

log = logging.getLogger("kiosk")


def main(life: Life) -> int:
    from kiosk.config import load_raw
    from sync import BrokerSetupError, SyncDaemon

    setup_logging()
    logging.getLogger("sync").setLevel(logging.INFO)
    config = life.config
    if not config.sync.enabled:
        raise CommandError("sync is off (sync.enabled = false)", CONFIG)
    raw, sources = load_raw(life.config_path)
    try:
        daemon = SyncDaemon(config, life.db_path, raw, sources)
    except BrokerSetupError as exc:
        raise CommandError(f"sync: {exc}", CONFIG) from None
    stop = stop_on_signals()
    daemon.start()
    ready = (
        f"sync ready: device {config.site.device} of site {config.site.id}; "
        f"broker {config.sync.host}:{config.sync.port}"
    )
    try:
        serve(life, daemon.run, stop, ready)
    finally:
        daemon.close()
    log.info("sync stopped")
    return 0
