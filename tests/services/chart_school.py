"""The three-year school of tests/services/reports/test_chart_data.py (see its docstring), shared
with the GUI chart tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil, SchoolClass
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.services.school import calendar_service
from tests.conftest import HEAD, put_marks

D = dt.date
TODAY = D(2025, 11, 14)
WEEKS = {2023: D(2023, 11, 13), 2024: D(2024, 11, 11), 2025: D(2025, 11, 10)}


def _week(pid: int, monday: dt.date, odd: dict[tuple[int, str], str]) -> list:  # type: ignore[type-arg]
    return [(pid, monday + dt.timedelta(days=i), s,
             odd.get((i, s), "/" if s == "AM" else "\\")) for i in range(5) for s in ("AM", "PM")]


def make_chart_school(engine: Engine) -> dict[str, int]:
    for y in (2023, 2024, 2025):
        calendar_service.create_academic_year(engine, HEAD, default_term_dates(y))
    with session_scope(engine) as s:
        oak, ash = SchoolClass(name="Oak", sort_order=1), SchoolClass(name="Ash", sort_order=2)
        s.add_all([oak, ash])
        s.flush()
        common = {"legal_surname": "Test", "admission_date": D(2019, 9, 2)}
        ann = Pupil(legal_forename="Ann", dob=D(2017, 5, 1), year_group="3", class_id=oak.id,
                    sex="F", fsm=True, **common)
        ben = Pupil(legal_forename="Ben", dob=D(2016, 6, 1), year_group="4", class_id=ash.id,
                    sex="M", sen="K", **common)
        cal = Pupil(legal_forename="Cal", dob=D(2013, 12, 1), year_group="6", sex="M",
                    leaving_date=D(2025, 7, 18), **common)
        s.add_all([ann, ben, cal])
        s.flush()
        ids = {"ann": int(ann.id), "ben": int(ben.id), "cal": int(cal.id)}  # type: ignore[arg-type]
    a, b, c = ids["ann"], ids["ben"], ids["cal"]
    put_marks(engine, HEAD, [
        *_week(a, WEEKS[2023], {}), *_week(b, WEEKS[2023], {(0, "AM"): "I", (0, "PM"): "I"}),
        *_week(c, WEEKS[2023], {(i, "AM"): "O" for i in range(5)}),
        *_week(a, WEEKS[2024], {}), *_week(b, WEEKS[2024], {}),
        *_week(c, WEEKS[2024], {(2, "PM"): "O"}),
        *_week(a, WEEKS[2025], {(0, "AM"): "I"}), *_week(b, WEEKS[2025], {}),
    ])
    return ids
