"""Who needs what next: every tracker's rules applied to the whole school at once.

Reads the data with a handful of set queries (the policy and calendar, pupils with their
marks per period segment and last on-time day, one read of the marks that are not on time,
tracker events, last contacts, leave ends; see alerts_reads) and applies the pure rules in
domain.lateness / domain.escalation / domain.penalty per pupil. No query per pupil.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, bindparam, func, or_, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    CallLog,
    LeaveDecision,
    LeaveRequest,
    Pupil,
    SchoolClass,
    TrackerEvent,
)
from attendance_desktop.domain import codes, escalation, lateness, penalty
from attendance_desktop.domain.calendar import SchoolCalendar, Span, compulsory_school_age_start
from attendance_desktop.domain.due_dates import due_after
from attendance_desktop.domain.escalation import Flag
from attendance_desktop.domain.lateness import Event, LatenessStatus
from attendance_desktop.domain.penalty import PnWindow
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services import clock
from attendance_desktop.services.interchange import previous_school
from attendance_desktop.services.register import register_facts
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.trackers import alerts_reads

# Lower is more urgent. Overdue items move up one.
FLAG_URGENCY = {
    "missing_20_days": 0, "not_back_after_leave": 0, "absent_10_days": 1,
    "illness_15_days": 1, "termly_unauthorised": 2, "illness_weekly_contact": 2,
    "signed_letter": 3, "n_overdue": 2,
}
# flags an "action" record does not clear: only the register (or a contact) does
UNACKNOWLEDGED = frozenset({"illness_weekly_contact", "n_overdue"})
# the letter template that goes with a flag's follow-up
FLAG_LETTERS = {"signed_letter": "signed_letter_request"}
SHORT_WARNINGS = {"missing_20_days": "missing education (20 days)",
                  "not_back_after_leave": "missing education (not back after leave)"}
PENALTY_URGENCY = 1
ABSENCE_URGENCY = 3
LATENESS_URGENCY = 4
URGENCY_LABELS = {0: "Urgent", 1: "High", 2: "High", 3: "Due", 4: "Due", 5: "Due"}


@dataclass(frozen=True, slots=True)
class DueItem:
    tracker: str  # lateness | absence | penalty | flags
    kind: str  # action | review | start | decision | flag
    key: str  # step, stage or flag key
    label: str
    due: dt.date
    urgency: int
    letter: str = ""  # letter template key for this step, if any

    def overdue(self, on: dt.date) -> bool:
        return self.due < on


@dataclass(frozen=True, slots=True)
class PupilAlert:
    pupil_id: int
    upn: str
    name: str
    class_name: str
    year_group: str
    year_counts: Counts
    attendance_pct: float | None  # year to date, 1 dp
    period: str  # the monitoring period's name
    period_pct: float | None
    previous_period: str
    previous_pct: float | None
    running_period: str  # the period under way (same as `period` when bands use it)
    running_pct: float | None  # so far
    period_span: Span | None  # the dates the band is worked out over (letters use them)
    band_key: str
    band_label: str
    band_concern: bool
    comparison: str  # better_band | improved_still_concern | not_improved | no_concern | ""
    persistent: bool
    severe: bool
    at_risk: bool
    lateness: LatenessStatus
    pn: PnWindow
    penalty_decided: bool
    absence: escalation.AbsenceState
    flags: tuple[Flag, ...]  # every flag that holds (dealt-with ones too)
    due: tuple[DueItem, ...] = field(default_factory=tuple)
    n_pending: tuple[escalation.NAge, ...] = ()  # N marks not yet overdue, with deadlines

    @property
    def n_overdue(self) -> bool:
        return any(f.name == "n_overdue" for f in self.flags)

    @property
    def warnings(self) -> list[str]:
        """What must show beside any band, whatever the band says: persistent or severe
        absence this year and the missing-education flags."""
        out = [w for w, on in (("severe absence", self.severe),
                               ("persistent absence", self.persistent and not self.severe))
               if on]
        out += [SHORT_WARNINGS[f.name] for f in self.flags if f.name in SHORT_WARNINGS]
        return out

    @property
    def lateness_level(self) -> str:
        return self.lateness.level

    @property
    def penalty_threshold_met(self) -> bool:
        return self.pn.met

    @property
    def missing_education(self) -> list[str]:
        return [f.name for f in self.flags]

    @property
    def urgency(self) -> int:
        return min((d.urgency for d in self.due), default=99)

    @property
    def first_due(self) -> dt.date | None:
        return min((d.due for d in self.due), default=None)


@dataclass(frozen=True, slots=True)
class Snapshot:
    on: dt.date
    policy: Policy
    pupils: tuple[PupilAlert, ...]

    def board(self) -> list[PupilAlert]:
        """Pupils with something due, most urgent first, then earliest due date."""
        return sorted((p for p in self.pupils if p.due),
                      key=lambda p: (p.urgency, p.first_due or self.on, p.name))

    def find(self, pupil_id: int) -> PupilAlert | None:
        return next((p for p in self.pupils if p.pupil_id == pupil_id), None)


def _spans(policy: Policy, years: Sequence[calendar_service.YearInfo]) -> list[Span]:
    if policy.monitoring_period == "half_term":
        return [h for y in years for h in y.half_terms]
    if policy.monitoring_period == "term":
        return [t for y in years for t in y.terms]
    return [Span(y.name, y.start, y.end) for y in years]


def _pct_1dp(c: Counts) -> float | None:
    return c.attendance_pct_1dp()


@dataclass(frozen=True, slots=True)
class Periods:
    """The spans one snapshot works with: the band's period (letters use the same), the one
    before it, the period running now, the school year and the term holding `on`."""

    band: Span | None
    previous: Span | None
    running: Span | None
    year: Span | None
    term: Span | None


def periods(policy: Policy, years: Sequence[calendar_service.YearInfo], cal: SchoolCalendar,
            on: dt.date, now: dt.datetime) -> Periods:
    year = next((Span(y.name, y.start, y.end) for y in years if y.start <= on <= y.end), None)
    if year is None:
        started = [y for y in years if y.start <= on]
        year = Span(started[-1].name, started[-1].start, started[-1].end) if started else None
    band, previous, running = escalation.band_periods(
        policy, _spans(policy, years), on, escalation.registers_closed(policy, cal, on, now),
        year.start if year else None)
    term = next((t for y in years for t in y.terms if t.start <= on <= t.end), None)
    return Periods(band, previous, running, year, term)


# the statements, built once (building them cost as much as running some)
_PUPILS = select(col(Pupil.id), col(Pupil.upn), col(Pupil.legal_forename),
                 col(Pupil.preferred_forename), col(Pupil.legal_surname),
                 col(Pupil.preferred_surname), col(Pupil.year_group), col(SchoolClass.name),
                 col(SchoolClass.sort_order), col(Pupil.dob)).outerjoin(
    SchoolClass, col(SchoolClass.id) == col(Pupil.class_id)).where(
    col(Pupil.admission_date) <= bindparam("on", type_=Date),
    or_(col(Pupil.leaving_date).is_(None),
        col(Pupil.leaving_date) >= bindparam("on", type_=Date)))
_EVENTS = select(col(TrackerEvent.pupil_id), col(TrackerEvent.tracker),
                 col(TrackerEvent.kind), col(TrackerEvent.value), col(TrackerEvent.at)
                 ).order_by(col(TrackerEvent.at), col(TrackerEvent.id))
_CONTACTS = select(col(CallLog.pupil_id), func.max(col(CallLog.called_at))).group_by(
    col(CallLog.pupil_id))
_LEAVE = select(col(LeaveRequest.pupil_id), col(LeaveDecision.id), col(LeaveDecision.outcome),
                col(LeaveDecision.granted_last_date), col(LeaveRequest.id)).join(
    LeaveDecision, col(LeaveDecision.request_id) == col(LeaveRequest.id))


def snapshot(engine: Engine, on: dt.date, pupil_ids: Sequence[int] | None = None) -> Snapshot:
    """Every tracker for the pupils on roll on `on` (or just the pupils asked for).

    Raises calendar_service.NoTermDates when no term dates cover `on`: without school days
    every rule would quietly find nothing."""
    now = clock.now(engine)
    with session_scope(engine) as s:
        years = alerts_reads.read_years(s)
        if not calendar_service.covers(years, on):
            raise calendar_service.NoTermDates(on)
        policy, cal = register_facts.facts_in(s)  # the calendar read once, kept by content
        conn = s.connection()  # plain rows below: no ORM processing
        pupil_q = _PUPILS
        if pupil_ids is not None:
            pupil_q = pupil_q.where(col(Pupil.id).in_(list(pupil_ids)))
        pupils: Sequence[Any] = conn.execute(pupil_q, {"on": on}).all()
        ids = [r[0] for r in pupils]
        only = ids if pupil_ids is not None else None
        per = periods(policy, years, cal, on, now)
        # the school weeks, built once: enough for the year's lateness and the PN window
        first_week = min([on - dt.timedelta(days=400)]
                         + [sp.start for sp in (per.year, per.previous) if sp is not None])
        all_weeks = cal.school_weeks(first_week, on)
        pn_weeks = all_weeks[-policy.pn_window_school_weeks:]
        bounds = alerts_reads.segment_bounds(
            (per.band, per.previous, per.running, per.year, per.term), on)
        window_start = bounds[0]
        recent_days = cal.school_days(window_start, on)[-escalation.run_lookback(policy):]
        recent_start = recent_days[0] if recent_days else on
        # sessions the calendar has closed (a planned closed afternoon): never in a run
        closed = {(d, ss) for d in cal.closures if window_start <= d <= on
                  for ss in ("AM", "PM") if not cal.is_open(d, ss)}
        totals, last_on_time = alerts_reads.segment_totals(s, only, on, bounds, recent_start,
                                                           closed)
        year_start = per.year.start if per.year else window_start
        late_from = min(year_start - dt.timedelta(days=6), window_start)
        pn_from = pn_weeks[0] if pn_weeks else on
        # one read of the marks that are not on time: the recent window's, the period
        # counts' categories, the late, PN and N marks
        recent, picked, others = alerts_reads.recent_and_picked(
            s, only, min(late_from, pn_from), recent_start, on,
            {*lateness.LATE_CODES, *policy.pn_codes, "N"}, closed, bounds)
        # A pupil's on-time marks matter to the run rules only through the last day that
        # holds one: it ends every run and is a day attended. So that day stands for them.
        for pid, day in last_on_time.items():
            recent.setdefault(pid, []).append((day, "AM", "/"))
        counts = alerts_reads.period_counts(totals, others, bounds)
        events: dict[int, list[tuple[str, Event]]] = {i: [] for i in ids}
        eq = _EVENTS
        if pupil_ids is not None:
            eq = eq.where(col(TrackerEvent.pupil_id).in_(ids))
        for pid, tracker, kind, value, at in conn.execute(eq).all():
            if pid in events:
                events[pid].append((tracker, Event(kind, value, at.date())))
        contacts = dict(conn.execute(_CONTACTS).all())
        leave_ends = _leave_ends(s, on)
        elsewhere = previous_school.pn_history(s, ids, on)  # CTF history spans settings
        # a pupil who has not attended in the recent window may have a run (or leave not
        # returned from) longer than it: read those few pupils' longer history
        longer = [pid for pid in ids if not _attended(recent.get(pid, ()))]
        long_marks = alerts_reads.some_marks(s, longer, window_start, on,
                                             closed=closed) if longer else {}
    window_days = cal.school_days(window_start, on)
    year_weeks = [w for w in all_weeks
                  if per.year is None or w >= per.year.start - dt.timedelta(days=6)]
    ctx = _Context(policy, cal, on, per, all_weeks, pn_weeks, recent_days, window_days,
                   year_weeks, lateness.assess(policy, year_weeks, [], [], on, calendar=cal))
    out = []
    for pid, upn, lf, pf, ls, ps, yg, cname, _order, dob in sorted(
            pupils, key=lambda r: (r[8] if r[8] is not None else 999, r[5] or r[4], r[3] or r[2])):
        out.append(_assess(ctx, pid, upn or "", f"{pf or lf} {ps or ls}", cname or "", yg,
                           counts.get(pid) or alerts_reads.PeriodCounts([on], {}),
                           long_marks.get(pid, recent.get(pid, [])), pid in long_marks,
                           picked.get(pid, []), events[pid], leave_ends.get(pid),
                           contacts.get(pid), compulsory_school_age_start(dob),
                           elsewhere.get(pid)))
    return Snapshot(on, policy, tuple(out))


_ATTENDING = frozenset(c for c, f in codes.CODES.items() if f.category.attending)


def _attended(marks: Iterable[tuple[dt.date, str, str]]) -> bool:
    return any(c in _ATTENDING for _d, _s, c in marks)


@dataclass(frozen=True, slots=True)
class _Context:
    policy: Policy
    cal: SchoolCalendar
    on: dt.date
    per: Periods
    all_weeks: list[dt.date]
    pn_weeks: list[dt.date]
    recent_days: list[dt.date]
    window_days: list[dt.date]
    year_weeks: list[dt.date]
    no_lateness: LatenessStatus


def _leave_ends(s, on: dt.date) -> dict[int, dt.date]:  # type: ignore[no-untyped-def]
    """The last granted day of each pupil's latest leave that ended before `on`."""
    rows = s.connection().execute(_LEAVE).all()
    latest: dict[int, tuple[int, int, str, dt.date | None]] = {}
    for pid, did, outcome, last, rid in rows:  # the newest decision per request wins
        if rid not in latest or did > latest[rid][1]:
            latest[rid] = (pid, did, outcome, last)
    out: dict[int, dt.date] = {}
    for pid, _did, outcome, last in latest.values():
        if outcome in ("granted", "part_granted") and last is not None and last < on \
                and (pid not in out or last > out[pid]):
            out[pid] = last
    return out


