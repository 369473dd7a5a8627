"""``kiosk central``: the province's reference ingest.

Workers share the sites' events through an MQTT v5 shared subscription
(``$share/{group}/hcc/v1/+/+/events``): start several with the same group and the broker
spreads the load. Each batch is stored in one transaction, each event once, then every
device in it gets an ack with the highest seq stored without a gap; the device deletes
its copies only then. Central's session is persistent, so events published while it is
down wait at the broker; a device also sends again what is not acked in time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from kiosk.config import CentralConfig
from kiosk.figures import Figures, grouped
from kiosk.periods import Period, spans
from kiosk.store import iso_utc
from sync._contract import Invalid, Topics, decode, encode, event_envelope, parse_topic
from sync._mqtt import Client, Happened
from sync.central_store import Ack, CentralStore, CentralStoreError, Incoming

log = logging.getLogger("sync.central")

LINGER_SECONDS = 0.02
FIGURES_SECONDS = 0.5  # how often what was stored is taken into the pages' figures
FIGURES_SHARE = 10.0  # ... or this many times as long as the last take took


def central_client_id(config: CentralConfig) -> str:
    return config.client_id or f"kiosk-central-{config.group}-{socket.gethostname()}"


class Central:
    def __init__(self, config: CentralConfig, store: CentralStore, *, client_id: str = "") -> None:
        self.config = config
        self.store = store
        self.client = Client(config, client_id or central_client_id(config), inflight=1000)
        self.stored = 0
        self.dropped = 0
        self.rejected = 0  # events kept aside (see CentralStore.rejected)
        self.connected = False
        self.store_down = ""  # why the database cannot be used, while it cannot
        self.on_stored: Callable[[list[Ack]], None] | None = None
        self.figures_at = 0.0

    def start(self) -> None:
        self.client.start()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.step(0.05)

    def step(self, wait: float = 0.0) -> int:
        """Take what arrived (up to a batch), store it, ack it. Returns events taken."""
        events: list[Incoming] = []
        inbox = self.client.inbox
        deadline = time.monotonic() + wait
        linger = 0.0
        while len(events) < self.config.batch:
            if events and not linger:
                # Group commit: the rest of a burst joins this batch, so one transaction
                # (one fsync, one ack per device) covers many events. Sleeping through
                # the moment (until a batch is in), rather than waking for each message,
                # leaves paho's thread the interpreter to itself while it reads them.
                linger = time.monotonic() + LINGER_SECONDS
                wanted = self.config.batch - len(events)
                while inbox.qsize() < wanted and time.monotonic() < linger:
                    time.sleep(0.002)
            timeout = (linger or deadline) - time.monotonic()
            try:
                happened = inbox.get(timeout=timeout) if timeout > 0 else inbox.get_nowait()
            except Exception:
                break
            try:
                self._handle(happened, events)
            except Invalid as exc:
                self.dropped += 1
                log.warning("dropped: %s", exc)
            except CentralStoreError as exc:
                self._store_down(str(exc))
            except Exception:
                log.exception("central: message failed")
        self._figures()
        if events:
            try:
                acks = self.store.ingest(events)
            except CentralStoreError as exc:
                # Not acked, so the devices send these again after their ack timeout.
                self._store_down(f"{exc}; {len(events)} events not stored")
                return 0
            except Exception:
                log.exception("central: could not store %d events", len(events))
                return 0
            self._store_up()
            self._stored(events, acks)
        return len(events)

    def _figures(self) -> None:
        """Now and then, what was stored since is taken into the figures the pages read
        (many events at once, in a transaction of its own: acks never wait for it)."""
        now = time.monotonic()
        if now < self.figures_at:
            return
        try:
            self.store.take_figures()
        except CentralStoreError as exc:
            self._store_down(str(exc))
        except Exception:
            log.exception("central: could not take events into the figures")
        # At most a tenth of the worker's time: when events pour in, takes grow larger and
        # rarer (a site's figures change once for more events); when they trickle in, the
        # pages are at most half a second behind.
        took = time.monotonic() - now
        self.figures_at = now + max(FIGURES_SECONDS, FIGURES_SHARE * took)

    def _store_up(self) -> None:
        if self.store_down:
            log.warning("central: the database is back")
            self.store_down = ""

    def _store_down(self, why: str) -> None:
        """One warning when the database goes away, not one per batch while it is."""
        if not self.store_down:
            log.warning("central: cannot use the database: %s", why)
        self.store_down = why

    def _handle(self, happened: Happened, events: list[Incoming]) -> None:
        if happened.kind == "connected":
            self.connected = True
            sites = self.config.sites
            self.client.subscribe(
                [
                    f"hcc/v1/{sites}/+/events",
                    f"hcc/v1/{sites}/+/state",
                    f"hcc/v1/{sites}/+/cmd/result",
                ],
                share=self.config.group,
            )
            log.info(
                "central connected to %s:%d (group %s, session %s)",
                self.config.host,
                self.config.port,
                self.config.group,
                "kept" if happened.session_present else "new",
            )
            return
        if happened.kind in ("disconnected", "refused"):
            if self.connected or happened.kind == "refused":
                log.warning("central: broker %s: %s", happened.kind, happened.detail)
            self.connected = False
            return
        if happened.kind != "message":
            return
        parsed = parse_topic(happened.topic)
        if parsed is None or not parsed[1]:
            raise Invalid(f"{happened.topic}: not a device topic")
        site, device, kind = parsed
        if kind == "event":
            try:
                events.append(Incoming(site, device, decode("event", happened.payload)))
            except Invalid as exc:
                envelope = event_envelope(happened.payload)
                if envelope is None:
                    raise
                # Kept aside and counted as held: the device's later events still get acked.
                self.rejected += 1
                log.warning("%s/%s seq %d kept as rejected: %s", site, device, envelope["seq"], exc)
                text = happened.payload.decode("utf-8", "backslashreplace")
                kept = text.replace("\x00", "\\x00")
                events.append(Incoming(site, device, envelope, rejected=str(exc), payload=kept))
        elif kind == "state":
            self.store.put_state(site, device, decode("state", happened.payload))
            self._store_up()
        elif kind == "result":
            self.store.put_result(site, device, decode("result", happened.payload))
            self._store_up()
        else:
            raise Invalid(f"{happened.topic}: central does not take {kind} messages")

    def _stored(self, events: list[Incoming], acks: list[Ack]) -> None:
        """The batch is committed: ack it, and answer the resync requests in it."""
        self.stored += len(events)
        for ack in acks:
            topic = Topics(ack.site, ack.device).ack
            body = encode("ack", {"seq": ack.seq, "db": ack.db, "ts": iso_utc(time.time())})
            self.client.publish(topic, body, retain=True)
        for item in events:
            kind = _RESYNCS.get(str(item.event.get("type")))
            if kind is None:
                continue
            try:
                sent = self.publish(kind, item.site, self.store.records(kind, item.site))
            except CentralStoreError as exc:
                self._store_down(
                    f"{exc}; the resync for {item.site}/{item.device} waits "
                    "for the device to ask again"
                )
                continue
            log.info("resync for %s/%s: %d %s sent", item.site, item.device, sent, kind)
        if self.on_stored is not None:
            self.on_stored(acks)

    def publish_dossiers(self, site: str, records: list[dict[str, Any]]) -> int:
        """Send dossier records to a site's devices, a message per 500."""
        return self.publish("dossiers", site, records)

    def publish(self, kind: str, site: str, records: list[dict[str, Any]]) -> int:
        """Send records of ``kind`` (dossiers, procedures) to a site's devices, in messages
        of at most the contract's count and size."""
        topic = f"{Topics(site).prefix}/{kind}"
        for chunk in chunks(kind, records):
            self.client.publish(topic, encode(kind, {kind: chunk}))
        return len(records)

    def command(self, site: str, device: str, command: dict[str, Any]) -> None:
        self.client.publish(Topics(site, device).cmd, encode("command", command))

    def close(self) -> None:
        self.client.stop()


