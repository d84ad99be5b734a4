"""Write a Common Transfer File for a leaver: details, contacts and attendance.

The file is in the current CTF version's structure (ctf_model.CURRENT_VERSION) and holds
one pupil: `Header`, then `CTFpupilData/Pupil` with BasicDetails, FSM and SEN, home
address, phones and email, contacts, and `Attendance/YearData` for every academic year
the pupil was on roll here (totals and the session-marks string) plus any previous-school
years imported earlier, so the history travels on.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # writing only; reading goes through defusedxml
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    Mark,
    PreviousAttendance,
    Pupil,
    PupilContact,
    PupilHome,
    School,
)
from attendance_desktop.domain import upn as upn_rules
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, ServiceError
from attendance_desktop.services.interchange import ctf_model as m
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import calendar_service

# Destination unknown: the LA and establishment numbers MIS use for "not known".
UNKNOWN_LEA, UNKNOWN_ESTAB = "MMM", "MMMM"
SUPPLIER = "Attendance Desktop"


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    upn: str
    years: int
    sessions: int

    def __str__(self) -> str:
        return (f"Wrote {self.path}: CTF {m.CURRENT_VERSION} for {self.upn} with "
                f"{self.years} years of attendance ({self.sessions} session marks)")


def _sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def _optional(parent: ET.Element, tag: str, text: str) -> None:
    if text:
        _sub(parent, tag, text)


def _check_number(value: str, digits: int, what: str) -> str:
    value = value.strip()
    if value and not (value.isdigit() and len(value) == digits):
        raise ServiceError(f"{what}: '{value}' should be {digits} digits")
    return value


def build_ctf(engine: Engine, pupil_id: int, *, lea: str = "", estab: str = "",
              dest_lea: str = "", dest_estab: str = "", today: dt.date | None = None,
              now: dt.datetime | None = None) -> tuple[bytes, ExportResult]:
    """The CTF for one pupil as UTF-8 bytes, and what it holds."""
    now = now or clock.now(engine)
    today = today or now.date()
    years = calendar_service.list_years(engine)
    with session_scope(engine) as s:
        p = s.get(Pupil, pupil_id)
        if p is None:
            raise NotFound("that pupil's record no longer exists")
        if not p.upn:
            raise ServiceError("a CTF needs the pupil's UPN: add it in Edit details first")
        school = s.exec(select(School)).first()
        lea = _check_number(lea or _default_lea(school), 3, "LA number")
        estab = _check_number(estab, 4, "Establishment number")
        dest_lea = _check_number(dest_lea, 3, "Destination LA number") or UNKNOWN_LEA
        dest_estab = _check_number(dest_estab, 4, "Destination establishment number") \
            or UNKNOWN_ESTAB
        current = next((y for y in years if y.start <= today <= y.end), None)
        root = ET.Element("CTfile")
        h = _sub(root, "Header")
        _sub(h, "DocumentName", m.DOCUMENT_NAME)
        _sub(h, "CTFversion", m.CURRENT_VERSION)
        _sub(h, "DateTime", now.replace(microsecond=0).isoformat())
        _sub(h, "DocumentQualifier", "partial")  # one pupil, some containers
        _sub(h, "SupplierID", SUPPLIER)
        src = _sub(h, "SourceSchool")
        _sub(src, "LEA", lea)
        _sub(src, "Estab", estab)
        _optional(src, "URN", school.urn if school else "")
        _sub(src, "SchoolName", school.name if school else "")
        _sub(src, "AcademicYear", (current.start if current else today).year)
        dst = _sub(h, "DestSchool")
        _sub(dst, "LEA", dest_lea)
        _sub(dst, "Estab", dest_estab)
        pupil = _sub(_sub(root, "CTFpupilData"), "Pupil")
        _sub(pupil, "UPN", upn_rules.normalise(p.upn))
        _sub(pupil, "Surname", p.legal_surname)
        _sub(pupil, "Forename", p.legal_forename)
        _sub(pupil, "DOB", p.dob.isoformat())
        if p.sex in ("M", "F"):
            _sub(pupil, "Sex", p.sex)
        basic = _sub(pupil, "BasicDetails")
        _optional(basic, "PreferredSurname", p.preferred_surname)
        _optional(basic, "PreferredForename", p.preferred_forename)
        _sub(basic, "NCyearActual", p.year_group if p.year_group != "N" else "N2")
        _optional(basic, "Ethnicity", p.ethnicity)
        if p.fsm:  # the eligibility start is not held here: the admission date stands in
            fsm = _sub(_sub(pupil, "FSMhistory"), "FSMinstance")
            _sub(fsm, "FSMstartDate", p.admission_date.isoformat())
            _sub(fsm, "UKcountry", "ENG")
        _sub(_sub(_sub(pupil, "SENhistory"), "SEN"), "SENprovision", p.sen or "N")
        home = s.get(PupilHome, pupil_id)
        if home is not None:
            _address(pupil, home.address, home.postcode)
            _phones(pupil, {"H": home.phone_home, "M": home.phone_mobile})
            _optional(pupil, "Email", home.email)
        _contacts(s, pupil, pupil_id, home)
        att = _sub(pupil, "Attendance")
        n_years = n_sessions = 0
        for y in years:
            first = max(y.start, p.admission_date)
            last = min(y.end, p.leaving_date or today, today)
            if first > last:
                continue
            counts = stats_service.totals(engine, first, last,
                                          stats_service.Scope(pupil_ids=(pupil_id,)))
            marks = {(d, ss): c for d, ss, c in s.exec(
                     select(col(Mark.date), Mark.session, Mark.code)
                     .where(Mark.pupil_id == pupil_id, Mark.date >= first, Mark.date <= last))}
            _year(att, m.YearData(y.start.year, lea, estab, school.name if school else "",
                                  counts.possible, counts.authorised, counts.attended,
                                  counts.unauthorised, first,
                                  m.marks_string(first, last, marks)))
            n_years += 1
            n_sessions += len(marks)
        for prev in s.exec(select(PreviousAttendance).where(
                PreviousAttendance.pupil_id == pupil_id)
                .order_by(col(PreviousAttendance.academic_year))):
            _year(att, m.YearData(prev.academic_year, prev.lea, prev.estab, prev.school_name,
                                  prev.sessions_possible, prev.sessions_authorised,
                                  prev.sessions_attended, prev.sessions_unauthorised,
                                  prev.start_date, prev.marks))
        upn = p.upn
    ET.indent(root)
    data = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data, ExportResult(Path(), upn, n_years, n_sessions)


def export_ctf(engine: Engine, upn: str, dest: Path, **kw: Any) -> ExportResult:
    """Write the CTF for the pupil with this UPN to `dest`."""
    with session_scope(engine) as s:
        row = s.exec(select(Pupil).where(Pupil.upn == upn_rules.normalise(upn))).first()
        if row is None or row.id is None:
            raise NotFound(f"no pupil has the UPN {upn}")
        pupil_id = row.id
    data, result = build_ctf(engine, pupil_id, **kw)
    try:
        dest.write_bytes(data)
    except IsADirectoryError:
        raise ServiceError(f"{dest}: is a folder; give a file name") from None
    except FileNotFoundError:
        raise ServiceError(f"{dest}: the folder does not exist") from None
    except PermissionError:
        raise ServiceError(f"{dest}: permission denied") from None
    return ExportResult(dest, result.upn, result.years, result.sessions)


def _default_lea(school: School | None) -> str:
    la = (school.local_authority if school else "").strip()
    return la if la.isdigit() and len(la) == 3 else ""


def _address(parent: ET.Element, text: str, postcode: str) -> None:
    if not text and not postcode:
        return
    addr = _sub(parent, "Address")
    lines = [x.strip() for x in text.split(",") if x.strip()]
    if len(lines) > 5:  # AddressLines holds five: the rest joins the last
        lines = [*lines[:4], ", ".join(lines[4:])]
    block = _sub(addr, "AddressLines")
    for i, line in enumerate(lines or [postcode], start=1):
        _sub(block, f"AddressLine{i}", line)
    _optional(addr, "PostCode", postcode)


def _phones(parent: ET.Element, numbers: dict[str, str]) -> None:
    held = {k: v for k, v in numbers.items() if v}
    if held:
        phones = _sub(parent, "Phones")
        for kind, number in held.items():
            ph = _sub(phones, "Phone")
            _sub(ph, "TelephoneType", kind)
            _sub(ph, "PhoneNo", number)


def _contacts(s, parent: ET.Element, pupil_id: int,  # type: ignore[no-untyped-def]
              home: PupilHome | None) -> None:
    links = s.exec(select(PupilContact, Contact).join(
        Contact, col(Contact.id) == PupilContact.contact_id).where(
        PupilContact.pupil_id == pupil_id).order_by(col(PupilContact.priority))).all()
    if not links:
        return
    out = _sub(parent, "Contacts")
    for order, (ln, c) in enumerate(links, start=1):
        el = _sub(out, "Contact")
        _sub(el, "Order", order)
        _optional(el, "Title", c.title)
        _sub(el, "Surname", c.surname)
        _optional(el, "Forename", c.forename)
        code = m.RELATIONSHIP_CODES.get(ln.relationship.strip().lower(), "")
        if not code and ln.relationship.strip().upper() in m.RELATIONSHIPS:
            code = ln.relationship.strip().upper()
        _sub(el, "Relationship", code or "OTH")
        _sub(el, "Responsibility", "true" if ln.parental_responsibility else "false")
        same = home is not None and ln.lives_with_pupil and \
            (c.address, c.postcode) in (("", ""), (home.address, home.postcode))
        if same:
            _sub(_sub(el, "Address"), "AddressAsPupil", "true")
        else:
            _address(el, c.address, c.postcode)
        _phones(el, {"H": c.phone_home, "M": c.phone_mobile, "W": c.phone_work})
        _optional(el, "Email", c.email)


def _year(parent: ET.Element, y: m.YearData) -> None:
    el = _sub(parent, "YearData")
    _sub(el, "Year", y.year)
    _sub(el, "LEA", y.lea)
    _sub(el, "Estab", y.estab)
    _optional(el, "SchoolName", y.school_name)
    _sub(el, "SessionsPossible", y.possible)
    _sub(el, "SessionsAuthorised", y.authorised)
    _sub(el, "SessionsAttended", y.attended)
    _sub(el, "SessionsUnauthorised", y.unauthorised)
    if y.start_date is not None and y.marks:
        _sub(el, "AttendanceStartDate", y.start_date.isoformat())
        _sub(el, "AttendanceMarks", y.marks)
