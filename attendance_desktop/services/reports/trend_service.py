"""Attendance over the years, and "the same point last year" for a report period.

SQL aggregates: per period one GROUP BY pupil, code (stats_service's columns and fold
into the national categories), folded in Python into the whole school, year groups,
classes and pupil groups per period, with persistent and severe absence counted per pupil
as report_service does.

Year groups are as they were in each year: a pupil's recorded year group belongs to the
year they are on roll in now (or the year they left), and counts back one a year (a
pupil now in Year 3 was in Year 2 last year). Classes and pupil groups (SEN, FSM, EAL,
...) are only recorded as they are now, so those rows follow the pupils now in the class
or group back through the years; the tables say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from attendance_desktop.db.models import Mark, Pupil, SchoolClass
from attendance_desktop.domain.benchmarks import AREA_LABELS, Figure
from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    Span,
    academic_year_name,
    academic_year_start,
)
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.reports import benchmark_service
from attendance_desktop.services.reports.chart_data import ChartTable, pct_text
from attendance_desktop.services.reports.report_periods import ReportPeriod
from attendance_desktop.services.reports.report_service import (
    REPORT_GROUPS,
    FigureRow,
    group_members,
    year_key,
    year_label,
)
from attendance_desktop.services.reports.report_tables import points
from attendance_desktop.services.reports.stats_service import (
    GROUPS,
    Scope,
    code_columns,
    fold_counts,
    scope_filters,
)
from attendance_desktop.services.school import calendar_service, policy_service

M = Mark.__table__.c  # type: ignore[attr-defined]
P = Pupil.__table__.c  # type: ignore[attr-defined]
C = SchoolClass.__table__.c  # type: ignore[attr-defined]

MAX_YEARS = 10
KINDS = {"school": "Whole school", "year_groups": "Year groups (as they were each year)",
         "classes": "Classes (pupils now in each class)",
         "groups": "Pupil groups (pupils now in each group)"}
MEASURES = {"attendance": "Attendance %", "pa": "Persistent absence (% of pupils)",
            "sa": "Severe absence (% of pupils)", "unauthorised": "Unauthorised absence %"}


@dataclass(frozen=True, slots=True)
class Period:
    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Every figure for one period: the school, year groups, classes and pupil groups."""

    period: Period
    school: FigureRow
    year_groups: dict[str, FigureRow] = field(default_factory=dict)
    classes: dict[str, FigureRow] = field(default_factory=dict)
    groups: dict[str, FigureRow] = field(default_factory=dict)

    def rows(self, kind: str) -> dict[str, FigureRow]:
        if kind == "school":
            return {"Whole school": self.school}
        return dict(getattr(self, kind))


def measure(row: FigureRow | None, key: str) -> float | None:
    if row is None:
        return None
    return {"attendance": row.attendance, "pa": row.pa_pct, "sa": row.sa_pct,
            "unauthorised": row.unauthorised}[key]()


# -- the years the database holds ----------------------------------------------------------


def history_years(engine: Engine, today: dt.date) -> list[Period]:
    """The academic years with term dates or marks, oldest first, up to today (the
    current year ends today), the last MAX_YEARS. Years with marks but no term dates
    (imported history) run 1 September to 31 August."""
    stored = {y.start: Period(y.name, y.start, y.end)
              for y in calendar_service.list_years(engine) if y.start <= today}
    with engine.connect() as conn:
        first, last = conn.execute(select(func.min(M.date), func.max(M.date))).one()
    if first is not None:
        first = first if isinstance(first, dt.date) else dt.date.fromisoformat(str(first))
        last = last if isinstance(last, dt.date) else dt.date.fromisoformat(str(last))
        covered = {academic_year_start(p.start) for p in stored.values()}
        for y in range(academic_year_start(first), academic_year_start(min(last, today)) + 1):
            if y not in covered:
                start = dt.date(y, 9, 1)
                stored[start] = Period(academic_year_name(y), start, dt.date(y + 1, 8, 31))
    years = sorted(stored.values(), key=lambda p: p.start)[-MAX_YEARS:]
    return [Period(p.name, p.start, min(p.end, today)) for p in years]


