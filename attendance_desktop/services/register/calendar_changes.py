"""Changing the school calendar where the register feels it: a year's term dates, closures added
and removed, and the closure marks they leave (so the school wing never writes marks)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    AcademicYear,
    Closure,
    Mark,
    Term,
)
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    Span,
    TermDates,
    england_bank_holidays,
)
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import NotFound, ServiceError
from attendance_desktop.services.register import closure_service, register_service
from attendance_desktop.services.register.closure_service import closure_day_problem
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.school.school_service import need_settings, record_setting_change
from attendance_desktop.services.write_lock import run_write

# --- calendar ---------------------------------------------------------------------


def _refresh_closure_marks(engine: Engine, actor: Actor, start: dt.date, end: dt.date) -> None:
    """Bring the register in line with changed closures: planned-closure marks ('#')
    on sessions that are open again are cleared (recorded as amendments), and new
    closures are filled for every pupil on roll."""
    def clear_stale(s: Session) -> None:
        cal = calendar_service.read_calendar(s)
        stale = [register_service.MarkChange(m.pupil_id, m.date, m.session, "", seen_code="#")
                 for m in s.exec(select(Mark).where(
                     Mark.date >= start, Mark.date <= end, Mark.source == "closure",
                     Mark.code == "#"))
                 if cal.is_open(m.date, m.session)]
        register_service.apply_changes(s, actor, stale, source="closure",
                                       reason="closure removed from the calendar")

    run_write(engine, clear_stale)
    closure_service.fill_closures(engine, start, end)


def _check_halves(halves: list[Span]) -> None:
    if not halves:
        raise ServiceError("a year needs at least one half term")
    for h in halves:
        if h.end < h.start:
            raise ServiceError(f"{h.name}: the last day ({h.end:%d %b %Y}) is before the first"
                               f" ({h.start:%d %b %Y})")
    ordered = sorted(halves, key=lambda h: h.start)
    for a, b in itertools.pairwise(ordered):
        if b.start <= a.end:
            raise ServiceError(f"{b.name} starts on {b.start:%d %b %Y}, before {a.name} ends"
                               f" ({a.end:%d %b %Y})")


def save_year(engine: Engine, actor: Actor, dates: TermDates,
              inset_days: Iterable[dt.date] = ()) -> int:
    """Create the year, or replace an existing year's half terms and INSET days.

    Bank holidays in England inside the year are added as closures. Changes are recorded.
    """
    need_settings(actor, "set term dates")
    halves = dates.half_terms
    _check_halves(halves)
    insets = sorted(set(inset_days))
    term_time = SchoolCalendar(halves, {})
    for day in insets:
        if not dates.start <= day <= dates.end:
            raise ServiceError(f"INSET day {day:%d %b %Y} is outside {dates.year_name}")
        problem = closure_day_problem(term_time, day, "inset")
        if problem:
            raise ServiceError(f"INSET day not saved: {problem}")
    with session_scope(engine) as s:
        year = s.exec(select(AcademicYear).where(AcademicYear.name == dates.year_name)).first()
        old_start = old_end = None
        if year is None:
            year = AcademicYear(name=dates.year_name, start_date=dates.start, end_date=dates.end)
            s.add(year)
            s.flush()
            record_setting_change(s, actor, "calendar", f"year {dates.year_name}", "",
                    f"{dates.start} to {dates.end}")
        else:
            old_start, old_end = year.start_date, year.end_date
        assert year.id is not None
        old_terms = {t.name: t for t in s.exec(select(Term).where(
            Term.academic_year_id == year.id))}
        new_names = set()
        for term, first, second in dates.terms:
            for half in (first, second):
                new_names.add(half.name)
                old = old_terms.get(half.name)
                text = f"{half.start} to {half.end}"
                if old is None:
                    s.add(Term(academic_year_id=year.id, term_name=term.name, name=half.name,
                               start_date=half.start, end_date=half.end))
                    if old_start is not None:
                        record_setting_change(s, actor, "calendar",
                                              f"{dates.year_name} {half.name}", "", text)
                elif (old.start_date, old.end_date) != (half.start, half.end):
                    record_setting_change(s, actor, "calendar", f"{dates.year_name} {half.name}",
                            f"{old.start_date} to {old.end_date}", text)
                    old.start_date, old.end_date, old.term_name = half.start, half.end, term.name
                    s.add(old)
        for name, old in old_terms.items():
            if name not in new_names:
                record_setting_change(s, actor, "calendar", f"{dates.year_name} {name}",
                        f"{old.start_date} to {old.end_date}", "")
                s.delete(old)
        year.start_date, year.end_date = dates.start, dates.end
        s.add(year)
        lo = min(dates.start, old_start or dates.start)
        hi = max(dates.end, old_end or dates.end)
        existing = {(c.date, c.session): c for c in s.exec(select(Closure).where(
            Closure.date >= lo, Closure.date <= hi))}
        for day, name in england_bank_holidays(dates.start, dates.end).items():
            if (day, "DAY") not in existing:
                s.add(Closure(date=day, kind="bank_holiday", description=name,
                              created_by=actor.name))
        old_insets = {d for (d, sess), c in existing.items() if c.kind == "inset"
                      and dates.start <= d <= dates.end}
        for day in insets:
            if (day, "DAY") not in existing:
                s.add(Closure(date=day, kind="inset", description="INSET day",
                              created_by=actor.name))
                record_setting_change(s, actor, "calendar", f"closure {day} DAY", "",
                                      "inset # INSET day")
        for day in old_insets - set(insets):
            s.delete(existing[(day, "DAY")])
            record_setting_change(s, actor, "calendar", f"closure {day} DAY",
                                  "inset # INSET day", "")
        year_id = year.id
    _refresh_closure_marks(engine, actor, lo, hi)
    return year_id


def remove_closure(engine: Engine, actor: Actor, day: dt.date, session: str = "DAY") -> None:
    need_settings(actor, "change closures")
    with session_scope(engine) as s:
        row = s.exec(select(Closure).where(Closure.date == day,
                                           Closure.session == session)).first()
        if row is None:
            raise NotFound(f"there is no closure on {day:%d %b %Y} ({session})")
        record_setting_change(s, actor, "calendar", f"closure {day} {session}",
                f"{row.kind} {row.code} {row.description}".strip(), "")
        s.delete(row)
    _refresh_closure_marks(engine, actor, day, day)


def add_closure(engine: Engine, actor: Actor, day: dt.date, session: str = "DAY",
                kind: str = "planned", description: str = "") -> None:
    """A planned closure or INSET day (code '#'), recorded; refuses a duplicate."""
    need_settings(actor, "plan closures")
    if session not in ("DAY", "AM", "PM"):
        raise ServiceError(f"session must be DAY, AM or PM, not '{session}'")
    if kind not in ("planned", "inset", "bank_holiday"):
        raise ServiceError(f"unknown closure kind '{kind}'")
    with session_scope(engine) as s:
        problem = closure_day_problem(calendar_service.read_calendar(s), day, kind)
        if problem:
            raise ServiceError(f"closure not saved: {problem}")
        clash = s.exec(select(Closure).where(Closure.date == day)).all()
        for c in clash:
            if session == "DAY" or c.session in ("DAY", session):
                why = c.description or c.kind
                raise ServiceError(f"{day:%A %d %B %Y} is already closed ({why})")
        found = codes.validate("#", day)
        s.add(Closure(date=day, session=session, kind=kind, code=found.code,
                      description=description.strip() or ("INSET day" if kind == "inset"
                                                           else "Planned closure"),
                      created_by=actor.name))
        record_setting_change(s, actor, "calendar", f"closure {day} {session}", "",
                f"{kind} # {description}".strip())
    _refresh_closure_marks(engine, actor, day, day)
