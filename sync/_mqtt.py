"""A paho-mqtt 2.x client set up the one right way for this system: MQTT v5, callback API
version 2, a stable client id with a persistent session (clean_start false and a session
expiry), reconnects with growing waits, bounded queues, TLS and credentials from config.

Callbacks only put what happened on a queue for the daemon's own loop: they cannot raise
into paho's network thread (an exception there would silently stop it while
``is_connected()`` still says True).

paho's private names are used here only: ``_packet_queue``, ``_thread`` and ``_sockpairW``
by :class:`_Paho` (checked first, else paho's own client is used), and the messages
not yet acknowledged, by :meth:`Client.sending` (paho says so nowhere public).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import queue
import socket
import ssl
import threading
from pathlib import Path
from typing import Any, NamedTuple

from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from kiosk.config import BrokerConfig
from sync._paho import mqtt

log = logging.getLogger("sync.mqtt")


class _NotConnectedIsDebug(logging.Filter):
    """paho 2.2 logs "Client is not connected" as an error whenever its loop runs while the
    socket is gone: between a disconnect and a reconnect, and while a client is being
    closed. That is the normal course of things, and the daemons report the connection
    state themselves, so it is kept at debug level (never a second line on a CLI error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith("Client is not connected"):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return record.levelno >= logging.getLogger(record.name).getEffectiveLevel()
        return True


PAHO_LOG = logging.getLogger("sync.paho")
PAHO_LOG.addFilter(_NotConnectedIsDebug())


class BrokerSetupError(ValueError):
    """The broker settings cannot be used (a missing password file or certificate)."""


class Happened(NamedTuple):
    """One thing paho reported: ``connected``, ``refused``, ``disconnected`` or ``message``.
    (A named tuple: one is made per message received, in paho's thread, and it is cheap.)"""

    kind: str
    topic: str = ""
    payload: bytes = b""
    code: int = 0
    detail: str = ""
    session_present: bool = False  # connected: the broker kept our session


def password(broker: BrokerConfig) -> str:
    if not broker.password_file:
        return broker.password
    try:
        return Path(broker.password_file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise BrokerSetupError(
            f"password_file {broker.password_file}: cannot read: {exc.strerror or exc}"
        ) from None


def _tls(client: mqtt.Client, broker: BrokerConfig) -> None:
    for name in ("ca", "cert", "key"):
        value = getattr(broker, name)
        if value and not Path(value).is_file():
            raise BrokerSetupError(f"{name} {value}: no such file")
    try:
        client.tls_set(
            ca_certs=broker.ca or None,
            certfile=broker.cert or None,
            keyfile=broker.key or None,
            cert_reqs=ssl.CERT_REQUIRED,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise BrokerSetupError(f"TLS: {exc}") from None


def login(client: mqtt.Client, broker: BrokerConfig) -> None:
    """The configured username and password (or password file) and TLS, on a paho client;
    :class:`BrokerSetupError` for a file that cannot be read."""
    if broker.username:
        client.username_pw_set(broker.username, password(broker) or None)
    if broker.tls:
        _tls(client, broker)


class _Paho(mqtt.Client):
    """paho's client, less a wasted pair of system calls per packet its own network thread
    queues: a PUBACK for every message received, the next publish for every PUBACK.

    paho wakes its network thread's ``select()`` through a socket pair whenever a packet is
    queued, even when the thread queueing it is that network thread, which then reads the
    wake-up byte back. From that thread the wake-up is not needed: its next pass puts the
    socket in ``select()``'s write list because a packet waits (``want_write()``). At a
    central taking thousands of events a second this was a third of the network thread's
    work. Other threads' packets still wake it as before.
    """

    def _packet_queue(self, *args: Any, **kwargs: Any) -> Any:
        thread = self._thread
        if thread is None or thread.ident != threading.get_ident():
            return super()._packet_queue(*args, **kwargs)
        wake, self._sockpairW = self._sockpairW, None
        try:
            return super()._packet_queue(*args, **kwargs)
        finally:
            self._sockpairW = wake


def _paho_class() -> type[mqtt.Client]:
    """:class:`_Paho` where paho's internals are the ones it was written for, else paho's
    own client (correct, only slower)."""
    try:
        packet_queue = mqtt.Client._packet_queue  # noqa: SLF001 (what _Paho overrides)
        params = list(inspect.signature(packet_queue).parameters)
        probe = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        known = all(hasattr(probe, name) for name in ("_thread", "_sockpairW", "want_write"))
    except (AttributeError, TypeError, ValueError):
        return mqtt.Client
    if params[:6] == ["self", "command", "packet", "mid", "qos", "info"] and known:
        return _Paho
    return mqtt.Client


PAHO = _paho_class()


def no_delay(sock: Any) -> None:
    """Each MQTT packet leaves at once (``TCP_NODELAY``; paho leaves Nagle's algorithm on).
    With it on, a PUBACK or a small publish waited for the peer's delayed ACK, about 40 ms
    at a time, and a stream of events stalled in steps of a hundred."""
    if sock is not None:
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Client:
    """A paho client whose callbacks feed :attr:`inbox`."""

    def __init__(
        self,
        broker: BrokerConfig,
        client_id: str,
        *,
        inflight: int = 20,
        queued: int = 0,
        will: tuple[str, bytes] | None = None,
    ) -> None:
        self.broker = broker
        self.client_id = client_id
        # Not SimpleQueue: on CPython 3.11 its get(timeout=...) can block for good once a
        # signal (SIGTERM) interrupts it, and the daemon would never stop.
        self.inbox: queue.Queue[Happened] = queue.Queue()
        client = PAHO(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=True,
        )
        client.suppress_exceptions = True
        client.enable_logger(PAHO_LOG)
        login(client, broker)
        if will is not None:
            client.will_set(will[0], will[1], qos=1, retain=True)
        client.reconnect_delay_set(
            min_delay=max(1, round(broker.reconnect_min_seconds)),
            max_delay=max(1, round(broker.reconnect_max_seconds)),
        )
        client.max_inflight_messages_set(inflight)
        client.max_queued_messages_set(queued)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_connect_fail = self._on_connect_fail
        self.paho = client

    # -- callbacks: paho's thread; they only queue ---------------------------------------

    def _put(self, happened: Happened) -> None:
        try:
            self.inbox.put_nowait(happened)
        except Exception:  # never into paho's thread
            log.exception("cannot queue %s", happened.kind)

    def _on_connect(self, _c: Any, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        try:
            no_delay(self.paho.socket())
            failed = bool(getattr(reason, "is_failure", False))
            present = bool(getattr(flags, "session_present", False))
            kind = "refused" if failed else "connected"
            code = int(reason.value)
            self._put(Happened(kind, code=code, detail=str(reason), session_present=present))
        except Exception:
            log.exception("on_connect")

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        try:
            code = int(getattr(reason, "value", 0))
            self._put(Happened("disconnected", code=code, detail=str(reason)))
        except Exception:
            log.exception("on_disconnect")

    def _on_message(self, _c: Any, _u: Any, message: Any) -> None:
        try:
            self._put(Happened("message", topic=str(message.topic), payload=bytes(message.payload)))
        except Exception:
            log.exception("on_message")

    def _on_connect_fail(self, _c: Any, _u: Any) -> None:
        try:  # no TCP or TLS connection at all (paho retries on its own)
            self._put(Happened("disconnected", detail="cannot connect"))
        except Exception:
            log.exception("on_connect_fail")

    # -- the daemon's side ----------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; paho keeps reconnecting until :meth:`stop`."""
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = int(self.broker.session_expiry_hours * 3600)
        self.paho.connect_async(
            self.broker.host,
            self.broker.port,
            self.broker.keepalive,
            clean_start=False,
            properties=props,
        )
        self.paho.loop_start()

    def subscribe(self, topics: list[str], *, share: str = "") -> None:
        options = SubscribeOptions(qos=1)
        wanted = [(f"$share/{share}/{topic}" if share else topic, options) for topic in topics]
        self.paho.subscribe(wanted)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> int | None:
        """Queue a QoS 1 publish; its mid, or None when paho would not take it."""
        info = self.paho.publish(topic, payload, qos=1, retain=retain)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            return None
        return int(info.mid)

    def connected(self) -> bool:
        return bool(self.paho.is_connected())

    def sending(self) -> bool:
        """Whether paho still holds a message: queued, or sent and waiting for the broker's
        PUBACK. paho keeps this only in private fields (there is no public call)."""
        paho = self.paho
        return bool(paho._out_messages or paho._inflight_messages)  # noqa: SLF001

    def stop(self, *, last: tuple[str, bytes] | None = None) -> None:
        """Disconnect cleanly (``last``: a final retained message first) and stop the loop."""
        try:
            if self.paho.is_connected():
                if last is not None:
                    info = self.paho.publish(last[0], last[1], qos=1, retain=True)
                    info.wait_for_publish(timeout=2)
                self.paho.disconnect()
        except Exception as exc:
            log.debug("disconnect: %s", exc)
        self.paho.loop_stop()
