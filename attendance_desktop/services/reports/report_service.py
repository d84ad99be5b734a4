"""Attendance reports for staff and governors (policies.md §7, dfe_rules.md §2).

A report covers one period (half term, term, year to date or custom dates; report_periods)
and holds every table the Reports page, the CSV export and the governors' PDF show
(report_tables turns them into text). Figures come from SQL aggregates (stats_service,
plus the weekday aggregate here); Python only folds per-code rows and walks pupils, never
marks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Engine

from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain import benchmarks as published
from attendance_desktop.domain import codes
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services import clock
from attendance_desktop.services.reports import benchmark_service, stats_service
from attendance_desktop.services.reports.report_periods import (
    ReportPeriod,
    previous_period,
    statistics_period,
)
from attendance_desktop.services.reports.stats_service import (
    GROUPS,
    Scope,
    code_columns,
    fold_counts,
    group_condition,
    scope_filters,
)
from attendance_desktop.services.school import policy_service

M = Mark.__table__.c  # type: ignore[attr-defined]
P = Pupil.__table__.c  # type: ignore[attr-defined]

# Pupil groups shown in the report (GROUPS minus the combined SEN key).
REPORT_GROUPS = ("sen_support", "ehcp", "fsm", "pupil_premium", "looked_after",
                 "child_in_need", "eal", "young_carer", "female", "male")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One line of figures: the whole school, a class, a year group or a pupil group."""

    label: str
    pupils: int  # pupils with at least one possible session
    counts: Counts
    pa: int
    sa: int

    @property
    def possible(self) -> int:
        return self.counts.possible

    def attendance(self) -> float | None:
        return self.counts.attendance_pct()

    def authorised(self) -> float | None:
        return self.counts.authorised_pct()

    def unauthorised(self) -> float | None:
        c = self.counts
        return None if c.possible == 0 else 100.0 * c.unauthorised / c.possible

    def pa_pct(self) -> float | None:
        return None if self.pupils == 0 else 100.0 * self.pa / self.pupils

    def sa_pct(self) -> float | None:
        return None if self.pupils == 0 else 100.0 * self.sa / self.pupils


@dataclass(frozen=True, slots=True)
class CodeRow:
    code: str
    meaning: str
    category: str
    sessions: int
    share_pct: float | None  # of possible sessions (None for codes that are not possible)


@dataclass(frozen=True, slots=True)
class WeekdayRow:
    day: str
    session: str  # AM | PM
    possible: int
    absent: int
    unauthorised: int

    def absence_pct(self) -> float | None:
        return None if self.possible == 0 else 100.0 * self.absent / self.possible


@dataclass(frozen=True, slots=True)
class PupilRow:
    pupil_id: int
    name: str
    class_name: str
    year_group: str
    attendance_pct: float | None
    missed: int  # authorised + unauthorised sessions
    unauthorised: int
    possible: int


@dataclass(frozen=True, slots=True)
class Comparison:
    label: str  # "Attendance", "Persistent absence", ...
    now: float | None
    then: float | None

    def change(self) -> float | None:
        if self.now is None or self.then is None:
            return None
        return self.now - self.then


@dataclass(frozen=True, slots=True)
class Benchmark:
    label: str
    value: float | None  # None = not entered

    def gap(self, school: float | None) -> float | None:
        if self.value is None or school is None:
            return None
        return school - self.value


@dataclass(frozen=True, slots=True)
class Report:
    period: ReportPeriod
    compulsory_only: bool
    school: FigureRow
    classes: tuple[FigureRow, ...]
    year_groups: tuple[FigureRow, ...]
    groups: tuple[FigureRow, ...]
    codes: tuple[CodeRow, ...]
    weekdays: tuple[WeekdayRow, ...]
    persistent: tuple[PupilRow, ...]
    severe: tuple[PupilRow, ...]
    previous: ReportPeriod | None
    previous_school: FigureRow | None
    comparisons: tuple[Comparison, ...]
    benchmarks: tuple[Benchmark, ...]
    pa_threshold: float
    sa_threshold: float
    made_on: dt.date


# -- extra SQL aggregates -------------------------------------------------------------------


