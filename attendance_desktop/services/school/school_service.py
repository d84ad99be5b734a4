"""School details, set-up state, and editing the calendar after it was created.

Every change is checked against the actor's role and recorded in SettingChange
(who, when, old and new value).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    AcademicYear,
    AssessmentPeriod,
    Closure,
    Mark,
    Pupil,
    School,
    SettingChange,
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
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError
from attendance_desktop.services.register import closure_service, register_service
from attendance_desktop.services.register.closure_service import closure_day_problem
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.write_lock import run_write

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_LOGO_BYTES = 2_000_000
DETAIL_FIELDS = ("name", "address", "postcode", "phone", "email", "urn", "local_authority",
                 "head_name", "attendance_lead_name")
FIELD_LABELS = {
    "name": "School name", "address": "Address", "postcode": "Postcode", "phone": "Phone",
    "email": "Email", "urn": "URN", "local_authority": "Local authority",
    "head_name": "Headteacher", "attendance_lead_name": "Attendance lead",
}


@dataclass(frozen=True, slots=True)
class SchoolDetails:
    name: str
    address: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    urn: str = ""
    local_authority: str = ""
    head_name: str = ""
    attendance_lead_name: str = ""
    logo_png: bytes | None = None


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    details: SchoolDetails
    is_demo: bool
    set_up_complete: bool


@dataclass(frozen=True, slots=True)
class AssessmentInfo:
    id: int
    name: str
    start: dt.date
    end: dt.date
    year_groups: str


def _record(s: Session, actor: Actor, area: str, key: str, old: str, new: str) -> None:
    s.add(SettingChange(area=area, key=key, old_value=old, new_value=new,
                        staff_name=actor.name, staff_role=actor.role.value))


def _need_settings(actor: Actor, what: str) -> None:
    if not actor.can_edit_settings:
        raise PermissionDenied(f"only the headteacher can {what}")


def _school_row(s: Session) -> School:
    row = s.exec(select(School).order_by(School.id)).first()
    if row is None:
        row = School(name="New school")
        s.add(row)
        s.flush()
    return row


# --- school details ---------------------------------------------------------------


def get_school(engine: Engine) -> SchoolInfo:
    with session_scope(engine) as s:
        row = _school_row(s)
        details = SchoolDetails(**{f: getattr(row, f) for f in DETAIL_FIELDS},
                                logo_png=row.logo_png)
        return SchoolInfo(details, row.is_demo, row.set_up_complete)


def detail_problems(details: SchoolDetails) -> list[str]:
    """What is wrong with the details, field by field (empty when they can be saved)."""
    out = []
    if not details.name.strip():
        out.append("School name: enter the school's name")
    urn = details.urn.strip()
    if urn and not (len(urn) == 6 and urn.isdigit()):
        out.append(f"URN: '{urn}' is not a URN; a URN is 6 digits, like 123456")
    if details.email.strip() and "@" not in details.email:
        out.append(f"Email: '{details.email.strip()}' is not an email address")
    if details.logo_png is not None:
        if not details.logo_png.startswith(PNG_SIGNATURE):
            out.append("Logo: the logo must be stored as a PNG image")
        elif len(details.logo_png) > MAX_LOGO_BYTES:
            out.append("Logo: the image is larger than 2 MB; choose a smaller one")
    return out


def save_school(engine: Engine, actor: Actor, details: SchoolDetails) -> list[str]:
    """Validate and store the school's details; returns the changed fields (each recorded)."""
    _need_settings(actor, "change the school's details")
    problems = detail_problems(details)
    if problems:
        raise ServiceError("; ".join(problems))
    clean = dataclasses.replace(details, **{f: getattr(details, f).strip()
                                            for f in DETAIL_FIELDS})
    changed: list[str] = []
    with session_scope(engine) as s:
        row = _school_row(s)
        for f in DETAIL_FIELDS:
            old, new = getattr(row, f), getattr(clean, f)
            if old != new:
                changed.append(f)
                _record(s, actor, "school", f, old, new)
                setattr(row, f, new)
        if row.logo_png != clean.logo_png:
            changed.append("logo_png")
            _record(s, actor, "school", "logo",
                    "image" if row.logo_png else "", "image" if clean.logo_png else "")
            row.logo_png = clean.logo_png
        s.add(row)
    return changed


def needs_setup(engine: Engine) -> bool:
    """A brand-new database: no pupils and the set-up wizard never finished."""
    with session_scope(engine) as s:
        pupils = s.exec(select(func.count()).select_from(Pupil)).one()
        return pupils == 0 and not _school_row(s).set_up_complete


