"""The whole-school alerts on small hand-made data: bands, PA, penalty threshold, flags,
lateness levels, and the board's order."""

from __future__ import annotations

import dataclasses
import datetime as dt

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import CallLog, LeaveDecision, LeaveRequest
from attendance_desktop.services import alerts_service, policy_service
from tests.conftest import HEAD
from tests.services.tracker_data import ON, D, add_pupil, fill


def test_exactly_ninety_percent_is_lower_amber_and_persistent(engine, school_year):
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, dataclasses.replace(policy, band_period="current"))
    pid = add_pupil(engine, "Bea", "Ninety", "A100000000001")
    fill(engine, pid, D(2025, 11, 3), D(2025, 11, 14))  # 20 sessions
    fill(engine, pid, D(2025, 11, 13), D(2025, 11, 13), "I")  # 2 absent -> 18/20
    got = alerts_service.snapshot(engine, D(2025, 11, 14)).find(pid)
    assert got.attendance_pct == 90.0
    assert got.period == "Autumn 2"
    assert got.band_key == "lower_amber"
    assert got.persistent
    assert not got.severe
    assert got.absence.next_step.kind == "start"
    assert got.absence.next_step.letter == "concern_lower_amber"


def test_band_comes_from_the_last_completed_half_term(engine, school_year):
    pid = add_pupil(engine, "Bo", "Band", "A100000000011")
    fill(engine, pid, D(2025, 9, 3), ON)  # Autumn 1 is 76 sessions
    fill(engine, pid, D(2025, 9, 3), D(2025, 9, 5), "X")  # 6 not counted: 70 possible
    fill(engine, pid, D(2025, 9, 8), D(2025, 9, 10), "I")  # 6 absent
    fill(engine, pid, D(2025, 9, 11), D(2025, 9, 11), "I", ("AM",))  # 7 absent: 63/70
    got = alerts_service.snapshot(engine, ON).find(pid)
    assert got.period == "Autumn 1"
    assert got.period_pct == 90.0
    assert got.band_key == "lower_amber"
    assert got.running_period == "Autumn 2"
    assert got.running_pct == 100.0
    assert got.previous_pct is None  # no earlier year held
    assert got.comparison == ""
    # on the last day of Autumn 1 the band still comes from the half term before (none)
    assert alerts_service.snapshot(engine, D(2025, 10, 24)).find(pid).period == "Autumn 1"


def test_penalty_threshold_and_board_order(engine, school_year):
    good = add_pupil(engine, "Ada", "Good", "A100000000002")
    truant = add_pupil(engine, "Cal", "Away", "A100000000003")
    late = add_pupil(engine, "Dot", "Late", "A100000000004")
    for pid in (good, truant, late):
        fill(engine, pid, D(2025, 9, 3), ON)
    fill(engine, truant, D(2025, 11, 17), D(2025, 11, 20), "O")  # 8 sessions
    assert not alerts_service.snapshot(engine, ON).find(truant).penalty_threshold_met
    fill(engine, truant, D(2025, 11, 14), D(2025, 11, 14), "G")  # +2 = 10
    fill(engine, late, D(2025, 11, 17), D(2025, 11, 19), "L", ("AM",))  # 3 lates this week
    snap = alerts_service.snapshot(engine, ON)
    t = snap.find(truant)
    assert t.penalty_threshold_met
    assert t.pn.sessions == 10
    assert snap.find(late).lateness_level == "significant"
    assert snap.find(late).lateness.this_week == 3
    board = snap.board()
    assert [p.pupil_id for p in board] == [truant, late]  # the good pupil has nothing due
    assert board[0].due[0].tracker == "penalty"
    assert good not in [p.pupil_id for p in board]


def test_twenty_days_all_o_is_missing_education_and_u_breaks_it(engine, school_year):
    gone = add_pupil(engine, "Eve", "Gone", "A100000000005")
    back = add_pupil(engine, "Fay", "Back", "A100000000006")
    for pid in (gone, back):
        fill(engine, pid, D(2025, 9, 3), D(2025, 10, 12))
        fill(engine, pid, D(2025, 10, 13), ON, "O")  # 10 + 14 school days
    fill(engine, back, D(2025, 11, 10), D(2025, 11, 10), "U", ("AM",))
    snap = alerts_service.snapshot(engine, ON)
    assert "missing_20_days" in snap.find(gone).missing_education
    assert "absent_10_days" in snap.find(gone).missing_education
    flags_back = snap.find(back).missing_education
    assert "missing_20_days" not in flags_back
    assert "absent_10_days" in flags_back
    assert snap.board()[0].pupil_id == gone


def test_not_back_after_leave_uses_the_granted_dates(engine, school_year):
    pid = add_pupil(engine, "Gus", "Leave", "A100000000007")
    fill(engine, pid, D(2025, 9, 3), D(2025, 10, 24))
    fill(engine, pid, D(2025, 11, 3), ON, "C")
    with session_scope(engine) as s:
        req = LeaveRequest(pupil_id=pid, requested_by="Parent", received_date=D(2025, 10, 1),
                           first_date=D(2025, 11, 3), last_date=D(2025, 11, 14), ground="C",
                           status="granted")
        s.add(req)
        s.flush()
        s.add(LeaveDecision(request_id=req.id, outcome="granted", decided_on=D(2025, 10, 2),
                            granted_first_date=D(2025, 11, 3), granted_last_date=D(2025, 11, 5),
                            staff_name="Head", staff_role="head"))
    fill(engine, pid, D(2025, 11, 6), ON, "O")
    # 6 Nov .. 19 Nov is ten school days after the leave ended
    assert "not_back_after_leave" in alerts_service.snapshot(engine, D(2025, 11, 19)).find(
        pid).missing_education
    assert "not_back_after_leave" not in alerts_service.snapshot(engine, D(2025, 11, 18)).find(
        pid).missing_education


