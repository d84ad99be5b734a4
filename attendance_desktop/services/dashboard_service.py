"""Figures for the Today page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil, School
from attendance_desktop.services import calendar_service, policy_service, stats_service


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
            Pupil.admission_date <= today,
            (Pupil.leaving_date.is_(None)) | (Pupil.leaving_date >= today))).scalar_one()
        by_session = dict(s.execute(
            select(Mark.session, func.count()).where(Mark.date == today)
            .group_by(Mark.session)).all())
        n_today = s.execute(select(func.count()).select_from(Mark).where(
            Mark.date == today, Mark.code == "N")).scalar_one()
        late_today = s.execute(select(func.count()).select_from(Mark).where(
            Mark.date == today, Mark.code.in_(["L", "U"]))).scalar_one()
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
