"""Leave of absence: a request being typed in (figures and the policy's checks) and
recording it. A request is recorded by any member of staff who may write the register."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    AssessmentPeriod,
    LeaveRequest,
    Mark,
    Pupil,
    SchoolClass,
)
from attendance_desktop.domain import codes
from attendance_desktop.domain import leave as rules
from attendance_desktop.domain.calendar import academic_year_start
from attendance_desktop.domain.leave import Assessment, PupilRecord, RequestFacts
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError
from attendance_desktop.services.leave.leave_records import (
    EarlierRequest,
    Preview,
    RequestInput,
    asked_sessions,
    find_request,
    pupil_name,
    request_row,
)
from attendance_desktop.services.school.calendar_service import read_calendar
from attendance_desktop.services.school.policy_service import read_policy


def _record(s: Session, pupil_id: int, start: dt.date, end: dt.date) -> PupilRecord:
    rows = s.exec(select(Mark.code, func.count()).where(
        Mark.pupil_id == pupil_id, Mark.date >= start, Mark.date <= end).group_by(Mark.code))
    present = approved = authorised = unauthorised = 0
    for code, n in rows:
        found = codes.CODES.get(code)
        if found is None:
            continue
        cat = found.category
        if cat is codes.Category.PRESENT:
            present += n
        elif cat is codes.Category.APPROVED:
            approved += n
        elif cat is codes.Category.AUTHORISED:
            authorised += n
        elif cat is codes.Category.UNAUTHORISED:
            unauthorised += n
    return PupilRecord(present + approved + authorised + unauthorised, present + approved,
                       authorised, unauthorised)


def _year_start(today: dt.date) -> dt.date:
    return dt.date(academic_year_start(today), 8, 1)


def _assessments(s: Session) -> list[Assessment]:
    out = []
    for a in s.exec(select(AssessmentPeriod).order_by(col(AssessmentPeriod.start_date))):
        groups = tuple(g.strip() for g in a.year_groups.split(",") if g.strip())
        out.append(Assessment(a.name, a.start_date, a.end_date, groups))
    return out


def _validate(data: RequestInput) -> None:
    if data.ground not in rules.GROUNDS:
        raise ServiceError(f"ground '{data.ground}' is not one of "
                           + ", ".join(rules.GROUNDS))
    if not data.requested_by.strip():
        raise ServiceError("who asked: enter the name of the parent or carer who asked")
    try:
        rules.check_span(data.first_date, data.first_session, data.last_date, data.last_session)
    except rules.LeaveError as exc:
        raise ServiceError(f"dates: {exc}") from exc


# --- the form: figures and checks --------------------------------------------------------

def _preview(s: Session, data: RequestInput, today: dt.date,
             exclude_request: int | None = None) -> Preview:
    pupil = s.get(Pupil, data.pupil_id)
    if pupil is None:
        raise NotFound("that pupil's record no longer exists")
    policy = read_policy(s)
    cal = read_calendar(s)
    since = _year_start(today)
    record = _record(s, data.pupil_id, since, today)
    try:
        sessions = asked_sessions(cal, data)
    except rules.LeaveError as exc:
        raise ServiceError(f"dates: {exc}") from exc
    earlier = []
    q = select(LeaveRequest).where(LeaveRequest.pupil_id == data.pupil_id) \
        .order_by(col(LeaveRequest.first_date))
    for r in s.exec(q):
        if r.id == exclude_request:
            continue
        assert r.id is not None
        earlier.append(EarlierRequest(r.id, r.first_date, r.last_date, r.ground, r.status,
                                      len(asked_sessions(cal, r))))
    facts = RequestFacts(
        ground=data.ground, reason=data.reason, is_holiday=data.is_holiday,
        received=data.received_date, first=data.first_date, first_session=data.first_session,
        last=data.last_date, last_session=data.last_session, year_group=pupil.year_group,
        record=record, licence_reference=data.licence_reference, review_date=data.review_date)
    checks = rules.run_checks(facts, policy, cal, _assessments(s))
    cls = s.get(SchoolClass, pupil.class_id) if pupil.class_id else None
    return Preview(pupil_name(pupil), pupil.year_group, cls.name if cls else "", record, since,
                   tuple(sessions), tuple(earlier), tuple(checks))


def preview(engine: Engine, data: RequestInput, *, today: dt.date,
            exclude_request: int | None = None) -> Preview:
    """Figures and checks for a request being typed in (nothing is saved)."""
    with session_scope(engine) as s:
        return _preview(s, data, today, exclude_request)


def preview_request(engine: Engine, request_id: int, *, today: dt.date) -> Preview:
    """Figures and checks for a stored request (its own record left out of 'earlier')."""
    with session_scope(engine) as s:
        r = find_request(s, request_id)
        return _preview(s, request_row(s, r, read_calendar(s)).as_input(), today, request_id)


# --- recording a request -----------------------------------------------------------------

def submit_request(engine: Engine, actor: Actor, data: RequestInput, *,
                   now: dt.datetime) -> int:
    """Record a parent's request (status pending). Returns its number."""
    if actor.role is Role.READONLY:
        raise PermissionDenied("read-only users cannot record leave requests")
    _validate(data)
    with session_scope(engine) as s:
        if s.get(Pupil, data.pupil_id) is None:
            raise NotFound("that pupil's record no longer exists")
        row = LeaveRequest(
            pupil_id=data.pupil_id, requested_by=data.requested_by.strip(),
            relationship=data.relationship.strip(), received_date=data.received_date,
            first_date=data.first_date, first_session=data.first_session,
            last_date=data.last_date, last_session=data.last_session, ground=data.ground,
            reason=data.reason.strip(), is_holiday=data.is_holiday,
            evidence=data.evidence.strip(), licence_reference=data.licence_reference.strip(),
            review_date=data.review_date, status="pending", created_at=now,
            created_by=actor.name)
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id
