"""Room on the disk set aside for the writes that must not fail.

Some writes follow something that cannot be taken back: once a ticket is printed, the
citizen holds that number, and the commit that makes it callable must not find the disk
full. A file of :data:`RESERVE_BYTES` beside the database (``kiosk.db-reserve``, its
blocks allocated) keeps that room while the disk fills: whoever is about to do such a
thing first makes sure the reserve is in place, and if the write that follows still
finds no room, deletes the reserve and writes again. A spent reserve is made again as
soon as the disk has room for it and a little more (so as not to take the last of it from
the other daemons); until then nothing that needs it is started.

A :class:`Note` is a few lines kept in a small file made whole ahead of time: rewriting
them overwrites blocks the file already has, so it works on a full disk too (on the
filesystems a Pi uses: ext4, f2fs, tmpfs).

Either file may also be impossible to make for another reason than room: a folder or a
``.new`` file left behind by a run as another user (root), or a read-only filesystem.
:attr:`Reserve.reason` tells these apart from a full disk, and :attr:`Reserve.problem`
names the file and the fix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pwd
from pathlib import Path

from kiosk.store._faults import FULL_MARGIN, free_bytes, is_disk_full, size_text

RESERVE_BYTES = 2 << 20  # many times what settling one ticket writes (a few pages of WAL)
NOTE_BYTES = 4096  # one block: about a hundred lines of a ticket's id

NO_ROOM = "disk_full"  # Reserve.reason: the disk has no room for it
NOT_MADE = "no_reserve"  # Reserve.reason: it cannot be made for another reason
# What a reserve that cannot be made means (room on a full disk comes back by itself).
WITHOUT = "no tickets until then: one printed without it might never join the queue"


class Reserve:
    """The reserve file beside the database at ``db_path``."""

    def __init__(self, db_path: str | Path, size: int = RESERVE_BYTES, *, note: str = "") -> None:
        db = Path(db_path)
        self.path = db.with_name(f"{db.name}-reserve")
        self.size = size
        # ``{database}-{note}``, if named: a Note made with the reserve, and kept like it.
        self.note = Note(db, note) if note else None
        self.problem = ""  # why the reserve could not be made, the last time it was tried
        self.reason = ""  # NO_ROOM or NOT_MADE when it could not, "" when it is in place

    @property
    def held(self) -> bool:
        """Whether the reserve (and its note) is in place, whole."""
        return _whole(self.path, self.size) and (self.note is None or self.note.held)

    def ready(self) -> bool:
        """Whether the reserve (and its note) is in place, making it if it is not; False
        (and :attr:`reason` and :attr:`problem` say why) if the disk has no room for it or
        it cannot be made."""
        if self.held:
            self.reason = self.problem = ""
            return True
        whole = _whole(self.path, self.size)
        what = f"the {size_text(self.size)} kept free"
        if whole and self.note is not None:
            what = f"the note {self.note.path.name}"
        barred = _barred(self.path.parent)  # said first: freeing space would not help
        if barred is not None:
            self.reason, self.problem = _cannot_make(barred, what, self.path)
            return False
        if not whole:  # the note is small: room for the reserve is room for both
            room = free_bytes(self.path)
            if 0 <= room < self.size + FULL_MARGIN:  # not even trying: others need the last
                self.reason, self.problem = NO_ROOM, _no_room(what, self.path, room)
                return False
        if self.note is not None and not self.note.ready():
            self.reason, self.problem = self.note.reason, self.note.problem
            return False
        if not whole:
            try:
                _make(self.path, self.size)
            except OSError as exc:
                self.reason, self.problem = _cannot_make(exc, what, self.path)
                return False
        self.reason = self.problem = ""
        return True

    def spend(self) -> bool:
        """Give the reserve's room back to the disk, now; False if there was none to give."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        _sync_folder(self.path.parent)  # some filesystems free the blocks at their commit
        return True


