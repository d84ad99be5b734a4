"""Leave of absence: what a request, a decision and a list row are, and the lookups
the requests, decisions and reads modules share (a request by number, its sessions, the
register entries it made, its row for the lists)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from attendance_desktop.db import queries
from attendance_desktop.db.models import (
    LeaveDecision,
    LeaveRequest,
    Mark,
    Pupil,
    SchoolClass,
)
from attendance_desktop.domain import leave as rules
from attendance_desktop.domain.calendar import SchoolCalendar
from attendance_desktop.domain.leave import Check, PupilRecord
from attendance_desktop.services.errors import NotFound

# --- what goes in and comes out ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestInput:
    """What staff type in from the parent's request."""

    pupil_id: int
    requested_by: str
    relationship: str
    received_date: dt.date
    first_date: dt.date
    last_date: dt.date
    ground: str
    first_session: str = "AM"
    last_session: str = "PM"
    reason: str = ""
    is_holiday: bool = False
    evidence: str = ""
    licence_reference: str = ""
    review_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class EarlierRequest:
    id: int
    first_date: dt.date
    last_date: dt.date
    ground: str
    status: str
    sessions: int

    @property
    def text(self) -> str:
        return (f"#{self.id} {self.first_date:%d %b %Y} to {self.last_date:%d %b %Y}"
                f" ({self.ground}, {self.sessions} sessions): "
                f"{rules.STATUS_LABELS.get(self.status, self.status)}")


@dataclass(frozen=True, slots=True)
class Preview:
    """The figures the school fills in on the form, and the policy's checks."""

    pupil_name: str
    year_group: str
    class_name: str
    record: PupilRecord
    since: dt.date
    sessions: tuple[tuple[dt.date, str], ...]
    earlier: tuple[EarlierRequest, ...]
    checks: tuple[Check, ...]

    @property
    def sessions_asked(self) -> int:
        return len(self.sessions)

    @property
    def warnings(self) -> int:
        return sum(1 for c in self.checks if c.status == rules.WARN)


@dataclass(frozen=True, slots=True)
class DecisionInfo:
    id: int
    outcome: str
    granted_first_date: dt.date | None
    granted_first_session: str
    granted_last_date: dt.date | None
    granted_last_session: str
    reasons: str
    conditions: str
    decided_on: dt.date
    decided_at: dt.datetime
    staff_name: str
    staff_role: str

    @property
    def label(self) -> str:
        return rules.STATUS_LABELS.get(self.outcome, self.outcome)


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One request as the lists and the pupil's history show it."""

    id: int
    pupil_id: int
    pupil_name: str
    class_name: str
    year_group: str
    requested_by: str
    relationship: str
    received_date: dt.date
    first_date: dt.date
    first_session: str
    last_date: dt.date
    last_session: str
    ground: str
    reason: str
    is_holiday: bool
    evidence: str
    licence_reference: str
    review_date: dt.date | None
    status: str
    sessions: int  # open school sessions asked for
    decided_on: dt.date | None
    decided_by: str

    @property
    def status_label(self) -> str:
        return rules.STATUS_LABELS.get(self.status, self.status)

    @property
    def dates_text(self) -> str:
        return dates_text(self.first_date, self.first_session, self.last_date,
                          self.last_session)

    def as_input(self) -> RequestInput:
        return RequestInput(self.pupil_id, self.requested_by, self.relationship,
                            self.received_date, self.first_date, self.last_date, self.ground,
                            self.first_session, self.last_session, self.reason,
                            self.is_holiday, self.evidence, self.licence_reference,
                            self.review_date)


@dataclass(frozen=True, slots=True)
class RegisterResult:
    """What a decision, withdrawal or 'taken anyway' did to the register."""

    written: int  # sessions newly marked or changed
    unchanged: int
    skipped: int  # sessions left alone (closed, off roll, attended, real mark taken)
    removed: int = 0  # this request's leave marks taken off sessions still to come


STATUS_FILTERS = ("all", "pending", "granted", "refused", "withdrawn", "upcoming")


def dates_text(first: dt.date, first_session: str, last: dt.date, last_session: str) -> str:
    """'Mon 01 Dec 2025 PM to Tue 02 Dec 2025 AM'; one day reads 'Mon 01 Dec 2025' (whole
    day) or 'Mon 01 Dec 2025 PM'."""
    if first == last:
        whole = (first_session, last_session) == ("AM", "PM")
        return f"{first:%a %d %b %Y}" + ("" if whole else f" {first_session}")
    return f"{first:%a %d %b %Y} {first_session} to {last:%a %d %b %Y} {last_session}"


def mark_comment(request_id: int) -> str:
    """The comment on every register entry made from a request: how we find our prefills."""
    return f"Leave request #{request_id}"


# --- helpers -----------------------------------------------------------------------------

def find_request(s: Session, request_id: int) -> LeaveRequest:
    row = s.get(LeaveRequest, request_id)
    if row is None:
        raise NotFound(f"leave request #{request_id} no longer exists")
    return row


def pupil_name(p: Pupil) -> str:
    return f"{p.preferred_forename or p.legal_forename} {p.preferred_surname or p.legal_surname}"


def asked_sessions(cal: SchoolCalendar,
                   r: LeaveRequest | RequestInput) -> list[tuple[dt.date, str]]:
    return rules.requested_sessions(cal, r.first_date, r.first_session, r.last_date,
                                    r.last_session)


def latest_decision(s: Session, request_id: int) -> LeaveDecision | None:
    return s.exec(select(LeaveDecision).where(LeaveDecision.request_id == request_id)
                  .order_by(LeaveDecision.id.desc())).first()  # type: ignore[union-attr]


def granted_slots(cal: SchoolCalendar, r: LeaveRequest,
                  d: LeaveDecision | None) -> list[tuple[dt.date, str]]:
    if d is None or d.outcome not in ("granted", "part_granted"):
        return []
    if d.outcome == "granted" or d.granted_first_date is None or d.granted_last_date is None:
        return asked_sessions(cal, r)
    return rules.requested_sessions(cal, d.granted_first_date, d.granted_first_session,
                                    d.granted_last_date, d.granted_last_session)


def our_marks(s: Session, r: LeaveRequest) -> dict[tuple[dt.date, str], Mark]:
    """Register entries still carrying this request's leave mark."""
    assert r.id is not None
    rows = s.exec(select(Mark).where(
        Mark.pupil_id == r.pupil_id, Mark.date >= r.first_date, Mark.date <= r.last_date,
        Mark.source == "leave", Mark.comment == mark_comment(r.id)))
    return {(m.date, m.session): m for m in rows}


def on_roll(p: Pupil, day: dt.date) -> bool:
    return queries.is_on_roll(p.admission_date, p.leaving_date, day)


def request_row(s: Session, r: LeaveRequest, cal: SchoolCalendar,
                pupil: Pupil | None = None, class_name: str | None = None) -> RequestRow:
    pupil = pupil or s.get(Pupil, r.pupil_id)
    assert pupil is not None
    assert r.id is not None
    if class_name is None:
        cls = s.get(SchoolClass, pupil.class_id) if pupil.class_id else None
        class_name = cls.name if cls else ""
    latest = latest_decision(s, r.id)
    return RequestRow(
        r.id, r.pupil_id, pupil_name(pupil), class_name, pupil.year_group, r.requested_by,
        r.relationship, r.received_date, r.first_date, r.first_session, r.last_date,
        r.last_session, r.ground, r.reason, r.is_holiday, r.evidence, r.licence_reference,
        r.review_date, r.status, len(asked_sessions(cal, r)),
        latest.decided_on if latest else None, latest.staff_name if latest else "")
