"""Bands, period comparison, the stage workflow and the missing-education/LA flags."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain.calendar import SchoolCalendar, Span, default_term_dates
from attendance_desktop.domain.escalation import (
    NAge,
    absence_state,
    at_risk,
    band_periods,
    compare,
    counts_of,
    current_and_previous,
    flag_on,
    flags,
    n_deadline,
    registers_closed,
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
    assert state.next_step.due == D(2025, 11, 10)  # 5 days on is a Saturday: the Monday
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


# --- closed sessions, leave, N ageing, the band period, the presets' own flags ----------

CLOSED_PM = D(2025, 11, 6)  # a planned closed afternoon inside the runs below
CAL_PM = SchoolCalendar(TERMS.half_terms, {CLOSED_PM: frozenset({"PM"})})
DAYS_PM = CAL_PM.school_days(D(2025, 9, 1), D(2026, 7, 31))


def run_closed(code: str, first: dt.date, n: int) -> list[tuple[dt.date, str, str]]:
    """n school days of `code`, the closed afternoon marked # as the register does."""
    i = DAYS_PM.index(first)
    return [(d, s, "#" if (d, s) == (CLOSED_PM, "PM") else code)
            for d in DAYS_PM[i:i + n] for s in ("AM", "PM")]


def names_pm(marks, on, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.name for f in flags(ALL_ON, DAYS_PM, marks, on, YEAR, AUTUMN,
                                  is_open=CAL_PM.is_open, **kw)]


@pytest.mark.parametrize(("days", "flag", "raised"), [
    (20, "missing_20_days", True), (19, "missing_20_days", False),
    (10, "absent_10_days", True), (9, "absent_10_days", False)])
def test_a_run_across_a_half_day_closure_and_half_term_at_its_boundaries(days, flag, raised):
    # ends on Fri 14 Nov: across the closed afternoon of 6 Nov and (for 20) the half term
    end = DAYS_PM.index(D(2025, 11, 14))
    marks = run_closed("O", DAYS_PM[end - days + 1], days)
    if days == 20:
        assert DAYS_PM[end - days + 1] < D(2025, 10, 24)  # the run crosses the half term
    assert (flag in names_pm(marks, D(2025, 11, 14))) is raised


def test_a_closed_session_marked_hash_never_breaks_a_run_even_without_the_closure():
    # the calendar has no closure; the register says # for a whole day: skipped, not a break
    marks = run_of("O", D(2025, 10, 13), 10) + run_of("O", D(2025, 11, 3), 10)
    marks = [(d, s, "#" if d == D(2025, 11, 5) else c) for d, s, c in marks]
    assert "missing_20_days" not in names(marks, D(2025, 11, 14))  # 19 school days of O
    marks += run_of("O", D(2025, 11, 17), 1)
    assert "missing_20_days" in names(marks, D(2025, 11, 17))


def test_a_session_the_calendar_closed_is_skipped_whatever_its_mark():
    marks = run_closed("O", D(2025, 10, 13), 20)
    # an X (or anything) on the closed afternoon is not a school session: no break
    marks = [(d, s, "X" if c == "#" else c) for d, s, c in marks]
    got = [f.name for f in flags(ALL_ON, DAYS_PM, marks, D(2025, 11, 14), YEAR, AUTUMN,
                                 is_open=CAL_PM.is_open)]
    assert "missing_20_days" in got
    without = [f.name for f in flags(ALL_ON, DAYS_PM, marks, D(2025, 11, 14), YEAR, AUTUMN)]
    assert "missing_20_days" not in without  # the calendar is what says it was closed


def test_illness_after_leave_is_not_counted_as_not_back():
    leave_end = D(2025, 11, 7)
    ill = run_of("I", D(2025, 11, 10), 10)
    assert "not_back_after_leave" not in names(ill, D(2025, 11, 21), leave_end=leave_end)
    # three days ill, then ten more away: ten days without illness
    mixed = run_of("I", D(2025, 11, 10), 3) + run_of("O", D(2025, 11, 13), 10)
    assert "not_back_after_leave" in names(mixed, D(2025, 11, 26), leave_end=leave_end)
    assert "not_back_after_leave" not in names(mixed, D(2025, 11, 25), leave_end=leave_end)


@pytest.mark.parametrize("code", ["C", "C1", "J1"])
def test_leave_marks_from_an_import_count_as_leave(code):
    marks = run_of(code, D(2025, 11, 3), 5) + run_of("O", D(2025, 11, 10), 10)
    assert "not_back_after_leave" in names(marks, D(2025, 11, 21))  # no leave request held
    assert "not_back_after_leave" not in names(marks, D(2025, 11, 20))  # 9 school days


def test_n_deadline_is_the_fifth_school_day_and_overdue_the_day_after():
    monday = D(2025, 11, 3)
    deadline = n_deadline(CAL.add_school_days, monday, 5)
    assert deadline == D(2025, 11, 10)
    n = NAge(monday, "AM", deadline)
    assert not n.overdue(D(2025, 11, 10))
    assert n.overdue(D(2025, 11, 11))
    # across half term: the holiday does not count
    friday = D(2025, 10, 24)
    assert n_deadline(CAL.add_school_days, friday, 5) == D(2025, 11, 7)
    marks = [(monday, "AM", "N")]
    assert "n_overdue" not in names(marks, D(2025, 11, 10), n_marks=[n])
    assert "n_overdue" in names(marks, D(2025, 11, 11), n_marks=[n])
    assert n_deadline(CAL.add_school_days, D(2026, 7, 20), 5) is None  # past the dates held


