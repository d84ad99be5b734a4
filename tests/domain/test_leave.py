"""Leave rules: sessions asked for, notice in each unit, and each of the policy's checks."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain import leave
from attendance_desktop.domain.calendar import SchoolCalendar, Span
from attendance_desktop.domain.leave import Assessment, PupilRecord, RequestFacts
from attendance_desktop.domain.policy import Policy

D = dt.date
A1 = Span("Autumn 1", D(2025, 9, 3), D(2025, 10, 24))
A2 = Span("Autumn 2", D(2025, 11, 3), D(2025, 12, 19))
SP1 = Span("Spring 1", D(2026, 1, 5), D(2026, 2, 13))
CLOSED = {D(2025, 11, 28): frozenset({"AM", "PM"}),  # INSET Friday
          D(2025, 11, 26): frozenset({"PM"})}  # Wednesday afternoon closure
CAL = SchoolCalendar([A1, A2, SP1], CLOSED)
CLEAN = PupilRecord(possible=100, attended=100, authorised=0, unauthorised=0)


def facts(**changes: object) -> RequestFacts:
    base: dict[str, object] = dict(
        ground="C", reason="Funeral of a grandparent abroad", is_holiday=False,
        received=D(2025, 11, 3), first=D(2025, 12, 1), first_session="AM",
        last=D(2025, 12, 2), last_session="PM", year_group="4", record=CLEAN)
    base.update(changes)
    return RequestFacts(**base)  # type: ignore[arg-type]


def check(checks: list[leave.Check], key: str) -> leave.Check:
    found = [c for c in checks if c.key == key]
    assert len(found) == 1, [c.key for c in checks]
    return found[0]


DEFAULT = Policy()


def run(policy: Policy = DEFAULT, assessments: tuple[Assessment, ...] = (),
        **changes: object) -> list[leave.Check]:
    return leave.run_checks(facts(**changes), policy, CAL, assessments)


# --- counting sessions ----------------------------------------------------------------------

def test_sessions_skip_closures_and_weekend_and_count_half_days() -> None:
    got = leave.requested_sessions(CAL, D(2025, 11, 27), "PM", D(2025, 12, 2), "AM")
    assert got == [(D(2025, 11, 27), "PM"), (D(2025, 12, 1), "AM"), (D(2025, 12, 1), "PM"),
                   (D(2025, 12, 2), "AM")]


def test_sessions_skip_a_closed_afternoon() -> None:
    got = leave.requested_sessions(CAL, D(2025, 11, 26), "AM", D(2025, 11, 26), "PM")
    assert got == [(D(2025, 11, 26), "AM")]


def test_sessions_across_the_christmas_holiday() -> None:
    got = leave.requested_sessions(CAL, D(2025, 12, 18), "AM", D(2026, 1, 6), "PM")
    assert len(got) == 8  # Thu, Fri before; Mon, Tue after
    assert {d for d, _ in got} == {D(2025, 12, 18), D(2025, 12, 19), D(2026, 1, 5),
                                   D(2026, 1, 6)}


def test_one_afternoon_and_one_morning() -> None:
    assert leave.requested_sessions(CAL, D(2025, 12, 3), "PM", D(2025, 12, 3), "PM") == [
        (D(2025, 12, 3), "PM")]
    assert len(leave.requested_sessions(CAL, D(2025, 12, 3), "AM", D(2025, 12, 3), "AM")) == 1


def test_last_before_first_is_refused() -> None:
    with pytest.raises(leave.LeaveError, match="before the first day"):
        leave.requested_sessions(CAL, D(2025, 12, 3), "PM", D(2025, 12, 3), "AM")


def test_only_weekend_asked_for_warns_nothing_to_grant() -> None:
    checks = run(first=D(2025, 11, 29), last=D(2025, 11, 30))
    assert check(checks, "sessions").status == leave.WARN


# --- notice ---------------------------------------------------------------------------------

def test_notice_in_weeks_exactly_two_weeks_passes() -> None:
    assert leave.notice_given(CAL, D(2025, 11, 3), D(2025, 11, 17), "weeks") == 2
    assert check(run(first=D(2025, 11, 17), last=D(2025, 11, 17)), "notice").status == "pass"


def test_notice_one_day_short_of_two_weeks_warns() -> None:
    assert leave.notice_given(CAL, D(2025, 11, 4), D(2025, 11, 17), "weeks") == 1
    c = check(run(received=D(2025, 11, 4), first=D(2025, 11, 17), last=D(2025, 11, 17)),
              "notice")
    assert c.status == "warn"
    assert "1 week" in c.text
    assert "2 weeks" in c.text


def test_school_weeks_do_not_count_the_half_term_holiday() -> None:
    # 13 Oct to 10 Nov is four calendar weeks, one of them the October half term.
    assert leave.notice_given(CAL, D(2025, 10, 13), D(2025, 11, 10), "weeks") == 4
    assert leave.notice_given(CAL, D(2025, 10, 13), D(2025, 11, 10), "school_weeks") == 3
    atlp = Policy(leave_notice_amount=4, leave_notice_unit="school_weeks")
    short = run(atlp, received=D(2025, 10, 13), first=D(2025, 11, 10), last=D(2025, 11, 10))
    assert check(short, "notice").status == "warn"
    exact = run(atlp, received=D(2025, 10, 13), first=D(2025, 11, 17), last=D(2025, 11, 17))
    assert check(exact, "notice").status == "pass"


def test_school_days_notice_skips_weekend_and_inset() -> None:
    # Between Fri 21 Nov and Tue 2 Dec: 24-27 Nov and Mon 1 Dec (Fri 28 is INSET) = 5 days.
    assert leave.notice_given(CAL, D(2025, 11, 21), D(2025, 12, 2), "school_days") == 5
    policy = Policy(leave_notice_amount=5, leave_notice_unit="school_days")
    assert check(run(policy, received=D(2025, 11, 21), first=D(2025, 12, 2)),
                 "notice").status == "pass"
    assert check(run(policy, received=D(2025, 11, 24), first=D(2025, 12, 2)),
                 "notice").status == "warn"


def test_notice_in_days() -> None:
    policy = Policy(leave_notice_amount=10, leave_notice_unit="days")
    assert check(run(policy, received=D(2025, 11, 21), first=D(2025, 12, 1)),
                 "notice").status == "pass"
    assert check(run(policy, received=D(2025, 11, 22), first=D(2025, 12, 1)),
                 "notice").status == "warn"


def test_retrospective_request_warns_and_has_no_notice_check() -> None:
    checks = run(received=D(2025, 12, 3))
    assert check(checks, "retrospective").status == "warn"
    assert "retrospectively" in check(checks, "retrospective").text
    assert not [c for c in checks if c.key == "notice"]


# --- the record -----------------------------------------------------------------------------

def test_unauthorised_absence_on_record() -> None:
    rec = PupilRecord(100, 99, 0, 1)
    assert check(run(record=rec), "unauthorised").status == "warn"
    assert check(run(Policy(leave_refuse_if_unauthorised=False), record=rec),
                 "unauthorised").status == "info"
    assert check(run(), "unauthorised").status == "pass"


@pytest.mark.parametrize(("possible", "authorised", "status"), [
    (100, 10, "pass"),  # exactly 10.0% is not above 10%
    (30, 3, "pass"),  # exactly 10% where floats would give 10.000000000000002
    (100, 11, "warn"),
    (1000, 101, "warn"),  # 10.1%
])
def test_authorised_absence_limit(possible: int, authorised: int, status: str) -> None:
    rec = PupilRecord(possible, possible - authorised, authorised, 0)
    assert check(run(record=rec), "authorised").status == status


def test_authorised_limit_is_a_setting() -> None:
    rec = PupilRecord(100, 92, 8, 0)
    assert check(run(Policy(leave_authorised_limit_pct=5.0), record=rec),
                 "authorised").status == "warn"


# --- assessments ----------------------------------------------------------------------------

KS2 = Assessment("KS2 tests", D(2025, 12, 1), D(2025, 12, 4), ("6",))
PHONICS = Assessment("Phonics check", D(2025, 12, 8), D(2025, 12, 12), ())


def test_assessment_overlap_for_the_pupils_year_group() -> None:
    c = check(run(assessments=(KS2,), year_group="6"), "assessments")
    assert c.status == "warn"
    assert "KS2 tests" in c.text
    assert check(run(assessments=(KS2,), year_group="4"), "assessments").status == "pass"
    assert check(run(), "assessments").status == "info"  # none entered


def test_days_before_an_assessment_count_when_the_policy_says() -> None:
    # Leave on Thu 4 - Fri 5 Dec; the phonics check starts Mon 8 Dec.
    kw = dict(first=D(2025, 12, 4), last=D(2025, 12, 5), assessments=(PHONICS,))
    assert check(run(**kw), "assessments").status == "pass"  # type: ignore[arg-type]
    wessex = Policy(leave_assessment_days_before=5)
    assert check(run(wessex, **kw), "assessments").status == "warn"  # type: ignore[arg-type]


# --- performance, holidays, grounds ---------------------------------------------------------

def test_performance_leave_exactly_reaching_94_percent_passes() -> None:
    rec = PupilRecord(possible=96, attended=94, authorised=2, unauthorised=0)
    # Mon 1 - Tue 2 Dec = 4 sessions: 94 / 100 = 94.0%.
    c = check(run(ground="C1", record=rec, licence_reference="LA/2025/114"), "performance")
    assert c.status == "pass"
    assert "94.0%" in c.text
    assert leave.projected_attendance(rec, 4) == pytest.approx(94.0)


def test_performance_leave_below_94_percent_warns() -> None:
    rec = PupilRecord(possible=96, attended=94, authorised=2, unauthorised=0)
    c = check(run(ground="C1", record=rec, last=D(2025, 12, 3), last_session="AM"),
              "performance")
    assert c.status == "warn"
    assert "93.1%" in c.text
    assert check(run(ground="C1", record=rec), "licence").status == "warn"


def test_performance_check_only_for_c1() -> None:
    assert not [c for c in run(ground="C") if c.key == "performance"]


def test_holiday_is_not_an_exceptional_circumstance() -> None:
    c = check(run(reason="Family holiday to Spain, cheaper flights"), "holiday")
    assert c.status == "warn"
    assert "not an exceptional circumstance" in c.text
    assert check(run(reason="Wedding", is_holiday=True), "holiday").status == "warn"
    assert check(run(reason="Going on VACATION"), "holiday").status == "warn"
    assert not [c for c in run(ground="M", is_holiday=True, reason="Dentist")
                if c.key == "holiday"]
    assert not [c for c in run() if c.key == "holiday"]


def test_holiday_allowed_by_policy_only_advises() -> None:
    c = check(run(Policy(leave_holidays_may_be_granted=True), reason="holiday"), "holiday")
    assert c.status == "info"


def test_part_time_timetable_needs_a_review_date() -> None:
    assert check(run(ground="C2"), "review").status == "warn"
    assert not [c for c in run(ground="C2", review_date=D(2026, 1, 9)) if c.key == "review"]


def test_worst_of_checks() -> None:
    assert leave.worst(run()) == "pass"
    assert leave.worst(run(reason="holiday")) == "warn"


def test_policy_round_trips_the_leave_settings() -> None:
    p = Policy(leave_holidays_may_be_granted=True, leave_assessment_days_before=3)
    back = Policy.from_dict(p.to_dict())
    assert back.leave_holidays_may_be_granted is True
    assert back.leave_assessment_days_before == 3
