from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.register import mark_reads, mark_rules
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from tests.conftest import OFFICE, clock_at
from tests.services.register_school import make_school

THU = dt.date(2025, 11, 20)
BEFORE_CLOSE = dt.datetime(2025, 11, 20, 9, 5)
AFTER_CLOSE = dt.datetime(2025, 11, 20, 10, 0)


@pytest.fixture
def school(engine, school_year):
    return make_school(engine)


def test_register_closes_at_the_policy_time():
    policy = Policy()
    assert not mark_rules.register_closed(policy, THU, "AM", dt.datetime(2025, 11, 20, 9, 24))
    assert mark_rules.register_closed(policy, THU, "AM", dt.datetime(2025, 11, 20, 9, 25))
    assert not mark_rules.register_closed(policy, THU, "PM", dt.datetime(2025, 11, 20, 13, 0))
    assert mark_rules.register_closed(policy, dt.date(2025, 11, 19), "PM", BEFORE_CLOSE)
    assert not mark_rules.register_closed(policy, dt.date(2025, 11, 21), "AM", AFTER_CLOSE)


def test_change_before_close_keeps_history_without_reason(engine, school):
    pid = school.oak_pupils[0]
    clock_at(engine, BEFORE_CLOSE)
    rs.set_mark(engine, school.teacher, MarkChange(pid, THU, "AM", "/"))
    clock_at(engine, BEFORE_CLOSE)
    cell = rs.set_mark(engine, school.teacher, MarkChange(pid, THU, "AM", "L", 7))
    assert (cell.code, cell.minutes_late, cell.entered_by) == ("L", 7, "Tess Teacher")
    history = mark_reads.cell_history(engine, pid, THU, "AM")
    assert [(h.old_code, h.new_code, h.after_close) for h in history] == [("/", "L", False)]


def test_amendment_after_close_needs_reason_and_is_recorded(engine, school):
    pid = school.oak_pupils[1]
    clock_at(engine, BEFORE_CLOSE)
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "N"))
    clock_at(engine, AFTER_CLOSE)
    with pytest.raises(ServiceError, match="needs a reason"):
        rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "M"))
    assert mark_reads.read_cell(engine, pid, THU, "AM").code == "N"
    clock_at(engine, AFTER_CLOSE)
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "M"),
                reason="Mum rang: dentist")
    (entry,) = mark_reads.cell_history(engine, pid, THU, "AM")
    assert (entry.old_code, entry.new_code, entry.reason, entry.after_close,
            entry.staff_name, entry.staff_role) == ("N", "M", "Mum rang: dentist", True,
                                                    "Test Office", "office")
    report = mark_reads.amendments_between(engine, THU, THU)
    assert [(r.pupil_name, r.old_code, r.new_code) for r in report] == [
        ("Quenby, Basil", "N", "M")]


def test_teacher_refused_other_class_and_after_close(engine, school):
    clock_at(engine, BEFORE_CLOSE)
    with pytest.raises(PermissionDenied, match="not in your class"):
        rs.set_mark(engine, school.teacher, MarkChange(school.ash_pupils[0], THU, "AM", "/"))
    clock_at(engine, AFTER_CLOSE)
    with pytest.raises(PermissionDenied, match="closed at 09:25"):
        rs.set_mark(engine, school.teacher, MarkChange(school.oak_pupils[0], THU, "AM", "/"))
    reader = Actor("Rory Reader", Role.READONLY, school.readonly_id)
    clock_at(engine, AFTER_CLOSE)
    with pytest.raises(PermissionDenied, match="view the register but not change it"):
        rs.set_mark(engine, reader, MarkChange(school.oak_pupils[0], THU, "PM", "\\"))
    assert mark_reads.read_cell(engine, school.oak_pupils[0], THU, "AM").code == ""


def test_bulk_is_all_or_nothing(engine, school):
    changes = [MarkChange(school.oak_pupils[0], THU, "PM", "\\"),
               MarkChange(school.ash_pupils[0], THU, "PM", "\\")]
    clock_at(engine, BEFORE_CLOSE)
    with pytest.raises(PermissionDenied):
        rs.apply_changes(engine, school.teacher, changes)
    assert mark_reads.read_cell(engine, school.oak_pupils[0], THU, "PM").code == ""


