"""The printer model's capabilities, from python-escpos's profile database plus config."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import PrinterConfig


class ProfileError(ValueError):
    """The configured profile is unknown or does not say what we need."""


@dataclass(frozen=True)
class Profile:
    name: str
    width: int  # printable dots per line
    native_qr: bool
    cut: str  # "partial", "full" or "none" (what the model can do, given what config asks)
    codepage_table: int | None  # ESC t number of the configured code page
    codepage: str


def load_profile(config: PrinterConfig) -> Profile:
    from escpos import capabilities

    try:
        escpos_profile = capabilities.get_profile(config.profile)
    except (capabilities.NotSupported, KeyError):
        known = ", ".join(sorted(capabilities.CAPABILITIES["profiles"]))
        raise ProfileError(
            f"printer.profile: unknown profile {config.profile!r}; known: {known}"
        ) from None
    data = escpos_profile.profile_data
    pixels = data.get("media", {}).get("width", {}).get("pixels")
    width = config.width if config.width is not None else pixels
    if not isinstance(width, int) or width < 128:
        raise ProfileError(
            f"printer.width: profile {config.profile!r} does not give the paper width; "
            "set width in dots (576 for 80 mm paper, 384 for 58 mm)"
        )
    features = data.get("features", {})
    native_qr = bool(features.get("qrCode"))
    if config.qr == "native" and not native_qr:
        raise ProfileError(
            f'printer.qr: profile {config.profile!r} has no native QR; use "auto" or "image"'
        )
    return Profile(
        name=config.profile,
        # Whole bytes even at half resolution, so double-size pieces centre exactly.
        width=width - width % 16,
        native_qr=native_qr and config.qr in ("auto", "native"),
        cut=_cut(config.cut, features),
        codepage_table=_codepage_table(config, data.get("codePages", {})),
        codepage=config.codepage,
    )


def _cut(wanted: str, features: dict[str, bool]) -> str:
    partial, full = features.get("paperPartCut"), features.get("paperFullCut")
    if wanted == "none" or not (partial or full):
        return "none"
    if wanted == "partial":
        return "partial" if partial else "full"
    return "full" if full else "partial"


def _codepage_table(config: PrinterConfig, pages: dict[str, str]) -> int | None:
    if config.mode != "text":
        return None
    if config.codepage == "ascii":
        return config.codepage_table if config.codepage_table is not None else 0
    if config.codepage_table is not None:
        return config.codepage_table
    for number, name in pages.items():
        if name.upper() == config.codepage.upper():
            return int(number)
    raise ProfileError(
        f"printer.codepage_table: profile {config.profile!r} lists no {config.codepage.upper()} "
        'code page; set its ESC t number from the printer\'s manual, or use mode = "image"'
    )
