"""Read a Common Transfer File safely (defusedxml) into ctf_model data.

Entity declarations ("billion laughs"), external entities and external DTDs are refused
before anything is read. Every problem names the pupil's UPN and the element, and all
problems in the file are collected so the user can fix them in one go.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # the Element type and ParseError; parsing is defusedxml
from dataclasses import dataclass
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeET

from attendance_desktop.services.errors import ImportRejected, Problem, ServiceError
from attendance_desktop.services.interchange import ctf_model as m

MAX_FILE_BYTES = 50_000_000  # a whole school's CTF is a few MB


@dataclass(frozen=True, slots=True)
class CtfProblem(Problem):
    """A problem with one pupil's element (row is unused: XML has no rows)."""

    upn: str = ""

    def __str__(self) -> str:
        who = f"pupil {self.upn}" if self.upn else "header"
        return f"{who}, <{self.column}>: {self.message}"


class CtfRejected(ImportRejected):
    """The file's content is wrong; nothing was imported."""


class UnsafeXml(ServiceError):
    """The file uses XML features that can be used to attack a reader; refused."""


def read_ctf(path: Path) -> tuple[m.CtfFile, bytes]:
    """The parsed file and its raw bytes (for recognising a file imported before)."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ServiceError(f"{path.name}: {size // 1_000_000} MB is too large for a CTF "
                               f"(the limit is {MAX_FILE_BYTES // 1_000_000} MB)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ServiceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ServiceError(f"{path}: is a folder, not a CTF file") from None
    except PermissionError:
        raise ServiceError(f"{path}: permission denied") from None
    return parse_bytes(raw, path.name), raw


def parse_bytes(raw: bytes, source: str) -> m.CtfFile:
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except defusedxml.DTDForbidden as exc:
        raise UnsafeXml(f"{source}: refused: {_why_dtd(raw, exc.sysid)}; nothing was imported"
                        ) from None
    except ET.ParseError as exc:
        line, col = exc.position
        raise ServiceError(f"{source}: not well-formed XML at line {line}, column {col + 1};"
                           " nothing was imported") from None
    return _Reader(source).file(root)


def _why_dtd(raw: bytes, sysid: str | None) -> str:
    """Say which attack a refused <!DOCTYPE> carries (a CTF never has one)."""
    try:  # parse again allowing the DTD but not entities, only to name the problem
        SafeET.fromstring(raw, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.EntitiesForbidden as exc:
        if exc.sysid:
            return "the file declares an external entity (it could read other files)"
        return "the file declares XML entities (an entity-expansion attack is possible)"
    except (defusedxml.DefusedXmlException, ET.ParseError):
        pass
    if sysid:
        return "the file refers to an external DTD"
    return "the file has a <!DOCTYPE> declaration, which a CTF never has"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]  # tolerate a namespace on older files


def _child(el: ET.Element | None, name: str) -> ET.Element | None:
    if el is None:
        return None
    return next((c for c in el if _local(c.tag) == name), None)


def _children(el: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def _text(el: ET.Element | None, *path: str) -> str:
    for name in path:
        el = _child(el, name)
    return "" if el is None or el.text is None else " ".join(el.text.split())


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.upn = ""

    def bad(self, element: str, message: str) -> None:
        self.problems.append(CtfProblem(None, element, message, self.upn))

    def file(self, root: ET.Element) -> m.CtfFile:
        if _local(root.tag) != "CTfile":
            raise ServiceError(f"{self.source}: not a Common Transfer File (the root element "
                               f"is <{_local(root.tag)}>, not <CTfile>); nothing was imported")
        header = self.header(_child(root, "Header"))
        pupils = []
        seen: set[str] = set()
        for el in _children(_child(root, "CTFpupilData"), "Pupil"):
            p = self.pupil(el)
            if p is None:
                continue
            if p.upn in seen:
                self.bad("UPN", "this UPN appears twice in the file")
            seen.add(p.upn)
            pupils.append(p)
        if not pupils and not self.problems:
            self.upn = ""
            self.bad("CTFpupilData", "the file holds no pupils")
        if self.problems:
            raise CtfRejected(self.source, self.problems)
        return m.CtfFile(header, tuple(pupils))

    def header(self, el: ET.Element | None) -> m.Header:
        if el is None:
            self.bad("Header", "missing")
            return m.Header("", "")
        version = _text(el, "CTFversion")
        try:
            major = int(version.split(".")[0])
        except ValueError:
            major = -1
        if major < m.OLDEST_VERSION:
            self.bad("CTFversion", f"'{version}' is not a CTF version this app reads "
                     f"({m.OLDEST_VERSION}.0 to {m.CURRENT_VERSION})")
        name = _text(el, "DocumentName")
        if name and name.lower() != m.DOCUMENT_NAME.lower():
            self.bad("DocumentName", f"'{name}' is not '{m.DOCUMENT_NAME}'")
        return m.Header(version, _text(el, "DateTime"), _text(el, "DocumentQualifier"),
                        _text(el, "SupplierID"), self.school(_child(el, "SourceSchool")),
                        self.school(_child(el, "DestSchool")))

    @staticmethod
    def school(el: ET.Element | None) -> m.School:
        return m.School(_text(el, "LEA"), _text(el, "Estab"), _text(el, "SchoolName"),
                        _text(el, "AcademicYear"), _text(el, "URN"))

    def date(self, text: str, element: str, required: bool = False) -> dt.date | None:
        if not text:
            if required:
                self.bad(element, "missing")
            return None
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            self.bad(element, f"'{text}' is not a date (YYYY-MM-DD)")
            return None

    def pupil(self, el: ET.Element) -> m.Pupil | None:
        from attendance_desktop.domain import upn as upn_rules

        self.upn = _text(el, "UPN").upper()
        before = len(self.problems)
        if not self.upn:
            self.upn = f"(no UPN: {_text(el, 'Forename')} {_text(el, 'Surname')})".strip()
            self.bad("UPN", "missing: pupils are matched by UPN")
        else:
            why = upn_rules.problem(self.upn)
            if why:
                self.bad("UPN", why)
        basic = _child(el, "BasicDetails")

        def either(name: str) -> str:  # older versions keep some names in BasicDetails
            return _text(el, name) or _text(basic, name)

        surname, forename = either("Surname"), either("Forename")
        if not surname:
            self.bad("Surname", "missing")
        if not forename:
            self.bad("Forename", "missing")
        dob = self.date(_text(el, "DOB"), "DOB", required=True)
        sex_el = "Sex" if _child(el, "Sex") is not None else "Gender"
        sex = _text(el, sex_el).upper()
        if sex and sex not in ("M", "F"):
            self.bad(sex_el, f"'{sex}' is not M or F")
        nc = either("NCyearActual").upper()
        if nc and _year_group(nc) is None:
            self.bad("NCyearActual", f"'{nc}' is not a primary year (N1, N2, R, 1 to 6)")
        sen = _text(el, "SENhistory", "SEN", "SENprovision").upper()
        if sen and sen not in _SEN:
            self.bad("SENprovision", f"'{sen}' is not an SEN provision code (N, K, E)")
        pupil = m.Pupil(
            self.upn, surname, forename, dob or dt.date.min, sex,
            either("PreferredSurname"), either("PreferredForename"), either("FormerUPN"),
            nc, either("Ethnicity").upper(), _SEN.get(sen, ""), self.fsm(_child(el, "FSMhistory")),
            self.address(_child(el, "Address"), "Address"), self.phones(_child(el, "Phones")),
            _text(el, "Email"), tuple(self.contact(c) for c in
                                      _children(_child(el, "Contacts"), "Contact")),
            tuple(y for y in (self.year(y) for y in
                              _children(_child(el, "Attendance"), "YearData")) if y))
        self.check_email(pupil.email, "Email")
        return pupil if len(self.problems) == before else None

    def fsm(self, el: ET.Element | None) -> bool | None:
        if el is None:
            return None
        current = False
        for inst in _children(el, "FSMinstance"):
            start = self.date(_text(inst, "FSMstartDate"), "FSMstartDate")
            end = self.date(_text(inst, "FSMendDate"), "FSMendDate")
            if start is not None and end is None:
                current = True
        return current

    def address(self, el: ET.Element | None, where: str) -> m.Address | None:
        if el is None:
            return None
        bs = _child(el, "BS7666Address")
        if bs is not None:
            saon, paon, street = _text(bs, "SAON"), _text(bs, "PAON"), _text(bs, "Street")
            if paon[:1].isdigit() and street:  # "14" + "Larkspur Lane" is one line
                lines = [saon, f"{paon} {street}"]
            else:  # a house name stands on its own line
                lines = [saon, paon, street]
            lines += [_text(bs, n) for n in ("Locality", "Town", "AdministrativeArea")]
        else:
            lines = [_text(el, "AddressLines", f"AddressLine{i}") for i in range(1, 6)]
        lines.append(_text(el, "County"))
        out = m.Address(tuple(x for x in lines if x), _text(el, "PostCode").upper())
        if out.empty:
            self.bad(where, "has neither a BS7666 address nor address lines")
        return out

    def phones(self, el: ET.Element | None) -> tuple[m.Phone, ...]:
        out = []
        for ph in _children(el, "Phone"):
            kind, number = _text(ph, "TelephoneType").upper(), _text(ph, "PhoneNo")
            if not number:
                self.bad("PhoneNo", "empty phone number")
            elif kind in m.PHONE_TYPES:
                out.append(m.Phone(kind, number))
        return tuple(out)

    def check_email(self, email: str, element: str) -> None:
        if email and ("@" not in email or " " in email):
            self.bad(element, f"'{email}' is not an email address")

    def contact(self, el: ET.Element) -> m.Contact:
        order_text = _text(el, "Order")
        order = int(order_text) if order_text.isdigit() else 0
        if not order:
            self.bad("Contact/Order", f"'{order_text}' is not a contact order (1, 2, …)")
        surname = _text(el, "Surname")
        if not surname:
            self.bad("Contact/Surname", "missing")
        resp = _text(el, "Responsibility").lower()
        if resp not in ("", "true", "false", "1", "0"):
            self.bad("Contact/Responsibility", f"'{resp}' is not true or false")
        addr_el = _child(el, "Address")
        as_pupil = _child(addr_el, "AddressAsPupil") is not None or \
            _child(el, "AddressAsPupil") is not None
        address = None if as_pupil else self.address(addr_el, "Contact/Address")
        email = _text(el, "Email")
        self.check_email(email, "Contact/Email")
        return m.Contact(order, surname, _text(el, "Forename"), _text(el, "Title"),
                         _text(el, "Relationship").upper(), resp in ("true", "1"),
                         self.phones(_child(el, "Phones")), email, address, as_pupil)

    def count(self, el: ET.Element, name: str) -> int:
        text = _text(el, name)
        if not text:
            return 0
        if not text.isdigit() or len(text) > 4:
            self.bad(f"YearData/{name}", f"'{text[:20]}' is not a number of sessions")
            return 0
        return int(text)

    def year(self, el: ET.Element) -> m.YearData | None:
        year_text = _text(el, "Year")
        if not (year_text.isdigit() and 1990 <= int(year_text) <= 2100):
            self.bad("YearData/Year", f"'{year_text}' is not a year (e.g. 2025 for 2025/26)")
            return None
        start = self.date(_text(el, "AttendanceStartDate"), "YearData/AttendanceStartDate")
        marks = "".join(_text(el, "AttendanceMarks").split())
        if marks and start is None:
            self.bad("YearData/AttendanceMarks", "session marks without an AttendanceStartDate")
        if len(marks) > 2 * 366:
            self.bad("YearData/AttendanceMarks", f"{len(marks)} sessions is more than a year")
        odd = sorted({c for c in marks if c != m.NO_MARK and c not in _MARK_CHARS})
        if odd:
            self.bad("YearData/AttendanceMarks", f"'{''.join(odd)}': not attendance codes")
        y = m.YearData(int(year_text), _text(el, "LEA"), _text(el, "Estab"),
                       _text(el, "SchoolName"), self.count(el, "SessionsPossible"),
                       self.count(el, "SessionsAuthorised"), self.count(el, "SessionsAttended"),
                       self.count(el, "SessionsUnauthorised"), start, marks)
        if y.authorised + y.unauthorised > y.possible or y.attended > y.possible:
            self.bad("YearData/SessionsPossible",
                     f"{y.possible} possible sessions is fewer than those attended "
                     f"({y.attended}) or absent ({y.authorised + y.unauthorised})")
        return y


def _year_group(nc: str) -> str | None:
    if nc in ("N1", "N2", "N"):
        return "N"
    if nc in ("R", "1", "2", "3", "4", "5", "6"):
        return nc
    return None


def year_group(nc: str) -> str | None:
    """This app's year group for a CTF NCyearActual (None when outside a primary)."""
    return _year_group(nc.upper())


# SEN provision: current N/K/E; before 2014 A (School Action), P (Action Plus), S (Statement).
_SEN = {"N": "N", "K": "K", "E": "E", "A": "K", "P": "K", "S": "E"}


def _mark_chars() -> frozenset[str]:
    from attendance_desktop.domain import codes

    return frozenset(c for c in codes.CODES if len(c) == 1)


_MARK_CHARS = _mark_chars()
