"""Academic years, terms, closures, and the SchoolCalendar built from them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import AcademicYear, Closure, SettingChange, Term
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    Span,
    TermDates,
    academic_year_start,
    england_bank_holidays,
)
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import PermissionDenied, ServiceError


@dataclass(frozen=True, slots=True)
class ClosureInfo:
    date: dt.date
    session: str  # DAY | AM | PM
    kind: str
    code: str
    description: str


@dataclass(frozen=True, slots=True)
class YearInfo:
    id: int
    name: str
    start: dt.date
    end: dt.date
    half_terms: tuple[Span, ...]
    terms: tuple[Span, ...]


def create_academic_year(engine: Engine, actor: Actor, dates: TermDates,
                         inset_days: Iterable[dt.date] = ()) -> int:
    """Store a year's half terms, England's bank holidays inside it, and INSET days."""
    if not actor.can_edit_settings:
        raise PermissionDenied("only the headteacher can set term dates")
    with session_scope(engine) as s:
        if s.exec(select(AcademicYear).where(AcademicYear.name == dates.year_name)).first():
            raise ServiceError(f"the academic year {dates.year_name} already exists")
        year = AcademicYear(name=dates.year_name, start_date=dates.start, end_date=dates.end)
        s.add(year)
        s.flush()
        assert year.id is not None
        for term, first, second in dates.terms:
            for half in (first, second):
                s.add(Term(academic_year_id=year.id, term_name=term.name, name=half.name,
                           start_date=half.start, end_date=half.end))
        existing = {(c.date, c.session) for c in s.exec(select(Closure).where(
            Closure.date >= dates.start, Closure.date <= dates.end))}
        for day, name in england_bank_holidays(dates.start, dates.end).items():
            if (day, "DAY") not in existing:
                s.add(Closure(date=day, kind="bank_holiday", description=name,
                              created_by=actor.name))
        for day in inset_days:
            if (day, "DAY") not in existing:
                s.add(Closure(date=day, kind="inset", description="INSET day",
                              created_by=actor.name))
        s.add(SettingChange(area="calendar", key=f"year {dates.year_name}",
                            new_value=f"{dates.start} to {dates.end}", staff_name=actor.name,
                            staff_role=actor.role.value))
        return year.id


def add_closure(engine: Engine, actor: Actor, day: dt.date, session: str = "DAY",
                kind: str = "planned", code: str = "#", description: str = "") -> None:
    if not actor.can_edit_settings and kind != "emergency":
        raise PermissionDenied("only the headteacher can plan closures")
    found = codes.validate(code, day)
    if found.category is not codes.Category.NOT_COUNTED:
        raise ServiceError(f"code {found.code} is not a closure code")
    with session_scope(engine) as s:
        s.add(Closure(date=day, session=session, kind=kind, code=found.code,
                      description=description, created_by=actor.name))
        s.add(SettingChange(area="calendar", key=f"closure {day} {session}",
                            new_value=f"{kind} {found.code} {description}".strip(),
                            staff_name=actor.name, staff_role=actor.role.value))


def read_calendar(session: Session) -> SchoolCalendar:
    halves = [Span(t.name, t.start_date, t.end_date) for t in session.exec(select(Term))]
    closures: dict[dt.date, frozenset[str]] = {}
    for c in session.exec(select(Closure)):
        sessions = frozenset({"AM", "PM"}) if c.session == "DAY" else frozenset({c.session})
        closures[c.date] = closures.get(c.date, frozenset()) | sessions
    return SchoolCalendar(halves, closures)


def load_calendar(engine: Engine) -> SchoolCalendar:
    with session_scope(engine) as s:
        return read_calendar(s)


def list_closures(engine: Engine, start: dt.date, end: dt.date) -> list[ClosureInfo]:
    with session_scope(engine) as s:
        rows = s.exec(select(Closure).where(Closure.date >= start, Closure.date <= end)
                      .order_by(col(Closure.date))).all()
        return [ClosureInfo(c.date, c.session, c.kind, c.code, c.description) for c in rows]


def list_years(engine: Engine) -> list[YearInfo]:
    with session_scope(engine) as s:
        out = []
        for y in s.exec(select(AcademicYear).order_by(col(AcademicYear.start_date))):
            halves = s.exec(select(Term).where(Term.academic_year_id == y.id)
                            .order_by(col(Term.start_date))).all()
            terms: dict[str, list[Term]] = {}
            for h in halves:
                terms.setdefault(h.term_name, []).append(h)
            assert y.id is not None
            out.append(YearInfo(
                y.id, y.name, y.start_date, y.end_date,
                tuple(Span(h.name, h.start_date, h.end_date) for h in halves),
                tuple(Span(n, v[0].start_date, v[-1].end_date) for n, v in terms.items()),
            ))
        return out


def year_containing(engine: Engine, day: dt.date) -> YearInfo | None:
    for year in list_years(engine):
        if year.start <= day <= year.end:
            return year
    return None


# --- checks shared by Settings > Calendar and `calendar import` -----------------------


@dataclass(frozen=True, slots=True)
class CalendarProblem:
    """One thing wrong with a year's dates; `about` is a half term's name or an INSET
    day's ISO date, so a file importer can point at the row."""

    about: str
    message: str

    def __str__(self) -> str:
        return self.message


