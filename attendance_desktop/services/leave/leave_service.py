"""Leave of absence: requests, the head's decisions, and the register entries they make.

A request is recorded by any member of staff who may write the register. Only the
headteacher (Actor.can_decide_leave) records a decision; decisions are append-only
(a correction is a new row) and the request's status follows the latest one. Granted
leave fills the register through register_service (source "leave"), so every change
to an existing mark leaves an amendment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    AssessmentPeriod,
    LeaveDecision,
    LeaveRequest,
    Mark,
    Pupil,
    SchoolClass,
)
from attendance_desktop.domain import codes
from attendance_desktop.domain import leave as rules
from attendance_desktop.domain.calendar import SchoolCalendar, academic_year_start
from attendance_desktop.domain.leave import Assessment, Check, PupilRecord, RequestFacts
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError
from attendance_desktop.services.register.register_service import MarkChange, apply_changes
from attendance_desktop.services.school.calendar_service import read_calendar
from attendance_desktop.services.school.policy_service import read_policy
from attendance_desktop.services.write_lock import write_scope

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

def _request(s: Session, request_id: int) -> LeaveRequest:
    row = s.get(LeaveRequest, request_id)
    if row is None:
        raise NotFound(f"leave request #{request_id} no longer exists")
    return row


def _name(p: Pupil) -> str:
    return f"{p.preferred_forename or p.legal_forename} {p.preferred_surname or p.legal_surname}"


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


def _sessions(cal: SchoolCalendar, r: LeaveRequest | RequestInput) -> list[tuple[dt.date, str]]:
    return rules.requested_sessions(cal, r.first_date, r.first_session, r.last_date,
                                    r.last_session)


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


def _latest_decision(s: Session, request_id: int) -> LeaveDecision | None:
    return s.exec(select(LeaveDecision).where(LeaveDecision.request_id == request_id)
                  .order_by(LeaveDecision.id.desc())).first()  # type: ignore[union-attr]


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
        sessions = _sessions(cal, data)
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
                                      len(_sessions(cal, r))))
    facts = RequestFacts(
        ground=data.ground, reason=data.reason, is_holiday=data.is_holiday,
        received=data.received_date, first=data.first_date, first_session=data.first_session,
        last=data.last_date, last_session=data.last_session, year_group=pupil.year_group,
        record=record, licence_reference=data.licence_reference, review_date=data.review_date)
    checks = rules.run_checks(facts, policy, cal, _assessments(s))
    cls = s.get(SchoolClass, pupil.class_id) if pupil.class_id else None
    return Preview(_name(pupil), pupil.year_group, cls.name if cls else "", record, since,
                   tuple(sessions), tuple(earlier), tuple(checks))


def preview(engine: Engine, data: RequestInput, *, today: dt.date,
            exclude_request: int | None = None) -> Preview:
    """Figures and checks for a request being typed in (nothing is saved)."""
    with session_scope(engine) as s:
        return _preview(s, data, today, exclude_request)


def preview_request(engine: Engine, request_id: int, *, today: dt.date) -> Preview:
    """Figures and checks for a stored request (its own record left out of 'earlier')."""
    with session_scope(engine) as s:
        r = _request(s, request_id)
        return _preview(s, _row(s, r, read_calendar(s)).as_input(), today, request_id)


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


# --- the decision ------------------------------------------------------------------------

def _granted_slots(cal: SchoolCalendar, r: LeaveRequest,
                   d: LeaveDecision | None) -> list[tuple[dt.date, str]]:
    if d is None or d.outcome not in ("granted", "part_granted"):
        return []
    if d.outcome == "granted" or d.granted_first_date is None or d.granted_last_date is None:
        return _sessions(cal, r)
    return rules.requested_sessions(cal, d.granted_first_date, d.granted_first_session,
                                    d.granted_last_date, d.granted_last_session)


def _our_marks(s: Session, r: LeaveRequest) -> dict[tuple[dt.date, str], Mark]:
    """Register entries still carrying this request's leave mark."""
    assert r.id is not None
    rows = s.exec(select(Mark).where(
        Mark.pupil_id == r.pupil_id, Mark.date >= r.first_date, Mark.date <= r.last_date,
        Mark.source == "leave", Mark.comment == mark_comment(r.id)))
    return {(m.date, m.session): m for m in rows}


def _on_roll(p: Pupil, day: dt.date) -> bool:
    return queries.is_on_roll(p.admission_date, p.leaving_date, day)


