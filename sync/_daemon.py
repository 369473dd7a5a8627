"""``kiosk run sync``: the outbox to central, and what central sends back.

Everything that matters lives in SQLite: events are read from the outbox in seq order,
published (QoS 1) within a bounded window, and deleted only when central's ack says they
are stored. After a reconnect, a restart, or an ack that does not come, sending starts
again from the last ack; central drops the repeats. paho's callbacks only queue what
happened; this loop does the work.

A database that cannot take a change (its disk full, locked past the busy timeout) fails
the step that needed it, which is tried again on its next occasion (an ack comes again, or
sending starts again from the last one): one warning line when it starts failing, one a
minute while it lasts, one when it works again; never a traceback.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kiosk import __version__, commands, outbox, ticketing
from kiosk.commands import Result
from kiosk.config import Config
from kiosk.faultlog import FaultLog
from kiosk.store import Store, iso_utc, kv, store_fault
from sync import _inbound as inbound
from sync._contract import Invalid, Topics, decode, encode, parse_topic
from sync._mqtt import Client, Happened

log = logging.getLogger("sync")

BATCH = 500  # events read from the outbox at a time
HEALTH = "sync"
KEEP_COMMANDS_DAYS = 7


def client_id(config: Config) -> str:
    """The configured one, else ``kiosk-{site}-{device}``, with or without a login: the
    name the device's persistent session has always had at the broker (what waits there,
    central's acks and commands, stays the device's across upgrades). A broker that binds
    each login to its client id, as the example one does, uses the login instead."""
    return config.sync.client_id or f"kiosk-{config.site.id}-{config.site.device}"


def offline_payload() -> bytes:
    return encode("state", {"online": False, "version": __version__})


# At rest: how long a step waits for paho (which wakes it at once) before it looks for new
# events in the outbox. Events reach central at most this much later.
IDLE_WAIT = 0.2


class SyncDaemon:
    """One device's MQTT link to central."""

    def __init__(
        self,
        config: Config,
        db_path: str,
        raw: dict[str, Any],
        sources: tuple[str, ...],
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.raw, self.sources = raw, sources
        self.clock, self.monotonic = clock, monotonic
        self.topics = Topics(config.site.id, config.site.device)
        self.client = Client(
            config.sync,
            client_id(config),
            inflight=config.sync.inflight,
            queued=config.sync.window + 100,
            will=(self.topics.state, offline_payload()),
        )
        self.store = Store(db_path, config.store.busy_timeout_ms)
        box = outbox.state(self.store)
        self.db, self.acked = box.db, box.acked
        self.next_seq: int | None = None  # None: not connected, nothing is sent
        self.progress_at = monotonic()
        self.state_at = -1e9
        # Reprints the kiosk daemon has to carry out: command id -> when to give up on it.
        # Kept in the database, so a restart picks up where the last run left off.
        self.reprints: dict[str, float] = {}
        self.printing: set[str] = set()  # of those, claimed ones given more time
        timeout = config.sync.command_timeout_seconds
        for waiting in commands.unfinished(self.store, "reprint"):
            left = waiting.received_at + timeout - clock()
            self.reprints[waiting.id] = monotonic() + max(0.0, min(left, timeout))
        self.health = ("", "")
        self.published = 0
        self.dropped = 0  # inbound messages refused
        self.on_applied: Callable[[str, str], None] | None = None  # (kind, message), tests
        self.faults: dict[str, FaultLog] = {}  # a step's lasting database fault, by step

    # -- the loop ---------------------------------------------------------------------

    def start(self) -> None:
        self._report("starting", f"connecting to {self._where()}")
        self.client.start()

    def _where(self) -> str:
        sync = self.config.sync
        return f"{sync.host}:{sync.port}{' (TLS)' if sync.tls else ''}"

    def run(self, stop: threading.Event, on_tick: Callable[[], None] | None = None) -> None:
        busy = False
        while not stop.is_set():
            busy = self.step(0.0 if busy else IDLE_WAIT)
            if on_tick is not None:
                on_tick()

    def step(self, wait: float = 0.0) -> bool:
        """Handle what paho reported, send what is due, check the timers. True when more
        events could be sent at once (the next step should not wait)."""
        inbox = self.client.inbox
        try:
            happened = inbox.get(timeout=wait) if wait > 0 else inbox.get_nowait()
        except Exception:
            happened = None
        handled = 0
        while happened is not None and handled < 1000:
            self._safely(self._handle, happened, step=_step_name(happened))
            handled += 1
            try:
                happened = inbox.get_nowait()
            except Exception:
                happened = None
        busy = self._safely(self._pump, step="outbox")
        if self.reprints:
            self._safely(self._reprints, step="reprints")
        self._timers()
        return bool(busy)

    def _safely(self, work: Callable[..., Any], *args: Any, step: str = "message") -> Any:
        """``work`` done, or its failure logged (the link stays up): a bug with its
        traceback, a database fault as one line (see :class:`kiosk.faultlog.FaultLog`)."""
        try:
            done = work(*args)
        except Invalid as exc:
            self.dropped += 1
            log.warning("dropped: %s", exc)
            return None
        except Exception as exc:
            fault = store_fault(exc, self.store.path)
            if fault is None:
                log.exception("sync step failed (%s)", step)
            else:
                if step not in self.faults:
                    self.faults[step] = FaultLog(
                        log, f"sync step ({step})", monotonic=self.monotonic
                    )
                self.faults[step].failed(fault)
            return None
        if step in self.faults:
            self.faults[step].worked()
        return done

    def close(self) -> None:
        self.client.stop(last=(self.topics.state, offline_payload()))
        self._report("stopped", "")
        self.store.close()

    # -- paho's reports ---------------------------------------------------------------

    def _handle(self, happened: Happened) -> None:
        if happened.kind == "connected":
            log.info(
                "connected to %s (session %s)",
                self._where(),
                "kept" if happened.session_present else "new",
            )
            topics = self.topics
            self.client.subscribe(
                [topics.ack, topics.config, topics.dossiers, topics.procedures, topics.cmd]
            )
            self.next_seq = self.acked + 1  # whatever was in flight goes again
            self.progress_at = self.monotonic()
            self.state_at = -1e9
            self._report("ok", f"connected to {self._where()}")
            self._answer_waiting()
        elif happened.kind == "refused":
            self.next_seq = None
            self._report("degraded", f"broker {self._where()} refused: {happened.detail}")
        elif happened.kind == "disconnected":
            if self.next_seq is not None:
                log.warning("lost the broker (%s); reconnecting", happened.detail)
            self.next_seq = None
            self._report("degraded", f"broker {self._where()} unreachable; retrying")
        elif happened.kind == "message":
            self._message(happened.topic, happened.payload)

    def _message(self, topic: str, payload: bytes) -> None:
        parsed = parse_topic(topic)
        if parsed is None or parsed[0] != self.config.site.id:
            raise Invalid(f"{topic}: not a topic of this site")
        _, device, kind = parsed
        if device not in ("", self.config.site.device):
            raise Invalid(f"{topic}: another device's topic")
        if kind == "command":
            self._command(payload)
            return
        doc = decode(kind, payload)
        now = self.clock()
        if kind == "ack":
            self._ack(doc, now)
        elif kind == "config":
            applied = inbound.apply_config(self.store, self.raw, self.sources, doc, now=now)
            self._applied("config", applied.message, applied.ok or applied.ignored)
            if applied.config is not None:
                self.config = applied.config
                self.state_at = -1e9
        elif kind == "dossiers":
            applied = inbound.apply_dossiers(self.store, self.config, doc, now=now)
            self._applied("dossiers", applied.message, applied.ok)
        elif kind == "procedures":
            applied = inbound.apply_procedures(self.store, doc, now=now)
            self._applied("procedures", applied.message, applied.ok)
        else:
            raise Invalid(f"{topic}: a device does not take {kind} messages")

    def _applied(self, kind: str, message: str, ok: bool) -> None:
        (log.info if ok else log.warning)("%s", message)
        if not ok:
            self.dropped += 1
        if self.on_applied is not None:
            self.on_applied(kind, message)

    # -- the outbox -------------------------------------------------------------------

    def _ack(self, doc: dict[str, Any], now: float) -> None:
        if doc["db"] != self.db:
            log.debug("ack for another database (%s) ignored", doc["db"])
            return
        seq = int(doc["seq"])
        if seq <= self.acked:
            return
        try:
            gone = outbox.ack(self.store, seq, now=now)
        except ValueError as exc:
            raise Invalid(f"ack: {exc}") from None
        self.acked = seq
        self.progress_at = self.monotonic()
        if self.next_seq is not None and self.next_seq <= seq:
            self.next_seq = seq + 1
        log.debug("central holds up to %d (%d events let go)", seq, gone)

    def _pump(self) -> bool:
        """Publish the next events within the window; True if a whole batch went (so
        there may be more to send at once)."""
        if self.next_seq is None or not self.client.connected():
            return False
        room = self.acked + self.config.sync.window - self.next_seq + 1
        if room <= 0:
            return False
        floor = self.acked + 1
        batch = outbox.pending(self.store, self.next_seq, min(room, BATCH))
        for event in batch:
            payload = outbox.envelope(event, self.db, floor)
            if self.client.publish(self.topics.events, payload) is None:
                if not self.client.connected():
                    self.next_seq = None  # start again from the last ack on reconnect
                return False  # paho's queue is full: this event goes on a later step
            self.next_seq = event.seq + 1
            self.published += 1
        return len(batch) == BATCH

    # -- commands ---------------------------------------------------------------------

    def _command(self, payload: bytes) -> None:
        try:
            doc = decode("command", payload)
        except Invalid as exc:
            command_id = _loose_id(payload)
            if command_id:
                self._answer(command_id, "", Result(False, "invalid", str(exc)))
            raise
        command_id, cmd = doc["id"], doc["cmd"]
        now = self.clock()
        if not commands.record(self.store, command_id, cmd, doc.get("args", {}), now=now):
            earlier = inbound.answered(self.store, command_id)
            if earlier is not None:
                self._answer(command_id, cmd, earlier)  # a repeat: the first answer again
            return
        log.info(
            "command %s: %s %s",
            command_id,
            cmd,
            json.dumps(doc.get("args", {}), ensure_ascii=False),
        )
        try:
            result = inbound.run_command(self.store, self.config, doc, now=now)
        except Exception as exc:  # a busy database, a bug: answered, never left pending
            fault = store_fault(exc, self.store.path)
            if fault is None:
                log.exception("command %s failed", command_id)
                result = Result(
                    False, "error", f"not carried out: {type(exc).__name__}: {exc}"[:500]
                )
            else:
                log.warning("command %s failed: %s", command_id, fault)
                result = Result(False, "error", f"not carried out: {fault}"[:500])
        if result is None:  # the kiosk daemon prints it
            self.reprints[command_id] = self.monotonic() + self.config.sync.command_timeout_seconds
            return
        if not result.ok:
            log.warning("command %s refused (%s): %s", command_id, result.code, result.message)
        commands.finish(self.store, command_id, result, now=self.clock())
        self._answer(command_id, cmd, result)

    def _answer(self, command_id: str, cmd: str, result: Result) -> None:
        """Publish a command's answer. While the link is down it waits in the commands
        table and goes when the link is back (:meth:`_answer_waiting`)."""
        if self.next_seq is None or not self.client.connected():
            return
        body: dict[str, Any] = {"id": command_id, **result.to_json(), "ts": iso_utc(self.clock())}
        if cmd:
            body["cmd"] = cmd
        if self.client.publish(self.topics.result, encode("result", body)) is None:
            log.warning(
                "command %s: the answer could not be queued (the outgoing queue is "
                "full); it goes on the next reconnect",
                command_id,
            )
            return
        commands.answered(self.store, command_id, now=self.clock())

    def _answer_waiting(self) -> None:
        """Answers of commands finished while the link or this daemon was down."""
        for done in commands.unanswered(self.store):
            if done.result is not None:
                log.info("command %s: answered now that the link is back", done.id)
                self._answer(done.id, done.cmd, done.result)

    def _printing_seconds(self) -> float:
        """How long a claimed reprint may take: the printer's status query and the print
        may each wait for its timeout."""
        return max(
            self.config.sync.command_timeout_seconds, 2 * self.config.printer.timeout_seconds + 1
        )

    def _reprints(self) -> None:
        now = self.monotonic()
        for command_id, deadline in list(self.reprints.items()):
            found = commands.find(self.store, command_id)
            if found is None or found.result is not None:
                del self.reprints[command_id]
                self.printing.discard(command_id)
            if found is None:
                continue
            if found.result is not None:
                self._answer(command_id, found.cmd, found.result)
            elif now < deadline:
                continue
            elif found.state == "pending":
                late = Result(
                    False, "kiosk_not_running", "the kiosk daemon did not take the reprint in time"
                )
                if commands.give_up(self.store, command_id, late, now=self.clock()):
                    del self.reprints[command_id]
                    self._answer(command_id, found.cmd, late)
                else:  # claimed meanwhile: it is printing
                    self.printing.add(command_id)
                    self.reprints[command_id] = now + self._printing_seconds()
            elif command_id not in self.printing:  # claimed: give the printing its time
                self.printing.add(command_id)
                self.reprints[command_id] = now + self._printing_seconds()
            else:  # claimed, then never finished: the kiosk daemon died while printing
                lost = Result(False, "interrupted", "the kiosk daemon stopped while printing it")
                if commands.give_up(self.store, command_id, lost, now=self.clock(), running=True):
                    self._answer(command_id, found.cmd, lost)
                    del self.reprints[command_id]
                    self.printing.discard(command_id)
                # else it finished meanwhile: the next pass answers with its own result

    # -- timers -----------------------------------------------------------------------

    def _timers(self) -> None:
        if self.next_seq is None:
            return
        now = self.monotonic()
        waiting = self.next_seq - 1 > self.acked
        if waiting and now - self.progress_at > self.config.sync.ack_timeout_seconds:
            log.warning(
                "no ack from central for %.0fs; sending again from seq %d",
                now - self.progress_at,
                self.acked + 1,
            )
            self.next_seq = self.acked + 1
            self.progress_at = now
        if now - self.state_at >= self.config.sync.state_seconds:
            self.state_at = now
            self._safely(self._send_state, step="state")

    def _send_state(self) -> None:
        if self.client.publish(self.topics.state, self._state(), retain=True) is None:
            log.warning(
                "state not queued (the outgoing queue is full); sent again in %.0fs",
                self.config.sync.state_seconds,
            )
        commands.forget(self.store, self.clock() - KEEP_COMMANDS_DAYS * 86400, now=self.clock())

    def _state(self) -> bytes:
        box = outbox.state(self.store)
        state: dict[str, Any] = {
            "online": True,
            "version": __version__,
            "ts": iso_utc(self.clock()),
            "config_version": inbound.config_version(self.store),
            "site_name": self.config.site.name,
            "services": {service.id: service.name for service in self.config.services},
            "outbox": {"pending": box.held, "acked": box.acked, "last": box.last},
        }
        conn = self.store.conn
        printer = kv.PRINTER.read(conn)
        if printer is not None:
            state["printer"] = {
                k: printer[k] for k in ("state", "detail", "printable") if k in printer
            }
        day = ticketing.last_ticket_day(conn)
        if day is not None:
            counts = ticketing.queue_counts(conn, day)
            state["queue"] = {
                "day": day,
                "waiting": counts.by_status.get("waiting", 0),
                "issued": counts.issued,
                "serving": counts.serving,
                "done": counts.done,
                "missed": counts.missed,
            }
        return encode("state", state)

    def _report(self, state: str, detail: str) -> None:
        if (state, detail) == self.health:
            return
        self.health = (state, detail)
        if state == "degraded":
            log.warning("%s", detail)
        try:
            self.store.report_health(HEALTH, state, detail, self.clock())
        except Exception as exc:  # the database is busy or gone: next change tries again
            log.warning("cannot record health: %s", exc)


def _step_name(happened: Happened) -> str:
    """What handling ``happened`` is called in the log: the message's kind (ack, config,
    dossiers, command), or what happened to the link (connected, disconnected, refused)."""
    if happened.kind != "message":
        return happened.kind
    parsed = parse_topic(happened.topic)
    return parsed[2] if parsed is not None else "message"


def _loose_id(payload: bytes) -> str:
    """The id of a command that failed its schema, if it has a usable one (to answer it)."""
    try:
        doc = json.loads(payload[:8192])
    except (ValueError, UnicodeDecodeError, RecursionError):
        return ""
    value = doc.get("id") if isinstance(doc, dict) else None
    if (
        isinstance(value, str)
        and 0 < len(value) <= 64
        and all(c.isascii() and (c.isalnum() or c in "._:-") for c in value)
    ):
        return value
    return ""
