"""What every command needs, opened lazily: the config and the store."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from kiosk.freetext import for_terminal, json_for_terminal

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.store import Store


class Context:
    def __init__(self, args: argparse.Namespace, argv: list[str] | None = None) -> None:
        self.args = args
        self.json: bool = bool(getattr(args, "json", False))
        self.argv = list(sys.argv[1:] if argv is None else argv)  # to start a daemon again
        self.restart = False  # a daemon stopped to load central's new configuration
        # More for the daemon ``kiosk run`` starts (its main's keyword arguments): the busy
        # day's simulated keypads and recorded wall (:mod:`kiosk.app.demo._host`).
        self.hooks: dict[str, Any] = {}

    @functools.cached_property
    def config(self) -> Config:
        """The config files, with the configuration central pushed (kept in the database)."""
        from kiosk.config import site_config

        return site_config(self.args.config, self.db_override())

    def db_override(self) -> str | None:
        """The database named by ``--db`` or ``$KIOSK_DB`` (None: the config's)."""
        db = self.args.db or os.environ.get("KIOSK_DB")
        return str(db) if db else None

    @property
    def db_path(self) -> str:
        return self.db_override() or self.config.store.path

    @property
    def reads_only(self) -> bool:
        """Whether the command only reads the database: it then opens an existing one
        read-only and creates nothing (a mistyped --db is an error, not a new database)."""
        command = self.args.command
        return command in ("status", "scan") or (
            command == "display" and getattr(self.args, "display_command", "") == "snapshot"
        )

    @functools.cached_property
    def store(self) -> Store:
        from kiosk.store import Store

        return Store(self.db_path, self.config.store.busy_timeout_ms, readonly=self.reads_only)

    def now(self) -> float:
        return time.time()

    def emit(self, data: Any, text: str) -> None:
        # Through kiosk.freetext's escapes: text stored before it was checked (an old
        # database's pause reason holding ESC [2J) must not act on the terminal.
        if self.json:
            print(json_for_terminal(json.dumps(data, ensure_ascii=False, indent=2)))
        elif text:
            print(for_terminal(text))


def fail(message: str) -> None:
    print(f"kiosk: {for_terminal(message)}", file=sys.stderr)
