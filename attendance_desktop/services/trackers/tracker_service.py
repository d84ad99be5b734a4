"""Recording the trackers' steps: lateness actions and reviews, absence stages, actions,
reviews and mitigation, penalty-notice considerations; the notice log lives in
notice_service (its functions are re-exported here).

Every step is an append-only TrackerEvent with who and when. Roles: any staff member
who may write the register records actions; stage changes, reviews, mitigation and
penalty decisions are the headteacher's.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    CallLog,
    Contact,
    Mark,
    PupilContact,
    TrackerEvent,
)
from attendance_desktop.domain import escalation, lateness
from attendance_desktop.domain.due_dates import due_after
from attendance_desktop.domain.policy import Band, Policy
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, ServiceError
from attendance_desktop.services.school.calendar_service import read_calendar
from attendance_desktop.services.school.policy_service import read_policy
from attendance_desktop.services.trackers import alerts_service
from attendance_desktop.services.trackers.notice_service import NOTICE_STATUSES as NOTICE_STATUSES
from attendance_desktop.services.trackers.notice_service import PN_DECISIONS as PN_DECISIONS
from attendance_desktop.services.trackers.notice_service import Consideration as Consideration
from attendance_desktop.services.trackers.notice_service import NoticeInfo as NoticeInfo
from attendance_desktop.services.trackers.notice_service import considerations as considerations
from attendance_desktop.services.trackers.notice_service import decision_answers as decision_answers
from attendance_desktop.services.trackers.notice_service import expected_payment as expected_payment
from attendance_desktop.services.trackers.notice_service import issue_notice as issue_notice
from attendance_desktop.services.trackers.notice_service import notice_preview as notice_preview
from attendance_desktop.services.trackers.notice_service import notices_for as notices_for
from attendance_desktop.services.trackers.notice_service import record_payment as record_payment
from attendance_desktop.services.trackers.notice_service import (
    set_notice_status as set_notice_status,
)
from attendance_desktop.services.trackers.tracker_records import add_event as _add
from attendance_desktop.services.trackers.tracker_records import get_pupil as _pupil
from attendance_desktop.services.trackers.tracker_records import need_head as _need_head
from attendance_desktop.services.trackers.tracker_records import need_staff as _need_staff
from attendance_desktop.services.trackers.tracker_records import record_time as _now

REVIEW_OUTCOMES = {
    "better_band": "Moved to a better band",
    "improved_still_concern": "Improved but still a concern",
    "not_improved": "Not improved",
}


@dataclass(frozen=True, slots=True)
class HistoryRow:
    id: int
    tracker: str
    kind: str
    value: str
    label: str
    details: str
    due_date: dt.date | None
    at: dt.datetime
    staff_name: str
    staff_role: str


@dataclass(frozen=True, slots=True)
class CallInfo:
    called_at: dt.datetime
    method: str
    outcome: str
    notes: str
    staff_name: str


# --- helpers ------------------------------------------------------------------------


def _alert(engine: Engine, pupil_id: int, on: dt.date) -> alerts_service.PupilAlert:
    found = alerts_service.snapshot(engine, on, [pupil_id]).find(pupil_id)
    if found is None:
        raise NotFound(f"pupil {pupil_id} is not on roll on {on:%d %b %Y}")
    return found


# --- lateness -----------------------------------------------------------------------


def record_lateness_action(engine: Engine, actor: Actor, pupil_id: int, key: str,
                           details: str = "", now: dt.datetime | None = None) -> None:
    """Record a flowchart action (challenged at the door, warning letter, panel, ...)."""
    _need_staff(actor)
    when = _now(engine, now)
    with session_scope(engine) as s:
        _pupil(s, pupil_id)
        policy = read_policy(s)
        steps = {st.key: st for st in policy.lateness_steps}
        if key not in steps:
            raise ServiceError(f"'{key}' is not a step of the lateness flowchart")
        if steps[key].level == "escalated" or key in ("panel_meeting", "contract"):
            _need_head(actor, f"record '{steps[key].label}'")
        _add(s, actor, pupil_id, "lateness", "action", key, details, when)
        if steps[key].level == "escalated":
            _add(s, actor, pupil_id, "absence", "note", "lateness_handover",
                 "Lateness handed over to the absence procedure", when)


def record_lateness_review(engine: Engine, actor: Actor, pupil_id: int, outcome: str,
                           details: str = "", now: dt.datetime | None = None) -> str:
    """End-of-monitoring review: improved keeps monitoring; not improved moves on.
    Returns the level after the review (recorded as a level event when it changes)."""
    _need_head(actor, "record a lateness review")
    if outcome not in ("improved", "not_improved"):
        raise ServiceError("a lateness review is 'improved' or 'not improved'")
    when = _now(engine, now)
    status = _alert(engine, pupil_id, when.date()).lateness
    if status.level == "none":
        raise ServiceError("this pupil has no lateness concern to review")
    new_level = lateness.level_after_review(status, outcome)
    with session_scope(engine) as s:
        _add(s, actor, pupil_id, "lateness", "review", outcome, details, when)
        if new_level != status.level:
            _add(s, actor, pupil_id, "lateness", "level", new_level,
                 f"{lateness.LEVEL_LABELS[status.level]} -> {lateness.LEVEL_LABELS[new_level]}",
                 when)
    return new_level


# --- absence escalation ---------------------------------------------------------------


def _band(policy: Policy, key: str) -> Band | None:
    return next((b for b in policy.bands if b.key == key), None)


def set_stage(engine: Engine, actor: Actor, pupil_id: int, stage_key: str, details: str = "",
              now: dt.datetime | None = None) -> None:
    """Move a pupil to a stage of the absence escalation ("closed" ends it). Only stages
    on the ladder for the pupil's band may be chosen (amber is not red)."""
    _need_head(actor, "change an escalation stage")
    when = _now(engine, now)
    band_key = "" if stage_key == "closed" else _alert(engine, pupil_id, when.date()).band_key
    with session_scope(engine) as s:
        _pupil(s, pupil_id)
        policy = read_policy(s)
        stage = escalation.stage_by_key(policy, stage_key)
        if stage is None and stage_key != "closed":
            raise ServiceError(f"'{stage_key}' is not a stage of the school's escalation")
        if stage is not None:
            band = _band(policy, band_key)
            allowed = escalation.ladder(policy, band)
            if stage not in allowed:
                raise ServiceError(
                    f"the pupil is in the band '{band.label if band else 'none'}', whose "
                    f"ladder ends at '{allowed[-1].label}': '{stage.label}' is not on it")
        due = due_after(read_calendar(s), when.date(), days=stage.due_days) if stage else None
        _add(s, actor, pupil_id, "absence", "stage", stage_key, details, when, due)


