"""``kiosk run scanner``: the barcode scanners (USB keyboard-mode or serial), each scan
looked up and kept for the look-up screen."""

from __future__ import annotations

import logging

from kiosk.app.daemons._life import Life, serve, setup_logging, stop_on_signals
from kiosk.app.exits import CONFIG, CommandError

log = logging.getLogger("kiosk")


def main(life: Life) -> int:
    from scanner import ScannerDaemon

    setup_logging()
    config = life.config
    if not config.scanner.devices:
        raise CommandError(
            "no scanner configured: add [[scanner.devices]] with its device path", CONFIG
        )
    stop = stop_on_signals(life)
    daemon = ScannerDaemon(config, life.store).start()
    for device in config.scanner.devices:
        kind = "USB (keyboard mode)" if device.is_hid else f"serial {device.baudrate} baud"
        log.info("scanner %s: %s, %s", device.id, device.device, kind)
    serve(life, daemon.run, stop, "scanner daemon ready")
    log.info("scanner daemon stopped")
    return 0
