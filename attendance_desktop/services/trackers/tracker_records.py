"""What every tracker record needs: the role checks, the pupil, the time from the
application clock, and the append-only event row with who and when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import Session

from attendance_desktop.db.models import Pupil, TrackerEvent
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, PermissionDenied


def need_staff(actor: Actor) -> None:
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users cannot record tracker steps")


def need_head(actor: Actor, what: str) -> None:
    if not actor.can_decide_leave:  # the head (or the system) decides escalation
        raise PermissionDenied(f"only the headteacher can {what}")


def get_pupil(s: Session, pupil_id: int) -> Pupil:
    p = s.get(Pupil, pupil_id)
    if p is None:
        raise NotFound(f"there is no pupil with id {pupil_id}")
    return p


def add_event(s: Session, actor: Actor, pupil_id: int, tracker: str, kind: str, value: str,
              details: str, now: dt.datetime, due: dt.date | None = None) -> None:
    s.add(TrackerEvent(pupil_id=pupil_id, tracker=tracker, kind=kind, value=value,
                       details=details.strip(), due_date=due, at=now, staff_name=actor.name,
                       staff_role=actor.role.value))


def record_time(engine: Engine, now: dt.datetime | None = None) -> dt.datetime:
    """The time a step is recorded: the application clock unless a caller's (older
    callers pass the GUI's clock, which is the same one)."""
    return now or clock.now(engine)
