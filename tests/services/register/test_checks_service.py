from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.services.register import checks_service, closure_service
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import OFFICE, clock_at
from tests.services.register_school import make_school

MON = dt.date(2025, 11, 17)
NOW = dt.datetime(2025, 11, 17, 10, 0)  # Monday: AM register closed, PM not yet


@pytest.fixture
def school(engine, school_year):
    return make_school(engine)


def test_missing_marks_only_for_closed_registers(engine, school):
    everyone = school.oak_pupils + school.ash_pupils
    clock_at(engine, NOW)
    rs.mark_all_present(engine, OFFICE, MON, "AM", everyone[1:])
    result = checks_service.run_checks(engine, NOW, since=MON)
    missing = [i for i in result.items if i.kind == "missing"]
    assert [(i.pupil_id, i.day, i.session) for i in missing] == [(everyone[0], MON, "AM")]


def test_closure_future_upn_and_contact_checks(engine, school, school_year):
    bank = dt.date(2026, 5, 4)
    pid = school.oak_pupils[0]
    clock_at(engine, NOW)
    closure_service.fill_closures(engine, bank, bank)
    # a wrong mark on the bank holiday, as an old import might have left it
    with session_scope(engine) as s:
        mark = s.exec(select(Mark).where(Mark.pupil_id == pid, Mark.date == bank,
                                         Mark.session == "PM")).one()
        assert mark.code == "#"
        mark.code = "/"
        s.get(Pupil, school.oak_pupils[1]).upn = "A12345678901X"
    clock_at(engine, NOW)
    rs.set_mark(engine, OFFICE, MarkChange(school.ash_pupils[0], dt.date(2025, 11, 24), "AM",
                                           "M", comment="hospital"))
    result = checks_service.run_checks(engine, NOW, since=MON)
    kinds = {(i.kind, i.pupil_id) for i in result.items}
    assert ("closure_mark", pid) in kinds
    assert ("future", school.ash_pupils[0]) in kinds
    assert ("upn", school.oak_pupils[1]) in kinds
    assert ("upn", school.no_upn) in kinds
    assert ("contacts", school.no_upn) in kinds
    assert ("contacts", school.oak_pupils[0]) not in kinds
    upn_item = next(i for i in result.items if i.kind == "upn" and i.pupil_id == school.no_upn)
    assert upn_item.day is None  # "go there" opens the pupil record
