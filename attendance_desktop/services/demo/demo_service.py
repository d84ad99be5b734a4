"""The synthetic demo school: a one-form-entry primary with families, staff and a register.

Everything is drawn from `random.Random(seed)` and dates derived from `today`, so the
same seed and day give the same database. Nothing is read from the wall clock. The
demo is only ever written into a database with no real data in it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Mark,
    Pupil,
    School,
    SettingChange,
)
from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    TermDates,
    academic_year_start,
    default_term_dates,
    england_bank_holidays,
)
from attendance_desktop.domain.progress import Progress
from attendance_desktop.domain.roles import SYSTEM_ACTOR
from attendance_desktop.services.demo import demo_names
from attendance_desktop.services.demo.demo_model import (
    DEMO_PINS,
    YEAR_GROUPS,
    ProgressCallback,
)
from attendance_desktop.services.demo.demo_people import PeopleMaker
from attendance_desktop.services.demo.demo_register import RegisterMaker
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import mark_rows
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.write_lock import write_scope

MAX_PUPILS = 2000
MAX_YEARS = 10


@dataclass(frozen=True, slots=True)
class DemoSummary:
    school_name: str
    pupils_on_roll: int
    classes: int
    staff: int
    first_year: str
    last_year: str
    marks: int
    seed: int
    last_marked: dt.date

    @property
    def years_label(self) -> str:
        if self.first_year == self.last_year:
            return self.first_year
        return f"{self.first_year} to {self.last_year}"

    def __str__(self) -> str:
        pins = ", ".join(f"{r.label.split(' /')[0].lower()} {p}" for r, p in DEMO_PINS.items())
        return (f"Demo school created: {self.pupils_on_roll} pupils in {self.classes} classes, "
                f"{self.years_label}, {self.marks:,} marks (seed {self.seed}); "
                f"staff PINs: {pins}")


# --- the public entry point ----------------------------------------------------------


def create_demo(engine: Engine, *, seed: int = 2026, pupils: int = 210,
                today: dt.date, years: int = 1,
                progress: ProgressCallback | None = None) -> DemoSummary:
    """Fill an empty database with the demo school and its register up to `today`.

    Refuses (ServiceError) when the database holds real pupils, marks, a set-up school or
    the demo school already. Calendar years are stored first through calendar_service;
    staff, pupils, families and the register are then written in one transaction.
    """
    if not 7 <= pupils <= MAX_PUPILS:
        raise ServiceError(f"the demo school needs between 7 and {MAX_PUPILS} pupils, "
                           f"not {pupils}")
    if not 1 <= years <= MAX_YEARS:
        raise ServiceError(f"the demo history can cover 1 to {MAX_YEARS} years, not {years}")
    report = progress or (lambda _p: None)
    with session_scope(engine) as s:
        reason = _refusal(s)
    if reason:
        raise ServiceError(f"cannot create the demo school: {reason}")

    # Plan everything in memory first: progress (and Cancel) only happen before any write.
    total = years + 4  # calendar, people, one step per year of register, PINs, saving
    report(Progress(0, total, "Planning the school calendar"))
    policy = policy_service.load_policy(engine)
    first_year, ref_year = _history_years(today, years)
    cal, spans, missing = _planned_calendar(engine, first_year, ref_year,
                                            academic_year_start(today))
    hist_start = spans[0][1]
    if not cal.school_days(hist_start, today):
        raise ServiceError(f"there are no school days between {hist_start:%d %B %Y} and "
                           f"{today:%d %B %Y} to make a register for")
    report(Progress(1, total, "Creating staff, pupils and families"))
    gen = _Generator(random.Random(seed), policy, cal, spans, today, pupils, ref_year)
    gen.make_people()
    gen.plan_register(report, first_step=2, total=total)
    report(Progress(total - 1, total, "Saving the demo school"))

    for dates in missing:
        calendar_service.create_academic_year(engine, SYSTEM_ACTOR, dates, inset_days(dates))
    _add_missing_inset_days(engine, cal, spans)
    with write_scope(engine) as s:
        reason = _refusal(s)
        if reason:
            raise ServiceError(f"cannot create the demo school: {reason}")
        gen.write_people(s)
        rows = gen.register_rows()
        history = gen.write_follow_up(s)
        # Through the register path's bulk writer, with the story's own times.
        marks = mark_rows.seed_history(s, rows, history)
        s.add(SettingChange(area="school", key="demo",
                            new_value=f"demo school created (seed {seed}, {years} years)",
                            changed_at=gen.created_at, staff_name=SYSTEM_ACTOR.name,
                            staff_role=SYSTEM_ACTOR.role.value))
    on_roll = sum(1 for c in gen.children if c.admission <= gen.last
                  and (c.leaving is None or c.leaving >= gen.last))
    return DemoSummary(demo_names.SCHOOL_NAME, on_roll, len(YEAR_GROUPS), len(gen.staff),
                       spans[0][0], spans[-1][0], marks, seed, gen.last)


def _refusal(s: Session) -> str | None:
    school = s.exec(select(School)).first()
    demo_pupil = s.exec(select(Pupil.id).where(Pupil.is_demo)).first()
    if (school is not None and school.is_demo) or demo_pupil is not None:
        return "this database already holds the demo school (use a new data folder)"
    if s.exec(select(Pupil.id).where(Pupil.is_demo == False)).first() is not None:  # noqa: E712
        return "this database holds real pupils; the demo needs a new, empty data folder"
    if s.exec(select(Mark.id)).first() is not None:
        return "this database already holds register marks; use a new, empty data folder"
    if school is not None and school.set_up_complete:
        return f"'{school.name}' has been set up; the demo needs a new, empty data folder"
    return None


def _history_years(today: dt.date, years: int) -> tuple[int, int]:
    """First and last academic year (start years) with register history.

    Before the first day of term the history ends with the previous year, so the demo
    always has a register to show.
    """
    ref = academic_year_start(today)
    if today < default_term_dates(ref).start + dt.timedelta(days=1):
        ref -= 1
    return ref - years + 1, ref


def inset_days(dates: TermDates) -> list[dt.date]:
    """Five staff training days: the start of each term's first half, Autumn 2 and the end."""
    halves = dates.half_terms
    return [halves[0].start, halves[1].start, halves[2].start, halves[4].start, halves[5].end]


