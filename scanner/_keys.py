"""A USB scanner in keyboard mode types its code as key presses on a US layout.

This maps evdev key codes to what they type, with and without Shift. Keypad keys
type digits and signs (scanners use them for "Alt+numpad" and some send digits
that way); NumLock is taken as on, as it is for a scanner.
"""

from __future__ import annotations

from kiosk.evdev_lib import ecodes

# fmt: off
_ROWS = {
    "KEY_GRAVE": "`~", "KEY_1": "1!", "KEY_2": "2@", "KEY_3": "3#", "KEY_4": "4$",
    "KEY_5": "5%", "KEY_6": "6^", "KEY_7": "7&", "KEY_8": "8*", "KEY_9": "9(", "KEY_0": "0)",
    "KEY_MINUS": "-_", "KEY_EQUAL": "=+", "KEY_LEFTBRACE": "[{", "KEY_RIGHTBRACE": "]}",
    "KEY_BACKSLASH": "\\|", "KEY_SEMICOLON": ";:", "KEY_APOSTROPHE": "'\"", "KEY_COMMA": ",<",
    "KEY_DOT": ".>", "KEY_SLASH": "/?", "KEY_SPACE": "  ", "KEY_102ND": "\\|",
}
_KEYPAD = {
    "KEY_KP0": "0", "KEY_KP1": "1", "KEY_KP2": "2", "KEY_KP3": "3", "KEY_KP4": "4",
    "KEY_KP5": "5", "KEY_KP6": "6", "KEY_KP7": "7", "KEY_KP8": "8", "KEY_KP9": "9",
    "KEY_KPMINUS": "-", "KEY_KPPLUS": "+", "KEY_KPDOT": ".", "KEY_KPASTERISK": "*",
    "KEY_KPSLASH": "/", "KEY_KPCOMMA": ",", "KEY_KPEQUAL": "=",
}
# fmt: on

#: key code -> (unshifted, shifted)
TYPED: dict[int, tuple[str, str]] = {
    ecodes.ecodes[f"KEY_{letter}"]: (letter.lower(), letter)
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
}
TYPED.update({ecodes.ecodes[name]: (pair[0], pair[1]) for name, pair in _ROWS.items()})
TYPED.update({ecodes.ecodes[name]: (char, char) for name, char in _KEYPAD.items()})
LETTERS = frozenset(ecodes.ecodes[f"KEY_{letter}"] for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
KEYPAD_DIGITS = {ecodes.ecodes[f"KEY_KP{d}"]: d for d in "0123456789"}

SHIFT = frozenset({ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT})
ALT = frozenset({ecodes.KEY_LEFTALT, ecodes.KEY_RIGHTALT})
CTRL = frozenset({ecodes.KEY_LEFTCTRL, ecodes.KEY_RIGHTCTRL})
MODIFIERS = SHIFT | ALT | CTRL | {ecodes.KEY_LEFTMETA, ecodes.KEY_RIGHTMETA}
CAPSLOCK = ecodes.KEY_CAPSLOCK
NUMLOCK = ecodes.KEY_NUMLOCK
#: Keys that end a code: scanners add Enter (or Tab) after each one.
TERMINATORS = frozenset({ecodes.KEY_ENTER, ecodes.KEY_KPENTER, ecodes.KEY_TAB})
