"""The front-desk kiosk: late sign-in, sign out and back, and the pupils and classes it
shows (the rules it follows are in kiosk_rules, the office's lists in kiosk_office, the
exit PIN in kiosk_exit).

Every kiosk action is one transaction holding the write lock. Marks go through
register_service.apply_changes with source "kiosk" and the kiosk as the actor, so that
replacing an absence leaves an amendment; a present or late mark is never overwritten.
Sign-in, out and back happen now: the time is the application's clock (services.clock),
never a caller's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    KioskEvent,
    Mark,
    Pupil,
    School,
    SchoolClass,
)
from attendance_desktop.domain import codes
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock
from attendance_desktop.services.errors import ServiceError

# Names imported "as" themselves are re-exported: the kiosk window and office page import
# kiosk_service alone, lazily, so the quick start shows the kiosk before the database stack.
from attendance_desktop.services.kiosk.kiosk_exit import ExitGuard as ExitGuard
from attendance_desktop.services.kiosk.kiosk_exit import can_be_unlocked as can_be_unlocked
from attendance_desktop.services.kiosk.kiosk_office import early_leavers as early_leavers
from attendance_desktop.services.kiosk.kiosk_office import late_log as late_log
from attendance_desktop.services.kiosk.kiosk_office import on_site as on_site
from attendance_desktop.services.kiosk.kiosk_rules import closed_message as closed_message
from attendance_desktop.services.kiosk.kiosk_rules import (
    code_for,
    in_school,
    on_roll_condition,
    session_at,
    session_open,
)
from attendance_desktop.services.kiosk.kiosk_rules import signed_out_ids as signed_out_ids
from attendance_desktop.services.register import register_service
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.school import policy_service
from attendance_desktop.services.write_lock import PATIENT_WAIT_SECONDS, write_scope

KIOSK_ACTOR = Actor("Kiosk sign-in", Role.SYSTEM)


# --- what the kiosk shows ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KioskPupil:
    """Only what the picker may show: a name, class name and photo (no figures, no contacts)."""

    id: int
    forename: str
    surname: str
    class_id: int | None
    class_name: str
    photo_png: bytes | None

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def initials(self) -> str:
        return (self.forename[:1] + self.surname[:1]).upper()

    def matches(self, letters: str) -> bool:
        """First letters of the first name, the surname or the whole name."""
        want = " ".join(letters.lower().split())
        if not want:
            return True
        name = self.name.lower()
        return (name.startswith(want) or self.surname.lower().startswith(want)
                or any(part.startswith(want) for part in name.split()))


@dataclass(frozen=True, slots=True)
class KioskClass:
    id: int
    name: str


def list_pupils(engine: Engine, day: dt.date) -> tuple[KioskPupil, ...]:
    """Pupils on roll on `day`, sorted by first name then surname."""
    with session_scope(engine) as s:
        classes = dict(s.execute(select(col(SchoolClass.id), col(SchoolClass.name))).all())
        rows = s.execute(select(Pupil).where(on_roll_condition(day))).scalars().all()
        out = [KioskPupil(
            id=p.id, forename=p.preferred_forename or p.legal_forename,
            surname=p.preferred_surname or p.legal_surname, class_id=p.class_id,
            class_name=classes.get(p.class_id, "") if p.class_id is not None else "",
            photo_png=p.photo_png) for p in rows if p.id is not None]
    return tuple(sorted(out, key=lambda p: (p.forename.lower(), p.surname.lower())))


def school_name(engine: Engine) -> str:
    with session_scope(engine) as s:
        return s.execute(select(col(School.name)).order_by(col(School.id))).scalar() or ""


def list_classes(engine: Engine) -> tuple[KioskClass, ...]:
    with session_scope(engine) as s:
        rows = s.execute(select(col(SchoolClass.id), col(SchoolClass.name))
                         .order_by(col(SchoolClass.sort_order), col(SchoolClass.name))).all()
        return tuple(KioskClass(i, n) for i, n in rows)


def find(pupils: Iterable[KioskPupil], letters: str = "",
         class_id: int | None = None) -> list[KioskPupil]:
    return [p for p in pupils
            if (class_id is None or p.class_id == class_id) and p.matches(letters)]


# --- sign in ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KioskResult:
    """What happened, and a friendly message for the pupil (no codes or figures)."""

    outcome: str  # signed_in | already_in | see_office | back | out | closed | not_out |
    #               already_out
    pupil_name: str
    at: dt.datetime
    session: str
    message: str
    code: str = ""
    minutes_late: int = 0
    amended_from: str = ""


def _pupil(s: Session, pupil_id: int, day: dt.date) -> Pupil:
    pupil = s.get(Pupil, pupil_id)
    if pupil is None or not queries.is_on_roll(pupil.admission_date, pupil.leaving_date, day):
        raise ServiceError("that pupil is not on roll today; please see the office")
    return pupil


def _first(p: Pupil) -> str:
    return p.preferred_forename or p.legal_forename


def _full(p: Pupil) -> str:
    return f"{_first(p)} {p.preferred_surname or p.legal_surname}"


def _is_out(s: Session, pupil_id: int, day: dt.date) -> bool:
    start = dt.datetime.combine(day, dt.time())
    last = s.execute(select(col(KioskEvent.kind)).where(
        col(KioskEvent.pupil_id) == pupil_id, col(KioskEvent.at) >= start,
        col(KioskEvent.at) < start + dt.timedelta(days=1),
        col(KioskEvent.kind).in_(("out", "back")))
        .order_by(col(KioskEvent.at).desc(), col(KioskEvent.id).desc()).limit(1)).scalar()
    return last == "out"


def _arrived_today(s: Session, pupil_id: int, day: dt.date, session: str) -> bool:
    """Whether the kiosk already recorded this pupil's arrival for the session."""
    start = dt.datetime.combine(day, dt.time())
    return int(s.execute(select(func.count()).select_from(KioskEvent).where(
        col(KioskEvent.pupil_id) == pupil_id, col(KioskEvent.at) >= start,
        col(KioskEvent.at) < start + dt.timedelta(days=1), col(KioskEvent.session) == session,
        col(KioskEvent.kind).in_(("in", "late_in")))).scalar_one()) > 0


