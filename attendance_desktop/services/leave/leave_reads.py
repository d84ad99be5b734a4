"""Leave of absence read back: one request, its decisions, the lists, a pupil's history
and the values a decision letter needs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    LeaveDecision,
    LeaveRequest,
    Pupil,
    SchoolClass,
)
from attendance_desktop.domain import leave as rules
from attendance_desktop.services.errors import NotFound, ServiceError
from attendance_desktop.services.leave.leave_records import (
    STATUS_FILTERS,
    DecisionInfo,
    RequestRow,
    asked_sessions,
    find_request,
    granted_slots,
    our_marks,
    request_row,
)
from attendance_desktop.services.school.calendar_service import read_calendar


def get_request(engine: Engine, request_id: int) -> RequestRow:
    with session_scope(engine) as s:
        return request_row(s, find_request(s, request_id), read_calendar(s))


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
        return [request_row(s, r, cal, p, c.name if c else "") for r, p, c in s.exec(q)]


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
        return [request_row(s, r, cal, pupil, cls.name if cls else "") for r in rows]


def _half(session: str) -> str:
    return "morning" if session == "AM" else "afternoon"


def letter_extra(engine: Engine, request_id: int) -> dict[str, str]:
    """Values a decision letter needs (the letters' {extra:...} fields): leave_dates,
    sessions_granted, conditions, reasons, and more for schools that edit the wording."""
    with session_scope(engine) as s:
        r = find_request(s, request_id)
        cal = read_calendar(s)
        row = request_row(s, r, cal)
        # The head's decision, not a later 'taken anyway' or 'withdrawn' entry.
        d = s.exec(select(LeaveDecision).where(
            LeaveDecision.request_id == request_id,
            LeaveDecision.outcome.in_(rules.OUTCOMES))  # type: ignore[attr-defined]
            .order_by(LeaveDecision.id.desc())).first()  # type: ignore[union-attr]
        granted = granted_slots(cal, r, d)
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
        asked_slots = asked_sessions(cal, r)
        open_slots = list(cal.sessions(r.first_date, r.last_date))
        refused = [k for k in asked_slots if k not in set(granted)] if granted else []
        taken = sorted(k for k, m in our_marks(s, r).items() if m.code == "G")
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
