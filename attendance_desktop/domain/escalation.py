"""Absence escalation and the missing-education / LA flags (docs/policies.md §5,
docs/dfe_rules.md §7-8). Pure: the services hand in marks, calendar days and events.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import SchoolCalendar, Span
from attendance_desktop.domain.codes import Category
from attendance_desktop.domain.due_dates import due_after, on_school_day
from attendance_desktop.domain.lateness import Event
from attendance_desktop.domain.policy import Band, Policy, Stage
from attendance_desktop.domain.stats import Counts

# --- periods and bands -------------------------------------------------------------------


def current_and_previous(spans: Sequence[Span], on: dt.date) -> tuple[Span | None, Span | None]:
    """The monitoring period holding `on` (or the last one before it, in a holiday) and
    the one before that. `spans` are half terms, terms or years, any order."""
    ordered = sorted(spans, key=lambda s: s.start)
    started = [s for s in ordered if s.start <= on]
    if not started:
        return None, None
    current = started[-1]
    previous = started[-2] if len(started) > 1 else None
    return current, previous


def band_periods(policy: Policy, spans: Sequence[Span], on: dt.date, registers_closed: bool,
                 year_start: dt.date | None = None
                 ) -> tuple[Span | None, Span | None, Span | None]:
    """(band period, the period before it, the period running now) on `on`.

    The one place the letters, the board and `alerts` learn which period a band is worked
    out over. `spans` are the policy's monitoring periods of every year held. With
    `band_period == "current"` (or yearly monitoring) the band is the running period so
    far. With "completed" it is the last period that has finished; a period whose last
    day is `on` has finished once that day's registers have closed (`registers_closed`).
    A school year starts afresh: until its first period has finished (periods starting
    before `year_start` do not count) the running period so far is used, never last
    year's summer."""
    running, before_running = current_and_previous(spans, on)
    if running is None:
        return None, None, None
    if policy.band_period == "current" or policy.monitoring_period == "year":
        return running, before_running, running
    done = [s for s in spans if s.end < on or (s.end == on and registers_closed)]
    current, previous = current_and_previous(done, on)
    if current is None or (year_start is not None and current.start < year_start):
        return running, before_running, running
    return current, previous, running


def registers_closed(policy: Policy, cal: SchoolCalendar, on: dt.date, now: dt.datetime) -> bool:
    """Whether every register of `on` has closed at `now` (a day before today: yes; a day
    with no open session: yes; today: once its last open session's register closes)."""
    if on != now.date():
        return on < now.date()
    open_sessions = [s for s in ("AM", "PM") if cal.is_open(on, s)]
    if not open_sessions:
        return True
    return now.time() >= policy.session_times(open_sessions[-1]).closes


def counts_of(marks: Iterable[tuple[dt.date, str, str]], start: dt.date,
              end: dt.date) -> Counts:
    """Counts for one pupil's (date, session, code) marks between two dates."""
    tally = {c: 0 for c in Category}
    late_l = late_u = 0
    for day, _session, code in marks:
        if not start <= day <= end:
            continue
        found = codes.CODES.get(code)
        if found is None:
            continue
        tally[found.category] += 1
        late_l += code == "L"
        late_u += code == "U"
    return Counts(tally[Category.PRESENT], tally[Category.APPROVED], tally[Category.AUTHORISED],
                  tally[Category.UNAUTHORISED], tally[Category.NOT_COUNTED], late_l, late_u)


def band_rank(policy: Policy, band: Band | None) -> int:
    """0 for the best band; larger is worse."""
    return -1 if band is None else list(policy.bands).index(band)


COMPARISON_LABELS = {
    "better_band": "moved to a better band",
    "improved_still_concern": "improved but still a concern",
    "not_improved": "not improved",
    "no_concern": "no concern",
}
REVIEW_LETTERS = {
    "better_band": "improved_better_band",
    "improved_still_concern": "improved_still_concern",
    "not_improved": "not_improved_meeting",
}


def compare(policy: Policy, previous_pct: float | None, current_pct: float | None) -> str:
    """One page's three outcomes, comparing this period with the previous one."""
    if current_pct is None or previous_pct is None:
        return ""
    now, before = policy.band_for(current_pct), policy.band_for(previous_pct)
    assert now is not None
    assert before is not None
    if not now.concern and not before.concern:
        return "no_concern"
    if band_rank(policy, now) < band_rank(policy, before):
        return "better_band"
    if not now.concern:
        return "no_concern"
    if current_pct > previous_pct:
        return "improved_still_concern"
    return "not_improved"


