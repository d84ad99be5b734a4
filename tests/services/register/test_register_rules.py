"""The rules of the one mark writer that no caller can get round: conflicts against what
the user saw, the application's clock, teachers and closed registers, the kiosk, and the
codes checked against the pupil."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import make_engine, session_scope
from attendance_desktop.db.models import KioskEvent, Mark, Pupil
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import default_term_dates
from attendance_desktop.services.errors import (
    DatabaseBusy,
    MarkConflict,
    PermissionDenied,
    ServiceError,
)
from attendance_desktop.services.interchange import mark_import
from attendance_desktop.services.kiosk import fire_roll, kiosk_office, kiosk_service
from attendance_desktop.services.register import (
    calendar_changes,
    checks_service,
    closure_service,
    grid_service,
    mark_reads,
    mark_rules,
)
from attendance_desktop.services.register import register_service as rs
from attendance_desktop.services.register.register_service import MarkChange
from attendance_desktop.services.today import dashboard_service
from attendance_desktop.services.write_lock import write_scope
from tests.conftest import HEAD, OFFICE, clock_at, put_marks
from tests.services.register_school import make_school

THU = dt.date(2025, 11, 20)
BEFORE_CLOSE = dt.datetime(2025, 11, 20, 9, 5)
AFTER_CLOSE = dt.datetime(2025, 11, 20, 9, 25)  # the policy's AM close, to the minute


@pytest.fixture
def school(engine, school_year):  # type: ignore[no-untyped-def]
    return make_school(engine)


def _pupil(engine: Engine, dob: dt.date, admitted: dt.date = dt.date(2022, 9, 1)) -> int:
    with session_scope(engine) as s:
        p = Pupil(legal_forename="Rule", legal_surname="Test", dob=dob, year_group="R",
                  admission_date=admitted)
        s.add(p)
        s.flush()
        return int(p.id)  # type: ignore[arg-type]


# --- no lost update --------------------------------------------------------------------


def test_a_changed_cell_is_a_conflict_naming_who_when_and_what(engine, school):  # type: ignore[no-untyped-def]
    a, b = school.oak_pupils[:2]
    clock_at(engine, BEFORE_CLOSE)
    rs.set_mark(engine, school.teacher, MarkChange(a, THU, "AM", "/", seen_code=""))
    # The office's grid was opened before the teacher's mark: it still shows an empty cell.
    with pytest.raises(MarkConflict) as err:
        rs.apply_changes(engine, OFFICE, [MarkChange(b, THU, "AM", "N", seen_code=""),
                                          MarkChange(a, THU, "AM", "I", seen_code="")])
    (c,) = err.value.conflicts
    assert (c.pupil_id, c.seen_code, c.current_code, c.changed_by, c.changed_role,
            c.changed_at) == (a, "", "/", "Tess Teacher", "teacher", BEFORE_CLOSE)
    assert "Tess Teacher (teacher) changed it at 09:05" in str(err.value)
    assert "Nothing was saved" in str(err.value)
    assert mark_reads.read_cell(engine, b, THU, "AM").code == ""  # nothing in the batch was written
    assert mark_reads.read_cell(engine, a, THU, "AM").code == "/"
    # Seeing the new value, the change goes through and the chain holds.
    rs.set_mark(engine, OFFICE, MarkChange(a, THU, "AM", "I", seen_code="/"))
    assert [(h.old_code, h.new_code) for h in mark_reads.cell_history(engine, a, THU, "AM")] == [
        ("/", "I")]


def test_a_cleared_cell_conflict_names_who_cleared_it(engine, school):  # type: ignore[no-untyped-def]
    a = school.oak_pupils[0]
    clock_at(engine, BEFORE_CLOSE)
    rs.set_mark(engine, OFFICE, MarkChange(a, THU, "AM", "N"))
    rs.set_mark(engine, HEAD, MarkChange(a, THU, "AM", "", seen_code="N"))
    with pytest.raises(MarkConflict) as err:
        rs.set_mark(engine, OFFICE, MarkChange(a, THU, "AM", "O", seen_code="N"))
    assert (err.value.conflicts[0].current_code, err.value.conflicts[0].changed_by) == (
        "", "Test Head")


def test_the_kiosk_source_never_overwrites_anything_but_a_blank_or_n(engine, school):  # type: ignore[no-untyped-def]
    a, b = school.oak_pupils[:2]
    clock_at(engine, BEFORE_CLOSE)
    put_marks(engine, OFFICE, [(a, THU, "AM", "/"), (b, THU, "AM", "N")])
    with pytest.raises(MarkConflict):
        rs.apply_changes(engine, kiosk_service.KIOSK_ACTOR,
                         [MarkChange(a, THU, "AM", "L", 5, "late", seen_code="/")],
                         source="kiosk")
    rs.apply_changes(engine, kiosk_service.KIOSK_ACTOR,
                     [MarkChange(b, THU, "AM", "L", 5, "late", seen_code="N")], source="kiosk")
    assert mark_reads.read_cell(engine, a, THU, "AM").code == "/"
    assert mark_reads.read_cell(engine, b, THU, "AM").code == "L"


def test_a_wait_longer_than_the_busy_timeout_is_a_plain_message(engine, school):  # type: ignore[no-untyped-def]
    other = make_engine(engine.url.render_as_string(hide_password=False))
    event.listen(other, "connect",
                 lambda conn, _r: conn.execute("PRAGMA busy_timeout=100"))  # don't wait 10 s
    clock_at(other, BEFORE_CLOSE)
    try:
        with write_scope(engine):  # another PC holds the write lock
            with pytest.raises(DatabaseBusy, match="database is busy") as err:
                rs.set_mark(other, OFFICE, MarkChange(school.oak_pupils[0], THU, "AM", "/"))
            assert "locked" not in str(err.value)
    finally:
        other.dispose()


# --- the clock and closed registers ------------------------------------------------------


def test_no_write_path_takes_a_time_or_an_after_close_flag() -> None:
    funcs = [rs.apply_changes, rs.set_mark, rs.mark_all_present, rs.copy_am_to_pm,
             kiosk_service.sign_in, kiosk_service.sign_out, kiosk_service.sign_back,
             closure_service.fill_closures, closure_service.emergency_closure,
             dashboard_service.resolve_absence, dashboard_service.convert_overdue_to_o,
             mark_import.import_marks, mark_import.import_marks_job]
    for f in funcs:
        params = set(inspect.signature(f).parameters)
        assert not params & {"now", "after_close", "when"}, f.__name__
    assert "day" not in inspect.signature(kiosk_service.sign_in).parameters  # now only
    assert not hasattr(rs, "write_mark")  # the old per-cell writer is gone


def test_the_register_closes_on_the_application_clock(engine, school):  # type: ignore[no-untyped-def]
    pid = school.oak_pupils[0]
    clock_at(engine, AFTER_CLOSE - dt.timedelta(minutes=1))
    rs.set_mark(engine, school.teacher, MarkChange(pid, THU, "AM", "/"))  # 09:24: still open
    clock_at(engine, AFTER_CLOSE)
    with pytest.raises(PermissionDenied, match="closed at 09:25"):
        rs.set_mark(engine, school.teacher, MarkChange(pid, THU, "AM", "N", seen_code="/"))


def test_a_teacher_cannot_change_a_closed_register_by_any_public_call(engine, school):  # type: ignore[no-untyped-def]
    t = school.teacher
    a, b = school.oak_pupils[:2]
    clock_at(engine, BEFORE_CLOSE)
    put_marks(engine, OFFICE, [(a, THU, "AM", "N")])
    clock_at(engine, dt.datetime(2025, 11, 20, 16, 0))  # both registers have closed
    before = _all_marks(engine)
    attempts = [
        lambda: rs.set_mark(engine, t, MarkChange(a, THU, "AM", "I", seen_code="N"),
                            reason="Mum rang"),
        lambda: rs.set_mark(engine, t, MarkChange(b, THU, "AM", "/", seen_code="")),
        lambda: rs.apply_changes(engine, t, [MarkChange(b, THU, "PM", "\\")],
                                 reason="late entry", source="register"),
        lambda: rs.apply_changes(engine, t, [MarkChange(b, THU, "PM", "\\")], source="leave"),
        lambda: rs.apply_changes(engine, t, [MarkChange(b, THU, "PM", "\\")],
                                 source="import"),
        lambda: rs.mark_all_present(engine, t, THU, "PM", [a, b]),
        lambda: rs.copy_am_to_pm(engine, t, THU, [a]),
        lambda: dashboard_service.resolve_absence(engine, t, a, THU, "AM", "I", "Mum rang"),
        lambda: dashboard_service.convert_overdue_to_o(engine, t, [(a, THU, "AM")]),
        lambda: closure_service.emergency_closure(engine, t, THU, "PM", "Y4", "snow"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert _all_marks(engine) == before


def _all_marks(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            Mark.pupil_id, Mark.date, Mark.session, Mark.code))]  # type: ignore[call-overload]


# --- codes checked against the pupil -----------------------------------------------------


def test_x_only_below_compulsory_school_age_at_the_boundary() -> None:
    x = codes.lookup("X")
    dob = dt.date(2020, 12, 1)  # five on 1 Dec 2025: compulsory school age from 31 Dec 2025
    admitted = dt.date(2024, 9, 1)
    assert mark_rules.code_problem(x, dt.date(2025, 12, 30), dob, admitted, None, "register") == ""
    assert "compulsory school age" in mark_rules.code_problem(x, dt.date(2025, 12, 31), dob,
                                                              admitted, None, "register")


def test_z_only_before_admission_at_the_boundary() -> None:
    z = codes.lookup("Z")
    dob, admitted = dt.date(2018, 1, 1), dt.date(2025, 11, 20)
    assert mark_rules.code_problem(z, dt.date(2025, 11, 19), dob, admitted, None, "register") == ""
    assert "admitted" in mark_rules.code_problem(z, admitted, dob, admitted, None, "register")
    # Any other code before admission is off roll.
    slash = codes.lookup("/")
    assert "not on roll" in mark_rules.code_problem(slash, dt.date(2025, 11, 19), dob, admitted,
                                                    None, "register")


def test_hash_only_from_a_closure() -> None:
    h = codes.lookup("#")
    args = (dt.date(2025, 11, 20), dt.date(2018, 1, 1), dt.date(2022, 9, 1), None)
    assert "closure" in mark_rules.code_problem(h, *args, "register")
    assert "closure" in mark_rules.code_problem(h, *args, "kiosk")
    assert mark_rules.code_problem(h, *args, "closure") == ""


def test_codes_are_checked_against_the_pupil_through_the_register(engine, school):  # type: ignore[no-untyped-def]
    clock_at(engine, BEFORE_CLOSE)
    year3 = school.oak_pupils[0]  # born 2018: of compulsory school age
    with pytest.raises(ServiceError, match="below compulsory school age"):
        rs.set_mark(engine, OFFICE, MarkChange(year3, THU, "AM", "X"))
    nursery = _pupil(engine, dob=dt.date(2021, 3, 1))
    assert rs.set_mark(engine, OFFICE, MarkChange(nursery, THU, "AM", "X")).code == "X"
    newcomer = _pupil(engine, dob=dt.date(2018, 3, 1), admitted=dt.date(2025, 11, 21))
    assert rs.set_mark(engine, OFFICE, MarkChange(newcomer, THU, "AM", "Z")).code == "Z"
    with pytest.raises(ServiceError, match="not on roll"):
        rs.set_mark(engine, OFFICE, MarkChange(newcomer, THU, "PM", "\\"))
    with pytest.raises(ServiceError, match="only for a planned whole-school closure"):
        rs.set_mark(engine, OFFICE, MarkChange(year3, THU, "PM", "#"))


# --- closures --------------------------------------------------------------------------------


def test_closures_only_on_school_days_and_inset_never_on_a_bank_holiday(engine, school):  # type: ignore[no-untyped-def]
    saturday = dt.date(2025, 11, 22)
    half_term = dt.date(2025, 10, 29)
    with pytest.raises(ServiceError, match="weekend"):
        closure_service.emergency_closure(engine, OFFICE, saturday, "DAY", "Y4", "snow")
    with pytest.raises(ServiceError, match="weekend"):
        calendar_changes.add_closure(engine, HEAD, saturday, kind="planned")
    with pytest.raises(ServiceError, match="holiday, not a school day"):
        calendar_changes.add_closure(engine, HEAD, half_term, kind="inset")
    may_day = dt.date(2026, 5, 4)  # Early May bank holiday, in the summer term
    with pytest.raises(ServiceError, match="bank holiday"):
        calendar_changes.save_year(engine, HEAD, default_term_dates(2025), [may_day])
    # The day before is a school day: fine.
    calendar_changes.add_closure(engine, HEAD, dt.date(2026, 5, 5), kind="inset")


def test_closure_marks_are_written_when_set_never_by_viewing(engine, school):  # type: ignore[no-untyped-def]
    friday = dt.date(2025, 11, 28)
    clock_at(engine, BEFORE_CLOSE)
    grid_service.load_snapshot(engine, friday, friday)
    with session_scope(engine) as s:
        assert s.exec(select(Mark).where(Mark.date == friday)).all() == []  # type: ignore[call-overload]
    calendar_changes.add_closure(engine, HEAD, friday, kind="inset")
    with engine.connect() as conn:
        before = conn.execute(select(Mark.code).where(Mark.date == friday)).all()  # type: ignore[call-overload]
    assert {c for (c,) in before} == {"#"}
    assert len(before) == 2 * 7
    grid_service.load_snapshot(engine, friday, friday)  # viewing again writes nothing
    assert closure_service.fill_closures(engine, friday, friday) == 0
    # Data checks do not call the app's own future '#' marks "marks in the future"...
    found = checks_service.run_checks(engine, BEFORE_CLOSE)
    assert found.totals["future"] == 0
    # ...but a mark typed in early still is.
    put_marks(engine, OFFICE, [(school.oak_pupils[0], dt.date(2025, 11, 27), "AM", "/")])
    assert checks_service.run_checks(engine, BEFORE_CLOSE).totals["future"] == 1


# --- kiosk and fire roll ---------------------------------------------------------------------


def test_repeated_kiosk_sign_ins_add_one_late_log_row(engine, school):  # type: ignore[no-untyped-def]
    pid = school.oak_pupils[0]
    medical = "Medical or dental appointment"  # its own code (M): not "in school"
    for minute in (40, 42, 50):
        clock_at(engine, dt.datetime(2025, 11, 20, 9, minute))
        kiosk_service.sign_in(engine, pid, medical, "Dad")
    with session_scope(engine) as s:
        events = s.execute(select(KioskEvent).where(KioskEvent.pupil_id == pid)).scalars().all()
    assert [e.kind for e in events] == ["late_in"]
    assert len(kiosk_office.late_log(engine, THU, THU)) == 1
    assert mark_reads.read_cell(engine, pid, THU, "AM").code == "M"


def test_kiosk_records_itself_and_an_office_code_is_left_for_the_office(engine, school):  # type: ignore[no-untyped-def]
    a, b = school.oak_pupils[:2]
    clock_at(engine, BEFORE_CLOSE)
    put_marks(engine, OFFICE, [(b, THU, "AM", "I")])
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 40))
    done = kiosk_service.sign_in(engine, a, "Overslept / traffic / other", "Mum")
    assert done.outcome == "signed_in"
    cell = mark_reads.read_cell(engine, a, THU, "AM")
    assert (cell.entered_by, cell.entered_role, cell.source) == (
        "Kiosk sign-in", "system", "kiosk")
    left = kiosk_service.sign_in(engine, b, "Overslept / traffic / other", "Mum")
    assert left.outcome == "see_office"
    assert mark_reads.read_cell(engine, b, THU, "AM").code == "I"


def test_fire_roll_lists_unmarked_pupils_and_labels_on_time_arrivals(engine, school,  # type: ignore[no-untyped-def]
                                                                     tmp_path):
    oak = school.oak_pupils
    clock_at(engine, dt.datetime(2025, 11, 20, 8, 45))
    kiosk_service.sign_in(engine, oak[0], "Overslept / traffic / other", "Mum")  # on time
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 0))
    put_marks(engine, OFFICE, [(oak[1], THU, "AM", "/"), (oak[2], THU, "AM", "I")])
    now = dt.datetime(2025, 11, 20, 9, 45)
    clock_at(engine, now)
    kiosk_service.sign_in(engine, oak[3], "Overslept / traffic / other", "Mum")  # late
    on_site = {p.pupil_id: p.status for p in kiosk_office.on_site(engine, now)}
    assert on_site == {oak[0]: "Present", oak[1]: "Present", oak[3]: "Late"}
    unknown = fire_roll.not_accounted_for(engine, now, kiosk_office.on_site(engine, now))
    assert {p.pupil_id for p in unknown} == set(school.ash_pupils)  # no mark, not signed in
    assert {p.status for p in unknown} == {"Not yet accounted for"}
    made = fire_roll.build(engine, now, tmp_path / "fire.pdf")
    assert (made.on_site, made.not_accounted_for) == (3, 3)
