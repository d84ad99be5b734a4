"""Fixtures for tests that run on the PostgreSQL test server (tests/db/pg_server.py):
import them into a test module with `pytestmark = requires_pg`.

    from tests.db.pg_fixtures import pg_base, pg_engine, requires_pg  # noqa: F401
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services.database import open_database
from tests.db.pg_server import running_server, server_binaries

requires_pg = pytest.mark.skipif(
    server_binaries() is None,
    reason="PostgreSQL server binaries are not installed (CI installs them)",
)
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_base() -> Iterator[str]:
    """A throwaway server on loopback for the run's tests (each test makes databases of
    its own on it): its base URL. Started once: initdb and start-up cost seconds."""
    if server_binaries() is None:
        pytest.skip("PostgreSQL server binaries are not installed (CI installs them)")
    pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")
    with running_server() as base:
        yield base


def new_database(base: str, prefix: str, template: str | None = None) -> str:
    """A new database on the test server, empty or a copy of `template`; its URL."""
    name = f"{prefix}_{next(_counter)}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            copy = f" TEMPLATE {template}" if template else ""
            conn.execute(text(f"CREATE DATABASE {name}{copy}"))
    finally:
        admin.dispose()
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_template(pg_base: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The name of a database made once as open_database makes a new one (migrated and
    seeded); pg_engine's databases are copies of it."""
    url = new_database(pg_base, "template")
    open_database(resolve_paths(tmp_path_factory.mktemp("pg"), url, environ={})).dispose()
    return url.rsplit("/", 1)[1]  # no connection left open: PostgreSQL copies it as is


@pytest.fixture
def pg_engine(pg_base: str, pg_template: str, tmp_path: Path) -> Iterator[Engine]:
    """The app's database, migrated, in a new database on the test server."""
    engine = open_database(resolve_paths(tmp_path, new_database(pg_base, "app", pg_template),
                                         environ={}))
    yield engine
    engine.dispose()
