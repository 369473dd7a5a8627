"""``kiosk central user add|passwd|remove``: accounts of central's web pages, argon2
hashes, one clear line for each mistake, and every change in the audit log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.app.central_web.accounts import verify_password
from kiosk.app.exits import NOINPUT, USAGE
from sync.central_store import CentralStore
from tests.conftest import ROOT


def central(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"), "central",
         "user", *args, "--db", f"sqlite:///{db}"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


@pytest.fixture
def password(tmp_path: Path) -> Path:
    path = tmp_path / "pw"
    path.write_text("mật khẩu đủ dài\n", encoding="utf-8")
    return path


def test_ok__add_passwd_remove_with_an_audit_log(tmp_path: Path, password: Path) -> None:
    db = tmp_path / "central.db"
    done = central(db, "add", "an.nguyen", "--role", "manager", "--site", "hcc-hung-yen",
                   "--site", "xa-tan-lap", "--password-file", str(password))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "added" in done.stdout
    store = CentralStore(f"sqlite:///{db}")
    user = store.user("an.nguyen")
    assert user is not None and user.role == "manager"
    assert user.sites == ("hcc-hung-yen", "xa-tan-lap")
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "mật khẩu đủ dài")
    assert not verify_password(user.password_hash, "mật khẩu sai rồi")
    password.write_text("mật khẩu mới đủ dài\n", encoding="utf-8")
    assert central(db, "passwd", "an.nguyen", "--password-file", str(password)).returncode == 0
    changed = store.user("an.nguyen")
    assert changed is not None and verify_password(changed.password_hash, "mật khẩu mới đủ dài")
    assert central(db, "remove", "an.nguyen").returncode == 0
    assert store.user("an.nguyen") is None
    actions = [entry[2] for entry in store.audit_log()]
    assert actions == ["user.remove", "user.passwd", "user.add"]
    assert all("argon2" not in str(entry[3]) for entry in store.audit_log())
    store.close()


@pytest.mark.parametrize(
    ("args", "said", "code"),
    [
        (["add", "Bad$", "--role", "admin"], "user name 'Bad$'", USAGE),
        (["add", "an", "--role", "boss"], "--role 'boss': one of admin, manager, viewer", USAGE),
        (["add", "an", "--role", "manager"], "a manager needs the sites", USAGE),
        (["add", "an", "--role", "admin", "--site", "x"], "an admin has every site", USAGE),
        (["add", "an", "--role", "viewer", "--password-file", "/no/such"], "No such file", USAGE),
        (["passwd", "an", "--role", "admin"], "--role and --site go with add", USAGE),
        (["passwd", "khong-co"], "the password: --password-file FILE", USAGE),
        (["remove", "khong-co"], "no user 'khong-co'", NOINPUT),
        (["rename", "an"], "kiosk central user add|passwd|remove NAME", USAGE),
    ],
)
def test_fail__each_mistake_is_one_line_and_nothing_changes(
    tmp_path: Path, password: Path, args: list[str], said: str, code: int
) -> None:
    if args[0] == "add" and "--password-file" not in args:
        args = [*args, "--password-file", str(password)]
    done = central(tmp_path / "central.db", *args)
    assert done.returncode == code
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], done.stderr


@pytest.mark.parametrize(
    ("text", "said"),
    [("ngắn\n", "10 to 1024 characters"), ("có\x07chuông dài\n", "control characters")],
)
def test_fail__a_weak_or_odd_password_is_refused(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "pw"
    path.write_text(text, encoding="utf-8")
    done = central(tmp_path / "c.db", "add", "an", "--role", "viewer", "--password-file", str(path))
    assert done.returncode == USAGE and said in done.stderr


def test_fail__the_other_actions_take_one_site(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(ROOT / "config.toml"), "central",
         "report", "--site", "a", "--site", "b", "--db", f"sqlite:///{tmp_path / 'c.db'}"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == USAGE
    assert done.stderr.strip() == "kiosk: kiosk central report: one --site at a time"


def test_ok__a_changed_or_removed_account_signs_in_again(tmp_path: Path, password: Path) -> None:
    """Its open pages end: a new password, a new role or sites, or no account at all."""
    from sync import central_web_store as web

    db = tmp_path / "central.db"
    assert central(db, "add", "quanly", "--role", "manager", "--site", "a",
                   "--password-file", str(password)).returncode == 0  # fmt: skip

    def session() -> None:
        store = CentralStore(f"sqlite://{db}")
        try:
            web.add_session(store, "h" * 64, web.Session("quanly", "c", 1.0, 1.0, 9e18))
        finally:
            store.close()

    def open_sessions() -> int:
        store = CentralStore(f"sqlite://{db}")
        try:
            return int(web.session(store, "h" * 64) is not None)
        finally:
            store.close()

    for change in (
        ("passwd", "quanly", "--password-file", str(password)),
        ("add", "quanly", "--role", "viewer", "--password-file", str(password)),
        ("remove", "quanly"),
    ):
        session()
        assert open_sessions() == 1
        done = central(db, *change)
        assert done.returncode == 0, done.stderr
        assert open_sessions() == 0, change
