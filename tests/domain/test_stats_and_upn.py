from __future__ import annotations

from attendance_desktop.domain import upn
from attendance_desktop.domain.stats import Counts, format_pct


def test_exactly_ninety_percent_is_persistent_absence():
    c = Counts(present=90, authorised=6, unauthorised=4)
    assert c.attendance_pct() == 90.0
    assert c.persistent()
    assert not Counts(present=901, authorised=99).persistent()


def test_exactly_half_missed_is_severe_absence():
    assert Counts(present=5, unauthorised=5).severe()
    assert not Counts(present=51, unauthorised=49).severe()


def test_not_counted_sessions_are_not_possible():
    c = Counts(not_counted=12)
    assert c.possible == 0
    assert c.attendance_pct() is None
    assert not c.persistent()
    assert format_pct(c.attendance_pct_1dp()) == "–"


def test_approved_activity_counts_as_attendance():
    c = Counts(present=8, approved=2)
    assert c.attendance_pct() == 100.0


def test_display_rounds_half_up_to_one_decimal():
    # 2 of 3 sessions = 66.666..% -> 66.7; 1 of 8 absent = 87.5% exactly
    assert Counts(present=2, unauthorised=1).attendance_pct_1dp() == 66.7
    assert Counts(present=7, authorised=1).attendance_pct_1dp() == 87.5
    assert Counts(present=1999, unauthorised=1).attendance_pct_1dp() == 100.0
    assert format_pct(95.95) == "96.0%"


def test_upn_check_letter():
    body = "801201400123"  # 801: a real LA number, synthetic serial
    full = upn.with_check_letter(body)
    assert len(full) == 13
    assert full[1:] == body
    assert upn.is_valid(full)
    wrong = ("A" if full[0] != "A" else "B") + body
    assert f"should be {full[0]}" in (upn.problem(wrong) or "")
    assert "3 characters, not 13" in (upn.problem("A12") or "")
