"""The lateness flowchart (Lowther Flowchart 2 by default; docs/policies.md §4). Pure.

Late arrivals are L and U marks (kiosk sign-ins write marks, so they are included),
counted per school week. An *episode* starts with a week at the concern level and ends
after `lateness_monitoring_weeks` school weeks in a row without a late arrival; levels,
actions and reviews are read within the current episode, so the history stays intact.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from attendance_desktop.domain.calendar import SchoolCalendar
from attendance_desktop.domain.due_dates import on_school_day
from attendance_desktop.domain.penalty import week_monday
from attendance_desktop.domain.policy import LatenessStep, Policy

LEVELS = ("none", "concern", "significant", "escalated")
LEVEL_LABELS = {
    "none": "No concern",
    "concern": "Lateness concern",
    "significant": "Significant concern",
    "escalated": "Escalated to absence procedure",
}
LATE_CODES = ("L", "U")


def rank(level: str) -> int:
    return LEVELS.index(level) if level in LEVELS else 0


@dataclass(frozen=True, slots=True)
class Event:
    """A recorded tracker event, as the rules need it."""

    kind: str  # level | action | review | note | stage | mitigation_start | ...
    value: str
    on: dt.date


@dataclass(frozen=True, slots=True)
class WeekCount:
    monday: dt.date
    lates: int
    level: str


@dataclass(frozen=True, slots=True)
class DueStep:
    step: LatenessStep
    due: dt.date


@dataclass(frozen=True, slots=True)
class LatenessStatus:
    level: str
    this_week: int
    weeks: tuple[WeekCount, ...]  # every school week up to the date, oldest first
    episode_start: dt.date | None
    level_since: dt.date | None
    actions_due: tuple[DueStep, ...]
    done: tuple[str, ...]  # action keys recorded in this episode
    monitoring_start: dt.date | None
    review_due: dt.date | None
    suggested_review: str  # improved | not_improved | ""
    panel_stage: bool  # a not-improved review at the significant level: panel and contract

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]


def week_level(policy: Policy, lates: int) -> str:
    if lates >= policy.lateness_significant_min:
        return "significant"
    if lates >= policy.lateness_concern_min:
        return "concern"
    return "none"


def weekly_counts(policy: Policy, school_weeks: Sequence[dt.date],
                  late_days: Iterable[dt.date], on: dt.date) -> list[WeekCount]:
    per_week = Counter(week_monday(d) for d in late_days if d <= on)
    return [WeekCount(w, per_week.get(w, 0), week_level(policy, per_week.get(w, 0)))
            for w in school_weeks if w <= on]


def _friday(monday: dt.date) -> dt.date:
    return monday + dt.timedelta(days=4)


def _week_complete(calendar: SchoolCalendar | None, on: dt.date) -> bool:
    """Whether the school week holding `on` has no school day left after `on`."""
    friday = _friday(week_monday(on))
    if calendar is not None:
        return not calendar.school_days(on + dt.timedelta(days=1), friday)
    return on >= friday


def assess(policy: Policy, school_weeks: Sequence[dt.date], late_days: Iterable[dt.date],
           events: Iterable[Event], on: dt.date,
           calendar: SchoolCalendar | None = None) -> LatenessStatus:
    """Level, actions due and review due for one pupil on `on`.

    `late_days` holds one date per L or U session; `events` the pupil's lateness tracker
    events (action keys, review outcomes, level changes recorded by reviews). Due dates
    fall on school days of `calendar`. The panel meeting and the contract are reachable
    only after a not-improved review, one after the other: before that they are not due
    (so never overdue). The suggested review outcome reads the monitoring period's latest
    complete weeks, not the first weeks after it began.
    """
    late_days = sorted(d for d in late_days if d <= on)
    weeks = weekly_counts(policy, school_weeks, late_days, on)
    events = sorted(events, key=lambda e: e.on)
    by_week: dict[dt.date, list[dt.date]] = {}
    for d in late_days:
        by_week.setdefault(week_monday(d), []).append(d)
    need = {"concern": policy.lateness_concern_min, "significant": policy.lateness_significant_min,
            "escalated": policy.lateness_significant_min}

    def day_reaching(monday: dt.date, lv: str) -> dt.date:
        """The day in that week whose late arrival brought the week to the level."""
        days = by_week.get(monday, [])
        k = need[lv]
        return days[k - 1] if len(days) >= k else monday

    start_idx: int | None = None
    clean = 0
    for i, w in enumerate(weeks):
        if w.lates >= policy.lateness_concern_min:
            if start_idx is None:
                start_idx = i
            clean = 0
        elif start_idx is not None:
            clean += 1
            if clean >= policy.lateness_monitoring_weeks:
                start_idx = None
    this_week = weeks[-1].lates if weeks and weeks[-1].monday == week_monday(on) else 0
    if start_idx is None:
        return LatenessStatus("none", this_week, tuple(weeks), None, None, (), (), None, None,
                              "", False)
    episode = weeks[start_idx:]
    start = episode[0].monday
    mine = [e for e in events if e.on >= start]
    done = tuple(dict.fromkeys(e.value for e in mine if e.kind == "action"))

    # Level from the weeks, when each level was first reached.
    reached: dict[str, dt.date] = {}
    for w in episode:
        for lv in LEVELS[1:rank(w.level) + 1]:
            reached.setdefault(lv, day_reaching(w.monday, lv))
    level = max((w.level for w in episode), key=rank)
    # "continues": the flowchart's escalation.
    contracts = [e.on for e in mine if e.kind == "action" and e.value == "contract"]
    significant_weeks = [w for w in episode if w.level == "significant"]
    if policy.lateness_continues_rule == "weeks":
        if len(significant_weeks) >= policy.lateness_continues_weeks:
            level = "escalated"
            reached.setdefault("escalated", day_reaching(
                significant_weeks[policy.lateness_continues_weeks - 1].monday, "escalated"))
    elif contracts:
        after = [w for w in significant_weeks if w.monday > week_monday(contracts[0])]
        if after:
            level = "escalated"
            reached.setdefault("escalated", day_reaching(after[0].monday, "escalated"))
    for e in mine:  # levels recorded by reviews are a floor within the episode
        if e.kind == "level" and e.value in LEVELS:
            reached.setdefault(e.value, e.on)
            if rank(e.value) > rank(level):
                level = e.value
    reviews = [e for e in mine if e.kind == "review"]
    opened = min((e.on for e in reviews if e.value == "not_improved"
                  and e.on >= reached.get("significant", start)), default=None)
    panel_stage = level == "significant" and opened is not None

    level_since = reached.get(level, start)
    done_on: dict[str, dt.date] = {}
    for e in mine:
        if e.kind == "action":
            done_on.setdefault(e.value, e.on)
    due: list[DueStep] = []
    chain_from = opened  # after-review steps follow one another from the review
    for step in policy.lateness_steps:
        if rank(step.level) > rank(level):
            continue
        if step.after_review:
            if not panel_stage or chain_from is None:
                continue  # not reachable yet: not due, so never overdue
            if step.key in done_on:
                chain_from = max(chain_from, done_on[step.key])
                continue
            due.append(DueStep(step, on_school_day(calendar, chain_from)))
            chain_from = None  # the next one waits for this one
            continue
        if step.key in done:
            continue
        due.append(DueStep(step, reached.get(step.level, level_since)))

    monitoring_start: dt.date | None = None
    review_due: dt.date | None = None
    suggestion = ""
    if level in ("concern", "significant"):
        monitoring_start = level_since
        later = [e.on for e in reviews if e.on >= level_since]
        if later:
            monitoring_start = max(later)
        # the monitoring period: N school weeks starting with the week it began
        all_weeks = [w for w in school_weeks if w >= week_monday(monitoring_start)]
        n = policy.lateness_monitoring_weeks
        if later:  # a review closes its week; the next period starts the week after
            all_weeks = [w for w in all_weeks if w > week_monday(monitoring_start)]
        if len(all_weeks) >= n:
            review_due = _friday(all_weeks[n - 1])
        else:
            review_due = week_monday(monitoring_start) + dt.timedelta(weeks=n, days=-3)
        review_due = on_school_day(calendar, review_due)
        if level == "concern":  # the flowchart's monitoring review is for significant concern
            review_due = None
        # the period's weeks so far; a late review reads the latest of them, not the weeks
        # just after monitoring began. A week still running counts once it is already bad
        # (it cannot get better); a quiet one so far is left out until it is over.
        limit = (policy.lateness_concern_min if level == "concern"
                 else policy.lateness_significant_min)
        in_period = set(all_weeks)
        period = [w for w in weeks if w.monday in in_period]
        if period and period[-1].monday == week_monday(on) and period[-1].lates < limit \
                and not _week_complete(calendar, on):
            period = period[:-1]
        tail = period[-math.ceil(n / 2):] if period else []
        if tail and len(period) >= n:
            suggestion = "improved" if all(w.lates < limit for w in tail) else "not_improved"
    return LatenessStatus(level, this_week, tuple(weeks), start, level_since, tuple(due), done,
                          monitoring_start, review_due, suggestion, panel_stage)


def level_after_review(status: LatenessStatus, outcome: str) -> str:
    """The flowchart after a review: improved keeps the level (monitoring goes on);
    not improved moves up one level, except that at the significant level the first
    not-improved review brings the panel meeting and contract, and a later one escalates."""
    if outcome == "improved" or status.level in ("none", "escalated"):
        return status.level
    if status.level == "concern":
        return "significant"
    if status.level == "significant" and not status.panel_stage:
        return "significant"
    return "escalated"
