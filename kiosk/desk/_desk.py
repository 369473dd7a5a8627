"""The kiosk's main loop: one press at a time, issue, print, and settle the ticket.

The order keeps every number honest: the ticket is committed as ``issued``
(not callable), the printer is asked for its status, the bytes are sent, and
only then is it marked printed and joins the queue. Any failure voids it, with
the reason in the event; the number is never reused. While the printer is known
to be unusable, presses are refused without taking a number.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk import commands, tokens
from kiosk import queue as tickets
from kiosk.config import Config
from kiosk.desk._buttons import Press
from kiosk.desk._feedback import Feedback
from kiosk.desk._ports import (
    UNCHECKED,
    PrinterStatus,
    PrintFailed,
    TicketPrinter,
    longest_call,
)
from kiosk.slip import Slip, slip_for
from kiosk.store import Store

log = logging.getLogger("kiosk.desk")


IDLE_WAIT = 1.0  # seconds between looks at the printer and central's commands at rest


@dataclass(frozen=True)
class Outcome:
    """What one press came to: ``printed``, ``void``, ``refused``, ``cooldown`` or ``armed``."""

    kind: str
    number: str = ""
    reason: str = ""
    priority: bool = False
    printed_at: float = 0.0  # time.monotonic() when the last byte was handed to the printer


class Desk:
    def __init__(
        self,
        config: Config,
        store: Store,
        printer: TicketPrinter,
        feedback: Feedback | None = None,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.store = store
        self.printer = printer
        self.feedback = feedback
        self.clock = clock
        self.monotonic = monotonic
        self.presses: queue.Queue[Press] = queue.Queue()
        self.key = tokens.site_key(store, clock())
        self.status = PrinterStatus(UNCHECKED, "not asked yet")
        self._last: dict[str, float] = {}
        self._armed_until = -1.0
        self._next_poll = 0.0
        self._tick: Callable[[], None] = _nothing

    @property
    def longest_wait(self) -> float:
        """The longest the loop may go between two ticks: one printer call (the loop ticks
        after each) and two database writes each waiting out the busy timeout (a status
        change and a refusal, or a status change and a reprint's claim)."""
        busy = self.config.store.busy_timeout_ms / 1000
        return longest_call(self.config.printer) + 2 * busy + 1.0

    # -- start-up ---------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Void tickets a previous run left between issue and print (it died mid-print)."""
        now = self.clock()
        with self.store.read() as conn:
            stranded = [row[0] for row in conn.execute(
                "SELECT uid FROM tickets WHERE status = 'issued' ORDER BY id"
            )]  # fmt: skip
        numbers = []
        for uid in stranded:
            try:
                numbers.append(tickets.void(self.store, self.config, uid, "interrupted", now=now))
            except tickets.Refused:
                continue  # settled by someone else meanwhile
        if numbers:
            log.warning("voided %d ticket(s) left unprinted by the last run", len(numbers))
        return [ticket.number for ticket in numbers]

    # -- presses ----------------------------------------------------------------------

    def handle(self, press: Press) -> Outcome:
        kiosk = self.config.kiosk
        if press.service is None:
            self._armed_until = press.at + kiosk.priority_button.window_seconds
            if self.feedback:
                self.feedback.armed()
            return Outcome("armed")
        last = self._last.get(press.service)
        if last is not None and press.at - last < kiosk.cooldown_seconds:
            return Outcome("cooldown")
        self._last[press.service] = press.at
        priority = press.long or press.at <= self._armed_until
        self._armed_until = -1.0
        if self.feedback:
            self.feedback.busy(True)
        try:
            outcome = self._issue(press.service, priority)
        finally:
            if self.feedback:
                self.feedback.busy(False)
        if self.feedback:
            if outcome.kind == "printed":
                self.feedback.ticket()
            else:
                self.feedback.refused()
        return outcome

    def _issue(self, service: str, priority: bool) -> Outcome:
        if not self.status.printable and not self.check_printer().printable:
            tickets.refuse(
                self.store, self.config, service, f"printer_{self.status.state}",
                priority=priority, now=self.clock(),
            )  # fmt: skip
            return Outcome("refused", reason=f"printer_{self.status.state}", priority=priority)
        try:
            issued = tickets.issue(
                self.store, self.config, service, now=self.clock(), priority=priority
            )
        except tickets.Refused as refusal:
            log.info("no ticket for %s: %s", service, refusal)
            return Outcome("refused", reason=refusal.code, priority=priority)
        try:
            return self._print(issued)
        except Exception:
            # Whatever went wrong, the number must not stay half-issued.
            with contextlib.suppress(Exception):
                self._void(issued.ticket.uid, "error")
            raise

    def _print(self, issued: tickets.Issued) -> Outcome:
        number, priority = issued.ticket.number, issued.ticket.priority
        status = self.check_printer()
        if not status.printable:
            self._void(issued.ticket.uid, f"printer_{status.state}")
            return Outcome("void", number, f"printer_{status.state}", priority)
        token = tokens.sign(self.key, issued.ticket.day, number)
        try:
            self._send(slip_for(self.config, issued, token))
        except PrintFailed as failed:
            self._set_status(failed.status)
            self._void(issued.ticket.uid, f"print_{failed.status.state}")
            return Outcome("void", number, f"print_{failed.status.state}", priority)
        sent = self.monotonic()
        tickets.mark_printed(self.store, self.config, issued.ticket.uid, now=self.clock())
        return Outcome("printed", number, priority=priority, printed_at=sent)

    def _send(self, slip: Slip) -> None:
        try:
            self.printer.print_slip(slip)
        finally:
            self._tick()

    def _void(self, uid: str, reason: str) -> None:
        ticket = tickets.void(self.store, self.config, uid, reason, now=self.clock())
        log.warning("ticket %s voided: %s (%s)", ticket.number, reason, self.status.detail)

    # -- the printer ------------------------------------------------------------------

    def check_printer(self) -> PrinterStatus:
        status = self.printer.status()
        self._tick()
        self._set_status(status)
        return status

    def _set_status(self, status: PrinterStatus) -> None:
        if status == self.status:
            return
        self.status = status
        log.log(
            logging.INFO if status.printable else logging.WARNING,
            "printer: %s%s", status.state, f" ({status.detail})" if status.detail else "",
        )  # fmt: skip
        with self.store.change(self.clock()) as tx:
            tx.put("printer", json.dumps(status.to_json()))
            tx.event("printer.status", status.to_json())
        if self.feedback:
            self.feedback.printer(status)

    def poll(self) -> None:
        """Between presses: ask the printer now and then, so paper-low and an unplugged
        printer show before the next citizen finds out; carry out a reprint central asked
        for."""
        now = self.monotonic()
        if now >= self._next_poll:
            self._next_poll = now + self.config.printer.retry_seconds
            self.check_printer()
        if commands.waiting(self.store, "reprint", now=self.clock(),
                            max_age=self.config.sync.command_timeout_seconds):  # fmt: skip
            self.reprint()

    def reprint(self) -> commands.Result | None:
        """Print the last ticket printed today again (same number, same QR): central's
        "reprint" command, for a citizen whose ticket came out torn or faint."""
        command = commands.claim(self.store, "reprint", now=self.clock(),
                                 max_age=self.config.sync.command_timeout_seconds)  # fmt: skip
        if command is None:
            return None
        try:
            result = self._reprint_last()
        except Exception as exc:  # answered, never left claimed for sync to give up on
            log.exception("reprint %s failed", command.id)
            result = commands.Result(False, "error", f"{type(exc).__name__}: {exc}"[:500])
        commands.finish(self.store, command.id, result, now=self.clock())
        log.info("reprint %s: %s", command.id, result.message)
        return result

    def _reprint_last(self) -> commands.Result:
        now = self.clock()
        last = tickets.last_printed(self.store, self.config, now=now)
        if last is None:
            return commands.Result(False, "no_ticket", "no ticket has been printed today")
        status = self.check_printer()
        if not status.printable:
            return commands.Result(False, f"printer_{status.state}",
                                   f"printer {status.state}: {status.detail}")  # fmt: skip
        token = tokens.sign(self.key, last.ticket.day, last.ticket.number)
        try:
            self._send(slip_for(self.config, last, token))
        except PrintFailed as failed:
            self._set_status(failed.status)
            return commands.Result(False, f"print_{failed.status.state}",
                                   f"print failed: {failed.status.detail}")  # fmt: skip
        with self.store.change(self.clock()) as tx:
            tx.event("ticket.reprinted", {"number": last.ticket.number, "uid": last.ticket.uid})
        return commands.Result(True, "done", f"ticket {last.ticket.number} printed again",
                               {"number": last.ticket.number})  # fmt: skip

    # -- the loop ---------------------------------------------------------------------

    def run(self, stop: threading.Event, on_tick: Callable[[], None] | None = None) -> None:
        """Presses until ``stop``; ``on_tick`` (the watchdog) after every pass and every
        printer call, so the loop goes at most :attr:`longest_wait` without one."""
        self._tick = on_tick or _nothing
        while not stop.is_set():
            try:
                press = self.presses.get(timeout=IDLE_WAIT)
            except queue.Empty:
                self.poll()
            else:
                try:
                    outcome = self.handle(press)
                except Exception:  # a bug or a database fault: log it, keep the kiosk up
                    log.exception("press %s failed", press.service)
                    if self.feedback:
                        self.feedback.refused()
                    continue
                if outcome.kind in ("printed", "void", "refused"):
                    log.info(
                        "press %s: %s %s %s", press.service, outcome.kind,
                        outcome.number, outcome.reason,
                    )  # fmt: skip
            self._tick()


def _nothing() -> None:
    pass
