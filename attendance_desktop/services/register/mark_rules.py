"""The rules every mark write is checked against: closed registers, who may write, the codes
a pupil may have on a day, and the pupil facts they need."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session

from attendance_desktop.db.models import Pupil
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import compulsory_school_age_start
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import PermissionDenied


def register_closed(policy: Policy, day: dt.date, session: str, now: dt.datetime) -> bool:
    """True when the register for (day, session) has closed at `now` (any earlier date)."""
    if day != now.date():
        return day < now.date()
    return now.time() >= policy.session_times(session).closes


def code_problem(found: codes.AttendanceCode, day: dt.date, dob: dt.date, admitted: dt.date,
                 left: dt.date | None, source: str) -> str:
    """'' when the code may be used for this pupil on this day, else why not.

    X only below compulsory school age; Z only before admission (the only code for a day
    before the pupil is on roll); # only from a closure (or imported history); otherwise the
    pupil must be on roll that day.
    """
    if found.code == "Z":
        return "" if day < admitted else (
            f"Z is for a prospective pupil; this pupil was admitted on {admitted:%d %b %Y}")
    if day < admitted or (left is not None and day > left):
        return f"the pupil was not on roll on {day:%a %d %b %Y}"
    if found.code == "X":
        starts = compulsory_school_age_start(dob)
        if day >= starts:
            return (f"X is only for pupils below compulsory school age; this pupil reached it"
                    f" on {starts:%d %b %Y}")
    if found.code == "#" and source not in ("closure", "import"):
        return "# is only for a planned whole-school closure; record the closure instead"
    return ""


class PupilFacts(NamedTuple):  # a tuple: a whole school's are made on every bulk write
    name: str
    class_id: int | None
    admitted: dt.date
    left: dt.date | None
    dob: dt.date


_P = Pupil.__table__.c  # type: ignore[attr-defined]
# Built once: constructing a statement costs more than running it for one keystroke.
FACTS_Q = sa_select(_P.id, _P.preferred_forename, _P.legal_forename, _P.legal_surname,
                     _P.class_id, _P.admission_date, _P.leaving_date, _P.dob).where(
    _P.id.in_(bindparam("ids", expanding=True)))


def pupil_facts(s: Session, pupil_ids: set[int]) -> dict[int, PupilFacts]:
    out: dict[int, PupilFacts] = {}
    ids = sorted(pupil_ids)
    conn = s.connection()
    if conn.dialect.name == "sqlite" and len(ids) > 40:
        # A whole school: plain tuples from the driver, each distinct date parsed once.
        days: dict[Any, dt.date] = {}

        def day(v: Any) -> Any:
            if v is None or isinstance(v, dt.date):
                return v
            got = days.get(v)
            if got is None:
                got = days[v] = as_date(v)
            return got

        raw: Any = conn.connection.cursor()
        try:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                raw.execute("SELECT id, preferred_forename, legal_forename, legal_surname,"
                            " class_id, admission_date, leaving_date, dob FROM pupil WHERE id"
                            f" IN ({','.join('?' * len(chunk))})", chunk)
                for pid, pref, legal, surname, cls, adm, left, dob in raw:
                    out[pid] = PupilFacts(f"{pref or legal} {surname}", cls, day(adm), day(left),
                                      day(dob))
        finally:
            raw.close()
        return out
    for i in range(0, len(ids), 500):
        for row in conn.execute(FACTS_Q, {"ids": ids[i:i + 500]}):
            out[row.id] = PupilFacts(f"{row.preferred_forename or row.legal_forename} "
                                 f"{row.legal_surname}", row.class_id, row.admission_date,
                                 row.leaving_date, row.dob)
    return out


def check_may_write(actor: Actor, pupil_name: str, class_id: int | None, day: dt.date,
                    session: str, closed: bool, policy: Policy) -> None:
    """Raise PermissionDenied unless `actor` may change this pupil's mark for this session."""
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users can view the register but not change it")
    if actor.role is Role.TEACHER:
        if not actor.may_mark_class(class_id):
            raise PermissionDenied(
                f"{pupil_name} is not in your class: teachers take only their own class's"
                " register")
        if closed:
            closes = policy.session_times(session).closes
            raise PermissionDenied(
                f"the {session} register for {day:%a %d %b %Y} closed at {closes:%H:%M};"
                " ask the office or the headteacher to amend it")
    elif closed and not actor.can_amend:
        raise PermissionDenied(
            f"the register has closed; {actor.role.label.lower()}s cannot amend it")


def as_date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def as_datetime(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))