HALVES = [*default_term_dates(2024).half_terms, *TERMS.half_terms]
TERMS_2Y = [t for y in (default_term_dates(2024), TERMS) for t, _a, _b in y.terms]


@pytest.mark.parametrize(("on", "closed", "band", "running"), [
    (D(2025, 10, 24), False, "Autumn 1", "Autumn 1"),  # none completed this year: running
    (D(2025, 10, 24), True, "Autumn 1", "Autumn 1"),
    (D(2025, 11, 20), True, "Autumn 1", "Autumn 2"),
    (D(2025, 12, 19), False, "Autumn 1", "Autumn 2"),  # last day, registers still open
    (D(2025, 12, 19), True, "Autumn 2", "Autumn 2"),  # ... complete once they close
    (D(2025, 12, 29), False, "Autumn 2", "Autumn 2"),  # holiday
])
def test_band_period_is_the_last_completed_half_term(on, closed, band, running):
    got = band_periods(POLICY, HALVES, on, closed, TERMS.start)
    assert (got[0].name, got[2].name) == (band, running)


def test_one_page_december_letters_never_quote_last_years_summer():
    one_page = PRESETS["one_page"]
    band, previous, running = band_periods(one_page, TERMS_2Y, D(2025, 12, 10), True,
                                           TERMS.start)
    assert band == running
    assert (band.name, band.start) == ("Autumn", TERMS.start)
    assert previous is not None
    assert previous.name == "Summer"  # compared with, not banded
    band, _p, _r = band_periods(one_page, TERMS_2Y, D(2026, 1, 12), True, TERMS.start)
    assert (band.name, band.end) == ("Autumn", D(2025, 12, 19))
    current = PRESETS["lowther"].replace(band_period="current")
    assert band_periods(current, HALVES, D(2025, 12, 19), True, TERMS.start)[0].name == \
        "Autumn 2"


def test_registers_closed_on_the_day():
    pm_closed = D(2025, 11, 6)
    assert not registers_closed(POLICY, CAL, D(2025, 12, 19), dt.datetime(2025, 12, 19, 13, 39))
    assert registers_closed(POLICY, CAL, D(2025, 12, 19), dt.datetime(2025, 12, 19, 13, 40))
    # a closed afternoon: the day is complete once the morning register closes
    assert registers_closed(POLICY, CAL_PM, pm_closed, dt.datetime(2025, 11, 6, 9, 25))
    assert not registers_closed(POLICY, CAL_PM, pm_closed, dt.datetime(2025, 11, 6, 9, 24))
    assert registers_closed(POLICY, CAL, D(2025, 12, 18), dt.datetime(2025, 12, 19, 8, 0))
    assert not registers_closed(POLICY, CAL, D(2025, 12, 19), dt.datetime(2025, 12, 18, 20, 0))


OWN_FLAGS = {
    "lowther": set(), "atlp": set(), "one_page": set(),
    "wessex": {"signed_letter"}, "vale": {"illness_weekly_contact", "termly_unauthorised"},
}
NATIONAL = {"missing_20_days", "not_back_after_leave", "absent_10_days", "illness_15_days",
            "n_overdue"}
LOCAL = {"signed_letter", "illness_weekly_contact", "termly_unauthorised"}


@pytest.mark.parametrize("preset", sorted(OWN_FLAGS))
def test_each_preset_raises_only_its_own_policys_flags(preset):
    policy = PRESETS[preset]
    on = {n for n in NATIONAL | LOCAL if flag_on(policy, n)}
    assert on == (NATIONAL | OWN_FLAGS[preset])
    # a pupil who trips every local rule: 12 days ill in a row, 10 unauthorised this term
    marks = run_of("O", D(2025, 9, 15), 10) + run_of("I", D(2025, 11, 3), 12)
    got = {f.name for f in flags(policy, DAYS, marks, D(2025, 11, 18), YEAR, AUTUMN)}
    assert got & LOCAL == OWN_FLAGS[preset]
    switched = policy.replace(flag_signed_letter=True, flag_termly_unauthorised=True,
                              flag_illness_weekly_contact=True)
    got = {f.name for f in flags(switched, DAYS, marks, D(2025, 11, 18), YEAR, AUTUMN)}
    assert got >= LOCAL  # the school switches the others on


def test_a_saved_policy_from_before_the_flag_settings_keeps_its_presets_flags():
    stored = PRESETS["vale"].to_dict()
    for key in [k for k in stored if k.startswith("flag_")]:
        del stored[key]
    back = Policy.from_dict(stored)
    assert back.flag_illness_weekly_contact
    assert back.flag_termly_unauthorised
    assert not back.flag_signed_letter
    assert Policy.from_dict(PRESETS["wessex"].to_dict()).flag_signed_letter
