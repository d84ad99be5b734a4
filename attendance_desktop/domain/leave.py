"""Leave of absence rules: sessions asked for, notice given, and the policy's checks.

Pure Python (no Qt, no database). The checks advise; the headteacher decides. Every
threshold comes from `Policy` (see docs/policies.md §3 and docs/dfe_rules.md §5).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import SchoolCalendar
from attendance_desktop.domain.policy import Policy

# Ground -> (label shown to staff). The ground is also the register code for the leave.
GROUNDS: dict[str, str] = {
    "C": "Exceptional circumstances",
    "C1": "Regulated performance or employment abroad (licence)",
    "C2": "Temporary part-time timetable",
    "J1": "Interview (job or another school)",
    "S": "Study leave for a public exam",
    "R": "Religious observance",
    "T": "Parent travelling for work",
    "M": "Medical or dental appointment",
}

OUTCOMES = ("granted", "part_granted", "refused")
STATUS_LABELS = {
    "pending": "Waiting for a decision",
    "granted": "Granted",
    "part_granted": "Granted in part",
    "refused": "Refused",
    "withdrawn": "Withdrawn",
    "taken_unauthorised": "Refused, taken anyway (G)",
}
NOTICE_UNITS = {
    "weeks": ("week", "weeks"),
    "school_weeks": ("school week", "school weeks"),
    "school_days": ("school day", "school days"),
    "days": ("day", "days"),
}
PASS, WARN, INFO = "pass", "warn", "info"

_HOLIDAY_WORDS = re.compile(r"\b(holidays?|vacation|vacations)\b", re.IGNORECASE)
_SESSION_ORDER = {"AM": 0, "PM": 1}

Slot = tuple[dt.date, str]


class LeaveError(ValueError):
    """Dates or sessions that make no sense as a request."""


def slot_key(day: dt.date, session: str) -> tuple[dt.date, int]:
    if session not in _SESSION_ORDER:
        raise LeaveError(f"session must be AM or PM, not '{session}'")
    return (day, _SESSION_ORDER[session])


def check_span(first: dt.date, first_session: str, last: dt.date, last_session: str) -> None:
    if slot_key(first, first_session) > slot_key(last, last_session):
        raise LeaveError(
            f"the last day ({last:%a %d %b %Y} {last_session}) is before the first day"
            f" ({first:%a %d %b %Y} {first_session})")


def requested_sessions(calendar: SchoolCalendar, first: dt.date, first_session: str,
                       last: dt.date, last_session: str) -> list[Slot]:
    """The open school sessions from (first, first_session) to (last, last_session).

    Weekends, holidays and closures (whole day or one session) are left out; a request that
    starts in the afternoon or ends at lunchtime counts the half day.
    """
    check_span(first, first_session, last, last_session)
    lo, hi = slot_key(first, first_session), slot_key(last, last_session)
    return [(d, s) for d, s in calendar.sessions(first, last) if lo <= slot_key(d, s) <= hi]


# --- notice ------------------------------------------------------------------------------

def notice_given(calendar: SchoolCalendar, received: dt.date, first: dt.date,
                 unit: str) -> int:
    """How much notice the family gave, in the policy's unit.

    days: calendar days from the day received to the first day. weeks: whole 7-day blocks
    counted from the day received that end before the first day. school weeks: the same
    blocks, counting only those with at least one school day. school days: school days
    after the day received and before the first day.
    """
    if first <= received:
        return 0
    days = (first - received).days
    if unit == "days":
        return days
    if unit == "weeks":
        return days // 7
    if unit == "school_weeks":
        count = 0
        for k in range(days // 7):
            block_start = received + dt.timedelta(days=7 * k)
            if calendar.school_days(block_start, block_start + dt.timedelta(days=6)):
                count += 1
        return count
    if unit == "school_days":
        return len(calendar.school_days(received + dt.timedelta(days=1),
                                        first - dt.timedelta(days=1)))
    raise LeaveError(f"unknown notice unit '{unit}'")


def unit_text(amount: int, unit: str) -> str:
    one, many = NOTICE_UNITS.get(unit, (unit, unit))
    return f"{amount} {one if amount == 1 else many}"


# --- the checks --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PupilRecord:
    """The pupil's sessions so far this year (possible = present + approved + absences)."""

    possible: int
    attended: int
    authorised: int
    unauthorised: int

    def attendance_pct(self) -> float | None:
        return None if self.possible == 0 else 100.0 * self.attended / self.possible

    def authorised_pct(self) -> float | None:
        return None if self.possible == 0 else 100.0 * self.authorised / self.possible

    def unauthorised_pct(self) -> float | None:
        return None if self.possible == 0 else 100.0 * self.unauthorised / self.possible