def _planned_calendar(engine: Engine, first_year: int, ref_year: int, this_year: int
                      ) -> tuple[SchoolCalendar, list[tuple[str, dt.date, dt.date]],
                                 list[TermDates]]:
    """The calendar the demo will use: stored years as they are, default dates otherwise.

    Returns the calendar (with INSET days), the history's (name, start, end) years and
    the years still to be stored.
    """
    stored = {y.name: y for y in calendar_service.list_years(engine)}
    now = calendar_service.load_calendar(engine)
    halves = list(now.half_terms)
    closures = dict(now.closures)
    spans: list[tuple[str, dt.date, dt.date]] = []
    missing: list[TermDates] = []
    for y in range(first_year, this_year + 1):
        dates = default_term_dates(y)
        if dates.year_name in stored:
            info = stored[dates.year_name]
            start, end = info.start, info.end
        else:
            missing.append(dates)
            halves.extend(dates.half_terms)
            for day in england_bank_holidays(dates.start, dates.end):
                closures[day] = frozenset({"AM", "PM"})
            start, end = dates.start, dates.end
        for day in inset_days(dates):
            closures[day] = frozenset({"AM", "PM"})
        if y <= ref_year:
            spans.append((dates.year_name, start, end))
    return SchoolCalendar(halves, closures), spans, missing


def _add_missing_inset_days(engine: Engine, cal: SchoolCalendar,
                            spans: list[tuple[str, dt.date, dt.date]]) -> None:
    """A year entered by hand before the demo keeps its dates and gains the INSET days."""
    for _, start, end in spans:
        have = {c.date for c in calendar_service.list_closures(engine, start, end)}
        for day, closed in sorted(cal.closures.items()):
            if start <= day <= end and day not in have and closed == {"AM", "PM"}:
                calendar_service.add_closure(engine, SYSTEM_ACTOR, day, "DAY", "inset", "#",
                                             "INSET day")


# --- the generator -------------------------------------------------------------------


class _Generator(PeopleMaker, RegisterMaker):
    """The whole generator: people (demo_people) and register (demo_register) on one shared
    state (demo_model)."""