def weekday_counts(engine: Engine, start: dt.date, end: dt.date,
                   scope: Scope | None = None) -> dict[tuple[int, str], Counts]:
    """Counts per (weekday 0=Monday .. 4=Friday, session), from one GROUP BY."""
    where, needs_pupil = scope_filters(start, end, scope or Scope())
    source: Any = Mark.__table__  # type: ignore[attr-defined]
    if needs_pupil:
        source = source.join(Pupil.__table__, P.id == M.pupil_id)  # type: ignore[attr-defined]
    dow = func.extract("dow", M.date)  # 0 = Sunday in SQLite and PostgreSQL
    q = (select(dow.label("dow"), M.session, *code_columns()).select_from(source)
         .where(and_(*where)).group_by(dow, M.session, M.code))
    grouped: dict[tuple[int, str], list[tuple[str, int, int | None]]] = {}
    with engine.connect() as conn:
        for d, session, code, n, mins in conn.execute(q):
            key = ((int(d) + 6) % 7, str(session))
            grouped.setdefault(key, []).append((code, n, mins))
    return {k: fold_counts(v) for k, v in grouped.items()}


def group_members(engine: Engine) -> dict[str, set[int]]:
    """Pupil ids in each report group, from one query using stats_service's conditions."""
    cols = [case((group_condition(k), 1), else_=0).label(k) for k in REPORT_GROUPS]
    out: dict[str, set[int]] = {k: set() for k in REPORT_GROUPS}
    with engine.connect() as conn:
        for row in conn.execute(select(P.id, *cols)):
            for key in REPORT_GROUPS:
                if getattr(row, key):
                    out[key].add(int(row.id))
    return out


# -- building the report --------------------------------------------------------------------


def _row(label: str, counts: Counts, pupils: list[stats_service.PupilFigures],
         policy: Policy) -> FigureRow:
    with_sessions = [p for p in pupils if p.counts.possible > 0]
    pa = sum(1 for p in with_sessions if p.counts.persistent(policy.persistent_absence_pct))
    sa = sum(1 for p in with_sessions if p.counts.severe(policy.severe_absence_pct))
    return FigureRow(label, len(with_sessions), counts, pa, sa)


def _pupil_row(p: stats_service.PupilFigures) -> PupilRow:
    c = p.counts
    return PupilRow(p.pupil_id, p.name, p.class_name, p.year_group, c.attendance_pct(),
                    c.absent, c.unauthorised, c.possible)


def _school_row(engine: Engine, period: ReportPeriod, scope: Scope,
                policy: Policy) -> tuple[FigureRow, list[stats_service.PupilFigures]]:
    pupils, counts = stats_service.per_pupil_and_total(engine, period.start, period.end,
                                                       scope)
    return _row("Whole school", counts, pupils, policy), pupils


def _sum_by(pupils: list[stats_service.PupilFigures], key: Callable[[
        stats_service.PupilFigures], str]) -> tuple[dict[str, Counts],
                                                   dict[str, list[stats_service.PupilFigures]]]:
    """Counts and members per class or year group, summed from the pupils' own counts
    (the same numbers stats_service.per_class/per_year_group count in SQL, without
    reading the marks again)."""
    counts: dict[str, Counts] = {}
    members: dict[str, list[stats_service.PupilFigures]] = {}
    for p in pupils:
        k = key(p)
        counts[k] = counts.get(k, Counts()) + p.counts
        members.setdefault(k, []).append(p)
    return counts, members


