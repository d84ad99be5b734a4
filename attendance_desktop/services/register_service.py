"""Writing marks. Every change to an existing mark leaves an append-only amendment row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from attendance_desktop.db.models import Mark, MarkAmendment
from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import CodeError
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import PermissionDenied, ServiceError

SOURCES = ("register", "kiosk", "leave", "closure", "import", "demo")


@dataclass(frozen=True, slots=True)
class MarkWrite:
    """What write_mark did: 'new', 'changed' or 'unchanged'."""

    outcome: str
    old_code: str
    new_code: str


def write_mark(s: Session, actor: Actor, pupil_id: int, day: dt.date, session: str, code: str,
               *, minutes_late: int | None = None, comment: str = "", source: str = "register",
               reason: str = "", after_close: bool = False,
               now: dt.datetime | None = None) -> MarkWrite:
    """Insert or change one mark inside the caller's transaction.

    Raises ServiceError for a bad code, a missing note, or a change after the register
    closed without a reason. Does not commit.
    """
    if session not in ("AM", "PM"):
        raise ServiceError(f"session must be AM or PM, not '{session}'")
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users cannot change the register")
    try:
        found = codes.validate(code, day)
        codes.check_note(found, comment)
    except CodeError as exc:
        raise ServiceError(str(exc)) from exc
    if minutes_late is not None and (minutes_late < 0 or not found.is_late):
        minutes_late = None if not found.is_late else max(0, minutes_late)
    when = now or dt.datetime.now()
    existing = s.exec(select(Mark).where(Mark.pupil_id == pupil_id, Mark.date == day,
                                         Mark.session == session)).first()
    if existing is None:
        s.add(Mark(pupil_id=pupil_id, date=day, session=session, code=found.code,
                   minutes_late=minutes_late, comment=comment, source=source,
                   entered_by=actor.name, entered_role=actor.role.value, entered_at=when))
        return MarkWrite("new", "", found.code)
    if (existing.code, existing.minutes_late, existing.comment) == (
            found.code, minutes_late, comment):
        return MarkWrite("unchanged", existing.code, found.code)
    if after_close and not actor.can_amend:
        raise PermissionDenied(
            f"the register has closed; {actor.role.label.lower()}s cannot amend it")
    if after_close and not reason.strip():
        raise ServiceError("the register has closed: an amendment needs a reason")
    s.add(MarkAmendment(
        pupil_id=pupil_id, date=day, session=session, old_code=existing.code,
        old_minutes_late=existing.minutes_late, old_comment=existing.comment,
        new_code=found.code, new_minutes_late=minutes_late, new_comment=comment,
        reason=reason.strip(), after_close=after_close, source=source, amended_at=when,
        staff_name=actor.name, staff_role=actor.role.value,
    ))
    old = existing.code
    existing.code = found.code
    existing.minutes_late = minutes_late
    existing.comment = comment
    existing.source = source
    existing.entered_by = actor.name
    existing.entered_role = actor.role.value
    existing.entered_at = when
    s.add(existing)
    return MarkWrite("changed", old, found.code)
