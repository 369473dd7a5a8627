"""The fix the doctor gives when no pin factory loads: what works on the machine it runs on.

gpiozero's lgpio factory needs the ``lgpio`` module and a GPIO chip. Raspberry Pi OS's
archive has ``python3-lgpio``; Debian's has not, and there PyPI's ``lgpio`` wheel goes into
the venv (the installer does so). A machine with no ``/dev/gpiochip*`` is no Pi: it runs the
daemons only with gpiozero's mock pins."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Machine:
    lgpio: bool  # the lgpio module is importable here
    chips: bool  # the kernel has a GPIO chip (/dev/gpiochip*)
    apt_lgpio: bool  # apt can install python3-lgpio (Raspberry Pi OS's archive)
    venv: str  # the prefix of the interpreter the daemons run on


def this_machine() -> Machine:
    return Machine(
        lgpio=importlib.util.find_spec("lgpio") is not None,
        chips=any(Path("/dev").glob("gpiochip*")),
        apt_lgpio=_apt_has("python3-lgpio"),
        venv=sys.prefix,
    )


def _apt_has(package: str) -> bool:
    apt_cache = shutil.which("apt-cache")
    if apt_cache is None:
        return False
    try:
        done = subprocess.run(
            [apt_cache, "show", "--no-all-versions", package],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and bool(done.stdout.strip())


def pin_factory_fix(machine: Machine) -> str:
    """One fix line, naming only what works on ``machine``."""
    steps = []
    if not machine.lgpio:
        if machine.apt_lgpio:
            steps.append("sudo apt install python3-lgpio (the venv needs --system-site-packages)")
        else:
            steps.append(
                f"sudo {machine.venv}/bin/python -m pip install lgpio (this system's apt has no "
                "python3-lgpio: only Raspberry Pi OS's archive does; systemd/install.sh does this)"
            )
    if not machine.chips:
        steps.append(
            "this machine has no GPIO chip (/dev/gpiochip*): the daemons need a Raspberry Pi's "
            "pins, or run without them with GPIOZERO_PIN_FACTORY=mock"
        )
    elif machine.lgpio:
        steps.append(
            "the user running it needs the gpio group (the kiosk user has it; run the doctor "
            "with sudo), and no other program may hold the chip"
        )
    return "; ".join(steps)
