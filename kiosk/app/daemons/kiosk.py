"""``kiosk run kiosk``: the ticket kiosk. Its parts: the printer (``printer.open``), the
ticket buttons and the LEDs and buzzer (``kiosk.keys``), and the desk that turns a press
into a printed ticket, and between tickets prints the lists of papers asked for at the
look-up screen (``kiosk.desk``)."""

from __future__ import annotations

import logging

from kiosk.app.daemons._life import Life, Parts, pins_usable, serve, setup_logging, stop_on_signals

log = logging.getLogger("kiosk")


def main(life: Life) -> int:
    from kiosk.app.printer_setup import open_printer
    from kiosk.desk import Desk
    from kiosk.keys.kiosk import Buttons, Feedback

    setup_logging()
    config = life.config
    with Parts() as parts:
        printer = parts.add(open_printer(config.printer))
        stop = stop_on_signals(life)
        with pins_usable():
            feedback = parts.add(Feedback(config.kiosk))
            desk = Desk(config, life.store, printer, feedback, checklists=printer.print_checklist)
            parts.add(Buttons(config.kiosk, desk.presses))
        voided = desk.recover()
        if voided:
            log.warning("voided unprinted tickets from the last run: %s", ", ".join(voided))
        if not desk.has_room() and desk.reserve is not None:
            log.warning("no tickets for now: %s", desk.reserve.problem)
        status = desk.check_printer()
        services = ", ".join(b.service for b in config.kiosk.buttons) or "none configured"
        serve(
            life,
            desk.run,
            stop,
            f"kiosk ready: printer {status.state}; buttons for {services}",
            longest_wait=desk.longest_wait,
        )
    log.info("kiosk stopped")
    return 0