@dataclass(frozen=True, slots=True)
class Assessment:
    name: str
    start: dt.date
    end: dt.date
    year_groups: tuple[str, ...] = ()  # empty = every year group

    def applies_to(self, year_group: str) -> bool:
        return not self.year_groups or year_group in self.year_groups


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the checks look at: the request, the pupil's record and the school's dates."""

    ground: str
    reason: str
    is_holiday: bool
    received: dt.date
    first: dt.date
    first_session: str
    last: dt.date
    last_session: str
    year_group: str
    record: PupilRecord
    licence_reference: str = ""
    review_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Check:
    key: str
    title: str
    status: str  # pass | warn | info
    text: str

    @property
    def symbol(self) -> str:
        return {PASS: "✓", WARN: "⚠", INFO: "ℹ"}[self.status]


def mentions_holiday(reason: str) -> bool:
    return bool(_HOLIDAY_WORDS.search(reason))


def projected_attendance(record: PupilRecord, sessions_missed: int) -> float | None:
    possible = record.possible + sessions_missed
    return None if possible == 0 else 100.0 * record.attended / possible


def _at_least(part: int, whole: int, pct: float) -> bool:
    """100 * part / whole >= pct, exactly (no float rounding at the boundary)."""
    return Decimal(100 * part) >= Decimal(str(pct)) * whole


def _sessions_text(n: int) -> str:
    return f"{n} session" + ("" if n == 1 else "s")


def _pct(value: float | None) -> str:
    return "no sessions yet" if value is None else f"{value:.1f}%"


def run_checks(facts: RequestFacts, policy: Policy, calendar: SchoolCalendar,
               assessments: list[Assessment] | tuple[Assessment, ...] = ()) -> list[Check]:
    """The policy's checks in plain English, each pass, warn or info. They advise only."""
    out: list[Check] = []
    sessions = requested_sessions(calendar, facts.first, facts.first_session, facts.last,
                                  facts.last_session)
    n = len(sessions)
    rec = facts.record

    if n == 0:
        out.append(Check("sessions", "School sessions asked for", WARN,
                         "None of the dates asked for is an open school session (weekend,"
                         " holiday or closure): there is nothing to grant."))

    if facts.first < facts.received:
        out.append(Check("retrospective", "Asked in advance", WARN,
                         f"The first day ({facts.first:%d %b %Y}) is before the request was"
                         f" received ({facts.received:%d %b %Y}). Leave cannot be granted"
                         " retrospectively."))
    else:
        given = notice_given(calendar, facts.received, facts.first, policy.leave_notice_unit)
        need = policy.leave_notice_amount
        text = (f"{unit_text(given, policy.leave_notice_unit)} given; the policy asks"
                f" for {unit_text(need, policy.leave_notice_unit)}.")
        out.append(Check("notice", "Notice given", PASS if given >= need else WARN,
                         text if given >= need else text + " Less notice than the policy asks."))

    if rec.unauthorised > 0:
        status = WARN if policy.leave_refuse_if_unauthorised else INFO
        text = f"{_sessions_text(rec.unauthorised)} of unauthorised absence this year."
        if policy.leave_refuse_if_unauthorised:
            text += " The policy says leave is not granted when there is unauthorised absence."
        out.append(Check("unauthorised", "Unauthorised absence on record", status, text))
    else:
        out.append(Check("unauthorised", "Unauthorised absence on record", PASS,
                         "No unauthorised absence this year."))

    limit = policy.leave_authorised_limit_pct
    # "above the limit": strictly more than limit% (exactly the limit passes).
    over = rec.possible > 0 and Decimal(100 * rec.authorised) > Decimal(str(limit)) * rec.possible
    out.append(Check(
        "authorised", f"Authorised absence (limit {limit:g}%)", WARN if over else PASS,
        f"Authorised absence so far: {_pct(rec.authorised_pct())}"
        + (f", above the policy's {limit:g}%." if over
           else f" (the policy's limit is {limit:g}%).")))

    clashes = _assessment_clashes(facts, sessions, calendar, policy, assessments)
    if clashes:
        out.append(Check("assessments", "Statutory assessment dates", WARN,
                         "The leave falls on or just before: " + "; ".join(clashes)
                         + ". Leave is not normally granted then."))
    elif assessments:
        out.append(Check("assessments", "Statutory assessment dates", PASS,
                         "No overlap with the assessment dates entered for this year group."))
    else:
        out.append(Check("assessments", "Statutory assessment dates", INFO,
                         "No assessment dates have been entered, so none could be checked."))

    if facts.ground == "C1":
        min_pct = policy.performance_min_attendance_pct
        projected = projected_attendance(rec, n)
        ok = rec.possible + n == 0 or _at_least(rec.attended, rec.possible + n, min_pct)
        out.append(Check(
            "performance", f"Performance leave and {min_pct:g}% attendance",
            PASS if ok else WARN,
            f"If the {_sessions_text(n)} asked for are missed, attendance would be"
            f" {_pct(projected)}"
            + ("." if ok else f", below {min_pct:g}%: performance leave is not authorised.")))
        if not facts.licence_reference.strip():
            out.append(Check("licence", "Performance licence", WARN,
                             "No licence reference (local authority licence or body of"
                             " persons approval) has been recorded."))

    if facts.ground == "C2" and facts.review_date is None:
        out.append(Check("review", "Part-time timetable review", WARN,
                         "A part-time timetable needs a review date."))

    holiday = mentions_holiday(facts.reason) or (facts.ground == "C" and facts.is_holiday)
    if holiday:
        if policy.leave_holidays_may_be_granted:
            out.append(Check("holiday", "Holiday", INFO,
                             "This looks like a holiday. The school's policy lets the head"
                             " consider it, but a holiday is generally not exceptional."))
        else:
            out.append(Check("holiday", "Holiday", WARN,
                             "This looks like a holiday. A holiday is not an exceptional"
                             " circumstance."))

    if facts.ground == "R":
        out.append(Check("religious", "Religious observance", INFO,
                         "Only days set apart for observance by the family's religious body;"
                         " the school may check with that body."))
    if facts.ground == "T":
        out.append(Check("travel", "Travelling for work", INFO,
                         "The family must travel for work and the pupil with them; the school"
                         " should be told in advance."))
    return out


