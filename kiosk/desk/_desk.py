"""The kiosk's main loop: one press at a time, issue, print, and settle the ticket.

The order keeps every number honest: the ticket is committed as ``issued``
(not callable), the printer is asked for its status, the bytes are sent, and
only then is it marked printed and joins the queue. Any failure voids it, with
the reason in the event; the number is never reused. While the printer is known
to be unusable, presses are refused without taking a number.

A printed number must become callable, so nothing is printed unless the disk has room
for the commit that follows: the desk keeps a reserve beside the database
(:class:`kiosk.store.Reserve`) and spends it on that commit if the disk filled up
meanwhile. Without the reserve in place (the disk is full, or it cannot be made) presses
are refused, and nothing is printed, until it is.

A ticket is never voided once the printer has taken it whole. Its id is noted at once in a
small file made with the reserve (``kiosk.db-printed``, rewritten in place, so even a full
disk takes it); if the commit still fails (the reserve's room taken by someone else, the
database locked), the ticket is kept as printed but not recorded: the idle loop tries the
commit again until it goes in, presses are refused meanwhile, and a restart records it as
printed (:meth:`Desk.recover`) instead of voiding it. The note is not cleared after the
commit (that would be one more write and sync a ticket): it holds the last tickets printed,
whether the database took them or not, and only those still ``issued`` matter. A ticket left
``issued`` and not noted is voided at start (see :meth:`Desk.recover`). A note that cannot
be read (another user's) is never taken as empty: the tickets left ``issued`` stay so, and
no ticket is printed, until it can.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk import commands, procedures, ticketing, tokens
from kiosk.config import Config
from kiosk.desk._ports import (
    UNCHECKED,
    Feedback,
    Press,
    PrinterStatus,
    PrintFailed,
    TicketPrinter,
    longest_call,
)
from kiosk.faultlog import FaultLog
from kiosk.procedures import Checklist, jobs
from kiosk.slip import Slip, slip_for
from kiosk.store import NO_ROOM, NOT_MADE, DiskFull, Reserve, Store, kv, store_fault
from kiosk.ticketing import local_time

log = logging.getLogger("kiosk.desk")


IDLE_WAIT = 1.0  # seconds between looks at the printer and central's commands at rest
DISK_FULL = NO_ROOM
UNRECORDED = "unrecorded"  # refusal: a printed ticket waits for the database to take it
NEEDS_HANDS = (DISK_FULL, NOT_MADE, UNRECORDED)  # refusals a technician has to see to
# Tries at the commit that makes a printed ticket callable once the reserve is given back
# (some filesystems hand freed blocks out again only after their next commit).
SETTLE_TRIES = 5


@dataclass(frozen=True)
class Outcome:
    """What one press came to: ``printed``, ``void``, ``refused``, ``cooldown`` or ``armed``."""

    kind: str
    number: str = ""
    reason: str = ""
    priority: bool = False
    printed_at: float = 0.0  # time.monotonic() when the last byte was handed to the printer
    detail: str = ""  # for the log: what a refusal the citizen cannot help came from


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
        checklists: Callable[[Checklist], int] | None = None,
    ) -> None:
        self.config = config
        self.store = store
        self.printer = printer
        self.feedback = feedback
        # Prints a list of papers asked for at the look-up screen (between tickets).
        self.checklists = checklists
        self.clock = clock
        self.monotonic = monotonic
        self.presses: queue.Queue[Press] = queue.Queue()
        self.reserve = (
            Reserve(store.path, note="printed") if str(store.path) != ":memory:" else None
        )
        self.note = self.reserve.note if self.reserve is not None else None
        # Printed tickets the database has not taken yet: uid -> number; presses wait.
        self.unrecorded: dict[str, str] = {}
        # The note could not be read at start: the tickets left issued wait for it.
        self.recovering = False
        self._unreadable = ""  # why, in one line with the fix
        self._unrecorded_why: Exception | None = None
        self._settling = FaultLog(log, "recording a printed ticket", monotonic=monotonic)
        self._polling = FaultLog(log, "kiosk idle loop", monotonic=monotonic)
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
        """Settle the tickets a previous run left ``issued``: those it noted as printed
        join the queue (or wait in :attr:`unrecorded` while the database cannot take them);
        the others were not taken whole by the printer as far as this desk knows, and are
        voided. That is meant for a run that died before the printer took them; run at
        start, before any press, it cannot tell them from a ticket a ``kiosk ticket``
        command is printing at that very moment, which is voided too (that command then
        finds it settled). The numbers voided.

        If the note cannot be read (left by another user), nothing is voided or recorded:
        one line says the fix, presses are refused, and this runs again once it can be
        read."""
        noted: set[str] = set()
        if self.note is not None:
            try:
                noted = set(self.note.lines())
            except OSError as exc:
                if not self.recovering:
                    self._unreadable = self.note.unreadable(exc)
                    log.error("%s", self._unreadable)
                self.recovering = True
                return []
        self.recovering = False
        with self.store.read() as conn:
            left = conn.execute(
                "SELECT uid, number FROM tickets WHERE status = 'issued' ORDER BY id"
            ).fetchall()
        stranded = [uid for uid, _ in left if uid not in noted]
        printed = [(uid, number) for uid, number in left if uid in noted]
        for uid, number in printed:
            self.unrecorded[uid] = number
        if printed:
            self.settle()  # one line: recorded now, or not yet
        elif noted:
            self._note_unrecorded()  # those noted were recorded before the last run ended
        now = self.clock()
        numbers = []
        for uid in stranded:
            try:
                numbers.append(ticketing.void(self.store, self.config, uid, "interrupted", now=now))
            except ticketing.Refused:
                continue  # settled by someone else meanwhile
            except DiskFull as full:  # never callable anyway; voided at a later start
                log.warning(
                    "%d ticket(s) left unprinted not voided yet: %s",
                    len(stranded) - len(numbers),
                    full,
                )
                break
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
        except DiskFull as full:
            outcome = Outcome("refused", reason=DISK_FULL, priority=priority, detail=str(full))
        finally:
            if self.feedback:
                self.feedback.busy(False)
        if self.feedback:
            if outcome.kind == "printed":
                self.feedback.ticket()
            else:
                self.feedback.refused()
        return outcome

    def has_room(self) -> bool:
        """Whether the disk keeps room for the commit that follows a print (the reserve and
        its note are in place, made now if need be); :attr:`Reserve.reason` and
        :attr:`Reserve.problem` say why not."""
        return self.reserve is None or self.reserve.ready()

    def _refuse(self, service: str, reason: str, priority: bool) -> None:
        """Record a press that got no ticket (not at all when the database cannot take it:
        the disk full, read-only, the database locked)."""
        try:
            ticketing.refuse(
                self.store, self.config, service, reason, priority=priority, now=self.clock()
            )
        except Exception as exc:
            if store_fault(exc, self.store.path) is None:
                raise

    def _recovered(self) -> bool:
        """Whether the tickets left ``issued`` at start are settled (settling them now if
        the note that says which were printed can be read at last)."""
        if self.recovering and self.has_room():
            self.recover()
        return not self.recovering

    def _issue(self, service: str, priority: bool) -> Outcome:
        if not self._recovered():
            assert self.reserve is not None
            reason = self.reserve.reason or NOT_MADE  # the disk full first, if it is
            self._refuse(service, reason, priority)
            return Outcome(
                "refused",
                reason=reason,
                priority=priority,
                detail=self.reserve.problem or self._unreadable,
            )
        if self.unrecorded and not self.settle():
            reason = DISK_FULL if isinstance(self._unrecorded_why, DiskFull) else UNRECORDED
            self._refuse(service, reason, priority)
            waiting = ", ".join(self.unrecorded.values())
            return Outcome(
                "refused",
                reason=reason,
                priority=priority,
                detail=f"printed ticket {waiting} not recorded yet: {self._unrecorded_why}",
            )
        if not self.status.printable and not self.check_printer().printable:
            self._refuse(service, f"printer_{self.status.state}", priority)
            return Outcome("refused", reason=f"printer_{self.status.state}", priority=priority)
        if not self.has_room():
            assert self.reserve is not None
            reason, problem = self.reserve.reason, self.reserve.problem
            self._refuse(service, reason, priority)
            return Outcome("refused", reason=reason, priority=priority, detail=problem)
        try:
            issued = ticketing.issue(
                self.store, self.config, service, now=self.clock(), priority=priority
            )
        except ticketing.Refused as refusal:
            log.info("no ticket for %s: %s", service, refusal)
            return Outcome("refused", reason=refusal.code, priority=priority)
        try:
            return self._print(issued)
        except Exception:
            # Whatever went wrong before the printer took it, the number must not stay
            # half-issued; once it has, it is kept (waiting in unrecorded), whatever happens.
            if issued.ticket.uid not in self.unrecorded:
                with contextlib.suppress(Exception):
                    self._void(issued.ticket.uid, "error")
            raise

    def _print(self, issued: ticketing.Issued) -> Outcome:
        number, priority = issued.ticket.number, issued.ticket.priority
        status = self.check_printer()
        if not status.printable:
            self._void(issued.ticket.uid, f"printer_{status.state}")
            return Outcome("void", number, f"printer_{status.state}", priority)
        token = tokens.sign(self.key, issued.ticket.day, number)
        uid = issued.ticket.uid
        handed: list[float] = []  # when the printer took the last byte

        def taken() -> None:  # before anything else (the watchdog's tick) may fail
            # From here on the citizen holds the ticket: nothing voids it.
            handed.append(self.monotonic())
            self.unrecorded[uid] = number
            self._note_unrecorded()

        try:
            self._send(slip_for(self.config, issued, token), taken)
        except PrintFailed as failed:
            self._set_status(failed.status)
            self._void(uid, f"print_{failed.status.state}")
            return Outcome("void", number, f"print_{failed.status.state}", priority)
        sent = handed[0] if handed else self.monotonic()
        try:
            self._printed(uid, number)
        except Exception as exc:
            self._not_recorded(number, exc)
            return Outcome(
                "printed", number, priority=priority, printed_at=sent, detail="not recorded yet"
            )
        del self.unrecorded[uid]
        return Outcome("printed", number, priority=priority, printed_at=sent)

    def _note_unrecorded(self) -> None:
        """Note on the disk the printed tickets the database has not taken (a restart then
        records them as printed instead of voiding them). Those it has taken stay noted
        until the next print or settle rewrites the note."""
        if self.note is None:
            return
        try:
            self.note.write(list(self.unrecorded))
        except (OSError, ValueError) as exc:
            log.error(
                "cannot note printed ticket(s) %s in %s: %s; if the kiosk stops before "
                "the database takes them, they are voided",
                ", ".join(self.unrecorded.values()) or "(none)",
                self.note.path,
                exc,
            )

    def _printed(self, uid: str, number: str) -> str:
        """The citizen holds the ticket now: it joins the queue, whatever the disk says.
        If it filled up since the reserve was checked, the reserve's room is given back
        to it for this commit (and presses are refused until there is room again).
        "" when it joined the queue, else what became of it instead."""
        try:
            return self._mark_printed(uid)
        except DiskFull:
            if self.reserve is None or not self.reserve.spend():
                raise
        for attempt in range(1, SETTLE_TRIES + 1):
            try:
                fate = self._mark_printed(uid)
            except DiskFull:
                if attempt == SETTLE_TRIES:
                    raise  # the room went to someone else first
                time.sleep(0.05 * attempt)
            else:
                log.warning(
                    "disk full: the room kept beside the database went to ticket %s, "
                    "printed already; no more tickets until space is freed",
                    number,
                )
                return fate
        raise AssertionError("unreachable")

    def _mark_printed(self, uid: str) -> str:
        """The ticket joins the queue: "" if it did, else what became of it instead."""
        try:
            ticketing.mark_printed(self.store, self.config, uid, now=self.clock())
        except ticketing.Refused:  # settled meanwhile (or its day is over): left so
            return self._fate(uid)
        return ""

    def _fate(self, uid: str) -> str:
        """What became of a printed ticket the database would not mark printed."""
        with self.store.read() as conn:
            row = conn.execute("SELECT status, day FROM tickets WHERE uid = ?", (uid,)).fetchone()
            today = ticketing.current_day(conn, self.config, self.clock())
        if row is None:
            return "is not in the database: nothing to record"
        status, day = row
        if status in ("issued", "expired") and day < today:
            return f"is of {day}, a day now over: it expires with that day, not in today's queue"
        return f"was settled meanwhile (it is {status} now): left so"

    def settle(self) -> bool:
        """Try again to record the printed tickets the database did not take; True when
        none is left waiting."""
        for uid, number in list(self.unrecorded.items()):
            try:
                fate = self._printed(uid, number)
            except Exception as exc:
                self._not_recorded(number, exc)
                return False
            del self.unrecorded[uid]
            said = f"ticket {number}, printed earlier, " + (
                fate or "is recorded now and joins the queue"
            )
            if self._settling.failing:
                self._settling.worked(say=said)
            else:
                log.warning("%s", said)
        self._unrecorded_why = None
        self._note_unrecorded()
        return True

    def _not_recorded(self, number: str, exc: Exception) -> None:
        """One line when a printed ticket is first found not recorded, then one a minute
        while the database still does not take it."""
        fault = store_fault(exc, self.store.path)
        self._unrecorded_why = fault or exc
        why = str(fault) if fault is not None else f"{type(exc).__name__}: {exc}"
        if fault is None and not self._settling.failing:  # a bug: its traceback, once
            log.error("recording printed ticket %s failed", number, exc_info=exc)
        self._settling.failed(
            f"{number}: {why}",
            first=(
                f"ticket {number} was printed but is not recorded yet ({why}): it joins the queue "
                "as soon as the database takes it; no tickets until then"
            ),
        )

    def _send(self, slip: Slip, taken: Callable[[], None] = lambda: None) -> None:
        """Print ``slip``; ``taken`` once the printer took it whole, before the tick."""
        try:
            self.printer.print_slip(slip)
            taken()
        finally:
            self._tick()

    def _void(self, uid: str, reason: str) -> None:
        try:
            ticket = ticketing.void(self.store, self.config, uid, reason, now=self.clock())
        except DiskFull as full:  # unprinted, so never callable; voided at the next start
            log.warning("a ticket left unprinted (%s) is not voided yet: %s", reason, full)
            return
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
            "printer: %s%s",
            status.state,
            f" ({status.detail})" if status.detail else "",
        )
        try:
            with self.store.change(self.clock()) as tx:
                kv.PRINTER.write(tx, status.to_json())
                tx.event("printer.status", dict(status.to_json()))
        except DiskFull as full:
            log.warning("printer status not recorded: %s", full)
        if self.feedback:
            self.feedback.printer(status)

    def poll(self) -> None:
        """Between presses: ask the printer now and then, so paper-low and an unplugged
        printer show before the next citizen finds out; carry out a reprint central asked
        for."""
        if self.recovering and not self._recovered():
            return  # the note still cannot be read: nothing to settle, nothing to reprint
        settled = not self.unrecorded or self.settle()
        now = self.monotonic()
        if now >= self._next_poll:
            self._next_poll = now + self.config.printer.retry_seconds
            self.check_printer()
        if not settled:
            return  # the database did not take it: no more waiting on it this time
        max_age = self.config.sync.command_timeout_seconds
        if commands.waiting(self.store, "reprint", now=self.clock(), max_age=max_age):
            self.reprint()
        if self.checklists is not None and jobs.pending(self.store):
            self.print_checklist()

    def print_checklist(self) -> jobs.Job | None:
        """Print the oldest list of papers asked for at the look-up screen, and say how it
        went (the screen shows it); None when none waits."""
        job = jobs.claim(self.store, now=self.clock())
        if job is None or self.checklists is None:
            return job
        found = procedures.by_code(self.store.conn, job.code)
        ok, message = False, "Không tìm thấy thủ tục này trong danh mục"
        if found is not None:
            status = self.check_printer()
            if not status.printable:
                message = f"Máy in chưa sẵn sàng ({status.detail}), mời thử lại sau"
            else:
                sheet = procedures.checklist_for(
                    found, self.config, local_time(self.config, self.clock())
                )
                try:
                    self.checklists(sheet)
                    ok, message = True, "Đã in danh sách giấy tờ, mời nhận ở máy in"
                except PrintFailed as failed:
                    self._set_status(failed.status)
                    message = f"Không in được ({failed.status.detail}), mời thử lại sau"
                finally:
                    self._tick()
        jobs.finish(self.store, job.id, ok=ok, message=message, now=self.clock())
        log.info("checklist %s (job %d): %s", job.code, job.id, message)
        return jobs.job(self.store, job.id)

    def reprint(self) -> commands.Result | None:
        """Print the last ticket printed today again (same number, same QR): central's
        "reprint" command, for a citizen whose ticket came out torn or faint."""
        max_age = self.config.sync.command_timeout_seconds
        command = commands.claim(self.store, "reprint", now=self.clock(), max_age=max_age)
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
        last = ticketing.last_printed(self.store, self.config, now=now)
        if last is None:
            return commands.Result(False, "no_ticket", "no ticket has been printed today")
        status = self.check_printer()
        if not status.printable:
            return commands.Result(
                False, f"printer_{status.state}", f"printer {status.state}: {status.detail}"
            )
        token = tokens.sign(self.key, last.ticket.day, last.ticket.number)
        try:
            self._send(slip_for(self.config, last, token))
        except PrintFailed as failed:
            self._set_status(failed.status)
            return commands.Result(
                False, f"print_{failed.status.state}", f"print failed: {failed.status.detail}"
            )
        with self.store.change(self.clock()) as tx:
            tx.event("ticket.reprinted", {"number": last.ticket.number, "uid": last.ticket.uid})
        return commands.Result(
            True,
            "done",
            f"ticket {last.ticket.number} printed again",
            {"number": last.ticket.number},
        )

    # -- the loop ---------------------------------------------------------------------

    def run(self, stop: threading.Event, on_tick: Callable[[], None] | None = None) -> None:
        """Presses until ``stop``; ``on_tick`` (the watchdog) after every pass and every
        printer call, so the loop goes at most :attr:`longest_wait` without one."""
        self._tick = on_tick or _nothing
        while not stop.is_set():
            try:
                press = self.presses.get(timeout=IDLE_WAIT)
            except queue.Empty:
                try:
                    self.poll()
                except Exception as exc:
                    fault = store_fault(exc, self.store.path)
                    if fault is None:
                        raise
                    self._polling.failed(fault)  # the disk is full, the database locked
                else:
                    self._polling.worked()
            else:
                try:
                    outcome = self.handle(press)
                except Exception as exc:  # a bug or a database fault: log it, keep the kiosk up
                    fault = store_fault(exc, self.store.path)
                    if fault is not None:
                        log.warning("press %s failed: %s", press.service, fault)
                    else:
                        log.exception("press %s failed", press.service)
                    if self.feedback:
                        self.feedback.refused()
                    continue
                if outcome.kind in ("printed", "void", "refused"):
                    log.log(
                        logging.WARNING if outcome.reason in NEEDS_HANDS else logging.INFO,
                        "press %s: %s %s %s%s",
                        press.service,
                        outcome.kind,
                        outcome.number,
                        outcome.reason,
                        f" ({outcome.detail})" if outcome.detail else "",
                    )
            self._tick()


def _nothing() -> None:
    pass
