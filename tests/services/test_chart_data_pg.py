"""The chart and trend figures on PostgreSQL (a multi-PC site) equal the hand-worked ones
of test_chart_data.py on SQLite. Skipped without the server binaries (CI installs them)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import create_engine, text

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.services import (
    calendar_service,
    chart_data,
    policy_service,
    report_service,
    trend_service,
)
from attendance_desktop.services.database import open_database
from tests.db.pg_server import running_server, server_binaries
from tests.services.chart_school import TODAY, WEEKS, make_chart_school

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
    name = f"charts_{next(_counter)}"
    admin = create_engine(f"{pg_base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    engine = open_database(resolve_paths(tmp_path, f"{pg_base}/{name}", environ={}))
    yield engine
    engine.dispose()


def test_charts_and_trends_on_postgresql(pg_engine) -> None:  # type: ignore[no-untyped-def]
    ids = make_chart_school(pg_engine)
    years = trend_service.history_years(pg_engine, TODAY)
    assert [y.name for y in years] == ["2023/24", "2024/25", "2025/26"]
    trends = trend_service.Trends(tuple(trend_service.breakdowns(pg_engine, years,
                                                                 today=TODAY)))
    assert trends.series("school", "attendance")["Whole school"] == pytest.approx(
        [100 * 23 / 30, 100 * 29 / 30, 95.0])
    assert trends.series("year_groups", "attendance")["Year 6"] == [None, 90.0, None]
    y = [(p.name, p.start, p.end) for p in years]
    weekly = chart_data.weekly(pg_engine, y[2], y[1], 96.0)
    assert [(w.week, w.monday, w.attendance) for w in weekly.weeks] == [
        (10, WEEKS[2025], 95.0)]
    monthly = chart_data.monthly_pa(pg_engine, y[2], y[1], 10.0)
    assert [(m.pupils, m.pa_so_far) for m in monthly.months] == [(2, 1)]
    pupil = chart_data.pupil_year(pg_engine, ids["ann"], y[2],
                                  policy_service.load_policy(pg_engine))
    assert pupil.days[-1] == (dt.date(2025, 11, 14), 90.0)
    start = calendar_service.list_years(pg_engine)[2].start
    same = trend_service.build_same_point(
        pg_engine, report_service.ReportPeriod("YTD", "year", start, TODAY), today=TODAY)
    assert same.then is not None
    assert same.then.school.attendance() == pytest.approx(100 * 29 / 30)
