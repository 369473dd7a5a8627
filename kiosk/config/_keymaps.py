"""Built-in key maps for counter keypads, so most sites only name the device.

- ``numpad``: a staff numeric keypad. Enter calls the next citizen, + recalls,
  - marks a no-show, 0 finishes, the dot pauses and resumes.
- ``rating``: a citizen-facing pad; keys 1..N (top row or keypad) give the N-th label.
- ``presenter``: a wireless presentation remote. Next slide calls, previous slide
  recalls, the blank-screen key marks a no-show, the slideshow key finishes.

evdev reports keypad keys as KEY_KP* whatever the NumLock state.
"""

from __future__ import annotations

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
