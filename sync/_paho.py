"""paho-mqtt's client for the sync daemon, loaded without ``urllib.request``.

paho's client module imports ``urllib.request``, and with it ``http.client`` and the
``email`` package (about 2 MB in the sync daemon), to read proxy settings from the
environment, which it does only when PySocks is installed. While the client module
loads, ``urllib.request`` is a stand-in that is gone again straight after; where PySocks
is installed, the real module is imported then, as paho will use it. Where
``urllib.request`` or paho's client is loaded already there is nothing to save.

Import the client from here (``from sync._paho import mqtt``), never as
``paho.mqtt.client``, so that the first import is this one.
"""

from __future__ import annotations

import importlib

from kiosk.stand_ins import stand_in, standing_in

with standing_in({"urllib.request": stand_in("urllib.request")}):
    import paho.mqtt.client as mqtt

if getattr(mqtt, "socks", None) is not None:  # PySocks installed
    importlib.import_module("urllib.request")  # paho reads proxies from the environment

__all__ = ["mqtt"]
