"""How a section declares its keys: each a dataclass field made by one of these.

``opt`` is a key with a default, ``required`` one the TOML must give, ``table`` a nested
section and ``tables`` an array of tables. The loader (:mod:`kiosk.config._build`) reads
the field's metadata: ``parse`` converts and validates a value, ``table`` and ``tables``
name the section class. Each is typed by what it holds, so mypy checks a default and a
parser against the field's annotation.
"""

from __future__ import annotations

from dataclasses import field
from typing import TypeVar

from kiosk.config._parse import Parser

T = TypeVar("T")
P = TypeVar("P")


def opt(default: T, parse: Parser[P]) -> T | P:
    """A key the TOML may leave out (``default``); a value given goes through ``parse``.

    The field holds the default or what ``parse`` returns, so mypy checks both against
    the field's annotation (two type variables: with one, mypy takes ``T`` from an
    optional field's annotation without its ``None`` and refuses an optional parser).
    """
    declared: T | P = field(default=default, metadata={"parse": parse})
    return declared


def required(parse: Parser[T]) -> T:
    """A key the TOML must give; its value goes through ``parse``."""
    declared: T = field(metadata={"parse": parse})  # field() with no default is typed Any
    return declared


def table(cls: type[T], *, required: bool = False) -> T:
    """A nested section ``[a.b]``: all its defaults when left out, unless ``required``."""
    if required:
        declared: T = field(metadata={"table": cls})
        return declared
    return field(default_factory=cls, metadata={"table": cls})


def tables(cls: type[T], *, required: bool = False) -> tuple[T, ...]:
    """An array of tables ``[[a.b]]``: none when left out, unless ``required``."""
    if required:
        declared: tuple[T, ...] = field(metadata={"tables": cls})
        return declared
    return field(default=(), metadata={"tables": cls})
