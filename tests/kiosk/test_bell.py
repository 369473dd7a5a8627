"""The screens' bell (:mod:`kiosk.store.bell`): a committed change that recorded an event
rings the screens of that database, and nothing else does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.store import Store
from kiosk.store.bell import ROLES, Bell, Listener, wait


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "kiosk.db") as opened:
        yield opened


def test_ok__a_change_with_an_event_rings_every_screen_role_at_once(store: Store) -> None:
    ears = [Listener(store.path, role) for role in ROLES]
    try:
        assert all(ear.heard for ear in ears)
        assert not wait(ears, 0.05)
        with store.change(time.time()) as tx:
            tx.event("scan", {"code": "x"})
        started = time.monotonic()
        assert wait(ears, 2.0)
        assert time.monotonic() - started < 0.5
        assert [ear.drain() for ear in ears] == [0, 0]  # one wait takes every role's ring
    finally:
        for ear in ears:
            ear.close()


def test_ok__changes_without_an_event_and_rolled_back_ones_do_not_ring(store: Store) -> None:
    ear = Listener(store.path, "wall")
    try:
        with store.change(time.time()) as tx:
            tx.put("note", 1)
        with pytest.raises(RuntimeError), store.change(time.time()) as tx:
            tx.event("scan", {"code": "x"})
            raise RuntimeError("undone")
        assert not wait([ear], 0.1)
        assert ear.drain() == 0
    finally:
        ear.close()


def test_ok__another_databases_screens_do_not_hear_it(store: Store, tmp_path: Path) -> None:
    with Store(tmp_path / "other.db") as other:
        ear = Listener(other.path, "lookup")
        try:
            with store.change(time.time()) as tx:
                tx.event("scan", {"code": "x"})
            assert not wait([ear], 0.1)
        finally:
            ear.close()


def test_ok__a_second_screen_of_a_role_goes_by_its_polls_alone(store: Store) -> None:
    first, second = Listener(store.path, "wall"), Listener(store.path, "wall")
    try:
        assert first.heard and not second.heard
        Bell(store.path).ring()
        started = time.monotonic()
        assert not wait([second], 0.05)  # sleeps its time, hears nothing
        assert time.monotonic() - started >= 0.045
        assert wait([first, second], 1.0)
    finally:
        first.close()
        second.close()


def test_ok__a_bell_nobody_listens_to_rings_without_error(store: Store) -> None:
    bell = Bell(store.path)
    for _ in range(1000):  # more than a socket's queue would hold
        bell.ring()
    bell.close()


def test_fail__a_listener_for_no_screen_role_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="no such screen role: 'door'"):
        Listener(store.path, "door")
