"""Queue rules as pure functions: no I/O, no clock, no database.

The store-backed operations in :mod:`kiosk.ticketing` call these with the state they
read inside one transaction, so every rule can be tested on plain values.
"""
