"""The Today page: figures, registers still to take, absences to chase, old N codes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    CallLog,
    Contact,
    Mark,
    Pupil,
    PupilContact,
    School,
    SchoolClass,
    Staff,
)
from attendance_desktop.domain import escalation, school_day
from attendance_desktop.domain.calendar import SchoolCalendar
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.register import register_service
from attendance_desktop.services.register.register_service import CellMark, MarkChange
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.school.calendar_service import read_calendar
from attendance_desktop.services.school.policy_service import read_policy
from attendance_desktop.services.write_lock import run_write


@dataclass(frozen=True, slots=True)
class TodaySummary:
    school_name: str
    is_demo: bool
    today: dt.date
    is_school_day: bool
    on_roll: int
    year_from: dt.date | None
    year_attendance_pct: float | None
    persistent: int
    severe: int
    n_today: int
    late_today: int
    unmarked_am: int
    unmarked_pm: int


def today_summary(engine: Engine, today: dt.date) -> TodaySummary:
    policy = policy_service.load_policy(engine)
    calendar = calendar_service.load_calendar(engine)
    year = calendar_service.year_containing(engine, today)
    with session_scope(engine) as s:
        school = s.execute(select(School)).scalars().first()
        on_roll = s.execute(select(func.count()).select_from(Pupil).where(
            queries.on_roll(today))).scalar_one()
        by_session = dict(s.execute(
            select(Mark.session, func.count()).where(Mark.date == today)
            .group_by(Mark.session)).all())
        n_today = s.execute(select(func.count()).select_from(Mark).where(
            Mark.date == today, Mark.code == "N")).scalar_one()
        late_today = s.execute(select(func.count()).select_from(Mark).where(
            Mark.date == today, col(Mark.code).in_(["L", "U"]))).scalar_one()
    pct = None
    persistent = severe = 0
    if year is not None:
        counts = stats_service.totals(engine, year.start, today, with_codes=False)
        pct = counts.attendance_pct_1dp()
        for p in stats_service.per_pupil(engine, year.start, today):
            persistent += p.counts.persistent(policy.persistent_absence_pct)
            severe += p.counts.severe(policy.severe_absence_pct)
    open_day = calendar.is_school_day(today)
    return TodaySummary(
        school_name=school.name if school else "",
        is_demo=bool(school and school.is_demo),
        today=today,
        is_school_day=open_day,
        on_roll=on_roll,
        year_from=year.start if year else None,
        year_attendance_pct=pct,
        persistent=persistent,
        severe=severe,
        n_today=n_today,
        late_today=late_today,
        unmarked_am=max(0, on_roll - by_session.get("AM", 0)) if calendar.is_open(today, "AM")
        else 0,
        unmarked_pm=max(0, on_roll - by_session.get("PM", 0)) if calendar.is_open(today, "PM")
        else 0,
    )


# --- the Today board: registers to take, absences to chase, overdue N codes ----------------

CALL_OUTCOMES = ("no answer", "message left", "reason given", "call back later",
                 "wrong number", "spoke to parent: no reason yet")


@dataclass(frozen=True, slots=True)
class ClassRegister:
    class_id: int | None
    class_name: str
    teacher: str
    on_roll: int
    marked: int

    @property
    def missing(self) -> int:
        return self.on_roll - self.marked


@dataclass(frozen=True, slots=True)
class ContactPhone:
    contact_id: int
    name: str
    relationship: str
    priority: int
    phones: tuple[tuple[str, str], ...]  # (kind, number) for mobile, home, work


@dataclass(frozen=True, slots=True)
class CallInfo:
    at: dt.datetime
    staff_name: str
    contact_name: str
    method: str
    outcome: str
    notes: str


@dataclass(frozen=True, slots=True)
class Absentee:
    pupil_id: int
    name: str
    class_name: str
    code: str  # "" = no mark yet, or "N"
    contacts: tuple[ContactPhone, ...]
    calls: tuple[CallInfo, ...]  # today's calls, oldest first


@dataclass(frozen=True, slots=True)
class OverdueN:
    pupil_id: int
    name: str
    class_name: str
    day: dt.date
    session: str
    school_days: int  # school days since the session
    deadline: dt.date | None = None  # the last school day it may stay N
    overdue: bool = True  # past the deadline: change it (to O if no reason came)


@dataclass(frozen=True, slots=True)
class TodayBoard:
    day: dt.date
    session: str  # the current session, AM or PM
    session_open: bool  # False on weekends, holidays and closures
    closes: dt.time
    registers: tuple[ClassRegister, ...]  # classes whose register is not complete
    absentees: tuple[Absentee, ...]
    overdue: tuple[OverdueN, ...]
    n_limit: int
    contact_by: dt.time  # policy: first-day calls to families made by this time


def current_session(policy: Policy, now: dt.datetime) -> str:
    return school_day.session_at(policy, now)


def _name(p: Pupil) -> str:
    return f"{p.legal_surname}, {p.preferred_forename or p.legal_forename}"


def load_board(engine: Engine, now: dt.datetime) -> TodayBoard:
    """Everything the Today board shows, for the current session at `now`."""
    with session_scope(engine) as s:
        return _board(s, now)


def _board(s: Session, now: dt.datetime) -> TodayBoard:
    policy = read_policy(s)
    calendar = read_calendar(s)
    day = now.date()
    session = current_session(policy, now)
    is_open = calendar.is_open(day, session)
    classes = {c.id: c for c in s.exec(select(SchoolClass))}
    staff = {st.id: st.name for st in s.exec(select(Staff))}
    pupils = list(s.exec(select(Pupil).where(queries.on_roll(day))))
    marks: dict[int | None, str] = dict(s.exec(select(col(Mark.pupil_id), col(Mark.code)).where(
        Mark.date == day, Mark.session == session)).all())
    registers: list[ClassRegister] = []
    absentees: list[Absentee] = []
    if is_open:
        by_class: dict[int | None, list[Pupil]] = {}
        for p in pupils:
            by_class.setdefault(p.class_id, []).append(p)
        for cid, members in by_class.items():
            marked = sum(1 for p in members if p.id in marks)
            if marked < len(members):
                c = classes.get(cid)
                registers.append(ClassRegister(
                    cid, c.name if c else "(no class)",
                    staff.get(c.teacher_id, "") if c and c.teacher_id else "",
                    len(members), marked))
        registers.sort(key=lambda r: (classes[r.class_id].sort_order if r.class_id in classes
                                      else 10**6, r.class_name))
        chase = [p for p in pupils if marks.get(p.id, "") in ("", "N")]
        contacts = _contacts(s, [p.id for p in chase if p.id is not None])
        calls = _calls(s, [p.id for p in chase if p.id is not None], day)
        for p in sorted(chase, key=lambda p: (marks.get(p.id, "") != "N", _name(p))):
            assert p.id is not None
            absentees.append(Absentee(
                p.id, _name(p), classes[p.class_id].name if p.class_id in classes else "",
                marks.get(p.id, ""), contacts.get(p.id, ()), calls.get(p.id, ())))
    overdue = _overdue(s, policy, calendar, day, classes)
    return TodayBoard(day, session, is_open, policy.session_times(session).closes,
                      tuple(registers), tuple(absentees), tuple(overdue),
                      policy.n_code_limit_school_days, policy.first_day_contact_by)


def _contacts(s: Session, pupil_ids: list[int]) -> dict[int, tuple[ContactPhone, ...]]:
    out: dict[int, list[ContactPhone]] = {}
    if not pupil_ids:
        return {}
    rows = s.exec(select(PupilContact, Contact).join(
        Contact, Contact.id == PupilContact.contact_id)  # type: ignore[arg-type]
        .where(PupilContact.pupil_id.in_(pupil_ids))  # type: ignore[attr-defined]
        .order_by(col(PupilContact.priority)))
    for link, c in rows:
        assert c.id is not None
        phones = tuple((kind, number) for kind, number in (
            ("mobile", c.phone_mobile), ("home", c.phone_home), ("work", c.phone_work))
            if number)
        name = " ".join(x for x in (c.title, c.forename, c.surname) if x)
        out.setdefault(link.pupil_id, []).append(
            ContactPhone(c.id, name, link.relationship, link.priority, phones))
    return {k: tuple(v) for k, v in out.items()}


def _calls(s: Session, pupil_ids: list[int], day: dt.date) -> dict[int, tuple[CallInfo, ...]]:
    if not pupil_ids:
        return {}
    start = dt.datetime.combine(day, dt.time())
    names = {c.id: " ".join(x for x in (c.forename, c.surname) if x)
             for c in s.exec(select(Contact))}
    out: dict[int, list[CallInfo]] = {}
    for c in s.exec(select(CallLog).where(
            CallLog.pupil_id.in_(pupil_ids),  # type: ignore[attr-defined]
            CallLog.called_at >= start,
            CallLog.called_at < start + dt.timedelta(days=1)).order_by(col(CallLog.called_at))):
        out.setdefault(c.pupil_id, []).append(CallInfo(
            c.called_at, c.staff_name, names.get(c.contact_id, "") if c.contact_id else "",
            c.method, c.outcome, c.notes))
    return {k: tuple(v) for k, v in out.items()}


def _overdue(s: Session, policy: Policy, calendar: SchoolCalendar, today: dt.date,
             classes: dict[int | None, SchoolClass]) -> list[OverdueN]:
    """Every N before today with the last school day it may stay N; the overdue ones (past
    that day: more than the limit of school days after the session) first."""
    limit = policy.n_code_limit_school_days
    rows = s.exec(select(Mark, Pupil).join(Pupil, Pupil.id == Mark.pupil_id)  # type: ignore[arg-type]
                  .where(Mark.code == "N", Mark.date < today)
                  .order_by(col(Mark.date), col(Mark.session))).all()
    out = []
    for m, p in rows:
        days = len(calendar.school_days(m.date + dt.timedelta(days=1), today))
        deadline = escalation.n_deadline(calendar.add_school_days, m.date, limit)
        late = escalation.NAge(m.date, m.session, deadline).overdue(today)
        out.append(OverdueN(m.pupil_id, _name(p), classes[p.class_id].name
                            if p.class_id in classes else "", m.date, m.session, days,
                            deadline, late))
    out.sort(key=lambda o: not o.overdue)  # stable: oldest first within each
    return out


def call_history(engine: Engine, pupil_id: int, days: int = 30,
                 now: dt.datetime | None = None) -> list[CallInfo]:
    """A pupil's calls over the last `days` days, newest first."""
    since = (now or clock.now(engine)) - dt.timedelta(days=days)
    with session_scope(engine) as s:
        names = {c.id: " ".join(x for x in (c.forename, c.surname) if x)
                 for c in s.exec(select(Contact))}
        return [CallInfo(c.called_at, c.staff_name,
                         names.get(c.contact_id, "") if c.contact_id else "", c.method,
                         c.outcome, c.notes)
                for c in s.exec(select(CallLog).where(CallLog.pupil_id == pupil_id,
                                                      CallLog.called_at >= since)
                                .order_by(CallLog.called_at.desc()))]  # type: ignore[attr-defined]