def complete_setup(engine: Engine, actor: Actor) -> None:
    _need_settings(actor, "finish setting up the school")
    with session_scope(engine) as s:
        row = _school_row(s)
        if not row.set_up_complete:
            row.set_up_complete = True
            s.add(row)
            _record(s, actor, "school", "set_up_complete", "false", "true")


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
    _need_settings(actor, "set term dates")
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
            _record(s, actor, "calendar", f"year {dates.year_name}", "",
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
                        _record(s, actor, "calendar", f"{dates.year_name} {half.name}", "", text)
                elif (old.start_date, old.end_date) != (half.start, half.end):
                    _record(s, actor, "calendar", f"{dates.year_name} {half.name}",
                            f"{old.start_date} to {old.end_date}", text)
                    old.start_date, old.end_date, old.term_name = half.start, half.end, term.name
                    s.add(old)
        for name, old in old_terms.items():
            if name not in new_names:
                _record(s, actor, "calendar", f"{dates.year_name} {name}",
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
                _record(s, actor, "calendar", f"closure {day} DAY", "", "inset # INSET day")
        for day in old_insets - set(insets):
            s.delete(existing[(day, "DAY")])
            _record(s, actor, "calendar", f"closure {day} DAY", "inset # INSET day", "")
        year_id = year.id
    _refresh_closure_marks(engine, actor, lo, hi)
    return year_id


def remove_closure(engine: Engine, actor: Actor, day: dt.date, session: str = "DAY") -> None:
    _need_settings(actor, "change closures")
    with session_scope(engine) as s:
        row = s.exec(select(Closure).where(Closure.date == day,
                                           Closure.session == session)).first()
        if row is None:
            raise NotFound(f"there is no closure on {day:%d %b %Y} ({session})")
        _record(s, actor, "calendar", f"closure {day} {session}",
                f"{row.kind} {row.code} {row.description}".strip(), "")
        s.delete(row)
    _refresh_closure_marks(engine, actor, day, day)


def add_closure(engine: Engine, actor: Actor, day: dt.date, session: str = "DAY",
                kind: str = "planned", description: str = "") -> None:
    """A planned closure or INSET day (code '#'), recorded; refuses a duplicate."""
    _need_settings(actor, "plan closures")
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
        _record(s, actor, "calendar", f"closure {day} {session}", "",
                f"{kind} # {description}".strip())
    _refresh_closure_marks(engine, actor, day, day)


def list_assessment_periods(engine: Engine) -> list[AssessmentInfo]:
    with session_scope(engine) as s:
        rows = s.exec(select(AssessmentPeriod).order_by(AssessmentPeriod.start_date)).all()
        return [AssessmentInfo(r.id, r.name, r.start_date, r.end_date, r.year_groups)
                for r in rows if r.id is not None]


def add_assessment_period(engine: Engine, actor: Actor, name: str, start: dt.date,
                          end: dt.date, year_groups: str = "") -> int:
    _need_settings(actor, "enter assessment periods")
    if not name.strip():
        raise ServiceError("give the assessment period a name, like 'KS2 tests'")
    if end < start:
        raise ServiceError(f"{name}: the last day is before the first")
    with session_scope(engine) as s:
        row = AssessmentPeriod(name=name.strip(), start_date=start, end_date=end,
                               year_groups=year_groups.replace(" ", ""))
        s.add(row)
        s.flush()
        _record(s, actor, "calendar", f"assessment {name.strip()}", "",
                f"{start} to {end} {row.year_groups}".strip())
        assert row.id is not None
        return row.id


def remove_assessment_period(engine: Engine, actor: Actor, period_id: int) -> None:
    _need_settings(actor, "change assessment periods")
    with session_scope(engine) as s:
        row = s.get(AssessmentPeriod, period_id)
        if row is None:
            raise NotFound("that assessment period no longer exists")
        _record(s, actor, "calendar", f"assessment {row.name}",
                f"{row.start_date} to {row.end_date} {row.year_groups}".strip(), "")
        s.delete(row)


@dataclass(frozen=True, slots=True)
class ChangeInfo:
    at: dt.datetime
    area: str
    key: str
    old: str
    new: str
    staff_name: str
    staff_role: str


def recent_changes(engine: Engine, area: str | None = None, limit: int = 200) -> list[ChangeInfo]:
    """The settings change log, newest first."""
    with session_scope(engine) as s:
        q = select(SettingChange).order_by(SettingChange.id.desc()).limit(limit)  # type: ignore[union-attr]
        if area:
            q = q.where(SettingChange.area == area)
        return [ChangeInfo(r.changed_at, r.area, r.key, r.old_value, r.new_value,
                           r.staff_name, r.staff_role) for r in s.exec(q)]
