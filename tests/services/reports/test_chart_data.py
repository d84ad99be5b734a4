"""Chart data and trends on a hand-made school over three years, checked by hand and
against stats_service / report_service.

The week of Monday 13 Nov 2023, 11 Nov 2024 and 10 Nov 2025 (the second week of Autumn 2
and the tenth school week each year), 10 sessions a pupil:
  Ann  Oak, Year 3 now, girl, FSM:  2023 all present 10/10; 2024 10/10; 2025 I Mon AM 9/10
  Ben  Ash, Year 4 now, boy, SEN K: 2023 I Mon AM+PM 8/10;  2024 10/10; 2025 10/10
  Cal  left 18 Jul 2025 from Year 6, boy: 2023 O every AM 5/10; 2024 one O 9/10
School: 2023/24 23/30 = 76.7% (PA 2 of 3, SA 1); 2024/25 29/30 = 96.7% (PA 1 of 3: Cal at
exactly 10%); 2025/26 19/20 = 95.0% (PA 1 of 2).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy.engine import Engine

from attendance_desktop.domain.benchmarks import Figure
from attendance_desktop.domain.policy import Policy
from attendance_desktop.services.reports import (
    benchmark_service,
    chart_data,
    report_charts,
    report_periods,
    report_service,
    stats_service,
    trend_service,
)
from attendance_desktop.services.reports.stats_service import Scope
from attendance_desktop.services.school import calendar_service, policy_service
from tests.conftest import HEAD, clock_at
from tests.services.chart_school import TODAY, WEEKS, make_chart_school

D = dt.date


@pytest.fixture
def school(engine: Engine, built_once) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return built_once(engine, make_chart_school)  # type: ignore[no-any-return]


def _years(engine: Engine) -> list[trend_service.Period]:
    return trend_service.history_years(engine, TODAY)


def test_history_years_are_the_calendar_years_to_today(engine: Engine, school) -> None:
    years = _years(engine)
    assert [y.name for y in years] == ["2023/24", "2024/25", "2025/26"]
    assert years[-1].end == TODAY


def test_weekly_points_agree_with_stats_service_and_line_up_last_year(engine: Engine,
                                                                      school) -> None:
    y = _years(engine)
    chart = chart_data.weekly(engine, (y[2].name, y[2].start, y[2].end),
                              (y[1].name, y[1].start, y[1].end), 96.0)
    assert [(w.week, w.monday) for w in chart.weeks] == [(10, WEEKS[2025])]
    assert [(w.week, w.monday) for w in chart.last_weeks] == [(10, WEEKS[2024])]
    for w in (*chart.weeks, *chart.last_weeks):
        whole = stats_service.totals(engine, w.monday, w.monday + dt.timedelta(days=4))
        assert (w.counts.possible, w.counts.attended) == (whole.possible, whole.attended)
    assert chart.weeks[0].attendance == pytest.approx(95.0)
    assert chart.last_weeks[0].attendance == pytest.approx(100 * 29 / 30)
    assert chart.table().rows == (("10", "10/11/2025", "95.0%", "96.7%", "96.0%"),)


def test_monthly_pa_in_month_and_year_so_far(engine: Engine, school) -> None:
    y = _years(engine)
    chart = chart_data.monthly_pa(engine, (y[2].name, y[2].start, y[2].end),
                                  (y[1].name, y[1].start, y[1].end), 10.0)
    (nov,) = chart.months
    assert (nov.month, nov.pupils, nov.pa_so_far, nov.pa_in_month) == (D(2025, 11, 1), 2, 1, 1)
    # the same count as stats_service's per-pupil figures over the year to the month's end
    pupils = stats_service.per_pupil(engine, y[2].start, D(2025, 11, 30))
    assert sum(p.counts.persistent(10.0) for p in pupils) == nov.pa_so_far
    (last,) = chart.last_months
    assert (last.pupils, last.pa_so_far) == (3, 1)  # Cal at exactly 10%
    assert chart.table().rows[0][-1] == "33.3%"


def test_from_report_matches_the_report_and_stats(engine: Engine, school) -> None:
    period = report_periods.ReportPeriod("Autumn 2", "half_term", D(2025, 11, 3), TODAY)
    report = report_service.make_report(engine, period, today=TODAY)
    charts = chart_data.from_report(report, 96.0)
    per_class = stats_service.per_class(engine, period.start, period.end)
    assert {b.label: b.attendance for b in charts.bars.classes} == {
        k: v.attendance_pct() for k, v in per_class.items()}
    assert {b.label: b.attendance for b in charts.bars.classes} == {"Oak": 90.0, "Ash": 100.0}
    mon_am = charts.heatmap.cell(0, "AM")
    assert (mon_am.possible, mon_am.absent) == (2, 1)
    assert charts.heatmap.table().rows[0][:3] == ("Monday", "50.0%", "0.0%")
    assert [(c.code, c.sessions) for c in charts.code_mix.codes] == [("I", 1)]


def test_pupil_year_ends_at_the_stats_figure(engine: Engine, school) -> None:
    y = _years(engine)
    policy = policy_service.load_policy(engine)
    chart = chart_data.pupil_year(engine, school["ann"], (y[2].name, y[2].start, y[2].end),
                                  policy)
    whole = stats_service.totals(engine, y[2].start, y[2].end,
                                 Scope(pupil_ids=(school["ann"],)))
    assert chart.days[-1] == (D(2025, 11, 14), whole.attendance_pct())
    assert chart.days[0] == (D(2025, 11, 10), 50.0)  # I in the morning, present after
    assert len(chart.marks) == 10
    assert chart.marks[0][2:] == ("I", "authorised")
    assert chart.bands[0][1] == max(b.min_pct for b in policy.bands)


def test_band_moves_matrix() -> None:
    policy = Policy()
    lows = [b.min_pct for b in policy.bands]
    top, second = lows[0], lows[1]
    pupils = [SimpleNamespace(previous_pct=top, period_pct=second, previous_period="A1",
                              period="A2"),
              SimpleNamespace(previous_pct=second, period_pct=top, previous_period="A1",
                              period="A2"),
              SimpleNamespace(previous_pct=second, period_pct=second, previous_period="A1",
                              period="A2"),
              SimpleNamespace(previous_pct=None, period_pct=top, previous_period="A1",
                              period="A2")]
    moves = chart_data.band_moves(policy, pupils)
    assert (moves.moved_down(), moves.moved_up(), moves.stayed()) == (1, 1, 1)
    assert moves.matrix[0][1] == 1
    assert moves.matrix[1][0] == 1
    assert moves.matrix[1][1] == 1
    assert (moves.previous, moves.current) == ("A1", "A2")
    assert moves.table().rows[1][1:3] == ("1", "1")


def test_trends_over_three_years_by_hand(engine: Engine, school) -> None:
    trends = trend_service.Trends(tuple(trend_service.breakdowns(
        engine, _years(engine), today=TODAY)))
    school_att = trends.series("school", "attendance")["Whole school"]
    assert school_att == pytest.approx([100 * 23 / 30, 100 * 29 / 30, 95.0])
    assert trends.series("school", "pa")["Whole school"] == pytest.approx(
        [200 / 3, 100 / 3, 50.0])
    assert trends.series("school", "sa")["Whole school"] == pytest.approx([100 / 3, 0, 0])
    years = trends.series("year_groups", "attendance")
    assert years == {"Year 1": [100.0, None, None], "Year 2": [80.0, 100.0, None],
                     "Year 3": [None, 100.0, 90.0], "Year 4": [None, None, 100.0],
                     "Year 5": [50.0, None, None], "Year 6": [None, 90.0, None]}
    classes = trends.series("classes", "attendance")
    assert classes == {"Ash": [80.0, 100.0, 100.0], "Oak": [100.0, 100.0, 90.0]}
    groups = trends.series("groups", "attendance")
    assert groups["Boys"] == pytest.approx([65.0, 95.0, 100.0])
    assert groups["Free school meals"] == [100.0, 100.0, 90.0]
    assert groups["SEN support"] == [80.0, 100.0, 100.0]
    assert trends.table("school", "attendance").rows == (
        ("Whole school", "76.7%", "96.7%", "95.0%"),)


def test_each_year_agrees_with_the_report_service(engine: Engine, school) -> None:
    trends = trend_service.Trends(tuple(trend_service.breakdowns(
        engine, _years(engine), today=TODAY)))
    for b in trends.years:
        report = report_service.make_report(engine, report_periods.ReportPeriod(
            b.period.name, "custom", b.period.start, b.period.end), today=TODAY)
        assert b.school.counts.possible == report.school.possible
        assert b.school.attendance() == report.school.attendance()
        assert (b.school.pupils, b.school.pa, b.school.sa) == (
            report.school.pupils, report.school.pa, report.school.sa)
        assert {g.label: g.attendance() for g in report.groups if g.pupils} == {
            k: v.attendance() for k, v in b.groups.items()}


def test_same_point_last_year(engine: Engine, school) -> None:
    years = calendar_service.list_years(engine)
    period = report_periods.ReportPeriod("Year to date", "year", years[2].start, TODAY)
    last = trend_service.same_point_last_year(engine, period)
    assert last is not None
    # the tenth school day of Autumn 2 this year is Fri 14 Nov; last year Fri 15 Nov
    assert (last.start, last.end) == (years[1].start, D(2024, 11, 15))
    same = trend_service.build_same_point(engine, period, today=TODAY)
    assert same.now.school.attendance() == pytest.approx(95.0)
    assert same.then is not None
    assert same.then.school.attendance() == pytest.approx(100 * 29 / 30)
    assert same.figure("year_groups", "Year 3", "attendance") == 100.0  # Ben last year
    row = next(r for r in same.table().rows if r[0] == "Whole school" and
               r[1].startswith("Attendance"))
    assert row == ("Whole school", "Attendance %", "95.0%", "96.7%", "−1.7 pts")
    # a week this half term lines up with the same week of last year's Autumn 2
    week = report_periods.ReportPeriod("w", "custom", WEEKS[2025],
                                       WEEKS[2025] + dt.timedelta(days=4))
    last = trend_service.same_point_last_year(engine, week)
    assert last is not None
    assert (last.start, last.end) == (
        WEEKS[2024], WEEKS[2024] + dt.timedelta(days=4))


def test_chart_set_for_a_report(engine: Engine, school) -> None:
    period = report_periods.ReportPeriod("Year", "year", D(2025, 9, 3), TODAY)
    report = report_service.make_report(engine, period, today=TODAY)
    gen = report_charts.build_chart_set(engine, report, today=TODAY)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            charts = stop.value
            break
    assert charts.weekly is not None
    assert charts.weekly.last_year == "2024/25"
    assert len(charts.trends.years) == 3
    assert charts.same_point.then is not None
    csv_text = chart_data.chart_csv(charts.from_report.heatmap.table())
    assert csv_text.splitlines()[0] == "Absence by weekday and session"


def test_the_whole_school_trend_carries_the_published_figures(engine: Engine, school) -> None:  # type: ignore[no-untyped-def]
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 0))
    names = [y.name for y in trend_service.history_years(engine, TODAY)]
    benchmark_service.save_figure(engine, HEAD, Figure("national", "England", names[0],
                                                       "year", 5.5, persistent_absence_pct=14.6))
    benchmark_service.save_figure(engine, HEAD, Figure("national", "England", names[0],
                                                       "autumn", 4.9))  # a term: not a year
    trends = trend_service.Trends(tuple(trend_service.breakdowns(
        engine, trend_service.history_years(engine, TODAY), today=TODAY)),
        trend_service.published_by_year(engine))
    attendance = trends.series("school", "attendance")
    assert attendance["National (published, whole year)"] == [94.5] + [None] * (len(names) - 1)
    assert trends.series("school", "pa")["National (published, whole year)"][0] == 14.6
    assert "National (published, whole year)" not in trends.series("classes", "attendance")
    assert "Local authority (published, whole year)" not in attendance  # none held
    rows = {r[0]: r for r in trends.table("school", "attendance").rows}
    assert rows["National (published, whole year)"][1] == "94.5%"
