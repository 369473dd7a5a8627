"""MQTT v5 sync with the province's central server (paho-mqtt).

An adapter: it imports only the :mod:`kiosk` core, never ``printer``, ``scanner``,
``display``, ``kiosk.keys`` or the applications.

``SyncDaemon`` is the device's side (``kiosk run sync``); ``Central`` the reference ingest
(``kiosk central``). The contract is ``sync/asyncapi.yaml`` with the JSON Schemas in
``sync/schemas/``.
"""

from sync._contract import Invalid, Topics, decode, encode, parse_topic, validate
from sync._daemon import SyncDaemon, client_id
from sync._mqtt import BrokerSetupError, Client, login

__all__ = [
    "BrokerSetupError",
    "Client",
    "Invalid",
    "SyncDaemon",
    "Topics",
    "client_id",
    "decode",
    "encode",
    "login",
    "parse_topic",
    "validate",
]
