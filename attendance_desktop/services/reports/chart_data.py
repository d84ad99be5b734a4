"""The numbers behind the charts (Reports, the pupil profile, the Trackers board).

No Qt: the screen draws these, and the governors' and LA packs can print the same data.
Counting is done by SQL aggregates (GROUP BY day, month or pupil and code) using the
national categories of domain/codes, so every figure agrees with stats_service; Python
only folds the grouped rows. Every chart has `table()`: its numbers as text, the chart's
text alternative on screen and the rows of a CSV or PDF table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import Category
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.reports.report_service import FigureRow, Report
from attendance_desktop.services.reports.report_tables import pct
from attendance_desktop.services.reports.stats_service import (
    Scope,
    code_columns,
    fold_counts,
    scope_filters,
)
from attendance_desktop.services.school import calendar_service

M = Mark.__table__.c  # type: ignore[attr-defined]
P = Pupil.__table__.c  # type: ignore[attr-defined]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
SESSIONS = ("AM", "PM")
WHOLE_SCHOOL = Scope()


@dataclass(frozen=True, slots=True)
class ChartTable:
    """A chart's numbers as text: shown beside the chart and usable as a CSV or PDF table."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def chart_csv(table: ChartTable) -> str:
    """A chart's numbers as CSV text (a title line, the header, the rows)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([table.title])
    w.writerow(safe_row(table.header))
    w.writerows(safe_row(r) for r in table.rows)
    return buf.getvalue()


def pct_text(value: float | None) -> str:
    return pct(value)


def _pct(num: int, den: int) -> float | None:
    return None if den == 0 else 100.0 * num / den


# -- attendance week by week ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week: int  # 1 = the first school week of the year
    monday: dt.date
    counts: Counts

    @property
    def attendance(self) -> float | None:
        return self.counts.attendance_pct()


@dataclass(frozen=True, slots=True)
class WeeklyChart:
    year: str
    weeks: tuple[WeekPoint, ...]
    last_year: str  # "" when there is no previous year
    last_weeks: tuple[WeekPoint, ...]
    target_pct: float | None

    def table(self) -> ChartTable:
        last = {w.week: w for w in self.last_weeks}
        rows = []
        for n in sorted({w.week for w in self.weeks} | set(last)):
            now = next((w for w in self.weeks if w.week == n), None)
            then = last.get(n)
            rows.append((str(n), f"{now.monday:%d/%m/%Y}" if now else "",
                         pct_text(now.attendance if now else None),
                         pct_text(then.attendance if then else None),
                         pct_text(self.target_pct)))
        return ChartTable("Attendance week by week",
                          ("School week", "Week of", self.year,
                           self.last_year or "Last year", "Target"), tuple(rows))


def daily_counts(engine: Engine, start: dt.date, end: dt.date,
                 scope: Scope = WHOLE_SCHOOL) -> dict[dt.date, Counts]:
    """Counts per school day from one GROUP BY date, code (at most ~190 days x codes rows)."""
    where, needs_pupil = scope_filters(start, end, scope)
    source: Any = Mark.__table__  # type: ignore[attr-defined]
    if needs_pupil:
        source = source.join(Pupil.__table__, P.id == M.pupil_id)  # type: ignore[attr-defined]
    q = (select(M.date, *code_columns()).select_from(source).where(and_(*where))
         .group_by(M.date, M.code))
    per: dict[dt.date, list[tuple[str, int, int | None]]] = {}
    with engine.connect() as conn:
        for day, code, n, mins in conn.execute(q):
            day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
            per.setdefault(day, []).append((code, n, mins))
    return {d: fold_counts(rows) for d, rows in sorted(per.items())}


def weeks_of(days: dict[dt.date, Counts],
             school_weeks: Sequence[dt.date] = ()) -> tuple[WeekPoint, ...]:
    """Fold daily counts into school weeks, numbered by the calendar's school weeks (so
    week 10 is the tenth week of term in both years); without term dates, by the weeks
    that have marks."""
    by_monday: dict[dt.date, Counts] = {}
    for day, c in days.items():
        monday = day - dt.timedelta(days=day.weekday())
        by_monday[monday] = by_monday.get(monday, Counts()) + c
    numbering = list(school_weeks) or sorted(by_monday)
    extra = sorted(m for m in by_monday if m not in set(numbering))
    number = {m: i + 1 for i, m in enumerate(sorted([*numbering, *extra]))}
    return tuple(WeekPoint(number[m], m, by_monday[m]) for m in sorted(by_monday)
                 if by_monday[m].possible > 0)


def weekly(engine: Engine, year: tuple[str, dt.date, dt.date],
           last_year: tuple[str, dt.date, dt.date] | None, target_pct: float | None,
           scope: Scope = WHOLE_SCHOOL) -> WeeklyChart:
    """This year's weekly attendance (to its end date) beside last year's, week for week."""
    cal = calendar_service.load_calendar(engine)
    name, start, end = year
    weeks = weeks_of(daily_counts(engine, start, end, scope), cal.school_weeks(start, end))
    last_name, last_weeks = "", cast(tuple[WeekPoint, ...], ())
    if last_year is not None:
        last_name, ls, le = last_year
        last_weeks = weeks_of(daily_counts(engine, ls, le, scope), cal.school_weeks(ls, le))
    return WeeklyChart(name, weeks, last_name, last_weeks, target_pct)


# -- persistent absence by month ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthPoint:
    month: dt.date  # the first of the month
    pupils: int  # pupils with possible sessions in the year so far
    pa_so_far: int  # persistent absentees over the year to the month's end
    pupils_in_month: int
    pa_in_month: int  # persistent absence within the month alone

    @property
    def pa_so_far_pct(self) -> float | None:
        return _pct(self.pa_so_far, self.pupils)

    @property
    def pa_in_month_pct(self) -> float | None:
        return _pct(self.pa_in_month, self.pupils_in_month)


@dataclass(frozen=True, slots=True)
class MonthlyPA:
    year: str
    threshold_pct: float
    months: tuple[MonthPoint, ...]
    last_year: str
    last_months: tuple[MonthPoint, ...]

    def table(self) -> ChartTable:
        last = {m.month.month: m for m in self.last_months}
        rows = []
        for m in self.months:
            then = last.get(m.month.month)
            rows.append((f"{m.month:%B %Y}", str(m.pa_in_month),
                         pct_text(m.pa_in_month_pct), str(m.pa_so_far),
                         pct_text(m.pa_so_far_pct),
                         pct_text(then.pa_so_far_pct if then else None)))
        return ChartTable("Persistent absence by month",
                          ("Month", "PA pupils in the month", "PA % in the month",
                           "PA pupils, year so far", "PA %, year so far",
                           f"PA %, year so far, {self.last_year or 'last year'}"), tuple(rows))


def _months(engine: Engine, start: dt.date, end: dt.date, scope: Scope,
            threshold: float) -> tuple[MonthPoint, ...]:
    """Per month one GROUP BY pupil, code over the month's dates (range scans on the
    covering index; a month expression per mark measured slower on SQLite)."""
    per_month: dict[int, dict[int, Counts]] = {}
    first = start.replace(day=1)
    with engine.connect() as conn:
        while first <= end:
            after = (first + dt.timedelta(days=32)).replace(day=1)
            lo, hi = max(start, first), min(end, after - dt.timedelta(days=1))
            where, needs_pupil = scope_filters(lo, hi, scope)
            source: Any = Mark.__table__  # type: ignore[attr-defined]
            if needs_pupil:
                source = source.join(Pupil.__table__,  # type: ignore[attr-defined]
                                     P.id == M.pupil_id)
            q = (select(M.pupil_id, *code_columns()).select_from(source)
                 .where(and_(*where)).group_by(M.pupil_id, M.code))
            grouped: dict[int, list[tuple[str, int, int | None]]] = {}
            for pid, code, n, mins in conn.execute(q):
                grouped.setdefault(int(pid), []).append((code, n, mins))
            if grouped:
                per_month[first.year * 100 + first.month] = {
                    pid: fold_counts(rows) for pid, rows in grouped.items()}
            first = after
    running: dict[int, Counts] = {}
    out = []
    for ym in sorted(per_month):
        in_month = per_month[ym]
        for pid, c in in_month.items():
            running[pid] = running.get(pid, Counts()) + c
        so_far = [c for c in running.values() if c.possible > 0]
        month_only = [c for c in in_month.values() if c.possible > 0]
        out.append(MonthPoint(dt.date(ym // 100, ym % 100, 1), len(so_far),
                              sum(1 for c in so_far if c.persistent(threshold)),
                              len(month_only),
                              sum(1 for c in month_only if c.persistent(threshold))))
    return tuple(out)


def monthly_pa(engine: Engine, year: tuple[str, dt.date, dt.date],
               last_year: tuple[str, dt.date, dt.date] | None, threshold_pct: float,
               scope: Scope = WHOLE_SCHOOL) -> MonthlyPA:
    """Persistent absence month by month: within each month, and over the year so far at
    each month's end (how the DfE measures it), with last year's year-so-far beside it."""
    name, start, end = year
    months = _months(engine, start, end, scope, threshold_pct)
    last_name, last_months = "", cast(tuple[MonthPoint, ...], ())
    if last_year is not None:
        last_name, ls, le = last_year
        last_months = _months(engine, ls, le, scope, threshold_pct)
    return MonthlyPA(name, threshold_pct, months, last_name, last_months)


# -- from a built report: classes and year groups, weekdays, codes ----------------------------


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    attendance: float | None
    pa_pct: float | None
    pupils: int


@dataclass(frozen=True, slots=True)
class BarsChart:
    title: str
    classes: tuple[Bar, ...]
    year_groups: tuple[Bar, ...]
    school: float | None
    target_pct: float | None

    def table(self) -> ChartTable:
        rows = [(kind, b.label, str(b.pupils), pct_text(b.attendance), pct_text(b.pa_pct))
                for kind, bars in (("Class", self.classes), ("Year group", self.year_groups))
                for b in bars]
        rows.append(("", "Whole school", "", pct_text(self.school), ""))
        return ChartTable(self.title, ("Kind", "Class or year group", "Pupils", "Attendance",
                                       "PA %"), tuple(rows))


@dataclass(frozen=True, slots=True)
class HeatCell:
    day: int  # 0 = Monday
    session: str
    possible: int
    absent: int
    unauthorised: int

    @property
    def absence(self) -> float | None:
        return _pct(self.absent, self.possible)


@dataclass(frozen=True, slots=True)
class WeekdayHeatmap:
    cells: tuple[HeatCell, ...]  # Monday AM, Monday PM, ... Friday PM

    def cell(self, day: int, session: str) -> HeatCell:
        return next(c for c in self.cells if c.day == day and c.session == session)

    def table(self) -> ChartTable:
        rows = tuple((WEEKDAYS[d], *(pct_text(self.cell(d, s).absence) for s in SESSIONS),
                      *(str(self.cell(d, s).absent) for s in SESSIONS)) for d in range(5))
        return ChartTable("Absence by weekday and session",
                          ("Day", "Morning absence", "Afternoon absence",
                           "Morning sessions missed", "Afternoon sessions missed"), rows)


@dataclass(frozen=True, slots=True)
class CodeSlice:
    code: str
    meaning: str
    category: str
    sessions: int
    share_pct: float | None  # of possible sessions


@dataclass(frozen=True, slots=True)
class CodeMix:
    codes: tuple[CodeSlice, ...]  # absence and other non-present codes, most used first

    def table(self) -> ChartTable:
        return ChartTable("The mix of codes", ("Code", "Meaning", "Category", "Sessions",
                                               "% of possible"),
                          tuple((c.code, c.meaning, c.category, str(c.sessions),
                                 pct_text(c.share_pct)) for c in self.codes))


@dataclass(frozen=True, slots=True)
class ReportCharts:
    """The charts drawn from a built report (so they agree with its tables exactly)."""

    bars: BarsChart
    heatmap: WeekdayHeatmap
    code_mix: CodeMix


def from_report(report: Report, target_pct: float | None) -> ReportCharts:
    """Classes and year groups, weekday heat map and code mix from a report_service.Report."""
    def bar(r: FigureRow) -> Bar:
        return Bar(r.label, r.attendance(), r.pa_pct(), r.pupils)

    bars = BarsChart(f"Classes and year groups, {report.period.label}",
                     tuple(bar(r) for r in report.classes),
                     tuple(bar(r) for r in report.year_groups),
                     report.school.attendance(), target_pct)
    cells = tuple(HeatCell(WEEKDAYS.index(w.day), w.session, w.possible, w.absent,
                           w.unauthorised) for w in report.weekdays)
    # present marks and planned closures dwarf the rest; the mix shows the absences
    mix = sorted((CodeSlice(c.code, c.meaning, c.category, c.sessions, c.share_pct)
                  for c in report.codes if c.code not in ("/", "\\", "#")),
                 key=lambda s: -s.sessions)
    return ReportCharts(bars, WeekdayHeatmap(cells), CodeMix(tuple(mix)))


# -- a pupil's year ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PupilYear:
    year: str
    days: tuple[tuple[dt.date, float], ...]  # cumulative attendance % after each day
    marks: tuple[tuple[dt.date, str, str, str], ...]  # date, session, code, category
    bands: tuple[tuple[str, float], ...]  # band label, lower bound %

    def table(self) -> ChartTable:
        rows = []
        week = None
        for day, value in self.days:  # one row per week keeps the table readable
            monday = day - dt.timedelta(days=day.weekday())
            if monday != week:
                rows.append((f"{day:%d/%m/%Y}", pct_text(value)))
                week = monday
            else:
                rows[-1] = (f"{day:%d/%m/%Y}", pct_text(value))
        return ChartTable("Attendance so far this year (end of each week)",
                          ("Up to", "Attendance"), tuple(rows))


def pupil_year(engine: Engine, pupil_id: int, year: tuple[str, dt.date, dt.date],
               policy: Policy) -> PupilYear:
    """One pupil's marks for the year and the cumulative attendance after each day."""
    name, start, end = year
    q = (select(M.date, M.session, M.code).where(M.pupil_id == pupil_id, M.date >= start,
                                                 M.date <= end)
         .order_by(M.date, M.session))
    category = {c.code: c.category for c in codes.CODES.values()}
    marks = []
    days: list[tuple[dt.date, float]] = []
    attended = possible = 0
    with engine.connect() as conn:
        rows = [(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)), s, c)
                for d, s, c in conn.execute(q)]
    for i, (day, session, code) in enumerate(rows):
        cat = category.get(code)
        marks.append((day, session, code, cat.value if cat else ""))
        if cat is not None and cat.possible:
            possible += 1
            attended += cat in (Category.PRESENT, Category.APPROVED)
        last_of_day = i + 1 == len(rows) or rows[i + 1][0] != day
        if last_of_day and possible:
            days.append((day, 100.0 * attended / possible))
    bands = tuple((b.label, b.min_pct) for b in policy.bands if b.min_pct > 0)
    return PupilYear(name, tuple(days), tuple(marks), bands)


