"""The core: configuration, the SQLite store, queue rules and the daemons that drive the site."""

# The one place the version is written (pyproject.toml reads it from here): no daemon pays
# for importlib.metadata (zipfile, email, csv: about 1.5 MB each) to learn it.
__version__ = "0.1.0"
