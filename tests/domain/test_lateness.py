"""The lateness flowchart: weekly levels, actions due, reviews and escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain.calendar import SchoolCalendar, default_term_dates
from attendance_desktop.domain.lateness import Event, assess, level_after_review, week_level
from attendance_desktop.domain.policy import Policy

POLICY = Policy()
D = dt.date
WEEKS = SchoolCalendar(default_term_dates(2025).half_terms).school_weeks(D(2025, 9, 1),
                                                                          D(2026, 7, 31))
MON = D(2025, 11, 3)  # Autumn 2 week 1


def days(monday: dt.date, n: int) -> list[dt.date]:
    return [monday + dt.timedelta(days=i) for i in range(n)]


@pytest.mark.parametrize(("lates", "level"), [(0, "none"), (1, "concern"), (2, "concern"),
                                              (3, "significant"), (4, "significant"),
                                              (5, "significant")])
def test_weekly_levels_follow_flowchart_2(lates, level):
    assert week_level(POLICY, lates) == level


def test_no_lateness_means_no_concern_and_nothing_due():
    got = assess(POLICY, WEEKS, [], [], D(2025, 11, 20))
    assert got.level == "none"
    assert got.actions_due == ()


def test_two_lates_in_a_week_is_a_concern_with_the_concern_actions_due():
    got = assess(POLICY, WEEKS, days(MON, 2), [], D(2025, 11, 5))
    assert got.level == "concern"
    assert got.this_week == 2
    assert [d.step.key for d in got.actions_due] == [
        "challenged", "parent_asked", "support_offered", "warning_letter"]
    assert got.actions_due[3].step.letter == "lateness_warning"
    done = [Event("action", "challenged", D(2025, 11, 4)),
            Event("action", "warning_letter", D(2025, 11, 5))]
    got = assess(POLICY, WEEKS, days(MON, 2), done, D(2025, 11, 5))
    assert [d.step.key for d in got.actions_due] == ["parent_asked", "support_offered"]


def test_three_lates_is_significant_and_monitoring_review_is_due_after_four_school_weeks():
    got = assess(POLICY, WEEKS, days(MON, 3), [], D(2025, 11, 7))
    assert got.level == "significant"
    keys = [d.step.key for d in got.actions_due]
    assert "written_warning" in keys
    assert "panel_meeting" not in keys  # only after a not-improved review
    assert got.review_due == D(2025, 11, 28)  # Friday of the 4th school week (w/c 24 Nov)


def test_review_due_skips_holiday_weeks():
    got = assess(POLICY, WEEKS, days(D(2025, 12, 8), 3), [], D(2025, 12, 12))
    # w/c 8 Dec, 15 Dec, (Christmas), 5 Jan, 12 Jan
    assert got.review_due == D(2026, 1, 16)


def test_improved_suggested_when_the_second_half_of_monitoring_is_quiet():
    lates = [*days(MON, 3), D(2025, 11, 11)]  # 3, then 1, then 0, 0
    got = assess(POLICY, WEEKS, lates, [], D(2025, 11, 28))
    assert got.suggested_review == "improved"
    worse = lates + days(D(2025, 11, 24), 3)
    assert assess(POLICY, WEEKS, worse, [], D(2025, 11, 28)).suggested_review == "not_improved"


def test_not_improved_review_brings_panel_then_escalation():
    lates = days(MON, 3) + days(D(2025, 11, 24), 3)
    status = assess(POLICY, WEEKS, lates, [], D(2025, 11, 28))
    assert level_after_review(status, "not_improved") == "significant"
    events = [Event("review", "not_improved", D(2025, 11, 28))]
    status = assess(POLICY, WEEKS, lates, events, D(2025, 12, 1))
    assert status.panel_stage
    keys = [d.step.key for d in status.actions_due]
    assert "panel_meeting" in keys
    assert "contract" not in keys  # agreed at the panel meeting: reachable after it
    assert level_after_review(status, "not_improved") == "escalated"
    assert level_after_review(status, "improved") == "significant"


def test_concern_not_improved_moves_to_significant():
    status = assess(POLICY, WEEKS, [MON], [], D(2025, 11, 5))
    assert level_after_review(status, "not_improved") == "significant"
    events = [Event("review", "not_improved", D(2025, 11, 28)),
              Event("level", "significant", D(2025, 11, 28))]
    lates = [MON, D(2025, 11, 10), D(2025, 11, 17), D(2025, 11, 24)]
    assert assess(POLICY, WEEKS, lates, events, D(2025, 12, 1)).level == "significant"


def test_lateness_continuing_after_the_contract_escalates():
    lates = days(MON, 3)
    contract = [Event("action", "contract", D(2025, 11, 12))]
    assert assess(POLICY, WEEKS, lates, contract, D(2025, 11, 14)).level == "significant"
    more = [*lates, D(2025, 11, 17), *days(D(2025, 11, 24), 3)]
    got = assess(POLICY, WEEKS, more, contract, D(2025, 11, 26))
    assert got.level == "escalated"
    assert [d.step.key for d in got.actions_due][-1] == "handed_over"


def test_weeks_rule_escalates_after_three_significant_weeks():
    policy = POLICY.replace(lateness_continues_rule="weeks")
    lates = days(MON, 3) + days(D(2025, 11, 10), 3)
    assert assess(policy, WEEKS, lates, [], D(2025, 11, 14)).level == "significant"
    lates += days(D(2025, 11, 17), 4)
    assert assess(policy, WEEKS, lates, [], D(2025, 11, 21)).level == "escalated"


def test_four_clean_school_weeks_end_the_episode_and_keep_the_history():
    lates = days(MON, 3)
    on = D(2025, 12, 5)  # w/c 10, 17, 24 Nov and 1 Dec clean
    got = assess(POLICY, WEEKS, lates, [], on)
    assert got.level == "none"
    assert [w.lates for w in got.weeks if w.monday == MON] == [3]
    assert assess(POLICY, WEEKS, lates, [], D(2025, 11, 28)).level == "significant"


def test_a_concern_has_actions_but_no_monitoring_review():
    got = assess(POLICY, WEEKS, [MON, D(2025, 11, 10), D(2025, 11, 17), D(2025, 11, 24)], [],
                 D(2025, 11, 28))
    assert got.level == "concern"
    assert got.review_due is None


def test_actions_fall_due_on_the_day_the_level_was_reached():
    got = assess(POLICY, WEEKS, [D(2025, 11, 4), D(2025, 11, 5), D(2025, 11, 7)], [],
                 D(2025, 11, 7))
    due = {d.step.key: d.due for d in got.actions_due}
    assert due["challenged"] == D(2025, 11, 4)  # the first late arrival
    assert due["written_warning"] == D(2025, 11, 7)  # the third one that week