# -- band moves on the Trackers board ------------------------------------------------------


class BandedPupil(Protocol):
    """What band_moves needs of a pupil (alerts_service.PupilAlert has it)."""

    previous_pct: float | None
    period_pct: float | None
    previous_period: str
    period: str


@dataclass(frozen=True, slots=True)
class BandMoves:
    bands: tuple[str, ...]  # band labels, best first
    previous: str  # the earlier period's name
    current: str
    matrix: tuple[tuple[int, ...], ...]  # [from band][to band]

    def moved_up(self) -> int:
        return sum(n for i, row in enumerate(self.matrix) for j, n in enumerate(row) if j < i)

    def moved_down(self) -> int:
        return sum(n for i, row in enumerate(self.matrix) for j, n in enumerate(row) if j > i)

    def stayed(self) -> int:
        return sum(self.matrix[i][i] for i in range(len(self.bands)))

    def table(self) -> ChartTable:
        rows = tuple((f"{b} in {self.previous}", *(str(n) for n in row), str(sum(row)))
                     for b, row in zip(self.bands, self.matrix, strict=True))
        return ChartTable(f"Band moves from {self.previous} to {self.current}",
                          ("", *(f"now {b}" for b in self.bands), "Pupils"), rows)


def band_moves(policy: Policy, pupils: Sequence[BandedPupil]) -> BandMoves:
    """Pupils by band in the previous and the current monitoring period (from the tracker
    snapshot's pupils: `previous_pct`, `period_pct`); pupils without both are left out."""
    labels = tuple(b.label for b in policy.bands)
    index = {b.key: i for i, b in enumerate(policy.bands)}
    matrix = [[0] * len(labels) for _ in labels]
    previous = current = ""
    for p in pupils:
        before, now = policy.band_for(p.previous_pct), policy.band_for(p.period_pct)
        previous, current = previous or p.previous_period, current or p.period
        if p.previous_pct is None or p.period_pct is None or before is None or now is None:
            continue
        matrix[index[before.key]][index[now.key]] += 1
    return BandMoves(labels, previous or "the previous period", current or "this period",
                     tuple(tuple(r) for r in matrix))
