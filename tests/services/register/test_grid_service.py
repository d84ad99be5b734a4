from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.register import closure_service, grid_service, mark_reads
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import OFFICE, clock_at
from tests.services.register_school import make_school

THU = dt.date(2025, 11, 20)
NOW = dt.datetime(2025, 11, 20, 10, 0)


@pytest.fixture
def school(engine, school_year):
    return make_school(engine)


def test_spans(school_year):
    week = grid_service.span_for("week", THU, school_year)
    assert (week.start, week.end) == (dt.date(2025, 11, 17), dt.date(2025, 11, 21))
    term = grid_service.span_for("term", THU, school_year)
    assert term.name == "Autumn"
    assert grid_service.span_for("half_term", THU, school_year).name == "Autumn 2"
    assert grid_service.span_for("year", THU, school_year).start == school_year.start


def test_snapshot_places_marks_and_shades_closures(engine, school, school_year):
    pid = school.oak_pupils[2]
    clock_at(engine, NOW)
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "L", 12, "bus"))
    snap = grid_service.load_snapshot(engine, school_year.start, school_year.end,
                                      class_id=school.oak)
    assert [p.class_name for p in snap.pupils] == ["Oak"] * 4
    assert snap.pupils[0].name == "Holloway-Pine, Dexter"  # sorted by surname
    r, c = snap.row_index(pid), snap.column_index(THU, "AM")
    assert snap.codes[r][c] == "L"
    assert snap.extras[(r, c)] == (12, "bus")
    # the early May bank holiday is in term: a shaded, closed column
    may = snap.column_index(dt.date(2026, 5, 4), "AM")
    assert may is not None
    assert not snap.columns[may].open
    # half-term holiday and weekends are not columns
    assert snap.column_index(dt.date(2025, 10, 29), "AM") is None
    assert snap.column_index(dt.date(2025, 11, 22), "AM") is None


def test_planned_closures_fill_hash_once(engine, school, school_year):
    clock_at(engine, NOW)
    first = closure_service.fill_closures(engine, school_year.start, school_year.end)
    pupils = len(school.oak_pupils) + len(school.ash_pupils)
    # only the May bank holiday falls in term time; Christmas and Easter do not
    snap = grid_service.load_snapshot(engine, school_year.start, school_year.end)
    closed = [i for i, c in enumerate(snap.columns) if not c.open]
    assert first == pupils * len(closed)
    assert all(row[i] == "#" for row in snap.codes for i in closed)
    clock_at(engine, NOW)
    assert closure_service.fill_closures(engine, school_year.start, school_year.end) == 0


def test_emergency_closure_is_one_audited_step(engine, school, school_year):
    pid = school.oak_pupils[0]
    clock_at(engine, dt.datetime(2025, 11,
                                                                                   20, 9))
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "/"))
    clock_at(engine, NOW)
    with pytest.raises(PermissionDenied):
        closure_service.emergency_closure(engine, school.teacher, THU, "DAY", "Y4", "snow")
    clock_at(engine, NOW)
    with pytest.raises(ServiceError, match="reason"):
        closure_service.emergency_closure(engine, OFFICE, THU, "DAY", "Y4", " ")
    clock_at(engine, NOW)
    result = closure_service.emergency_closure(engine, OFFICE, THU, "DAY", "Y4",
                                               "Snow: site unsafe")
    assert result.written == 2 * 7
    snap = grid_service.load_snapshot(engine, THU, THU)
    assert all(code == "Y4" for row in snap.codes for code in row)
    assert not snap.columns[0].open
    assert snap.columns[0].closure == "Snow: site unsafe"
    (entry,) = mark_reads.cell_history(engine, pid, THU, "AM")
    assert (entry.old_code, entry.new_code, entry.reason) == ("/", "Y4",
                                                              "Closure: Snow: site unsafe")
    clock_at(engine, NOW)
    with pytest.raises(ServiceError, match="already closed"):
        closure_service.emergency_closure(engine, OFFICE, THU, "PM", "Y4", "snow")
