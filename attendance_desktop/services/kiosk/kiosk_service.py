"""The front-desk kiosk: late sign-in, sign out and back, who is on site, the late log.

Every kiosk action is one transaction holding the write lock. Marks go through
register_service.apply_changes with source "kiosk" and the kiosk as the actor, so that
replacing an absence leaves an amendment; a present or late mark is never overwritten.
Sign-in, out and back happen now: the time is the application's clock (services.clock),
never a caller's.
"""

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
    AcademicYear,
    Closure,
    KioskEvent,
    KioskGuard,
    Mark,
    Pupil,
    School,
    SchoolClass,
    Staff,
    Term,
)
from attendance_desktop.domain import codes, school_day
from attendance_desktop.domain.policy import LATE_BY_TIME, Policy
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import register_service
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.school import auth_service, policy_service
from attendance_desktop.services.write_lock import PATIENT_WAIT_SECONDS, write_scope

KIOSK_ACTOR = Actor("Kiosk sign-in", Role.SYSTEM)
EXIT_ROLES = frozenset({Role.OFFICE, Role.HEAD, Role.TEACHER})


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


def _on_roll(day: dt.date):  # type: ignore[no-untyped-def]
    return queries.on_roll(day)


def list_pupils(engine: Engine, day: dt.date) -> tuple[KioskPupil, ...]:
    """Pupils on roll on `day`, sorted by first name then surname."""
    with session_scope(engine) as s:
        classes = dict(s.execute(select(col(SchoolClass.id), col(SchoolClass.name))).all())
        rows = s.execute(select(Pupil).where(_on_roll(day))).scalars().all()
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


def _session_open(s: Session, day: dt.date, session: str) -> str:
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
        return _session_open(s, now.date(), session_at(pol, now))


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