def at_risk(policy: Policy, year: Counts, current_pct: float | None,
            previous_pct: float | None) -> bool:
    """Not yet persistently absent, but within the margin of the PA line, or falling
    compared with the previous period while in a concern band."""
    if year.persistent(policy.persistent_absence_pct) or year.possible == 0:
        return False
    if year.missed_at_least(policy.persistent_absence_pct - policy.at_risk_margin_points):
        return True
    band = policy.band_for(current_pct)
    return (current_pct is not None and previous_pct is not None
            and current_pct < previous_pct and band is not None and band.concern)


# --- the stage workflow ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepDue:
    kind: str  # start | action | review
    label: str
    due: dt.date
    stage: Stage
    letter: str  # template key, "" when the step has no letter


@dataclass(frozen=True, slots=True)
class AbsenceState:
    stage: Stage | None
    stage_since: dt.date | None
    paused: bool  # mitigating circumstances recorded
    paused_since: dt.date | None
    next_step: StepDue | None


def letter_key(policy: Policy, template: str, band: Band | None) -> str:
    if template == "{band}":
        return dict(policy.band_letters).get(band.key, "") if band is not None else ""
    return template


def stage_by_key(policy: Policy, key: str) -> Stage | None:
    return next((s for s in policy.escalation_stages if s.key == key), None)


def ladder(policy: Policy, band: Band | None) -> tuple[Stage, ...]:
    """The stages a pupil in `band` may be moved through: the policy's ladder up to the
    band's end (amber is not red). No band, or a band with no end set: the whole ladder."""
    stages = tuple(policy.escalation_stages)
    end = policy.ladder_end(band.key) if band is not None else ""
    keys = [s.key for s in stages]
    return stages[:keys.index(end) + 1] if end in keys else stages


def next_stage(policy: Policy, stage: Stage | None,
               band: Band | None = None) -> Stage | None:
    """The stage after `stage` on the ladder for `band`; None at (or past) its end."""
    stages = list(ladder(policy, band))
    if stage is None:
        return stages[0]
    if stage not in stages:
        return None  # already above this band's ladder (attendance improved): no higher
    i = stages.index(stage)
    return stages[i + 1] if i + 1 < len(stages) else None


def absence_state(policy: Policy, band: Band | None, events: Iterable[Event], on: dt.date,
                  comparison: str = "", force_concern: bool = False,
                  calendar: SchoolCalendar | None = None) -> AbsenceState:
    """Where a pupil stands in the stage workflow, and the next step with its due date.

    Events: `stage` (value = stage key, or "closed"), `action` (value = stage key),
    `review` (value = outcome), `mitigation_start` / `mitigation_end`. `force_concern`
    starts the workflow whatever the band (lateness handed over to the absence procedure).
    Due dates fall on school days of `calendar` (the next one when the day counted to is a
    weekend, holiday or closure); a step is due only once the stage before it was reached.
    """
    events = sorted(events, key=lambda e: e.on)
    paused_since: dt.date | None = None
    for e in events:
        if e.kind == "mitigation_start":
            paused_since = e.on
        elif e.kind == "mitigation_end":
            paused_since = None
    stage: Stage | None = None
    since: dt.date | None = None
    for e in events:
        if e.kind == "stage":
            stage = stage_by_key(policy, e.value)
            since = e.on if stage is not None else None
    if paused_since is not None:
        return AbsenceState(stage, since, True, paused_since, None)
    concern = force_concern or (band is not None and band.concern)
    if stage is None:
        if not concern:
            return AbsenceState(None, None, False, None, None)
        first = policy.escalation_stages[0]
        return AbsenceState(None, None, False, None, StepDue(
            "start", f"Start: {first.label}", on_school_day(calendar, on), first,
            letter_key(policy, first.letter, band)))
    assert since is not None
    later = [e for e in events if e.on >= since]
    actions = [e.on for e in later if e.kind == "action" and e.value == stage.key]
    if not actions:
        return AbsenceState(stage, since, False, None, StepDue(
            "action", stage.action, due_after(calendar, since, days=stage.due_days), stage,
            letter_key(policy, stage.letter, band)))
    if stage.review_weeks <= 0:
        return AbsenceState(stage, since, False, None, None)
    reviews = [e.on for e in later if e.kind == "review" and e.on >= actions[0]]
    last = max([actions[0], *reviews])
    return AbsenceState(stage, since, False, None, StepDue(
        "review", f"Review: {stage.label}", due_after(calendar, last, weeks=stage.review_weeks),
        stage, REVIEW_LETTERS.get(comparison, "")))


