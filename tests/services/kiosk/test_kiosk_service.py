"""Kiosk rules with a fixed clock: L/U by time, reason codes, amendments, out and back."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import KioskEvent, Mark, MarkAmendment, Pupil, SchoolClass, Staff
from attendance_desktop.domain.policy import LATE_BY_TIME, Policy
from attendance_desktop.domain.roles import Role
from attendance_desktop.services.clock import FixedClock, bind_clock
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.kiosk import kiosk_exit, kiosk_office, kiosk_rules, kiosk_service
from attendance_desktop.services.school import auth_service, calendar_service, policy_service
from tests.conftest import HEAD, OFFICE, clock_at, put_marks

THU = dt.date(2025, 11, 20)  # a school day in Autumn 2
OTHER = "Overslept / traffic / other"
MEDICAL = "Medical or dental appointment"


def at(hh: int, mm: int, day: dt.date = THU) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm, 17))


def add_pupils(engine, names: list[tuple[str, str, str]]) -> list[int]:  # type: ignore[no-untyped-def]
    """(forename, surname, class name) -> ids; classes are created as needed."""
    ids = []
    with session_scope(engine) as s:
        classes: dict[str, int] = {c.name: c.id for c in s.exec(select(SchoolClass))}
        for fore, sur, cls in names:
            if cls not in classes:
                c = SchoolClass(name=cls, sort_order=len(classes))
                s.add(c)
                s.flush()
                classes[cls] = c.id
            p = Pupil(legal_forename=fore, legal_surname=sur, dob=dt.date(2017, 5, 1),
                      year_group="3", class_id=classes[cls], admission_date=dt.date(2021, 9, 1))
            s.add(p)
            s.flush()
            ids.append(p.id)
    return ids


@pytest.fixture
def pupils(engine, school_year):  # type: ignore[no-untyped-def]
    return add_pupils(engine, [("Ava", "Brook", "Oak"), ("Ben", "Carter", "Oak"),
                               ("Cara", "Dale", "Ash")])


def mark(engine, pupil_id: int, session: str = "AM", day: dt.date = THU) -> Mark | None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return s.exec(select(Mark).where(Mark.pupil_id == pupil_id, Mark.date == day,
                                         Mark.session == session)).first()


def events(engine) -> list[KioskEvent]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return list(s.exec(select(KioskEvent).order_by(KioskEvent.id)))


def amendments(engine) -> list[MarkAmendment]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return list(s.exec(select(MarkAmendment)))


def test_sign_in_before_the_register_closes_is_late_with_minutes(engine, pupils):  # type: ignore[no-untyped-def]
    clock_at(engine, at(9, 10))
    result = kiosk_service.sign_in(engine, pupils[0], OTHER, "Mum")
    assert (result.outcome, result.code, result.minutes_late) == ("signed_in", "L", 10)
    m = mark(engine, pupils[0])
    assert (m.code, m.minutes_late, m.source, m.entered_by) == ("L", 10, "kiosk", "Kiosk sign-in")
    [e] = events(engine)
    assert (e.kind, e.session, e.reason, e.code, e.minutes_late, e.accompanied_by) == (
        "late_in", "AM", OTHER, "L", 10, "Mum")
    assert amendments(engine) == []  # an empty cell is a new mark, not an amendment
    # the pupil sees a kind message with the time, not the code or minutes late
    assert result.message == "Thank you, Ava. You are signed in at 09:10. Please go to your class."


def test_arrival_at_close_is_l_and_after_close_is_u(engine, pupils):  # type: ignore[no-untyped-def]
    clock_at(engine, at(9, 25))
    assert kiosk_service.sign_in(engine, pupils[0], OTHER, "").code == "L"
    clock_at(engine, at(9, 42))
    late = kiosk_service.sign_in(engine, pupils[1], OTHER, "")
    assert (late.code, late.minutes_late) == ("U", 42)
    assert mark(engine, pupils[1]).code == "U"


def test_arrival_before_the_register_starts_is_present_and_not_late(engine, pupils):  # type: ignore[no-untyped-def]
    clock_at(engine, at(8, 58))
    result = kiosk_service.sign_in(engine, pupils[0], OTHER, "")
    assert (result.code, result.minutes_late) == ("/", 0)
    assert "in time for the register" in result.message
    assert kiosk_office.late_log(engine, THU, THU) == ()  # not a late arrival
    assert [r.pupil_id for r in kiosk_office.on_site(engine, at(9, 5))] == [pupils[0]]


def test_reason_with_its_own_code_is_used_instead_of_l_or_u(engine, pupils):  # type: ignore[no-untyped-def]
    clock_at(engine, at(10, 30))
    result = kiosk_service.sign_in(engine, pupils[0], MEDICAL, "Dad")
    assert result.code == "M"
    assert mark(engine, pupils[0]).code == "M"
    assert events(engine)[0].minutes_late == 90  # still logged for the late log


def test_school_set_reason_list_maps_to_its_codes(engine, pupils):  # type: ignore[no-untyped-def]
    custom = Policy().replace(kiosk_reasons=(("Orthodontist", "M"), ("Late bus", LATE_BY_TIME)))
    policy_service.save_policy(engine, HEAD, custom)
    assert policy_service.load_policy(engine).kiosk_reasons == custom.kiosk_reasons
    clock_at(engine, at(9, 5))
    assert kiosk_service.sign_in(engine, pupils[0], "Orthodontist", "").code == "M"
    clock_at(engine, at(9, 5))
    assert kiosk_service.sign_in(engine, pupils[1], "Late bus", "").code == "L"
    clock_at(engine, at(9, 5))
    with pytest.raises(ServiceError, match="not one of the school's kiosk reasons"):
        kiosk_service.sign_in(engine, pupils[2], OTHER, "")


def test_afternoon_session_uses_pm_times(engine, pupils):  # type: ignore[no-untyped-def]
    clock_at(engine, at(13, 30))
    pm = kiosk_service.sign_in(engine, pupils[0], OTHER, "")
    assert (pm.session, pm.code, pm.minutes_late) == ("PM", "L", 15)
    clock_at(engine, at(13, 50))
    after = kiosk_service.sign_in(engine, pupils[1], OTHER, "")
    assert (after.session, after.code, after.minutes_late) == ("PM", "U", 35)
    assert mark(engine, pupils[0], "AM") is None
    assert mark(engine, pupils[0], "PM").code == "L"


def test_closed_day_or_session_records_nothing(engine, pupils):  # type: ignore[no-untyped-def]
    calendar_service.add_closure(engine, HEAD, THU, "PM", "planned", "#", "Staff training")
    clock_at(engine, at(9, 10))
    assert kiosk_service.sign_in(engine, pupils[0], OTHER, "").outcome == "signed_in"
    clock_at(engine, at(13, 30))
    closed = kiosk_service.sign_in(engine, pupils[1], OTHER, "")
    assert closed.outcome == "closed"
    assert "closed this afternoon" in closed.message
    clock_at(engine, at(9, 10, dt.date(2025, 11, 22)))
    weekend = kiosk_service.sign_in(engine, pupils[1], OTHER, "")
    assert weekend.outcome == "closed"
    clock_at(engine, at(9, 10, dt.date(2025, 12, 29)))
    holiday = kiosk_service.sign_in(engine, pupils[1], OTHER, "")
    assert holiday.outcome == "closed"
    assert mark(engine, pupils[1], "PM") is None
    assert len(events(engine)) == 1


def test_whole_day_closure(engine, pupils):  # type: ignore[no-untyped-def]
    assert kiosk_rules.closed_message(engine, at(9, 10)) == ""
    calendar_service.add_closure(engine, HEAD, THU, "DAY", "emergency", "Y4", "Snow")
    assert kiosk_rules.closed_message(engine, at(9, 10)) == "The school is closed today."
    clock_at(engine, at(9, 10))
    result = kiosk_service.sign_in(engine, pupils[0], OTHER, "")
    assert result.outcome == "closed"
    assert events(engine) == []


def test_n_is_replaced_as_an_amendment_recorded_as_the_kiosk(engine, pupils):  # type: ignore[no-untyped-def]
    put_marks(engine, OFFICE, [(pupils[0], THU, "AM", "N")])
    clock_at(engine, at(9, 42))
    result = kiosk_service.sign_in(engine, pupils[0], OTHER, "Gran")
    assert (result.outcome, result.code, result.amended_from) == ("signed_in", "U", "N")
    assert mark(engine, pupils[0]).code == "U"
    [a] = amendments(engine)
    assert (a.old_code, a.new_code, a.new_minutes_late) == ("N", "U", 42)
    assert (a.staff_name, a.staff_role, a.source) == ("Kiosk sign-in", "system", "kiosk")
    assert a.reason == "Signed in at the kiosk at 09:42"
    assert a.after_close


def test_present_mark_is_never_overwritten(engine, pupils):  # type: ignore[no-untyped-def]
    put_marks(engine, OFFICE, [(pupils[0], THU, "AM", "/")])
    clock_at(engine, at(9, 42))
    result = kiosk_service.sign_in(engine, pupils[0], OTHER, "")
    assert result.outcome == "already_in"
    assert "already signed in" in result.message
    assert mark(engine, pupils[0]).code == "/"
    assert events(engine) == []
    assert amendments(engine) == []


def test_second_sign_in_is_told_kindly_and_changes_nothing(engine, pupils):  # type: ignore[no-untyped-def]
    clock_at(engine, at(9, 10))
    kiosk_service.sign_in(engine, pupils[0], OTHER, "")
    clock_at(engine, at(9, 40))
    again = kiosk_service.sign_in(engine, pupils[0], MEDICAL, "")
    assert again.outcome == "already_in"
    assert mark(engine, pupils[0]).code == "L"
    assert len(events(engine)) == 1


def test_sign_out_and_back_and_who_is_on_site(engine, pupils):  # type: ignore[no-untyped-def]
    put_marks(engine, OFFICE, [(pupils[0], THU, "AM", "/"),
                               (pupils[1], THU, "AM", "N")])
    clock_at(engine, at(9, 20))
    kiosk_service.sign_in(engine, pupils[2], OTHER, "")
    on = {r.pupil_id: r for r in kiosk_office.on_site(engine, at(10, 0))}
    assert set(on) == {pupils[0], pupils[2]}
    assert on[pupils[2]].status == "Late"
    assert on[pupils[2]].arrived == dt.time(9, 20)

    clock_at(engine, at(10, 30))
    out = kiosk_service.sign_out(engine, pupils[0], "Feeling unwell", "Mum")
    assert out.outcome == "out"
    clock_at(engine, at(10, 31))
    assert kiosk_service.sign_out(engine, pupils[0], "Other", "Mum").outcome == (
        "already_out")
    assert {r.pupil_id for r in kiosk_office.on_site(engine, at(10, 45))} == {pupils[2]}
    [left] = kiosk_office.early_leavers(engine, THU)
    assert (left.name, left.reason, left.collected_by, left.back_at) == (
        "Ava Brook", "Feeling unwell", "Mum", None)

    clock_at(engine, at(11, 0))
    assert kiosk_service.sign_back(engine, pupils[2]).outcome == "not_out"
    clock_at(engine, at(11, 15))
    back = kiosk_service.sign_back(engine, pupils[0], "Mum")
    assert back.outcome == "back"
    assert {r.pupil_id for r in kiosk_office.on_site(engine, at(11, 20))} == {
        pupils[0], pupils[2]}
    assert kiosk_office.early_leavers(engine, THU)[0].back_at == dt.time(11, 15, 17)
    assert [e.kind for e in events(engine)] == ["late_in", "out", "back"]


def test_morning_marks_count_until_the_afternoon_register_is_taken(engine, pupils):  # type: ignore[no-untyped-def]
    put_marks(engine, OFFICE, [(pupils[0], THU, "AM", "/"),
                               (pupils[1], THU, "AM", "/"),
                               (pupils[1], THU, "PM", "M")])
    assert {r.pupil_id for r in kiosk_office.on_site(engine, at(13, 20))} == {pupils[0]}


def test_late_log_filters_by_date_and_class_and_rows_are_frozen(engine, pupils):  # type: ignore[no-untyped-def]
    clock_at(engine, at(9, 10))
    kiosk_service.sign_in(engine, pupils[0], OTHER, "Mum")
    clock_at(engine, at(9, 50))
    kiosk_service.sign_in(engine, pupils[2], MEDICAL, "")
    clock_at(engine, at(9, 12, dt.date(2025, 11, 21)))
    kiosk_service.sign_in(engine, pupils[0], OTHER, "")
    rows = kiosk_office.late_log(engine, THU, THU)
    assert [(r.name, r.code, r.minutes_late, r.reason, r.accompanied_by) for r in rows] == [
        ("Ava Brook", "L", 10, OTHER, "Mum"), ("Cara Dale", "M", 50, MEDICAL, "")]
    assert rows[0].time == dt.time(9, 10, 17)
    assert rows[0].class_name == "Oak"
    with session_scope(engine) as s:
        ash = s.exec(select(SchoolClass).where(SchoolClass.name == "Ash")).one().id
    assert [r.name for r in kiosk_office.late_log(engine, THU, dt.date(2025, 11, 21), ash)] == [
        "Cara Dale"]
    assert len(kiosk_office.late_log(engine, THU, dt.date(2025, 11, 21))) == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].code = "X"  # type: ignore[misc]
    with pytest.raises(ServiceError, match="before its start"):
        kiosk_office.late_log(engine, THU, dt.date(2025, 11, 1))


def test_picker_matches_first_letters_and_class(engine, pupils):  # type: ignore[no-untyped-def]
    everyone = kiosk_service.list_pupils(engine, THU)
    assert [p.name for p in everyone] == ["Ava Brook", "Ben Carter", "Cara Dale"]
    assert [p.name for p in kiosk_service.find(everyone, "b")] == ["Ava Brook", "Ben Carter"]
    assert [p.name for p in kiosk_service.find(everyone, "ben c")] == ["Ben Carter"]
    oak = next(c.id for c in kiosk_service.list_classes(engine) if c.name == "Oak")
    assert [p.initials for p in kiosk_service.find(everyone, "", oak)] == ["AB", "BC"]
    assert not hasattr(everyone[0], "dob")  # the picker carries names only


def test_exit_pin_is_checked_and_slowed_down_after_wrong_attempts(engine):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        s.add(Staff(name="Office", role="office", pin_hash=auth_service.hash_pin("2345")))
        s.add(Staff(name="Viewer", role="readonly", pin_hash=auth_service.hash_pin("4567")))
    guard = kiosk_exit.ExitGuard(engine)
    clock = FixedClock(at(10, 0))
    bind_clock(engine, clock)
    assert guard.check("4567") is None  # read-only staff cannot unlock the kiosk
    assert guard.check("0000") is None
    assert guard.check("1111") is None  # third failure: a wait is imposed
    clock.advance(seconds=1)
    with pytest.raises(kiosk_exit.ExitLocked) as waited:
        guard.check("2345")
    assert waited.value.wait_seconds > 0
    # A restarted kiosk (a new guard) still waits: the count is in the database.
    restarted = kiosk_exit.ExitGuard(engine)
    assert restarted.failures == 3
    assert restarted.wait_seconds() > 0
    with pytest.raises(kiosk_exit.ExitLocked):
        restarted.check("2345")
    clock.advance(minutes=10)
    actor = restarted.check("2345")
    assert actor is not None
    assert actor.role is Role.OFFICE
    assert guard.failures == 0


def test_fire_roll_pdf_lists_on_site_pupils_by_class_with_counts(engine, pupils, tmp_path):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from attendance_desktop.services.kiosk import fire_roll

    put_marks(engine, OFFICE, [(pupils[0], THU, "AM", "/"),
                               (pupils[1], THU, "AM", "/")])
    clock_at(engine, at(9, 30))
    kiosk_service.sign_in(engine, pupils[2], OTHER, "")
    clock_at(engine, at(10, 5))
    kiosk_service.sign_out(engine, pupils[1], "Feeling unwell", "Dad")
    path = fire_roll.default_path(tmp_path / "letters" / "reports", at(10, 30))
    roll = fire_roll.build(engine, at(10, 30), path)
    assert (roll.on_site, roll.late_today, roll.early_leavers, roll.still_out) == (2, 1, 1, 1)
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Fire roll" in text
    assert "Thursday 20 November 2025 at 10:30" in text
    assert "Ava Brook" in text
    assert "Cara Dale" in text
    assert "Oak — 1 on site" in text
    assert "Ash — 1 on site" in text
    assert "Signed out today" in text
    assert "not back" in text
