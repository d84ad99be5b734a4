"""Closures on the register: planned closures fill automatically; a closure decided on the
day (snow: Y4) is applied to every pupil in one audited step."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Closure, Mark, Pupil, SettingChange
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import SESSIONS
from attendance_desktop.domain.roles import SYSTEM_ACTOR, Actor
from attendance_desktop.services import register_service
from attendance_desktop.services.calendar_service import read_calendar
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.register_service import BulkResult, MarkChange

EMERGENCY_CODES = ("Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7", "#")


def _on_roll_ids(s: Session, day: dt.date) -> list[int]:
    return [p for p in s.exec(select(Pupil.id).where(
        Pupil.admission_date <= day).where(
        col(Pupil.leaving_date).is_(None) | (col(Pupil.leaving_date) >= day)))
        if p is not None]


def fill_closures(engine: Engine, start: dt.date, end: dt.date, *, now: dt.datetime) -> int:
    """Write the closure code for every on-roll pupil on every term-time closure session in
    [start, end] that has no mark yet. Idempotent; returns how many marks it wrote."""
    with session_scope(engine) as s:
        calendar = read_calendar(s)
        closures = s.exec(select(Closure).where(Closure.date >= start,
                                                Closure.date <= end)).all()
        wanted: list[MarkChange] = []
        marked = {(p, d, ss) for p, d, ss in s.exec(select(
            col(Mark.pupil_id), col(Mark.date), col(Mark.session)).where(
                Mark.date >= start, Mark.date <= end, Mark.source == "closure"))}
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
        done = register_service.apply_marks_in(s, SYSTEM_ACTOR, wanted, now=now,
                                               source="closure", only_empty=True)
        return done.written


def emergency_closure(engine: Engine, actor: Actor, day: dt.date, session: str, code: str,
                      reason: str, *, now: dt.datetime) -> BulkResult:
    """Close the school for a session ("AM"/"PM") or the day ("DAY") with a Y code (or #),
    and write that code for every on-roll pupil: one transaction, audited. Marks already
    entered are changed as amendments with the closure's reason."""
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
    with session_scope(engine) as s:
        calendar = read_calendar(s)
        for sess in sessions:
            if not calendar.is_open(day, sess):
                raise ServiceError(
                    f"{day:%a %d %b %Y} {sess} is already closed or not a school session")
        s.add(Closure(date=day, session=session, kind="emergency", code=code,
                      description=reason, created_by=actor.name))
        s.add(SettingChange(area="calendar", key=f"closure {day} {session}",
                            new_value=f"emergency {code} {reason}", staff_name=actor.name,
                            staff_role=actor.role.value))
        s.flush()
        changes = [MarkChange(pid, day, sess, code, comment=reason if code == "Y7" else "")
                   for pid in _on_roll_ids(s, day) for sess in sessions]
        return register_service.apply_marks_in(
            s, actor, changes, now=now, reason=f"Closure: {reason}", source="closure")