def _prefill(s: Session, actor: Actor, r: LeaveRequest,
             slots: list[tuple[dt.date, str]]) -> RegisterResult:
    assert r.id is not None
    pupil = s.get(Pupil, r.pupil_id)
    assert pupil is not None
    wanted = [MarkChange(r.pupil_id, d, ss, r.ground, comment=mark_comment(r.id))
              for d, ss in slots if _on_roll(pupil, d)]
    skipped = len(slots) - len(wanted)
    res = apply_changes(s, actor, wanted, source="leave",
                        reason=f"Leave granted (request #{r.id})")
    return RegisterResult(res.written, res.unchanged, skipped + res.skipped)


def _remove(s: Session, actor: Actor, r: LeaveRequest, slots: list[tuple[dt.date, str]],
            reason: str) -> RegisterResult:
    # Only cells still holding this request's leave mark are cleared (seen_code).
    ours = {k: m.code for k, m in _our_marks(s, r).items()}
    changes = [MarkChange(r.pupil_id, d, ss, "", seen_code=ours.get((d, ss), ""))
               for d, ss in slots]
    res = apply_changes(s, actor, changes, source="leave", reason=reason)
    return RegisterResult(res.written, res.unchanged, res.skipped)


def decide(engine: Engine, actor: Actor, request_id: int, outcome: str, *,
           decided_on: dt.date, now: dt.datetime, reasons: str = "", conditions: str = "",
           granted_first: tuple[dt.date, str] | None = None,
           granted_last: tuple[dt.date, str] | None = None) -> RegisterResult:
    """Record the head's decision (or a correction, as a new row) and update the register.

    Granted sessions get the ground's code (source "leave"); sessions no longer granted
    after a correction lose this request's leave marks if they are still to come.
    """
    if not actor.can_decide_leave:
        raise PermissionDenied(
            f"only the headteacher decides leave of absence; {actor.role.label.lower()}"
            " accounts can record a request but not the decision")
    if outcome not in rules.OUTCOMES:
        raise ServiceError(f"decision must be one of {', '.join(rules.OUTCOMES)}")
    if outcome == "refused" and not reasons.strip():
        raise ServiceError("reasons: say why the leave is refused (it goes in the letter)")
    with write_scope(engine) as s:
        r = _request(s, request_id)
        assert r.id is not None
        if r.status == "withdrawn":
            raise ServiceError(f"request #{r.id} was withdrawn; record a new request instead")
        cal = read_calendar(s)
        asked = _sessions(cal, r)
        decision = LeaveDecision(request_id=r.id, outcome=outcome, reasons=reasons.strip(),
                                 conditions=conditions.strip(), decided_on=decided_on,
                                 decided_at=now, staff_name=actor.name,
                                 staff_role=actor.role.value)
        if outcome == "part_granted":
            if granted_first is None or granted_last is None:
                raise ServiceError("granted in part: enter the first and last session granted")
            try:
                part = rules.requested_sessions(cal, *granted_first, *granted_last)
            except rules.LeaveError as exc:
                raise ServiceError(f"sessions granted: {exc}") from exc
            lo = rules.slot_key(r.first_date, r.first_session)
            hi = rules.slot_key(r.last_date, r.last_session)
            if not (lo <= rules.slot_key(*granted_first) and rules.slot_key(*granted_last) <= hi):
                raise ServiceError("sessions granted must lie inside the dates asked for")
            if not part:
                raise ServiceError("sessions granted: no open school session in those dates")
            if len(part) == len(asked):
                raise ServiceError("those are all the sessions asked for: choose 'granted in"
                                   " full' instead")
            if not reasons.strip():
                raise ServiceError("reasons: say why the other dates are not agreed (it goes"
                                   " in the letter)")
            (decision.granted_first_date, decision.granted_first_session) = granted_first
            (decision.granted_last_date, decision.granted_last_session) = granted_last
        elif outcome == "granted":
            (decision.granted_first_date, decision.granted_first_session) = (
                r.first_date, r.first_session)
            (decision.granted_last_date, decision.granted_last_session) = (
                r.last_date, r.last_session)
        new_slots = _granted_slots(cal, r, decision)
        keep = set(new_slots)
        gone = [k for k in _our_marks(s, r) if k not in keep and k[0] > now.date()]
        s.add(decision)
        r.status = outcome
        s.add(r)
        s.flush()
        removed = _remove(s, actor, r, gone, f"Leave decision changed (request #{r.id})")
        added = _prefill(s, actor, r, new_slots) if new_slots else RegisterResult(0, 0, 0)
        return RegisterResult(added.written, added.unchanged, added.skipped, removed.written)