def stages_for(engine: Engine, pupil_id: int, on: dt.date) -> list[tuple[str, str]]:
    """(key, label) of the stages this pupil may be moved to today: the ladder for the
    pupil's band (the GUI offers only these)."""
    alert = _alert(engine, pupil_id, on)
    with session_scope(engine) as s:
        policy = read_policy(s)
    return [(st.key, st.label) for st in escalation.ladder(policy, _band(policy,
                                                                         alert.band_key))]


def record_absence_action(engine: Engine, actor: Actor, pupil_id: int, details: str = "",
                          now: dt.datetime | None = None) -> str:
    """Record that the current stage's action was done (letter sent, meeting held...).
    A pupil with a concern and no stage yet starts at the first stage."""
    _need_staff(actor)
    when = _now(engine, now)
    alert = _alert(engine, pupil_id, when.date())
    if alert.absence.paused:
        raise ServiceError("escalation is paused for mitigating circumstances")
    stage = alert.absence.stage
    with session_scope(engine) as s:
        policy = read_policy(s)
        if stage is None:
            if alert.absence.next_step is None:
                raise ServiceError(f"{alert.name} has no attendance concern to act on")
            _need_head(actor, "start the absence escalation")
            stage = policy.escalation_stages[0]
            _add(s, actor, pupil_id, "absence", "stage", stage.key, "started", when)
        _add(s, actor, pupil_id, "absence", "action", stage.key, details, when)
    return stage.key


def record_absence_review(engine: Engine, actor: Actor, pupil_id: int, outcome: str,
                          details: str = "", now: dt.datetime | None = None) -> str | None:
    """Review a stage: improvement keeps monitoring; not improved moves to the next stage.
    Returns the stage key after the review."""
    _need_head(actor, "record an escalation review")
    if outcome not in REVIEW_OUTCOMES:
        raise ServiceError(f"'{outcome}' is not a review outcome")
    when = _now(engine, now)
    alert = _alert(engine, pupil_id, when.date())
    stage = alert.absence.stage
    if stage is None:
        raise ServiceError(f"{alert.name} is not at a stage of the escalation")
    with session_scope(engine) as s:
        policy = read_policy(s)
        _add(s, actor, pupil_id, "absence", "review", outcome, details, when)
        if outcome == "not_improved":
            # the next stage on the ladder for the pupil's band: at its end, stay
            following = escalation.next_stage(policy, stage, _band(policy, alert.band_key))
            if following is not None:
                _add(s, actor, pupil_id, "absence", "stage", following.key,
                     "not improved at review", when,
                     due_after(read_calendar(s), when.date(), days=following.due_days))
                return following.key
    return stage.key