def build_report(engine: Engine, period: ReportPeriod, *, compulsory_only: bool = False,
                 today: dt.date | None = None,
                 token: CancelToken | None = None) -> Generator[Progress, None, Report]:
    """Every table of the report, yielding progress between the queries (Cancel-able)."""
    token = token or CancelToken()
    policy = policy_service.load_policy(engine)
    base = Scope(compulsory_only=compulsory_only)
    steps = 5
    done = 0

    def step(label: str) -> Progress:
        nonlocal done
        done += 1
        token.check()
        return Progress(done, steps, label)

    yield Progress(0, steps, "Counting the whole school")
    school, pupils = _school_row(engine, period, base, policy)
    yield step("Counting classes and year groups")
    class_counts, by_class = _sum_by(pupils, lambda p: p.class_name or "No class")
    # pupils come in class order, so the dict's order is the classes' sort order
    classes = tuple(_row(k, class_counts[k], by_class[k], policy) for k in class_counts)
    year_counts, by_year = _sum_by(pupils, lambda p: p.year_group)
    years = tuple(_row(year_label(k), year_counts[k], by_year[k], policy)
                  for k in sorted(year_counts, key=year_key))
    yield step("Counting pupil groups")
    # Each group's figures are the sum of its members' per-pupil counts (already counted
    # in SQL above); membership comes from stats_service's own group conditions.
    members = group_members(engine)
    groups = []
    for key in REPORT_GROUPS:
        in_group = [p for p in pupils if p.pupil_id in members[key]]
        groups.append(_row(GROUPS[key], sum((p.counts for p in in_group), Counts()),
                           in_group, policy))
    code_rows = _code_rows(school.counts)
    yield step("Counting days of the week")
    wd = weekday_counts(engine, period.start, period.end, base)
    weekdays = tuple(
        WeekdayRow(WEEKDAYS[d], s, c.possible, c.absent, c.unauthorised)
        for d in range(5) for s in ("AM", "PM")
        for c in [wd.get((d, s), Counts())])
    with_sessions = [p for p in pupils if p.counts.possible > 0]

    def worst_first(p: stats_service.PupilFigures) -> tuple[float, str]:
        return (p.counts.attendance_pct() or 0.0, p.name)

    persistent = tuple(_pupil_row(p) for p in sorted(with_sessions, key=worst_first)
                       if p.counts.persistent(policy.persistent_absence_pct))
    severe_ids = {p.pupil_id for p in with_sessions
                  if p.counts.severe(policy.severe_absence_pct)}
    severe = tuple(r for r in persistent if r.pupil_id in severe_ids)
    yield step("Counting the previous period")
    previous = previous_period(engine, period)
    prev_row = None
    if previous is not None:
        prev_row, _ = _school_row(engine, previous, base, policy)
        if prev_row.possible == 0:
            prev_row = None
    comparisons = _comparisons(school, prev_row)
    benchmarks = (Benchmark("School target", policy.target_pct),
                  *_area_benchmarks(engine, period, policy))
    yield step("Report ready")
    return Report(period, compulsory_only, school, classes, years, tuple(groups), code_rows,
                  weekdays, persistent, severe, previous, prev_row, comparisons, benchmarks,
                  policy.persistent_absence_pct, policy.severe_absence_pct,
                  today or clock.today(engine))


def _area_benchmarks(engine: Engine, period: ReportPeriod,
                     policy: Policy) -> tuple[Benchmark, Benchmark]:
    """Local-authority and national attendance beside the school's: the imported or
    typed-in figures for the report's period (benchmark_service), else the single
    figures in the policy, else "not entered"."""
    found = {}
    matched = statistics_period(engine, period)
    if matched is not None:
        found = benchmark_service.figures_for(engine, *matched)
    out = []
    for area, label, fallback in (
            (published.LOCAL_AUTHORITY, "Local authority", policy.la_benchmark_pct),
            (published.NATIONAL, "National", policy.national_benchmark_pct)):
        hit = found.get(area)
        out.append(Benchmark(hit.label(), hit.figure.attendance_pct) if hit is not None
                   else Benchmark(label, fallback))
    return out[0], out[1]


def make_report(engine: Engine, period: ReportPeriod, **kwargs: Any) -> Report:
    """build_report run to the end (for tests and the command line)."""
    gen = build_report(engine, period, **kwargs)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


def year_key(year_group: str) -> tuple[int, str]:
    order = {"N": -1, "R": 0}
    if year_group in order:
        return order[year_group], year_group
    return (int(year_group), "") if year_group.isdigit() else (99, year_group)


def year_label(year_group: str) -> str:
    return {"N": "Nursery", "R": "Reception"}.get(
        year_group, f"Year {year_group}" if year_group.isdigit() else year_group)


def _code_rows(counts: Counts) -> tuple[CodeRow, ...]:
    rows = []
    for code, n in counts.by_code.items():
        try:
            found = codes.lookup(code)
            meaning, category, possible = found.meaning, found.category.label, found.possible
        except codes.CodeError:
            meaning, category, possible = "Unknown code", "", False
        share = 100.0 * n / counts.possible if possible and counts.possible else None
        rows.append(CodeRow(code, meaning, category, n, share))
    order = {c: i for i, c in enumerate(codes.CODES)}
    rows.sort(key=lambda r: order.get(r.code, len(order)))
    return tuple(rows)


def _comparisons(now: FigureRow, then: FigureRow | None) -> tuple[Comparison, ...]:
    pairs: list[tuple[str, Callable[[FigureRow], float | None]]] = [
        ("Attendance", FigureRow.attendance),
        ("Authorised absence", FigureRow.authorised),
        ("Unauthorised absence", FigureRow.unauthorised),
        ("Persistent absence (pupils)", FigureRow.pa_pct),
        ("Severe absence (pupils)", FigureRow.sa_pct),
    ]
    return tuple(Comparison(label, f(now), f(then) if then is not None else None)
                 for label, f in pairs)