def withdraw(engine: Engine, actor: Actor, request_id: int, *, reason: str,
             now: dt.datetime) -> RegisterResult:
    """The family withdraws the request: recorded as a decision row; this request's leave
    marks for sessions after today are removed (each removal recorded). Past ones stay."""
    if not actor.can_amend:
        raise PermissionDenied(f"{actor.role.label} users cannot withdraw leave requests")
    if not reason.strip():
        raise ServiceError("reason: say who withdrew the request and why")
    with write_scope(engine) as s:
        r = _request(s, request_id)
        assert r.id is not None
        if r.status == "withdrawn":
            raise ServiceError(f"request #{r.id} is already withdrawn")
        s.add(LeaveDecision(request_id=r.id, outcome="withdrawn", reasons=reason.strip(),
                            decided_on=now.date(), decided_at=now, staff_name=actor.name,
                            staff_role=actor.role.value))
        r.status = "withdrawn"
        s.add(r)
        future = [k for k in _our_marks(s, r) if k[0] > now.date()]
        done = _remove(s, actor, r, sorted(future),
                       f"Leave withdrawn (request #{r.id}): {reason.strip()}")
        return RegisterResult(0, 0, 0, done.written)


def _taken_plan(s: Session, r: LeaveRequest, now: dt.datetime) -> list[rules.GChange]:
    if r.status not in ("refused", "taken_unauthorised"):
        raise ServiceError(f"request #{r.id} is {rules.STATUS_LABELS[r.status].lower()},"
                           " not refused: only refused leave can be marked as taken")
    cal = read_calendar(s)
    pupil = s.get(Pupil, r.pupil_id)
    assert pupil is not None
    today = now.date()
    policy = read_policy(s)

    def started(day: dt.date, session: str) -> bool:
        return day < today or (day == today
                               and now.time() >= policy.session_times(session).late_after)

    slots = [k for k in _sessions(cal, r) if started(*k) and _on_roll(pupil, k[0])]
    if not slots:
        raise ServiceError("none of the sessions asked for has happened yet")
    marks = {(m.date, m.session): m.code for m in s.exec(select(Mark).where(
        Mark.pupil_id == r.pupil_id, Mark.date >= r.first_date, Mark.date <= today))}
    return rules.plan_g_step(slots, marks)


def taken_unauthorised_plan(engine: Engine, request_id: int, *,
                            now: dt.datetime) -> list[rules.GChange]:
    """What 'refused but taken → G' would do, session by session, before anything is
    written: 'change' (no reason recorded), 'confirm' (a recorded reason such as I: changed
    only if the head confirms that session) or 'keep' (attended, or already G)."""
    with session_scope(engine) as s:
        return _taken_plan(s, _request(s, request_id), now)


def mark_taken_unauthorised(engine: Engine, actor: Actor, request_id: int, *,
                            now: dt.datetime,
                            confirmed: Collection[tuple[dt.date, str]] = ()) -> RegisterResult:
    """Refused leave taken anyway: the asked-for sessions up to now with no reason recorded
    (no mark, N, O) become G (unauthorised holiday). A session with another recorded
    reason (illness I, medical M...) changes only when listed in `confirmed`, which only
    the headteacher may do; attended sessions never change. Every change goes through
    register_service.apply_changes, so each past session keeps an amendment with the
    original and new code, the reason, who and their role."""
    if not actor.can_amend:
        raise PermissionDenied(f"{actor.role.label} users cannot amend the register")
    wanted = set(confirmed)
    if wanted and not actor.can_decide_leave:
        raise PermissionDenied("only the headteacher can replace a recorded reason (such as"
                               " illness) with G")
    with write_scope(engine) as s:
        r = _request(s, request_id)
        assert r.id is not None
        rid = r.id
        plan = _taken_plan(s, r, now)
        confirmable = {(c.day, c.session) for c in plan if c.action == "confirm"}
        stray = sorted(wanted - confirmable)
        if stray:
            raise ServiceError("nothing to confirm for " + ", ".join(
                rules.slot_text(*k) for k in stray) + ": look at the list again")

        def change(c: rules.GChange) -> MarkChange:
            return MarkChange(r.pupil_id, c.day, c.session, "G", comment=mark_comment(rid),
                              seen_code=c.old_code)

        plain = [change(c) for c in plan if c.action == "change"]
        over = [change(c) for c in plan if (c.day, c.session) in wanted]
        res = apply_changes(s, actor, plain, source="leave",
                            reason=f"Leave refused and taken (request #{r.id})")
        res2 = apply_changes(s, actor, over, source="leave",
                             reason=f"Leave refused and taken (request #{r.id}); the head"
                                    " confirmed the recorded reason is replaced")
        if r.status != "taken_unauthorised":
            s.add(LeaveDecision(request_id=r.id, outcome="taken_unauthorised",
                                reasons="Leave refused but taken: sessions marked G",
                                decided_on=now.date(), decided_at=now, staff_name=actor.name,
                                staff_role=actor.role.value))
            r.status = "taken_unauthorised"
            s.add(r)
        left = sum(1 for c in plan if c.action == "keep" or (
            c.action == "confirm" and (c.day, c.session) not in wanted))
        return RegisterResult(res.written + res2.written, res.unchanged + res2.unchanged,
                              left + res.skipped + res2.skipped)


