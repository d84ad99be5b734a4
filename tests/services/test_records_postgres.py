"""The logs' append-only guards and the retention removal on the PostgreSQL test server."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services import retention_service
from attendance_desktop.services.database import open_database
from tests.conftest import HEAD
from tests.db.pg_server import running_server, server_binaries
from tests.services import test_records_service as records
from tests.services import test_retention_service as retention

pytestmark = pytest.mark.skipif(
    server_binaries() is None,
    reason="PostgreSQL server binaries are not installed (CI installs them)",
)
pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")

_counter = itertools.count()


@pytest.fixture(scope="module")
def pg_base():  # type: ignore[no-untyped-def]
    with running_server() as base:
        yield base


@pytest.fixture
def pg_engine(pg_base, tmp_path):  # type: ignore[no-untyped-def]
    name = f"records_{next(_counter)}"
    admin = create_engine(f"{pg_base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    engine = open_database(resolve_paths(tmp_path, f"{pg_base}/{name}", environ={}))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("table", ["pupilchange", "accesslog", "markamendment"])
def test_logs_are_append_only_on_postgresql(pg_engine, table: str) -> None:
    records._one_of_each(pg_engine)
    records._refuses_update_and_delete(pg_engine, table)


def test_retention_removal_works_through_the_permit_on_postgresql(pg_engine) -> None:
    ids = retention.school.__wrapped__(pg_engine)  # type: ignore[attr-defined]
    r = retention_service.report(pg_engine, retention.TODAY)
    assert r.marks_by_year == (("2023/24", 2), ("2025/26", 2))
    done = retention_service.remove_due(pg_engine, HEAD, retention.TODAY, expected=r)
    assert (done.marks, done.amendments, done.leavers) == (4, 1, 2)
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM mark")).scalar_one() == 5
        assert conn.execute(text("SELECT count(*) FROM retentionpermit")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM pupilchange WHERE pupil_id = :p"),
                            {"p": ids["ben"]}).scalar_one() == 1
    # Outside a removal, history still cannot go.
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        conn.execute(text("DELETE FROM markamendment"))
    # A permit only covers rows dated and made before its date.
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        records.delete_with_permit(conn, dt.date(2026, 1, 10))
