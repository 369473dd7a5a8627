"""What a scan is: dossier codes (Thông tư 01/2018), ticket tokens, procedure codes,
and everything else, which must be bounded, rejected cleanly and never echoed unsafely."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.codes import (
    DOSSIER,
    INVALID,
    MAX_INPUT,
    PROCEDURE,
    SHOWN,
    TICKET,
    UNKNOWN,
    Code,
    classify,
    is_dossier_code,
    sanitise,
)
from kiosk.tokens import TicketRef, sign, verify

KINDS = {DOSSIER, TICKET, PROCEDURE, UNKNOWN, INVALID}
REAL_DOSSIERS = [
    "000.00.04.G14-210519-0013",
    "38.98.H29-210519-0013",
    "000.A0.01.H26-210212-9090",
    "000.00.12.H38-231130-000457",  # a six-digit daily sequence
    "G01.B2.C-991231-1234",  # 1999: the %y pivot puts 69-99 in the 1900s
]
TICKET_TOKEN = "HCC1:261123:A023:K7QW3MZP2XTR5AB4"


def is_printable_ascii(text: str) -> bool:
    return text.isascii() and text.isprintable()


def check_invariants(code: Code) -> None:
    """What every classification promises, whatever went in."""
    assert code.kind in KINDS
    assert len(code.shown) <= SHOWN
    body = code.shown.removesuffix("…")
    assert is_printable_ascii(body)
    if code.shown.endswith("…"):
        assert len(code.shown) == SHOWN
    if code.kind == INVALID:
        assert code.value == ""
        assert code.shown == ""
        assert code.reason
    elif code.kind == UNKNOWN:
        assert code.value == ""
        assert code.reason
    else:
        assert code.value
        assert is_printable_ascii(code.value)
        assert code.value == code.value.upper()
        assert len(code.value) <= MAX_INPUT


# ---------------------------------------------------------------------------------------
# dossier codes
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", REAL_DOSSIERS)
def test_ok__real_dossier_codes(raw: str) -> None:
    assert classify(raw) == Code(DOSSIER, raw)
    assert is_dossier_code(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("000.00.04.g14-210519-0013", "000.00.04.G14-210519-0013"),
        ("000.a0.01.h26-210212-9090", "000.A0.01.H26-210212-9090"),
        ("  38.98.H29-210519-0013\r\n", "38.98.H29-210519-0013"),
        ("\t000.00.04.G14-210519-0013 ", "000.00.04.G14-210519-0013"),
        ("]C1000.00.04.G14-210519-0013", "000.00.04.G14-210519-0013"),
        ("]Q1000.A0.01.H26-210212-9090", "000.A0.01.H26-210212-9090"),
        ("]d238.98.h29-210519-0013", "38.98.H29-210519-0013"),
        ("]E0 38.98.H29-210519-0013", "38.98.H29-210519-0013"),
        (b"000.00.04.G14-210519-0013\r", "000.00.04.G14-210519-0013"),
        (bytearray(b"38.98.h29-210519-0013"), "38.98.H29-210519-0013"),
    ],
)
def test_ok__dossier_codes_are_normalised(raw: str | bytes, expected: str) -> None:
    assert classify(raw) == Code(DOSSIER, expected)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=000.00.04.G14-210519-0013",
         "000.00.04.G14-210519-0013"),
        ("http://motcua.example.vn/tra-cuu?site=1&maHoSo=38.98.H29-210519-0013&lang=vi",
         "38.98.H29-210519-0013"),
        ("https://motcua.example.vn/ho-so/000.A0.01.H26-210212-9090",
         "000.A0.01.H26-210212-9090"),
        ("https://motcua.example.vn/ho-so/000.a0.01.h26-210212-9090/chi-tiet",
         "000.A0.01.H26-210212-9090"),
        ("HTTPS://MOTCUA.EXAMPLE.VN/#38.98.H29-210519-0013", "38.98.H29-210519-0013"),
        ("https://x.vn/?q=ma%3D000.00.04.G14-210519-0013", "000.00.04.G14-210519-0013"),
        ("]Q1https://x.vn/?ma=38.98.H29-210519-0013", "38.98.H29-210519-0013"),
    ],
)  # fmt: skip
def test_ok__dossier_code_inside_a_link(url: str, expected: str) -> None:
    assert classify(url) == Code(DOSSIER, expected)


@pytest.mark.parametrize(
    "raw",
    [
        "000.00.04.G14-211331-0013",  # month 13, day 31
        "000.00.04.G14-210230-0013",  # 30 February
        "000.00.04.G14-210229-0013",  # 29 February 2021: not a leap year
        "000.00.04.G14-210001-0013",  # month 00
        "000.00.04.G14-210100-0013",  # day 00
        "000.00.04.G14-210132-0013",  # day 32
        "G14-210519-0013",  # one agency segment only
        "1.2.3.4.5.6.7.8-210519-0013",  # eight agency segments
        "0000000.00.04.G14-210519-0013",  # a seven-character segment
        "000..04.G14-210519-0013",  # an empty segment
        "000.00.04.G14-2105190-0013",  # seven-digit date
        "000.00.04.G14-21051-0013",  # five-digit date
        "000.00.04.G14-210519-013",  # three-digit sequence
        "000.00.04.G14-210519-0000013",  # seven-digit sequence
        "000.00.04.G14_210519_0013",
        "000.00.04.G14-210519-0013-1",
        "000.00.04.G-14-210519-0013",
    ],
)
def test_ok__not_quite_a_dossier_code_is_unknown(raw: str) -> None:
    code = classify(raw)
    assert code.kind == UNKNOWN
    assert code.value == ""
    assert code.shown == raw
    assert not is_dossier_code(raw)


def test_ok__leap_day_is_a_date() -> None:
    assert classify("000.00.04.G14-240229-0001") == Code(DOSSIER, "000.00.04.G14-240229-0001")
    assert classify("000.00.04.G14-000229-0001").kind == DOSSIER  # 2000 was a leap year


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x.vn/?ma=000.00.04.G14-210519-0013",  # not a web link
        "https:///?ma=000.00.04.G14-210519-0013",  # no host
        "https://x.vn/?ma=000.00.04.G14-211331-0013",  # invalid date inside the link
        "https://x.vn/?ma=ABCDEFG000.00.04.G14-210519-0013",  # glued to other letters
        "https://x.vn/?ma=000.00.04.G14-210519-0013X",
        "https://x.vn/?ma=000.00.04.G14-210519-0000013",
        "https://x.vn/tra-cuu",
    ],
)
def test_ok__link_without_a_clean_dossier_code_is_unknown(url: str) -> None:
    code = classify(url)
    assert code.kind == UNKNOWN
    assert code.value == ""


@pytest.mark.parametrize(
    "sequence",
    [
        "\u0660\u0660\u0661\u0663",  # Arabic-Indic digits ٠٠١٣
        "\uff10\uff10\uff11\uff13",  # full-width digits ００１３
        "\u0966\u0966\u0967\u0969",  # Devanagari digits
    ],
)
def test_fail__link_with_non_ascii_digits_is_not_a_dossier_code(sequence: str) -> None:
    """Only printable ASCII goes on: a link may smuggle other digits in percent-encoded.

    The link itself is plain ASCII; once unquoted, ``\\d`` in the dossier pattern also
    matches non-ASCII decimal digits, so a "dossier code" with a non-ASCII sequence
    would be handed on to the look-up.
    """
    inner = "000.00.04.G14-210519-" + sequence
    url = "https://x.vn/tra-cuu?ma=" + urllib.parse.quote(inner)
    assert url.isascii()
    code = classify(url)
    assert code.value.isascii(), code
    assert code.kind == UNKNOWN


# ---------------------------------------------------------------------------------------
# procedure codes and tickets
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.011442.000.00.00.H38", "1.011442.000.00.00.H38"),
        ("1.001612.000.00.00.h12", "1.001612.000.00.00.H12"),
        ("2.000889.000.00.00.H29", "2.000889.000.00.00.H29"),
        (" ]C11.011442.000.00.00.H38", "1.011442.000.00.00.H38"),
        ("1.011442", "1.011442"),  # the national code alone
        ("2.000889", "2.000889"),
    ],
)
def test_ok__procedure_code(raw: str, expected: str) -> None:
    code = classify(raw)
    assert code.kind == PROCEDURE
    assert code.value == expected
    assert code.reason == "a procedure code, not a dossier code"
    assert code.shown == expected


@pytest.mark.parametrize(
    "raw",
    [
        "1.01144.000.00.00.H38",
        "11.011442.000.H38",
        "1.0114421",
        "1.011442.000.00.00.H38.",
        "1.01144",
    ],
)
def test_ok__not_quite_a_procedure_code_is_unknown(raw: str) -> None:
    assert classify(raw).kind == UNKNOWN


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (TICKET_TOKEN, TICKET_TOKEN),
        (TICKET_TOKEN.lower(), TICKET_TOKEN),
        (f"  {TICKET_TOKEN}\r\n", TICKET_TOKEN),
        (f"]Q1{TICKET_TOKEN}", TICKET_TOKEN),
        (TICKET_TOKEN.encode(), TICKET_TOKEN),
        ("HCC1:whatever", "HCC1:WHATEVER"),  # checked later, against the key
    ],
)
def test_ok__ticket_token(raw: str | bytes, expected: str) -> None:
    assert classify(raw) == Code(TICKET, expected)


@pytest.mark.parametrize("raw", ["HCC1", "HCC2:261123:A023:K7QW3MZP2XTR5AB4", "XHCC1:1"])
def test_ok__almost_a_ticket_is_unknown(raw: str) -> None:
    assert classify(raw).kind == UNKNOWN


# ---------------------------------------------------------------------------------------
# unknown and invalid input
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("hello", "hello"),
        ("8935049510017", "8935049510017"),  # an EAN on a product
        ("]C1hello", "hello"),
        ("  a b  ", "a b"),
        ("x" * SHOWN, "x" * SHOWN),
        ("x" * (SHOWN + 1), "x" * (SHOWN - 1) + "…"),
        ("y" * MAX_INPUT, "y" * (SHOWN - 1) + "…"),
    ],
)
def test_ok__unknown_is_shown_shortened(raw: str, shown: str) -> None:
    code = classify(raw)
    assert code == Code(UNKNOWN, "", "not a dossier code or ticket", shown)
    assert len(code.shown) <= SHOWN


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   \t\r\n ", "empty"),
        (b"", "empty"),
        (b"\r\n", "empty"),
        ("000.00.04.G14-210519\x00-0013", "control characters"),
        ("000.00.04.G14\x1b[2J-210519-0013", "control characters"),
        ("abc\ndef", "control characters"),
        ("abc\x7fdef", "control characters"),
        ("000.00.04.G14-210519-0013\x1b", "control characters"),
        ("Hồ sơ 000.00.04.G14-210519-0013", "characters no slip or ticket code uses"),
        ("000.00.04.G14–210519–0013", "characters no slip or ticket code uses"),  # en dashes
        ("\U0001f600", "characters no slip or ticket code uses"),
        (b"\xff\xfe\x00\x01", "not text (binary data)"),
        ("000.00.04.G14-210519-0013".encode("utf-16"), "not text (binary data)"),
        (b"\x89PNG\r\n\x1a\n", "not text (binary data)"),
        ("Hồ sơ".encode(), "not text (binary data)"),
        ("a" * (MAX_INPUT + 1), f"too long ({MAX_INPUT + 1} characters; at most {MAX_INPUT})"),
        ("a" * 10_000_000, "too long (10000000 characters)"),
        (b"a" * 10_000_000, "too long (10000000 bytes)"),
        ("\u00e9" * 10_000, "too long (10000 characters)"),
    ],
)
def test_fail__invalid_input_is_rejected_without_echo(raw: str | bytes, reason: str) -> None:
    code = classify(raw)
    assert code == Code(INVALID, "", reason, "")


def test_ok__bounds_are_inclusive() -> None:
    longest = "b" * MAX_INPUT
    assert sanitise(longest) == (longest, "")
    assert sanitise(f"  {longest}\r\n") == (longest, "")
    assert classify(longest).kind == UNKNOWN
    assert classify(longest + "b").kind == INVALID


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  38.98.H29-210519-0013 \n", ("38.98.H29-210519-0013", "")),
        (b"abc", ("abc", "")),
        (bytearray(b" abc "), ("abc", "")),
        ("", ("", "empty")),
        ("a\tb", ("", "control characters")),
        ("đ", ("", "characters no slip or ticket code uses")),
        (b"\x80", ("", "not text (binary data)")),
    ],
)
def test_ok__sanitise(raw: str | bytes, expected: tuple[str, str]) -> None:
    assert sanitise(raw) == expected


# ---------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------

SEGMENT = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6)
AGENCY = st.lists(SEGMENT, min_size=2, max_size=7).map(".".join)
# %y puts 69-99 in the 1900s and 00-68 in the 2000s: every date here survives the round trip
DATE = st.dates(min_value=dt.date(1969, 1, 1), max_value=dt.date(2068, 12, 31))
SEQUENCE = st.from_regex(r"[0-9]{4,6}", fullmatch=True)
DOSSIER_CODE = st.builds(
    lambda agency, date, seq: f"{agency}-{date:%y%m%d}-{seq}", AGENCY, DATE, SEQUENCE
)


@settings(max_examples=300, deadline=None)
@given(code=DOSSIER_CODE)
def test_ok__any_well_formed_dossier_code(code: str) -> None:
    assert classify(code) == Code(DOSSIER, code)
    assert classify(code.lower()) == Code(DOSSIER, code)
    assert classify(f" ]C1{code.lower()}\r\n") == Code(DOSSIER, code)
    assert classify(code.encode()) == Code(DOSSIER, code)


@settings(max_examples=150, deadline=None)
@given(code=DOSSIER_CODE, key=st.sampled_from(["ma", "maHoSo", "q"]), lower=st.booleans())
def test_ok__any_well_formed_dossier_code_inside_a_link(code: str, key: str, lower: bool) -> None:
    inner = code.lower() if lower else code
    query = urllib.parse.urlencode({"site": "hcc", key: inner})
    assert classify(f"https://dichvucong.example.vn/tra-cuu?{query}") == Code(DOSSIER, code)
    assert classify(f"http://x.vn/ho-so/{inner}") == Code(DOSSIER, code)


@settings(max_examples=150, deadline=None)
@given(agency=AGENCY, seq=SEQUENCE, date=st.from_regex(r"[0-9]{6}", fullmatch=True))
def test_ok__dossier_date_must_be_a_real_date(agency: str, seq: str, date: str) -> None:
    try:
        dt.datetime.strptime(date, "%y%m%d")
        real = True
    except ValueError:
        real = False
    code = f"{agency}-{date}-{seq}"
    assert (classify(code).kind == DOSSIER) == real


PREFIXED = st.builds(
    str.__add__,
    st.sampled_from(["]C1", "HCC1:", "https://x.vn/?ma=", "1.011442.", "000.00.04.G14-"]),
    st.text(),
)
RAW = st.one_of(
    st.text(),
    st.binary(),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F)),
    st.text(min_size=MAX_INPUT - 8, max_size=MAX_INPUT + 8),
    st.text(min_size=MAX_INPUT * 4 - 4, max_size=MAX_INPUT * 4 + 4),
    st.binary(min_size=MAX_INPUT * 4 - 4, max_size=MAX_INPUT * 4 + 4),
    PREFIXED,
)


@settings(max_examples=400, deadline=None)
@given(raw=RAW)
def test_ok__classify_and_sanitise_never_raise(raw: str | bytes) -> None:
    code = classify(raw)
    check_invariants(code)
    text, problem = sanitise(raw)
    assert bool(text) != bool(problem)
    if text:
        assert is_printable_ascii(text)
        assert len(text) <= MAX_INPUT
        assert text == text.strip()
    else:
        assert code.kind == INVALID
        assert code.reason == problem


def test_ok__huge_input_is_refused_quickly() -> None:
    for raw in ("x" * 5_000_000, b"\x00" * 5_000_000, bytearray(5_000_000)):
        code = classify(raw)
        check_invariants(code)
        assert code.kind == INVALID
        assert code.reason.startswith("too long")


@pytest.mark.parametrize("text", ["http://[x", "https://a]/b", "http://[vx.1]/", "HTTPS://[::1"])
def test_fail__link_shaped_text_that_is_no_link_is_unknown_not_a_crash(text: str) -> None:
    # urllib refuses these ("Invalid IPv6 URL"): the scan is simply not a code.
    found = classify(text)
    assert found.kind == UNKNOWN
    assert found.value == ""


# Tokens signed before the standard library's hmac made their HMAC-SHA256 (RFC 2104, 4231):
# tickets printed then still verify. The second key is longer than SHA-256's 64-byte block.
SIGNED_BEFORE = [
    (bytes(range(32)), "2026-11-23", "A023", "HCC1:261123:A023:57XAWR73PM3WDEIL"),
    (b"k" * 100, "2025-01-02", "7", "HCC1:250102:7:XSEFH6L7FX5TWUAX"),
]


@pytest.mark.parametrize(("key", "day", "number", "token"), SIGNED_BEFORE)
def test_ok__ticket_tokens_sign_and_verify_as_they_always_did(
    key: bytes, day: str, number: str, token: str
) -> None:
    assert sign(key, day, number) == token
    assert verify(key, token) == TicketRef(day, number)
