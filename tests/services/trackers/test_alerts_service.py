"""The whole-school alerts on small hand-made data: bands, PA, penalty threshold, flags,
lateness levels, and the board's order."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import update
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import CallLog, LeaveDecision, LeaveRequest, Mark
from attendance_desktop.domain import escalation
from attendance_desktop.services.letters import letter_facts
from attendance_desktop.services.school import calendar_service, policy_service
from attendance_desktop.services.trackers import alerts_service
from tests.conftest import HEAD, clock_at
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
    from attendance_desktop.services.letters.letter_templates import DEFAULTS

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


# --- closed sessions, leave marks, N ageing, the band period, long runs -----------------


def test_a_planned_closed_afternoon_inside_twenty_days_of_o_keeps_the_run(engine, school_year):
    calendar_service.add_closure(engine, HEAD, D(2025, 11, 6), "PM", description="INSET")
    pid = add_pupil(engine, "Cy", "Closed", "A100000000031")
    fill(engine, pid, D(2025, 9, 3), D(2025, 10, 10))
    fill(engine, pid, D(2025, 10, 13), D(2025, 11, 14), "O")  # 20 school days
    with session_scope(engine) as s:  # the closed afternoon as an import would bring it
        s.execute(update(Mark).where(Mark.pupil_id == pid, Mark.date == D(2025, 11, 6),
                                     Mark.session == "PM").values(code="#"))
    got = alerts_service.snapshot(engine, D(2025, 11, 14)).find(pid).missing_education
    assert {"missing_20_days", "absent_10_days"} <= set(got)
    fill(engine, pid, D(2025, 10, 13), D(2025, 10, 13))  # 19 days: no 20-day flag
    got = alerts_service.snapshot(engine, D(2025, 11, 14)).find(pid).missing_education
    assert "missing_20_days" not in got
    assert "absent_10_days" in got


def test_leave_imported_as_c_marks_and_illness_after_it(engine, school_year):
    pid = add_pupil(engine, "Lee", "Leave", "A100000000032")
    fill(engine, pid, D(2025, 9, 3), D(2025, 10, 31))
    fill(engine, pid, D(2025, 11, 3), D(2025, 11, 7), "C")  # no leave request held
    fill(engine, pid, D(2025, 11, 10), D(2025, 11, 21), "O")
    assert "not_back_after_leave" in alerts_service.snapshot(engine, D(2025, 11, 21)).find(
        pid).missing_education
    fill(engine, pid, D(2025, 11, 10), D(2025, 11, 21), "I")  # off sick instead
    assert "not_back_after_leave" not in alerts_service.snapshot(engine, D(2025, 11, 21)).find(
        pid).missing_education


def test_a_run_longer_than_the_recent_window_keeps_its_first_day(engine, school_year):
    pid = add_pupil(engine, "Ro", "Long", "A100000000033")
    fill(engine, pid, D(2025, 9, 3), D(2025, 9, 12))
    fill(engine, pid, D(2025, 9, 15), ON, "O")  # 44 school days of O
    got = alerts_service.snapshot(engine, ON).find(pid)
    flag = next(f for f in got.flags if f.name == "missing_20_days")
    assert flag.since == D(2025, 9, 15)
    assert flag.detail.startswith("44 school days")


def test_n_overdue_after_the_fifth_school_day_and_the_deadline_before(engine, school_year):
    pid = add_pupil(engine, "Nia", "Unknown", "A100000000034")
    fill(engine, pid, D(2025, 9, 3), ON)
    fill(engine, pid, D(2025, 11, 3), D(2025, 11, 3), "N", ("AM",))
    on_day = alerts_service.snapshot(engine, D(2025, 11, 10)).find(pid)  # 5th school day
    assert not on_day.n_overdue
    assert [(n.day, n.deadline) for n in on_day.n_pending] == [(D(2025, 11, 3),
                                                                D(2025, 11, 10))]
    row = alerts_service.alert_row(on_day)
    assert row["n_replace_by"] == [{"date": "2025-11-03", "session": "AM",
                                    "replace_by": "2025-11-10"}]
    after = alerts_service.snapshot(engine, D(2025, 11, 11)).find(pid)
    assert after.n_overdue
    assert after.n_pending == ()
    assert alerts_service.alert_row(after)["n_overdue"] is True
    assert any(d.key == "n_overdue" and d.overdue(D(2025, 11, 11)) for d in after.due)


def test_band_period_turns_over_when_the_last_registers_close(engine, school_year):
    pid = add_pupil(engine, "Ty", "Turn", "A100000000035")
    fill(engine, pid, D(2025, 9, 3), D(2025, 12, 19))
    fill(engine, pid, D(2025, 12, 15), D(2025, 12, 19), "O")  # Autumn 2: 5 of 35 days
    clock_at(engine, dt.datetime(2025, 12, 19, 13, 39))
    before = alerts_service.snapshot(engine, D(2025, 12, 19)).find(pid)
    assert (before.period, before.band_key) == ("Autumn 1", "green")
    assert before.running_period == "Autumn 2"
    clock_at(engine, dt.datetime(2025, 12, 19, 13, 40))
    after = alerts_service.snapshot(engine, D(2025, 12, 19)).find(pid)
    assert (after.period, after.period_pct) == ("Autumn 2", 85.7)
    assert after.band_key == "red"
    # the letters use the very same period
    policy = policy_service.load_policy(engine)
    assert letter_facts.resolve_period(engine, policy, D(2025, 12, 19)) == after.period_span


def test_persistent_absence_shows_beside_a_green_band(engine, school_year):
    pid = add_pupil(engine, "Pa", "Green", "A100000000036")
    fill(engine, pid, D(2025, 9, 3), D(2025, 10, 24), "O")  # Autumn 1 all absent
    fill(engine, pid, D(2025, 11, 3), ON)
    policy = policy_service.load_policy(engine)
    policy_service.save_policy(engine, HEAD, dataclasses.replace(policy, band_period="current"))
    got = alerts_service.snapshot(engine, ON).find(pid)
    assert got.band_key == "green"
    assert "severe absence" in got.warnings


def test_sql_period_counts_agree_with_counting_the_marks(engine, school_year):
    pid = add_pupil(engine, "Mo", "Mixed", "A100000000037")
    fill(engine, pid, D(2025, 9, 3), ON)
    for code, start, end in (("L", D(2025, 9, 8), D(2025, 9, 9)),
                             ("I", D(2025, 10, 1), D(2025, 10, 2)),
                             ("X", D(2025, 10, 6), D(2025, 10, 6)),
                             ("U", D(2025, 11, 4), D(2025, 11, 4)),
                             ("M", D(2025, 11, 5), D(2025, 11, 5)),
                             ("V", D(2025, 11, 6), D(2025, 11, 6)),
                             ("O", D(2025, 11, 12), D(2025, 11, 13))):
        fill(engine, pid, start, end, code, ("AM",))
    with session_scope(engine) as s:
        marks = [(m.date, m.session, m.code)
                 for m in s.exec(select(Mark).where(Mark.pupil_id == pid))]
    got = alerts_service.snapshot(engine, ON).find(pid)
    want = escalation.counts_of(marks, D(2025, 9, 1), ON)
    assert (got.year_counts.present, got.year_counts.approved, got.year_counts.authorised,
            got.year_counts.unauthorised, got.year_counts.not_counted, got.year_counts.late_l,
            got.year_counts.late_u) == (want.present, want.approved, want.authorised,
                                        want.unauthorised, want.not_counted, want.late_l,
                                        want.late_u)
    autumn1 = escalation.counts_of(marks, D(2025, 9, 3), D(2025, 10, 24))
    assert got.period == "Autumn 1"
    assert got.period_pct == round(autumn1.attendance_pct(), 1)
    autumn2 = escalation.counts_of(marks, D(2025, 11, 3), ON)
    assert got.running_pct == round(autumn2.attendance_pct(), 1)
