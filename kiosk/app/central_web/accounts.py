"""Accounts of central's web pages: roles, password files and argon2 hashes."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

ROLES = ("admin", "manager", "viewer")
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024


class AccountError(ValueError):
    """One line saying what is wrong with an account's name, role, sites or password."""


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise AccountError(
            f"user name {name[:40]!r}: 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a "
            "letter or digit"
        )
    return name


def check_role(role: str, sites: list[str]) -> tuple[str, tuple[str, ...]]:
    if role not in ROLES:
        raise AccountError(f"--role {role[:40]!r}: one of {', '.join(ROLES)}")
    if role == "admin" and sites:
        raise AccountError("an admin has every site: give --site only to a manager or viewer")
    if role == "manager" and not sites:
        raise AccountError("a manager needs the sites they manage: --site SITE (repeat it)")
    return role, tuple(dict.fromkeys(sites))


def read_password(path: str) -> str:
    """The password in the file's first line (its line end dropped), NFC."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise AccountError(f"--password-file {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise AccountError(f"--password-file {path}: not UTF-8 text") from None
    lines = text.splitlines()
    password = unicodedata.normalize("NFC", lines[0] if lines else "")
    if any(unicodedata.category(c) == "Cc" for c in password):
        raise AccountError(f"--password-file {path}: the password has control characters")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(
            f"--password-file {path}: the password must be {MIN_PASSWORD} to "
            f"{MAX_PASSWORD} characters (got {len(password)})"
        )
    return password


def hash_password(password: str) -> str:
    from argon2 import PasswordHasher

    return str(PasswordHasher().hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(PasswordHasher().verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
