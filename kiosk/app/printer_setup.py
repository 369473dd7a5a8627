"""The ticket printer the configuration names, for the commands, the kiosk daemon and the
demo: a printer profile, font or connection the config gets wrong is one line and exit 78."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from kiosk.app.exits import CONFIG, CommandError

if TYPE_CHECKING:
    from kiosk.config import PrinterConfig
    from printer import EscposPrinter, Renderer


@contextlib.contextmanager
def config_errors() -> Iterator[None]:
    """No printer, or a printer profile or font the config names that cannot be used: exit 78."""
    from printer import FontError, NotConfigured, ProfileError

    try:
        yield
    except (NotConfigured, ProfileError, FontError) as exc:
        raise CommandError(f"config: {exc}", CONFIG) from None


def renderer(config: PrinterConfig) -> Renderer:
    """What draws tickets for ``config``'s paper, font and profile."""
    from printer import Renderer

    with config_errors():
        return Renderer(config)


def open_printer(config: PrinterConfig) -> EscposPrinter:
    """``printer.open``: the printer ``config`` sets up."""
    import printer

    with config_errors():
        return printer.open(config)
