"""Barcode scanners (evdev HID, pyserial) and dossier look-up; depends on :mod:`kiosk` only."""
