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


@pytest.fixture(scope="module")
def pg_base() -> Iterator[str]:
    """A throwaway server on loopback for the module's tests: its base URL."""
    pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")
    with running_server() as base:
        yield base


def new_database(base: str, prefix: str) -> str:
    """A new, empty database on the test server; its URL."""
    name = f"{prefix}_{next(_counter)}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()
    return f"{base}/{name}"


@pytest.fixture
def pg_engine(pg_base: str, tmp_path: Path) -> Iterator[Engine]:
    """The app's database, migrated, in a new database on the test server."""
    engine = open_database(resolve_paths(tmp_path, new_database(pg_base, "app"),
                                         environ={}))
    yield engine
    engine.dispose()