# --- missing education and LA flags ----------------------------------------------------

UNAUTH_RUN = frozenset({"G", "N", "O"})  # the 20-day deletion ground (U breaks it)
UNAUTH_ANY = codes.UNAUTHORISED_CODES  # the 10-day attendance return
# leave of absence granted under reg 11, however it reached the register (a decision
# recorded here, or C marks from an import or typed into the grid)
LEAVE_CODES = frozenset({"C", "C1", "C2", "J1", "S"})
SICKNESS = "I"
CLOSED = "#"


def run_lookback(policy: Policy) -> int:
    """School days of history the run rules need for a pupil who attended in them: one more
    than the longest run a rule counts. (A pupil who did not attend in them may have a
    longer run: the service reads more for those few.)"""
    return 1 + max(policy.missing_consecutive_days, policy.la_continuous_absence_days,
                   policy.missing_after_leave_days, policy.illness_la_notify_days,
                   policy.signed_letter_consecutive_days + 1,
                   policy.illness_weekly_contact_after_days + 1)

FLAG_LABELS = {
    "missing_20_days": "Missing education: 20 school days in a row all G, N or O",
    "not_back_after_leave": "Missing education: not back 10 school days after leave",
    "illness_15_days": "Tell the LA: illness expected to reach 15 school days",
    "absent_10_days": "LA attendance return: 10 school days in a row of G, N, O or U",
    "termly_unauthorised": "Tell the LA: unauthorised school days this term",
    "illness_weekly_contact": "Illness over 5 days: weekly contact due",
    "signed_letter": "Signed letter from the parent due",
    "n_overdue": "N code not replaced within 5 school days",
}
# the flags that are runs of school days: a run as long as the history read may be longer
RUN_FLAGS = frozenset({"missing_20_days", "absent_10_days", "illness_15_days",
                       "illness_weekly_contact", "signed_letter", "not_back_after_leave"})


def flag_on(policy: Policy, name: str) -> bool:
    """Whether the school's policy raises this flag (a setting per flag; see Policy)."""
    return bool(getattr(policy, f"flag_{name}", True))


_SICK = frozenset({SICKNESS})
ABSENCE_CODES = frozenset(c for c, f in codes.CODES.items()
                          if f.category in (Category.AUTHORISED, Category.UNAUTHORISED))


def _is_absence(code: str) -> bool:
    found = codes.CODES.get(code)
    return found is not None and found.category in (Category.AUTHORISED, Category.UNAUTHORISED)


def current_run(school_days: Sequence[dt.date], by_day: Mapping[dt.date, Sequence[str]],
                qualifies: Callable[[Sequence[str]], bool],
                on: dt.date) -> tuple[int, dt.date | None]:
    """School days in a row, ending with the pupil's last marked school day up to `on`,
    whose every mark qualifies. An unmarked day inside the run breaks it; unmarked days at
    the end (registers not taken yet) are skipped. Returns (length, first day).
    Closed sessions must already be left out of `by_day`, and days with nothing but
    closed sessions out of `school_days` (see `open_marks`): they never break a run."""
    end = bisect_right(school_days, on)
    i = end - 1
    while i >= 0 and not by_day.get(school_days[i]):
        i -= 1
    length, first = 0, None
    while i >= 0:
        marks = by_day.get(school_days[i])
        if not marks or not qualifies(marks):
            break
        length += 1
        first = school_days[i]
        i -= 1
    return length, first


