"""Room on the disk set aside for the writes that must not fail.

Some writes follow something that cannot be taken back: once a ticket is printed, the
citizen holds that number, and the commit that makes it callable must not find the disk
full. A file of :data:`RESERVE_BYTES` beside the database (``kiosk.db-reserve``, its
blocks allocated) keeps that room while the disk fills: whoever is about to do such a
thing first makes sure the reserve is in place, and if the write that follows still
finds no room, deletes the reserve and writes again. A spent reserve is made again as
soon as the disk has room for it and a little more (so as not to take the last of it from
the other daemons); until then nothing that needs it is started.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from kiosk.store._faults import FULL_MARGIN, free_bytes, is_disk_full, size_text

RESERVE_BYTES = 2 << 20  # many times what settling one ticket writes (a few pages of WAL)


class Reserve:
    """The reserve file beside the database at ``db_path``."""

    def __init__(self, db_path: str | Path, size: int = RESERVE_BYTES) -> None:
        db = Path(db_path)
        self.path = db.with_name(f"{db.name}-reserve")
        self.size = size
        self.problem = ""  # why the reserve could not be made, the last time it was tried

    @property
    def held(self) -> bool:
        """Whether the reserve is in place (whole)."""
        try:
            return self.path.stat().st_size >= self.size
        except OSError:
            return False

    def ready(self) -> bool:
        """Whether the reserve is in place, making it if it is not; False (and
        :attr:`problem` says why) if the disk has no room for it or it cannot be made."""
        if self.held:
            self.problem = ""
            return True
        room = free_bytes(self.path)
        if 0 <= room < self.size + FULL_MARGIN:  # not even trying: others need the last of it
            self.problem = self._no_room(room)
            return False
        spare = self.path.with_name(f"{self.path.name}.new")
        try:
            fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.size)
                os.fsync(fd)
            finally:
                os.close(fd)
            spare.replace(self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                spare.unlink()
            self.problem = (
                self._no_room(free_bytes(self.path))
                if is_disk_full(exc, self.path)
                else f"{self.path}: {exc.strerror or exc}"
            )
            return False
        _sync_folder(self.path.parent)
        self.problem = ""
        return True

    def _no_room(self, room: int) -> str:
        database = self.path.with_name(self.path.name.removesuffix("-reserve"))
        return (
            f"disk full: no room for the {size_text(self.size)} kept free beside {database} "
            f"({size_text(max(0, room))} free)"
        )

    def spend(self) -> bool:
        """Give the reserve's room back to the disk, now; False if there was none to give."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        _sync_folder(self.path.parent)  # some filesystems free the blocks at their commit
        return True


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # a folder some filesystems cannot sync
            os.fsync(fd)
    finally:
        os.close(fd)
