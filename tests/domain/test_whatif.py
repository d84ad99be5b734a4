"""What-if arithmetic at its boundaries, and against a session-by-session simulation."""

from __future__ import annotations

from fractions import Fraction

import pytest

from attendance_desktop.domain import whatif


def _simulate_reach(a: int, p: int, target: Fraction, limit: int = 20000) -> int | None:
    k = 0
    while k <= limit:
        if p + k == 0 or Fraction(100 * (a + k), p + k) >= target:
            return k  # no sessions yet: nothing to reach
        k += 1
    return None


def _simulate_leave_pa(a: int, p: int, pa: Fraction, limit: int = 20000) -> int | None:
    for k in range(limit + 1):
        total = p + k
        if total == 0 or Fraction(100 * (p - a), total) < pa:
            return k
    return None


# --- exact boundaries ---------------------------------------------------------------


def test_exactly_90_percent_is_still_persistent_absence() -> None:
    # 90 of 100: absence is exactly 10%, which is "10% or more"
    assert whatif.sessions_to_leave_persistent(90, 100, 10) == 1
    # 91 of 101 after one more session: absence 10/101 < 10%
    assert whatif.sessions_to_leave_persistent(91, 101, 10) == 0
    assert whatif.absences_in_a_row_to_persistent(90, 100, 10) == 0


def test_target_met_exactly_counts_as_met() -> None:
    assert whatif.sessions_to_reach(96, 100, 96) == 0
    assert whatif.sessions_to_reach(95, 100, 96) == 25  # (96*100 - 9500) / 4 = 25
    # one session fewer is not enough: 119/124 = 95.97%
    assert Fraction(100 * 119, 124) < 96 <= Fraction(100 * 120, 125)


def test_half_percent_targets_are_exact() -> None:
    # 94.5% is 189/2 exactly: 189 of 200 meets it, 188 of 200 needs 10 more sessions
    assert whatif.sessions_to_reach(189, 200, 94.5) == 0
    assert whatif.sessions_to_reach(188, 200, 94.5) == 19
    assert _simulate_reach(188, 200, Fraction(189, 2)) == 19


def test_a_100_percent_target_after_any_absence_is_never_reached() -> None:
    assert whatif.sessions_to_reach(99, 100, 100) is None
    assert whatif.sessions_to_reach(100, 100, 100) == 0
    goal = whatif.Goal(None, 200)
    assert not goal.reachable
    assert goal.describe("this year") == "not reachable this year"


def test_no_sessions_yet() -> None:
    assert whatif.sessions_to_reach(0, 0, 96) == 0
    assert whatif.sessions_to_leave_persistent(0, 0, 10) == 0
    assert whatif.absences_in_a_row_to_persistent(0, 0, 10) == 1
    assert whatif.absences_allowed(0, 0, 0, 10) == 0
    # a whole year of 380 sessions ahead: 37 may be missed (37/380 < 10%, 38/380 = 10%)
    assert whatif.absences_allowed(0, 0, 380, 10) == 37


def test_absences_allowed_at_the_boundary() -> None:
    # 100 of 100 so far, 100 left: 19 missed -> 19/200 = 9.5%; 20 -> exactly 10% (PA)
    assert whatif.absences_allowed(100, 100, 100, 10) == 19
    # already too many absences to avoid PA at the end even with full attendance
    assert whatif.absences_allowed(50, 100, 10, 10) is None
    # exactly on the line at the end with full attendance is PA: None
    assert whatif.absences_allowed(89, 100, 10, 10) is None  # 11/110 = 10%
    assert whatif.absences_allowed(90, 100, 10, 10) == 0  # 10/110 < 10%
    # never more than the sessions left
    assert whatif.absences_allowed(100, 100, 3, 50) == 3


def test_absences_in_a_row() -> None:
    # 100/100: m absences give m/(100+m) >= 10%  <=>  m >= 100/9 -> 12
    assert whatif.absences_in_a_row_to_persistent(100, 100, 10) == 12
    assert Fraction(11, 111) < Fraction(1, 10) <= Fraction(12, 112)
    assert whatif.absences_in_a_row_to_persistent(91, 101, 10) == 1


def test_goal_descriptions() -> None:
    assert whatif.Goal(0, 0).describe("this term") == "already met"
    assert whatif.Goal(1, 5).describe("this term") == "1 session (0.5 school days) in a row"
    assert whatif.Goal(14, 40).describe("this term") == "14 sessions (7 school days) in a row"
    assert whatif.Goal(2, 2).reachable  # exactly the sessions left
    assert not whatif.Goal(3, 2).reachable
    assert whatif.Goal(3, 2).describe("this term") == "not reachable this term"


def test_outlook_joins_the_figures() -> None:
    o = whatif.outlook(80, 100, 30, 96, 10)
    assert o.above_pa.needed == 101  # 100*20/10 - 100 = 100, strictly more -> 101
    assert not o.above_pa.reachable
    assert o.absences_allowed is None
    o = whatif.outlook(95, 100, 300, 96, 10)
    assert o.target.needed == 25
    assert o.target.reachable
    assert o.above_pa.needed == 0


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="is not a count"):
        whatif.sessions_to_reach(5, 4, 90)
    with pytest.raises(ValueError, match="negative"):
        whatif.absences_allowed(1, 2, -1, 10)


@pytest.mark.parametrize("pct", [90, 94.5, 95, 96, 97.5, 99])
def test_formulas_agree_with_a_simulation(pct: float) -> None:
    target = Fraction(str(pct))
    pa = 100 - target
    for p in range(0, 41, 4):
        for a in range(0, p + 1):
            assert whatif.sessions_to_reach(a, p, pct) == _simulate_reach(a, p, target)
            assert whatif.sessions_to_leave_persistent(a, p, float(pa)) == \
                _simulate_leave_pa(a, p, pa)
            for r in (0, 1, 7, 40):
                got = whatif.absences_allowed(a, p, r, float(pa))
                ok = [m for m in range(r + 1)
                      if p + r and Fraction(100 * (p - a + m), p + r) < pa]
                assert got == (max(ok) if ok else (0 if p + r == 0 else None))
