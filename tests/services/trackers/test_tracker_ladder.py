"""Issue 16 points 4-5 through the tracker service: the ladder per band, due dates on
school days, invitations, notice payments checked from each notice's own dates, and the
head's considerations as questions and answers."""

from __future__ import annotations

import pytest
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import PenaltyNotice
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.trackers import alerts_service, tracker_service
from tests.conftest import HEAD, OFFICE
from tests.services.tracker_data import NOW, ON, D, add_parent, add_pupil, fill


@pytest.fixture
def amber(engine, school_year):  # type: ignore[no-untyped-def]
    """A pupil at 92.1% in Autumn 1 (lower amber)."""
    pid = add_pupil(engine, "Fin", "Amber", "A500000000011")
    fill(engine, pid, D(2025, 9, 3), ON)
    fill(engine, pid, D(2025, 10, 20), D(2025, 10, 22), "I")
    return pid


@pytest.fixture
def red(engine, school_year):  # type: ignore[no-untyped-def]
    pid = add_pupil(engine, "Kit", "Red", "A500000000012")
    fill(engine, pid, D(2025, 9, 3), ON)
    fill(engine, pid, D(2025, 10, 13), D(2025, 10, 20), "I")
    return pid


def test_an_amber_pupil_cannot_be_walked_up_the_red_ladder(engine, amber):
    assert alerts_service.snapshot(engine, ON).find(amber).band_key == "lower_amber"
    assert tracker_service.stages_for(engine, amber, ON) == [("letter", "RAG letter")]
    with pytest.raises(ServiceError, match="ladder ends at 'RAG letter'"):
        tracker_service.set_stage(engine, HEAD, amber, "la_referral", now=NOW)
    tracker_service.set_stage(engine, HEAD, amber, "letter", now=NOW)
    tracker_service.record_absence_action(engine, OFFICE, amber, "letter sent", now=NOW)
    # not improved at the review: amber stays at the letter, no monitoring or panel
    assert tracker_service.record_absence_review(engine, HEAD, amber, "not_improved",
                                                 now=NOW) == "letter"
    assert next(h.label for h in tracker_service.history(engine, amber)) == \
        "Review: not improved"


def test_a_red_pupil_climbs_the_whole_ladder(engine, red):
    assert [k for k, _ in tracker_service.stages_for(engine, red, ON)] == [
        "letter", "monitoring", "panel", "la_referral"]
    tracker_service.set_stage(engine, HEAD, red, "panel", now=NOW)
    assert tracker_service.record_absence_review(engine, HEAD, red, "not_improved",
                                                 now=NOW) == "la_referral"


def test_a_stage_set_on_a_friday_before_the_holiday_is_due_on_a_school_day(engine, red):
    friday = NOW.replace(month=12, day=19)  # last day of Autumn 2
    tracker_service.set_stage(engine, HEAD, red, "letter", now=friday)
    rows = tracker_service.history(engine, red)
    assert rows[0].due_date == D(2026, 1, 5)  # 5 days on is Christmas week: first day back
    step = alerts_service.snapshot(engine, D(2025, 12, 19)).find(red).absence.next_step
    assert step.due == D(2026, 1, 5)


def test_sending_the_panel_invitation_does_not_record_the_meeting(engine, red):
    tracker_service.set_stage(engine, HEAD, red, "panel", now=NOW)
    assert not tracker_service.letter_completes_step("attendance_panel_invite")
    assert tracker_service.letter_completes_step("concern_red")
    tracker_service.record_invitation(engine, OFFICE, red, "absence", "panel", "Letter sent")
    step = alerts_service.snapshot(engine, ON).find(red).absence.next_step
    assert step.kind == "action"  # the meeting is still to be held
    assert step.label.startswith("Hold the panel meeting")
    assert tracker_service.history(engine, red)[0].label == \
        "Invitation sent: Attendance Panel Meeting and contract"


