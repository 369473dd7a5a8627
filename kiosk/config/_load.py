"""Find, read and layer the TOML files; validate into a :class:`Config`."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path
from typing import Any

from kiosk.config._build import build
from kiosk.config._check import check
from kiosk.config._schema import Config
from kiosk.config.broker import check_broker
from kiosk.config.central import CentralConfig

DEFAULT_PATH = Path("/etc/kiosk/config.toml")
ENV_VAR = "KIOSK_CONFIG"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` has one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0])
        self.problems = problems

    def __str__(self) -> str:
        more = len(self.problems) - 1
        return self.problems[0] + (f" (and {more} more; run 'kiosk config check')" if more else "")


def main_path(path: str | Path | None = None) -> Path:
    """The main config file: ``path`` if given, else ``$KIOSK_CONFIG``, else the default."""
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)


def config_files(path: str | Path | None = None) -> list[Path]:
    """The main file, then its drop-ins ``config.d/*.toml`` beside it, in name order."""
    main = main_path(path).absolute()
    dropins = main.parent / "config.d"
    try:
        extra = sorted(dropins.glob("*.toml")) if dropins.is_dir() else []
    except PermissionError:
        problem = (
            f"{main.parent}: cannot read it: run as root, or as the kiosk user "
            "(sudo -u kiosk kiosk ...)"
        )
        raise ConfigError([problem]) from None
    return [main, *extra]


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (arrays of tables too) replaces."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        hint = " (give one with --config PATH or KIOSK_CONFIG)" if path == DEFAULT_PATH else ""
        raise ConfigError([f"{path}: config file not found{hint}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not valid TOML: the file must be UTF-8"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None


def parse_config(raw: dict[str, Any], sources: tuple[str, ...] = ()) -> Config:
    """Validate already-parsed TOML; raise :class:`ConfigError` listing every problem."""
    problems: list[str] = []
    config = build(Config, raw, "", problems)
    if config is not None:
        problems += check(config)
    if problems or config is None:
        raise ConfigError(problems)
    return dataclasses.replace(config, sources=sources)


def parse_central(raw: dict[str, Any], changes: dict[str, Any] | None = None) -> CentralConfig:
    """Only ``[central]`` of already-parsed TOML (central needs nothing else of a site's
    config), with ``changes`` (the command line's) applied before it is checked."""
    problems: list[str] = []
    config = build(CentralConfig, raw.get("central", {}), "central.", problems)
    if config is None:
        raise ConfigError(problems)
    config = dataclasses.replace(config, **(changes or {}))
    if problems := check_broker("central.", config):
        raise ConfigError(problems)
    return config


def load_raw(path: str | Path | None = None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The merged TOML of ``path`` and its drop-ins, unchecked, and the files it came from."""
    files = config_files(path)
    raw: dict[str, Any] = {}
    for file in files:
        raw = merge(raw, _read(file))
    return raw, tuple(str(file) for file in files)


def load_config(path: str | Path | None = None) -> Config:
    """Load ``path`` (default ``$KIOSK_CONFIG`` or ``/etc/kiosk/config.toml``) plus drop-ins."""
    raw, sources = load_raw(path)
    return parse_config(raw, sources)
