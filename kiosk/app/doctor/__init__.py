"""``kiosk doctor``: everything a technician would otherwise find by trial and error, one
line each, with the fix.

Each check returns a :class:`Check`: ``ok``, ``warn`` (the site runs, something needs
care), ``fail`` (that part cannot work) or ``skip`` (nothing to check, or it depends on a
check that failed). The exit status is 0 when nothing failed: the site can run.

Part of the applications: may import everything (it asks each adapter about its device).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        label = {OK: "ok  ", WARN: "warn", FAIL: "FAIL", SKIP: "skip"}[self.status]
        text = f"{label}  {self.name:<10} {self.detail}"
        return f"{text} -> fix: {self.fix}" if self.fix and self.status in (WARN, FAIL) else text

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@contextlib.contextmanager
def stderr_kept_aside() -> Iterator[None]:
    """What libraries write straight to the process's stderr while a check probes them
    (SDL looking for Wayland, ALSA, libusb) is not the doctor's to print: each check's
    line says what matters."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as aside:
            os.dup2(aside.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def guarded(name: str, check: Callable[[], Iterable[Check]]) -> list[Check]:
    """A check that raises is a failed check with the reason, never a traceback."""
    try:
        with stderr_kept_aside():
            return list(check())
    except Exception as exc:
        return [
            Check(
                name,
                FAIL,
                f"the check itself failed: {type(exc).__name__}: {exc}",
                "report this with KIOSK_DEBUG=1 kiosk doctor",
            )
        ]


def can_run(checks: Iterable[Check]) -> bool:
    return all(check.status != FAIL for check in checks)
