"""Daemons hand the heap they freed after start-up back to the system, and their threads
share one malloc arena (the units' ``MALLOC_ARENA_MAX``)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys

from kiosk.app.bench.site import UNIT_MEMORY
from kiosk.app.daemons._heap import HeapTrim, release


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_ok__heap_trim_runs_first_after_start_up_then_every_interval() -> None:
    clock, calls = Clock(), []
    trim = HeapTrim(first_after=5, every=60, clock=clock, release=lambda: calls.append(1) or True)
    for now in (100.0, 104.9):
        clock.now = now
        trim()
    assert calls == []
    clock.now = 105.0
    trim()
    clock.now = 164.9
    trim()
    assert len(calls) == 1
    clock.now = 165.0
    trim()
    trim()
    assert len(calls) == 2 and trim.due == 225.0


def test_ok__release_gives_freed_heap_pages_back_to_the_system() -> None:
    """Many small blocks freed in the middle of the heap (held in place by one kept at its
    top) stay resident until :func:`release`; after it, the process's RSS drops by most of
    them."""
    code = (
        "import ctypes, re\n"
        "from kiosk.app.daemons._heap import release\n"
        "def rss():\n"
        "    text = open('/proc/self/status').read()\n"
        "    return int(re.search(r'VmRSS:\\s+(\\d+)', text).group(1))\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.malloc.restype = ctypes.c_void_p\n"
        "libc.free.argtypes = [ctypes.c_void_p]\n"
        "blocks = [libc.malloc(4000) for _ in range(20000)]\n"  # about 80 MB of heap
        "keep = libc.malloc(4000)\n"
        "for block in blocks:\n"
        "    ctypes.memset(block, 1, 4000)\n"
        "    libc.free(block)\n"
        "before = rss()\n"
        "assert release()\n"
        "print(before - rss())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"MALLOC_MMAP_THRESHOLD_": "131072", "PATH": "/usr/bin:/bin"},
    )
    assert int(done.stdout) > 60_000  # kB given back of the 80 MB freed


def test_ok__release_is_true_where_the_c_library_trims() -> None:
    assert release() is True  # glibc, as on Raspberry Pi OS


def arenas(env: dict[str, str]) -> int:
    """How many malloc arenas a process has after four threads allocated at once (glibc's
    malloc_stats names each on stderr)."""
    code = (
        "import ctypes, threading\n"
        "libc = ctypes.CDLL(None)\n"
        "start = threading.Barrier(4)\n"
        "def work():\n"
        "    start.wait()\n"
        "    kept = [bytes(2000) for _ in range(2000)]\n"  # beyond Python's small blocks
        "    start.wait()\n"
        "threads = [threading.Thread(target=work) for _ in range(4)]\n"
        "for thread in threads: thread.start()\n"
        "for thread in threads: thread.join()\n"
        "libc.malloc_stats()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_ok__a_daemons_threads_share_two_malloc_arenas() -> None:
    # glibc's default: an arena per thread, up to 8 per CPU (2 on a 32-bit system).
    limit = (8 if struct.calcsize("P") == 8 else 2) * (os.cpu_count() or 1)
    assert arenas({}) >= min(5, limit)  # the main thread's and the four threads'
    assert arenas(UNIT_MEMORY) == 2  # the units': two, whatever the threads
