"""The records central publishes to sites (dossiers, the procedure catalogue), read from a
JSON Lines file and checked as a device will check them: what ``kiosk central dossiers``,
``kiosk central procedures`` and central's upload form share. Each bad line is told apart
with its number and reason; the good ones are kept.

Part of the applications: may import the core and the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from kiosk.jsonl import read_lines

KINDS = ("dossiers", "procedures")


@dataclass
class Read:
    good: list[dict[str, Any]] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)  # line number, why


def read_records(kind: str, stream: IO[bytes], *, timezone: str, version: int) -> Read:
    """``kind``'s records in ``stream``: dossiers in this project's format; procedures in
    the national portal's field names or this project's, versioned ``version`` unless a
    line states one."""
    from kiosk.dossiers import BadDossier, parse_dossier
    from kiosk.procedures import BadProcedure, parse_record
    from sync import Invalid, validate

    out = Read()
    for line in read_lines(stream):
        try:
            if line.problem:
                raise ValueError(line.problem)
            if kind == "dossiers":
                record = line.value
                validate("dossiers", {"dossiers": [record]})
                parse_dossier(record, timezone)
            else:
                record = parse_record(line.value, version).to_record()
                validate("procedures", {"procedures": [record]})
        except (ValueError, BadDossier, BadProcedure, Invalid) as exc:
            said = str(exc).replace(f"{kind}: {kind}[0].", "")
            out.bad.append((line.number, said))
            continue
        out.good.append(record)
    return out
