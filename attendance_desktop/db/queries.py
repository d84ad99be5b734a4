"""Who is on roll, written once: the SQL every service puts in its queries, and its Python
twin for a pupil already loaded.

A pupil is on roll from `admission_date` to `leaving_date`, both inclusive (no leaving date:
still on roll). The helpers return expressions for a WHERE clause, or take a session the
caller opened; nothing here opens a session or commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlmodel import Session

from attendance_desktop.db.models import Pupil

_P: Any = Pupil.__table__.c  # type: ignore[attr-defined]


def not_left_before(day: dt.date) -> ColumnElement[bool]:
    """Pupils who had not left before `day` (admitted later or not)."""
    return or_(_P.leaving_date.is_(None), _P.leaving_date >= day)


def on_roll_between(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """Pupils on roll on at least one day from `start` to `end`."""
    return and_(_P.admission_date <= end, not_left_before(start))


def on_roll(day: dt.date) -> ColumnElement[bool]:
    """Pupils on roll on `day`."""
    return on_roll_between(day, day)


def is_on_roll(admitted: dt.date, left: dt.date | None, day: dt.date) -> bool:
    """The same rule for one pupil already loaded."""
    return admitted <= day and (left is None or day <= left)


def on_roll_ids(s: Session, day: dt.date) -> list[int]:
    """The ids of the pupils on roll on `day`, in id order."""
    return list(s.execute(select(_P.id).where(on_roll(day)).order_by(_P.id)).scalars())
