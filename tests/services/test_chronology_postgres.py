"""The chronology on the PostgreSQL test server: the same service tests, the append-only
guard and the chain (issue 16 point 6)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services import chronology_service, integrity_service
from attendance_desktop.services.database import open_database
from tests.conftest import HEAD
from tests.db.pg_server import running_server, server_binaries
from tests.services.test_chronology_service import (  # noqa: F401 (run here on PostgreSQL)
    family,
    test_family_is_linked_through_parental_responsibility,
    test_search_by_words_and_kinds,
    test_the_family_view_merges_siblings_and_shows_a_family_letter_once,
    test_the_timeline_reads_every_record_in_date_order,
)

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
def engine(pg_base, tmp_path):  # type: ignore[no-untyped-def]
    name = f"chronology_{next(_counter)}"
    admin = create_engine(f"{pg_base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    eng = open_database(resolve_paths(tmp_path, f"{pg_base}/{name}", environ={}))
    yield eng
    eng.dispose()


def test_append_only_and_chained_on_postgresql(engine, family) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    first = chronology_service.add_entry(engine, HEAD, family["ana"], "social_care",
                                         dt.date(2025, 11, 10), details="Referral made")
    for statement in ("UPDATE chronologyentry SET details = 'x'", "DELETE FROM chronologyentry"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    chronology_service.add_entry(engine, HEAD, family["ana"], "social_care",
                                 dt.date(2025, 11, 10), outcome="No further action",
                                 details="Referral made", corrects_id=first)
    assert integrity_service.check(engine, record=False).ok
    got = chronology_service.entries_between(engine, ["social_care"], dt.date(2025, 9, 1),
                                             dt.date(2025, 12, 1))
    assert [e.outcome for e in got] == ["No further action"]
