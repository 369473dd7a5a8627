"""The core, and the package the other layers live in.

The core is every module of ``kiosk`` but two sub-packages: configuration
(:mod:`kiosk.config`), the SQLite store and its key-value entries (:mod:`kiosk.store`),
the pure queue rules (:mod:`kiosk.rules`), the queue's operations on the store
(:mod:`kiosk.ticketing`), the ticket desk and the counter station with the protocols of
what they drive (:mod:`kiosk.desk`, :mod:`kiosk.counter`), dossiers, the look-up's
content, codes, tokens, the call sentence, the outbox, free text and Vietnamese. It
imports no adapter and no application.

:mod:`kiosk.keys` (the buttons, keys and lights) is an adapter, and :mod:`kiosk.app`
(the command line, the daemons' entry points, demo, doctor, bench) the applications;
pyproject.toml's ``[tool.importlinter]`` declares the layers and ``make lint`` checks them."""

# The one place the version is written (pyproject.toml reads it from here): no daemon pays
# for importlib.metadata (zipfile, email, csv: about 1.5 MB each) to learn it.
__version__ = "0.1.0"
