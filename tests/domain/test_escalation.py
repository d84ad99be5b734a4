"""Bands, period comparison, the stage workflow and the missing-education/LA flags."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain.calendar import SchoolCalendar, Span, default_term_dates
from attendance_desktop.domain.escalation import (
    absence_state,
    at_risk,
    compare,
    counts_of,
    current_and_previous,
    flags,
)
from attendance_desktop.domain.lateness import Event
from attendance_desktop.domain.policy import PRESETS, Policy
from attendance_desktop.domain.stats import Counts

POLICY = Policy()
D = dt.date
TERMS = default_term_dates(2025)
CAL = SchoolCalendar(TERMS.half_terms)
DAYS = CAL.school_days(D(2025, 9, 1), D(2026, 7, 31))
YEAR = Span("2025/26", TERMS.start, TERMS.end)
AUTUMN = TERMS.terms[0][0]


def pct(attended: int, possible: int) -> float:
    return Counts(present=attended, unauthorised=possible - attended).attendance_pct()


@pytest.mark.parametrize(("attended", "possible", "preset", "band"), [
    (171, 190, "lowther", "lower_amber"),  # exactly 90.0%
    (170, 190, "lowther", "red"),  # 89.47%
    (188, 200, "lowther", "upper_amber"),  # exactly 94.0%
    (192, 200, "lowther", "lower_green"),  # exactly 96.0%
    (10, 10, "lowther", "green"),
    (90, 100, "vale", "concern"),
    (92, 100, "vale", "speak"),
    (97, 100, "one_page", "green"),
    (96, 100, "one_page", "amber"),
    (89, 100, "one_page", "red"),
    (50, 100, "atlp", "stage2"),
    (49, 100, "atlp", "severe"),
])
def test_bands_of_every_preset_at_their_boundaries(attended, possible, preset, band):
    assert PRESETS[preset].band_for(pct(attended, possible)).key == band


def test_exactly_ninety_percent_is_persistent_absence():
    c = Counts(present=171, unauthorised=19)
    assert c.attendance_pct() == 90.0
    assert c.persistent(POLICY.persistent_absence_pct)
    assert not Counts(present=172, unauthorised=18).persistent()


def test_current_and_previous_half_terms():
    cur, prev = current_and_previous(TERMS.half_terms, D(2025, 11, 20))
    assert cur.name == "Autumn 2"
    assert prev.name == "Autumn 1"
    cur, prev = current_and_previous(TERMS.half_terms, D(2025, 12, 28))  # holiday
    assert cur.name == "Autumn 2"
    cur, prev = current_and_previous(TERMS.half_terms, D(2025, 8, 28))
    assert cur is None
    assert prev is None


@pytest.mark.parametrize(("before", "now", "outcome"), [
    (89.0, 91.0, "better_band"),  # red -> lower amber
    (89.0, 89.5, "improved_still_concern"),
    (91.0, 92.0, "improved_still_concern"),
    (92.0, 91.0, "not_improved"),
    (89.0, 89.0, "not_improved"),
    (93.0, 97.0, "better_band"),
    (97.0, 98.0, "no_concern"),
    (97.0, None, ""),
])
def test_comparison_with_the_previous_period(before, now, outcome):
    assert compare(POLICY, before, now) == outcome


def test_at_risk_within_two_points_of_the_pa_line_or_falling():
    assert at_risk(POLICY, Counts(present=92, unauthorised=8), 92.0, 92.0)  # exactly 8%
    assert not at_risk(POLICY, Counts(present=93, unauthorised=7), 93.0, 93.0)
    assert at_risk(POLICY, Counts(present=93, unauthorised=7), 93.0, 95.0)  # falling
    assert not at_risk(POLICY, Counts(present=90, unauthorised=10), 90.0, 99.0)  # already PA


def test_stage_workflow_letter_then_monitoring_with_due_dates():
    red = POLICY.band_for(85.0)
    on = D(2025, 11, 20)
    state = absence_state(POLICY, red, [], on)
    assert state.next_step.kind == "start"
    assert state.next_step.letter == "concern_red"
    events = [Event("stage", "letter", D(2025, 11, 3))]
    state = absence_state(POLICY, red, events, on)
    assert state.stage.key == "letter"
    assert state.next_step.kind == "action"
    assert state.next_step.due == D(2025, 11, 8)
    events.append(Event("action", "letter", D(2025, 11, 5)))
    state = absence_state(POLICY, red, events, on, "not_improved")
    assert state.next_step.kind == "review"
    assert state.next_step.due == D(2025, 12, 17)  # 6 weeks after the letter
    assert state.next_step.letter == "not_improved_meeting"
    events.append(Event("review", "improved_still_concern", D(2025, 12, 17)))
    assert absence_state(POLICY, red, events, on).next_step.due == D(2026, 1, 28)
    events.append(Event("stage", "monitoring", D(2025, 12, 18)))
    state = absence_state(POLICY, red, events, D(2025, 12, 18))
    assert state.next_step.label == "Send the monitoring warning letter"
    assert state.next_step.letter == "monitoring_warning"


def test_green_pupil_without_a_stage_has_nothing_due():
    assert absence_state(POLICY, POLICY.band_for(99.0), [], D(2025, 11, 20)).next_step is None


def test_mitigating_circumstances_pause_and_resume_escalation():
    red = POLICY.band_for(70.0)
    events = [Event("stage", "letter", D(2025, 11, 3)),
              Event("mitigation_start", "long-term illness", D(2025, 11, 4))]
    state = absence_state(POLICY, red, events, D(2025, 11, 20))
    assert state.paused
    assert state.next_step is None
    events.append(Event("mitigation_end", "", D(2025, 12, 1)))
    assert absence_state(POLICY, red, events, D(2025, 12, 2)).next_step.kind == "action"


# --- flags --------------------------------------------------------------------------


def run_of(code: str, first: dt.date, n: int) -> list[tuple[dt.date, str, str]]:
    i = DAYS.index(first)
    return [(d, s, code) for d in DAYS[i:i + n] for s in ("AM", "PM")]


# every flag switched on (the presets raise only their own policy's; see test_flags.py)
ALL_ON = Policy(flag_illness_weekly_contact=True, flag_signed_letter=True,
                flag_termly_unauthorised=True)


def names(marks, on, policy=ALL_ON, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.name for f in flags(policy, DAYS, marks, on, YEAR, AUTUMN, **kw)]


def test_twenty_school_days_of_g_n_o_across_half_term_flag_missing_education():
    start = D(2025, 10, 13)  # 10 days before half term, 10 after
    marks = run_of("O", start, 10) + run_of("N", D(2025, 11, 3), 9) + run_of("G", D(2025, 11, 14),
                                                                              1)
    assert "missing_20_days" in names(marks, D(2025, 11, 14))
    assert "missing_20_days" not in names(marks[:-2], D(2025, 11, 14))  # 19 days


@pytest.mark.parametrize("breaker", ["U", "I"])
def test_twenty_day_run_is_broken_by_a_u_or_an_i(breaker):
    marks = run_of("O", D(2025, 10, 13), 10) + run_of("O", D(2025, 11, 3), 10)
    marks = [(d, s, breaker if (d, s) == (D(2025, 11, 5), "PM") else c) for d, s, c in marks]
    got = names(marks, D(2025, 11, 14))
    assert "missing_20_days" not in got
    if breaker == "U":  # G/N/O/U: ten continuous days still counts for the LA return
        assert "absent_10_days" in got


def test_ten_continuous_days_of_g_n_o_u():
    marks = run_of("U", D(2025, 11, 3), 5) + run_of("O", D(2025, 11, 10), 5)
    assert "absent_10_days" in names(marks, D(2025, 11, 14))
    assert "absent_10_days" not in names(marks[2:], D(2025, 11, 14))


def test_registers_not_yet_taken_today_do_not_break_a_run():
    marks = run_of("O", D(2025, 10, 13), 10) + run_of("O", D(2025, 11, 3), 10)
    assert "missing_20_days" in names(marks, D(2025, 11, 17))


def test_fifteen_days_of_illness_in_the_year():
    marks = run_of("I", D(2025, 9, 8), 10) + run_of("I", D(2025, 11, 3), 5)
    assert "illness_15_days" in names(marks, D(2025, 11, 20))
    assert "illness_15_days" not in names(marks[:-1], D(2025, 11, 20))  # 14.5 days


def test_illness_over_five_days_asks_for_weekly_contact():
    marks = run_of("I", D(2025, 11, 3), 6)
    assert "illness_weekly_contact" in names(marks, D(2025, 11, 10))
    assert "illness_weekly_contact" not in names(marks[:-2], D(2025, 11, 10))  # 5 days
    assert "illness_weekly_contact" not in names(marks, D(2025, 11, 10),
                                                 last_contact=D(2025, 11, 7))


def test_signed_letter_after_more_than_three_days_in_a_row_or_ten_in_a_term():
    assert "signed_letter" in names(run_of("I", D(2025, 11, 3), 4), D(2025, 11, 6))
    assert "signed_letter" not in names(run_of("I", D(2025, 11, 3), 3), D(2025, 11, 6))
    mondays = [D(2025, 9, 8) + dt.timedelta(weeks=w) for w in range(12) if w != 7]  # no 27 Oct
    scattered = [m for monday in mondays for m in run_of("M", monday, 1)]
    assert "signed_letter" in names(scattered, D(2025, 11, 28))  # 11 single days this term
    assert "signed_letter" not in names(scattered[:-2], D(2025, 11, 28))  # 10 days


def test_not_back_ten_school_days_after_leave():
    leave_end = D(2025, 11, 7)
    marks = run_of("O", D(2025, 11, 10), 10)
    assert "not_back_after_leave" in names(marks, D(2025, 11, 21), leave_end=leave_end)
    assert "not_back_after_leave" not in names(marks, D(2025, 11, 20), leave_end=leave_end)
    back = [*marks, (D(2025, 11, 12), "AM", "/")]
    assert "not_back_after_leave" not in names(back, D(2025, 11, 21), leave_end=leave_end)


def test_counts_of_marks_between_dates():
    marks = [(D(2025, 11, 3), "AM", "/"), (D(2025, 11, 3), "PM", "L"), (D(2025, 11, 4), "AM", "U"),
             (D(2025, 11, 4), "PM", "X"), (D(2025, 12, 1), "AM", "I")]
    c = counts_of(marks, D(2025, 11, 1), D(2025, 11, 30))
    assert (c.present, c.unauthorised, c.not_counted, c.possible) == (2, 1, 1, 3)
