"""The applications: the command line (``kiosk``), the five daemons' entry points
(``kiosk run NAME``), the simulated site (``kiosk demo``), ``kiosk doctor``, ``kiosk bench``
and central's command line.

The top layer, and the only one that puts the adapters (``printer``, ``scanner``,
``display``, ``sync``, ``kiosk.keys``) together; nothing imports it. The layers are declared
in pyproject.toml (``[tool.importlinter]``) and checked by ``make lint``.
"""