# --- reading -----------------------------------------------------------------------------

def _row(s: Session, r: LeaveRequest, cal: SchoolCalendar,
         pupil: Pupil | None = None, class_name: str | None = None) -> RequestRow:
    pupil = pupil or s.get(Pupil, r.pupil_id)
    assert pupil is not None
    assert r.id is not None
    if class_name is None:
        cls = s.get(SchoolClass, pupil.class_id) if pupil.class_id else None
        class_name = cls.name if cls else ""
    latest = _latest_decision(s, r.id)
    return RequestRow(
        r.id, r.pupil_id, _name(pupil), class_name, pupil.year_group, r.requested_by,
        r.relationship, r.received_date, r.first_date, r.first_session, r.last_date,
        r.last_session, r.ground, r.reason, r.is_holiday, r.evidence, r.licence_reference,
        r.review_date, r.status, len(_sessions(cal, r)),
        latest.decided_on if latest else None, latest.staff_name if latest else "")


def get_request(engine: Engine, request_id: int) -> RequestRow:
    with session_scope(engine) as s:
        return _row(s, _request(s, request_id), read_calendar(s))


def decisions(engine: Engine, request_id: int) -> list[DecisionInfo]:
    """Every decision recorded for a request, oldest first (the last one stands)."""
    with session_scope(engine) as s:
        rows = s.exec(select(LeaveDecision).where(LeaveDecision.request_id == request_id)
                      .order_by(col(LeaveDecision.id))).all()
        return [DecisionInfo(d.id or 0, d.outcome, d.granted_first_date,
                             d.granted_first_session, d.granted_last_date,
                             d.granted_last_session, d.reasons, d.conditions, d.decided_on,
                             d.decided_at, d.staff_name, d.staff_role) for d in rows]


def list_requests(engine: Engine, *, today: dt.date, status: str = "all",
                  class_id: int | None = None, start: dt.date | None = None,
                  end: dt.date | None = None, pupil_id: int | None = None) -> list[RequestRow]:
    """Requests for the lists, newest first leave dates last. `status`: all, pending,
    granted (in full or part), refused (incl. taken anyway), withdrawn, or upcoming
    (granted leave that has not finished yet). start/end keep requests whose dates
    overlap that range."""
    if status not in STATUS_FILTERS:
        raise ServiceError(f"unknown list '{status}'")
    with session_scope(engine) as s:
        cal = read_calendar(s)
        q = (select(LeaveRequest, Pupil, SchoolClass)
             .join(Pupil, Pupil.id == LeaveRequest.pupil_id)  # type: ignore[arg-type]
             .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)  # type: ignore[arg-type]
             .order_by(col(LeaveRequest.first_date).desc(), col(LeaveRequest.id).desc()))
        if pupil_id is not None:
            q = q.where(LeaveRequest.pupil_id == pupil_id)
        if class_id is not None:
            q = q.where(Pupil.class_id == class_id)
        if start is not None:
            q = q.where(LeaveRequest.last_date >= start)
        if end is not None:
            q = q.where(LeaveRequest.first_date <= end)
        wanted = {
            "pending": ("pending",), "granted": ("granted", "part_granted"),
            "refused": ("refused", "taken_unauthorised"), "withdrawn": ("withdrawn",),
            "upcoming": ("granted", "part_granted"),
        }.get(status)
        if wanted:
            q = q.where(LeaveRequest.status.in_(wanted))  # type: ignore[attr-defined]
        if status == "upcoming":
            q = q.where(LeaveRequest.last_date >= today)
        return [_row(s, r, cal, p, c.name if c else "") for r, p, c in s.exec(q)]


