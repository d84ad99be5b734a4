"""The same database code on PostgreSQL, for a multi-PC site.

CI installs the PostgreSQL server (see .ci/run); these tests start a throwaway server on
loopback. Without the server binaries they are skipped with that reason.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.database import open_database
from attendance_desktop.services.reports import stats_service
from tests.conftest import put_mark
from tests.db.pg_server import server_binaries

pytestmark = pytest.mark.skipif(
    server_binaries() is None,
    reason="PostgreSQL server binaries are not installed (CI installs them)",
)
pytest.importorskip("psycopg", reason="the postgres extra (psycopg) is not installed")

_counter = itertools.count()
OFFICE = Actor("Pat Office", Role.OFFICE)


@pytest.fixture
def pg_engine(pg_base, tmp_path):
    name = f"school_{next(_counter)}"
    admin = create_engine(f"{pg_base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    engine = open_database(resolve_paths(tmp_path, f"{pg_base}/{name}", environ={}))
    yield engine
    engine.dispose()


def _pupil(engine, dob=dt.date(2016, 5, 1)) -> int:
    with session_scope(engine) as s:
        p = Pupil(legal_forename="Ada", legal_surname="Example", dob=dob, year_group="4",
                  admission_date=dt.date(2020, 9, 1))
        s.add(p)
        s.flush()
        return int(p.id)


def test_migrations_create_the_schema_and_a_default_school(pg_engine):
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM school")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM policysetting")).scalar_one() > 30


def test_marks_amendments_and_figures_match_the_rules(pg_engine):
    pid = _pupil(pg_engine)
    days = [dt.date(2025, 11, d) for d in (3, 4, 5, 6, 7)]
    with session_scope(pg_engine) as s:
        for day in days:
            put_mark(s.get_bind(), OFFICE, pid, day, "AM", "/")
            put_mark(s.get_bind(), OFFICE, pid, day, "PM", "\\")
        put_mark(s.get_bind(), OFFICE, pid, days[0], "AM", "N")
        put_mark(s.get_bind(), OFFICE, pid, days[1], "AM", "L", minutes_late=7)
        put_mark(s.get_bind(), OFFICE, pid, days[2], "PM", "Y4",
                                    reason="Snow")
    counts = stats_service.totals(pg_engine, days[0], days[-1])
    assert counts.possible == 9
    assert counts.unauthorised == 1
    assert counts.not_counted == 1
    assert counts.late_l == 1
    assert counts.minutes_late == 7
    assert counts.attendance_pct_1dp() == 88.9
    assert counts.persistent()
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM markamendment")).scalar_one() == 3


def test_amendments_are_append_only_on_postgres(pg_engine):
    pid = _pupil(pg_engine)
    with session_scope(pg_engine) as s:
        put_mark(s.get_bind(), OFFICE, pid, dt.date(2025, 11, 3), "AM", "N")
        put_mark(s.get_bind(), OFFICE, pid, dt.date(2025, 11, 3), "AM", "I",
                                    reason="Parent phoned")
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        conn.execute(text("UPDATE markamendment SET reason = 'changed'"))
    with pytest.raises(DBAPIError, match="append-only"), pg_engine.begin() as conn:
        conn.execute(text("DELETE FROM markamendment"))


def test_compulsory_school_age_filter_in_sql_on_postgres(pg_engine):
    # Born 15 Jan 2021: compulsory school age from 31 March 2026.
    pid = _pupil(pg_engine, dob=dt.date(2021, 1, 15))
    with session_scope(pg_engine) as s:
        for day in (dt.date(2026, 3, 30), dt.date(2026, 3, 31), dt.date(2026, 4, 20)):
            put_mark(s.get_bind(), OFFICE, pid, day, "AM", "O")
    scope = stats_service.Scope(compulsory_only=True)
    counts = stats_service.totals(pg_engine, dt.date(2026, 3, 1), dt.date(2026, 4, 30), scope)
    assert counts.unauthorised == 2
