"""What a scanned code is: a dossier code, one of our ticket tokens, or something else.

Input is untrusted: it comes from a scanner that reads whatever is put under it.
It is bounded and checked before anything else looks at it: only printable ASCII
goes on (codes on slips and tickets are ASCII), and what is rejected is described
without echoing it.

Dossier codes follow Thông tư 01/2018/TT-VPCP Điều 19,
``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``: the receiving agency's code (dot-separated
segments), the date received and a daily sequence. Real systems vary the number
and width of the agency segments (``000.00.04.G14``, ``38.98.H29``,
``000.A0.01.H26``) and agency codes change with administrative mergers, so the
agency part is matched by shape, never by a list. Procedure codes, national
(``1.011442``) or with the province's agency part (``1.011442.000.00.00.H38``), look
similar but have no date and sequence.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass

from kiosk import tokens

MAX_INPUT = 512  # longer than any code a slip or ticket carries; a scanner never sends more
SHOWN = 40  # at most this much of an unrecognised code is shown back

DOSSIER = "dossier"
TICKET = "ticket"
PROCEDURE = "procedure"  # a procedure code (mã thủ tục), not a dossier
UNKNOWN = "unknown"  # clean text, but not a code we know
INVALID = "invalid"  # rejected input: empty, too long, control characters, not text

_AGENCY = r"[A-Z0-9]{1,6}(?:\.[A-Z0-9]{1,6}){1,6}"
_DOSSIER = re.compile(rf"^({_AGENCY})-(\d{{6}})-(\d{{4,6}})$", re.ASCII)
_DOSSIER_INSIDE = re.compile(rf"(?<![A-Z0-9.])({_AGENCY}-\d{{6}}-\d{{4,6}})(?![A-Z0-9])", re.ASCII)
# National (1.000894) or with the province's agency part (1.011443.000.00.00.H38).
_PROCEDURE = re.compile(r"^\d\.\d{6}(?:\.[A-Z0-9]{1,6}){0,6}$", re.ASCII)
# AIM symbology identifier some scanners put in front: "]C1", "]Q1", "]E0".
_AIM = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


@dataclass(frozen=True)
class Code:
    kind: str
    value: str  # the normalised code (dossier, ticket, procedure), "" otherwise
    reason: str = ""  # why it is not a code we can look up (English, for logs)
    shown: str = ""  # safe to show on a screen: printable ASCII, at most SHOWN characters


def _safe_preview(text: str) -> str:
    if not text.isascii() or not text.isprintable():
        return ""
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def sanitise(raw: str | bytes) -> tuple[str, str]:
    """``(text, "")`` for clean input, ``("", reason)`` for input that must go no further."""
    if isinstance(raw, bytes | bytearray):
        if len(raw) > MAX_INPUT * 4:
            return "", f"too long ({len(raw)} bytes)"
        try:
            raw = bytes(raw).decode("ascii")
        except UnicodeDecodeError:
            return "", "not text (binary data)"
    if len(raw) > MAX_INPUT * 4:
        return "", f"too long ({len(raw)} characters)"
    text = raw.strip()
    if not text:
        return "", "empty"
    if len(text) > MAX_INPUT:
        return "", f"too long ({len(text)} characters; at most {MAX_INPUT})"
    if not text.isascii():
        return "", "characters no slip or ticket code uses"
    if not text.isprintable():
        return "", "control characters"
    return text, ""


def _dossier(text: str) -> str | None:
    match = _DOSSIER.match(text)
    if match is None:
        return None
    try:
        dt.datetime.strptime(match.group(2), "%y%m%d")
    except ValueError:
        return None
    return text


def _from_url(text: str) -> str | None:
    """A dossier code inside a link (some portals print the look-up URL as the QR)."""
    try:
        parts = urllib.parse.urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return None
        query = [v for _, v in urllib.parse.parse_qsl(parts.query)]
    except ValueError:  # not a link after all ("http://[x")
        return None
    candidates = [*query, parts.path, parts.fragment]
    for candidate in candidates:
        for match in _DOSSIER_INSIDE.finditer(urllib.parse.unquote(candidate).upper()):
            if (code := _dossier(match.group(1))) is not None:
                return code
    return None


def classify(raw: str | bytes) -> Code:
    """Sanitise and classify one scan."""
    text, problem = sanitise(raw)
    if problem:
        return Code(INVALID, "", problem)
    if _AIM.match(text):
        text = _AIM.sub("", text, count=1).strip()
        if not text:
            return Code(INVALID, "", "empty")
    upper = text.upper()
    if upper.startswith(tokens.PREFIX + ":"):
        return Code(TICKET, upper)
    if (code := _dossier(upper)) is not None:
        return Code(DOSSIER, code)
    if (code := _from_url(text)) is not None:
        return Code(DOSSIER, code)
    if _PROCEDURE.match(upper):
        return Code(PROCEDURE, upper, "a procedure code, not a dossier code", _safe_preview(upper))
    return Code(UNKNOWN, "", "not a dossier code or ticket", _safe_preview(text))


def is_dossier_code(text: str) -> bool:
    return classify(text).kind == DOSSIER
