"""The Common Transfer File as plain data, and its session-marks string. Pure, no I/O.

Element names follow the DfE CTF specification as public MIS code shows it (see the
README's CTF section for the sources): root `CTfile`, `Header`, `CTFpupilData/Pupil`,
`BasicDetails`, BS7666 or line addresses, `Phones/Phone`, `Contacts/Contact`,
`Attendance/YearData`. Only what this app keeps is modelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

CURRENT_VERSION = "25.0"
DOCUMENT_NAME = "Common Transfer File"
# CTF versions this app reads: the current one and earlier ones as far as their fields
# match (older files say Gender instead of Sex and may lack preferred names).
OLDEST_VERSION = 10

SECTIONS = ("details", "contacts", "attendance")
SECTION_LABELS = {
    "details": "Pupil details (names, date of birth, sex, year, SEN, FSM, ethnicity, "
               "home address, phones, email)",
    "contacts": "Contacts (order, relationship, parental responsibility, phones, email, "
                "address)",
    "attendance": "Attendance at previous schools (year totals and session marks)",
}

# DfE telephone types: H home, M mobile, W work (others, e.g. F fax, are not kept).
PHONE_TYPES = ("H", "M", "W")
# DfE relationship codes (common basic data set) and the words this app shows.
RELATIONSHIPS = {
    "PAM": "Mother", "PAF": "Father", "PAR": "Parent", "STM": "Step-mother",
    "STF": "Step-father", "FOM": "Foster mother", "FOF": "Foster father",
    "CAR": "Carer", "CHM": "Childminder", "DOC": "Doctor", "FAM": "Other family member",
    "REL": "Other relative", "SWR": "Social worker", "OTH": "Other contact",
    "AGM": "Grandmother", "AGF": "Grandfather",
}
RELATIONSHIP_CODES = {label.lower(): code for code, label in RELATIONSHIPS.items()}
# One character per session in AttendanceMarks: '-' = no session or no mark.
NO_MARK = "-"
# 2024 two-character codes written as their one-letter family in the marks string.
ONE_CHAR = {"C1": "C", "C2": "C", "J1": "J", "Y1": "Y", "Y2": "Y", "Y3": "Y", "Y4": "Y",
            "Y5": "Y", "Y6": "Y", "Y7": "Y"}


@dataclass(frozen=True, slots=True)
class School:
    lea: str = ""
    estab: str = ""
    name: str = ""
    academic_year: str = ""
    urn: str = ""


@dataclass(frozen=True, slots=True)
class Header:
    version: str
    date_time: str
    qualifier: str = "Full"
    supplier: str = ""
    source: School = School()
    dest: School = School()


@dataclass(frozen=True, slots=True)
class Address:
    """A BS7666 address (SAON, PAON, Street, Locality, Town) or up to five lines."""

    lines: tuple[str, ...] = ()
    postcode: str = ""

    @property
    def text(self) -> str:
        return ", ".join(x for x in self.lines if x)

    @property
    def empty(self) -> bool:
        return not self.lines and not self.postcode


@dataclass(frozen=True, slots=True)
class Phone:
    kind: str  # H | M | W
    number: str


@dataclass(frozen=True, slots=True)
class Contact:
    order: int
    surname: str
    forename: str = ""
    title: str = ""
    relationship: str = ""  # DfE code, e.g. PAM
    responsibility: bool = False
    phones: tuple[Phone, ...] = ()
    email: str = ""
    address: Address | None = None  # None = AddressAsPupil (or no address)
    address_as_pupil: bool = False

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.title, self.forename, self.surname) if p)

    def phone(self, kind: str) -> str:
        return next((p.number for p in self.phones if p.kind == kind), "")


@dataclass(frozen=True, slots=True)
class YearData:
    """One school's attendance for one academic year (Year = the year it starts in)."""

    year: int
    lea: str = ""
    estab: str = ""
    school_name: str = ""
    possible: int = 0
    authorised: int = 0
    attended: int = 0
    unauthorised: int = 0
    start_date: dt.date | None = None
    marks: str = ""

    def sessions(self) -> Iterator[tuple[dt.date, str, str]]:
        """(date, AM|PM, code) for every session with a mark in the marks string."""
        if self.start_date is None:
            return
        for i, ch in enumerate(self.marks):
            if ch == NO_MARK or ch.isspace():
                continue
            yield self.start_date + dt.timedelta(days=i // 2), "AM" if i % 2 == 0 else "PM", ch


@dataclass(frozen=True, slots=True)
class Pupil:
    upn: str
    surname: str
    forename: str
    dob: dt.date
    sex: str = ""  # M | F
    preferred_surname: str = ""
    preferred_forename: str = ""
    former_upn: str = ""
    nc_year: str = ""  # as in the file: R, 1 .. 6, N1, N2, ...
    ethnicity: str = ""
    sen_provision: str = ""  # N | K | E (older files: S, A, P)
    fsm: bool | None = None  # None = the file says nothing
    address: Address | None = None
    phones: tuple[Phone, ...] = ()
    email: str = ""
    contacts: tuple[Contact, ...] = ()
    attendance: tuple[YearData, ...] = ()

    def phone(self, kind: str) -> str:
        return next((p.number for p in self.phones if p.kind == kind), "")


@dataclass(frozen=True, slots=True)
class CtfFile:
    header: Header
    pupils: tuple[Pupil, ...] = field(default_factory=tuple)


def marks_string(start: dt.date, end: dt.date, marks: Mapping[tuple[dt.date, str], str]) -> str:
    """Every calendar day from `start` to `end`, AM then PM, one character per session;
    '-' where there is no mark (weekends, holidays, days before the pupil started)."""
    out = []
    day = start
    while day <= end:
        for session in ("AM", "PM"):
            code = marks.get((day, session), NO_MARK)
            out.append(ONE_CHAR.get(code, code)[:1] or NO_MARK)
        day += dt.timedelta(days=1)
    return "".join(out).rstrip(NO_MARK)