def _assessment_clashes(facts: RequestFacts, sessions: list[Slot], calendar: SchoolCalendar,
                        policy: Policy, assessments: list[Assessment] | tuple[Assessment, ...]
                        ) -> list[str]:
    days = sorted({d for d, _ in sessions}) or [facts.first, facts.last]
    out = []
    for a in assessments:
        if not a.applies_to(facts.year_group):
            continue
        start = a.start
        if policy.leave_assessment_days_before > 0:
            before = calendar.school_days(a.start - dt.timedelta(days=62),
                                          a.start - dt.timedelta(days=1))
            if before:
                start = before[-min(policy.leave_assessment_days_before, len(before))]
        if any(start <= d <= a.end for d in days):
            when = (f"{a.start:%d %b}" if a.start == a.end
                    else f"{a.start:%d %b} to {a.end:%d %b %Y}")
            out.append(f"{a.name} ({when})")
    return out


def worst(checks: list[Check]) -> str:
    return WARN if any(c.status == WARN for c in checks) else PASS


# --- describing sessions, and the "refused but taken" step ---------------------------------

# A "refused but taken" G replaces only a session with no reason recorded: no mark, N (no
# reason yet) or O (unauthorised, other). Any other absence code (I illness, M medical,
# an authorised code...) is a reason the school recorded and stays unless the head
# confirms that session; a session the pupil attended is never changed.
G_REPLACES = frozenset({"", "N", "O"})


