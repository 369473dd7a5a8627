"""MQTT v5 sync with the province's central server (paho-mqtt); depends on :mod:`kiosk` only."""