def test_mark_all_present_fills_only_empty_cells(engine, school):
    pids = school.oak_pupils
    clock_at(engine, AFTER_CLOSE)
    rs.set_mark(engine, OFFICE, MarkChange(pids[0], THU, "PM", "I"))
    clock_at(engine, AFTER_CLOSE)
    result = rs.mark_all_present(engine, OFFICE, THU, "PM", pids)
    assert (result.written, result.skipped) == (3, 1)
    cells = [mark_reads.read_cell(engine, p, THU, "PM").code for p in pids]
    assert cells == ["I", "\\", "\\", "\\"]


def test_copy_am_to_pm_maps_present_and_keeps_absences(engine, school):
    a, b, c, _ = school.oak_pupils
    clock_at(engine, BEFORE_CLOSE)
    rs.apply_changes(engine, OFFICE, [MarkChange(a, THU, "AM", "L", 5),
                                    MarkChange(b, THU, "AM", "I"),
                                    MarkChange(c, THU, "AM", "/")])
    clock_at(engine, BEFORE_CLOSE)
    rs.set_mark(engine, OFFICE, MarkChange(c, THU, "PM", "M"))
    clock_at(engine, BEFORE_CLOSE)
    rs.copy_am_to_pm(engine, OFFICE, THU, school.oak_pupils)
    assert [mark_reads.read_cell(engine, p, THU, "PM").code for p in (a, b, c)] == ["\\", "I", "M"]


def test_codes_needing_notes_and_invalid_dates_are_refused(engine, school):
    pid = school.oak_pupils[0]
    clock_at(engine, BEFORE_CLOSE)
    with pytest.raises(ServiceError, match="needs the specific reason"):
        rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "Y7"))
    clock_at(engine, BEFORE_CLOSE)
    with pytest.raises(ServiceError, match="note of the approved activity"):
        rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "V"))
    clock_at(engine, BEFORE_CLOSE)
    with pytest.raises(ServiceError, match="withdrawn"):
        rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "H"))
    clock_at(engine, BEFORE_CLOSE)
    with pytest.raises(ServiceError, match="not an open school session"):
        rs.set_mark(engine, OFFICE, MarkChange(pid, dt.date(2025, 11, 22), "AM", "/"))
    clock_at(engine, BEFORE_CLOSE)
    cell = rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "V", comment="Museum trip"))
    assert cell.comment == "Museum trip"


def test_clearing_a_mark_is_recorded(engine, school):
    pid = school.oak_pupils[0]
    clock_at(engine, BEFORE_CLOSE)
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "/"))
    clock_at(engine, AFTER_CLOSE)
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", ""), reason="Undo")
    assert mark_reads.read_cell(engine, pid, THU, "AM").code == ""
    (entry,) = mark_reads.cell_history(engine, pid, THU, "AM")
    assert (entry.old_code, entry.new_code, entry.reason) == ("/", "", "Undo")


def test_a_blank_filled_after_close_is_kept_in_the_history(engine, school):
    pid = school.oak_pupils[1]
    after = dt.datetime(2025, 11, 20, 11, 0)
    clock_at(engine, after)
    with pytest.raises(PermissionDenied, match="closed"):
        rs.set_mark(engine, school.teacher, MarkChange(pid, THU, "AM", "/"))
    assert mark_reads.read_cell(engine, pid, THU, "AM").code == ""
    clock_at(engine, after)
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "I"))
    (entry,) = mark_reads.cell_history(engine, pid, THU, "AM")
    assert (entry.old_code, entry.new_code, entry.after_close) == ("", "I", True)
    assert entry.reason == "Mark entered after the register closed"
    assert (entry.staff_name, entry.staff_role) == ("Test Office", "office")
    # Before the register closes a first mark is simply the register being taken.
    clock_at(engine, dt.datetime(2025, 11, 20, 13, 20))
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "PM", "\\"))
    assert mark_reads.cell_history(engine, pid, THU, "PM") == []
