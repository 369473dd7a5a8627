"""Real small filesystems for the tests of a full disk and of a database the user may only
read: a tmpfs of a few MiB mounted for one test (mounting needs root, as in CI), filled
up by a file; and the CLI run as the unprivileged user ``nobody``."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="mounting a filesystem and changing user need root"
)
NOBODY = 65534


@contextlib.contextmanager
def tmpfs(where: Path, size: str, *, readonly: bool = False) -> Iterator[Path]:
    """A tmpfs of ``size`` (e.g. ``"8m"``) mounted at ``where`` for the block's time."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size},mode=0755" + (",ro" if readonly else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, *, readonly: bool) -> None:
    """The filesystem at ``where`` made read-only (or writable again): even root cannot
    write on it then."""
    mode = "ro" if readonly else "rw"
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


@contextlib.contextmanager
def public_folder() -> Iterator[Path]:
    """A folder under /tmp that every user may enter (pytest's own are root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="kiosk-test-", dir="/tmp"))
    try:
        folder.chmod(0o755)
        yield folder
    finally:
        for path in (folder, *folder.rglob("*")):
            if path.is_dir():
                path.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def free(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def fill(folder: Path, *, leave: int = 0) -> Path:
    """Fill the disk holding ``folder`` with one file, leaving about ``leave`` bytes free."""
    ballast = folder / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1 << 9):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * chunk)
        if leave:
            os.ftruncate(fd, max(0, os.fstat(fd).st_size - leave))
    finally:
        os.close(fd)
    return ballast


@functools.cache
def python_for_nobody() -> list[str]:
    """A Python that ``nobody`` may run (the test's own may live in root's home), with this
    checkout and its packages on the path."""
    paths = [str(ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    env = ["env", f"PYTHONPATH={os.pathsep.join(dict.fromkeys(paths))}", "HOME=/nonexistent"]
    for python in (sys.executable, "/usr/bin/python3", "/usr/local/bin/python3"):
        probe = subprocess.run(
            [*as_nobody(), *env, python, "-c", "import sys; assert sys.version_info >= (3, 11)"],
            capture_output=True, check=False,
        )  # fmt: skip
        if probe.returncode == 0:
            return [*env, python]
    pytest.fail("no Python 3.11 that the user nobody may run")


def as_nobody() -> list[str]:
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def kiosk_as_nobody(config: Path, db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``kiosk`` run by a user who may read the site's files but write none of them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    return subprocess.run(
        [*as_nobody(), *python_for_nobody(), "-m", "kiosk", "--config", str(config),
         "--db", str(db), *args],
        capture_output=True, text=True, cwd="/", env=env, check=False, timeout=60,
    )  # fmt: skip
