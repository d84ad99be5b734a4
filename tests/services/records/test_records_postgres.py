"""The logs' append-only guards and the retention removal on the PostgreSQL test server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from attendance_desktop.services.records import retention_service
from tests.conftest import HEAD
from tests.db.pg_fixtures import requires_pg
from tests.services.records import test_records_service as records
from tests.services.records import test_retention_service as retention

pytestmark = requires_pg


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
