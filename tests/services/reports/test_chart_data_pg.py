"""The chart and trend figures on PostgreSQL (a multi-PC site) equal the hand-worked ones
of test_chart_data.py on SQLite. Skipped without the server binaries (CI installs them)."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.services.reports import chart_data, report_periods, trend_service
from attendance_desktop.services.school import calendar_service, policy_service
from tests.db.pg_fixtures import requires_pg
from tests.services.chart_school import TODAY, WEEKS, make_chart_school

pytestmark = requires_pg


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
        pg_engine, report_periods.ReportPeriod("YTD", "year", start, TODAY), today=TODAY)
    assert same.then is not None
    assert same.then.school.attendance() == pytest.approx(100 * 29 / 30)
