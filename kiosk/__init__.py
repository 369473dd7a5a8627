"""The core: configuration, the SQLite store, queue rules and the daemons that drive the site."""

import importlib.metadata

try:
    __version__ = importlib.metadata.version("kiosk")
except importlib.metadata.PackageNotFoundError:  # run from a source tree
    __version__ = "0.0.0"
