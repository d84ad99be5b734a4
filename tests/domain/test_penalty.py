"""Penalty notice threshold (rolling school weeks) and the notice limits, worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain.calendar import SchoolCalendar, default_term_dates
from attendance_desktop.domain.penalty import (
    NoticeRecord,
    amount_payable,
    issue_amount,
    pn_ever_met,
    pn_window,
    refusal_reason,
)
from attendance_desktop.domain.policy import Policy

POLICY = Policy()
D = dt.date
CAL = SchoolCalendar(default_term_dates(2025).half_terms)
WEEKS = CAL.school_weeks(D(2025, 9, 1), D(2026, 7, 31))


def unauth(days: list[dt.date], code: str = "O") -> list[tuple[dt.date, str, str]]:
    return [(d, "AM", code) for d in days]


def test_exactly_ten_sessions_in_ten_school_weeks_meets_the_threshold():
    # w/c 3 Nov .. w/c 8 Dec 2025 are six school weeks; ten O sessions in them
    marks = [(D(2025, 11, 3) + dt.timedelta(days=i), s, "O") for i in range(5)
             for s in ("AM", "PM")]
    got = pn_window(POLICY, WEEKS, marks, D(2025, 12, 10))
    assert got.sessions == 10
    assert got.met
    assert got.met_on == D(2025, 11, 7)  # the tenth session is Friday PM


def test_nine_sessions_do_not_meet_it():
    marks = [(D(2025, 11, 3) + dt.timedelta(days=i), s, "G") for i in range(5)
             for s in ("AM", "PM")][:9]
    got = pn_window(POLICY, WEEKS, marks, D(2025, 12, 10))
    assert got.sessions == 9
    assert not got.met
    assert got.met_on is None


def test_only_g_n_o_u_count():
    marks = unauth([D(2025, 11, 3 + i) for i in range(5)], "I") + unauth(
        [D(2025, 11, 10 + i) for i in range(5)], "N")
    assert pn_window(POLICY, WEEKS, marks, D(2025, 11, 30)).sessions == 5


def test_window_runs_across_the_christmas_holiday_skipping_weeks_without_sessions():
    # On Fri 6 Feb 2026 the last 10 school weeks are w/c 17 Nov .. w/c 2 Feb: the two
    # Christmas weeks (22 and 29 Dec) have no sessions and are skipped.
    on = D(2026, 2, 6)
    got = pn_window(POLICY, WEEKS, [], on)
    assert got.first_week == D(2025, 11, 17)
    assert got.last_week == D(2026, 2, 2)
    five_before = unauth([D(2025, 11, 17), D(2025, 11, 18), D(2025, 12, 15), D(2025, 12, 16),
                          D(2025, 12, 17)])
    five_after = unauth([D(2026, 1, 5), D(2026, 1, 6), D(2026, 1, 7), D(2026, 2, 2),
                         D(2026, 2, 3)], "U")
    got = pn_window(POLICY, WEEKS, five_before + five_after, on)
    assert got.sessions == 10
    assert got.met
    # a week later the window starts at w/c 24 Nov: the two sessions of 17-18 Nov drop out
    later = pn_window(POLICY, WEEKS, five_before + five_after, D(2026, 2, 13))
    assert later.first_week == D(2025, 11, 24)
    assert later.sessions == 8
    assert not later.met


def test_a_week_closed_for_every_session_is_not_a_school_week():
    closed = {D(2025, 12, 1) + dt.timedelta(days=i): frozenset({"AM", "PM"}) for i in range(5)}
    cal = SchoolCalendar(default_term_dates(2025).half_terms, closed)
    weeks = cal.school_weeks(D(2025, 9, 1), D(2026, 7, 31))
    assert D(2025, 12, 1) not in weeks
    got = pn_window(POLICY, weeks, [], D(2026, 2, 6))
    assert got.first_week == D(2025, 11, 10)  # one week further back than with the week open


def test_window_across_school_years():
    cal = SchoolCalendar(default_term_dates(2025).half_terms
                         + default_term_dates(2026).half_terms)
    weeks = cal.school_weeks(D(2025, 9, 1), D(2027, 7, 31))
    # Summer 2 2026 ends Wed 22 July; Autumn 2026 starts Thu 3 Sep
    marks = unauth([D(2026, 7, 13), D(2026, 7, 14), D(2026, 7, 15), D(2026, 7, 16),
                    D(2026, 7, 17), D(2026, 7, 20), D(2026, 7, 21)]) + unauth(
        [D(2026, 9, 3), D(2026, 9, 4), D(2026, 9, 7)])
    got = pn_window(POLICY, weeks, marks, D(2026, 9, 8))
    assert got.met
    assert got.met_on == D(2026, 9, 7)


def test_ever_met_finds_an_older_window():
    marks = [(D(2025, 9, 8) + dt.timedelta(days=i), s, "G") for i in range(5)
             for s in ("AM", "PM")]
    assert pn_ever_met(POLICY, WEEKS, marks, D(2026, 3, 1)) == D(2025, 9, 12)
    assert not pn_window(POLICY, WEEKS, marks, D(2026, 3, 1)).met
    # one O every Monday from 8 Sep: the October half-term week (27 Oct) has no sessions,
    # so 8 Sep .. 17 Nov are ten school weeks holding ten sessions
    weekly = unauth([D(2025, 9, 8) + dt.timedelta(weeks=w) for w in range(11) if w != 7])
    assert pn_ever_met(POLICY, WEEKS, weekly, D(2026, 3, 1)) == D(2025, 11, 17)
    fortnightly = unauth([D(2025, 9, 8) + dt.timedelta(weeks=2 * w) for w in range(15)])
    assert pn_ever_met(POLICY, WEEKS, fortnightly, D(2026, 3, 1)) is None


# --- notices ------------------------------------------------------------------------


def test_third_notice_within_three_years_is_refused():
    two = [NoticeRecord(D(2024, 3, 1), "paid"), NoticeRecord(D(2025, 6, 1), "issued")]
    reason = refusal_reason(POLICY, two, D(2026, 1, 10))
    assert reason is not None
    assert "already had 2 penalty notices" in reason
    assert "01 Mar 2024" in reason


def test_a_withdrawn_notice_does_not_count():
    notices = [NoticeRecord(D(2024, 3, 1), "withdrawn"), NoticeRecord(D(2025, 6, 1), "paid")]
    assert refusal_reason(POLICY, notices, D(2026, 1, 10)) is None
    assert issue_amount(POLICY, notices, D(2026, 1, 10)) == 160  # this one is the second


def test_three_years_are_counted_from_the_first_notice():
    notices = [NoticeRecord(D(2023, 1, 10), "paid"), NoticeRecord(D(2025, 6, 1), "paid")]
    assert refusal_reason(POLICY, notices, D(2026, 1, 9)) is not None
    assert refusal_reason(POLICY, notices, D(2026, 1, 10)) is None  # 3 years have passed


@pytest.mark.parametrize(("paid_after_days", "amount"), [(0, 80), (21, 80), (22, 160), (28, 160)])
def test_first_notice_amount_depends_on_when_it_is_paid(paid_after_days, amount):
    issued = D(2026, 1, 5)
    assert amount_payable(POLICY, True, issued,
                          issued + dt.timedelta(days=paid_after_days)) == amount


def test_second_notice_is_a_flat_amount():
    assert amount_payable(POLICY, False, D(2026, 1, 5), D(2026, 1, 6)) == 160
    assert issue_amount(POLICY, [], D(2026, 1, 5)) == 160