def open_marks(marks: Iterable[tuple[dt.date, str, str]],
               is_open: Callable[[dt.date, str], bool] | None = None
               ) -> tuple[list[tuple[dt.date, str, str]], set[dt.date]]:
    """The marks of sessions the school was open, and the days that had nothing else.

    A closed session (`#`, or a session the calendar says was not a school session, such
    as a planned closed afternoon) is neither attendance nor absence: run rules skip it."""
    kept: list[tuple[dt.date, str, str]] = []
    closed: set[dt.date] = set()
    for m in marks:
        if m[2] == CLOSED or (is_open is not None and not is_open(m[0], m[1])):
            closed.add(m[0])
        else:
            kept.append(m)
    if closed:
        closed -= {m[0] for m in kept}
    return kept, closed


def by_day(marks: Iterable[tuple[dt.date, str, str]]) -> dict[dt.date, list[str]]:
    out: dict[dt.date, list[str]] = {}
    for day, _session, code in marks:
        out.setdefault(day, []).append(code)
    return out


def _open_days(marks: Iterable[tuple[dt.date, str, str]], on: dt.date,
               is_open: Callable[[dt.date, str], bool] | None
               ) -> tuple[dict[dt.date, list[str]], set[dt.date], dt.date | None]:
    """`by_day(open_marks(...))` of the marks up to `on` in one pass (it runs for every
    pupil), with the days that had only closed sessions and the last leave mark's day."""
    days: dict[dt.date, list[str]] = {}
    closed: set[dt.date] = set()
    leave: dt.date | None = None
    for day, session, code in marks:
        if day > on:
            continue
        if code == CLOSED or (is_open is not None and not is_open(day, session)):
            closed.add(day)
            continue
        got = days.get(day)
        if got is None:
            days[day] = [code]
        else:
            got.append(code)
        if code in LEAVE_CODES and (leave is None or day > leave):
            leave = day
    if closed:
        closed.difference_update(days)
    return days, closed, leave


def sessions_as_days(sessions: int) -> float:
    return sessions / 2


@dataclass(frozen=True, slots=True)
class Flag:
    name: str
    detail: str
    due: dt.date
    since: dt.date  # when the condition began: a record made after this deals with it


@dataclass(frozen=True, slots=True)
class FlagTotals:
    """Session counts the flags need over long spans (the service gets them from SQL)."""

    year_ill_sessions: int = 0  # I, school year to date
    term_absent_sessions: int = 0  # authorised + unauthorised, this term to date
    term_unauthorised_sessions: int = 0


def flag_totals(marks: Iterable[tuple[dt.date, str, str]], on: dt.date, year: Span | None,
                term: Span | None) -> FlagTotals:
    """The same totals worked out from one pupil's marks (tests, small callers)."""
    ill = absent = unauth = 0
    for day, _s, code in marks:
        if day > on:
            continue
        if year is not None and year.start <= day and code == SICKNESS:
            ill += 1
        if term is not None and term.start <= day:
            found = codes.CODES.get(code)
            absent += _is_absence(code)
            unauth += found is not None and found.category is Category.UNAUTHORISED
    return FlagTotals(ill, absent, unauth)


@dataclass(frozen=True, slots=True)
class NAge:
    """An N mark and the last school day it may stay N (the `n_code_limit_school_days`th
    school day after its own); it is overdue from the day after."""

    day: dt.date
    session: str
    deadline: dt.date | None  # None: beyond the term dates held

    def overdue(self, on: dt.date) -> bool:
        return self.deadline is not None and on > self.deadline


def n_deadline(add_school_days: Callable[[dt.date, int], dt.date], day: dt.date,
               limit: int) -> dt.date | None:
    """The last school day an N from `day` may stay N: replace within `limit` school days."""
    try:
        return add_school_days(day, limit)
    except ValueError:  # the calendar does not reach that far yet
        return None


