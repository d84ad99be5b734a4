"""Attendance reports for staff and governors (policies.md §7, dfe_rules.md §2).

A report covers one period (half term, term, year to date or custom dates) and holds every
table the Reports page, the CSV export and the governors' PDF show. Figures come from SQL
aggregates (stats_service, plus the weekday aggregate here); Python only folds per-code
rows and walks pupils, never marks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Generator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Engine

from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain import benchmarks as published
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services import clock
from attendance_desktop.services.csv_safe import safe_row
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.reports import benchmark_service, stats_service
from attendance_desktop.services.reports.stats_service import (
    GROUPS,
    Scope,
    code_columns,
    fold_counts,
    group_condition,
    scope_filters,
)
from attendance_desktop.services.school import calendar_service, policy_service

M = Mark.__table__.c  # type: ignore[attr-defined]
P = Pupil.__table__.c  # type: ignore[attr-defined]

# Pupil groups shown in the report (GROUPS minus the combined SEN key).
REPORT_GROUPS = ("sen_support", "ehcp", "fsm", "pupil_premium", "looked_after",
                 "child_in_need", "eal", "young_carer", "female", "male")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
KIND_LABELS = {"half_term": "half term", "term": "term", "year": "year to date",
               "custom": "custom dates"}


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    label: str  # "Autumn 1 2025/26", "Year to date 2025/26 (to 20 Nov 2025)"
    kind: str  # half_term | term | year | custom
    start: dt.date
    end: dt.date  # inclusive


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


# -- periods ------------------------------------------------------------------------------


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def period_options(engine: Engine, today: dt.date) -> list[ReportPeriod]:
    """The periods offered on the Reports page, current ones first, then earlier ones.

    Current periods run to today; earlier half terms and terms of this and past years are
    listed most recent first."""
    years = calendar_service.list_years(engine)
    current: list[ReportPeriod] = []
    earlier: list[ReportPeriod] = []
    for year in years:
        if year.start <= today <= year.end:
            half = next((h for h in year.half_terms if today in h), None)
            if half is None:  # a holiday: the last half term that has started
                half = next((h for h in reversed(year.half_terms) if h.start <= today), None)
            term = next((t for t in reversed(year.terms) if t.start <= today), None)
            if half is not None:
                current.append(ReportPeriod(
                    f"This half term: {half.name} {year.name} (to {_long(min(today, half.end))})",
                    "half_term", half.start, min(today, half.end)))
            if term is not None:
                current.append(ReportPeriod(
                    f"This term: {term.name} {year.name} (to {_long(min(today, term.end))})",
                    "term", term.start, min(today, term.end)))
            current.append(ReportPeriod(
                f"Year to date: {year.name} (to {_long(today)})", "year", year.start, today))
        for span, kind in [*((h, "half_term") for h in year.half_terms),
                           *((t, "term") for t in year.terms)]:
            if span.end < today:
                earlier.append(ReportPeriod(f"{span.name} {year.name} ({KIND_LABELS[kind]})",
                                            kind, span.start, span.end))
        if year.end < today:
            earlier.append(ReportPeriod(f"Whole year {year.name}", "year", year.start,
                                        year.end))
    earlier.sort(key=lambda p: (p.end, p.kind != "half_term"), reverse=True)
    return current + earlier


def custom_period(start: dt.date, end: dt.date) -> ReportPeriod:
    if end < start:
        raise ServiceError(f"the report period ends ({end:%d/%m/%Y}) before it starts "
                           f"({start:%d/%m/%Y})")
    return ReportPeriod(f"{_long(start)} to {_long(end)}", "custom", start, end)


def previous_period(engine: Engine, period: ReportPeriod) -> ReportPeriod | None:
    """The period of the same kind before this one, as far into it as this one runs.

    A half term (or term) compares with the half term (term) before it, whole; the year to
    date compares with the same stretch of the previous year; custom dates compare with the
    same number of school days just before them (weekends and holidays skipped)."""
    if period.kind == "custom":
        cal = calendar_service.load_calendar(engine)
        wanted = len(cal.school_days(period.start, period.end))
        days = cal.school_days(period.start - dt.timedelta(days=400),
                               period.start - dt.timedelta(days=1))[-wanted:]
        if not wanted or not days:
            return None
        start, end = days[0], days[-1]
        return ReportPeriod(f"{_long(start)} to {_long(end)}", "custom", start, end)
    years = calendar_service.list_years(engine)
    if period.kind == "year":
        for i, year in enumerate(years):
            if year.start == period.start and i > 0:
                before = years[i - 1]
                offset = period.end - period.start
                end = min(before.end, before.start + offset)
                label = (f"Whole year {before.name}" if end == before.end
                         else f"{before.name} to {_long(end)}")
                return ReportPeriod(label, "year", before.start, end)
        return None
    spans: list[tuple[Span, str]] = []
    for year in years:
        for s in (year.half_terms if period.kind == "half_term" else year.terms):
            spans.append((s, year.name))
    spans.sort(key=lambda x: x[0].start)
    for i, (span, _name) in enumerate(spans):
        if span.start == period.start and i > 0:
            prior, name = spans[i - 1]
            return ReportPeriod(f"{prior.name} {name}", period.kind, prior.start, prior.end)
    return None


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


def statistics_period(engine: Engine, period: ReportPeriod) -> tuple[str, str] | None:
    """The academic year and the published statistics' period (domain.benchmarks) that
    match a report's dates: a term, autumn and spring together, or the year."""
    year = next((y for y in calendar_service.list_years(engine)
                 if y.start <= period.start <= y.end), None)
    if year is None:
        return None
    terms = [t.name for t in year.terms if t.start <= period.end and t.end >= period.start]
    return year.name, published.period_for_dates(terms)


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


