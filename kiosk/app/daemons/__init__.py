"""The five daemons systemd starts (``kiosk run NAME``), one module each with a ``main``
that builds the daemon's parts from the configuration and runs it:

=========  ===============================================================
kiosk      ``printer.open`` + ``kiosk.keys`` buttons and LEDs + ``kiosk.desk``
counter    ``kiosk.keys`` keys, keypads and LEDs + ``kiosk.counter``
display    ``display``: the wall (with its voice) and the look-up screen
scanner    ``scanner``: barcode scanners into the look-up
sync       ``sync``: the outbox to central, its commands and configuration back
=========  ===============================================================

What they share (logging, signals, central's new configuration, systemd's notifications)
is in :mod:`kiosk.app.daemons._life`. Part of the applications: the only layer that puts
adapters together.
"""

from kiosk.app.daemons._life import Life, setup_logging, stop_on_signals

__all__ = ["Life", "setup_logging", "stop_on_signals"]