def flags(policy: Policy, school_days: Sequence[dt.date],
          marks: Sequence[tuple[dt.date, str, str]], on: dt.date, year: Span | None,
          term: Span | None, leave_end: dt.date | None = None,
          last_contact: dt.date | None = None, *,
          is_open: Callable[[dt.date, str], bool] | None = None,
          totals: FlagTotals | None = None, n_marks: Sequence[NAge] = ()) -> list[Flag]:
    """Missing-education, LA and follow-up flags for one pupil on `on`, those the policy
    raises (`flag_on`).

    `marks` must reach back far enough for the runs (RUN_LOOKBACK_SCHOOL_DAYS, and to
    `leave_end`); `school_days` (sorted) as far. `leave_end` is the last day of the
    latest granted leave; leave marks (C, C1, C2, J1, S) in `marks` count as leave too.
    `last_contact` is the latest call or message to the family. `totals` are the year's
    and term's counts (worked out from `marks` when not given); `n_marks` the pupil's N
    marks with their deadlines."""
    days, closed_only, marked_leave = _open_days(marks, on, is_open)
    run_days = [d for d in school_days if d not in closed_only] if closed_only \
        else school_days
    if totals is None:
        totals = flag_totals(open_marks((m for m in marks if m[0] <= on), is_open)[0], on,
                             year, term)
    out: list[Flag] = []

    def run(allowed: frozenset[str]) -> tuple[int, dt.date | None]:
        return current_run(run_days, days, allowed.issuperset, on)

    n, first = run(UNAUTH_RUN)
    if n >= policy.missing_consecutive_days and first:
        out.append(Flag("missing_20_days", f"{n} school days of G/N/O since {first:%d %b %Y}",
                        on, first))
    n, first = run(UNAUTH_ANY)
    if n >= policy.la_continuous_absence_days and first:
        out.append(Flag("absent_10_days", f"{n} school days of G/N/O/U since {first:%d %b %Y}",
                        on, first))
    ends = [d for d in (leave_end, marked_leave) if d is not None]
    latest_leave = max(ends) if ends else None
    if latest_leave is not None and latest_leave < on:
        after = [d for d in run_days if latest_leave < d <= on]
        attended = any(codes.CODES[c].category.attending for d in after
                       for c in days.get(d, []) if c in codes.CODES)
        # absence the school has reason to think is sickness is not "not back"
        away = [d for d in after if SICKNESS not in days.get(d, [])]
        if len(away) >= policy.missing_after_leave_days and not attended:
            out.append(Flag("not_back_after_leave",
                            f"leave ended {latest_leave:%d %b %Y}; {len(away)} school days "
                            "without attending (illness not counted)", on, latest_leave))
    ill_run, ill_first = current_run(run_days, days, _SICK.issuperset, on)
    ill_days = sessions_as_days(totals.year_ill_sessions) if year is not None else 0.0
    if max(ill_days, ill_run) >= policy.illness_la_notify_days:
        out.append(Flag("illness_15_days",
                        f"{max(ill_days, ill_run):g} school days of illness"
                        f"{' this year' if ill_days >= ill_run else ' in a row'}", on,
                        year.start if year is not None and ill_days >= ill_run
                        else ill_first or on))
    if ill_run > policy.illness_weekly_contact_after_days and ill_first is not None:
        recent = last_contact is not None and (on - last_contact).days < \
            policy.weekly_contact_days and last_contact >= ill_first
        if not recent:
            due = (last_contact + dt.timedelta(days=policy.weekly_contact_days)
                   if last_contact is not None and last_contact >= ill_first else on)
            out.append(Flag("illness_weekly_contact",
                            f"ill {ill_run} school days in a row since {ill_first:%d %b %Y}",
                            due, ill_first))
    if term is not None:
        absent_run, absent_first = current_run(run_days, days, ABSENCE_CODES.issuperset, on)
        term_absent = sessions_as_days(totals.term_absent_sessions)
        if absent_run > policy.signed_letter_consecutive_days:
            out.append(Flag("signed_letter", f"absent {absent_run} school days in a row", on,
                            absent_first or on))
        elif term_absent > policy.signed_letter_term_days:
            out.append(Flag("signed_letter", f"absent {term_absent:g} school days this term",
                            on, term.start))
        unauth = sessions_as_days(totals.term_unauthorised_sessions)
        if unauth >= policy.la_termly_unauthorised_days:
            out.append(Flag("termly_unauthorised",
                            f"{unauth:g} school days of unauthorised absence this term", on,
                            term.start))
    late_n = sorted((m for m in n_marks if m.overdue(on)), key=lambda m: (m.day, m.session))
    if late_n:
        oldest = late_n[0]
        assert oldest.deadline is not None
        more = f" and {len(late_n) - 1} more" if len(late_n) > 1 else ""
        out.append(Flag("n_overdue", f"N on {oldest.day:%d %b %Y} {oldest.session}{more} not "
                        f"replaced: due by {oldest.deadline:%d %b %Y}", oldest.deadline,
                        oldest.day))
    return [f for f in out if flag_on(policy, f.name)]
