"""The central databases the sync tests share: a throwaway PostgreSQL for the session,
and a fresh central database (a SQLite file, or a PostgreSQL database of its own) for
each test that asks, once per kind."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.central_store import CentralStore
from tests.brokers import Postgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    server = Postgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh central database: a SQLite file, or a database of its own in the session's
    PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/central.db"
    import psycopg  # only here: the Pi's subset of these tests runs without it

    server: Postgres = request.getfixturevalue("postgres")
    name = f"central_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server.url.rsplit('/', 1)[0]}/{name}"


@pytest.fixture
def cstore(central_url: str) -> Iterator[CentralStore]:
    opened = CentralStore(central_url)
    yield opened
    opened.close()
