"""CTF export for a leaver, and the round trip into a fresh school."""

from __future__ import annotations

import datetime as dt

import defusedxml.ElementTree as SafeET
import pytest
from sqlmodel import select

from attendance_desktop.config.paths import resolve_paths
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, PreviousAttendance
from attendance_desktop.services.database import open_database
from attendance_desktop.services.errors import NotFound, ServiceError
from attendance_desktop.services.interchange import ctf_export, ctf_import, previous_school
from attendance_desktop.services.interchange.ctf_model import CURRENT_VERSION
from attendance_desktop.services.pupils import pupil_contacts, pupil_service
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import school_service
from tests.conftest import HEAD, OFFICE, put_marks
from tests.services import ctf_files as f

D = dt.date
JOINED, LEFT, ON = D(2025, 11, 3), D(2025, 11, 14), D(2025, 11, 20)
CODES = {D(2025, 11, 5): ("I", "I"), D(2025, 11, 6): ("U", "O"), D(2025, 11, 10): ("C1", "/")}


def _leaver(engine, school_year, tmp_path) -> int:  # type: ignore[no-untyped-def]
    """A pupil who arrived by CTF from Brookfield, was here two weeks, and left."""
    path = tmp_path / "arrival.xml"
    path.write_text(f.ctf(f.pupil(attendance="<Attendance>" + f.year(2024, 300, 280, 12, 8)
                                  + "</Attendance>")), encoding="utf-8")
    ctf_import.import_ctf(engine, path, actor=OFFICE, admission_date=JOINED, today=ON)
    (p,) = pupil_service.list_pupils(engine)
    cells = []
    for day in school_year_days(engine, JOINED, LEFT):
        am, pm = CODES.get(day, ("/", "\\"))
        cells += [(p.id, day, "AM", am), (p.id, day, "PM", pm)]
    put_marks(engine, HEAD, cells)
    pupil_service.leave(engine, OFFICE, p.id, LEFT, "Moved to another school")
    return p.id


def school_year_days(engine, start, end):  # type: ignore[no-untyped-def]
    from attendance_desktop.services.school import calendar_service

    return calendar_service.load_calendar(engine).school_days(start, end)


def test_export_is_a_ctf_in_the_spec_structure(engine, school_year, tmp_path):
    pid = _leaver(engine, school_year, tmp_path)
    data, result = ctf_export.build_ctf(engine, pid, lea="201", estab="2998", dest_lea="202",
                                        dest_estab="3001", now=dt.datetime(2025, 11, 20, 9))
    root = SafeET.fromstring(data)
    assert root.tag == "CTfile"
    assert root.findtext("Header/DocumentName") == "Common Transfer File"
    assert root.findtext("Header/CTFversion") == CURRENT_VERSION
    assert root.findtext("Header/DateTime") == "2025-11-20T09:00:00"
    assert root.findtext("Header/SourceSchool/Estab") == "2998"
    assert root.findtext("Header/DestSchool/LEA") == "202"
    pupil = root.find("CTFpupilData/Pupil")
    assert pupil is not None
    assert pupil.findtext("UPN") == f.UPN_A
    assert pupil.findtext("Sex") == "F"
    assert pupil.findtext("BasicDetails/PreferredForename") == "Izzy"
    assert pupil.findtext("BasicDetails/NCyearActual") == "3"
    assert pupil.findtext("SENhistory/SEN/SENprovision") == "K"
    assert pupil.findtext("Address/AddressLines/AddressLine1") == "14 Larkspur Lane"
    assert pupil.findtext("Address/PostCode") == "ZZ1 4AB"
    contacts = pupil.findall("Contacts/Contact")
    assert [c.findtext("Relationship") for c in contacts] == ["PAM", "PAF"]
    assert [c.findtext("Responsibility") for c in contacts] == ["true", "false"]
    assert contacts[0].find("Address/AddressAsPupil") is not None
    years = pupil.findall("Attendance/YearData")
    here = next(y for y in years if y.findtext("Estab") == "2998")
    counts = stats_service.totals(engine, JOINED, LEFT, stats_service.Scope(pupil_ids=(pid,)))
    assert int(here.findtext("SessionsPossible") or 0) == counts.possible == 20
    assert int(here.findtext("SessionsUnauthorised") or 0) == counts.unauthorised == 2
    assert here.findtext("AttendanceStartDate") == "2025-11-03"
    marks = here.findtext("AttendanceMarks") or ""
    assert marks.startswith("/\\/\\IIUO/\\----")
    assert len(marks) == 24
    assert result.years == 1
    assert result.sessions == 20


