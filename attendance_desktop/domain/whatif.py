"""What-if arithmetic for a head's questions about one pupil's attendance (issue 16 point 7).

All figures are exact (fractions, never floats), because a pupil one session either side of
a threshold gets a different letter:

* `sessions_to_reach(attended, possible, target_pct)`: the fewest sessions of full
  attendance, from now on and in a row, after which attendance is at least `target_pct`
  (attended / possible * 100 >= target). 0 when it already is; None when no number of
  sessions can do it (a 100% target after any absence).
* `sessions_to_leave_persistent(attended, possible, pa_pct)`: the fewest sessions of full
  attendance after which absence is below `pa_pct` (persistent absence is missing pa_pct%
  *or more*, so at exactly 90.0% attendance a pupil is still persistently absent).
* `absences_allowed(attended, possible, remaining, pa_pct)`: how many of the `remaining`
  sessions can be missed with the figure at the end still below `pa_pct` absence; None when
  the pupil will be persistently absent at the end even with full attendance.
* `absences_in_a_row_to_persistent(attended, possible, pa_pct)`: how many sessions missed in
  a row from now on make the running figure persistently absent (0 = already).

`outlook` puts these against the sessions left in a term or year: a figure is "reachable"
when the sessions needed are no more than the sessions left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction


def _pct(value: float | int | str) -> Fraction:
    # str() first: 94.5 is exactly 189/2, not the nearest binary float
    return Fraction(str(value))


def _check(attended: int, possible: int) -> None:
    if possible < 0 or attended < 0 or attended > possible:
        raise ValueError(f"attended {attended} of {possible} possible is not a count")


def sessions_to_reach(attended: int, possible: int, target_pct: float) -> int | None:
    """Fewest sessions attended in a row so that attendance >= target_pct (None: never)."""
    _check(attended, possible)
    t = _pct(target_pct)
    if t <= 0:
        return 0
    if 100 * attended >= t * possible:
        return 0
    if t >= 100:
        return None  # any absence keeps the figure below 100% for ever
    # 100 (a + k) >= t (p + k)  <=>  k >= (t p - 100 a) / (100 - t)
    return math.ceil((t * possible - 100 * attended) / (100 - t))


def sessions_to_leave_persistent(attended: int, possible: int, pa_pct: float) -> int | None:
    """Fewest sessions attended in a row so that absence < pa_pct (None: never)."""
    _check(attended, possible)
    absent = possible - attended
    pa = _pct(pa_pct)
    if possible == 0 or 100 * absent < pa * possible:
        return 0  # no sessions yet is no figure, so not persistent absence
    if pa <= 0:
        return None  # any absence is "pa_pct or more" when pa_pct is 0
    # 100 b < pa (p + k)  <=>  k > 100 b / pa - p
    bound = Fraction(100 * absent) / pa - possible
    return math.floor(bound) + 1


def absences_allowed(attended: int, possible: int, remaining: int,
                     pa_pct: float) -> int | None:
    """Most of the `remaining` sessions that can be missed with absence at the end still
    below pa_pct; None when even full attendance leaves the pupil persistently absent."""
    _check(attended, possible)
    if remaining < 0:
        raise ValueError("remaining sessions cannot be negative")
    total = possible + remaining
    absent = possible - attended
    pa = _pct(pa_pct)
    if total == 0:
        return 0
    # 100 (b + m) < pa * total  <=>  m < pa * total / 100 - b
    limit = pa * total / 100 - absent
    if limit <= 0:
        return None
    m = math.ceil(limit) - 1  # the largest whole m strictly below the limit
    return min(m, remaining)


def absences_in_a_row_to_persistent(attended: int, possible: int,
                                    pa_pct: float) -> int | None:
    """Sessions missed in a row from now that make the running figure persistently absent
    (absence >= pa_pct); 0 when it already is; None when no run of absence can."""
    _check(attended, possible)
    absent = possible - attended
    pa = _pct(pa_pct)
    if possible and 100 * absent >= pa * possible:
        return 0
    if pa >= 100:
        # only a figure of nothing but absence is 100% absence
        return 1 if attended == 0 else None
    # 100 (b + m) >= pa (p + m)  <=>  m >= (pa p - 100 b) / (100 - pa)
    return max(1, math.ceil((pa * possible - 100 * absent) / (100 - pa)))


@dataclass(frozen=True, slots=True)
class Goal:
    """Sessions of full attendance needed for one goal, against the sessions left."""

    needed: int | None  # None: cannot be reached however many sessions are attended
    remaining: int

    @property
    def reachable(self) -> bool:
        return self.needed is not None and self.needed <= self.remaining

    @property
    def already(self) -> bool:
        return self.needed == 0

    def describe(self, when: str) -> str:
        """'already met', '14 sessions (7 days) of full attendance', or 'not reachable
        this term' (when = 'this term' / 'this year')."""
        if self.needed == 0:
            return "already met"
        if not self.reachable or self.needed is None:
            return f"not reachable {when}"
        return f"{self.needed} {_sessions(self.needed)} ({_days(self.needed)}) in a row"


def _sessions(n: int) -> str:
    return "session" if n == 1 else "sessions"


def _days(sessions: int) -> str:
    days = Fraction(sessions, 2)
    text = f"{days.numerator}" if days.denominator == 1 else f"{float(days):g}"
    return f"{text} school day" + ("" if days == 1 else "s")


@dataclass(frozen=True, slots=True)
class Outlook:
    """The what-if figures for one horizon (the end of a term, or of the year)."""

    attended: int
    possible: int
    remaining: int
    target: Goal  # the school's target
    above_pa: Goal  # out of persistent absence
    absences_allowed: int | None  # at the horizon's end (None: persistent whatever happens)


def outlook(attended: int, possible: int, remaining: int, target_pct: float,
            pa_pct: float) -> Outlook:
    return Outlook(attended, possible, remaining,
                   Goal(sessions_to_reach(attended, possible, target_pct), remaining),
                   Goal(sessions_to_leave_persistent(attended, possible, pa_pct), remaining),
                   absences_allowed(attended, possible, remaining, pa_pct))