def start_mitigation(engine: Engine, actor: Actor, pupil_id: int, reason: str,
                     now: dt.datetime | None = None) -> None:
    """Mitigating circumstances (e.g. long-term illness): escalation pauses."""
    _need_head(actor, "record mitigating circumstances")
    if not reason.strip():
        raise ServiceError("say what the mitigating circumstances are")
    with session_scope(engine) as s:
        _pupil(s, pupil_id)
        _add(s, actor, pupil_id, "absence", "mitigation_start", reason.strip()[:200], reason,
             _now(engine, now))


def end_mitigation(engine: Engine, actor: Actor, pupil_id: int, details: str = "",
                   now: dt.datetime | None = None) -> None:
    _need_head(actor, "end mitigating circumstances")
    with session_scope(engine) as s:
        _pupil(s, pupil_id)
        _add(s, actor, pupil_id, "absence", "mitigation_end", "", details, _now(engine, now))


def acknowledge_flag(engine: Engine, actor: Actor, pupil_id: int, flag: str, details: str,
                     now: dt.datetime | None = None) -> None:
    """Record what was done about a flag (LA told, letter received, family contacted)."""
    _need_staff(actor)
    if flag not in escalation.FLAG_LABELS:
        raise ServiceError(f"'{flag}' is not a tracker flag")
    if not details.strip():
        raise ServiceError("say what was done (for example 'LA informed by phone')")
    with session_scope(engine) as s:
        _pupil(s, pupil_id)
        _add(s, actor, pupil_id, "flags", "action", flag, details, _now(engine, now))


# --- penalty notices ------------------------------------------------------------------


def record_pn_decision(engine: Engine, actor: Actor, pupil_id: int, answers: list[str],
                       decision: str, reasons: str, now: dt.datetime | None = None) -> None:
    """The head's considerations (policy questions, each answered) and the decision."""
    _need_head(actor, "decide on a penalty notice")
    if decision not in PN_DECISIONS:
        raise ServiceError(f"'{decision}' is not a penalty-notice decision")
    with session_scope(engine) as s:
        _pupil(s, pupil_id)
        questions = read_policy(s).pn_considerations
        if len(answers) != len(questions) or not all(a.strip() for a in answers):
            missing = next((q for q, a in zip(questions, [*answers, *[""] * len(questions)],
                                              strict=False) if not a.strip()), questions[-1])
            raise ServiceError(f"answer every question before deciding; missing: {missing}")
        if not reasons.strip():
            raise ServiceError("write down the reasons for the decision")
        details = json.dumps({"answers": dict(zip(questions, [a.strip() for a in answers],
                                                  strict=True)),
                              "reasons": reasons.strip()}, ensure_ascii=False)
        _add(s, actor, pupil_id, "penalty", "decision", decision, details, _now(engine, now))


def record_pn_review(engine: Engine, actor: Actor, pupil_id: int, outcome: str,
                     details: str = "", now: dt.datetime | None = None) -> None:
    """The review at the end of a Notice to Improve's improvement period."""
    _need_head(actor, "review a Notice to Improve")
    if outcome not in ("improved", "not_improved"):
        raise ServiceError("a Notice to Improve review is 'improved' or 'not improved'")
    with session_scope(engine) as s:
        _pupil(s, pupil_id)
        _add(s, actor, pupil_id, "penalty", "review", outcome, details, _now(engine, now))


def parents_of(engine: Engine, pupil_id: int) -> list[tuple[int, str]]:
    """(contact id, name) of the adults with parental responsibility, in priority order."""
    with session_scope(engine) as s:
        rows = s.exec(select(PupilContact, Contact).join(
            Contact, Contact.id == PupilContact.contact_id).where(  # type: ignore[arg-type]
            PupilContact.pupil_id == pupil_id).order_by(col(PupilContact.priority))).all()
        return [(c.id or 0, f"{c.forename} {c.surname}".strip() + (
            f" ({link.relationship})" if link.relationship else ""))
            for link, c in rows if link.parental_responsibility]


# --- invitations -----------------------------------------------------------------------

# Letters that invite the family to a meeting: sending one is not holding the meeting, so
# the step (the meeting) stays due; the invitation is recorded on its own.
INVITATION_LETTERS = frozenset({"lateness_panel_invite", "attendance_panel_invite"})


def letter_completes_step(letter: str) -> bool:
    """Whether sending this step's letter is the step itself (a warning or band letter),
    not an invitation to a meeting that has still to be held."""
    return bool(letter) and letter not in INVITATION_LETTERS


