"""paho-mqtt's client module, as the sync daemon uses it."""

from __future__ import annotations

import paho.mqtt.client as mqtt

__all__ = ["mqtt"]
