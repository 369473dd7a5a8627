"""``kiosk run DAEMON``: the long-running processes systemd starts."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from typing import Any

from kiosk.cli._context import Context
from kiosk.cli._exit import UNAVAILABLE, CommandError

log = logging.getLogger("kiosk")


def setup_logging() -> None:
    # journald adds the time and unit; keep lines short and greppable.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kiosk").setLevel(logging.INFO)


def stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        log.info("stopping on %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def cmd_run(ctx: Context) -> int:
    return run_kiosk(ctx)


def run_kiosk(ctx: Context) -> int:
    from kiosk.cli._printer_cmds import open_printer
    from kiosk.desk import Buttons, Desk, Feedback

    setup_logging()
    config = ctx.config
    printer = open_printer(config.printer)
    stop = stop_on_signals()
    buttons = feedback = None
    try:
        try:
            feedback = Feedback(config.kiosk)
            desk = Desk(config, ctx.store, printer, feedback)
            buttons = Buttons(config.kiosk, desk.presses)
        except CommandError:
            raise
        except Exception as exc:  # gpiozero: no pin factory, pin busy, no permission
            raise CommandError(
                f"GPIO unavailable: {type(exc).__name__}: {exc} (on a machine without GPIO, "
                "GPIOZERO_PIN_FACTORY=mock runs the kiosk with simulated pins)",
                UNAVAILABLE,
            ) from None
        voided = desk.recover()
        if voided:
            log.warning("voided unprinted tickets from the last run: %s", ", ".join(voided))
        status = desk.check_printer()
        services = ", ".join(b.service for b in config.kiosk.buttons) or "none configured"
        log.info("kiosk ready: printer %s; buttons for %s", status.state, services)
        desk.run(stop)
        log.info("kiosk stopped")
        return 0
    finally:
        for part in (buttons, feedback, printer):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()