# -- counting ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PupilInfo:
    recorded_year: str
    anchor: int  # the academic year (start) the recorded year group belongs to
    class_name: str  # "" for leavers and pupils without a class
    groups: tuple[str, ...]


def _pupils(engine: Engine, today: dt.date) -> dict[int, _PupilInfo]:
    members = group_members(engine)
    this_year = academic_year_start(today)
    out = {}
    q = (select(P.id, P.year_group, P.leaving_date, C.name)
         .select_from(Pupil.__table__.outerjoin(  # type: ignore[attr-defined]
             SchoolClass.__table__, C.id == P.class_id)))  # type: ignore[attr-defined]
    with engine.connect() as conn:
        for pid, year_group, leaving, class_name in conn.execute(q):
            if isinstance(leaving, str):
                leaving = dt.date.fromisoformat(leaving)
            left = leaving is not None and leaving < today
            anchor = academic_year_start(leaving) if left else this_year
            out[int(pid)] = _PupilInfo(year_group, anchor, "" if left else (class_name or ""),
                                       tuple(k for k in REPORT_GROUPS if pid in members[k]))
    return out


def year_group_in(recorded: str, anchor: int, year_start: int) -> str:
    """The year group a pupil was in during the academic year starting `year_start`."""
    order = {"N": -1, "R": 0}
    if recorded in order:
        number = order[recorded]
    elif recorded.isdigit():
        number = int(recorded)
    else:
        return recorded  # a year group the school names its own way: kept as it is
    then = number - (anchor - year_start)
    if then < -1:
        return ""  # before nursery: no marks expected
    return {-1: "N", 0: "R"}.get(then, str(then))


def _per_pupil(engine: Engine, periods: Sequence[Period],
               compulsory_only: bool) -> dict[int, dict[int, Counts]]:
    """Counts per period index and pupil: per period one GROUP BY pupil, code over the
    covering (date, ...) index, folded into categories as stats_service does. (One
    statement with a CASE per period measured 4x slower on SQLite than these range scans.)"""
    scope = Scope(compulsory_only=compulsory_only)
    out: dict[int, dict[int, Counts]] = {}
    with engine.connect() as conn:
        for i, period in enumerate(periods):
            where, needs_pupil = scope_filters(period.start, period.end, scope)
            source: Any = Mark.__table__  # type: ignore[attr-defined]
            if needs_pupil:
                source = source.join(Pupil.__table__,  # type: ignore[attr-defined]
                                     P.id == M.pupil_id)
            q = (select(M.pupil_id, *code_columns()).select_from(source)
                 .where(and_(*where)).group_by(M.pupil_id, M.code))
            rows: dict[int, list[tuple[str, int, int | None]]] = {}
            for pid, code, n, mins in conn.execute(q):
                rows.setdefault(int(pid), []).append((code, n, mins))
            out[i] = {pid: fold_counts(r) for pid, r in rows.items()}
    return out


@dataclass(frozen=True, slots=True)
class _Pupil:
    """One pupil's counts in one period with the flags worked out once (Counts'
    exact persistent/severe tests), then added into every row the pupil belongs to."""

    counts: Counts
    pa: bool
    sa: bool


def _figure(label: str, members: list[_Pupil]) -> FigureRow:
    with_sessions = [m for m in members if m.counts.possible > 0]
    fields = [0] * 8
    for m in members:
        c = m.counts
        for i, v in enumerate((c.present, c.approved, c.authorised, c.unauthorised,
                               c.not_counted, c.late_l, c.late_u, c.minutes_late)):
            fields[i] += v
    total = Counts(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5],
                   fields[6], fields[7])
    return FigureRow(label, len(with_sessions), total,
                     sum(m.pa for m in with_sessions), sum(m.sa for m in with_sessions))