# -- text for tables, CSV and PDF -----------------------------------------------------------


def pct(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{Decimal(str(value)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def points(value: float | None) -> str:
    """A change in percentage points, signed: '+0.4 pts', '−1.2 pts'."""
    if value is None:
        return "–"
    q = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if q == 0:
        return "0.0 pts"
    return f"{'+' if q > 0 else '−'}{abs(q)} pts"


def initials(name: str) -> str:
    """'Amy Example-Smith' -> 'A.E.' (governors' copies do not name pupils)."""
    parts = [w for w in name.replace("-", " ").split() if w]
    if not parts:
        return "?"
    return ".".join(w[0].upper() for w in (parts[0], parts[-1]) if w) + "."


FIGURE_HEADER = ["", "Pupils", "Possible sessions", "Attendance", "Authorised",
                 "Unauthorised", "PA pupils", "PA %", "SA pupils", "SA %", "Late (L)",
                 "Late (U)", "Minutes late"]


def figure_cells(row: FigureRow) -> list[str]:
    c = row.counts
    return [row.label, str(row.pupils), str(row.possible), pct(row.attendance()),
            pct(row.authorised()), pct(row.unauthorised()), str(row.pa), pct(row.pa_pct()),
            str(row.sa), pct(row.sa_pct()), str(c.late_l), str(c.late_u), str(c.minutes_late)]


def group_cells(row: FigureRow, school: FigureRow) -> list[str]:
    gap = None
    if row.attendance() is not None and school.attendance() is not None:
        gap = row.attendance() - school.attendance()  # type: ignore[operator]
    return [row.label, str(row.pupils), str(row.possible), pct(row.attendance()), points(gap),
            pct(row.authorised()), pct(row.unauthorised()), str(row.pa), pct(row.pa_pct())]


GROUP_HEADER = ["Group", "Pupils", "Possible sessions", "Attendance", "Gap to school",
                "Authorised", "Unauthorised", "PA pupils", "PA %"]
CODE_HEADER = ["Code", "Meaning", "Category", "Sessions", "% of possible"]
WEEKDAY_HEADER = ["Day", "Session", "Possible sessions", "Absent", "Absence %", "Unauthorised"]
PUPIL_HEADER = ["Pupil", "Class", "Year", "Attendance", "Sessions missed", "Unauthorised",
                "Possible"]
COMPARE_HEADER = ["Measure", "This period", "Previous period", "Change"]
BENCH_HEADER = ["Benchmark", "Attendance", "School", "Gap"]


def pupil_cells(row: PupilRow, anonymise: bool) -> list[str]:
    return [initials(row.name) if anonymise else row.name, row.class_name, row.year_group,
            pct(row.attendance_pct), str(row.missed), str(row.unauthorised), str(row.possible)]


def tables(report: Report, *, anonymise: bool = False) -> dict[str, tuple[list[str],
                                                                          list[list[str]]]]:
    """Every table as (header, rows of text), keyed by a short name (CSV files, GUI tabs)."""
    school = report.school
    return {
        "whole_school": (FIGURE_HEADER, [figure_cells(school)]),
        # the whole school last, to read each row against
        "classes": (["Class", *FIGURE_HEADER[1:]],
                    [*(figure_cells(r) for r in report.classes), figure_cells(school)]),
        "year_groups": (["Year group", *FIGURE_HEADER[1:]],
                        [*(figure_cells(r) for r in report.year_groups), figure_cells(school)]),
        "pupil_groups": (GROUP_HEADER, [group_cells(r, school) for r in report.groups]),
        "codes": (CODE_HEADER, [[r.code, r.meaning, r.category, str(r.sessions),
                                 pct(r.share_pct)] for r in report.codes]),
        "weekdays": (WEEKDAY_HEADER, [[r.day, r.session, str(r.possible), str(r.absent),
                                       pct(r.absence_pct()), str(r.unauthorised)]
                                      for r in report.weekdays]),
        "persistent_absence": (PUPIL_HEADER, [pupil_cells(r, anonymise)
                                              for r in report.persistent]),
        "severe_absence": (PUPIL_HEADER, [pupil_cells(r, anonymise) for r in report.severe]),
        "comparison": (COMPARE_HEADER, [[c.label, pct(c.now), pct(c.then), points(c.change())]
                                        for c in report.comparisons]),
        "benchmarks": (BENCH_HEADER, [[b.label, pct(b.value) if b.value is not None
                                       else "not entered", pct(school.attendance()),
                                       points(b.gap(school.attendance()))]
                                      for b in report.benchmarks]),
    }


TABLE_TITLES = {
    "whole_school": "Whole school", "classes": "By class", "year_groups": "By year group",
    "pupil_groups": "Pupil groups", "codes": "Codes used", "weekdays": "Days of the week",
    "persistent_absence": "Persistent absence", "severe_absence": "Severe absence",
    "comparison": "Previous period", "benchmarks": "Target and benchmarks",
}


def pupils_named(report: Report, keys: tuple[str, ...] | None = None) -> int:
    """How many pupils the report's pupil tables list (persistent and severe absence),
    for the access log; `keys` limits it to the tables being saved."""
    chosen = {"persistent_absence": report.persistent, "severe_absence": report.severe}
    return len({r.pupil_id for key, rows in chosen.items() if keys is None or key in keys
                for r in rows})


def table_csv(report: Report, key: str, *, anonymise: bool = False) -> str:
    """One table as CSV text (UTF-8, a heading line naming the period first)."""
    header, rows = tables(report, anonymise=anonymise)[key]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([f"{TABLE_TITLES[key]}: {report.period.label}"
                + (" (compulsory school age only)" if report.compulsory_only else "")])
    w.writerow(safe_row(h or "Scope" for h in header))
    # Names (and anything else) that a spreadsheet would run as a formula are guarded.
    w.writerows(safe_row(r) for r in rows)
    return buf.getvalue()
