from __future__ import annotations

import datetime as dt

import pytest

from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.register import mark_reads
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.today import dashboard_service as ds
from tests.conftest import OFFICE, clock_at
from tests.services.register_school import make_school

THU = dt.date(2025, 11, 20)
NOW = dt.datetime(2025, 11, 20, 9, 40)


@pytest.fixture
def school(engine, school_year):
    return make_school(engine)


def test_board_lists_registers_absences_and_contacts(engine, school):
    clock_at(engine, NOW)
    rs.mark_all_present(engine, OFFICE, THU, "AM", school.oak_pupils[1:])
    clock_at(engine, NOW)
    rs.set_mark(engine, OFFICE, MarkChange(school.oak_pupils[0], THU, "AM", "N"))
    board = ds.load_board(engine, NOW)
    assert board.session == "AM"
    assert [(r.class_name, r.marked, r.on_roll) for r in board.registers] == [("Ash", 0, 3)]
    first = board.absentees[0]
    assert (first.pupil_id, first.code) == (school.oak_pupils[0], "N")  # N listed first
    assert len(board.absentees) == 4  # the N plus Ash's three unmarked pupils
    assert [c.priority for c in first.contacts] == [1, 2]
    assert first.contacts[0].phones[0][0] == "mobile"


def test_call_log_and_resolving_n_with_reason(engine, school):
    pid = school.oak_pupils[0]
    clock_at(engine, NOW)
    rs.set_mark(engine, OFFICE, MarkChange(pid, THU, "AM", "N"))
    board = ds.load_board(engine, NOW)
    contact = board.absentees[0].contacts[0].contact_id
    ds.log_call(engine, OFFICE, pid, contact, "no answer", now=NOW)
    ds.log_call(engine, OFFICE, pid, contact, "reason given", "sickness bug",
                now=NOW + dt.timedelta(minutes=20))
    calls = ds.load_board(engine, NOW).absentees[0].calls
    assert [c.outcome for c in calls] == ["no answer", "reason given"]
    assert calls[0].staff_name == "Test Office"
    clock_at(engine, NOW)
    with pytest.raises(ServiceError, match="reason the family gave"):
        ds.resolve_absence(engine, OFFICE, pid, THU, "AM", "I", "")
    clock_at(engine, NOW)
    cell = ds.resolve_absence(engine, OFFICE, pid, THU, "AM", "I", "Mum rang: sickness bug")
    assert cell.code == "I"
    # The N entered after the register closed is itself in the history, then the change.
    first, entry = mark_reads.cell_history(engine, pid, THU, "AM")
    assert (first.old_code, first.new_code, first.after_close) == ("", "N", True)
    assert (entry.old_code, entry.new_code, entry.reason, entry.after_close) == (
        "N", "I", "Mum rang: sickness bug", True)
    assert all(a.pupil_id != pid for a in ds.load_board(engine, NOW).absentees)


def test_old_n_codes_listed_and_changed_to_o(engine, school):
    old = dt.date(2025, 11, 10)  # Monday: 8 school days before Thursday 20th
    recent = dt.date(2025, 11, 18)
    pid = school.ash_pupils[0]
    clock_at(engine, NOW)
    rs.set_mark(engine, OFFICE, MarkChange(pid, old, "PM", "N"))
    clock_at(engine, NOW)
    rs.set_mark(engine, OFFICE, MarkChange(pid, recent, "AM", "N"))
    board = ds.load_board(engine, NOW)
    # overdue first; the one still in time shows the last day it may stay N
    assert [(o.day, o.session, o.school_days, o.overdue) for o in board.overdue] == [
        (old, "PM", 8, True), (recent, "AM", 2, False)]
    assert [o.deadline for o in board.overdue] == [dt.date(2025, 11, 17), dt.date(2025, 11, 25)]
    clock_at(engine, NOW)
    assert ds.convert_overdue_to_o(engine, OFFICE, [(pid, recent, "AM")]) == 0  # in time
    clock_at(engine, NOW)
    with pytest.raises(PermissionDenied):
        ds.convert_overdue_to_o(engine, school.teacher, [(pid, old, "PM")])
    clock_at(engine, NOW)
    assert ds.convert_overdue_to_o(engine, OFFICE, [(pid, old, "PM")]) == 1
    *_entered, entry = mark_reads.cell_history(engine, pid, old, "PM")
    assert (entry.old_code, entry.new_code, entry.after_close) == ("N", "O", True)
    assert "5 school days" in entry.reason
    assert [o.day for o in ds.load_board(engine, NOW).overdue] == [recent]


@pytest.mark.parametrize(("today", "overdue"), [
    (dt.date(2025, 11, 17), False),  # the 5th school day after Mon 10th: still in time
    (dt.date(2025, 11, 18), True),  # the 6th: overdue
])
def test_n_is_overdue_after_the_fifth_school_day(engine, school, today, overdue):
    pid = school.ash_pupils[0]
    clock_at(engine, NOW)
    rs.set_mark(engine, OFFICE, MarkChange(pid, dt.date(2025, 11, 10), "AM", "N"))
    at = dt.datetime.combine(today, dt.time(10, 0))
    (o,) = ds.load_board(engine, at).overdue
    assert (o.deadline, o.overdue) == (dt.date(2025, 11, 17), overdue)
