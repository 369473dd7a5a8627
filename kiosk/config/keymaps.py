"""``[keymaps]``: named key maps for counter keypads, the built-in ones, and the actions a
counter key can have (its GPIO buttons and its keypads' keys alike).

Built-in key maps, so most sites only name the device:

- ``numpad``: a staff numeric keypad. Enter calls the next citizen, + recalls,
  - marks a no-show, 0 finishes, the dot pauses and resumes.
- ``rating``: a citizen-facing pad; keys 1..N (top row or keypad) give the N-th label.
- ``presenter``: a wireless presentation remote. Next slide calls, previous slide
  recalls, the blank-screen key marks a no-show, the slideshow key finishes.

evdev reports keypad keys as KEY_KP* whatever the NumLock state.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from kiosk import freetext
from kiosk.config._build import did_you_mean
from kiosk.config._parse import describe, slug

# Each named key map: its key names and their actions, in the order given.
Keymaps = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]

_FIXED = {
    "numpad": {
        "KEY_KPENTER": "next",
        "KEY_KPPLUS": "recall",
        "KEY_KPMINUS": "skip",
        "KEY_KP0": "done",
        "KEY_KPDOT": "pause",
    },
    "presenter": {
        "KEY_PAGEDOWN": "next",
        "KEY_RIGHT": "next",
        "KEY_PAGEUP": "recall",
        "KEY_LEFT": "recall",
        "KEY_B": "skip",
        "KEY_DOT": "skip",
        "KEY_F5": "done",
        "KEY_ESC": "done",
    },
}

BUILTIN = (*_FIXED, "rating")


def builtin_keymap(name: str, labels: int) -> dict[str, str]:
    """The built-in map ``name``; ``labels`` rating keys for ``rating``. KeyError if none."""
    if name == "rating":
        keys = {}
        for n in range(1, min(labels, 9) + 1):
            keys[f"KEY_{n}"] = f"rate:{n}"
            keys[f"KEY_KP{n}"] = f"rate:{n}"
        return keys
    return dict(_FIXED[name])


COUNTER_ACTIONS = ("next", "recall", "skip", "done", "pause", "resume", "transfer", "rate")
_NEEDS_ARGUMENT = {"transfer": "a service id, like transfer:thue", "rate": "a number, like rate:1"}


def counter_action(value: Any) -> str:
    """What a counter key does: next, recall, skip, done, pause (toggles; "pause:REASON"
    gives the reason), resume, "transfer:SERVICE" or "rate:N" (N-th rating label)."""
    if not isinstance(value, str):
        raise ValueError(f"must be an action string (got {describe(value)})")
    name, _, argument = value.strip().partition(":")
    name, argument = name.strip().lower(), unicodedata.normalize("NFC", argument.strip())
    if name not in COUNTER_ACTIONS:
        raise ValueError(
            f"unknown action {value!r}; actions: next, recall, skip, done, pause, "
            "pause:REASON, resume, transfer:SERVICE, rate:N"
        )
    if name in _NEEDS_ARGUMENT and not argument:
        raise ValueError(f"{name} needs {_NEEDS_ARGUMENT[name]} (got {value!r})")
    if name == "transfer":
        slug(argument)
    elif name == "rate":
        if not argument.isdigit() or not 1 <= int(argument) <= 9:
            raise ValueError(f"rate needs a number from 1 to 9, like rate:1 (got {value!r})")
        argument = str(int(argument))
    elif argument and name != "pause":
        raise ValueError(f"{name} takes no argument (got {value!r})")
    elif argument:
        argument = freetext.clean(argument, freetext.MAX_REASON)
    return f"{name}:{argument}" if argument else name


_KEY_NAME = re.compile(r"^(?:KEY|BTN)_[A-Z0-9_]{1,40}$")


def key_name(value: Any) -> str:
    """A Linux input key name as evdev spells it: KEY_KP1, KEY_ENTER, BTN_LEFT.

    Only the shape is checked here (loading evdev would slow every command); that the
    name exists is checked by ``config check`` and the counter daemon.
    """
    if not isinstance(value, str) or not _KEY_NAME.match(value.strip().upper()):
        raise ValueError(f'must be a key name like "KEY_KP1" (got {describe(value)})')
    return value.strip().upper()


def keymap(value: Any) -> tuple[tuple[str, str], ...]:
    """A key map: key names to counter actions, as a TOML table."""
    if not isinstance(value, dict):
        raise ValueError(f'must be a table like {{ KEY_KP1 = "next" }} (got {describe(value)})')
    if not value:
        raise ValueError("must map at least one key")
    out = []
    for raw_key, raw_action in value.items():
        try:
            out.append((key_name(raw_key), counter_action(raw_action)))
        except ValueError as exc:
            raise ValueError(f"{raw_key}: {exc}") from None
    if len({key for key, _ in out}) != len(out):
        raise ValueError("maps a key twice")
    return tuple(out)


def parse_keymaps(value: Any) -> Keymaps:
    """``[keymaps]``: named key maps, each a table of key names to actions."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a table of key maps (got {describe(value)})")
    out = []
    for name, mapping in value.items():
        try:
            out.append((slug(name), keymap(mapping)))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return tuple(out)


def check_action(action: str, path: str, service_ids: list[str], labels: int) -> list[str]:
    """A problem if ``action`` names a service or a rating label the site does not have."""
    name, _, argument = action.partition(":")
    if name == "transfer" and argument not in service_ids:
        return [f"{path}: {action!r} names an unknown service{did_you_mean(argument, service_ids)}"]
    if name == "rate" and int(argument) > labels:
        return [f"{path}: {action!r} but ratings.labels has only {labels} label(s)"]
    return []


def check_keymaps(keymaps: Keymaps, service_ids: list[str], labels: int) -> list[str]:
    problems: list[str] = []
    for name, keys in keymaps:
        for key, action in keys:
            problems += check_action(action, f"keymaps.{name}.{key}", service_ids, labels)
    return problems