def test_round_trip_into_a_fresh_school(engine, school_year, tmp_path):
    pid = _leaver(engine, school_year, tmp_path)
    out = tmp_path / "leaver.xml"
    result = ctf_export.export_ctf(engine, f.UPN_A, out, lea="201", estab="2998")
    assert "CTF 25.0" in str(result)
    with session_scope(engine) as s:
        ours = sorted((m.date, m.session, m.code) for m in s.exec(
            select(Mark).where(Mark.pupil_id == pid)))
    before = pupil_service.get_pupil(engine, pid).data
    contacts_before = [(c.name, c.link.relationship, c.link.priority,
                        c.link.parental_responsibility, c.best_phone, c.contact.email,
                        c.contact.address, c.contact.postcode)
                       for c in pupil_contacts.list_contacts(engine, pid)]
    fresh = open_database(resolve_paths(tmp_path / "next-school", environ={}))
    try:
        ctf_import.import_ctf(fresh, out, actor=OFFICE, admission_date=D(2025, 11, 17),
                              today=ON)
        (p,) = pupil_service.list_pupils(fresh)
        after = pupil_service.get_pupil(fresh, p.id).data
        for field in ("upn", "legal_forename", "legal_surname", "preferred_forename", "dob",
                      "sex", "year_group", "sen", "fsm", "ethnicity"):
            assert getattr(after, field) == getattr(before, field), field
        assert [(c.name, c.link.relationship, c.link.priority, c.link.parental_responsibility,
                 c.best_phone, c.contact.email, c.contact.address, c.contact.postcode)
                for c in pupil_contacts.list_contacts(fresh, p.id)] == contacts_before
        history = {(y.academic_year, y.school): y for y in previous_school.history(fresh, p.id)}
        school_a = school_service.get_school(engine).details.name
        assert set(history) == {("2024/25", "Brookfield Primary (201/2999)"),
                                ("2025/26", f"{school_a} (201/2998)")}
        ours_year = next(y for (yr, _), y in history.items() if yr == "2025/26")
        assert (ours_year.possible, ours_year.unauthorised, ours_year.session_marks) == (20, 2, 20)
        with session_scope(fresh) as s:
            row = s.exec(select(PreviousAttendance).where(
                PreviousAttendance.estab == "2998")).one()
            carried = sorted(previous_school._year_data(row).sessions())
        assert carried == [(d, ss, "C" if c == "C1" else c) for d, ss, c in ours]
        with session_scope(fresh) as s:
            assert s.exec(select(Mark)).first() is None  # history, not the register
    finally:
        fresh.dispose()


def test_export_refusals(engine, tmp_path):
    with pytest.raises(NotFound, match="no pupil has the UPN"):
        ctf_export.export_ctf(engine, f.UPN_B, tmp_path / "x.xml")
    path = tmp_path / "in.xml"
    path.write_text(f.ctf(f.pupil(contacts="")), encoding="utf-8")
    ctf_import.import_ctf(engine, path, actor=OFFICE, today=ON)
    with pytest.raises(ServiceError, match="Establishment number: '12' should be 4 digits"):
        ctf_export.export_ctf(engine, f.UPN_A, tmp_path / "x.xml", estab="12")
    with pytest.raises(ServiceError, match="the folder does not exist"):
        ctf_export.export_ctf(engine, f.UPN_A, tmp_path / "no" / "x.xml")
