"""What-if counts from the register and the school calendar (issue 16 point 7)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.domain import whatif
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.trackers import whatif_service
from tests.conftest import HEAD, clock_at, put_marks
from tests.services.tracker_data import add_pupil

D = dt.date
TODAY = D(2025, 11, 20)  # Thursday of Autumn 2 (ends Friday 19 December)
TERM_LEFT = 44  # 22 school days from 20 Nov to 19 Dec, both sessions


def _fill(engine: Engine, pid: int, absent_days: int, code: str = "O") -> tuple[int, int]:
    """Every open session from the start of the year to yesterday: present, except the
    first `absent_days` school days (both sessions `code`). Returns (attended, possible)."""
    cal = calendar_service.load_calendar(engine)
    days = cal.school_days(D(2025, 9, 1), TODAY - dt.timedelta(days=1))
    cells = []
    for i, day in enumerate(days):
        for sess in ("AM", "PM"):
            present = "/" if sess == "AM" else "\\"
            cells.append((pid, day, sess, code if i < absent_days else present))
    put_marks(engine, HEAD, cells)
    return 2 * (len(days) - absent_days), 2 * len(days)


def test_counts_and_sessions_left(engine: Engine, school_year: object) -> None:
    pid = add_pupil(engine, "Ada", "Example", "A100")
    with session_scope(engine) as s:  # admitted before the year: all of it counts
        p = s.get(Pupil, pid)
        assert p is not None
        p.admission_date = D(2025, 9, 1)
    attended, possible = _fill(engine, pid, absent_days=6)
    clock_at(engine, dt.datetime(2025, 11, 20, 8, 0))
    w = whatif_service.pupil_whatif(engine, pid)
    assert w is not None
    assert (w.so_far.attended, w.so_far.possible) == (attended, possible)
    assert w.term is not None
    assert w.term.remaining == TERM_LEFT
    assert w.term_name == "Autumn"
    year_left = calendar_service.load_calendar(engine).count_sessions(TODAY, D(2026, 7, 22))
    assert w.year.remaining == year_left
    assert w.term.target == whatif.Goal(whatif.sessions_to_reach(attended, possible, 96.0),
                                        TERM_LEFT)
    assert w.year.absences_allowed == whatif.absences_allowed(attended, possible, year_left,
                                                              10.0)
    # 12 absent of possible: below 90% now; the year's end is far enough to recover
    assert w.in_a_row == 0
    assert w.year.above_pa.reachable


def test_a_pupil_out_of_reach_this_term(engine: Engine, school_year: object) -> None:
    pid = add_pupil(engine, "Bo", "Example", "B100")
    with session_scope(engine) as s:
        p = s.get(Pupil, pid)
        assert p is not None
        p.admission_date = D(2025, 9, 1)
    attended, possible = _fill(engine, pid, absent_days=15)
    clock_at(engine, dt.datetime(2025, 11, 20, 8, 0))
    w = whatif_service.pupil_whatif(engine, pid)
    assert w is not None
    assert w.term is not None
    needed = whatif.sessions_to_leave_persistent(attended, possible, 10.0)
    assert needed is not None
    assert needed > TERM_LEFT
    assert whatif_service.goal_text(w.term.above_pa, "this term") == "not reachable this term"
    values = whatif_service.letter_values(engine, [pid], TODAY)[pid]
    assert values["sessions_to_90_term"] == "not reachable this term"
    assert values["sessions_to_target_term"] == "not reachable this term"
    assert values["sessions_to_90_year"].endswith("school days)")


def test_closures_leaving_and_marks_already_entered_shrink_what_is_left(
        engine: Engine, school_year: object) -> None:
    pid = add_pupil(engine, "Cy", "Example", "C100")
    calendar_service.add_closure(engine, HEAD, D(2025, 12, 19), "PM")  # a half-day closure
    # leave already entered for two days next week (C = authorised leave)
    put_marks(engine, HEAD, [(pid, D(2025, 11, 24), s, "C") for s in ("AM", "PM")]
              + [(pid, D(2025, 11, 25), s, "C") for s in ("AM", "PM")])
    clock_at(engine, dt.datetime(2025, 11, 20, 8, 0))
    w = whatif_service.pupil_whatif(engine, pid)
    assert w is not None
    assert w.term is not None
    assert w.term.remaining == TERM_LEFT - 1 - 4
    assert (w.term.attended, w.term.possible) == (0, 4)  # the entered leave counts
    # the pupil leaves on Friday 28 November: nothing after that is possible
    with session_scope(engine) as s:
        p = s.get(Pupil, pid)
        assert p is not None
        p.leaving_date = D(2025, 11, 28)
    w = whatif_service.pupil_whatif(engine, pid)
    assert w is not None
    assert w.term is not None
    assert w.term.remaining == 2 * 7 - 4  # 20-21 and 24-28 Nov, less the leave
    assert w.year.remaining == w.term.remaining


def test_today_half_marked_counts_the_open_session_still_to_come(
        engine: Engine, school_year: object) -> None:
    pid = add_pupil(engine, "Di", "Example", "D100")
    put_marks(engine, HEAD, [(pid, TODAY, "AM", "/")])
    clock_at(engine, dt.datetime(2025, 11, 20, 10, 0))
    w = whatif_service.pupil_whatif(engine, pid)
    assert w is not None
    assert w.term is not None
    assert w.term.remaining == TERM_LEFT - 1
    assert (w.so_far.attended, w.so_far.possible) == (1, 1)
    assert w.term.target.already


def test_holidays_and_no_year(engine: Engine, school_year: object) -> None:
    pid = add_pupil(engine, "Ed", "Example", "E100")
    # in the Christmas holiday the next term (Spring) is the one ahead
    w = whatif_service.whatif_for(engine, [pid], D(2025, 12, 27))[pid]
    assert w.term_name == "Spring"
    # outside any school year: nothing to say
    assert whatif_service.whatif_for(engine, [pid], D(2027, 1, 5)) == {}
    with session_scope(engine) as s:
        assert s.exec(select(Pupil)).first() is not None


def test_profile_lines_use_the_policy_figures(engine: Engine, school_year: object) -> None:
    pid = add_pupil(engine, "Fi", "Example", "F100")
    clock_at(engine, dt.datetime(2025, 11, 20, 8, 0))
    w = whatif_service.pupil_whatif(engine, pid)
    assert w is not None
    labels = [label for label, _ in whatif_service.profile_lines(w)]
    assert labels[0] == "To reach the target (96%) by the end of Autumn"
    assert "To be above 90% by the end of 2025/26" in labels
    assert labels[-1] == "More absences before persistent absence this year"
