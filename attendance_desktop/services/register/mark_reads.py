"""Reading the register: one cell, its history, and the amendments between two dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, MarkAmendment, Pupil, SchoolClass
from attendance_desktop.services.register.register_service import CellMark


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    old_code: str
    old_minutes_late: int | None
    old_comment: str
    new_code: str
    new_minutes_late: int | None
    new_comment: str
    reason: str
    after_close: bool
    source: str
    staff_name: str
    staff_role: str


def _read_cell(s: Session, pupil_id: int, day: dt.date, session: str) -> CellMark:
    m = s.exec(select(Mark).where(Mark.pupil_id == pupil_id, Mark.date == day,
                                  Mark.session == session)).first()
    if m is None:
        return CellMark(pupil_id, day, session, "", None, "", "", "", "", None)
    return CellMark(pupil_id, day, session, m.code, m.minutes_late, m.comment, m.source,
                    m.entered_by, m.entered_role, m.entered_at)


def read_cell(engine: Engine, pupil_id: int, day: dt.date, session: str) -> CellMark:
    with session_scope(engine) as s:
        return _read_cell(s, pupil_id, day, session)


def cell_history(engine: Engine, pupil_id: int, day: dt.date,
                 session: str) -> list[HistoryEntry]:
    """Every recorded change to one cell, oldest first."""
    with session_scope(engine) as s:
        rows = s.exec(select(MarkAmendment).where(
            MarkAmendment.pupil_id == pupil_id, MarkAmendment.date == day,
            MarkAmendment.session == session).order_by(col(MarkAmendment.id))).all()
        return [HistoryEntry(r.amended_at, r.old_code, r.old_minutes_late, r.old_comment,
                             r.new_code, r.new_minutes_late, r.new_comment, r.reason,
                             r.after_close, r.source, r.staff_name, r.staff_role) for r in rows]


@dataclass(frozen=True, slots=True)
class AmendmentRow:
    at: dt.datetime
    pupil_id: int
    pupil_name: str
    class_name: str
    day: dt.date
    session: str
    old_code: str
    new_code: str
    old_detail: str
    new_detail: str
    reason: str
    after_close: bool
    staff_name: str
    staff_role: str


def _detail(minutes: int | None, comment: str) -> str:
    parts = []
    if minutes is not None:
        parts.append(f"{minutes} min late")
    if comment:
        parts.append(comment)
    return "; ".join(parts)


def amendments_between(engine: Engine, start: dt.date, end: dt.date, *,
                       after_close_only: bool = True) -> list[AmendmentRow]:
    """Changes to marks for sessions from start to end (inclusive), in date order."""
    with session_scope(engine) as s:
        q = (select(MarkAmendment, Pupil, SchoolClass)
             .join(Pupil, Pupil.id == MarkAmendment.pupil_id)  # type: ignore[arg-type]
             .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)  # type: ignore[arg-type]
             .where(MarkAmendment.date >= start, MarkAmendment.date <= end)
             .order_by(col(MarkAmendment.date), col(MarkAmendment.session),
                       col(MarkAmendment.id)))
        if after_close_only:
            q = q.where(MarkAmendment.after_close)
        out = []
        for a, p, c in s.exec(q):
            out.append(AmendmentRow(
                a.amended_at, a.pupil_id,
                f"{p.legal_surname}, {p.preferred_forename or p.legal_forename}",
                c.name if c else "", a.date, a.session, a.old_code, a.new_code,
                _detail(a.old_minutes_late, a.old_comment),
                _detail(a.new_minutes_late, a.new_comment), a.reason, a.after_close,
                a.staff_name, a.staff_role))
        return out
