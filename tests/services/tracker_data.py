"""Small hand-made data for the tracker tests (synthetic names)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import delete, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, Mark, Pupil, PupilContact, SchoolClass
from attendance_desktop.services.school import calendar_service

D = dt.date
ON = D(2025, 11, 20)  # Thursday, Autumn 2
NOW = dt.datetime(2025, 11, 20, 10, 0)


DOB = D(2017, 5, 1)


def add_pupil(engine, fore: str, sur: str, upn: str, dob: dt.date = DOB,  # type: ignore[no-untyped-def]
              cls: str = "Oak") -> int:
    with session_scope(engine) as s:
        c = s.exec(select(SchoolClass).where(SchoolClass.name == cls)).first()
        if c is None:
            c = SchoolClass(name=cls)
            s.add(c)
            s.flush()
        p = Pupil(upn=upn, legal_forename=fore, legal_surname=sur, dob=dob, year_group="3",
                  class_id=c.id, admission_date=D(2021, 9, 1))
        s.add(p)
        s.flush()
        return p.id


def add_parent(engine, pupil_id: int, fore: str = "Pat", sur: str = "Example") -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        c = Contact(forename=fore, surname=sur)
        s.add(c)
        s.flush()
        s.add(PupilContact(pupil_id=pupil_id, contact_id=c.id, relationship="Mother"))
        return c.id


def school_days(engine, start: dt.date, end: dt.date) -> list[dt.date]:  # type: ignore[no-untyped-def]
    return calendar_service.load_calendar(engine).school_days(start, end)


def fill(engine, pupil_id: int, start: dt.date, end: dt.date, code: str = "/",  # type: ignore[no-untyped-def]
         sessions: tuple[str, ...] = ("AM", "PM")) -> int:
    """Set the same code on every open session between two dates; returns sessions set."""
    n = 0
    with session_scope(engine) as s:
        s.execute(delete(Mark).where(Mark.pupil_id == pupil_id, Mark.date >= start,
                                     Mark.date <= end, Mark.session.in_(sessions)))
        for day in school_days(engine, start, end):
            for sess in sessions:
                c = code if code != "/" or sess == "AM" else "\\"
                s.add(Mark(pupil_id=pupil_id, date=day, session=sess, code=c,
                           minutes_late=5 if c == "L" else None, source="demo"))
                n += 1
    return n