def _breakdown(period: Period, per: dict[int, Counts], pupils: dict[int, _PupilInfo],
               policy: Policy) -> Breakdown:
    year_start = academic_year_start(period.start)
    everyone: list[_Pupil] = []
    by_year: dict[str, list[_Pupil]] = {}
    by_class: dict[str, list[_Pupil]] = {}
    by_group: dict[str, list[_Pupil]] = {}
    for pid, c in per.items():
        one = _Pupil(c, c.persistent(policy.persistent_absence_pct),
                     c.severe(policy.severe_absence_pct))
        everyone.append(one)
        info = pupils.get(pid)
        if info is None:
            continue
        yg = year_group_in(info.recorded_year, info.anchor, year_start)
        if yg:
            by_year.setdefault(yg, []).append(one)
        if info.class_name:
            by_class.setdefault(info.class_name, []).append(one)
        for g in info.groups:
            by_group.setdefault(g, []).append(one)
    return Breakdown(
        period, _figure("Whole school", everyone),
        {year_label(k): _figure(year_label(k), by_year[k])
         for k in sorted(by_year, key=year_key)},
        {k: _figure(k, v) for k, v in sorted(by_class.items())},
        {GROUPS[k]: _figure(GROUPS[k], by_group[k])
         for k in REPORT_GROUPS if k in by_group})


def breakdowns(engine: Engine, periods: Sequence[Period], *, today: dt.date,
               compulsory_only: bool = False) -> list[Breakdown]:
    policy = policy_service.load_policy(engine)
    pupils = _pupils(engine, today)
    per = _per_pupil(engine, periods, compulsory_only)
    return [_breakdown(p, per[i], pupils, policy) for i, p in enumerate(periods)]


# -- trends over the years --------------------------------------------------------------------


# The published figure (domain.benchmarks.Figure) beside each measure.
_PUBLISHED = {"attendance": "attendance_pct", "pa": "persistent_absence_pct",
              "sa": "severe_absence_pct", "unauthorised": "unauthorised_pct"}


@dataclass(frozen=True, slots=True)
class Trends:
    years: tuple[Breakdown, ...]  # oldest first; the current year runs to today
    # (area label, academic year) -> that year's published whole-year figures
    published: dict[tuple[str, str], Figure] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [b.period.name for b in self.years]

    def series(self, kind: str, key: str) -> dict[str, list[float | None]]:
        """label -> one value per year (None where the row had no sessions that year).
        The whole school's rows also carry the national and local-authority figures
        for each year, where Settings → Benchmarks holds them."""
        labels: list[str] = []
        for b in self.years:
            labels += [k for k in b.rows(kind) if k not in labels]
        if kind == "year_groups":
            labels.sort(key=lambda s: _label_key(s))
        out = {lab: [measure(b.rows(kind).get(lab), key) for b in self.years]
               for lab in labels}
        if kind == "school":
            for area in dict.fromkeys(a for a, _ in self.published):
                values = [getattr(self.published[(area, b.period.name)], _PUBLISHED[key])
                          if (area, b.period.name) in self.published else None
                          for b in self.years]
                if any(v is not None for v in values):
                    out[f"{area} (published, whole year)"] = values
        return out

    def table(self, kind: str, key: str) -> ChartTable:
        rows = tuple((lab, *(pct_text(v) for v in values))
                     for lab, values in self.series(kind, key).items())
        return ChartTable(f"{MEASURES[key]} by year: {KINDS[kind]}",
                          (KINDS[kind].split(" (")[0], *self.names()), rows)


def _label_key(label: str) -> tuple[int, str]:
    back = {"Nursery": "N", "Reception": "R"}.get(label, label.removeprefix("Year "))
    return year_key(back)


def build_trends(engine: Engine, today: dt.date, *, compulsory_only: bool = False,
                 token: CancelToken | None = None) -> Generator[Progress, None, Trends]:
    """Every year the database holds (up to ten), counted in one aggregate."""
    token = token or CancelToken()
    yield Progress(0, 2, "Counting the years")
    years = history_years(engine, today)
    token.check()
    result = Trends(tuple(breakdowns(engine, years, today=today,
                                     compulsory_only=compulsory_only)),
                    published_by_year(engine))
    yield Progress(2, 2, "Trends ready")
    return result


# -- the same point last year -------------------------------------------------------------


