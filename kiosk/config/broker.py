"""How ``[sync]`` and ``[central]`` reach the MQTT broker: the keys both share, and their
checks."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import _parse as p
from kiosk.config._fields import opt


@dataclass(frozen=True, kw_only=True)
class BrokerConfig:
    """How to reach the MQTT broker (MQTT v5): address, TLS and credentials."""

    host: str = opt("localhost", p.text)
    # 1883 plain, 8883 with TLS.
    port: int = opt(1883, p.int_range(1, 65535))
    username: str = opt("", p.optional_text)
    # Better kept out of this file: password_file names a file (mode 0600) holding it.
    password: str = opt("", p.optional_path)
    password_file: str = opt("", p.optional_path)
    tls: bool = opt(False, p.boolean)
    # CA bundle that signed the broker's certificate ("" with tls: the system's CAs).
    ca: str = opt("", p.optional_path)
    # This client's certificate and key, for brokers that want one.
    cert: str = opt("", p.optional_path)
    key: str = opt("", p.optional_path)
    keepalive: int = opt(30, p.int_range(5, 3600))
    # Reconnect waits grow from the first to the second, doubling each time.
    reconnect_min_seconds: float = opt(1.0, p.number_range(0.1, 60))
    reconnect_max_seconds: float = opt(120.0, p.number_range(1, 3600))
    # How long the broker keeps this client's session (subscriptions, queued messages)
    # while it is away.
    session_expiry_hours: float = opt(168.0, p.number_range(0.01, 8760))


def check_broker(path: str, broker: BrokerConfig) -> list[str]:
    problems: list[str] = []
    if broker.password and broker.password_file:
        problems.append(f"{path}password_file: give password or password_file, not both")
    if bool(broker.cert) != bool(broker.key):
        problems.append(f"{path}key: a client certificate needs its key (set both cert and key)")
    if (broker.ca or broker.cert) and not broker.tls:
        problems.append(f"{path}tls: ca/cert are set but tls = false")
    if broker.reconnect_min_seconds > broker.reconnect_max_seconds:
        problems.append(f"{path}reconnect_max_seconds: must not be less than reconnect_min_seconds")
    return problems