def test_a_payment_is_checked_against_the_notice_own_dates(engine, red):
    parent = add_parent(engine, red)
    first = tracker_service.issue_notice(engine, HEAD, red, parent, D(2024, 1, 10), now=NOW)
    with pytest.raises(ServiceError, match=r"£80 settles this notice on 31 Jan 2024"):
        tracker_service.record_payment(engine, HEAD, first, D(2024, 1, 31), 160)
    with pytest.raises(ServiceError, match="only within 28 days"):
        tracker_service.record_payment(engine, HEAD, first, D(2024, 2, 8), 160)
    assert tracker_service.expected_payment(engine, first, D(2024, 2, 1)) == 160
    tracker_service.record_payment(engine, HEAD, first, D(2024, 1, 31), 80)
    with session_scope(engine) as s:
        row = s.exec(select(PenaltyNotice).where(PenaltyNotice.id == first)).one()
        assert (row.status, row.paid_on, row.amount_paid) == ("paid", D(2024, 1, 31), 80)
    second = tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 3, 3), now=NOW)
    info = {n.id: n for n in tracker_service.notices_for(engine, red)}
    assert info[first].payment_text() == "£80 paid 31 Jan 2024"
    assert info[second].number == 2
    assert info[second].payment_text() == \
        "£160 (no reduction for a second notice) by 31 Mar 2025"
    with pytest.raises(ServiceError, match=r"£160 settles .* second notice"):
        tracker_service.record_payment(engine, HEAD, second, D(2025, 3, 4), 80)
    assert "Cannot be issued" in tracker_service.notice_preview(engine, red, parent, ON)
    with pytest.raises(ServiceError, match="already had 2"):
        tracker_service.issue_notice(engine, HEAD, red, parent, ON, now=NOW)


def test_a_notice_logged_late_changes_the_terms_of_later_ones(engine, red):
    parent = add_parent(engine, red)
    later = tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 6, 2), now=NOW)
    assert tracker_service.notices_for(engine, red)[0].number == 1
    assert tracker_service.notice_preview(engine, red, parent, D(2025, 1, 6)).startswith(
        "First notice")
    tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 1, 6), now=NOW)
    info = {n.id: n for n in tracker_service.notices_for(engine, red)}
    assert info[later].number == 2  # worked out from its own date, with the earlier one
    assert tracker_service.expected_payment(engine, later, D(2025, 6, 3)) == 160
    with pytest.raises(ServiceError, match="in the future"):
        tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 12, 1), now=NOW)


def test_considerations_read_as_questions_and_answers(engine, red):
    answers = ["Yes, a parenting course", "No: support first", "Yes", "Not yet",
               "Yes, SEND plan reviewed"]
    tracker_service.record_pn_decision(engine, HEAD, red, answers, "notice_to_improve",
                                       "Support first, then a last chance", now=NOW)
    row = next(h for h in tracker_service.history(engine, red) if h.kind == "decision")
    assert "{" not in row.details
    assert '"answers"' not in row.details
    lines = row.details.splitlines()
    assert lines[0] == "Is more support possible for this family? — Yes, a parenting course"
    assert lines[-1] == "Reasons: Support first, then a last chance"
    found = tracker_service.considerations(engine, red)
    assert found[0].decision == "Issue a Notice to Improve first"
    assert found[0].answers[4] == ("Have reasonable adjustments been made (SEND, health, "
                                   "circumstances)?", "Yes, SEND plan reviewed")
    assert tracker_service.decision_answers("not json") == ((), "not json")


def test_a_notice_unpaid_after_the_days_to_pay_says_so(engine, red):
    parent = add_parent(engine, red)
    tracker_service.issue_notice(engine, HEAD, red, parent, D(2025, 10, 1), now=NOW)
    notice = tracker_service.notices_for(engine, red)[0]
    assert notice.payment_text(D(2025, 10, 29)) == "£80 if paid by 22 Oct 2025, £160 by 29 Oct 2025"
    assert notice.payment_text(D(2025, 10, 30)).startswith("not paid by 29 Oct 2025")


@pytest.mark.parametrize(("codes", "met"), [(("G", "N", "O", "U"), True),
                                            (("G", "O", "U"), False)])
def test_whether_n_counts_follows_the_setting(engine, red, codes, met):
    from attendance_desktop.services.school import policy_service

    fill(engine, red, D(2025, 11, 10), D(2025, 11, 14), "N")  # 10 sessions of N
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, policy.replace(pn_codes=codes))
    alert = alerts_service.snapshot(engine, ON).find(red)
    assert alert.pn.met is met
    assert ("consider" in [d.key for d in alert.due]) is met
