"""Closures on the register. Closure marks are written when a closure is set: a planned
closure or INSET day when the calendar is saved (and, for pupils admitted since, when the
application starts), a closure decided on the day (snow: Y4) in one audited step. Viewing
the register never writes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db import queries
from attendance_desktop.db.models import Closure, Mark, SettingChange
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import SESSIONS, SchoolCalendar, england_bank_holidays
from attendance_desktop.domain.roles import SYSTEM_ACTOR, Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.register import register_facts, register_service
from attendance_desktop.services.register.register_service import BulkResult, MarkChange
from attendance_desktop.services.write_lock import run_write

EMERGENCY_CODES = ("Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "#")


def closure_day_problem(calendar: SchoolCalendar, day: dt.date, kind: str) -> str:
    """'' when a closure of this kind may go on `day`, else why not: a closure is only on
    a school day (a weekday in term), and an INSET day never on a bank holiday."""
    if day.weekday() >= 5:
        return f"{day:%A %d %B %Y} is a weekend day, not a school day"
    if not calendar.in_term(day):
        return f"{day:%A %d %B %Y} is in a holiday, not a school day"
    if kind == "inset":
        holiday = england_bank_holidays(day, day).get(day)
        if holiday:
            return f"{day:%A %d %B %Y} is a bank holiday ({holiday}), not an INSET day"
    return ""


def _on_roll_ids(s: Session, day: dt.date) -> list[int]:
    return queries.on_roll_ids(s, day)


def fill_closures(engine: Engine, start: dt.date, end: dt.date) -> int:
    """Write the closure code for every on-roll pupil on every term-time closure session in
    [start, end] that has no mark yet, in one transaction. Idempotent; returns how many
    marks it wrote (0 and no write when everything is filled)."""

    def work(s: Session) -> int:
        calendar = register_facts.calendar_in(s)
        closures = s.exec(select(Closure).where(Closure.date >= start,
                                                Closure.date <= end)).all()
        days = sorted({c.date for c in closures})
        if not days:
            return 0
        # Only the closure days' marks: reading the whole year's would cost most of a
        # second at every start.
        marked = {(p, d, ss) for p, d, ss in s.exec(select(
            col(Mark.pupil_id), col(Mark.date), col(Mark.session)).where(
                col(Mark.date).in_(days)))}
        wanted: list[MarkChange] = []
        for c in closures:
            if c.date.weekday() >= 5 or not calendar.in_term(c.date):
                continue
            for pid in _on_roll_ids(s, c.date):
                for sess in (SESSIONS if c.session == "DAY" else (c.session,)):
                    if (pid, c.date, sess) not in marked:
                        wanted.append(MarkChange(pid, c.date, sess, c.code,
                                                 comment=c.description if c.code == "Y7" else ""))
        if not wanted:
            return 0
        return register_service.apply_changes(s, SYSTEM_ACTOR, wanted, source="closure",
                                              only_empty=True).written

    return run_write(engine, work)


def emergency_closure(engine: Engine, actor: Actor, day: dt.date, session: str, code: str,
                      reason: str) -> BulkResult:
    """Close the school for a session ("AM"/"PM") or the day ("DAY") with a Y code (or #),
    and write that code for every on-roll pupil: one transaction, audited. Marks already
    entered are changed as amendments with the closure's reason. Only on a school day."""
    if not actor.can_amend:
        raise PermissionDenied("only office staff or the headteacher can record a closure")
    if session not in ("AM", "PM", "DAY"):
        raise ServiceError("choose the morning, the afternoon or the whole day")
    if code not in EMERGENCY_CODES:
        raise ServiceError(f"use one of {', '.join(EMERGENCY_CODES)} for a closure, not {code}")
    try:
        codes.validate(code, day)
    except codes.CodeError as exc:
        raise ServiceError(str(exc)) from exc
    reason = reason.strip()
    if not reason:
        raise ServiceError("write the reason for the closure (e.g. 'snow: site unsafe')")
    sessions = SESSIONS if session == "DAY" else (session,)

    def work(s: Session) -> BulkResult:
        calendar = register_facts.calendar_in(s)
        problem = closure_day_problem(calendar, day, "emergency")
        if problem:
            raise ServiceError(f"no closure recorded: {problem}")
        for sess in sessions:
            if not calendar.is_open(day, sess):
                raise ServiceError(f"{day:%a %d %b %Y} {sess} is already closed")
        s.add(Closure(date=day, session=session, kind="emergency", code=code,
                      description=reason, created_by=actor.name))
        s.add(SettingChange(area="calendar", key=f"closure {day} {session}",
                            new_value=f"emergency {code} {reason}", staff_name=actor.name,
                            staff_role=actor.role.value, changed_at=clock.now(s)))
        s.flush()
        changes = [MarkChange(pid, day, sess, code, comment=reason if code == "Y7" else "")
                   for pid in _on_roll_ids(s, day) for sess in sessions]
        return register_service.apply_changes(s, actor, changes, reason=f"Closure: {reason}",
                                              source="closure")

    return run_write(engine, work)
