"""What a cut-off write still owes the printer, whatever the connection.

A write that stops inside a command (a raster image, a feed) leaves the printer waiting
for the rest of it: whatever comes next would be read as that command's data, a status
query eaten as dots. So the rest of the broken command is sent first, as NULs (blank
dots; every argument byte is harmless as 0), before anything else goes out.
"""

from __future__ import annotations

from collections.abc import Sequence


class Resync:
    """The padding owed to the printer since a write was cut off (none at first)."""

    def __init__(self) -> None:
        self.owed = b""

    def take(self) -> bytes:
        """What is owed, to go out ahead of the next bytes; it is no longer owed."""
        owed, self.owed = self.owed, b""
        return owed

    def cut_off(self, owed: bytes, sent: int, ends: Sequence[int] = ()) -> int:
        """A write of ``owed`` and then a job stopped after ``sent`` bytes; ``ends`` are the
        offsets in the job where its commands end. Remember what is owed now; return how
        many of the job's bytes reached the printer."""
        if sent < len(owed):
            self.owed = owed[sent:]  # cut off inside the padding itself: the rest is owed
            return 0
        done = sent - len(owed)
        broken = next((end for end in (0, *ends) if end >= done), done)
        self.owed = b"\0" * max(0, broken - done)  # the next ticket starts with a reset
        return done
