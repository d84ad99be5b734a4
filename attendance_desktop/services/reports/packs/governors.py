"""The governors' termly pack: the report for the period, the same point last year,
the trend over the years the database holds, and the actions the school took (letters,
tracker steps and meetings, penalty notices considered and issued, notifications to the
LA). Pupils appear by initials only (pack_pdf). Pure data; pack_pdf draws it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from attendance_desktop.db.models import LetterLog, LetterTemplate, PenaltyNotice, TrackerEvent
from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.reports import chart_data, report_service
from attendance_desktop.services.reports import stats_service as stats
from attendance_desktop.services.reports.packs import one_dp
from attendance_desktop.services.reports.packs.la_return import (
    CHRONOLOGY_NOTIFICATIONS,
    LA_NOTIFICATIONS,
)
from attendance_desktop.services.reports.report_periods import ReportPeriod
from attendance_desktop.services.reports.report_service import FigureRow, Report
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.trackers import chronology_service

MAX_YEARS = 10
TRACKER_STEPS = {("absence", "stage"): "Absence stages reached",
                 ("absence", "action"): "Absence actions (calls, meetings, letters)",
                 ("absence", "review"): "Absence reviews",
                 ("lateness", "level"): "Lateness levels reached",
                 ("lateness", "action"): "Lateness actions",
                 ("lateness", "review"): "Lateness reviews",
                 ("mitigation", "mitigation_start"): "Mitigation agreed"}


@dataclass(frozen=True, slots=True)
class YearPoint:
    name: str  # "2024/25"
    to: dt.date  # the figures run to this date (the same point in each year)
    school: FigureRow


@dataclass(frozen=True, slots=True)
class Actions:
    letters: tuple[tuple[str, int], ...]  # (letter title, letters sent)
    steps: tuple[tuple[str, int], ...]  # (tracker step, how many)
    pn_considered: int
    pn_issued: int
    la_notifications: int


@dataclass(frozen=True, slots=True)
class GovernorsPack:
    report: Report
    last_year: ReportPeriod | None
    last_year_school: FigureRow | None
    years: tuple[YearPoint, ...]  # oldest first, each to the same point of its year
    actions: Actions
    weekly: chart_data.WeeklyChart | None = None  # the screen's week-by-week chart


def same_point_last_year(engine: Engine, period: ReportPeriod) -> ReportPeriod | None:
    """The period of the same name a year earlier, as far into it as this one runs (the
    autumn term to 20 November last year, for the autumn term to 20 November)."""
    years = calendar_service.list_years(engine)
    index = next((i for i, y in enumerate(years) if y.start <= period.start <= y.end), None)
    if index is None or index == 0:
        return None
    this, before = years[index], years[index - 1]
    if period.kind == "year":
        spans_now, spans_then = [Span(this.name, this.start, this.end)], \
            [Span(before.name, before.start, before.end)]
    elif period.kind == "half_term":
        spans_now, spans_then = list(this.half_terms), list(before.half_terms)
    else:
        spans_now, spans_then = list(this.terms), list(before.terms)
    mine = next((i for i, s in enumerate(spans_now) if s.start == period.start), None)
    if mine is None or mine >= len(spans_then):
        return None
    then = spans_then[mine]
    end = min(then.end, then.start + (period.end - period.start))
    label = f"{then.name} {before.name}" if period.kind != "year" else before.name
    if end < then.end:
        label += f" to {end:%d %b %Y}"
    return ReportPeriod(label, period.kind, then.start, end)


def _school_row(engine: Engine, start: dt.date, end: dt.date, policy_pa: float,
                policy_sa: float, compulsory_only: bool) -> FigureRow:
    pupils, total = stats.per_pupil_and_total(
        engine, start, end, stats.Scope(compulsory_only=compulsory_only))
    counted = [p for p in pupils if p.counts.possible > 0]
    return FigureRow("Whole school", len(counted), total,
                     sum(p.counts.persistent(policy_pa) for p in counted),
                     sum(p.counts.severe(policy_sa) for p in counted))


def _actions(engine: Engine, start: dt.date, end: dt.date) -> Actions:
    since = dt.datetime.combine(start, dt.time.min)
    until = dt.datetime.combine(end, dt.time.max)
    with engine.connect() as conn:
        titles = dict(conn.execute(select(col(LetterTemplate.key),
                                          col(LetterTemplate.title))).all())
        letters = conn.execute(
            select(col(LetterLog.template_key), func.count())
            .where(col(LetterLog.sent_on) >= start, col(LetterLog.sent_on) <= end)
            .group_by(col(LetterLog.template_key))).all()
        events = conn.execute(
            select(col(TrackerEvent.tracker), col(TrackerEvent.kind), col(TrackerEvent.value))
            .where(col(TrackerEvent.at) >= since, col(TrackerEvent.at) <= until)).all()
        issued = conn.execute(select(func.count()).select_from(PenaltyNotice).where(
            col(PenaltyNotice.issued_on) >= start,
            col(PenaltyNotice.issued_on) <= end)).scalar_one()
    notified = len(chronology_service.entries_between(engine, CHRONOLOGY_NOTIFICATIONS,
                                                      start, end))
    steps: Counter[str] = Counter()
    considered = 0
    for tracker, kind, value in events:
        if (tracker, kind) in TRACKER_STEPS:
            steps[TRACKER_STEPS[(tracker, kind)]] += 1
        considered += tracker == "penalty" and kind == "decision"
        notified += tracker == "flags" and kind == "action" and value in LA_NOTIFICATIONS
    return Actions(tuple(sorted(((titles.get(k, k), n) for k, n in letters),
                                key=lambda x: (-x[1], x[0]))),
                   tuple(sorted(steps.items(), key=lambda x: (-x[1], x[0]))),
                   considered, int(issued), notified)


def build_governors_pack(engine: Engine, period: ReportPeriod, *, compulsory_only: bool = False,
                         today: dt.date, token: CancelToken | None = None
                         ) -> Generator[Progress, None, GovernorsPack]:
    token = token or CancelToken()
    policy = policy_service.load_policy(engine)
    report = yield from report_service.build_report(engine, period,
                                                    compulsory_only=compulsory_only,
                                                    today=today, token=token)
    years = calendar_service.list_years(engine)[-MAX_YEARS:]
    yield Progress(6, 7 + len(years), "Counting the same point last year")
    last = same_point_last_year(engine, period)
    pa, sa = policy.persistent_absence_pct, policy.severe_absence_pct
    last_row = (_school_row(engine, last.start, last.end, pa, sa, compulsory_only)
                if last is not None else None)
    if last_row is not None and last_row.possible == 0:
        last_row = None
    # Each year to the same point as this report's end (e.g. to 20 November).
    offset = period.end - next((y.start for y in years if y.start <= period.end <= y.end),
                               period.start)
    points = []
    for i, year in enumerate(years):
        token.check()
        yield Progress(7 + i, 7 + len(years), f"Counting {year.name}")
        to = min(year.end, year.start + offset)
        if year.start > period.end:
            break
        row = _school_row(engine, year.start, to, pa, sa, compulsory_only)
        if row.possible:
            points.append(YearPoint(year.name, to, row))
    weekly = None
    at = next((i for i, y in enumerate(years) if y.start <= period.end <= y.end), None)
    if at is not None:
        y = years[at]
        before = (years[at - 1].name, years[at - 1].start, years[at - 1].end) if at else None
        weekly = chart_data.weekly(engine, (y.name, y.start, min(y.end, period.end)), before,
                                   policy.target_pct,
                                   stats.Scope(compulsory_only=compulsory_only))
    return GovernorsPack(report, last, last_row, tuple(points),
                         _actions(engine, period.start, period.end), weekly)


def governors_csv(pack: GovernorsPack) -> str:
    """The pack's figures in one CSV (sections: this period and the same point last year,
    every year to the same point, the actions taken); no pupil is named."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    r = pack.report
    w.writerow(safe_row([f"Governors' attendance pack: {r.period.label}",
                         f"{r.period.start:%d/%m/%Y}", f"{r.period.end:%d/%m/%Y}"]))
    w.writerow([])
    w.writerow(["Measure", "This period", pack.last_year.label if pack.last_year else
                "Last year"])
    last = pack.last_year_school
    for label, fn in (("Attendance %", FigureRow.attendance),
                      ("Authorised absence %", FigureRow.authorised),
                      ("Unauthorised absence %", FigureRow.unauthorised),
                      ("Persistent absence % of pupils", FigureRow.pa_pct),
                      ("Severe absence % of pupils", FigureRow.sa_pct)):
        w.writerow(safe_row([label, one_dp(fn(r.school)), one_dp(fn(last)) if last else ""]))
    w.writerow([])
    w.writerow(["Year", "To", "Pupils", "Attendance %", "Unauthorised %", "PA pupils",
                "SA pupils"])
    for y in pack.years:
        w.writerow(safe_row([y.name, f"{y.to:%d/%m/%Y}", y.school.pupils,
                             one_dp(y.school.attendance()), one_dp(y.school.unauthorised()),
                             y.school.pa, y.school.sa]))
    w.writerow([])
    w.writerow(["Action", "Number"])
    a = pack.actions
    for label, n in (*((f"Letters: {t}", n) for t, n in a.letters), *a.steps,
                     ("Penalty notices considered", a.pn_considered),
                     ("Penalty notices issued", a.pn_issued),
                     ("Notifications to the local authority", a.la_notifications)):
        w.writerow(safe_row([label, n]))
    return out.getvalue()
