"""Attendance at previous schools (from CTF imports): shown on the profile and counted
where the rules look across schools, never mixed into this school's register or figures.

The penalty-notice threshold (10 unauthorised sessions in 10 school weeks) may span
settings (DfE National Framework, docs/dfe_rules.md §6): a previous school's session
marks count in the window, and the weeks it was open count as school weeks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import PreviousAttendance
from attendance_desktop.domain.penalty import week_monday
from attendance_desktop.services.interchange import ctf_model as m

Session3 = tuple[dt.date, str, str]
# Characters in a marks string that are not a school session.
NOT_A_SESSION = frozenset({m.NO_MARK, "#"})


@dataclass(frozen=True, slots=True)
class PreviousYear:
    academic_year: str  # "2024/25"
    school: str  # "Oakfield Primary (201/2001)"
    possible: int
    attended: int
    authorised: int
    unauthorised: int
    session_marks: int  # how many sessions the marks string holds
    start_date: dt.date | None

    @property
    def attendance_pct(self) -> float | None:
        return round(100 * self.attended / self.possible, 1) if self.possible else None


def _year_data(row: PreviousAttendance) -> m.YearData:
    return m.YearData(row.academic_year, row.lea, row.estab, row.school_name,
                      row.sessions_possible, row.sessions_authorised, row.sessions_attended,
                      row.sessions_unauthorised, row.start_date, row.marks)


def history(engine: Engine, pupil_id: int) -> list[PreviousYear]:
    """The pupil's previous-school years, oldest first."""
    with session_scope(engine) as s:
        rows = s.exec(select(PreviousAttendance).where(PreviousAttendance.pupil_id == pupil_id)
                      .order_by(col(PreviousAttendance.academic_year),
                                col(PreviousAttendance.id))).all()
        out = []
        for r in rows:
            number = "/".join(x for x in (r.lea, r.estab) if x)
            name = f"{r.school_name} ({number})" if r.school_name and number else \
                r.school_name or number or "another school"
            out.append(PreviousYear(f"{r.academic_year}/{(r.academic_year + 1) % 100:02d}",
                                    name, r.sessions_possible, r.sessions_attended,
                                    r.sessions_authorised, r.sessions_unauthorised,
                                    sum(1 for _ in _year_data(r).sessions()), r.start_date))
        return out


def pn_history(s: Session, pupil_ids: Sequence[int], on: dt.date
               ) -> dict[int, tuple[list[Session3], list[dt.date]]]:
    """Per pupil: previous-school session marks in the year up to `on`, and the Mondays
    of the weeks that school was open (for the penalty-notice window)."""
    since = on - dt.timedelta(days=366)
    out: dict[int, tuple[list[Session3], list[dt.date]]] = {}
    if not pupil_ids:
        return out
    rows = s.exec(select(PreviousAttendance).where(
        col(PreviousAttendance.pupil_id).in_(list(pupil_ids)),
        col(PreviousAttendance.start_date).is_not(None), PreviousAttendance.marks != ""))
    for r in rows:
        marks, weeks = out.setdefault(r.pupil_id, ([], []))
        for day, session, code in _year_data(r).sessions():
            if since <= day <= on and code not in NOT_A_SESSION:
                marks.append((day, session, code))
                weeks.append(week_monday(day))
    return out


def combine(marks: list[Session3], school_weeks: list[dt.date],
            previous: tuple[list[Session3], list[dt.date]] | None
            ) -> tuple[list[Session3], list[dt.date]]:
    """This school's marks and weeks with a previous school's added. A session this school
    has a mark for keeps this school's mark (no double counting of dual registration)."""
    if not previous:
        return marks, school_weeks
    own = {(d, s) for d, s, _c in marks}
    extra = [x for x in previous[0] if (x[0], x[1]) not in own]
    return marks + extra, sorted(set(school_weeks) | set(previous[1]))