def record_invitation(engine: Engine, actor: Actor, pupil_id: int, tracker: str, key: str,
                      details: str) -> None:
    """An invitation to a step's meeting was sent. The meeting itself is recorded when
    it has been held."""
    _need_staff(actor)
    if tracker not in ("lateness", "absence"):
        raise ServiceError(f"'{tracker}' has no meetings to invite to")
    with session_scope(engine) as s:
        _pupil(s, pupil_id)
        _add(s, actor, pupil_id, tracker, "invitation", key, details, clock.now(engine))


# --- reading a case ------------------------------------------------------------------

_LABELS = {
    "lateness_handover": "Lateness handed over to the absence procedure",
    "mitigation_start": "Mitigating circumstances recorded (escalation paused)",
    "mitigation_end": "Mitigating circumstances ended (escalation resumes)",
}


def _label(policy, e: TrackerEvent) -> str:  # type: ignore[no-untyped-def]
    steps = {st.key: st.label for st in policy.lateness_steps}
    stages = {st.key: st.label for st in policy.escalation_stages}
    if e.kind in _LABELS:
        return _LABELS[e.kind]
    if e.kind == "invitation":
        name = steps.get(e.value) or stages.get(e.value) or e.value
        return f"Invitation sent: {name}"
    if e.tracker == "lateness":
        if e.kind == "action":
            return str(steps.get(e.value, e.value))
        if e.kind == "level":
            return f"Level: {lateness.LEVEL_LABELS.get(e.value, e.value)}"
        if e.kind == "review":
            return f"Review: {'improved' if e.value == 'improved' else 'not improved'}"
    if e.tracker == "absence":
        if e.kind == "stage":
            return "Escalation closed" if e.value == "closed" else \
                f"Stage: {stages.get(e.value, e.value)}"
        if e.kind == "action":
            return f"Done: {stages.get(e.value, e.value)}"
        if e.kind == "review":
            return f"Review: {REVIEW_OUTCOMES.get(e.value, e.value).lower()}"
        if e.value in _LABELS:
            return _LABELS[e.value]
    if e.tracker == "penalty":
        if e.kind == "decision":
            return f"Penalty notice decision: {PN_DECISIONS.get(e.value, e.value)}"
        if e.kind == "review":
            return f"Notice to Improve review: {e.value.replace('_', ' ')}"
        return f"Penalty notice {e.value}"
    if e.tracker == "flags":
        return f"{escalation.FLAG_LABELS.get(e.value, e.value)}: dealt with"
    return f"{e.kind} {e.value}".strip()


def readable_details(e: TrackerEvent) -> str:
    """An event's details as a person reads them: a penalty decision's considerations
    become 'question — answer' lines and the reasons (never raw JSON)."""
    if e.tracker == "penalty" and e.kind == "decision":
        pairs, reasons = decision_answers(e.details)
        lines = [f"{q} — {a}" for q, a in pairs]
        if reasons:
            lines.append(f"Reasons: {reasons}")
        return "\n".join(lines)
    return e.details


def history(engine: Engine, pupil_id: int) -> list[HistoryRow]:
    """Every recorded tracker step for a pupil, newest first, details readable."""
    with session_scope(engine) as s:
        policy = read_policy(s)
        rows = s.exec(select(TrackerEvent).where(TrackerEvent.pupil_id == pupil_id)
                      .order_by(TrackerEvent.at.desc(), TrackerEvent.id.desc())).all()  # type: ignore[attr-defined,union-attr]
        return [HistoryRow(e.id or 0, e.tracker, e.kind, e.value, _label(policy, e),
                           readable_details(e), e.due_date, e.at, e.staff_name, e.staff_role)
                for e in rows]


def calls_for(engine: Engine, pupil_id: int) -> list[CallInfo]:
    with session_scope(engine) as s:
        rows = s.exec(select(CallLog).where(CallLog.pupil_id == pupil_id)
                      .order_by(CallLog.called_at.desc())).all()  # type: ignore[attr-defined]
        return [CallInfo(c.called_at, c.method, c.outcome, c.notes, c.staff_name) for c in rows]


def year_marks(engine: Engine, pupil_id: int, start: dt.date,
               end: dt.date) -> dict[tuple[dt.date, str], tuple[str, int | None]]:
    """(date, session) -> (code, minutes late) for one pupil (the case view's calendar)."""
    with session_scope(engine) as s:
        rows = s.execute(select(col(Mark.date), Mark.session, Mark.code, Mark.minutes_late).where(
            Mark.pupil_id == pupil_id, Mark.date >= start, Mark.date <= end)).all()
        return {(d, sess): (code, mins) for d, sess, code, mins in rows}