def test_illness_weekly_contact_is_cleared_by_a_recent_call(engine, school_year):
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, dataclasses.replace(
        policy, flag_illness_weekly_contact=True))  # Vale's rule, switched on
    pid = add_pupil(engine, "Hal", "Poorly", "A100000000008")
    fill(engine, pid, D(2025, 9, 3), D(2025, 11, 11))
    fill(engine, pid, D(2025, 11, 12), ON, "I")  # 7 school days
    assert "illness_weekly_contact" in alerts_service.snapshot(engine, ON).find(
        pid).missing_education
    with session_scope(engine) as s:
        s.add(CallLog(pupil_id=pid, called_at=dt.datetime(2025, 11, 18, 9, 0), outcome="spoke"))
    assert "illness_weekly_contact" not in alerts_service.snapshot(engine, ON).find(
        pid).missing_education


def test_fifteen_illness_days_in_the_year_flag_the_la_return(engine, school_year):
    pid = add_pupil(engine, "Ivy", "Sick", "A100000000009")
    fill(engine, pid, D(2025, 9, 3), ON)
    days = fill(engine, pid, D(2025, 9, 22), D(2025, 10, 10), "I") // 2  # 15 school days
    assert days == 15
    got = alerts_service.snapshot(engine, ON).find(pid)
    assert "illness_15_days" in got.missing_education
    fill(engine, pid, D(2025, 10, 10), D(2025, 10, 10), "/", ("PM",))  # 14.5 days
    assert "illness_15_days" not in alerts_service.snapshot(engine, ON).find(
        pid).missing_education


def test_alert_row_has_the_cli_fields(engine, school_year):
    pid = add_pupil(engine, "Jo", "Row", "A100000000010")
    fill(engine, pid, D(2025, 9, 3), ON)
    row = alerts_service.alert_row(alerts_service.snapshot(engine, ON).find(pid))
    assert row == {"upn": "A100000000010", "attendance_pct": 100.0, "band": "green",
                   "lateness_level": "none", "persistent": False, "severe": False,
                   "penalty_threshold_met": False, "missing_education": [],
                   "n_overdue": False, "n_replace_by": [], "band_period": "Autumn 1",
                   "band_period_pct": 100.0, "running_period": "Autumn 2",
                   "running_pct": 100.0}


def test_every_preset_names_letters_that_exist():
    from attendance_desktop.domain.policy import PRESETS
    from attendance_desktop.services.letter_templates import DEFAULTS

    for name, policy in PRESETS.items():
        keys = {s.letter for s in policy.escalation_stages if s.letter != "{band}"}
        keys |= {s.letter for s in policy.lateness_steps}
        keys |= {template for _band, template in policy.band_letters}
        keys |= {"improved_better_band", "improved_still_concern", "not_improved_meeting"}
        keys.discard("")
        assert keys <= set(DEFAULTS), (name, keys - set(DEFAULTS))
        concern = [b.key for b in policy.bands if b.concern]
        assert set(dict(policy.band_letters)) <= {b.key for b in policy.bands}, name
        assert concern


def test_atlp_starts_stage_one_after_a_single_unauthorised_absence(engine, school_year):
    policy_service.apply_preset(engine, HEAD, "atlp")  # termly monitoring
    pid = add_pupil(engine, "Kai", "Once", "A100000000012")
    fill(engine, pid, D(2025, 9, 3), ON)
    assert alerts_service.snapshot(engine, D(2026, 1, 7)).find(pid).absence.next_step is None
    fill(engine, pid, D(2025, 10, 1), D(2025, 10, 1), "O", ("AM",))  # Autumn term: 99.4%
    got = alerts_service.snapshot(engine, D(2026, 1, 7)).find(pid)
    assert got.period == "Autumn"
    assert got.band_key == "universal"  # no band concern...
    assert got.absence.next_step.stage.key == "stage1"  # ...but one unauthorised absence


def test_sessions_before_compulsory_school_age_do_not_count_for_penalty_notices(engine,
                                                                                  school_year):
    # born 10 Jan 2021: fifth birthday 10 Jan 2026, compulsory school age from 31 Mar 2026
    young = add_pupil(engine, "Lia", "Young", "A100000000013", dob=D(2021, 1, 10))
    fill(engine, young, D(2025, 9, 3), ON)
    fill(engine, young, D(2025, 11, 10), D(2025, 11, 14), "O")
    got = alerts_service.snapshot(engine, ON).find(young)
    assert got.pn.sessions == 0
    assert not got.penalty_threshold_met
    assert not [d for d in got.due if d.tracker == "penalty"]
    older = add_pupil(engine, "Mo", "Older", "A100000000014", dob=D(2019, 1, 10))
    fill(engine, older, D(2025, 9, 3), ON)
    fill(engine, older, D(2025, 11, 10), D(2025, 11, 14), "O")
    assert alerts_service.snapshot(engine, ON).find(older).penalty_threshold_met


def test_year_monitoring_uses_the_year_to_date(engine, school_year):
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, dataclasses.replace(policy,
                                                                 monitoring_period="year"))
    pid = add_pupil(engine, "Yan", "Year", "A100000000015")
    fill(engine, pid, D(2025, 9, 3), ON)
    fill(engine, pid, D(2025, 11, 17), D(2025, 11, 20), "I")  # 8 of 104 sessions
    got = alerts_service.snapshot(engine, ON).find(pid)
    assert got.period == "2025/26"
    assert got.period_pct == 92.3
    assert got.band_key == "lower_amber"