def log_call(engine: Engine, actor: Actor, pupil_id: int, contact_id: int | None,
             outcome: str, notes: str = "", method: str = "phone", *,
             now: dt.datetime) -> None:
    """Record a contact attempt with a family."""
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users cannot log calls")
    outcome = outcome.strip()
    if not outcome:
        raise ServiceError("choose the outcome of the call (e.g. 'no answer')")
    with session_scope(engine) as s:
        if s.get(Pupil, pupil_id) is None:
            raise ServiceError(f"pupil {pupil_id} does not exist")
        if contact_id is not None:
            link = s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id,
                                                     PupilContact.contact_id == contact_id)
                          ).first()
            if link is None:
                raise ServiceError("that contact is not linked to this pupil")
        s.add(CallLog(pupil_id=pupil_id, contact_id=contact_id, called_at=now, method=method,
                      outcome=outcome, notes=notes.strip(), staff_name=actor.name))


def resolve_absence(engine: Engine, actor: Actor, pupil_id: int, day: dt.date, session: str,
                    code: str, reason: str, comment: str = "") -> CellMark:
    """One step from N (or no mark) to the right code once the reason is known: the change
    is recorded with the reason (an amendment once the register has closed). A cell that
    someone has meanwhile given another code is refused with MarkConflict."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("write the reason the family gave (e.g. 'Mum rang: sickness bug')")
    if code.strip().upper() == "N":
        raise ServiceError("choose the code that matches the reason, not N")

    def work(s: Session) -> CellMark:
        now_code = s.exec(select(Mark.code).where(
            Mark.pupil_id == pupil_id, Mark.date == day, Mark.session == session)).first()
        seen = now_code if now_code in (None, "N") else "N"
        return register_service.apply_changes(s, actor, [MarkChange(
            pupil_id, day, session, code, comment=comment or "", seen_code=seen or "")],
            reason=reason).cells[0]

    return run_write(engine, work)


def convert_overdue_to_o(engine: Engine, actor: Actor,
                         cells: list[tuple[int, dt.date, str]]) -> int:
    """Change old N marks to O in one audited step; returns how many changed."""
    if not actor.can_amend:
        raise PermissionDenied("only office staff or the headteacher can change N to O")

    def work(s: Session) -> int:
        policy = read_policy(s)
        reason = (f"No reason received within {policy.n_code_limit_school_days} school days:"
                  " N changed to O")
        current = {(m.pupil_id, m.date, m.session): m.code for m in s.exec(select(Mark).where(
            Mark.code == "N"))}
        calendar = read_calendar(s)
        today = clock.now(s).date()
        limit = policy.n_code_limit_school_days

        def late(d: dt.date, ss: str) -> bool:  # one still in time may yet get its reason
            deadline = escalation.n_deadline(calendar.add_school_days, d, limit)
            return escalation.NAge(d, ss, deadline).overdue(today)

        changes = [MarkChange(p, d, ss, "O", seen_code="N") for p, d, ss in cells
                   if current.get((p, d, ss)) == "N" and late(d, ss)]
        return register_service.apply_changes(s, actor, changes, reason=reason).written

    return run_write(engine, work)
