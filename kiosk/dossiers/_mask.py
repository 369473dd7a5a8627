"""Applicants' names as a public screen may show them (Decree 13/2023 on personal data).

"Nguyễn Văn An" becomes "Nguyễn V*** A": the family name, the initial of each
middle name, the initial of the given name. Enough for a citizen to recognise
their own dossier, not enough to identify a stranger's. Masking a masked name
changes nothing, so names can be masked wherever they enter. Organisations'
names are not personal data and stay whole.
"""

from __future__ import annotations

from kiosk.vietnamese import nfc

_ORGANISATIONS = (
    "công ty",
    "hợp tác xã",
    "chi nhánh",
    "văn phòng đại diện",
    "ủy ban",
    "uỷ ban",
    "ubnd",
    "trường",
    "bệnh viện",
    "ngân hàng",
    "tổng công ty",
    "liên hiệp hợp tác xã",
)


def is_organisation(name: str) -> bool:
    lowered = " ".join(nfc(name).split()).casefold()
    return any(lowered.startswith(prefix) for prefix in _ORGANISATIONS)


def _initial(word: str) -> str:
    return word[0].upper()


def mask_name(name: str) -> str:
    words = nfc(name).split()
    if not words or is_organisation(" ".join(words)):
        return " ".join(words)
    if len(words) == 1:
        return _initial(words[0]) + "***"
    family, *middle, given = words
    return " ".join([family, *(_initial(w) + "***" for w in middle), _initial(given)])