# The events by which a device asks for every record of a kind again.
_RESYNCS = {"dossiers.resync_requested": "dossiers", "procedures.resync_requested": "procedures"}
# Records a message holds at most, and its payload's bytes (under the contract's limit).
PER_MESSAGE = {"dossiers": 500, "procedures": 100}
MESSAGE_BYTES = 900 * 1024


def chunks(kind: str, records: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """``records`` in groups a message of ``kind`` holds: at most its count, and their JSON
    under :data:`MESSAGE_BYTES` (a record larger than that alone goes alone)."""
    chunk: list[dict[str, Any]] = []
    size = 0
    for record in records:
        length = len(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode())
        if chunk and (len(chunk) == PER_MESSAGE[kind] or size + length > MESSAGE_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(record)
        size += length + 1
    if chunk:
        yield chunk


def report(store: CentralStore, site: str, day: str, timezone: str) -> dict[str, Any]:
    """The daily report of ``site`` for business ``day`` (YYYY-MM-DD, local)."""
    import zoneinfo

    from kiosk.daily import daily_report

    zone = zoneinfo.ZoneInfo(timezone)
    start = dt.datetime.fromisoformat(day).replace(tzinfo=zone)
    # A day's tickets have their events on that day; a margin catches clock skew.
    first = iso_utc((start - dt.timedelta(days=1)).timestamp())
    last = iso_utc((start + dt.timedelta(days=2)).timestamp())
    events = store.events(site, first, last)
    out = daily_report(events, day)
    out["site"] = site
    out["devices"] = sorted({e["device"] for e in events})
    out["events"] = len(events)
    # Kept aside when they arrived (their own times cannot be trusted): that day's, and
    # the next morning's (a device back online sends the day before).
    arrived = store.rejected(site, start.timestamp(), (start + dt.timedelta(days=2)).timestamp())
    out["rejected"] = [{k: r[k] for k in ("device", "db", "seq", "reason")} for r in arrived]
    return out


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def period_report(
    store: CentralStore, period: Period, sites: list[str] | None, by: str = "site"
) -> dict[str, Any]:
    """A period's figures (tickets, served, no-shows, waits, service, ratings) of
    ``sites`` (None: every site) by site, service, counter or officer, with their total:
    what ``kiosk central report --period`` prints and central's pages show and export."""
    rows = store.figures(spans(period), sites)
    groups, total = grouped(rows, by)
    return {
        "period": period.name,
        "title": period.title(),
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "by": by,
        "sites": sorted({row[0] for row in rows}),
        "rows": [{"key": list(key), **figures.summary()} for key, figures in groups.items()],
        "total": total.summary(),
    }


def period_series(
    store: CentralStore, period: Period, sites: list[str] | None
) -> list[tuple[dt.date, Figures]]:
    """The period's figures day by day (or month by month when it is longer than two
    months), for its chart."""
    units: list[Period] = []
    if period.days() <= 62:
        units = [
            Period(day, day, day.isoformat())
            for day in (period.first + dt.timedelta(days=n) for n in range(period.days()))
        ]
    else:
        start = period.first
        while start <= period.last:
            following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
            end = min(period.last, following - dt.timedelta(days=1))
            units.append(Period(start, end, start.isoformat()))
            start = following
    owner = {span: unit.first for unit in units for span in spans(unit)}
    totals = {unit.first: Figures() for unit in units}
    for span, figures in store.span_totals(list(owner), sites):
        totals[owner[span]].merge(figures)
    return sorted(totals.items())
