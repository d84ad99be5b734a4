"""Leave of absence: the head's decisions, withdrawals and 'refused but taken', and the
register entries they make.

Only the headteacher (Actor.can_decide_leave) records a decision; decisions are append-only
(a correction is a new row) and the request's status follows the latest one. Granted
leave fills the register through register_service (source "leave"), so every change
to an existing mark leaves an amendment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    LeaveDecision,
    LeaveRequest,
    Mark,
    Pupil,
)
from attendance_desktop.domain import leave as rules
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.leave.leave_records import (
    RegisterResult,
    asked_sessions,
    find_request,
    granted_slots,
    mark_comment,
    on_roll,
    our_marks,
)
from attendance_desktop.services.register.register_service import MarkChange, apply_changes
from attendance_desktop.services.school.calendar_service import read_calendar
from attendance_desktop.services.school.policy_service import read_policy
from attendance_desktop.services.write_lock import write_scope

# --- the decision ------------------------------------------------------------------------


def _prefill(s: Session, actor: Actor, r: LeaveRequest,
             slots: list[tuple[dt.date, str]]) -> RegisterResult:
    assert r.id is not None
    pupil = s.get(Pupil, r.pupil_id)
    assert pupil is not None
    wanted = [MarkChange(r.pupil_id, d, ss, r.ground, comment=mark_comment(r.id))
              for d, ss in slots if on_roll(pupil, d)]
    skipped = len(slots) - len(wanted)
    res = apply_changes(s, actor, wanted, source="leave",
                        reason=f"Leave granted (request #{r.id})")
    return RegisterResult(res.written, res.unchanged, skipped + res.skipped)


def _remove(s: Session, actor: Actor, r: LeaveRequest, slots: list[tuple[dt.date, str]],
            reason: str) -> RegisterResult:
    # Only cells still holding this request's leave mark are cleared (seen_code).
    ours = {k: m.code for k, m in our_marks(s, r).items()}
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
        r = find_request(s, request_id)
        assert r.id is not None
        if r.status == "withdrawn":
            raise ServiceError(f"request #{r.id} was withdrawn; record a new request instead")
        cal = read_calendar(s)
        asked = asked_sessions(cal, r)
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
        new_slots = granted_slots(cal, r, decision)
        keep = set(new_slots)
        gone = [k for k in our_marks(s, r) if k not in keep and k[0] > now.date()]
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
        r = find_request(s, request_id)
        assert r.id is not None
        if r.status == "withdrawn":
            raise ServiceError(f"request #{r.id} is already withdrawn")
        s.add(LeaveDecision(request_id=r.id, outcome="withdrawn", reasons=reason.strip(),
                            decided_on=now.date(), decided_at=now, staff_name=actor.name,
                            staff_role=actor.role.value))
        r.status = "withdrawn"
        s.add(r)
        future = [k for k in our_marks(s, r) if k[0] > now.date()]
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

    slots = [k for k in asked_sessions(cal, r) if started(*k) and on_roll(pupil, k[0])]
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
        return _taken_plan(s, find_request(s, request_id), now)


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
        r = find_request(s, request_id)
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