def same_point_last_year(engine: Engine, period: ReportPeriod) -> Period | None:
    """The dates last year at the same place in the school year: the same school days
    counted from the start of the academic year (so half terms and weekends line up), or
    the same calendar offset when last year has no term dates."""
    years = calendar_service.list_years(engine)
    this = next((y for y in years if y.start <= period.start <= y.end), None)
    if this is None:
        return None
    before = next((y for y in reversed(years) if y.end < this.start), None)
    cal = calendar_service.load_calendar(engine)
    if before is None:
        ay = academic_year_start(this.start) - 1
        start, end = dt.date(ay, 9, 1), dt.date(ay + 1, 8, 31)
        shift = dt.timedelta(days=(this.start - start).days)
        return Period(academic_year_name(ay), max(start, period.start - shift),
                      min(end, period.end - shift))
    if len(this.half_terms) == len(before.half_terms):
        first = _same_day(cal, this.half_terms, before.half_terms, period.start, True)
        last = _same_day(cal, this.half_terms, before.half_terms, period.end, False)
        if first is not None and last is not None and first <= last:
            return Period(f"{before.name}, the same school days", first, last)
    now_days = cal.school_days(this.start, this.end)
    then_days = cal.school_days(before.start, before.end)
    if not now_days or not then_days:
        return None

    def index(day: dt.date, after: bool) -> int:
        # the school day on (or the first after / last before) `day`
        i = next((k for k, d in enumerate(now_days) if d >= day), len(now_days))
        if not after and (i == len(now_days) or now_days[i] > day):
            i -= 1
        return max(0, min(i, len(now_days) - 1))

    i0, i1 = index(period.start, True), index(period.end, False)
    if i1 < i0 or i0 >= len(then_days):
        return None
    i1 = min(i1, len(then_days) - 1)
    return Period(f"{before.name}, the same school days", then_days[i0], then_days[i1])


def _same_day(cal: SchoolCalendar, now: Sequence[Span], then: Sequence[Span],
              day: dt.date, first: bool) -> dt.date | None:
    """The school day last year in the same half term, as many school days into it (a
    holiday day counts as the next half term's start, or the last half term's end)."""
    if first:
        k = next((i for i, h in enumerate(now) if day <= h.end), None)
    else:
        k = next((i for i in reversed(range(len(now))) if day >= now[i].start), None)
    if k is None:
        return None
    days_now = cal.school_days(now[k].start, now[k].end)
    days_then = cal.school_days(then[k].start, then[k].end)
    if not days_now or not days_then:
        return None
    if first:
        i = next((n for n, d in enumerate(days_now) if d >= day), len(days_now) - 1)
    else:
        i = max((n for n, d in enumerate(days_now) if d <= day), default=0)
    return days_then[min(i, len(days_then) - 1)]


@dataclass(frozen=True, slots=True)
class SamePoint:
    """This period beside the same point last year, for every row of the report."""

    now: Breakdown
    then: Breakdown | None

    def figure(self, kind: str, label: str, key: str) -> float | None:
        if self.then is None:
            return None
        return measure(self.then.rows(kind).get(label), key)

    def table(self) -> ChartTable:
        rows = []
        for kind in KINDS:
            for label, row in self.now.rows(kind).items():
                then = self.then.rows(kind).get(label) if self.then else None
                for key in ("attendance", "pa"):
                    a, b = measure(row, key), measure(then, key)
                    change = None if a is None or b is None else a - b
                    rows.append((label, MEASURES[key], pct_text(a), pct_text(b),
                                 points(change)))
        last = self.then.period if self.then else None
        when = (f"{last.name} ({last.start:%d/%m/%Y} to {last.end:%d/%m/%Y})" if last
                else "no figures")
        return ChartTable(f"The same point last year: {when}",
                          ("", "Measure", "Now", "Same point last year", "Change"),
                          tuple(rows))


def build_same_point(engine: Engine, period: ReportPeriod, *, today: dt.date,
                     compulsory_only: bool = False) -> SamePoint:
    now = Period(period.label, period.start, period.end)
    last = same_point_last_year(engine, period)
    found = breakdowns(engine, [now, *([last] if last else [])], today=today,
                       compulsory_only=compulsory_only)
    then = found[1] if last is not None and found[1].school.possible > 0 else None
    return SamePoint(found[0], then)


def published_by_year(engine: Engine) -> dict[tuple[str, str], Figure]:
    """The whole-year national and local-authority figures held, by (area label, year)."""
    return {(AREA_LABELS[f.figure.area], f.figure.academic_year): f.figure
            for f in benchmark_service.list_figures(engine) if f.figure.period == "year"}
