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
from dataclasses import dataclass
from typing import IO, Any

MAX_LINE = 256 * 1024


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
