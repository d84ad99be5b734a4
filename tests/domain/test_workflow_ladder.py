"""Issue 16 points 4-5 at their boundaries: due dates on school days, steps that are not
reachable yet, the ladder each band may climb, the lateness review's weeks, the
penalty-notice codes and the framework's amounts."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain.calendar import SchoolCalendar, default_term_dates
from attendance_desktop.domain.due_dates import due_after, on_school_day
from attendance_desktop.domain.escalation import absence_state, ladder, next_stage
from attendance_desktop.domain.lateness import Event, assess
from attendance_desktop.domain.penalty import (
    NoticeRecord,
    amount_due_on,
    notice_number,
    payment_problem,
    payment_terms,
    pn_window,
    refusal_reason,
)
from attendance_desktop.domain.policy import PRESETS, Policy, PolicyError

D = dt.date
POLICY = Policy()
TERMS = default_term_dates(2025)
CAL = SchoolCalendar(TERMS.half_terms)
# Friday 24 Oct 2025, the last day before the October half term, made an INSET day
INSET = SchoolCalendar(TERMS.half_terms, {D(2025, 10, 24): frozenset({"AM", "PM"})})
WEEKS = CAL.school_weeks(D(2025, 9, 1), D(2026, 7, 31))


def week(monday: dt.date, n: int) -> list[dt.date]:
    return [monday + dt.timedelta(days=i) for i in range(n)]


# --- due dates on school days ---------------------------------------------------------


@pytest.mark.parametrize(("day", "expected"), [
    (D(2025, 10, 24), D(2025, 10, 24)),  # Friday before half term, a school day: kept
    (D(2025, 10, 25), D(2025, 11, 3)),  # Saturday of half term: first day back
    (D(2025, 10, 29), D(2025, 11, 3)),  # in half term
    (D(2025, 11, 9), D(2025, 11, 10)),  # a Sunday
    (D(2025, 12, 25), D(2026, 1, 5)),  # Christmas Day
])
def test_a_due_date_moves_to_the_next_school_day(day, expected):
    assert on_school_day(CAL, day) == expected


def test_an_inset_friday_before_half_term_moves_to_the_first_school_day_after():
    assert on_school_day(INSET, D(2025, 10, 24)) == D(2025, 11, 3)
    assert on_school_day(INSET, D(2025, 10, 23)) == D(2025, 10, 23)


def test_beyond_the_term_dates_held_the_weekend_is_still_skipped():
    assert on_school_day(CAL, D(2027, 9, 4)) == D(2027, 9, 6)  # Saturday -> Monday
    assert on_school_day(None, D(2025, 11, 8)) == D(2025, 11, 10)
    assert on_school_day(CAL, D(2020, 3, 7)) == D(2020, 3, 9)  # before the dates held
    assert due_after(CAL, D(2025, 11, 20), weeks=6) == D(2026, 1, 5)


def test_stage_action_due_in_half_term_falls_on_the_first_day_back():
    red = POLICY.band_for(80.0)
    # the stage was set on the Sunday before the INSET Friday: 5 days on is that Friday
    events = [Event("stage", "letter", D(2025, 10, 19))]
    state = absence_state(POLICY, red, events, D(2025, 10, 22), calendar=INSET)
    assert state.next_step.due == D(2025, 11, 3)
    # the review, 6 weeks after the action on 13 Nov, is Christmas Day: 5 January
    events.append(Event("action", "letter", D(2025, 11, 13)))
    state = absence_state(POLICY, red, events, D(2025, 11, 20), calendar=CAL)
    assert state.next_step.kind == "review"
    assert state.next_step.due == D(2026, 1, 5)
    # starting on a Saturday: due the Monday
    start = absence_state(POLICY, red, [], D(2025, 11, 22), calendar=CAL).next_step
    assert start.kind == "start"
    assert start.due == D(2025, 11, 24)


def test_lateness_review_due_on_an_inset_friday_moves_past_half_term():
    # significant in w/c 29 Sep: the 4th school week is w/c 20 Oct, its Friday an INSET day
    got = assess(POLICY, WEEKS, week(D(2025, 9, 29), 3), [], D(2025, 10, 3), calendar=INSET)
    assert got.level == "significant"
    assert got.review_due == D(2025, 11, 3)
    assert assess(POLICY, WEEKS, week(D(2025, 9, 29), 3), [], D(2025, 10, 3),
                  calendar=CAL).review_due == D(2025, 10, 24)


# --- steps not yet reachable ------------------------------------------------------------


def test_panel_and_contract_are_not_due_before_they_can_be_reached():
    lates = week(D(2025, 9, 8), 3)  # significant in September
    lates += [D(2025, 9, 16), D(2025, 9, 23), D(2025, 9, 30), D(2025, 10, 7)]  # continues
    on = D(2025, 10, 8)
    keys = [d.step.key for d in assess(POLICY, WEEKS, lates, [], on, calendar=CAL).actions_due]
    assert "panel_meeting" not in keys
    assert "contract" not in keys
    # the review that opens the panel stage is on a Saturday: the meeting is due Monday,
    # not since the significant week in September
    review = [Event("review", "not_improved", D(2025, 10, 11))]
    got = assess(POLICY, WEEKS, lates, review, D(2025, 10, 13), calendar=CAL)
    due = {d.step.key: d.due for d in got.actions_due}
    assert due["panel_meeting"] == D(2025, 10, 13)
    assert "contract" not in due  # agreed at the meeting: not reachable until it is held
    held = [*review, Event("action", "panel_meeting", D(2025, 10, 15))]
    got = assess(POLICY, WEEKS, lates, held, D(2025, 10, 16), calendar=CAL)
    due = {d.step.key: d.due for d in got.actions_due}
    assert "panel_meeting" not in due
    assert due["contract"] == D(2025, 10, 15)
    assert all(d >= D(2025, 10, 13) for k, d in due.items() if k in ("contract",))


def test_a_stage_is_never_due_before_it_starts():
    red = POLICY.band_for(80.0)
    events = [Event("stage", "letter", D(2025, 9, 10)), Event("action", "letter",
                                                               D(2025, 9, 12)),
              Event("review", "not_improved", D(2025, 10, 24)),
              Event("stage", "monitoring", D(2025, 11, 17))]
    step = absence_state(POLICY, red, events, D(2025, 11, 18), calendar=CAL).next_step
    assert step.stage.key == "monitoring"
    assert step.due >= D(2025, 11, 17)  # from when monitoring began, not from September
    assert step.due == D(2025, 11, 24)


# --- the lateness review's weeks -------------------------------------------------------


def test_a_late_review_reads_the_latest_weeks_not_the_first_ones():
    lates = [*week(D(2025, 11, 3), 3), D(2025, 11, 11)]  # 3, 1, 0, 0: quiet at first
    assert assess(POLICY, WEEKS, lates, [], D(2025, 11, 28)).suggested_review == "improved"
    lates += week(D(2025, 12, 1), 3) + week(D(2025, 12, 8), 3)  # then bad again
    got = assess(POLICY, WEEKS, lates, [], D(2025, 12, 12), calendar=CAL)
    assert got.suggested_review == "not_improved"


def test_a_quiet_week_still_running_is_not_read_yet_but_a_bad_one_is():
    lates = [*week(D(2025, 11, 3), 3), D(2025, 11, 11)]
    # Tuesday 2 Dec, nothing yet this week: the complete weeks 17 and 24 Nov were quiet
    assert assess(POLICY, WEEKS, lates, [], D(2025, 12, 2),
                  calendar=CAL).suggested_review == "improved"
    worse = lates + week(D(2025, 11, 24), 1) + week(D(2025, 12, 1), 3)
    assert assess(POLICY, WEEKS, worse, [], D(2025, 12, 3),
                  calendar=CAL).suggested_review == "not_improved"


# --- the ladder per band ----------------------------------------------------------------


def test_amber_is_not_red_on_the_lowther_ladder():
    amber, red = POLICY.band_for(92.0), POLICY.band_for(85.0)
    assert amber.key == "lower_amber"
    assert [s.key for s in ladder(POLICY, amber)] == ["letter"]
    letter = ladder(POLICY, amber)[0]
    assert next_stage(POLICY, letter, amber) is None  # no monitoring, panel or LA referral
    assert [s.key for s in ladder(POLICY, red)] == ["letter", "monitoring", "panel",
                                                    "la_referral"]
    assert next_stage(POLICY, letter, red).key == "monitoring"
    panel = ladder(POLICY, red)[2]
    assert next_stage(POLICY, panel, amber) is None  # improved to amber: no higher


@pytest.mark.parametrize(("name", "pct", "top"), [
    ("vale", 93.0, "speak"), ("vale", 91.0, "letter"), ("vale", 80.0, "penalty"),
    ("wessex", 93.0, "meeting"), ("wessex", 80.0, "intervention"),
    ("atlp", 93.0, "stage4"), ("one_page", 93.0, "early_help"),
])
def test_each_preset_ladder_goes_as_far_as_its_policy(name, pct, top):
    policy = PRESETS[name]
    assert ladder(policy, policy.band_for(pct))[-1].key == top


def test_a_stored_policy_from_before_the_setting_gets_its_presets_ladder():
    data = PRESETS["wessex"].to_dict()
    del data["band_ladder_ends"]
    assert Policy.from_dict(data).band_ladder_ends == (("contact", "meeting"),)
    assert Policy.from_dict(PRESETS["atlp"].to_dict()).band_ladder_ends == ()


def test_a_ladder_end_naming_a_removed_stage_means_the_whole_ladder():
    policy = POLICY.replace(escalation_stages=PRESETS["atlp"].escalation_stages)
    assert len(ladder(policy, policy.band_for(92.0))) == 4
    with pytest.raises(PolicyError, match="two ladder ends"):
        POLICY.replace(band_ladder_ends=(("red", "letter"), ("red", "panel")))


# --- penalty-notice codes ---------------------------------------------------------------


def test_only_real_codes_count_towards_a_penalty_notice():
    with pytest.raises(PolicyError, match="'QQ' cannot count towards a penalty notice"):
        POLICY.replace(pn_codes=("G", "N", "O", "U", "QQ"))
    with pytest.raises(PolicyError, match="'I' cannot count"):
        POLICY.replace(pn_codes=("G", "O", "U", "I"))
    with pytest.raises(PolicyError, match=r"missing: O"):
        POLICY.replace(pn_codes=("G", "N", "U"))
    assert POLICY.pn_codes == ("G", "N", "O", "U")


def test_whether_n_counts_is_a_setting():
    without_n = POLICY.replace(pn_codes=("G", "O", "U"))
    assert POLICY.pn_counts_n
    assert not without_n.pn_counts_n
    marks = [(d, s, "N") for d in CAL.school_days(D(2025, 11, 3), D(2025, 11, 7))
             for s in ("AM", "PM")]
    assert pn_window(POLICY, WEEKS, marks, D(2025, 11, 7)).met  # 10 N sessions
    assert pn_window(without_n, WEEKS, marks, D(2025, 11, 7)).sessions == 0
    mixed = marks[:5] + [(d, s, "O") for d, s, _c in marks[5:]]
    assert pn_window(without_n, WEEKS, mixed, D(2025, 11, 7)).sessions == 5


# --- amounts and limits (national framework) -------------------------------------------


@pytest.mark.parametrize(("days", "amount"), [(0, 80), (21, 80), (22, 160), (28, 160),
                                              (29, None)])
def test_first_notice_amount_by_payment_day(days, amount):
    issued = D(2025, 11, 3)
    terms = payment_terms(POLICY, 1, issued)
    assert amount_due_on(terms, issued + dt.timedelta(days=days)) == amount


def test_second_notice_is_160_with_no_discount_and_the_third_is_refused():
    first = NoticeRecord(D(2024, 1, 10), "paid")
    assert notice_number(POLICY, [first], D(2025, 3, 3)) == 2
    terms = payment_terms(POLICY, 2, D(2025, 3, 3))
    assert amount_due_on(terms, D(2025, 3, 4)) == 160
    assert payment_problem(terms, D(2025, 3, 4), 80) == (
        "£160 settles this notice on 04 Mar 2025 (a second notice is the full amount, with "
        "no reduction), not £80")
    two = [first, NoticeRecord(D(2025, 3, 3), "issued")]
    assert "already had 2 penalty notices" in refusal_reason(POLICY, two, D(2025, 11, 20))
    assert refusal_reason(POLICY, two, D(2027, 1, 11)) is None  # 3 years after the first


def test_payment_problems_are_explained():
    terms = payment_terms(POLICY, 1, D(2025, 11, 3))
    assert payment_problem(terms, D(2025, 11, 24), 80) is None  # day 21
    assert "£160 settles this notice on 25 Nov 2025 (paid after 24 Nov 2025" in \
        payment_problem(terms, D(2025, 11, 25), 80)
    assert "only within 28 days of issue (by 01 Dec 2025)" in \
        payment_problem(terms, D(2025, 12, 2), 160)
    assert "before the notice was issued" in payment_problem(terms, D(2025, 11, 2), 80)
    assert terms.describe() == "£80 if paid by 24 Nov 2025, £160 by 01 Dec 2025"


def test_a_back_dated_notice_cannot_make_a_later_one_the_third():
    held = [NoticeRecord(D(2025, 3, 1), "issued"), NoticeRecord(D(2025, 9, 1), "issued")]
    reason = refusal_reason(POLICY, held, D(2025, 1, 15))
    assert reason is not None
    assert "01 Sep 2025" in reason
    # the number of a notice comes from the notices before it, never later ones
    assert notice_number(POLICY, held, D(2025, 3, 1)) == 1
    assert notice_number(POLICY, [NoticeRecord(D(2025, 1, 15), "withdrawn"), *held],
                         D(2025, 3, 1)) == 1