def _in_school(code: str) -> bool:
    """Present, late (L or U) or on an approved activity: never overwritten by the kiosk."""
    found = codes.lookup(code)
    return found.category.attending or found.is_late


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
        closed = _session_open(s, day, session)
        if closed:
            return KioskResult("closed", _full(pupil), now, session,
                               f"{closed} Nothing has been recorded.")
        existing = s.execute(select(col(Mark.code)).where(
            col(Mark.pupil_id) == pupil_id, col(Mark.date) == day,
            col(Mark.session) == session)).scalar()
        if _is_out(s, pupil_id, day) and (
                (existing is not None and _in_school(existing))
                or _arrived_today(s, pupil_id, day, session)):
            s.add(KioskEvent(pupil_id=pupil_id, kind="back", at=now, session=session,
                             reason="Returned (signed in)", accompanied_by=accompanied_by))
            return KioskResult("back", _full(pupil), now, session,
                               f"Welcome back, {_first(pupil)}! You are signed back in"
                               f" at {now:%H:%M}.")
        if (existing is not None and _in_school(existing)) or _arrived_today(
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


# --- for office staff ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OnSitePupil:
    pupil_id: int
    name: str
    class_name: str
    status: str  # Present | Late (L) | ...
    arrived: dt.time | None  # kiosk sign-in time, if any
    returned: dt.time | None = None


@dataclass(frozen=True, slots=True)
class LateRow:
    """One late arrival at the kiosk (what the lateness tracker reads)."""

    pupil_id: int
    name: str
    class_name: str
    date: dt.date
    time: dt.time
    session: str
    minutes_late: int
    reason: str
    code: str
    accompanied_by: str


@dataclass(frozen=True, slots=True)
class LeaverRow:
    pupil_id: int
    name: str
    class_name: str
    out_at: dt.time
    reason: str
    collected_by: str
    back_at: dt.time | None


def on_site_names(s: Session) -> dict[int, tuple[str, str, int]]:
    """pupil id -> (name, class name, class sort order) for every pupil."""
    classes = {i: (n, o) for i, n, o in s.execute(
        select(col(SchoolClass.id), col(SchoolClass.name), col(SchoolClass.sort_order))).all()}
    rows = s.execute(select(col(Pupil.id), col(Pupil.preferred_forename),
                            col(Pupil.legal_forename), col(Pupil.preferred_surname),
                            col(Pupil.legal_surname), col(Pupil.class_id))).all()
    out = {}
    for pid, pf, lf, ps, ls, cid in rows:
        cls, order = classes.get(cid, ("", 10**6))
        out[pid] = (f"{pf or lf} {ps or ls}", cls, order)
    return out


_UNKNOWN = ("?", "", 10**6)


def late_log(engine: Engine, start: dt.date, end: dt.date,
             class_id: int | None = None) -> tuple[LateRow, ...]:
    """Every kiosk late arrival from start to end (inclusive), oldest first."""
    if end < start:
        raise ServiceError("the late log's end date is before its start date")
    lo = dt.datetime.combine(start, dt.time())
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    with session_scope(engine) as s:
        names = on_site_names(s)
        q = select(KioskEvent).where(col(KioskEvent.kind) == "late_in", col(KioskEvent.at) >= lo,
                                     col(KioskEvent.at) < hi).order_by(col(KioskEvent.at),
                                                                       col(KioskEvent.id))
        if class_id is not None:
            q = q.join(Pupil, col(Pupil.id) == KioskEvent.pupil_id).where(
                col(Pupil.class_id) == class_id)
        events = s.execute(q).scalars().all()
        return tuple(LateRow(
            e.pupil_id, names.get(e.pupil_id, _UNKNOWN)[0],
            names.get(e.pupil_id, _UNKNOWN)[1], e.at.date(), e.at.time().replace(
                microsecond=0), e.session, e.minutes_late or 0, e.reason, e.code,
            e.accompanied_by) for e in events)


def early_leavers(engine: Engine, day: dt.date) -> tuple[LeaverRow, ...]:
    """Pupils who signed out on `day`, with when they came back (if they did)."""
    start = dt.datetime.combine(day, dt.time())
    with session_scope(engine) as s:
        names = on_site_names(s)
        events = s.execute(select(KioskEvent).where(
            col(KioskEvent.at) >= start, col(KioskEvent.at) < start + dt.timedelta(days=1),
            col(KioskEvent.kind).in_(("out", "back"))).order_by(col(KioskEvent.at),
                                                                col(KioskEvent.id))
        ).scalars().all()
    rows: list[LeaverRow] = []
    open_out: dict[int, int] = {}
    for e in events:
        name, cls, _ = names.get(e.pupil_id, _UNKNOWN)
        if e.kind == "out":
            open_out[e.pupil_id] = len(rows)
            rows.append(LeaverRow(e.pupil_id, name, cls, e.at.time().replace(microsecond=0),
                                  e.reason, e.accompanied_by, None))
        elif e.pupil_id in open_out:
            i = open_out.pop(e.pupil_id)
            old = rows[i]
            rows[i] = LeaverRow(old.pupil_id, old.name, old.class_name, old.out_at, old.reason,
                                old.collected_by, e.at.time().replace(microsecond=0))
    return tuple(rows)


def on_site(engine: Engine, now: dt.datetime) -> tuple[OnSitePupil, ...]:
    """Who is on site now: marked present/late this session (the morning mark until the
    afternoon register is taken) or signed in at the kiosk, less those signed out."""
    day = now.date()
    out_ids = signed_out_ids(engine, day)
    with session_scope(engine) as s:
        pol = policy_service.read_policy(s)
        session = session_at(pol, now)
        names = on_site_names(s)
        on_roll = set(s.execute(select(col(Pupil.id)).where(_on_roll(day))).scalars().all())
        marks: dict[int, str] = {}
        for pid, sess, code in s.execute(select(col(Mark.pupil_id), col(Mark.session),
                                                col(Mark.code)).where(
                col(Mark.date) == day)).all():
            if sess == session or (sess == "AM" and pid not in marks):
                marks[pid] = code
        day_start = dt.datetime.combine(day, dt.time())
        arrived: dict[int, dt.time] = {}
        returned: dict[int, dt.time] = {}
        late_in: set[int] = set()
        for pid, kind, at in s.execute(select(col(KioskEvent.pupil_id), col(KioskEvent.kind),
                                              col(KioskEvent.at)).where(
                col(KioskEvent.at) >= day_start, col(KioskEvent.at) <= now,
                col(KioskEvent.kind).in_(("in", "late_in", "back")))
                .order_by(col(KioskEvent.at))).all():
            target = returned if kind == "back" else arrived
            target.setdefault(pid, at.time().replace(second=0, microsecond=0))
            if kind == "late_in":
                late_in.add(pid)
    out: list[tuple[int, OnSitePupil]] = []
    for pid in on_roll:
        code = marks.get(pid)
        here = code is not None and _in_school(code)
        if not (here or pid in arrived) or pid in out_ids:
            continue
        # A kiosk arrival with a reason's own code (e.g. M) is on site whatever the code;
        # an arrival before the register started ("in") is on time, not late.
        status = "Late" if pid in late_in or code in ("L", "U") else "Present"
        if code and codes.lookup(code).category is codes.Category.APPROVED:
            status = f"Approved activity ({code})"
        name, cls, order = names[pid]
        out.append((order, OnSitePupil(pid, name, cls, status, arrived.get(pid),
                                       returned.get(pid))))
    out.sort(key=lambda r: (r[0], r[1].class_name, r[1].name.lower()))
    return tuple(r for _, r in out)


# --- leaving the kiosk -----------------------------------------------------------------


def can_be_unlocked(engine: Engine) -> bool:
    """Whether any active office, teacher or head account has a PIN to close the kiosk."""
    with session_scope(engine) as s:
        roles = s.execute(select(col(Staff.role)).where(
            col(Staff.active), col(Staff.pin_hash) != "")).all()
    return any(Role(r) in EXIT_ROLES for (r,) in roles)


class ExitLocked(ServiceError):
    def __init__(self, message: str, wait_seconds: int) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


class ExitGuard:
    """The kiosk's own slow-down after wrong exit PINs, on top of the per-account one.

    A wrong PIN at the kiosk is tried against every account, so the kiosk also counts
    failures itself and makes the next attempt wait (the same curve as staff sign-in).
    The count lives in the database, so restarting the kiosk does not reset it; the time
    is the application's clock.
    """

    NAME = "exit"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _row(self, s: Session) -> KioskGuard:
        row = s.get(KioskGuard, self.NAME)
        return row if row is not None else KioskGuard(name=self.NAME)

    @property
    def failures(self) -> int:
        with session_scope(self.engine) as s:
            return self._row(s).failures

    def wait_seconds(self) -> int:
        with session_scope(self.engine) as s:
            return self._wait(self._row(s), clock.now(s))

    @staticmethod
    def _wait(row: KioskGuard, now: dt.datetime) -> int:
        if row.locked_until is None or row.locked_until <= now:
            return 0
        return int((row.locked_until - now).total_seconds()) + 1

    def check(self, pin: str) -> Actor | None:
        """The staff member whose PIN this is, or None; raises ExitLocked while waiting."""
        with session_scope(self.engine) as s:
            wait = self._wait(self._row(s), clock.now(s))
        if wait:
            raise ExitLocked(f"Too many wrong PINs: try again in {wait} seconds.", wait)
        actor = auth_service.verify_any_staff_pin(self.engine, pin, EXIT_ROLES)
        with write_scope(self.engine) as s:
            row = self._row(s)
            if actor is not None:
                row.failures, row.locked_until = 0, None
            else:
                row.failures += 1
                delay = auth_service.delay_after(row.failures)
                now = clock.now(s)
                row.locked_until = now + dt.timedelta(seconds=delay) if delay else None
            s.add(row)
        return actor
