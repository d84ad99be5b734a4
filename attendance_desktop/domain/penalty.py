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
    """Why another notice may not be issued on `on`, or None when it may.

    A notice logged late (dated before ones already held) must not make any of those the
    third within the period either: the limit holds in every rolling period."""
    notices = list(notices)
    counted = counted_notices(policy, notices, on)
    if len(counted) >= policy.pn_max_in_period:
        first = counted[0].issued_on
        return (f"this parent has already had {len(counted)} penalty notices for this child "
                f"within {policy.pn_period_years} years (the first on {first:%d %b %Y}); "
                "the limit is "
                f"{policy.pn_max_in_period}: consider an attendance contract, an education "
                "supervision order or prosecution instead")
    with_new = [*notices, NoticeRecord(on, "issued")]
    for later in sorted(n.issued_on for n in notices
                        if n.status != "withdrawn" and n.issued_on > on):
        if len(counted_notices(policy, with_new, later)) > policy.pn_max_in_period:
            return (f"a notice dated {on:%d %b %Y} would make the one issued "
                    f"{later:%d %b %Y} more than {policy.pn_max_in_period} within "
                    f"{policy.pn_period_years} years for this parent and child")
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


# --- payment (National Framework: £80 within 21 days, £160 within 28; second £160) -------


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    """What a notice costs and until when, worked out from its own issue date."""

    number: int  # 1 = first notice to this parent for this child within the period
    issued_on: dt.date
    full: int
    reduced: int | None  # the early-payment amount (first notices only)
    reduced_until: dt.date | None  # the last day the reduced amount settles it
    pay_until: dt.date  # the last day it can be paid; after that the LA considers action

    def describe(self) -> str:
        if self.reduced is not None and self.reduced_until is not None:
            return (f"£{self.reduced} if paid by {self.reduced_until:%d %b %Y}, £{self.full} "
                    f"by {self.pay_until:%d %b %Y}")
        return f"£{self.full} (no reduction for a second notice) by {self.pay_until:%d %b %Y}"


def notice_number(policy: Policy, notices: Iterable[NoticeRecord], issued_on: dt.date) -> int:
    """1 for a first notice within the period, 2 for a second, from the earlier notices
    (withdrawn ones do not count); notices issued later do not change it."""
    earlier = [n for n in notices if n.issued_on < issued_on]
    return len(counted_notices(policy, earlier, issued_on)) + 1


def payment_terms(policy: Policy, number: int, issued_on: dt.date) -> PaymentTerms:
    pay_until = issued_on + dt.timedelta(days=policy.pn_pay_days)
    if number <= 1:
        return PaymentTerms(number, issued_on, policy.pn_first_amount, policy.pn_discount_amount,
                            issued_on + dt.timedelta(days=policy.pn_discount_days), pay_until)
    return PaymentTerms(number, issued_on, policy.pn_second_amount, None, None, pay_until)


def amount_due_on(terms: PaymentTerms, paid_on: dt.date) -> int | None:
    """The amount that settles the notice when paid on `paid_on`; None when it is too
    late (after the days to pay, the notice can no longer be paid: the local authority
    decides on prosecution) or the date is before the notice was issued."""
    if paid_on < terms.issued_on or paid_on > terms.pay_until:
        return None
    if terms.reduced is not None and terms.reduced_until is not None \
            and paid_on <= terms.reduced_until:
        return terms.reduced
    return terms.full


def payment_problem(terms: PaymentTerms, paid_on: dt.date, amount: int) -> str | None:
    """Why a payment of `amount` on `paid_on` does not fit the notice, or None."""
    if paid_on < terms.issued_on:
        return (f"the payment date {paid_on:%d %b %Y} is before the notice was issued "
                f"({terms.issued_on:%d %b %Y})")
    due = amount_due_on(terms, paid_on)
    if due is None:
        days = (terms.pay_until - terms.issued_on).days
        return (f"a penalty notice can be paid only within {days} days of issue (by "
                f"{terms.pay_until:%d %b %Y}); after that the local authority decides on "
                "prosecution or withdraws the notice")
    if amount == due:
        return None
    if terms.reduced is None:
        why = "a second notice is the full amount, with no reduction"
    elif due == terms.reduced:
        why = f"paid by {terms.reduced_until:%d %b %Y}, the reduced amount"
    else:
        why = f"paid after {terms.reduced_until:%d %b %Y}, the full amount"
    return f"£{due} settles this notice on {paid_on:%d %b %Y} ({why}), not £{amount}"