def term_date_problems(dates: TermDates, inset_days: Iterable[dt.date] = ()
                       ) -> list[CalendarProblem]:
    """Everything wrong with a year's half terms and INSET days (empty when it can be saved):
    a half term ending before it starts, half terms overlapping, an INSET day outside the
    year, on a weekend, in a holiday or on a bank holiday."""
    out: list[CalendarProblem] = []
    halves = dates.half_terms
    if not halves:
        return [CalendarProblem("", "a year needs at least one half term")]
    for h in halves:
        if h.end < h.start:
            out.append(CalendarProblem(h.name, f"{h.name}: the last day is before the first day"))
    ordered = sorted(halves, key=lambda h: h.start)
    for a, b in itertools.pairwise(ordered):
        if b.start <= a.end:
            out.append(CalendarProblem(b.name, f"{b.name} starts before {a.name} ends"))
    insets = sorted(set(inset_days))
    holidays = england_bank_holidays(min([dates.start, *insets]), max([dates.end, *insets]))
    for day in insets:
        about = day.isoformat()
        if not dates.start <= day <= dates.end:
            out.append(CalendarProblem(about, f"INSET day {day:%a %d %b %Y} is outside the year"))
        elif day.weekday() >= 5:
            out.append(CalendarProblem(about, f"INSET day {day:%a %d %b %Y} is a weekend day"))
        elif not any(day in h for h in halves):
            out.append(CalendarProblem(about, f"INSET day {day:%a %d %b %Y} is in a holiday, "
                                              "not in a half term"))
        elif day in holidays:
            out.append(CalendarProblem(about, f"INSET day {day:%a %d %b %Y} is a bank holiday "
                                              f"({holidays[day]})"))
    return out


class NoTermDates(ServiceError):
    """Something that needs school days was asked for a date no academic year covers."""

    def __init__(self, day: dt.date) -> None:
        super().__init__(no_term_dates_text(day))
        self.day = day


def no_term_dates_text(day: dt.date) -> str:
    return (f"no term dates cover {day:%d/%m/%Y}: set them in Settings or with "
            "`calendar import`")


def covers(years: Iterable[YearInfo], day: dt.date) -> bool:
    """True when the academic year `day` falls in (1 August to 31 July) has term dates, or
    `day` is in the summer holiday (to 31 August) after a year that has them."""
    for year in years:
        first = academic_year_start(year.start)
        if dt.date(first, 8, 1) <= day <= dt.date(first + 1, 8, 31):
            return True
    return False


def missing_term_dates(engine: Engine, day: dt.date) -> str:
    """'' when term dates cover `day`, else the one-line message saying what to do."""
    return "" if covers(list_years(engine), day) else no_term_dates_text(day)


def require_term_dates(engine: Engine, day: dt.date) -> None:
    """Raise NoTermDates unless term dates cover `day` (see `covers`)."""
    if not covers(list_years(engine), day):
        raise NoTermDates(day)
