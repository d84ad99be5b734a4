"""The what-if counts for pupils (issue 16 point 7): the profile and the letter merge fields.

For each pupil and each horizon (the end of the current term, the end of the school year):
the year's figures counted from the register up to the horizon (marks already entered for
later dates, e.g. granted leave, count), and the sessions still to come: the school
calendar's open sessions from today to the horizon, while the pupil is on roll, that have no
mark yet. The arithmetic is domain.whatif. A whole batch of pupils costs one read of their
marks for the year (by the pupil index) and one read of the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain import codes, whatif
from attendance_desktop.domain.calendar import SchoolCalendar, Span
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services import clock
from attendance_desktop.services.school import calendar_service, policy_service


@dataclass(frozen=True, slots=True)
class PupilWhatIf:
    pupil_id: int
    today: dt.date
    year_name: str
    term_name: str  # "" when no term of this year is still to come
    target_pct: float
    above_pct: float  # attendance above this is out of persistent absence (e.g. 90)
    pa_pct: float
    so_far: Counts  # the year to today
    term: whatif.Outlook | None
    year: whatif.Outlook
    in_a_row: int | None  # absences in a row from now that make the pupil PA (0: already)


def _number(value: float) -> str:
    return f"{value:g}"


@lru_cache(maxsize=128)
def _category(code: str) -> codes.Category | None:
    try:
        return codes.lookup(code).category
    except codes.CodeError:
        return None


def _current_term(terms: Sequence[Span], today: dt.date) -> Span | None:
    for span in terms:
        if span.end >= today:
            return span  # the term we are in, or (in a holiday) the next one
    return None


def _remaining(cal: SchoolCalendar, pupil: Pupil, today: dt.date, end: dt.date,
               marked: set[tuple[dt.date, str]]) -> int:
    start = max(today, pupil.admission_date)
    if pupil.leaving_date is not None:
        end = min(end, pupil.leaving_date)
    if end < start:
        return 0
    return sum(1 for cell in cal.sessions(start, end) if cell not in marked)


def whatif_for(engine: Engine, pupil_ids: Sequence[int], today: dt.date | None = None
               ) -> dict[int, PupilWhatIf]:
    """The what-if figures of each pupil (none when no school year holds `today`)."""
    on = today or clock.now(engine).date()
    ids = list(dict.fromkeys(pupil_ids))
    year = calendar_service.year_containing(engine, on)
    if year is None or not ids:
        return {}
    policy = policy_service.load_policy(engine)
    cal = calendar_service.load_calendar(engine)
    term = _current_term(year.terms, on)
    # One read of the pupils' marks for the year (the (pupil, date, session) index): the
    # figures to today, to the term's end and to the year's end, and the cells already
    # marked from today on. A profile reads one pupil's few hundred rows, whatever the
    # size of the school.
    tallies: dict[str, dict[int, dict[codes.Category, int]]] = {"now": {}, "term": {},
                                                                 "year": {}}
    marked: dict[int, set[tuple[dt.date, str]]] = {}
    term_end = term.end if term is not None else year.start - dt.timedelta(days=1)
    with session_scope(engine) as s:
        pupils = {p.id: p for p in s.exec(select(Pupil).where(col(Pupil.id).in_(ids)))}
        for pid, day, session, code in s.exec(select(
                Mark.pupil_id, col(Mark.date), Mark.session, Mark.code).where(
                col(Mark.pupil_id).in_(ids), Mark.date >= year.start, Mark.date <= year.end)):
            category = _category(code)
            if day >= on:
                marked.setdefault(pid, set()).add((day, session))
            if category is None:
                continue
            for horizon, end in (("now", on), ("term", term_end), ("year", year.end)):
                if day <= end:
                    tallies[horizon].setdefault(pid, dict.fromkeys(codes.Category, 0))[
                        category] += 1

    def counts(horizon: str, pid: int) -> Counts:
        n = tallies[horizon].get(pid)
        if n is None:
            return Counts()
        return Counts(n[codes.Category.PRESENT], n[codes.Category.APPROVED],
                      n[codes.Category.AUTHORISED], n[codes.Category.UNAUTHORISED],
                      n[codes.Category.NOT_COUNTED])

    out = {}
    target, pa = policy.target_pct, policy.persistent_absence_pct
    for pid in ids:
        pupil = pupils.get(pid)
        if pupil is None:
            continue
        cells = marked.get(pid, set())

        def outlook(horizon: str, end: dt.date, pupil: Pupil = pupil,
                    cells: set[tuple[dt.date, str]] = cells, pid: int = pid) -> whatif.Outlook:
            c = counts(horizon, pid)
            return whatif.outlook(c.attended, c.possible,
                                  _remaining(cal, pupil, on, end, cells), target, pa)

        now_counts = counts("now", pid)
        out[pid] = PupilWhatIf(
            pid, on, year.name, term.name if term else "", target, 100 - pa, pa, now_counts,
            outlook("term", term.end) if term is not None else None,
            outlook("year", year.end),
            whatif.absences_in_a_row_to_persistent(now_counts.attended, now_counts.possible,
                                                   pa))
    return out


def pupil_whatif(engine: Engine, pupil_id: int) -> PupilWhatIf | None:
    """The profile's figures for one pupil, as of the application's today."""
    return whatif_for(engine, [pupil_id]).get(pupil_id)


# --- wording (the profile and the letters) -----------------------------------------------


def goal_text(goal: whatif.Goal | None, when: str) -> str:
    """'14 sessions (7 school days)', 'none (already reached)' or 'not reachable this term'."""
    if goal is None:
        return f"not reachable {when}"
    if goal.needed == 0:
        return "none (already reached)"
    if not goal.reachable or goal.needed is None:
        return f"not reachable {when}"
    return goal.describe(when).removesuffix(" in a row")


def allowed_text(value: int | None) -> str:
    if value is None:
        return "none: below the line at the year's end even with full attendance"
    return f"{value} session" + ("" if value == 1 else "s")


def profile_lines(w: PupilWhatIf) -> list[tuple[str, str]]:
    """(label, value) rows for the pupil profile."""
    target, above = _number(w.target_pct), _number(w.above_pct)
    term_when = f"by the end of {w.term_name}" if w.term_name else "this term"
    rows = []
    if w.term is not None:
        rows.append((f"To reach the target ({target}%) {term_when}",
                     goal_text(w.term.target, "this term")))
        rows.append((f"To be above {above}% {term_when}",
                     goal_text(w.term.above_pa, "this term")))
    rows.append((f"To reach the target ({target}%) by the end of {w.year_name}",
                 goal_text(w.year.target, "this year")))
    rows.append((f"To be above {above}% by the end of {w.year_name}",
                 goal_text(w.year.above_pa, "this year")))
    allowed = allowed_text(w.year.absences_allowed)
    if w.in_a_row == 0:
        now = "already persistently absent now"
    elif w.in_a_row is None:
        now = ""
    else:
        now = f"{w.in_a_row} missed in a row now would put the figure at {above}% or below"
    rows.append(("More absences before persistent absence this year",
                 allowed + (f" ({now})" if now else "")))
    return rows


def letter_values(engine: Engine, pupil_ids: Sequence[int], today: dt.date
                  ) -> dict[int, dict[str, str]]:
    """The what-if merge fields (template_syntax.WHATIF_FIELDS) of each pupil."""
    out = {}
    for pid, w in whatif_for(engine, pupil_ids, today).items():
        out[pid] = {
            "sessions_to_target_term": goal_text(w.term.target if w.term else None,
                                                 "this term"),
            "sessions_to_target_year": goal_text(w.year.target, "this year"),
            "sessions_to_90_term": goal_text(w.term.above_pa if w.term else None,
                                             "this term"),
            "sessions_to_90_year": goal_text(w.year.above_pa, "this year"),
            "absences_before_pa": allowed_text(w.year.absences_allowed),
        }
    return out
