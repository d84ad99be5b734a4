"""Recording tracker steps: who and when, roles, stage moves, mitigation, penalty notices."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import PenaltyNotice, TrackerEvent
from attendance_desktop.domain.policy import preset
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.school import policy_service
from attendance_desktop.services.trackers import alerts_service, tracker_service
from tests.conftest import HEAD, OFFICE
from tests.services.tracker_data import NOW, ON, D, add_parent, add_pupil, fill

READONLY = Actor("Visitor", Role.READONLY)


@pytest.fixture
def red(engine, school_year):  # type: ignore[no-untyped-def]
    """A pupil at 84.2% in Autumn 1 (red)."""
    pid = add_pupil(engine, "Kit", "Red", "A200000000001")
    fill(engine, pid, D(2025, 9, 3), ON)
    fill(engine, pid, D(2025, 10, 13), D(2025, 10, 20), "I")  # 12 of 76 sessions
    return pid


def events(engine, pid: int) -> list[TrackerEvent]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        rows = s.exec(select(TrackerEvent).where(TrackerEvent.pupil_id == pid)
                      .order_by(TrackerEvent.id)).all()
        return [TrackerEvent(**r.model_dump()) for r in rows]


def test_stage_workflow_from_letter_to_next_stage(engine, red):
    alert = alerts_service.snapshot(engine, ON).find(red)
    assert alert.band_key == "red"
    with pytest.raises(PermissionDenied):
        tracker_service.set_stage(engine, OFFICE, red, "letter", now=NOW)
    tracker_service.set_stage(engine, HEAD, red, "letter", "RAG letter stage", now=NOW)
    step = alerts_service.snapshot(engine, ON).find(red).absence.next_step
    assert step.kind == "action"
    assert step.due == D(2025, 11, 25)
    assert step.letter == "concern_red"
    tracker_service.record_absence_action(engine, OFFICE, red, "letter posted", now=NOW)
    step = alerts_service.snapshot(engine, ON).find(red).absence.next_step
    assert step.kind == "review"
    assert step.due == D(2026, 1, 5)  # 6 weeks on is New Year's Day: the next school day
    later = NOW + dt.timedelta(weeks=6)
    assert tracker_service.record_absence_review(engine, HEAD, red, "not_improved",
                                                 now=later) == "monitoring"
    rows = events(engine, red)
    assert [(e.kind, e.value) for e in rows] == [
        ("stage", "letter"), ("action", "letter"), ("review", "not_improved"),
        ("stage", "monitoring")]
    assert rows[1].staff_name == OFFICE.name
    assert rows[1].at == NOW
    history = tracker_service.history(engine, red)
    assert history[0].label == "Stage: Monitoring period"
    assert history[-1].label == "Stage: RAG letter"


def test_first_action_starts_the_first_stage_for_the_head_only(engine, red):
    with pytest.raises(PermissionDenied):
        tracker_service.record_absence_action(engine, OFFICE, red, now=NOW)
    assert tracker_service.record_absence_action(engine, HEAD, red, "sent", now=NOW) == "letter"


def test_mitigation_pauses_escalation(engine, red):
    tracker_service.start_mitigation(engine, HEAD, red, "long-term illness (consultant letter)",
                                     now=NOW)
    alert = alerts_service.snapshot(engine, ON).find(red)
    assert alert.absence.paused
    assert not [d for d in alert.due if d.tracker == "absence"]
    with pytest.raises(ServiceError, match="paused"):
        tracker_service.record_absence_action(engine, HEAD, red, now=NOW)
    tracker_service.end_mitigation(engine, HEAD, red, now=NOW + dt.timedelta(hours=1))
    assert alerts_service.snapshot(engine, ON).find(red).absence.next_step is not None


def test_lateness_actions_and_review_keep_history(engine, school_year):
    pid = add_pupil(engine, "Lou", "Late", "A200000000002")
    fill(engine, pid, D(2025, 9, 3), ON)
    fill(engine, pid, D(2025, 10, 20), D(2025, 10, 22), "L", ("AM",))  # 3 in a week
    fill(engine, pid, D(2025, 11, 3), D(2025, 11, 4), "U", ("AM",))
    fill(engine, pid, D(2025, 11, 10), D(2025, 11, 12), "L", ("AM",))
    with pytest.raises(PermissionDenied):
        tracker_service.record_lateness_action(engine, READONLY, pid, "challenged", now=NOW)
    with pytest.raises(PermissionDenied):
        tracker_service.record_lateness_action(engine, OFFICE, pid, "contract", now=NOW)
    tracker_service.record_lateness_action(engine, OFFICE, pid, "challenged", "at the gate",
                                           now=NOW)
    alert = alerts_service.snapshot(engine, ON).find(pid)
    assert alert.lateness_level == "significant"
    assert "challenged" not in [d.key for d in alert.due if d.tracker == "lateness"]
    assert tracker_service.record_lateness_review(engine, HEAD, pid, "not_improved",
                                                  now=NOW) == "significant"
    alert = alerts_service.snapshot(engine, ON).find(pid)
    assert "panel_meeting" in [d.key for d in alert.due]
    tracker_service.record_lateness_action(engine, HEAD, pid, "contract", now=NOW)
    assert tracker_service.record_lateness_review(engine, HEAD, pid, "not_improved",
                                                  now=NOW) == "escalated"
    alert = alerts_service.snapshot(engine, ON).find(pid)
    assert alert.lateness_level == "escalated"
    tracker_service.record_lateness_action(engine, HEAD, pid, "handed_over", now=NOW)
    assert [(e.tracker, e.kind, e.value) for e in events(engine, pid)][-3:] == [
        ("lateness", "level", "escalated"), ("lateness", "action", "handed_over"),
        ("absence", "note", "lateness_handover")]


def test_penalty_considerations_must_all_be_answered(engine, red):
    fill(engine, red, D(2025, 11, 10), D(2025, 11, 14), "G")
    alert = alerts_service.snapshot(engine, ON).find(red)
    assert alert.penalty_threshold_met
    assert alert.due[0].tracker == "penalty"
    with pytest.raises(ServiceError, match="answer every question"):
        tracker_service.record_pn_decision(engine, HEAD, red, ["yes", "", "no", "no", "yes"],
                                           "issue", "term-time holiday", now=NOW)
    with pytest.raises(PermissionDenied):
        tracker_service.record_pn_decision(engine, OFFICE, red, ["a"] * 5, "issue", "x", now=NOW)
    tracker_service.record_pn_decision(engine, HEAD, red,
                                       ["No: support was offered", "Yes", "No", "No", "Yes"],
                                       "issue", "Term-time holiday after refusal", now=NOW)
    alert = alerts_service.snapshot(engine, ON).find(red)
    assert alert.penalty_decided
    assert not [d for d in alert.due if d.tracker == "penalty"]
    decision = events(engine, red)[-1]
    answers = json.loads(decision.details)["answers"]
    assert answers["Is more support possible for this family?"] == "No: support was offered"


def test_notice_log_amounts_and_the_third_notice_refused(engine, red):
    parent = add_parent(engine, red)
    first = tracker_service.issue_notice(engine, HEAD, red, parent, D(2024, 1, 10), now=NOW)
    assert tracker_service.set_notice_status(engine, HEAD, first, "paid", D(2024, 1, 31)) == 80
    second = tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 3, 3), now=NOW)
    assert tracker_service.set_notice_status(engine, HEAD, second, "paid", D(2025, 3, 4)) == 160
    with pytest.raises(ServiceError, match="already had 2 penalty notices"):
        tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 11, 20), now=NOW)
    tracker_service.set_notice_status(engine, HEAD, second, "withdrawn", D(2025, 4, 1))
    third = tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 11, 20), now=NOW)
    log = tracker_service.notices_for(engine, red)
    assert [(n.status, n.amount) for n in log] == [("paid", 80), ("withdrawn", 160),
                                                   ("issued", 160)]
    assert log[-1].id == third
    assert log[0].parent == "Pat Example"
    with session_scope(engine) as s:
        assert len(s.exec(select(PenaltyNotice)).all()) == 3


def test_first_notice_paid_late_costs_the_full_amount(engine, red):
    parent = add_parent(engine, red)
    nid = tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 10, 1), now=NOW)
    assert tracker_service.set_notice_status(engine, HEAD, nid, "paid", D(2025, 10, 23)) == 160


def test_no_notice_below_compulsory_school_age_or_to_a_stranger(engine, school_year):
    young = add_pupil(engine, "Max", "Young", "A200000000003", dob=D(2021, 6, 1))
    parent = add_parent(engine, young)
    with pytest.raises(ServiceError, match="compulsory school age"):
        tracker_service.issue_notice(engine, HEAD, young, parent, ON, now=NOW)
    other = add_pupil(engine, "Ned", "Other", "A200000000004")
    with pytest.raises(ServiceError, match="not a contact"):
        tracker_service.issue_notice(engine, HEAD, other, parent, ON, now=NOW)


def test_acknowledging_a_flag_clears_it_until_a_new_run(engine, school_year):
    pid = add_pupil(engine, "Olly", "Off", "A200000000005")
    fill(engine, pid, D(2025, 9, 3), D(2025, 10, 31))
    fill(engine, pid, D(2025, 11, 3), ON, "O")
    assert "absent_10_days" in [d.key for d in alerts_service.snapshot(engine, ON).find(pid).due]
    with pytest.raises(ServiceError, match="say what was done"):
        tracker_service.acknowledge_flag(engine, OFFICE, pid, "absent_10_days", " ", now=NOW)
    tracker_service.acknowledge_flag(engine, OFFICE, pid, "absent_10_days",
                                     "On the monthly LA return", now=NOW)
    alert = alerts_service.snapshot(engine, ON).find(pid)
    assert "absent_10_days" in alert.missing_education  # still true, shown on the CLI
    assert "absent_10_days" not in [d.key for d in alert.due]


def test_policy_stages_are_used(engine, red):
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, dataclasses.replace(
        policy, escalation_stages=preset("atlp").escalation_stages))
    step = alerts_service.snapshot(engine, ON).find(red).absence.next_step
    assert step.stage.key == "stage1"
    assert step.label == "Start: Stage 1: universal concern"


def test_notice_to_improve_brings_a_review_after_the_improvement_period(engine, red):
    fill(engine, red, D(2025, 11, 10), D(2025, 11, 14), "G")
    tracker_service.record_pn_decision(engine, HEAD, red, ["Yes"] * 5, "notice_to_improve",
                                       "Support refused; last chance first", now=NOW)
    due = alerts_service.snapshot(engine, ON).find(red).due
    review = next(d for d in due if d.key == "notice_to_improve")
    assert review.due == D(2026, 1, 5)  # 6 weeks after 20 Nov is New Year: the next school day
    assert review.urgency > 1  # not yet due
    late = alerts_service.snapshot(engine, D(2026, 1, 5)).find(red).due
    assert next(d for d in late if d.key == "notice_to_improve").urgency == 1
    tracker_service.record_pn_review(engine, HEAD, red, "improved", "9 of 10 sessions a week",
                                     now=NOW + dt.timedelta(weeks=6))
    assert "notice_to_improve" not in [
        d.key for d in alerts_service.snapshot(engine, D(2026, 1, 5)).find(red).due]
    assert tracker_service.history(engine, red)[0].label == "Notice to Improve review: improved"
