"""Shared by pupil_service and pupil_contacts: who may change pupil records, and a
pupil's row by id."""

from __future__ import annotations

from sqlmodel import Session

from attendance_desktop.db.models import Pupil
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import NotFound, PermissionDenied


def require_editor(actor: Actor) -> None:
    if not actor.can_edit_pupils:
        raise PermissionDenied(f"{actor.role.label} users cannot change pupil records")


def find_pupil(s: Session, pupil_id: int) -> Pupil:
    row = s.get(Pupil, pupil_id)
    if row is None:
        raise NotFound("that pupil's record no longer exists")
    return row
