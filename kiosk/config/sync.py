"""``[sync]``: kiosk run sync, the outbox to central and what central sends back."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt
from kiosk.config.broker import BrokerConfig


@dataclass(frozen=True, kw_only=True)
class SyncConfig(BrokerConfig):
    """kiosk run sync: the outbox to central, and what central sends back."""

    enabled: bool = opt(True, p.boolean)
    # "" uses kiosk-{site.id}-{site.device}: stable, so the broker keeps the session (the
    # example broker takes the username as the client id instead, whatever is sent).
    client_id: str = opt("", p.optional_text)
    # QoS 1 messages on the wire without a PUBACK yet.
    inflight: int = opt(100, p.int_range(1, 65535))
    # Events sent but not yet acknowledged by central; nothing more is sent until it acks.
    window: int = opt(5000, p.int_range(1, 100_000))
    # No ack progress this long while events wait: send them again from the last ack.
    ack_timeout_seconds: float = opt(30.0, p.number_range(1, 3600))
    # The retained state message is refreshed this often.
    state_seconds: float = opt(60.0, p.number_range(5, 3600))
    # A reprint waits this long for the kiosk daemon before it is answered as failed.
    command_timeout_seconds: float = opt(20.0, p.number_range(1, 600))