def sign_in(engine: Engine, pupil_id: int, reason: str, accompanied_by: str,
            policy: Policy | None = None) -> KioskResult:
    """Record an arrival now: the register mark and a KioskEvent in one transaction.

    `reason` is a label from policy.kiosk_reasons. An empty cell or N gets the arrival's
    mark (N replaced is an amendment recorded as the kiosk); any other mark is left alone
    ("already signed in"), and a second sign-in for the same session adds nothing.
    """
    with write_scope(engine, PATIENT_WAIT_SECONDS) as s:  # an import may hold it
        now = clock.now(s)
        day = now.date()
        pol = policy or policy_service.read_policy(s)
        reason_code = dict(pol.kiosk_reasons).get(reason)
        if reason_code is None:
            raise ServiceError(f"'{reason}' is not one of the school's kiosk reasons")
        pupil = _pupil(s, pupil_id, day)
        session = session_at(pol, now)
        closed = session_open(s, day, session)
        if closed:
            return KioskResult("closed", _full(pupil), now, session,
                               f"{closed} Nothing has been recorded.")
        existing = s.execute(select(col(Mark.code)).where(
            col(Mark.pupil_id) == pupil_id, col(Mark.date) == day,
            col(Mark.session) == session)).scalar()
        if _is_out(s, pupil_id, day) and (
                (existing is not None and in_school(existing))
                or _arrived_today(s, pupil_id, day, session)):
            s.add(KioskEvent(pupil_id=pupil_id, kind="back", at=now, session=session,
                             reason="Returned (signed in)", accompanied_by=accompanied_by))
            return KioskResult("back", _full(pupil), now, session,
                               f"Welcome back, {_first(pupil)}! You are signed back in"
                               f" at {now:%H:%M}.")
        if (existing is not None and in_school(existing)) or _arrived_today(
                s, pupil_id, day, session):
            return KioskResult("already_in", _full(pupil), now, session,
                               f"You are already signed in, {_first(pupil)}. "
                               "There is nothing more to do: please go to your class.")
        if existing not in (None, "N"):
            # The office recorded something else (e.g. I, M): the kiosk never changes it,
            # but the arrival is kept so the pupil is on the fire roll.
            s.add(KioskEvent(pupil_id=pupil_id, kind="in", at=now, session=session,
                             reason=reason, accompanied_by=accompanied_by.strip()))
            return KioskResult("see_office", _full(pupil), now, session,
                               f"Thank you, {_first(pupil)}. You are signed in at {now:%H:%M}."
                               " Please call at the office on your way to class.")
        code, late = code_for(pol, session, now, reason_code)
        register_service.apply_changes(
            s, KIOSK_ACTOR, [MarkChange(pupil_id, day, session, code, late,
                                        f"Kiosk {now:%H:%M}: {reason}",
                                        seen_code=existing or "")],
            source="kiosk", reason=f"Signed in at the kiosk at {now:%H:%M}")
        on_time = code == codes.present_code(session)  # before the register started
        s.add(KioskEvent(pupil_id=pupil_id, kind="in" if on_time else "late_in", at=now,
                         session=session, reason=reason, code=code, minutes_late=late,
                         accompanied_by=accompanied_by.strip()))
        when = "in time for the register" if on_time else "Please go to your class"
        return KioskResult("signed_in", _full(pupil), now, session,
                           f"Thank you, {_first(pupil)}. You are signed in at {now:%H:%M}"
                           f"{', ' if on_time else '. '}{when}.", code, late, existing or "")


