"""Random ids and jitter for the daemons, from ``os.urandom``.

The ``uuid`` module loads ``platform`` and a C helper, and ``random`` a seeded generator,
for one id per event and one fraction per retry: each daemon holds its modules for as
long as it runs (README, "Performance": the site at rest).
"""

from __future__ import annotations

import os


def uuid4() -> str:
    """A random (version 4, RFC 4122 variant) UUID as text, as ``str(uuid.uuid4())``."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # variant: RFC 4122
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def fraction() -> float:
    """A random number in [0, 1), in steps of 1/65536 (enough to spread retries)."""
    return int.from_bytes(os.urandom(2), "big") / 65536
