"""Every chart of the Reports page for one built report, in one generator (run off the GUI
thread; the governors' and LA packs can print the same set)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.services.reports import chart_data, trend_service
from attendance_desktop.services.reports.report_service import Report
from attendance_desktop.services.reports.stats_service import Scope
from attendance_desktop.services.school import policy_service


@dataclass(frozen=True, slots=True)
class ReportChartSet:
    weekly: chart_data.WeeklyChart | None  # None when the period is in no academic year
    monthly: chart_data.MonthlyPA | None
    from_report: chart_data.ReportCharts
    trends: trend_service.Trends
    same_point: trend_service.SamePoint
    target_pct: float | None


def build_chart_set(engine: Engine, report: Report, *, today: dt.date,
                    token: CancelToken | None = None
                    ) -> Generator[Progress, None, ReportChartSet]:
    """The year around the report's period (to today) beside last year, the report's own
    breakdowns, every year's trend and the same point last year."""
    token = token or CancelToken()
    policy = policy_service.load_policy(engine)
    scope = Scope(compulsory_only=report.compulsory_only)
    steps = 5
    yield Progress(0, steps, "Counting week by week")
    years = trend_service.history_years(engine, today)
    at = min(report.period.end, today)
    i = next((k for k, y in enumerate(years) if y.start <= at <= y.end), None)
    weekly = monthly = None
    if i is not None:
        year = (years[i].name, years[i].start, years[i].end)
        last = (years[i - 1].name, years[i - 1].start, years[i - 1].end) if i > 0 else None
        weekly = chart_data.weekly(engine, year, last, policy.target_pct, scope)
        token.check()
        yield Progress(1, steps, "Counting persistent absence by month")
        monthly = chart_data.monthly_pa(engine, year, last, policy.persistent_absence_pct,
                                        scope)
    token.check()
    yield Progress(2, steps, "Counting the years")
    trends = trend_service.Trends(tuple(trend_service.breakdowns(
        engine, years, today=today, compulsory_only=report.compulsory_only)),
        trend_service.published_by_year(engine))
    token.check()
    yield Progress(3, steps, "Counting the same point last year")
    same = trend_service.build_same_point(engine, report.period, today=today,
                                          compulsory_only=report.compulsory_only)
    token.check()
    yield Progress(steps, steps, "Charts ready")
    return ReportChartSet(weekly, monthly, chart_data.from_report(report, policy.target_pct),
                          trends, same, policy.target_pct)
