"""The kiosk's rules shared by signing in and the office's lists: which session it is,
the mark for an arrival now, whether the session is open, which marks mean "in school",
who is on roll, and who is signed out today."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    AcademicYear,
    Closure,
    KioskEvent,
    Term,
)
from attendance_desktop.domain import codes, school_day
from attendance_desktop.domain.policy import LATE_BY_TIME, Policy
from attendance_desktop.services.school import policy_service


def on_roll_condition(day: dt.date):  # type: ignore[no-untyped-def]
    return queries.on_roll(day)


# --- time rules ---------------------------------------------------------------------


def _minute(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def session_at(policy: Policy, now: dt.datetime) -> str:
    """AM before the afternoon register may be marked, PM from then on."""
    return school_day.session_at(policy, now)


def code_for(policy: Policy, session: str, now: dt.datetime,
             reason_code: str = LATE_BY_TIME) -> tuple[str, int]:
    """The mark and minutes late for an arrival now (times compared to the minute).

    At or before the register starts: present. Then L until the register closes, U after;
    a reason with its own code (e.g. M) uses that code instead.
    """
    times = policy.session_times(session)
    arrived = now.hour * 60 + now.minute
    late = max(0, arrived - _minute(times.late_after))
    if arrived <= _minute(times.late_after):
        return codes.present_code(session), 0
    if reason_code != LATE_BY_TIME:
        return reason_code, late
    return ("L" if arrived <= _minute(times.closes) else "U"), late


def session_open(s: Session, day: dt.date, session: str) -> str:
    """'' when the session is open, else why not (for the kiosk to say)."""
    if day.weekday() >= 5:
        return "It is the weekend: the school is closed today."
    in_term = s.execute(select(func.count()).select_from(Term).where(
        col(Term.start_date) <= day, col(Term.end_date) >= day)).scalar_one()
    if not in_term:
        known = s.execute(select(func.count()).select_from(AcademicYear)).scalar_one()
        if not known:
            return "The school's term dates are not set up yet. Please see the office."
        return "It is a holiday: the school is closed today."
    closed = s.execute(select(col(Closure.session)).where(col(Closure.date) == day)).scalars().all()
    if "DAY" in closed:
        return "The school is closed today."
    if session in closed:
        part = "this morning" if session == "AM" else "this afternoon"
        return f"The school is closed {part}."
    return ""


def closed_message(engine: Engine, now: dt.datetime) -> str:
    """'' when the session now is open for sign-in, else what the kiosk should say."""
    with session_scope(engine) as s:
        pol = policy_service.read_policy(s)
        return session_open(s, now.date(), session_at(pol, now))


def in_school(code: str) -> bool:
    """Present, late (L or U) or on an approved activity: never overwritten by the kiosk."""
    found = codes.lookup(code)
    return found.category.attending or found.is_late


def signed_out_ids(engine: Engine, day: dt.date) -> frozenset[int]:
    """Pupils whose last out/back event today is 'out'."""
    start = dt.datetime.combine(day, dt.time())
    with session_scope(engine) as s:
        rows = s.execute(select(col(KioskEvent.pupil_id), col(KioskEvent.kind)).where(
            col(KioskEvent.at) >= start, col(KioskEvent.at) < start + dt.timedelta(days=1),
            col(KioskEvent.kind).in_(("out", "back")))
            .order_by(col(KioskEvent.at), col(KioskEvent.id))).all()
    last: dict[int, str] = {}
    for pid, kind in rows:
        last[pid] = kind
    return frozenset(p for p, k in last.items() if k == "out")
