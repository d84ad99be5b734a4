"""Penalty notice rules (National Framework, Aug 2024; docs/dfe_rules.md §6). Pure.

Threshold: `pn_sessions` sessions coded G/N/O/U within any `pn_window_school_weeks`
consecutive school weeks. A school week is a week (Monday to Sunday) with at least one
open session, so holidays are skipped and windows run across terms and years.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from attendance_desktop.domain.policy import Policy


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class PnWindow:
    """The rolling window that ends with the school week of the date asked about."""

    first_week: dt.date | None  # Monday of the window's first school week
    last_week: dt.date | None  # Monday of its last school week
    sessions: int  # sessions of the counted codes inside the window, up to the date
    met: bool
    met_on: dt.date | None  # the day of the session that reached the threshold


def pn_window(policy: Policy, school_weeks: Sequence[dt.date],
              marks: Iterable[tuple[dt.date, str, str]], on: dt.date) -> PnWindow:
    """The current window: the last `pn_window_school_weeks` school weeks up to `on`.

    `school_weeks` are the sorted Mondays of weeks with at least one session (from the
    calendar, every year held); `marks` are (date, session, code) for one pupil.
    """
    weeks = [w for w in school_weeks if w <= on]
    if not weeks:
        return PnWindow(None, None, 0, False, None)
    window = weeks[-policy.pn_window_school_weeks:]
    first, last = window[0], window[-1]
    chosen = set(window)
    counted = sorted((d, s) for d, s, c in marks
                     if c in policy.pn_codes and d <= on and week_monday(d) in chosen)
    met = len(counted) >= policy.pn_sessions
    met_on = counted[policy.pn_sessions - 1][0] if met else None
    return PnWindow(first, last, len(counted), met, met_on)


def pn_ever_met(policy: Policy, school_weeks: Sequence[dt.date],
                marks: Iterable[tuple[dt.date, str, str]], on: dt.date) -> dt.date | None:
    """The first day on which any rolling window up to `on` reached the threshold."""
    weeks = [w for w in school_weeks if w <= on]
    index = {w: i for i, w in enumerate(weeks)}
    days = sorted(d for d, _s, c in marks if c in policy.pn_codes and d <= on
                  and week_monday(d) in index)
    size = policy.pn_window_school_weeks
    lo = 0
    for hi, day in enumerate(days):
        while index[week_monday(day)] - index[week_monday(days[lo])] >= size:
            lo += 1
        if hi - lo + 1 >= policy.pn_sessions:
            return day
    return None


# --- notices --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    issued_on: dt.date
    status: str  # issued | paid | withdrawn | prosecuted


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return dt.date(day.year - years, 3, 1)


def counted_notices(policy: Policy, notices: Iterable[NoticeRecord],
                    on: dt.date) -> list[NoticeRecord]:
    """Notices to this parent for this child that count towards the limit on `on`:
    issued within the last `pn_period_years` years and not withdrawn."""
    since = years_before(on, policy.pn_period_years)
    return sorted((n for n in notices if n.status != "withdrawn" and since < n.issued_on <= on),
                  key=lambda n: n.issued_on)


def refusal_reason(policy: Policy, notices: Iterable[NoticeRecord], on: dt.date) -> str | None:
    """Why another notice may not be issued on `on`, or None when it may."""
    counted = counted_notices(policy, notices, on)
    if len(counted) >= policy.pn_max_in_period:
        first = counted[0].issued_on
        return (f"this parent has already had {len(counted)} penalty notices for this child "
                f"within {policy.pn_period_years} years (the first on {first:%d %b %Y}); "
                "the limit is "
                f"{policy.pn_max_in_period}: consider an attendance contract, an education "
                "supervision order or prosecution instead")
    return None


def issue_amount(policy: Policy, notices: Iterable[NoticeRecord], on: dt.date) -> int:
    """The full amount of a notice issued on `on` (first or second within the period)."""
    if counted_notices(policy, notices, on):
        return policy.pn_second_amount
    return policy.pn_first_amount


def amount_payable(policy: Policy, first_in_period: bool, issued_on: dt.date,
                   paid_on: dt.date) -> int:
    """What a payment on `paid_on` settles: a first notice paid within the discount days
    costs the reduced amount; a second notice is a flat amount with no discount."""
    if not first_in_period:
        return policy.pn_second_amount
    if (paid_on - issued_on).days <= policy.pn_discount_days:
        return policy.pn_discount_amount
    return policy.pn_first_amount
