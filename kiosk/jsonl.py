"""JSON Lines read as a stream: one object per line, each bad line told apart with its
number and reason, never stopping the lines after it.

What a line may be: UTF-8 text (a byte-order mark on the first line is dropped), at most
``max_line`` bytes (a longer one is skipped unread, not held whole in memory), JSON that
parses; blank lines are passed over. What an object must hold is the caller's to check.

Core: imports only the standard library.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

MAX_LINE = 256 * 1024
SHOWN_PROBLEMS = 20  # bad lines a report names (all are counted)


@dataclass(frozen=True)
class Line:
    number: int  # 1 for the first line of the stream
    value: Any = None  # the JSON value, when ``problem`` is empty
    problem: str = ""  # why the line was refused


def read_lines(stream: IO[bytes], *, max_line: int = MAX_LINE) -> Iterator[Line]:
    """Each non-blank line of ``stream``: its JSON value, or the problem with it."""
    number = 0
    while True:
        raw = stream.readline(max_line + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line and not raw.endswith(b"\n"):
            while (rest := stream.readline(max_line)) and not rest.endswith(b"\n"):
                pass
            yield Line(number, problem=f"longer than {max_line // 1024} KiB; skipped")
            continue
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a BOM from a Windows editor
        if raw.strip():
            yield _parsed(number, raw)


def _parsed(number: int, raw: bytes) -> Line:
    try:
        return Line(number, json.loads(raw.decode("utf-8")))
    except UnicodeDecodeError:
        return Line(number, problem="not UTF-8 text")
    except json.JSONDecodeError as exc:
        return Line(number, problem=f"not JSON ({exc.msg} at column {exc.colno})")
    except (ValueError, RecursionError):  # a number too long, nesting too deep
        return Line(
            number, problem="not JSON this import can read (too deeply nested or a huge number)"
        )


@dataclass
class ImportReport:
    """What an import of JSON Lines did, line by line."""

    lines: int = 0  # non-blank lines read
    written: int = 0  # new records, or newer versions of kept ones
    unchanged: int = 0  # this version or a newer one was kept already
    rejected: int = 0
    problems: list[str] = field(default_factory=list)  # the first SHOWN_PROBLEMS, "line N: ..."
    seconds: float = 0.0

    def reject(self, number: int, message: str) -> None:
        self.rejected += 1
        if len(self.problems) < SHOWN_PROBLEMS:
            self.problems.append(f"line {number}: {message}")

    def wrote(self, batch: int, written: int) -> None:
        """A batch of ``batch`` records was written, ``written`` of them newer."""
        self.written += written
        self.unchanged += batch - written

    def to_json(self) -> dict[str, object]:
        return {
            "lines": self.lines,
            "written": self.written,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "problems": self.problems,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.lines / self.seconds) if self.seconds > 0 else None,
        }