def leave_history(engine: Engine, pupil_id: int) -> list[RequestRow]:
    """Every leave request for one pupil, most recent first (for the pupil's profile)."""
    with session_scope(engine) as s:
        cal = read_calendar(s)
        pupil = s.get(Pupil, pupil_id)
        if pupil is None:
            raise NotFound("that pupil's record no longer exists")
        cls = s.get(SchoolClass, pupil.class_id) if pupil.class_id else None
        rows = s.exec(select(LeaveRequest).where(LeaveRequest.pupil_id == pupil_id)
                      .order_by(LeaveRequest.first_date.desc())).all()  # type: ignore[attr-defined]
        return [_row(s, r, cal, pupil, cls.name if cls else "") for r in rows]


def _half(session: str) -> str:
    return "morning" if session == "AM" else "afternoon"


def letter_extra(engine: Engine, request_id: int) -> dict[str, str]:
    """Values a decision letter needs (the letters' {extra:...} fields): leave_dates,
    sessions_granted, conditions, reasons, and more for schools that edit the wording."""
    with session_scope(engine) as s:
        r = _request(s, request_id)
        cal = read_calendar(s)
        row = _row(s, r, cal)
        # The head's decision, not a later 'taken anyway' or 'withdrawn' entry.
        d = s.exec(select(LeaveDecision).where(
            LeaveDecision.request_id == request_id,
            LeaveDecision.outcome.in_(rules.OUTCOMES))  # type: ignore[attr-defined]
            .order_by(LeaveDecision.id.desc())).first()  # type: ignore[union-attr]
        granted = _granted_slots(cal, r, d)
        asked = (f"{r.first_date:%A %d %B %Y} ({_half(r.first_session)}) to"
                 f" {r.last_date:%A %d %B %Y} ({_half(r.last_session)})")
        out = {
            "request_number": str(row.id),
            "requested_by": row.requested_by,
            "relationship": row.relationship,
            "received_date": f"{row.received_date:%d %B %Y}",
            "dates_requested": asked,
            "sessions_requested": str(row.sessions),
            "ground": row.ground,
            "ground_label": rules.GROUNDS.get(row.ground, row.ground),
            "reason": row.reason,
            "decision": rules.STATUS_LABELS.get(d.outcome, d.outcome) if d else "",
            "decision_date": f"{d.decided_on:%d %B %Y}" if d else "",
            "reasons": d.reasons if d else "",
            "conditions": d.conditions if d else "",
            "sessions_granted": "",
            "granted_from": "", "granted_to": "", "return_date": "",
            "leave_dates": asked,
        }
        # Part grants and refused-and-taken letters: what was refused, what was taken.
        asked_slots = _sessions(cal, r)
        open_slots = list(cal.sessions(r.first_date, r.last_date))
        refused = [k for k in asked_slots if k not in set(granted)] if granted else []
        taken = sorted(k for k, m in _our_marks(s, r).items() if m.code == "G")
        out.update({
            "dates_granted": rules.slots_text(granted, open_slots),
            "dates_refused": rules.slots_text(refused, open_slots),
            "sessions_refused": rules.sessions_count_text(len(refused)) if refused else "",
            "dates_taken": rules.slots_text(taken, open_slots),
            "sessions_taken": rules.sessions_count_text(len(taken)) if taken else "",
        })
        if granted:
            (f_day, f_s), (l_day, l_s) = granted[0], granted[-1]
            out["granted_from"] = f"{f_day:%A %d %B %Y} ({_half(f_s)})"
            out["granted_to"] = f"{l_day:%A %d %B %Y} ({_half(l_s)})"
            n = len(granted)
            out["sessions_granted"] = (f"{n} school session{'s' if n != 1 else ''}"
                                       f" ({n / 2:g} school day{'s' if n != 2 else ''})")
            out["leave_dates"] = f"{out['granted_from']} to {out['granted_to']}"
            nxt = [k for k in cal.sessions(l_day, l_day + dt.timedelta(days=120))
                   if rules.slot_key(*k) > rules.slot_key(l_day, l_s)]
            if nxt:
                out["return_date"] = f"{nxt[0][0]:%A %d %B %Y} ({_half(nxt[0][1])})"
                out["leave_dates"] += (f"; back in school on {nxt[0][0]:%A %d %B %Y}"
                                       f" ({_half(nxt[0][1])})")
        return out