def _assess(ctx: _Context, pid: int, upn: str, name: str, class_name: str, year_group: str,
            pc: alerts_reads.PeriodCounts, marks: list[tuple[dt.date, str, str]],
            long_history: bool, picked: list[tuple[dt.date, str, str]],
            events: list[tuple[str, Event]], leave_end: dt.date | None,
            last_call: dt.datetime | None, compulsory_from: dt.date,
            elsewhere: tuple[list[tuple[dt.date, str, str]], list[dt.date]] | None = None
            ) -> PupilAlert:
    policy, on, per, cal = ctx.policy, ctx.on, ctx.per, ctx.cal
    current, previous, running, year, term = (per.band, per.previous, per.running, per.year,
                                              per.term)
    by_tracker: dict[str, list[Event]] = {}
    for tracker, event in events:
        by_tracker.setdefault(tracker, []).append(event)
    year_counts = pc.counts(year.start, on) if year else Counts()
    cur_counts = pc.counts(current.start, min(on, current.end)) if current else None
    cur_pct = cur_counts.attendance_pct() if cur_counts else None
    prev_pct = (pc.counts(previous.start, previous.end).attendance_pct()
                if previous else None)
    run_pct = (pc.counts(running.start, min(on, running.end)).attendance_pct()
               if running else None)
    band = policy.band_for(cur_pct)
    comparison = escalation.compare(policy, prev_pct, cur_pct)

    late_days = [d for d, _s, c in picked if c in lateness.LATE_CODES]
    late_events = by_tracker.get("lateness", [])
    if late_days or late_events:
        late = lateness.assess(policy, ctx.year_weeks, late_days, late_events, on,
                              calendar=cal)
    else:  # most pupils: no late marks, no lateness record: the same answer for all
        late = ctx.no_lateness

    absence_events = by_tracker.get("absence", []) + by_tracker.get("mitigation", [])
    unauthorised = cur_counts.unauthorised if cur_counts else 0
    start_anyway = late.level == "escalated" or (
        policy.escalation_unauthorised_sessions > 0
        and unauthorised >= policy.escalation_unauthorised_sessions)
    state = escalation.absence_state(policy, band, absence_events, on, comparison,
                                     force_concern=start_anyway, calendar=cal)
    # penalty notices are for compulsory school age only: earlier sessions do not count
    # ... and the window spans settings: a previous school's marks and weeks count too
    pn_own = [m for m in picked if m[2] in policy.pn_codes]
    pn_marks, pn_weeks = previous_school.combine(pn_own, ctx.all_weeks, elsewhere)
    pn = penalty.pn_window(policy, pn_weeks, [m for m in pn_marks if m[0] >= compulsory_from],
                           on)
    decisions = [e.on for e in by_tracker.get("penalty", []) if e.kind == "decision"]
    decided = pn.met and pn.met_on is not None and any(d >= pn.met_on for d in decisions)

    flag_events = by_tracker.get("flags", [])
    contact_days = [e.on for e in flag_events if e.value == "illness_weekly_contact"]
    if last_call is not None:
        contact_days.append(last_call.date())
    term_counts = pc.counts(term.start, on) if term else Counts()
    totals = escalation.FlagTotals(
        year_ill_sessions=pc.illness(year.start, on) if year else 0,
        term_absent_sessions=term_counts.authorised + term_counts.unauthorised,
        term_unauthorised_sessions=term_counts.unauthorised)
    n_ages = tuple(escalation.NAge(d, s, escalation.n_deadline(
        ctx.cal.add_school_days, d, policy.n_code_limit_school_days))
        for d, s, c in picked if c == "N" and d <= on)
    found = escalation.flags(policy, ctx.window_days if long_history else ctx.recent_days,
                             marks, on, year, term, leave_end, max(contact_days, default=None),
                             totals=totals, n_marks=n_ages)  # closed sessions not read
    acknowledged = {(e.value, e.on) for e in flag_events if e.kind == "action"}
    open_flags = tuple(f for f in found if f.name in UNACKNOWLEDGED or not any(
        v == f.name and d >= f.since for v, d in acknowledged))

    due: list[DueItem] = []
    for f in open_flags:
        due.append(DueItem("flags", "flag", f.name, escalation.FLAG_LABELS[f.name], f.due,
                           FLAG_URGENCY[f.name], FLAG_LETTERS.get(f.name, "")))
    if pn.met and not decided:
        assert pn.met_on is not None
        due.append(DueItem("penalty", "decision", "consider",
                           f"Penalty notice threshold met ({pn.sessions} sessions in "
                           f"{policy.pn_window_school_weeks} school weeks): record the "
                           "head's considerations and decision", pn.met_on, PENALTY_URGENCY))
    pn_events = [e for e in by_tracker.get("penalty", []) if e.kind == "decision"]
    if pn_events and pn_events[-1].value == "notice_to_improve":
        ends = due_after(cal, pn_events[-1].on, weeks=policy.notice_to_improve_weeks)
        reviewed = any(e.kind == "review" and e.on >= pn_events[-1].on
                       for e in by_tracker.get("penalty", []))
        if not reviewed:
            due.append(DueItem("penalty", "review", "notice_to_improve",
                               "Notice to Improve: review at the end of the improvement period",
                               ends, PENALTY_URGENCY if ends <= on else ABSENCE_URGENCY + 1))
    if state.next_step is not None:
        step = state.next_step
        due.append(DueItem("absence", step.kind, step.stage.key, step.label, step.due,
                           ABSENCE_URGENCY - (1 if step.due < on else 0), step.letter))
    for d in late.actions_due:
        due.append(DueItem("lateness", "action", d.step.key, d.step.label, d.due,
                           LATENESS_URGENCY, d.step.letter))
    if late.review_due is not None and late.review_due <= on:
        due.append(DueItem("lateness", "review", late.level,
                           f"Lateness review at the end of monitoring "
                           f"({lateness.LEVEL_LABELS[late.level].lower()})",
                           late.review_due, LATENESS_URGENCY - 1))
    due.sort(key=lambda d: (d.urgency, d.due))
    pending = tuple(n for n in n_ages if not n.overdue(on)) \
        if escalation.flag_on(policy, "n_overdue") else ()
    return PupilAlert(
        pid, upn, name, class_name, year_group, year_counts, _pct_1dp(year_counts),
        current.name if current else "", None if cur_pct is None else round(cur_pct, 1),
        previous.name if previous else "", None if prev_pct is None else round(prev_pct, 1),
        running.name if running else "", None if run_pct is None else round(run_pct, 1),
        current,
        band.key if band else "", band.label if band else "", bool(band and band.concern),
        comparison, year_counts.persistent(policy.persistent_absence_pct),
        year_counts.severe(policy.severe_absence_pct),
        escalation.at_risk(policy, year_counts, cur_pct, prev_pct), late, pn, decided, state,
        tuple(found), tuple(due), pending)


def alerts(engine: Engine, on: dt.date) -> list[PupilAlert]:
    """Every pupil on roll on `on` with their flags (for the command line)."""
    return list(snapshot(engine, on).pupils)


def alert_row(p: PupilAlert) -> dict[str, object]:
    """The fields the command line prints, per pupil."""
    return {
        "upn": p.upn, "attendance_pct": p.attendance_pct, "band": p.band_key,
        "lateness_level": p.lateness_level, "persistent": p.persistent, "severe": p.severe,
        "penalty_threshold_met": p.penalty_threshold_met,
        "missing_education": p.missing_education,
        "n_overdue": p.n_overdue,
        "n_replace_by": [{"date": n.day.isoformat(), "session": n.session,
                          "replace_by": n.deadline.isoformat() if n.deadline else None}
                         for n in p.n_pending],
        "band_period": p.period, "band_period_pct": p.period_pct,
        "running_period": p.running_period, "running_pct": p.running_pct,
    }