class Note:
    """A few lines in ``{database}-{name}`` beside the database at ``db_path``, kept in a
    file of ``size`` bytes made ahead of time (:meth:`ready`) so that :meth:`write` needs no
    room on the disk."""

    def __init__(self, db_path: str | Path, name: str, size: int = NOTE_BYTES) -> None:
        db = Path(db_path)
        self.path = db.with_name(f"{db.name}-{name}")
        self.size = size
        self.problem = ""
        self.reason = ""

    @property
    def held(self) -> bool:
        """Whether the file is in place, whole, and this user's to read and write (one
        another user left is made again, keeping its lines, if it can be read)."""
        return _whole(self.path, self.size) and os.access(self.path, os.R_OK | os.W_OK)

    def ready(self) -> bool:
        """Whether the file is in place and whole, making it (keeping the lines it has) if
        not; False, with :attr:`reason` and :attr:`problem` as for :class:`Reserve`. A file
        that cannot be read is never made again: the lines it holds would be lost."""
        if self.held:
            self.reason = self.problem = ""
            return True
        try:
            lines = self.lines()
        except OSError as exc:
            self.reason, self.problem = NOT_MADE, self.unreadable(exc)
            return False
        try:
            data = self._padded(lines)
        except ValueError:
            self.reason, self.problem = (
                NOT_MADE,
                (
                    f"cannot make the note {self.path.name} beside {_database(self.path)} again: "
                    f"{self.path} holds {len(lines)} lines, more than fit in "
                    f"{size_text(self.size)} (not written by this kiosk?): run "
                    f"`chown {_user()}: {self.path}`; {WITHOUT}"
                ),
            )
            return False
        try:
            _make(self.path, self.size, data)
        except OSError as exc:
            self.reason, self.problem = _cannot_make(exc, f"the note {self.path.name}", self.path)
            return False
        self.reason = self.problem = ""
        return True

    def lines(self) -> list[str]:
        """The lines noted (none if there is no file); OSError if it cannot be read."""
        try:
            text = self.path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return [line.strip() for line in text.splitlines() if line.strip()]

    def unreadable(self, exc: OSError) -> str:
        """What a note that cannot be read (``exc``) means, and its fix, in one line."""
        head = f"cannot read the note {self.path.name} beside {_database(self.path)}"
        if exc.errno in (errno.EACCES, errno.EPERM):
            why = (
                f"{self.path}: permission denied (left by a run as another user, such as "
                f"root?): run `chown {_user()}: {self.path}`"
            )
        else:
            why = f"{exc.filename or self.path}: {exc.strerror or exc}"
        return (
            f"{head}: {why}; until then no tickets, and those left issued are neither voided "
            "nor recorded as printed"
        )

    def write(self, lines: list[str]) -> None:
        """Note ``lines`` (in place of those before), on the disk when this returns;
        OSError if it cannot be written, or is not there (:meth:`ready` makes it), and
        ValueError if they do not fit."""
        data = self._padded(lines)
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.pwrite(fd, data, 0)
            if os.fstat(fd).st_size > len(data):  # lines left past the end by another
                os.ftruncate(fd, len(data))  # shrinking needs no room
            os.fdatasync(fd)
        finally:
            os.close(fd)

    def _padded(self, lines: list[str]) -> bytes:
        data = "".join(f"{line}\n" for line in lines).encode()
        if len(data) > self.size:
            raise ValueError(f"{self.path}: {len(lines)} lines do not fit in {self.size} bytes")
        return data.ljust(max(self.size, len(data)), b"\n")


def _whole(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size >= size
    except OSError:
        return False


def _make(path: Path, size: int, content: bytes = b"") -> None:
    """``path`` made whole: ``size`` bytes allocated (``content``, else zeros), synced,
    put in place at once; OSError (and nothing left behind) if it cannot be."""
    spare = path.with_name(f"{path.name}.new")
    try:
        spare.unlink(missing_ok=True)  # one left behind, even another user's: it goes
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if content:
                done = 0
                while done < len(content):  # a write may take only part of it
                    done += os.write(fd, content[done:])
            else:
                os.posix_fallocate(fd, 0, size)
            os.fsync(fd)
        finally:
            os.close(fd)
        spare.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            spare.unlink()
        raise
    _sync_folder(path.parent)


def _barred(folder: Path) -> OSError | None:
    """Why nothing can be made in ``folder`` whatever the room: on a read-only filesystem,
    or not this user's to write in."""
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return OSError(errno.EROFS, os.strerror(errno.EROFS), str(folder))
    except OSError:
        return None  # said when it is tried
    if not os.access(folder, os.W_OK | os.X_OK):
        return OSError(errno.EACCES, os.strerror(errno.EACCES), str(folder))
    return None


def _no_room(what: str, path: Path, room: int) -> str:
    return (
        f"disk full: no room for {what} beside {_database(path)} ({size_text(max(0, room))} free)"
    )


def _cannot_make(exc: OSError, what: str, path: Path) -> tuple[str, str]:
    """The reason and the problem, in words a technician can act on, for ``exc``."""
    if is_disk_full(exc, path):
        return NO_ROOM, _no_room(what, path, free_bytes(path))
    head = f"cannot make {what} beside {_database(path)}"
    if exc.errno == errno.EROFS:
        return NOT_MADE, f"{head}: {path.parent} is on a read-only filesystem; {WITHOUT}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        culprit = _culprit(path)
        return NOT_MADE, (
            f"{head}: {culprit}: permission denied (left by a run as another user, such as "
            f"root?): run `chown {_user()}: {culprit}`; {WITHOUT}"
        )
    return NOT_MADE, f"{head}: {exc.filename or path}: {exc.strerror or exc}; {WITHOUT}"


def _culprit(path: Path) -> Path:
    """What this user may not change: the folder, else a file left in the way."""
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return folder
    spare = path.with_name(f"{path.name}.new")
    return spare if spare.exists() else path


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _database(path: Path) -> Path:
    """The database a file beside it belongs to (``kiosk.db-reserve`` → ``kiosk.db``)."""
    name, _, _ = path.name.rpartition("-")
    return path.with_name(name or path.name)


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
