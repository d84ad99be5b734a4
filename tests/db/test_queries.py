"""The on-roll rule written once (db/queries.py): the SQL and its Python twin agree on every
boundary, on a real database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.engine import Engine

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil

ADMITTED = dt.date(2025, 9, 3)
LEFT = dt.date(2025, 12, 19)


def _pupils(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        born = dt.date(2018, 1, 1)
        rows = {"staying": Pupil(legal_forename="Ann", legal_surname="Stays", dob=born,
                                 year_group="2", admission_date=ADMITTED),
                "leaver": Pupil(legal_forename="Ben", legal_surname="Leaves", dob=born,
                                year_group="2", admission_date=ADMITTED, leaving_date=LEFT)}
        s.add_all(rows.values())
        s.flush()
        return {k: int(v.id) for k, v in rows.items() if v.id is not None}


def test_on_roll_sql_and_python_agree_at_every_boundary(engine: Engine) -> None:
    ids = _pupils(engine)
    left = {"staying": None, "leaver": LEFT}
    days = [ADMITTED - dt.timedelta(days=1), ADMITTED, LEFT, LEFT + dt.timedelta(days=1)]
    with session_scope(engine) as s:
        for day in days:
            found = set(s.execute(select(Pupil.id).where(queries.on_roll(day))).scalars())
            want = {ids[k] for k in ids if queries.is_on_roll(ADMITTED, left[k], day)}
            assert found == want, day
            assert queries.on_roll_ids(s, day) == sorted(want)
    # both inclusive: on roll on the admission day and on the leaving day, not either side
    assert queries.is_on_roll(ADMITTED, LEFT, ADMITTED)
    assert queries.is_on_roll(ADMITTED, LEFT, LEFT)
    assert not queries.is_on_roll(ADMITTED, LEFT, LEFT + dt.timedelta(days=1))
    assert not queries.is_on_roll(ADMITTED, None, ADMITTED - dt.timedelta(days=1))


def test_on_roll_between_takes_anyone_on_roll_for_part_of_the_span(engine: Engine) -> None:
    ids = _pupils(engine)
    with session_scope(engine) as s:
        def between(a: dt.date, b: dt.date) -> set[int]:
            return set(s.execute(select(Pupil.id).where(queries.on_roll_between(a, b))).scalars())
        assert between(dt.date(2025, 8, 1), ADMITTED - dt.timedelta(days=1)) == set()
        assert between(dt.date(2025, 8, 1), ADMITTED) == set(ids.values())
        assert between(LEFT + dt.timedelta(days=1), dt.date(2026, 1, 31)) == {ids["staying"]}
        assert between(LEFT, dt.date(2026, 1, 31)) == set(ids.values())