# --- out and back -------------------------------------------------------------------


def sign_out(engine: Engine, pupil_id: int, reason: str, collected_by: str) -> KioskResult:
    """A pupil leaving now (reason, who collected them)."""
    if not reason.strip():
        raise ServiceError("choose a reason for leaving")
    if not collected_by.strip():
        raise ServiceError("say who is collecting the pupil")
    with write_scope(engine, PATIENT_WAIT_SECONDS) as s:
        now = clock.now(s)
        day = now.date()
        pol = policy_service.read_policy(s)
        pupil = _pupil(s, pupil_id, day)
        session = session_at(pol, now)
        if _is_out(s, pupil_id, day):
            return KioskResult("already_out", _full(pupil), now, session,
                               f"{_first(pupil)} is already signed out.")
        s.add(KioskEvent(pupil_id=pupil_id, kind="out", at=now, session=session,
                         reason=reason.strip(), accompanied_by=collected_by.strip()))
        return KioskResult("out", _full(pupil), now, session,
                           f"Goodbye, {_first(pupil)}. You are signed out at {now:%H:%M}.")


def sign_back(engine: Engine, pupil_id: int, accompanied_by: str = "") -> KioskResult:
    """A pupil who signed out today coming back now."""
    with write_scope(engine, PATIENT_WAIT_SECONDS) as s:
        now = clock.now(s)
        day = now.date()
        pol = policy_service.read_policy(s)
        pupil = _pupil(s, pupil_id, day)
        session = session_at(pol, now)
        if not _is_out(s, pupil_id, day):
            return KioskResult("not_out", _full(pupil), now, session,
                               f"{_first(pupil)} has not signed out today, so there is"
                               " nothing to do. Please go to your class.")
        s.add(KioskEvent(pupil_id=pupil_id, kind="back", at=now, session=session,
                         reason="Returned", accompanied_by=accompanied_by.strip()))
        return KioskResult("back", _full(pupil), now, session,
                           f"Welcome back, {_first(pupil)}! You are signed back in at"
                           f" {now:%H:%M}.")
