"""``kiosk central user add|passwd|remove NAME``: the accounts of central's web pages."""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from typing import Any

from kiosk.app.central_web.accounts import (
    AccountError,
    check_name,
    check_role,
    hash_password,
    read_password,
)
from kiosk.app.context import Context
from kiosk.app.exits import DATAERR, NOINPUT, USAGE, CommandError
from kiosk.config import CentralConfig

VERBS = ("add", "passwd", "remove")


def central_user(ctx: Context, config: CentralConfig, open_store: Callable[..., Any]) -> int:
    args = ctx.args
    if len(args.target) != 2 or args.target[0] not in VERBS:
        raise CommandError(
            "kiosk central user add|passwd|remove NAME (add: --role ROLE [--site S]... "
            "--password-file F)",
            USAGE,
        )
    verb, name = args.target
    who = f"cli:{getpass.getuser()}"
    try:
        name = check_name(name)
        if verb == "add":
            role, sites = check_role(args.role or "", list(args.site or []))
        elif args.role or args.site:
            raise AccountError(f"kiosk central user {verb}: --role and --site go with add")
        password = read_password(_need(args.password_file)) if verb != "remove" else ""
    except AccountError as exc:
        raise CommandError(str(exc), USAGE) from None
    from sync.central_store import User
    from sync.central_web_store import end_sessions_of

    store = open_store(config)
    try:
        now = time.time()
        if verb != "add" or store.user(name) is not None:
            # A changed or removed account's pages sign in again (on its new terms).
            end_sessions_of(store, name)
        if verb == "add":
            new = store.put_user(User(name, role, sites, hash_password(password)), who=who, now=now)
            print(
                f"user {name}: {'added' if new else 'changed'} ({role}"
                f"{': ' + ', '.join(sites) if sites else ''})"
            )
        elif verb == "passwd":
            if not store.set_password(name, hash_password(password), who=who, now=now):
                raise CommandError(f"no user {name!r}", NOINPUT)
            print(f"user {name}: password changed")
        else:
            if not store.remove_user(name, who=who, now=now):
                raise CommandError(f"no user {name!r}", NOINPUT)
            print(f"user {name}: removed")
    finally:
        store.close()
    return 0


def _need(path: str | None) -> str:
    if not path:
        raise AccountError("the password: --password-file FILE (its first line)")
    return path


__all__ = ["DATAERR", "central_user"]
