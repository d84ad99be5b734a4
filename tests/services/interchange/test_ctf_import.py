"""CTF import: preview first, sections, UPN matching, history kept apart, all-or-nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import func, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    CtfImport,
    Mark,
    PreviousAttendance,
    Pupil,
    PupilHome,
)
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import ImportRejected, PermissionDenied, ServiceError
from attendance_desktop.services.interchange import ctf_import, previous_school
from attendance_desktop.services.pupils import pupil_contacts, pupil_service
from attendance_desktop.services.pupils.pupil_service import PupilInput
from tests.conftest import OFFICE
from tests.services import ctf_files as f

TODAY = dt.date(2026, 1, 14)


def write(tmp_path: Path, text: str, name: str = "in.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def full_file(tmp_path: Path) -> Path:
    marks = f.marks_from(dt.date(2025, 9, 1), {dt.date(2025, 9, 3): "U"},
                         dt.date(2025, 9, 12))
    return write(tmp_path, f.ctf(f.pupil(attendance="<Attendance>" + f.year(
        start="2025-09-01", marks=marks) + f.year(2024, 300, 280, 12, 8) + "</Attendance>")))


def test_preview_lists_every_change_and_saves_nothing(engine, tmp_path):
    preview = ctf_import.preview(engine, full_file(tmp_path), today=TODAY)
    assert preview.new_pupils == 1
    assert preview.imported_before == ""
    (p,) = preview.pupils
    assert p.is_new
    assert p.upn == f.UPN_A
    assert p.name == "Izzy Marwood"
    fields = {c.field: c.new for c in p.changes}
    assert fields["Legal forename"] == "Isla"
    assert fields["Preferred forename"] == "Izzy"
    assert fields["Date of birth"] == "03/04/2017"
    assert fields["Year group"] == "3"
    assert fields["SEN"] == "K"
    assert fields["Free school meals"] == "yes"
    assert fields["Home address"] == "14 Larkspur Lane, Exampleton"
    assert fields["Postcode"] == "ZZ1 4AB"
    assert fields["Home phone"] == "01632 960111"
    assert [c.split(" (")[0] for c in p.contacts_added] == ["Ms Jane Marwood", "Tunde Okafor"]
    assert "parental responsibility yes" in p.contacts_added[0]
    assert len(p.years) == 2
    assert "20 session marks" in p.years[0]
    for table in (Pupil, Contact, PreviousAttendance, CtfImport, PupilHome):
        assert count(engine, table) == 0


def test_import_creates_pupil_contacts_and_keeps_history_out_of_the_register(engine, tmp_path):
    result = ctf_import.import_ctf(engine, full_file(tmp_path), actor=OFFICE, today=TODAY,
                                   now=dt.datetime(2026, 1, 14, 10, 0))
    assert (result.created, result.updated, result.contacts_added, result.years) == (1, 0, 2, 2)
    (summary,) = pupil_service.list_pupils(engine)
    details = pupil_service.get_pupil(engine, summary.id).data
    assert (details.legal_forename, details.preferred_forename, details.sex) == ("Isla", "Izzy",
                                                                                 "F")
    assert (details.sen, details.fsm, details.ethnicity, details.admission_date) == (
        "K", True, "WBRI", TODAY)
    contacts = pupil_contacts.list_contacts(engine, summary.id)
    mum, dad = contacts
    assert (mum.link.priority, mum.link.relationship, mum.link.parental_responsibility) == (
        1, "Mother", True)
    assert mum.contact.address == "14 Larkspur Lane, Exampleton"  # AddressAsPupil
    assert mum.contact.phone_mobile == "07700 900123"
    assert mum.link.lives_with_pupil
    assert (dad.link.relationship, dad.link.parental_responsibility) == ("Father", False)
    assert (dad.contact.address, dad.contact.postcode) == ("3 Quarry Row, Sampleford", "ZZ9 9XY")
    assert dad.contact.phone_work == "0113 496 0999"
    years = previous_school.history(engine, summary.id)
    assert [(y.academic_year, y.possible, y.unauthorised, y.session_marks) for y in years] == [
        ("2024/25", 300, 8, 0), ("2025/26", 60, 6, 20)]
    assert count(engine, Mark) == 0  # never in this school's register
    with session_scope(engine) as s:
        record = s.exec(select(CtfImport)).one()
        assert (record.staff_name, record.sections, record.pupils_created) == (
            "Test Office", "details,contacts,attendance", 1)
        assert record.summary == f"{f.UPN_A}: created"


def test_existing_pupil_matched_by_upn_shows_old_and_new(engine, tmp_path):
    pid = pupil_service.add_pupil(engine, OFFICE, PupilInput(
        "Isla", "Marwood", dt.date(2017, 4, 3), "2", dt.date(2023, 9, 4), upn=f.UPN_A,
        sex="F", sen="N", ethnicity="WBRI", notes="kept"), TODAY)
    path = write(tmp_path, f.ctf(f.pupil(contacts="")))
    (p,) = ctf_import.preview(engine, path, today=TODAY).pupils
    assert not p.is_new
    changes = {c.field: (c.old, c.new) for c in p.changes}
    assert changes["Year group"] == ("2", "3")
    assert changes["SEN"] == ("N", "K")
    assert changes["Preferred forename"] == ("", "Izzy")
    assert "Legal forename" not in changes  # unchanged fields are not listed
    assert "Year group: 2 → 3" in p.lines()
    ctf_import.import_ctf(engine, path, actor=OFFICE, today=TODAY)
    data = pupil_service.get_pupil(engine, pid).data
    assert (data.year_group, data.sen, data.notes, data.admission_date) == (
        "3", "K", "kept", dt.date(2023, 9, 4))
    with session_scope(engine) as s:  # who, when and what: field names, not values
        record = s.exec(select(CtfImport)).one()
    assert record.summary.startswith(f"{f.UPN_A}: Preferred forename, Year group, SEN, ")
    assert (record.pupils_created, record.pupils_updated) == (0, 1)


def test_only_the_chosen_sections_are_saved(engine, tmp_path):
    pid = pupil_service.add_pupil(engine, OFFICE, PupilInput(
        "Isla", "Marwood", dt.date(2017, 4, 3), "2", dt.date(2023, 9, 4), upn=f.UPN_A), TODAY)
    path = full_file(tmp_path)
    preview = ctf_import.preview(engine, path, ["contacts"], today=TODAY)
    assert preview.pupils[0].changes == ()
    assert preview.pupils[0].years == ()
    ctf_import.import_ctf(engine, path, ["contacts"], actor=OFFICE, today=TODAY)
    assert pupil_service.get_pupil(engine, pid).data.year_group == "2"
    assert len(pupil_contacts.list_contacts(engine, pid)) == 2
    assert count(engine, PreviousAttendance) == 0
    with pytest.raises(ServiceError, match="not a CTF section"):
        ctf_import.preview(engine, path, ["photos"], today=TODAY)


def test_new_pupil_needs_details_section(engine, tmp_path):
    with pytest.raises(ImportRejected, match=rf"pupil {f.UPN_A}, <UPN>: no pupil here"):
        ctf_import.preview(engine, full_file(tmp_path), ["attendance"], today=TODAY)


def test_a_file_imported_before_is_recognised(engine, tmp_path):
    path = full_file(tmp_path)
    ctf_import.import_ctf(engine, path, actor=OFFICE, today=TODAY,
                          now=dt.datetime(2026, 1, 14, 10, 5))
    again = ctf_import.preview(engine, path, today=TODAY)
    assert again.imported_before.startswith("this same file was imported on 14 Jan 2026 at "
                                            "10:05 by Test Office")
    assert again.pupils[0].unchanged  # same data: nothing would change
    # a re-saved copy (different bytes) with the same header is recognised too
    copy = write(tmp_path, full_file(tmp_path).read_text().replace("<CTfile>", "<CTfile>\n"),
                 "copy.xml")
    assert "same source school and date-time" in ctf_import.preview(
        engine, copy, today=TODAY).imported_before
    ctf_import.import_ctf(engine, path, actor=OFFICE, today=TODAY)
    assert count(engine, Pupil) == 1
    assert count(engine, PreviousAttendance) == 2
    assert count(engine, Contact) == 2  # contacts matched, not duplicated


def test_errors_name_upn_and_element_and_nothing_is_saved(engine, tmp_path):
    bad = f.pupil(f.UPN_B, sex="Q", nc="9", dob="2017-02-30",
                  attendance="<Attendance>" + f.year(possible=5, attended=9) + "</Attendance>")
    path = write(tmp_path, f.ctf(f.pupil(), bad))
    with pytest.raises(ImportRejected) as info:
        ctf_import.import_ctf(engine, path, actor=OFFICE, today=TODAY)
    text = [str(p) for p in info.value.problems]
    assert f"pupil {f.UPN_B}, <Sex>: 'Q' is not M or F" in text
    assert f"pupil {f.UPN_B}, <DOB>: '2017-02-30' is not a date (YYYY-MM-DD)" in text
    assert any(t.startswith(f"pupil {f.UPN_B}, <NCyearActual>") for t in text)
    assert any(t.startswith(f"pupil {f.UPN_B}, <YearData/SessionsPossible>") for t in text)
    assert "nothing was imported" in str(info.value)
    for table in (Pupil, Contact, PreviousAttendance, CtfImport):
        assert count(engine, table) == 0


def test_service_rule_failures_name_the_element(engine, tmp_path):
    path = write(tmp_path, f.ctf(f.pupil(dob="2001-06-01")))
    with pytest.raises(ImportRejected, match=rf"pupil {f.UPN_A}, <DOB>: .*primary-age"):
        ctf_import.import_ctf(engine, path, actor=OFFICE, today=TODAY)
    assert count(engine, Pupil) == 0


def test_older_versions_as_far_as_their_fields_match(engine, tmp_path):
    # CTF 12: Gender not Sex, preferred names inside BasicDetails, SEN 'S' (statement),
    # address lines, a namespace on the root
    old = f.ctf(f.pupil(f.UPN_C, sex_tag="Gender", names_in_basic=True, sen="S", fsm=False),
                head=f.header("12.0", "2016-07-20T15:00:00"))
    old = old.replace("<CTfile>", '<CTfile xmlns="http://www.example.com/ctf">')
    result = ctf_import.import_ctf(engine, write(tmp_path, old), actor=OFFICE, today=TODAY)
    assert result.created == 1
    (s,) = pupil_service.list_pupils(engine)
    data = pupil_service.get_pupil(engine, s.id).data
    assert (data.preferred_forename, data.sex, data.sen, data.fsm) == ("Izzy", "F", "E", False)
    with pytest.raises(ImportRejected, match="CTFversion"):
        ctf_import.preview(engine, write(tmp_path, f.ctf(f.pupil(), head=f.header("8.0")),
                                         "v8.xml"), today=TODAY)


def test_file_changed_after_preview_and_permissions(engine, tmp_path):
    path = full_file(tmp_path)
    digest = ctf_import.preview(engine, path, today=TODAY).sha256
    path.write_text(path.read_text().replace("Larkspur", "Foxglove"))
    with pytest.raises(ServiceError, match="changed after the preview"):
        ctf_import.import_ctf(engine, path, actor=OFFICE, expect_sha256=digest, today=TODAY)
    with pytest.raises(PermissionDenied):
        ctf_import.import_ctf(engine, path, actor=Actor("T", Role.TEACHER), today=TODAY)
    assert count(engine, Pupil) == 0


def test_sibling_contact_is_linked_not_duplicated(engine, tmp_path):
    ctf_import.import_ctf(engine, write(tmp_path, f.ctf(f.pupil())), actor=OFFICE,
                          today=TODAY)
    sibling = f.pupil(f.UPN_B, forename="Rory", dob="2019-01-09", nc="1")
    ctf_import.import_ctf(engine, write(tmp_path, f.ctf(sibling), "sib.xml"), actor=OFFICE,
                          today=TODAY)
    assert count(engine, Pupil) == 2
    assert count(engine, Contact) == 2