def slot_text(day: dt.date, session: str) -> str:
    """'Mon 3 Mar AM'."""
    return f"{day:%a} {day.day} {day:%b} {session}"


def runs(slots: list[Slot] | tuple[Slot, ...], open_sessions: list[Slot]) -> list[list[Slot]]:
    """Consecutive runs of `slots` (consecutive in the school's open sessions)."""
    index = {k: i for i, k in enumerate(open_sessions)}
    out: list[list[Slot]] = []
    for k in sorted(slots, key=lambda x: slot_key(*x)):
        if out and k in index and out[-1][-1] in index and index[k] == index[out[-1][-1]] + 1:
            out[-1].append(k)
        else:
            out.append([k])
    return out


def _half(session: str) -> str:
    return "morning" if session == "AM" else "afternoon"


def run_text(run: list[Slot]) -> str:
    """'Monday 2 March 2026' (whole day), 'Monday 2 March 2026 (morning)', or
    'Monday 2 March 2026 to Wednesday 4 March 2026' with the half days named when a run
    starts in an afternoon or ends in a morning."""
    (f_day, f_s), (l_day, l_s) = run[0], run[-1]
    if f_day == l_day:
        whole = (f_s, l_s) == ("AM", "PM")
        return f"{f_day:%A} {f_day.day} {f_day:%B %Y}" + ("" if whole else f" ({_half(f_s)})")
    first = f"{f_day:%A} {f_day.day} {f_day:%B %Y}" + (" (afternoon)" if f_s == "PM" else "")
    last = f"{l_day:%A} {l_day.day} {l_day:%B %Y}" + (" (morning)" if l_s == "AM" else "")
    return f"{first} to {last}"


def slots_text(slots: list[Slot] | tuple[Slot, ...], open_sessions: list[Slot]) -> str:
    """Sessions as a short list of date ranges for a letter ('' when there are none)."""
    parts = [run_text(r) for r in runs(slots, open_sessions)]
    if len(parts) <= 1:
        return "".join(parts)
    return "; ".join(parts[:-1]) + " and " + parts[-1]


def sessions_count_text(n: int) -> str:
    days = n / 2
    day_word = "school day" if days == 1 else "school days"
    return f"{n} school session{'s' if n != 1 else ''} ({days:g} {day_word})"


@dataclass(frozen=True, slots=True)
class GChange:
    """One session of refused-but-taken leave and what the G step would do to it."""

    day: dt.date
    session: str
    old_code: str  # "" no mark
    action: str  # "change" | "confirm" (a recorded reason: only if the head confirms) | "keep"
    why: str = ""  # for "keep": why it is left alone

    @property
    def text(self) -> str:
        old = self.old_code or "no mark"
        if self.action == "keep":
            return f"{slot_text(self.day, self.session)}: {old} stays ({self.why})"
        return f"{slot_text(self.day, self.session)}: {old} → G"


def plan_g_step(slots: list[Slot], marks: dict[Slot, str]) -> list[GChange]:
    """What 'refused but taken → G' would do to each session that has happened."""
    out = []
    for day, session in sorted(slots, key=lambda x: slot_key(*x)):
        old = marks.get((day, session), "")
        found = codes.CODES.get(old)
        if old == "G":
            out.append(GChange(day, session, old, "keep", "already G"))
        elif found is not None and found.category.attending:
            out.append(GChange(day, session, old, "keep", "the pupil was in school"))
        elif old in G_REPLACES:
            out.append(GChange(day, session, old, "change"))
        else:
            out.append(GChange(day, session, old, "confirm"))
    return out
