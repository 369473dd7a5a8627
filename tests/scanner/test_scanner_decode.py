"""Scanners to whole codes: key events from a keyboard-mode USB scanner (``KeyDecoder``)
and bytes from a serial one (``FrameSplitter``), as real devices send them."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.codes import DOSSIER, INVALID, MAX_INPUT, TICKET, classify
from kiosk.evdev_lib import InputEvent, ecodes
from scanner import FrameSplitter, KeyDecoder, Read

START_US = 1_795_400_000 * 1_000_000  # late November 2026, in microseconds
GAP_US = 4_000  # a scanner types a key every few milliseconds
DOSSIERS = ["000.00.04.G14-210519-0013", "38.98.H29-210519-0013", "000.A0.01.H26-210212-9090"]
TICKET_TOKEN = "HCC1:261123:A023:K7QW3MZP2XTR5AB4"
PRINTABLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)  # printable ASCII, no space


# ---------------------------------------------------------------------------------------
# a US-layout scanner, written out independently of scanner._keys
# ---------------------------------------------------------------------------------------

_PLAIN_KEYS = {
    "`": "GRAVE", "-": "MINUS", "=": "EQUAL", "[": "LEFTBRACE", "]": "RIGHTBRACE",
    "\\": "BACKSLASH", ";": "SEMICOLON", "'": "APOSTROPHE", ",": "COMMA", ".": "DOT",
    "/": "SLASH", " ": "SPACE",
}  # fmt: skip
_SHIFTED_KEYS = {
    "~": "GRAVE", "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7",
    "*": "8", "(": "9", ")": "0", "_": "MINUS", "+": "EQUAL", "{": "LEFTBRACE",
    "}": "RIGHTBRACE", "|": "BACKSLASH", ":": "SEMICOLON", '"': "APOSTROPHE", "<": "COMMA",
    ">": "DOT", "?": "SLASH",
}  # fmt: skip
_KEYPAD_KEYS = {
    **{d: f"KP{d}" for d in "0123456789"},
    "-": "KPMINUS", ".": "KPDOT", "+": "KPPLUS", "*": "KPASTERISK", "/": "KPSLASH",
}  # fmt: skip

#: character -> (key name without "KEY_", needs Shift)
US_LAYOUT: dict[str, tuple[str, bool]] = {
    **{c: (c.upper(), False) for c in "abcdefghijklmnopqrstuvwxyz"},
    **{c: (c, True) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{d: (d, False) for d in "0123456789"},
    **{c: (name, False) for c, name in _PLAIN_KEYS.items()},
    **{c: (name, True) for c, name in _SHIFTED_KEYS.items()},
}


def key(name: str) -> int:
    return int(ecodes.ecodes[f"KEY_{name}"])


class Scanner:
    """Types text as a keyboard-mode scanner on a US layout does, on its own event clock.

    Every press and release is ``MSC_SCAN, EV_KEY, SYN_REPORT`` at one timestamp; the clock
    moves on ``gap_us`` microseconds after each of them.
    """

    def __init__(self, start_us: int = START_US, gap_us: int = GAP_US) -> None:
        self.now_us = start_us
        self.gap_us = gap_us

    @property
    def now(self) -> float:
        return self.now_us / 1e6

    def pause(self, seconds: float) -> None:
        self.now_us += round(seconds * 1e6)

    def _event(self, etype: int, code: int, value: int) -> InputEvent:
        sec, usec = divmod(self.now_us, 1_000_000)
        return InputEvent(sec, usec, etype, code, value)

    def press(self, code: int, value: int = 1) -> list[InputEvent]:
        """One key event (1 down, 0 up, 2 autorepeat) with what comes around it."""
        events = [] if value == 2 else [self._event(ecodes.EV_MSC, ecodes.MSC_SCAN, 0x70000 + code)]
        events += [
            self._event(ecodes.EV_KEY, code, value),
            self._event(ecodes.EV_SYN, ecodes.SYN_REPORT, 0),
        ]
        self.now_us += self.gap_us
        return events

    def tap(self, code: int, repeats: int = 0) -> list[InputEvent]:
        events = self.press(code, 1)
        for _ in range(repeats):
            events += self.press(code, 2)
        return events + self.press(code, 0)

    def type(
        self,
        text: str,
        end: str | None = "ENTER",
        *,
        keypad: bool = False,
        repeats: int = 0,
        hold_shift: bool = False,
        caps: bool = False,
    ) -> list[InputEvent]:
        """``text`` then ``end`` (a key name, or None for no end key).

        ``keypad``: digits and signs from the keypad; ``repeats``: autorepeat events while
        each key is down; ``hold_shift``: one Shift press across consecutive shifted
        characters; ``caps``: Caps Lock is on, so letters take Shift the other way round.
        """
        shift = key("LEFTSHIFT")
        events: list[InputEvent] = []
        shifted = False
        for char in text:
            if keypad and char in _KEYPAD_KEYS:
                name, needs_shift = _KEYPAD_KEYS[char], False
            else:
                name, needs_shift = US_LAYOUT[char]
            if caps and char.isalpha():
                needs_shift = not needs_shift
            if needs_shift and not shifted:
                events += self.press(shift, 1)
                shifted = True
            elif not needs_shift and shifted:
                events += self.press(shift, 0)
                shifted = False
            events += self.tap(key(name), repeats)
            if shifted and not hold_shift:
                events += self.press(shift, 0)
                shifted = False
        if shifted:
            events += self.press(shift, 0)
        if end is not None:
            events += self.tap(key(end))
        return events


def feed_all(decoder: KeyDecoder, events: list[InputEvent]) -> list[Read]:
    return [read for event in events if (read := decoder.feed(event)) is not None]


def texts(reads: list[Read]) -> list[str]:
    return [read.text for read in reads]


# ---------------------------------------------------------------------------------------
# KeyDecoder: round trips
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "abcxyz",
        "ABCXYZ",
        "AbCdEf",
        "a-b.c",
        "0123456789",
        "`~!@#$%^&*()-_=+[{]}\\|;:'\",<.>/?",
        "Hello World",
        *DOSSIERS,
        TICKET_TOKEN,
    ],
)
def test_ok__typed_text_comes_out_exactly(text: str) -> None:
    scanner = Scanner()
    reads = feed_all(KeyDecoder(), scanner.type(text))
    assert reads == [Read(text, "", pytest.approx(scanner.now - GAP_US / 1e6 * 2))]


def test_ok__shifted_symbols_on_a_us_layout() -> None:
    scanner = Scanner()
    shift = key("LEFTSHIFT")
    events = [*scanner.press(shift), *scanner.tap(key("4")), *scanner.tap(key("MINUS"))]
    events += [*scanner.press(shift, 0), *scanner.tap(key("4")), *scanner.tap(key("MINUS"))]
    events += [*scanner.press(key("RIGHTSHIFT")), *scanner.tap(key("SLASH"))]
    events += [*scanner.press(key("RIGHTSHIFT"), 0), *scanner.tap(key("ENTER"))]
    assert texts(feed_all(KeyDecoder(), events)) == ["$_4-?"]


def test_ok__noise_between_keys_is_ignored() -> None:
    decoder = KeyDecoder()
    events = Scanner().type("A1")
    others = [e for e in events if e.type != ecodes.EV_KEY]
    assert {e.type for e in others} == {ecodes.EV_MSC, ecodes.EV_SYN}
    for event in events[:-6]:  # all but the Enter key's own events
        assert decoder.feed(event) is None
    assert decoder.pending
    assert decoder.chars == ["A", "1"]
    assert texts(feed_all(decoder, events[-6:])) == ["A1"]
    assert [decoder.feed(event) for event in others] == [None] * len(others)
    assert not decoder.pending


@pytest.mark.parametrize("code", DOSSIERS)
def test_ok__keypad_digits_and_signs(code: str) -> None:
    scanner = Scanner()
    events = scanner.type(code, keypad=True)
    assert any(e.code == ecodes.KEY_KPDOT for e in events)
    assert not any(e.code == ecodes.KEY_DOT for e in events)
    assert texts(feed_all(KeyDecoder(), events)) == [code]
    assert texts(feed_all(KeyDecoder(), Scanner().type("1+2*3/4", keypad=True))) == ["1+2*3/4"]


@pytest.mark.parametrize("text", ["aA-.", DOSSIERS[0], TICKET_TOKEN])
def test_ok__autorepeat_types_nothing(text: str) -> None:
    events = Scanner().type(text, repeats=3)
    assert sum(e.value == 2 for e in events) == 3 * len(text)
    assert texts(feed_all(KeyDecoder(), events)) == [text]


def test_ok__releases_type_nothing() -> None:
    decoder = KeyDecoder()
    scanner = Scanner()
    for name in ("A", "1", "MINUS", "KP5"):
        assert decoder.feed(scanner.press(key(name), 0)[1]) is None
    assert not decoder.pending


@pytest.mark.parametrize("text", ["ABCDEF", "HCC1:261123:A023", "A$B_C", TICKET_TOKEN])
def test_ok__shift_held_across_several_characters(text: str) -> None:
    events = Scanner().type(text, hold_shift=True)
    shift_downs = [e for e in events if e.code == ecodes.KEY_LEFTSHIFT and e.value == 1]
    assert len(shift_downs) < sum(US_LAYOUT[c][1] for c in text)
    assert texts(feed_all(KeyDecoder(), events)) == [text]


def test_ok__shift_autorepeat_and_right_shift() -> None:
    scanner = Scanner()
    left, right = key("LEFTSHIFT"), key("RIGHTSHIFT")
    events = [*scanner.press(left), *scanner.press(left, 2), *scanner.press(right)]
    events += [*scanner.tap(key("A")), *scanner.press(left, 0), *scanner.tap(key("B"))]
    events += [*scanner.press(right, 0), *scanner.tap(key("C")), *scanner.tap(key("ENTER"))]
    assert texts(feed_all(KeyDecoder(), events)) == ["ABc"]  # one Shift still held for B


@pytest.mark.parametrize("text", ["HCC1:261123:A023", "abcDEF", DOSSIERS[2], TICKET_TOKEN])
def test_ok__caps_lock_mode(text: str) -> None:
    scanner = Scanner()
    decoder = KeyDecoder()
    events = [*scanner.tap(key("CAPSLOCK")), *scanner.type(text, caps=True)]
    assert texts(feed_all(decoder, events)) == [text]
    assert decoder.caps
    # Caps Lock stays on for the next code; pressing it again turns it off
    assert texts(feed_all(decoder, scanner.type("ab", caps=True))) == ["ab"]
    events = [*scanner.tap(key("CAPSLOCK")), *scanner.type("aB")]
    assert texts(feed_all(decoder, events)) == ["aB"]
    assert not decoder.caps


def test_ok__caps_lock_leaves_digits_and_symbols_alone() -> None:
    scanner = Scanner()
    events = [*scanner.tap(key("CAPSLOCK")), *scanner.tap(key("1")), *scanner.tap(key("MINUS"))]
    events += [*scanner.tap(key("A")), *scanner.type("!", end="ENTER")]
    assert texts(feed_all(KeyDecoder(), events)) == ["1-A!"]


@pytest.mark.parametrize("end", ["ENTER", "KPENTER", "TAB"])
def test_ok__terminators(end: str) -> None:
    scanner = Scanner()
    decoder = KeyDecoder()
    assert texts(feed_all(decoder, scanner.type(DOSSIERS[1], end=end))) == [DOSSIERS[1]]
    assert not decoder.pending


def test_ok__no_end_key_means_no_code_yet() -> None:
    scanner = Scanner()
    decoder = KeyDecoder()
    assert feed_all(decoder, scanner.type("ABC", end=None)) == []
    assert decoder.pending
    assert texts(feed_all(decoder, scanner.tap(key("ENTER")))) == ["ABC"]


def test_ok__enter_with_nothing_pending_is_nothing() -> None:
    scanner = Scanner()
    decoder = KeyDecoder()
    for name in ("ENTER", "KPENTER", "TAB", "ENTER"):
        assert feed_all(decoder, scanner.tap(key(name))) == []
    assert feed_all(decoder, scanner.type("", end="ENTER")) == []


def test_ok__two_codes_back_to_back() -> None:
    scanner = Scanner()
    events = scanner.type(DOSSIERS[0]) + scanner.type(TICKET_TOKEN.lower(), end="TAB")
    reads = feed_all(KeyDecoder(), events)
    assert texts(reads) == [DOSSIERS[0], TICKET_TOKEN.lower()]
    assert [classify(read.text).kind for read in reads] == [DOSSIER, TICKET]
    assert reads[0].at < reads[1].at


def test_ok__read_time_is_the_end_keys_own_timestamp() -> None:
    scanner = Scanner()
    events = scanner.type("X1")
    enter_down = next(e for e in events if e.code == ecodes.KEY_ENTER and e.value == 1)
    (read,) = feed_all(KeyDecoder(), events)
    assert read.at == pytest.approx(enter_down.sec + enter_down.usec / 1e6)


@pytest.mark.parametrize("code", [*DOSSIERS, TICKET_TOKEN])
def test_ok__real_codes_classify_after_decoding(code: str) -> None:
    for options in ({}, {"keypad": True}, {"repeats": 1}, {"hold_shift": True}):
        (read,) = feed_all(KeyDecoder(), Scanner().type(code, **options))
        assert read == Read(code, "", read.at)
        assert classify(read.text).kind == (TICKET if code == TICKET_TOKEN else DOSSIER)


# ---------------------------------------------------------------------------------------
# KeyDecoder: Alt+numpad, shortcuts, unknown keys
# ---------------------------------------------------------------------------------------


def alt_numpad(scanner: Scanner, number: str) -> list[InputEvent]:
    alt = key("LEFTALT")
    events = scanner.press(alt)
    for digit in number:
        events += scanner.tap(key(f"KP{digit}"))
    return events + scanner.press(alt, 0)


@pytest.mark.parametrize(("number", "char"), [("65", "A"), ("065", "A"), ("45", "-"), ("97", "a")])
def test_ok__alt_numpad_types_the_character(number: str, char: str) -> None:
    scanner = Scanner()
    events = [*scanner.type("x", end=None), *alt_numpad(scanner, number)]
    events += scanner.type("y")
    assert texts(feed_all(KeyDecoder(), events)) == [f"x{char}y"]


def test_ok__alt_numpad_a_whole_code() -> None:
    scanner = Scanner()
    events: list[InputEvent] = []
    for char in DOSSIERS[0]:
        events += alt_numpad(scanner, str(ord(char)))
    events += scanner.tap(key("KPENTER"))
    assert texts(feed_all(KeyDecoder(), events)) == [DOSSIERS[0]]


def test_ok__alt_numpad_outside_ascii_makes_the_code_invalid() -> None:
    scanner = Scanner()
    events = [*alt_numpad(scanner, "233"), *scanner.type("1")]  # é
    (read,) = feed_all(KeyDecoder(), events)
    assert read.text == "é1"
    assert classify(read.text).kind == INVALID


@pytest.mark.parametrize(
    ("modifier", "name"),
    [("LEFTCTRL", "V"), ("RIGHTCTRL", "C"), ("LEFTALT", "F4"), ("RIGHTALT", "A"), ("LEFTALT", "1")],
)
def test_ok__shortcuts_type_a_marker_that_makes_the_code_invalid(modifier: str, name: str) -> None:
    scanner = Scanner()
    events = [*scanner.type("ab", end=None), *scanner.press(key(modifier))]
    events += [*scanner.tap(key(name)), *scanner.press(key(modifier), 0), *scanner.type("c")]
    (read,) = feed_all(KeyDecoder(), events)
    assert read.text == "ab\x00c"
    assert classify(read.text).kind == INVALID


@pytest.mark.parametrize("name", ["F1", "ESC", "BACKSPACE", "UP", "HOME", "DELETE"])
def test_ok__unknown_keys_make_the_code_invalid(name: str) -> None:
    scanner = Scanner()
    events = [*scanner.type("A", end=None), *scanner.tap(key(name)), *scanner.type("B")]
    (read,) = feed_all(KeyDecoder(), events)
    assert read.text == "A\x00B"
    code = classify(read.text)
    assert code.kind == INVALID
    assert code.shown == ""


def test_ok__numlock_types_nothing() -> None:
    scanner = Scanner()
    events = [*scanner.tap(key("NUMLOCK")), *scanner.type("12", keypad=True)]
    assert texts(feed_all(KeyDecoder(), events)) == ["12"]


# ---------------------------------------------------------------------------------------
# KeyDecoder: limits and stalls
# ---------------------------------------------------------------------------------------


def test_fail__over_the_limit_is_too_long_and_the_next_code_is_clean() -> None:
    scanner = Scanner()
    decoder = KeyDecoder(limit=10)
    reads = feed_all(decoder, scanner.type("A" * 10))
    assert texts(reads) == ["A" * 10]
    reads = feed_all(decoder, scanner.type("B" * 14))
    assert [(r.text, r.problem) for r in reads] == [("", "too long (14 characters); dropped")]
    assert len(decoder.chars) == 0
    assert texts(feed_all(decoder, scanner.type("C"))) == ["C"]


def test_fail__default_limit_is_max_input() -> None:
    decoder = KeyDecoder()
    assert decoder.limit == MAX_INPUT
    scanner = Scanner(gap_us=500)
    events = scanner.type("7" * (MAX_INPUT + 1), end=None)
    assert feed_all(decoder, events) == []
    assert len(decoder.chars) == MAX_INPUT
    (read,) = feed_all(decoder, scanner.tap(key("ENTER")))
    assert read.text == ""
    assert "too long" in read.problem
    assert str(MAX_INPUT + 1) in read.problem


def test_fail__stall_mid_way_drops_the_partial_code() -> None:
    scanner = Scanner()
    decoder = KeyDecoder(stall=0.3)
    assert feed_all(decoder, scanner.type(DOSSIERS[0][:9], end=None)) == []
    scanner.pause(0.5)
    reads = feed_all(decoder, scanner.type(DOSSIERS[0]))
    assert len(reads) == 2
    dropped, whole = reads
    assert dropped.text == ""
    assert dropped.problem == "scan stopped after 9 character(s); dropped"
    assert whole == Read(DOSSIERS[0], "", whole.at)
    assert [r.text for r in reads if r.text] == [DOSSIERS[0]]


def test_fail__stall_just_over_the_limit_drops_just_under_keeps() -> None:
    scanner = Scanner()
    decoder = KeyDecoder(stall=0.3)
    events = scanner.type("AB", end=None)
    scanner.pause(0.27)
    events += scanner.type("C")
    assert texts(feed_all(decoder, events)) == ["ABC"]
    events = scanner.type("AB", end=None)
    scanner.pause(0.31)
    events += scanner.type("C")
    reads = feed_all(decoder, events)
    assert [(r.text, r.problem) for r in reads] == [
        ("", "scan stopped after 2 character(s); dropped"),
        ("C", ""),
    ]


def test_fail__stall_then_enter_gives_only_the_drop() -> None:
    scanner = Scanner()
    decoder = KeyDecoder()
    feed_all(decoder, scanner.type("ABC", end=None))
    scanner.pause(1)
    reads = feed_all(decoder, scanner.tap(key("ENTER")))
    assert [(r.text, r.problem) for r in reads] == [
        ("", "scan stopped after 3 character(s); dropped")
    ]
    assert not decoder.pending


def test_fail__expire_drops_a_stalled_code() -> None:
    scanner = Scanner()
    decoder = KeyDecoder(stall=0.3)
    events = scanner.type("HCC1:2611", end=None)
    feed_all(decoder, events)
    last_down, last_up = [e.sec + e.usec / 1e6 for e in events if e.type == ecodes.EV_KEY][-2:]
    assert decoder.expire(last_up + 0.1) is None
    assert decoder.expire(last_down + 0.29) is None
    assert decoder.pending
    read = decoder.expire(last_up + 0.31)
    assert read is not None
    assert read.text == ""
    assert read.problem == "scan stopped after 9 character(s); dropped"
    assert last_down <= read.at <= last_up
    assert not decoder.pending
    assert decoder.expire(last_up + 100) is None
    # the next scan is whole
    scanner.pause(1)
    assert texts(feed_all(decoder, scanner.type(TICKET_TOKEN))) == [TICKET_TOKEN]


def test_ok__expire_with_nothing_pending_is_nothing() -> None:
    decoder = KeyDecoder()
    assert decoder.expire(1e12) is None
    feed_all(decoder, Scanner().type("A"))
    assert decoder.expire(1e12) is None


def test_fail__a_slow_scanner_holding_a_key_is_not_a_stall() -> None:
    """Autorepeat comes from "a key held down, e.g. by a slow scanner" (the module says so).

    Here the first key is held for 0.35 s: the kernel starts repeating it after 0.25 s and
    then sends a repeat every 33 ms, the key comes up and the rest follows at once. No gap
    between key events is anywhere near ``stall``, yet the code must come out whole.
    """
    scanner = Scanner()
    one = key("1")
    events = scanner.press(one)
    scanner.pause(0.25 - GAP_US / 1e6)
    for _ in range(4):
        events += scanner.press(one, 2)
        scanner.pause(0.033 - GAP_US / 1e6)
    events += scanner.press(one, 0)
    events += scanner.type("2345")
    stamps = [e.sec + e.usec / 1e6 for e in events if e.type == ecodes.EV_KEY]
    assert max(b - a for a, b in itertools.pairwise(stamps)) < 0.3
    reads = feed_all(KeyDecoder(stall=0.3), events)
    assert [(r.text, r.problem) for r in reads] == [("12345", "")]


# ---------------------------------------------------------------------------------------
# KeyDecoder: properties
# ---------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet=PRINTABLE, min_size=1, max_size=80),
    keypad=st.booleans(),
    repeats=st.integers(0, 2),
    hold_shift=st.booleans(),
    caps=st.booleans(),
    end=st.sampled_from(["ENTER", "KPENTER", "TAB"]),
)
def test_ok__any_printable_text_round_trips(
    text: str, keypad: bool, repeats: int, hold_shift: bool, caps: bool, end: str
) -> None:
    scanner = Scanner()
    decoder = KeyDecoder()
    events = scanner.tap(key("CAPSLOCK")) if caps else []
    events += scanner.type(
        text, end, keypad=keypad, repeats=repeats, hold_shift=hold_shift, caps=caps
    )
    assert texts(feed_all(decoder, events)) == [text]
    assert not decoder.pending


@settings(max_examples=300, deadline=None)
@given(
    keys=st.lists(
        st.tuples(
            st.integers(0, 255),
            st.sampled_from([0, 1, 1, 2]),
            st.integers(0, 400_000),
            st.booleans(),
        ),
        max_size=400,
    ),
    limit=st.one_of(st.integers(1, 12), st.just(MAX_INPUT)),
    stall=st.sampled_from([0.05, 0.3, 10.0]),
)
def test_ok__any_key_events_never_break_the_decoder(
    keys: list[tuple[int, int, int, bool]], limit: int, stall: float
) -> None:
    decoder = KeyDecoder(stall=stall, limit=limit)
    now_us = START_US
    reads: list[Read] = []
    for code, value, gap_us, syn in keys:
        now_us += gap_us
        sec, usec = divmod(now_us, 1_000_000)
        events = [InputEvent(sec, usec, ecodes.EV_KEY, code, value)]
        if syn:
            events.append(InputEvent(sec, usec, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))
        for event in events:
            read = decoder.feed(event)
            assert len(decoder.chars) <= decoder.limit
            if read is not None:
                reads.append(read)
    late = decoder.expire(now_us / 1e6 + stall + 1)
    if late is not None:
        reads.append(late)
    assert not decoder.pending
    for read in reads:
        assert len(read.text) <= limit
        assert not (read.text and read.problem)
        assert read.at <= now_us / 1e6 + 1e-3
        if "\x00" in read.text:
            assert classify(read.text).kind == INVALID


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=PRINTABLE, min_size=1, max_size=40), limit=st.integers(1, 40))
def test_ok__limit_is_exact(text: str, limit: int) -> None:
    reads = feed_all(KeyDecoder(limit=limit), Scanner().type(text))
    if len(text) <= limit:
        assert texts(reads) == [text]
    else:
        assert [(r.text, r.problem) for r in reads] == [
            ("", f"too long ({len(text)} characters); dropped")
        ]


# ---------------------------------------------------------------------------------------
# FrameSplitter
# ---------------------------------------------------------------------------------------

T0 = 1_795_400_000.0


def splits(framing: str, *chunks: bytes, step: float = 0.01) -> list[Read]:
    splitter = FrameSplitter(framing)
    out: list[Read] = []
    for i, chunk in enumerate(chunks):
        out += splitter.feed(chunk, T0 + i * step)
    return out


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"ABC\r", ["ABC"]),
        (b"ABC\n", ["ABC"]),
        (b"ABC\r\n", ["ABC"]),
        (b"ABC\r\nDEF\r\n", ["ABC", "DEF"]),
        (b"ABC\rDEF\nGHI\r\n", ["ABC", "DEF", "GHI"]),
        (b"ABC\r\n\r\n\n\r", ["ABC"]),
        (b"\r\nABC\n\rDEF\r", ["ABC", "DEF"]),
    ],
)
def test_ok__auto_framing(data: bytes, expected: list[str]) -> None:
    splitter = FrameSplitter("auto")
    reads = splitter.feed(data, T0)
    assert reads == [Read(text, "", T0) for text in expected]
    assert not splitter.pending


def test_ok__auto_crlf_split_across_reads_counts_once() -> None:
    splitter = FrameSplitter("auto")
    assert texts(splitter.feed(b"000.00.04.G14-210519-0013\r", T0)) == [DOSSIERS[0]]
    assert splitter.feed(b"\n", T0 + 0.01) == []
    assert texts(splitter.feed(b"38.98.H29-210519-0013\r", T0 + 0.02)) == [DOSSIERS[1]]
    assert texts(splitter.feed(b"\nX\n", T0 + 0.03)) == ["X"]
    assert not splitter.pending


@pytest.mark.parametrize(
    ("framing", "data", "expected", "pending"),
    [
        ("cr", b"ABC\rDEF\r", ["ABC", "DEF"], False),
        ("cr", b"ABC\n", [], True),
        ("lf", b"ABC\nDEF\n", ["ABC", "DEF"], False),
        ("lf", b"ABC\r", [], True),
        ("crlf", b"ABC\r\nDEF\r\n", ["ABC", "DEF"], False),
        ("crlf", b"ABC\r", [], True),
        ("idle", b"ABC\r\nDEF\n", [], True),
    ],
)
def test_ok__named_framings(framing: str, data: bytes, expected: list[str], pending: bool) -> None:
    splitter = FrameSplitter(framing)
    assert texts(splitter.feed(data, T0)) == expected
    assert splitter.pending == pending


def test_ok__idle_framing_ends_a_code_on_a_pause() -> None:
    splitter = FrameSplitter("idle", stall=0.3)
    assert splitter.feed(b"000.00.04.", T0) == []
    assert splitter.feed(b"G14-210519-0013", T0 + 0.05) == []
    assert splitter.expire(T0 + 0.05 + 0.29) == []
    assert splitter.pending
    assert splitter.expire(T0 + 0.5) == [Read(DOSSIERS[0], "", T0 + 0.05)]
    assert not splitter.pending
    assert splitter.expire(T0 + 10) == []
    # the next feed after a pause ends what came before it
    assert splitter.feed(TICKET_TOKEN.encode(), T0 + 20) == []
    assert splitter.feed(b"38.98", T0 + 21) == [Read(TICKET_TOKEN, "", T0 + 20)]
    assert splitter.buffer == bytearray(b"38.98")


def test_ok__idle_blank_or_binary() -> None:
    splitter = FrameSplitter("idle")
    splitter.feed(b"  \r\n ", T0)
    assert splitter.expire(T0 + 1) == []
    splitter.feed(b"\xc4\x91", T0 + 2)
    assert splitter.expire(T0 + 3) == [Read("", "not text (binary data); dropped", T0 + 2)]


@pytest.mark.parametrize("framing", ["auto", "cr", "crlf"])
def test_ok__partial_frames_join(framing: str) -> None:
    pieces = [b"000", b".00.04.G", b"14-2105", b"19-", b"0013", b"\r", b"\n"]
    reads = splits(framing, *pieces, step=0.02)
    assert texts(reads) == [DOSSIERS[0]]
    assert reads[0].at == pytest.approx(T0 + 0.02 * (5 if framing != "crlf" else 6))


@pytest.mark.parametrize("framing", ["auto", "cr", "lf", "crlf"])
def test_fail__partial_frame_that_stalls_is_dropped(framing: str) -> None:
    end = b"\n" if framing in ("lf", "crlf") else b"\r"
    splitter = FrameSplitter(framing, stall=0.3)
    assert splitter.feed(b"000.00.04.G14", T0) == []
    assert splitter.feed(b"-21", T0 + 0.2) == []
    reads = splitter.feed(b"38.98.H29-210519-0013" + end, T0 + 0.6)
    assert reads == [
        Read("", "scan stopped after 16 byte(s) without its end; dropped", T0 + 0.2),
        Read(DOSSIERS[1], "", T0 + 0.6),
    ]


@pytest.mark.parametrize("framing", ["auto", "cr", "lf", "crlf"])
def test_fail__expire_drops_a_partial_frame(framing: str) -> None:
    splitter = FrameSplitter(framing, stall=0.3)
    splitter.feed(b"HCC1:26", T0)
    assert splitter.expire(T0 + 0.29) == []
    assert splitter.expire(T0 + 0.31) == [
        Read("", "scan stopped after 7 byte(s) without its end; dropped", T0)
    ]
    assert not splitter.pending
    assert splitter.expire(T0 + 5) == []


@pytest.mark.parametrize("framing", ["auto", "cr", "lf", "crlf"])
def test_ok__blank_frames_produce_nothing(framing: str) -> None:
    data = {"cr": b"\r  \r\t\r", "lf": b"\n \n\t\n", "crlf": b"\r\n \r\n\r\n"}.get(
        framing, b"\r\n\r\n \r\n\n\r\t\r"
    )
    splitter = FrameSplitter(framing)
    assert splitter.feed(data, T0) == []
    assert not splitter.pending


@pytest.mark.parametrize("framing", ["auto", "cr"])
def test_fail__non_ascii_bytes_are_not_text(framing: str) -> None:
    splitter = FrameSplitter(framing)
    reads = splitter.feed(b"\xff\xfe\x00A\rH\xe1\xbb\x93 s\xc6\xa1\rOK\r", T0)
    assert reads == [
        Read("", "not text (binary data); dropped", T0),
        Read("", "not text (binary data); dropped", T0),
        Read("OK", "", T0),
    ]


@pytest.mark.parametrize("framing", ["auto", "cr", "lf", "crlf", "idle"])
def test_fail__too_long_then_the_next_frame_is_clean(framing: str) -> None:
    end = {"auto": b"\r\n", "cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "idle": b""}[framing]
    splitter = FrameSplitter(framing, stall=0.3)
    reads = splitter.feed(b"9" * (MAX_INPUT + 3) + end, T0)
    assert len(splitter.buffer) <= MAX_INPUT
    if framing == "idle":
        assert reads == []
        reads = splitter.expire(T0 + 1)
    expected_len = MAX_INPUT + 3 + (1 if framing == "crlf" else 0)  # the CR is a data byte
    assert reads == [Read("", f"too long ({expected_len} bytes); dropped", T0)]
    assert not splitter.pending
    reads = splitter.feed(DOSSIERS[2].encode() + end, T0 + 2)
    if framing == "idle":
        reads += splitter.expire(T0 + 3)
    assert reads == [Read(DOSSIERS[2], "", T0 + 2)]


def test_ok__exactly_the_limit_is_kept() -> None:
    splitter = FrameSplitter("auto", limit=8)
    assert splitter.feed(b"12345678\r\n123456789\n", T0) == [
        Read("12345678", "", T0),
        Read("", "too long (9 bytes); dropped", T0),
    ]


def test_err__unknown_framing_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown framing 'crcr'"):
        FrameSplitter("crcr")


@settings(max_examples=300, deadline=None)
@given(
    framing=st.sampled_from(["auto", "cr", "lf", "crlf", "idle"]),
    chunks=st.lists(
        st.tuples(
            st.one_of(
                st.binary(max_size=64),
                st.lists(
                    st.sampled_from([b"A", b"1", b"\r", b"\n", b"\xff", b" "]), max_size=40
                ).map(b"".join),
            ),
            st.integers(0, 500_000),
        ),
        max_size=60,
    ),
    limit=st.one_of(st.integers(1, 16), st.just(MAX_INPUT)),
)
def test_ok__any_bytes_never_break_the_splitter(
    framing: str, chunks: list[tuple[bytes, int]], limit: int
) -> None:
    splitter = FrameSplitter(framing, stall=0.3, limit=limit)
    now = T0
    reads: list[Read] = []
    for data, gap_us in chunks:
        now += gap_us / 1e6
        reads += splitter.feed(data, now)
        assert len(splitter.buffer) <= limit
    reads += splitter.expire(now + 1)
    assert not splitter.pending
    ends = {"auto": "\r\n", "cr": "\r", "lf": "\n", "crlf": "\n", "idle": ""}[framing]
    for read in reads:
        assert len(read.text) <= limit
        assert bool(read.text) != bool(read.problem)
        assert read.text.isascii()
        # Blank as the splitter sees it (ASCII whitespace): a control character such as
        # FS (0x1c) is text here, for the classifier to refuse with its own message.
        assert read.problem or read.text.encode().strip()
        assert not any(end in read.text for end in ends)
        assert read.at <= now


@settings(max_examples=150, deadline=None)
@given(
    codes=st.lists(st.text(alphabet=PRINTABLE, min_size=1, max_size=60), min_size=1, max_size=6),
    end=st.sampled_from([b"\r", b"\n", b"\r\n"]),
    cuts=st.lists(st.integers(0, 400), max_size=8),
)
def test_ok__auto_round_trip_however_the_bytes_are_cut(
    codes: list[str], end: bytes, cuts: list[int]
) -> None:
    data = b"".join(code.encode() + end for code in codes)
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    splitter = FrameSplitter("auto")
    reads: list[Read] = []
    for i, (start, stop) in enumerate(itertools.pairwise(bounds)):
        reads += splitter.feed(data[start:stop], T0 + i * 0.01)
    assert texts(reads) == codes
    assert not splitter.pending


def test_ok__cr_framing_ignores_the_lf_of_a_scanner_sending_cr_lf() -> None:
    splitter = FrameSplitter("cr", stall=0.3)
    reads = splitter.feed(b"38.98.H29-210519-0013\r\n", 10.0)
    assert [r.text for r in reads] == ["38.98.H29-210519-0013"]
    assert splitter.expire(11.0) == []  # the lone LF is not a code cut off half-way
    assert [r.text for r in splitter.feed(b"A1\r\n", 12.0)] == ["A1"]


def test_fail__events_lost_by_the_kernel_drop_the_code_and_release_held_keys() -> None:
    decoder = KeyDecoder(stall=0.3)
    t = 100.0

    def key(name: str, value: int) -> Read | None:
        nonlocal t
        t += 0.004
        return decoder.feed(InputEvent(int(t), int(t % 1 * 1e6), ecodes.EV_KEY,
                                       ecodes.ecodes[name], value))  # fmt: skip

    key("KEY_1", 1)
    key("KEY_LEFTSHIFT", 1)  # its release is among the lost events
    dropped = decoder.feed(InputEvent(int(t), 0, ecodes.EV_SYN, ecodes.SYN_DROPPED, 0))
    assert dropped is not None and dropped.text == "" and "lost" in dropped.problem
    for name in ("KEY_2", "KEY_3"):
        key(name, 1)
        key(name, 0)
    done = key("KEY_ENTER", 1)
    assert done is not None and done.text == "23"  # not "@#": Shift is not taken as held
