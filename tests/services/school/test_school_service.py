from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import SettingChange
from attendance_desktop.domain.calendar import Span, TermDates, default_term_dates
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.pupils import class_service
from attendance_desktop.services.register import calendar_changes
from attendance_desktop.services.school import calendar_service, school_service
from attendance_desktop.services.school.school_service import SchoolDetails
from tests.conftest import HEAD, OFFICE

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20


def _changes(engine, area):
    with session_scope(engine) as s:
        return [(c.key, c.old_value, c.new_value, c.staff_name)
                for c in s.exec(select(SettingChange).where(SettingChange.area == area))]


def test_school_details_saved_and_every_change_recorded(engine):
    assert school_service.needs_setup(engine)
    details = SchoolDetails(name="Brook Lane Primary", urn="123456", local_authority="Exshire",
                            head_name="A. Head", logo_png=PNG)
    changed = school_service.save_school(engine, HEAD, details)
    assert set(changed) >= {"name", "urn", "local_authority", "head_name", "logo_png"}
    got = school_service.get_school(engine)
    assert got.details == details
    assert not got.set_up_complete
    school_service.save_school(engine, HEAD, dataclasses.replace(details, urn="654321"))
    assert ("urn", "123456", "654321", "Test Head") in _changes(engine, "school")
    school_service.complete_setup(engine, HEAD)
    assert school_service.get_school(engine).set_up_complete
    assert not school_service.needs_setup(engine)


@pytest.mark.parametrize("urn", ["12345", "1234567", "12a456"])
def test_bad_urn_is_refused_with_the_field_named(engine, urn):
    with pytest.raises(ServiceError, match="URN"):
        school_service.save_school(engine, HEAD, SchoolDetails(name="X", urn=urn))


def test_office_staff_cannot_change_school_calendar_or_classes(engine):
    with pytest.raises(PermissionDenied):
        school_service.save_school(engine, OFFICE, SchoolDetails(name="X"))
    with pytest.raises(PermissionDenied):
        calendar_changes.save_year(engine, OFFICE, default_term_dates(2025))
    with pytest.raises(PermissionDenied):
        class_service.save_class(engine, OFFICE, "Oak")
    with pytest.raises(PermissionDenied):
        school_service.complete_setup(engine, OFFICE)
    assert _changes(engine, "school") == []
    assert _changes(engine, "calendar") == []


def test_changing_half_term_and_inset_days_is_recorded_and_calendar_follows(engine):
    dates = default_term_dates(2025)
    inset = dt.date(2025, 9, 3)  # first day of Autumn 1
    calendar_changes.save_year(engine, HEAD, dates, [inset])
    cal = calendar_service.load_calendar(engine)
    assert not cal.is_school_day(inset)
    assert not cal.is_school_day(dt.date(2025, 12, 25))  # outside term anyway
    assert any(c.kind == "bank_holiday" for c in calendar_service.list_closures(
        engine, dates.start, dates.end))
    # Move the end of Autumn 2 a day earlier and drop the INSET day
    (term, a1, a2), *rest = dates.terms
    new_a2 = Span(a2.name, a2.start, a2.end - dt.timedelta(days=1))
    changed = TermDates(dates.year_name, ((Span(term.name, term.start, new_a2.end), a1, new_a2),
                                          *rest))
    calendar_changes.save_year(engine, HEAD, changed, [])
    cal = calendar_service.load_calendar(engine)
    assert cal.is_school_day(inset)
    assert not cal.in_term(a2.end)
    keys = {k: (old, new) for k, old, new, _ in _changes(engine, "calendar")}
    assert keys["2025/26 Autumn 2"] == (f"{a2.start} to {a2.end}", f"{a2.start} to {new_a2.end}")
    assert keys[f"closure {inset} DAY"][1] == ""
    assert len(calendar_service.list_years(engine)) == 1


def test_overlapping_half_terms_are_refused(engine):
    dates = default_term_dates(2025)
    (term, a1, a2), *rest = dates.terms
    bad = Span(a2.name, a1.end, a2.end)
    with pytest.raises(ServiceError, match="Autumn 2 starts"):
        calendar_changes.save_year(engine, HEAD, TermDates(dates.year_name,
                                                         ((term, a1, bad), *rest)))


def test_closures_and_assessment_periods(engine, school_year):
    day = dt.date(2025, 11, 21)
    calendar_changes.add_closure(engine, HEAD, day, "DAY", "planned", "Polling station")
    assert not calendar_service.load_calendar(engine).is_school_day(day)
    with pytest.raises(ServiceError, match="already closed"):
        calendar_changes.add_closure(engine, HEAD, day, "AM")
    calendar_changes.remove_closure(engine, HEAD, day)
    assert calendar_service.load_calendar(engine).is_school_day(day)
    pid = school_service.add_assessment_period(engine, HEAD, "KS2 tests", dt.date(2026, 5, 11),
                                               dt.date(2026, 5, 14), "6")
    assert [p.name for p in school_service.list_assessment_periods(engine)] == ["KS2 tests"]
    school_service.remove_assessment_period(engine, HEAD, pid)
    assert school_service.list_assessment_periods(engine) == []
    keys = [k for k, *_ in _changes(engine, "calendar")]
    assert f"closure {day} DAY" in keys
    assert "assessment KS2 tests" in keys


def test_classes_added_renamed_and_only_empty_ones_deleted(engine):
    oak = class_service.save_class(engine, HEAD, "Oak")
    class_service.save_class(engine, HEAD, "Ash")
    with pytest.raises(ServiceError, match="already a class"):
        class_service.save_class(engine, HEAD, "Oak")
    class_service.save_class(engine, HEAD, "Oak (Y1/2)", class_id=oak, sort_order=5)
    assert [c.name for c in class_service.list_classes(engine)] == ["Ash", "Oak (Y1/2)"]
    class_service.delete_class(engine, HEAD, oak)
    assert [c.name for c in class_service.list_classes(engine)] == ["Ash"]


def test_closure_changes_recalculate_the_register(engine, school_year):
    from attendance_desktop.services.pupils import pupil_service
    from attendance_desktop.services.pupils.pupil_service import PupilInput
    from attendance_desktop.services.reports import stats_service

    pid = pupil_service.add_pupil(engine, HEAD, PupilInput(
        "Ada", "Lovel", dt.date(2018, 3, 4), "2", dt.date(2024, 9, 2)), dt.date(2025, 11, 20))
    day = dt.date(2025, 11, 21)
    calendar_changes.add_closure(engine, HEAD, day, "DAY", "planned", "Polling station")
    counts = stats_service.totals(engine, day, day, stats_service.Scope(pupil_ids=(pid,)))
    assert counts.by_code == {"#": 2}
    calendar_changes.remove_closure(engine, HEAD, day)
    counts = stats_service.totals(engine, day, day, stats_service.Scope(pupil_ids=(pid,)))
    assert counts.by_code == {}
