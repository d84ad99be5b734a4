"""CSV import of pupils and marks, and export of marks. Imports no Qt.

Imports are all-or-nothing: every row is checked first and every problem is reported
(row and column) in one `ImportRejected`; only a clean file is written, in one
transaction. Mark changes go through `register_service` so amendments are recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    Mark,
    Pupil,
    PupilContact,
    PupilHome,
    SchoolClass,
    SettingChange,
    Staff,
)
from attendance_desktop.domain import codes, upn
from attendance_desktop.domain.calendar import academic_year_start, england_bank_holidays
from attendance_desktop.domain.codes import CodeError
from attendance_desktop.domain.policy import ALL_YEAR_GROUPS
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import CLI_ACTOR, Actor
from attendance_desktop.services import clock, office_files
from attendance_desktop.services.csv_safe import restore_cell, safe_row
from attendance_desktop.services.errors import (
    ImportRejected,
    MarkConflict,
    PermissionDenied,
    Problem,
    ServiceError,
)
from attendance_desktop.services.pupils import pupil_service
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.register import mark_import_writer, register_service
from attendance_desktop.services.school.calendar_service import read_calendar
from attendance_desktop.services.school.policy_service import read_policy
from attendance_desktop.services.write_lock import run_write

log = logging.getLogger(__name__)  # file names and counts only, never pupils' data

T = TypeVar("T")
R = TypeVar("R")
_CHUNK = 5000  # rows between progress reports and per executemany


def run_to_end(job: Generator[Progress, None, R]) -> R:
    """Run a job generator to the end (no progress shown) and return its result."""
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value
MARK_COLUMNS = ("upn", "date", "session", "code", "minutes_late", "comment")


# --- pupil fields and header matching ---------------------------------------------


@dataclass(frozen=True, slots=True)
class PupilField:
    """A pupil column the import understands, with the header spellings it accepts."""

    key: str
    label: str
    required: bool
    synonyms: tuple[str, ...] = ()


MAX_CONTACTS = 6  # "Contact 1 ..." to "Contact 6 ..." columns
CONTACT_PARTS = ("name", "relationship", "priority", "phone", "mobile", "work_phone", "email",
                 "address", "postcode", "parental_responsibility")
HOME_KEYS = ("home_address", "home_address2", "home_address3", "home_town", "home_county",
             "home_postcode")


def home_address_fields() -> list[PupilField]:
    """The pupil's own home address (kept as the CTF import keeps it, in PupilHome)."""
    return [
        PupilField("home_address", "Address", False,
                   ("Address", "Home address", "Pupil address", "Address line 1",
                    "Address 1", "Street", "Full address")),
        PupilField("home_address2", "Address line 2", False, ("Address line 2", "Address 2")),
        PupilField("home_address3", "Address line 3", False,
                   ("Address line 3", "Address 3", "Locality")),
        PupilField("home_town", "Town", False, ("Town", "Town or city", "City", "Post town")),
        PupilField("home_county", "County", False, ("County",)),
        PupilField("home_postcode", "Postcode", False,
                   ("Postcode", "Post code", "Home postcode", "Postal code", "Pupil postcode")),
    ]


def contact_fields(n: int) -> list[PupilField]:
    """The columns of the n-th contact (`Contact 2 name`, `Contact 2 mobile`, ...). The
    first contact also answers to the unnumbered spellings older files use."""
    c = f"Contact {n}"
    first = n == 1
    names = {
        "name": (f"{c} name", c, f"Priority {n} contact", f"{c} full name",
                 *(("Contact name", "Primary contact", "Parent name") if first else ())),
        "relationship": (f"{c} relationship", f"{c} relation",
                         *(("Contact relationship", "Relationship", "Parent relationship")
                           if first else ())),
        "priority": (f"{c} priority", f"{c} order", f"{c} contact priority"),
        "phone": (f"{c} phone", f"{c} telephone", f"{c} home phone", f"{c} home telephone",
                  *(("Contact phone", "Contact telephone", "Parent phone", "Phone",
                     "Telephone") if first else ())),
        "mobile": (f"{c} mobile", f"{c} mobile phone",
                   *(("Contact mobile", "Parent mobile", "Mobile") if first else ())),
        "work_phone": (f"{c} work phone", f"{c} work telephone"),
        "email": (f"{c} email", f"{c} email address",
                  *(("Contact email", "Parent email", "Email", "Email address")
                    if first else ())),
        "address": (f"{c} address", f"{c} home address"),
        "postcode": (f"{c} postcode", f"{c} post code"),
        "parental_responsibility": (f"{c} parental responsibility", f"{c} PR",
                                    f"{c} has parental responsibility"),
    }
    word = "First" if first else f"Contact {n}"
    return [PupilField(f"contact{n}_{part}",
                       f"{word} contact {part.replace('_', ' ')}" if first
                       else f"{word} {part.replace('_', ' ')}", False, names[part])
            for part in CONTACT_PARTS]


_FIRST_CONTACT_SHOWN = ("contact1_name", "contact1_relationship", "contact1_phone",
                        "contact1_email")
PUPIL_FIELDS: list[PupilField] = [
    PupilField("upn", "UPN", True, ("UPN", "Unique Pupil Number", "Pupil UPN")),
    PupilField("legal_forename", "Legal forename", True,
               ("Legal Forename", "Forename", "First name", "Firstname", "Given name",
                "Legal first name")),
    PupilField("legal_surname", "Legal surname", True,
               ("Legal Surname", "Surname", "Last name", "Lastname", "Family name",
                "Legal last name")),
    PupilField("preferred_forename", "Preferred forename", False,
               ("Preferred Forename", "Preferred first name", "Known as", "Preferred name")),
    PupilField("preferred_surname", "Preferred surname", False,
               ("Preferred Surname", "Preferred last name")),
    PupilField("dob", "Date of birth", True, ("DOB", "Date of birth", "Birth date",
                                             "Birthdate", "D.O.B.")),
    PupilField("year_group", "Year group", True,
               ("NC Year", "Year", "Year group", "NC year group", "Curriculum year",
                "National curriculum year", "Yr")),
    PupilField("class_name", "Class", False,
               ("Reg Group", "Class", "Registration group", "Reg group name", "Form",
                "Class name", "Tutor group")),
    PupilField("sex", "Sex", False, ("Sex", "Gender")),
    PupilField("admission_date", "Admission date", False,
               ("Admission date", "Date of admission", "Start date", "Entry date",
                "Admitted", "Date of entry")),
    PupilField("leaving_date", "Leaving date", False,
               ("Leaving date", "Date of leaving", "End date", "Left", "Date left")),
    PupilField("sen", "SEN", False, ("SEN", "SEN status", "SEN provision", "SEND",
                                     "SEND status")),
    PupilField("fsm", "FSM", False, ("FSM", "FSM eligible", "Free school meals",
                                     "FSM eligibility")),
    PupilField("pupil_premium", "Pupil premium", False, ("Pupil premium", "PP",
                                                         "Pupil premium eligible")),
    PupilField("looked_after", "Looked after", False,
               ("Looked after", "In care", "CLA", "LAC", "Looked after child")),
    PupilField("child_in_need", "Child in need", False, ("Child in need", "CIN")),
    PupilField("eal", "EAL", False, ("EAL", "English as an additional language",
                                     "First language not English")),
    PupilField("young_carer", "Young carer", False, ("Young carer",)),
    PupilField("ethnicity", "Ethnicity", False, ("Ethnicity", "Ethnic group",
                                                 "Ethnic origin")),
    *(f for f in home_address_fields() if f.key in ("home_address", "home_postcode")),
    *(f for f in contact_fields(1) if f.key in _FIRST_CONTACT_SHOWN),
]
# Matched from the headers but not offered one by one in the import screen's mapping (a
# file from a management system names them plainly: `Contact 3 mobile`, `Town`).
EXTRA_FIELDS: list[PupilField] = [
    *(f for f in home_address_fields() if f not in PUPIL_FIELDS),
    *(f for f in contact_fields(1) if f.key not in _FIRST_CONTACT_SHOWN),
    *(f for n in range(2, MAX_CONTACTS + 1) for f in contact_fields(n)),
]
ALL_FIELDS = PUPIL_FIELDS + EXTRA_FIELDS
FIELDS_BY_KEY = {f.key: f for f in ALL_FIELDS}
FLAG_KEYS = ("fsm", "pupil_premium", "looked_after", "child_in_need", "eal", "young_carer")


def normalise_header(text: str) -> str:
    """Case, spaces and punctuation do not matter: 'Date of Birth' == 'date_of_birth'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _spellings(f: PupilField) -> set[str]:
    return {normalise_header(s) for s in (f.key, f.label, *f.synonyms)}


def guess_mapping(headers: Sequence[str], fields: Sequence[PupilField] = ALL_FIELDS,
                  used: Iterable[str] = ()) -> dict[str, str]:
    """Field key -> the file header that matches it (each header used at most once)."""
    mapping: dict[str, str] = {}
    used = set(used)
    for f in fields:
        wanted = _spellings(f)
        for h in headers:
            if h not in used and normalise_header(h) in wanted:
                mapping[f.key] = h
                used.add(h)
                break
    return mapping


# --- results ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PupilRow:
    """One parsed data row. Values that could not be read are None (see problems)."""

    row: int  # file row, header = 1
    upn: str
    legal_forename: str
    legal_surname: str
    preferred_forename: str
    preferred_surname: str
    dob: dt.date | None
    year_group: str | None
    class_name: str
    sex: str | None
    admission_date: dt.date | None
    leaving_date: dt.date | None
    sen: str | None
    fsm: bool | None
    pupil_premium: bool | None
    looked_after: bool | None
    child_in_need: bool | None
    eal: bool | None
    young_carer: bool | None
    ethnicity: str
    contact1_name: str = ""
    contact1_relationship: str = ""
    contact1_phone: str = ""
    contact1_email: str = ""
    is_new: bool = True
    ok: bool = True  # no problem on this row
    contacts: tuple[ContactRow, ...] = ()  # every contact the row gives, in file order
    home_address: str = ""  # address lines joined with ", "
    home_postcode: str = ""


@dataclass(frozen=True, slots=True)
class ContactRow:
    """One contact of a pupil row (`Contact n ...` columns). Empty = not in the file."""

    number: int  # n in `Contact n`
    name: str
    relationship: str = ""
    priority: int | None = None
    phone: str = ""
    mobile: str = ""
    work_phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    parental_responsibility: bool | None = None


@dataclass(frozen=True, slots=True)
class PupilImportPreview:
    file: str
    headers: tuple[str, ...]
    mapping: dict[str, str]
    unmapped_headers: tuple[str, ...]
    rows: tuple[PupilRow, ...]
    problems: tuple[Problem, ...]
    new_count: int
    update_count: int
    warnings: tuple[Problem, ...] = ()  # shown, but the file imports (e.g. a temporary UPN)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class PupilImportResult:
    file: str
    new: int
    updated: int
    classes_created: tuple[str, ...] = ()
    demo_accounts_disabled: int = 0  # demo staff accounts switched off by this import
    warnings: tuple[Problem, ...] = ()

    def __str__(self) -> str:
        extra = (f", {len(self.classes_created)} new class"
                 f"{'es' if len(self.classes_created) != 1 else ''}"
                 if self.classes_created else "")
        if self.demo_accounts_disabled:
            extra += (f"; the {self.demo_accounts_disabled} demo staff accounts are disabled:"
                      " create the headteacher's account at the next sign-in")
        text = f"imported {self.file}: {self.new} new, {self.updated} updated{extra}"
        for w in self.warnings:
            text += f"\nwarning: {self.file}: {w}"
        return text


@dataclass(frozen=True, slots=True)
class MarkImportResult:
    file: str
    new: int
    changed: int
    unchanged: int

    def __str__(self) -> str:
        return (f"imported {self.file}: {self.new} new, {self.changed} changed, "
                f"{self.unchanged} unchanged")


@dataclass(frozen=True, slots=True)
class MarkExportResult:
    file: str
    exported: int
    skipped_pupils: int = 0  # pupils with marks in range but no UPN
    skipped_marks: int = 0
    pupils: int = 0  # pupils named in the file (for the access log)

    def __int__(self) -> int:
        return self.exported

    def __str__(self) -> str:
        text = f"exported {self.exported} marks to {self.file}"
        if self.skipped_pupils:
            text += (f"; {self.skipped_marks} marks of {self.skipped_pupils} pupil"
                     f"{'s' if self.skipped_pupils != 1 else ''} without a UPN were left out")
        return text


# --- reading files -------------------------------------------------------------


def _read_csv(source: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Headers and (row, cells) for each non-blank data row, whatever office software
    wrote the file (encodings, delimiters and oversize cells: services.office_files)."""
    table = office_files.read_table(source)
    # Our own exports guard formula-like cells with an apostrophe; undo it.
    return table.headers, [(n, [restore_cell(c) for c in cells]) for n, cells in table.rows]


def _show(value: str) -> str:
    """A cell value for a one-line message."""
    value = " ".join(value.split())
    return value if len(value) <= 40 else value[:37] + "..."


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")


def parse_date(text: str) -> dt.date:
    """ISO (2025-09-03) or UK day-first (03/09/2025, 3/9/2025). ValueError otherwise."""
    text = text.strip()
    if " " in text:  # Excel often appends 00:00:00
        head, tail = text.split(" ", 1)
        if re.fullmatch(r"0?0:00(:00)?", tail.strip()):
            text = head
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if fmt == "%d/%m/%y" and not re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", text):
            continue
        return day
    raise ValueError(f"'{_show(text)}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


_YEAR_WORDS = {"r": "R", "yr": "R", "rec": "R", "reception": "R", "0": "R", "y0": "R",
               "year0": "R", "recep": "R", "f": "R", "f2": "R", "fs2": "R",
               "n": "N", "n1": "N", "n2": "N", "nursery": "N", "fs1": "N", "f1": "N"}


def parse_year_group(text: str, allowed: Sequence[str] = ALL_YEAR_GROUPS) -> str:
    """N, R or 1-6 from the spellings management systems use; `allowed` is the school's
    range (policy.year_groups). A sign or a fraction is never read as a year ("-1" is not
    Year 1)."""
    if not re.fullmatch(r"[A-Za-z0-9 ]*", text.strip()):
        raise ValueError(f"'{_show(text)}' is not a year group (use N, R or Reception, "
                         "or 1 to 6)")
    norm = normalise_header(text)
    found = _YEAR_WORDS.get(norm)
    if found is None:
        m = re.fullmatch(r"(?:year|yr|y|ncyear|nc)?0?([1-9]\d?)", norm)
        if m and 1 <= int(m.group(1)) <= 6:
            found = m.group(1)
    if found is None:
        raise ValueError(f"'{_show(text)}' is not a primary year group "
                         "(use N, R or Reception, or 1 to 6)")
    if found not in allowed:
        shown = "Nursery" if found == "N" else "Reception" if found == "R" else f"Year {found}"
        raise ValueError(f"'{_show(text)}' ({shown}) is outside the school's year groups "
                         f"({', '.join(allowed)}; set in Settings)")
    return found


_SEX = {"f": "F", "female": "F", "girl": "F", "g": "F", "m": "M", "male": "M",
        "boy": "M", "b": "M", "x": "X", "other": "X", "u": "U", "unknown": "U",
        "notknown": "U", "notstated": "U"}


def parse_sex(text: str) -> str:
    norm = normalise_header(text)
    if not norm:
        return ""
    if norm in _SEX:
        return _SEX[norm]
    raise ValueError(f"'{_show(text)}' is not a sex the import understands (use F or M)")


_SEN = {"": "N", "n": "N", "no": "N", "none": "N", "nosen": "N", "0": "N", "false": "N",
        "k": "K", "sensupport": "K", "support": "K", "senk": "K", "a": "K", "p": "K",
        "e": "E", "ehcp": "E", "ehc": "E", "ehcplan": "E", "s": "E", "statement": "E",
        "statemented": "E", "educationhealthandcareplan": "E"}


def parse_sen(text: str) -> str:
    norm = normalise_header(text)
    if norm in _SEN:
        return _SEN[norm]
    raise ValueError(f"'{_show(text)}' is not an SEN status "
                     "(use N none, K SEN support or E EHC plan)")


_TRUE = {"y", "yes", "true", "t", "1", "x", "eligible"}
_FALSE = {"", "n", "no", "false", "f", "0", "noteligible", "none"}


def parse_flag(text: str) -> bool:
    norm = normalise_header(text)
    if norm in _TRUE:
        return True
    if norm in _FALSE:
        return False
    raise ValueError(f"'{_show(text)}' is not yes or no (use Y or N)")


def _age_on(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _expected_age(year_group: str) -> int:
    """Age on 31 August before the academic year (Reception 4, Year 1 5, ...)."""
    return {"N": 3, "R": 4}.get(year_group) or 4 + int(year_group)


# --- pupils ----------------------------------------------------------------------


def _default_admission(s: Session, today: dt.date) -> dt.date:
    from attendance_desktop.db.models import AcademicYear

    year = s.exec(select(AcademicYear).where(AcademicYear.start_date <= today,
                                             AcademicYear.end_date >= today)).first()
    return year.start_date if year is not None else today


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"[+0-9 ()\-]{6,20}")
# Longest text a cell may hold; longer is a row-and-column problem, never a database error.
MAX_TEXT = 200
MAX_LONG_TEXT = 500  # addresses and mark comments
_LONG_KEYS = {"home_address", *(f"contact{n}_address" for n in range(1, MAX_CONTACTS + 1))}
YEAR_AHEAD = dt.timedelta(days=366)  # an admission or leaving date further ahead is a typo


@dataclass(frozen=True, slots=True)
class _Existing:
    id: int
    admission: dt.date
    assumed: bool


def _preview(s: Session, source: Path, mapping: dict[str, str] | None,
             today: dt.date) -> PupilImportPreview:
    headers, raw_rows = _read_csv(source)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if mapping is None:
        mapping = guess_mapping(headers)
    else:
        mapping = {k: v for k, v in mapping.items() if v}
        for key, header in mapping.items():
            if key not in FIELDS_BY_KEY:
                problems.append(Problem(None, header, f"'{key}' is not a pupil field"))
            elif header not in headers:
                problems.append(Problem(None, header, "there is no such column in the file"))
        # The screen maps the main columns by hand; contacts 2 and on, a contact's other
        # phones and the address lines are still found by their headers.
        extra = guess_mapping(headers, EXTRA_FIELDS, used=mapping.values())
        mapping.update({k: v for k, v in extra.items() if k not in mapping})
    for f in PUPIL_FIELDS:
        if f.required and f.key not in mapping:
            hint = "', '".join(f.synonyms[:3])
            problems.append(Problem(None, f.label,
                                    f"no column for {f.label.lower()} "
                                    f"(expected a header like '{hint}')"))
    index = {h: i for i, h in enumerate(headers)}
    existing = {u: _Existing(pid, adm, assumed) for pid, u, adm, assumed in s.exec(
        select(Pupil.id, Pupil.upn, Pupil.admission_date, Pupil.admission_assumed)).all()
        if u and pid is not None}
    year_groups = read_policy(s).year_groups
    seen: dict[str, int] = {}
    rows: list[PupilRow] = []
    missing_required = {f.key for f in PUPIL_FIELDS if f.required and f.key not in mapping}
    for row_no, cells in raw_rows:
        row_problems: list[Problem] = []

        def cell(key: str, _cells: list[str] = cells) -> str:
            header = mapping.get(key)
            if header is None or header not in index:
                return ""
            i = index[header]
            return _cells[i].strip() if i < len(_cells) else ""

        def col(key: str) -> str:
            return mapping.get(key, FIELDS_BY_KEY[key].label)

        def bad(key: str, message: str, _rp: list[Problem] = row_problems,
                _row: int = row_no) -> None:
            _rp.append(Problem(_row, col(key), message))

        for f in PUPIL_FIELDS:
            if f.required and f.key not in missing_required and not cell(f.key):
                why = " (UPN is required for import)" if f.key == "upn" else ""
                bad(f.key, f"{f.label.lower()} is missing{why}")
        too_long: set[str] = set()
        for key in mapping:
            limit = MAX_LONG_TEXT if key in _LONG_KEYS else MAX_TEXT
            if key in FIELDS_BY_KEY and len(cell(key)) > limit:
                too_long.add(key)
                bad(key, f"the cell holds {len(cell(key))} characters; at most {limit} "
                         "are expected here")

        pupil_upn = upn.normalise(cell("upn")) if cell("upn") and "upn" not in too_long \
            else ""
        if pupil_upn:
            why = upn.problem(pupil_upn)
            if why:
                bad("upn", why)
            elif pupil_upn in seen:
                bad("upn", f"UPN {pupil_upn} is also on row {seen[pupil_upn]}")
            else:
                seen[pupil_upn] = row_no
                warnings.extend(Problem(row_no, col("upn"), w) for w in upn.warnings(pupil_upn))

        def parsed(key: str, fn: Callable[[str], T], default: T | None = None,
                   _skip: set[str] = too_long) -> T | None:
            text = cell(key)
            if not text or key in _skip:
                return default
            try:
                return fn(text)
            except ValueError as exc:
                bad(key, str(exc))
                return None

        dob = parsed("dob", parse_date)
        year_group = parsed("year_group", lambda x: parse_year_group(x, year_groups))
        sex = parsed("sex", parse_sex, "")
        admission = parsed("admission_date", parse_date)
        leaving = parsed("leaving_date", parse_date)
        sen = parsed("sen", parse_sen, "N")
        flags = {k: parsed(k, parse_flag, False) for k in FLAG_KEYS}
        contacts = _contact_rows(cell, bad, parsed)

        if dob is not None:
            ref = min(today, leaving) if leaving else today
            if dob > today:
                bad("dob", f"date of birth {dob:%d/%m/%Y} is in the future")
            else:
                age = _age_on(dob, ref)
                if age < 2 or age > 13:
                    bad("dob", f"date of birth {dob:%d/%m/%Y} makes the pupil {age}, "
                               "too young or too old for a primary school")
                elif year_group is not None:
                    sept = dt.date(academic_year_start(ref), 8, 31)
                    expected = _expected_age(year_group)
                    actual = _age_on(dob, sept)
                    if abs(actual - expected) > 2:
                        shown = "Reception" if year_group == "R" else (
                            "Nursery" if year_group == "N" else f"Year {year_group}")
                        bad("dob", f"date of birth {dob:%d/%m/%Y} does not fit {shown} "
                                   f"(the pupil was {actual} on {sept:%d/%m/%Y}, "
                                   f"not about {expected})")
        for key, day in (("admission_date", admission), ("leaving_date", leaving)):
            if day is not None and day > today + YEAR_AHEAD:
                bad(key, f"{FIELDS_BY_KEY[key].label.lower()} {day:%d/%m/%Y} is more than a "
                         "year ahead")
            elif day is not None and dob is not None and day < dob:
                bad(key, f"{FIELDS_BY_KEY[key].label.lower()} {day:%d/%m/%Y} is before the "
                         "date of birth")
        known = existing.get(pupil_upn)
        if admission and leaving and admission > leaving:
            bad("admission_date", f"admission date {admission:%d/%m/%Y} is after the "
                                  f"leaving date {leaving:%d/%m/%Y}")
        elif leaving and admission is None and known is not None \
                and known.admission > leaving and not known.assumed:
            bad("leaving_date", f"leaving date {leaving:%d/%m/%Y} is before the pupil's "
                                f"admission date {known.admission:%d/%m/%Y}")
        if known is not None and admission is not None and not row_problems:
            # A date given now must not leave marks already on record outside the roll.
            clash = pupil_service.marks_before(s, known.id, admission)
            if clash:
                bad("admission_date", pupil_service.marks_before_text(admission, clash))
        problems.extend(row_problems)
        first = next((c for c in contacts if c.number == 1), None)
        rows.append(PupilRow(
            row=row_no, upn=pupil_upn, legal_forename=cell("legal_forename"),
            legal_surname=cell("legal_surname"),
            preferred_forename=cell("preferred_forename"),
            preferred_surname=cell("preferred_surname"), dob=dob, year_group=year_group,
            class_name=cell("class_name"), sex=sex, admission_date=admission,
            leaving_date=leaving, sen=sen, ethnicity=cell("ethnicity"),
            contact1_name=first.name if first else "",
            contact1_relationship=first.relationship if first else "",
            contact1_phone=(first.phone or first.mobile) if first else "",
            contact1_email=first.email if first else "",
            is_new=pupil_upn not in existing, ok=not row_problems, **flags,
            contacts=tuple(contacts),
            home_address=", ".join(x for x in (cell(k) for k in HOME_KEYS[:-1]) if x),
            home_postcode=" ".join(cell("home_postcode").upper().split()),
        ))
    if not raw_rows and not problems:
        problems.append(Problem(None, "", "the file has a header row but no pupils"))
    used = set(mapping.values())
    new = sum(1 for r in rows if r.upn and r.is_new)
    return PupilImportPreview(
        file=source.name, headers=tuple(headers), mapping=dict(mapping),
        unmapped_headers=tuple(h for h in headers if h and h not in used),
        rows=tuple(rows), problems=tuple(problems), new_count=new,
        update_count=sum(1 for r in rows if r.upn and not r.is_new),
        warnings=tuple(warnings),
    )


def _contact_rows(cell: Callable[[str], str], bad: Callable[[str, str], None],
                  parsed: Callable[..., bool | None]) -> list[ContactRow]:
    """The contacts a row gives (`Contact n ...` columns), each field checked."""
    out = []
    for n in range(1, MAX_CONTACTS + 1):
        values = {part: cell(f"contact{n}_{part}") for part in CONTACT_PARTS}
        if not any(values.values()):
            continue

        def key(part: str, _n: int = n) -> str:
            return f"contact{_n}_{part}"

        if not values["name"]:
            bad(key("name"), f"contact {n} has details but no name")
            continue
        priority: int | None = None
        text = values["priority"]
        if text:
            if text.isascii() and text.isdigit() and 1 <= int(text) <= 99:
                priority = int(text)
            else:
                bad(key("priority"), f"priority must be a whole number from 1 to 99, not "
                                     f"'{_show(text)}'")
        for part in ("phone", "mobile", "work_phone"):
            if values[part] and not _PHONE.fullmatch(values[part]):
                bad(key(part), f"'{_show(values[part])}' is not a phone number")
        if values["email"] and not _EMAIL.fullmatch(values["email"]):
            bad(key("email"), f"'{_show(values['email'])}' is not an email address")
        responsible = parsed(key("parental_responsibility"), parse_flag)
        out.append(ContactRow(n, values["name"], values["relationship"], priority,
                              values["phone"], values["mobile"], values["work_phone"],
                              values["email"], values["address"],
                              " ".join(values["postcode"].upper().split()), responsible))
    return out


def preview_pupils(engine: Engine, source: Path, mapping: dict[str, str] | None = None,
                   today: dt.date | None = None) -> PupilImportPreview:
    """Read and check a pupil file without saving anything."""
    with session_scope(engine) as s:
        return _preview(s, Path(source), mapping, today or dt.date.today())


def _split_name(name: str) -> tuple[str, str, str]:
    parts = name.split()
    title = ""
    if len(parts) > 1 and parts[0].rstrip(".").lower() in ("mr", "mrs", "ms", "miss", "dr",
                                                           "mx", "prof"):
        title = parts.pop(0)
    if len(parts) == 1:
        return title, "", parts[0]
    return title, " ".join(parts[:-1]), parts[-1]


def import_pupils_job(engine: Engine, source: Path, actor: Actor | None = None,
                      mapping: dict[str, str] | None = None, today: dt.date | None = None,
                      token: CancelToken | None = None,
                      ) -> Generator[Progress, None, PupilImportResult]:
    """import_pupils as a job for a worker thread (a school's file takes well under a
    second, so it reports once and can be cancelled only before it starts)."""
    token = token or CancelToken()
    yield Progress(0, 1, f"Importing pupils from {Path(source).name}")
    token.check()
    return import_pupils(engine, source, actor, mapping, today)


def import_pupils(engine: Engine, source: Path, actor: Actor | None = None,
                  mapping: dict[str, str] | None = None,
                  today: dt.date | None = None) -> PupilImportResult:
    """Add new pupils and update existing ones (matched by UPN), all or nothing.
    Without `actor` (the command line) the operating-system account is recorded."""
    actor = actor or audit_service.command_line_actor()
    if not actor.can_edit_pupils:
        raise PermissionDenied(f"{actor.role.label} users cannot import pupils")
    source = Path(source)
    today = today or dt.date.today()
    with session_scope(engine) as s:
        preview = _preview(s, source, mapping, today)
        if preview.problems:
            log.info("pupil import %s refused: %d problems", source.name,
                     len(preview.problems))
            raise ImportRejected(source.name, list(preview.problems))
        mapped = set(preview.mapping)
        classes = {c.name.casefold(): c for c in s.exec(select(SchoolClass))}
        created: list[str] = []
        next_order = 1 + max((c.sort_order for c in classes.values()), default=0)
        by_upn = {p.upn: p for p in s.exec(select(Pupil).where(
            Pupil.upn.in_([r.upn for r in preview.rows])))}  # type: ignore[union-attr]
        default_admission = _default_admission(s, today)
        new = updated = 0
        for r in preview.rows:
            class_id: int | None = None
            if r.class_name:
                found = classes.get(r.class_name.casefold())
                if found is None:
                    found = SchoolClass(name=r.class_name, sort_order=next_order)
                    next_order += 1
                    s.add(found)
                    s.flush()
                    classes[r.class_name.casefold()] = found
                    created.append(r.class_name)
                class_id = found.id
            pupil = by_upn.get(r.upn)
            if pupil is None:
                # No admission date in the file: on roll from the start of this academic
                # year for now, and flagged so that a mark import of earlier history
                # moves it back to the first imported mark (see _check_marks).
                assumed = min(default_admission, r.leaving_date or default_admission)
                pupil = Pupil(upn=r.upn, legal_forename=r.legal_forename,
                              legal_surname=r.legal_surname, dob=r.dob,
                              year_group=r.year_group,
                              admission_date=r.admission_date or assumed,
                              admission_assumed=r.admission_date is None)
                new += 1
                before: dict[str, object] = {}
            else:
                updated += 1
                before = audit_service.pupil_values(pupil)
            values = {
                "legal_forename": r.legal_forename, "legal_surname": r.legal_surname,
                "preferred_forename": r.preferred_forename,
                "preferred_surname": r.preferred_surname, "dob": r.dob,
                "year_group": r.year_group, "class_id": class_id, "sex": r.sex,
                "leaving_date": r.leaving_date, "sen": r.sen, "ethnicity": r.ethnicity,
                **{k: getattr(r, k) for k in FLAG_KEYS},
            }
            if "class_name" in mapped and not r.class_name:
                values["class_id"] = None
            for key, value in values.items():
                if key == "class_id" and "class_name" not in mapped:
                    continue
                if key in FIELDS_BY_KEY and key not in mapped:
                    continue
                setattr(pupil, key, value)
            if r.admission_date is not None:
                pupil.admission_date = r.admission_date
                pupil.admission_assumed = False
            elif pupil.admission_assumed and r.leaving_date is not None:
                pupil.admission_date = min(pupil.admission_date, r.leaving_date)
            s.add(pupil)
            s.flush()
            assert pupil.id is not None
            if not before:
                audit_service.record_pupil_change(s, actor, pupil.id, "record", "", "added",
                                                  source="import")
            audit_service.record_pupil_fields(s, actor, pupil.id, before,
                                              audit_service.pupil_values(pupil),
                                              source="import")
            if r.contacts or r.home_address or r.home_postcode:
                _save_home(s, pupil.id, r)
                _save_contacts(s, actor, pupil.id, r.contacts)
        disabled = _retire_demo_staff(s, actor) if new else 0
        s.add(SettingChange(
            area="pupils", key=f"import {source.name}",
            new_value=f"{new} new, {updated} updated"
                      + (f", classes created: {', '.join(created)}" if created else "")
                      + (f"; {len(preview.warnings)} warnings" if preview.warnings else ""),
            staff_name=actor.name, staff_role=actor.role.value))
        result = PupilImportResult(source.name, new, updated, tuple(created),
                                   demo_accounts_disabled=disabled,
                                   warnings=preview.warnings)
    log.info("pupil import %s by %s: %d new, %d updated, %d warnings", source.name,
             actor.role.value, new, updated, len(preview.warnings))
    return result


def _retire_demo_staff(s: Session, actor: Actor) -> int:
    """Real pupils now live here: the demo accounts, whose PINs are published, stop
    working. The headteacher's own account is then created at the next sign-in."""
    rows = list(s.exec(select(Staff).where(Staff.is_demo, Staff.active)))
    for row in rows:
        row.active = False
        s.add(row)
        s.add(SettingChange(area="staff", key=f"staff {row.name}", old_value="active",
                            new_value="disabled (demo account; real pupils imported)",
                            staff_name=actor.name, staff_role=actor.role.value))
    return len(rows)


_CONTACT_FIELDS = ("title", "forename", "surname", "phone_mobile", "phone_home", "phone_work",
                   "email", "address", "postcode")


def _save_home(s: Session, pupil_id: int, r: PupilRow) -> None:
    """The pupil's home address, where the CTF import keeps it (a blank never wipes one)."""
    if not (r.home_address or r.home_postcode):
        return
    home = s.get(PupilHome, pupil_id) or PupilHome(pupil_id=pupil_id)
    if r.home_address:
        home.address = r.home_address
    if r.home_postcode:
        home.postcode = r.home_postcode
    s.add(home)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _is_mobile(phone: str) -> bool:
    digits = re.sub(r"\D", "", phone)
    return digits.startswith(("07", "447"))


def _save_contacts(s: Session, actor: Actor, pupil_id: int,
                   contacts: Sequence[ContactRow]) -> None:
    """Add or update the file's contacts and put them first, in the file's order.

    A contact is the same person as one already linked to the pupil when the forename and
    surname match (a title may change); otherwise a sibling's contact with that name and a
    phone or email in common is linked (families share contacts); otherwise a new contact
    is made. Values the file leaves blank never wipe out what is held. Contacts held but
    not in the file are kept (call logs name them), after the file's.
    """
    links = list(s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id)
                        .order_by(col(PupilContact.priority), col(PupilContact.id))))
    held = {ln.contact_id: s.get(Contact, ln.contact_id) for ln in links}
    by_contact = {ln.contact_id: ln for ln in links}
    placed: list[PupilContact] = []
    for c in sorted(contacts, key=lambda c: (c.priority or c.number, c.number)):
        title, forename, surname = _split_name(c.name)
        name_key = (_fold(forename), _fold(surname))
        contact = next((x for x in held.values() if x is not None
                        and (_fold(x.forename), _fold(x.surname)) == name_key), None)
        if contact is None:
            contact = _sibling_contact(s, name_key, c)
        if contact is None:
            contact = Contact(surname=surname)
        was = {k: getattr(contact, k) for k in _CONTACT_FIELDS} if contact.id else {}
        contact.forename, contact.surname = forename, surname
        if title:
            contact.title = title
        if c.phone:
            if _is_mobile(c.phone) and not c.mobile:
                contact.phone_mobile = c.phone
            else:
                contact.phone_home = c.phone
        for attr, value in (("phone_mobile", c.mobile), ("phone_work", c.work_phone),
                            ("email", c.email), ("address", c.address),
                            ("postcode", c.postcode)):
            if value:
                setattr(contact, attr, value)
        s.add(contact)
        s.flush()
        assert contact.id is not None
        link = by_contact.get(contact.id)
        if link is None:
            audit_service.record_pupil_change(s, actor, pupil_id, "contact added", "",
                                              c.name, source="import", contact_id=contact.id)
        for key, old_value in was.items():
            if getattr(contact, key) != old_value:
                audit_service.record_pupil_change(
                    s, actor, pupil_id, f"contact {key}", old_value or "",
                    getattr(contact, key) or "", source="import", contact_id=contact.id)
        if link is None:
            link = PupilContact(pupil_id=pupil_id, contact_id=contact.id)
            by_contact[contact.id] = link
            held[contact.id] = contact
        if c.relationship:
            link.relationship = c.relationship
        if c.parental_responsibility is not None:
            link.parental_responsibility = c.parental_responsibility
        if all(link is not x for x in placed):
            placed.append(link)
    order = placed + [ln for ln in links if all(ln is not x for x in placed)]
    for n, ln in enumerate(order, start=1):
        ln.priority = n
        s.add(ln)


def _sibling_contact(s: Session, name_key: tuple[str, str], c: ContactRow) -> Contact | None:
    wanted = {re.sub(r"\D", "", x) for x in (c.phone, c.mobile, c.work_phone) if x}
    email = c.email.casefold()
    for other in s.exec(select(Contact).where(
            func.lower(Contact.surname) == name_key[1])):  # type: ignore[arg-type]
        if _fold(other.forename) != name_key[0]:
            continue
        phones = {re.sub(r"\D", "", x) for x in (other.phone_mobile, other.phone_home,
                                                 other.phone_work) if x}
        if (wanted & phones) or (email and other.email.casefold() == email):
            return other
    return None


# --- marks -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _MarkInput:
    pupil_id: int
    day: dt.date
    session: str
    code: str
    minutes_late: int | None = None
    comment: str = ""


def _stored_minutes_late(found: codes.AttendanceCode, minutes: int | None) -> int | None:
    # Same rule as the register path: minutes are kept only on late codes.
    if minutes is not None and (minutes < 0 or not found.is_late):
        return None if not found.is_late else max(0, minutes)
    return minutes


@dataclass
class _Plan:
    """What an import would change, worked out without the write lock."""

    changes: list[register_service.MarkChange] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    closed_changed: int = 0  # existing marks in registers that have closed


def _plan(s: Session, marks: Sequence[_MarkInput], now: dt.datetime) -> _Plan:
    """Compare the file with the register as it is now (a plain read, no lock): identical
    marks drop out; the rest carry the mark seen now as `seen_code`, so a cell someone
    changes before the write is a conflict, never overwritten unseen."""
    plan = _Plan()
    if not marks:
        return plan
    m = Mark.__table__.c  # type: ignore[attr-defined]
    ids = sorted({x.pupil_id for x in marks})
    first, last = min(x.day for x in marks), max(x.day for x in marks)
    current: dict[tuple[int, dt.date, str], tuple[str, int | None, str]] = {}
    conn = s.connection()
    for i in range(0, len(ids), 500):
        q = sa_select(m.pupil_id, m.date, m.session, m.code, m.minutes_late, m.comment).where(
            m.pupil_id.in_(ids[i:i + 500]), m.date >= first, m.date <= last)
        for r in conn.execute(q):
            current[(r.pupil_id, r.date, r.session)] = (r.code, r.minutes_late, r.comment)
    policy = read_policy(s)
    closed: dict[tuple[dt.date, str], bool] = {}
    for x in marks:
        found = codes.CODES[x.code]
        minutes = _stored_minutes_late(found, x.minutes_late)
        old = current.get((x.pupil_id, x.day, x.session))
        if old == (found.code, minutes, x.comment):
            plan.unchanged += 1
            continue
        if old is None:
            plan.new += 1
        else:
            plan.changed += 1
            slot = (x.day, x.session)
            if slot not in closed:
                closed[slot] = register_service.register_closed(policy, x.day, x.session, now)
            plan.closed_changed += closed[slot]
        plan.changes.append(register_service.MarkChange(
            x.pupil_id, x.day, x.session, found.code, minutes, x.comment,
            seen_code=old[0] if old else ""))
    return plan


@dataclass(frozen=True, slots=True)
class _PupilRoll:
    id: int
    admission: dt.date
    leaving: dt.date | None
    dob: dt.date
    assumed: bool  # admission date not given: the imported history sets it


@dataclass
class _MarkCheck:
    marks: list[_MarkInput] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # pupils whose assumed admission date moves back to their first imported mark
    admissions: dict[int, dt.date] = field(default_factory=dict)


MAX_MINUTES_LATE = 720  # a whole school day; more is a typo or a spreadsheet's overflow


class _Calendar:
    """Which days and sessions may carry an imported mark: never a weekend; in an academic
    year the school has term dates for (1 August to 31 August next), only a half-term day,
    and on a closure only the closure's own code; before the school's term dates were
    entered here, never an England bank holiday except with '#'. Nothing more than
    `future_days` after today."""

    def __init__(self, s: Session, today: dt.date, future_days: int) -> None:
        from attendance_desktop.db.models import AcademicYear, Closure

        self.calendar = read_calendar(s)
        self.today = today
        self.last = today + dt.timedelta(days=future_days)
        self.future_days = future_days
        self.covered = [(dt.date(academic_year_start(y.start_date), 8, 1),
                         dt.date(academic_year_start(y.start_date) + 1, 8, 31))
                        for y in s.exec(select(AcademicYear))]
        self.closures: dict[tuple[dt.date, str], tuple[str, str]] = {}
        for c in s.exec(select(Closure)):
            what = c.description or c.kind.replace("_", " ")
            for ss in (("AM", "PM") if c.session == "DAY" else (c.session,)):
                self.closures[(c.date, ss)] = (c.code, what)
        self._holidays: dict[int, dict[dt.date, str]] = {}

    def _bank_holiday(self, day: dt.date) -> str:
        if day.year not in self._holidays:
            self._holidays[day.year] = england_bank_holidays(dt.date(day.year, 1, 1),
                                                             dt.date(day.year, 12, 31))
        return self._holidays[day.year].get(day, "")

    def day_problem(self, day: dt.date, session: str) -> tuple[str, str]:
        """(problem, the only code allowed): ('', '') when any code may go here."""
        if day > self.last:
            return (f"{day:%d/%m/%Y} is more than {self.future_days} days ahead (the "
                    "furthest an imported mark may be; Settings: import future days)", "")
        if day.weekday() >= 5:
            return f"{day:%A %d/%m/%Y} is a weekend day, not a school session", ""
        if any(a <= day <= b for a, b in self.covered):
            if not self.calendar.in_term(day):
                return (f"{day:%A %d/%m/%Y} is in a holiday in the school's term dates, "
                        "not a school session"), ""
            closure = self.closures.get((day, session))
            if closure is not None:
                return (f"the school was closed on {day:%d/%m/%Y} {session} "
                        f"({closure[1]})"), closure[0]
            return "", ""
        holiday = self._bank_holiday(day)
        if holiday:
            return f"{day:%A %d/%m/%Y} is a bank holiday ({holiday})", "#"
        return "", ""


def _check_marks(s: Session, source: Path,
                 token: CancelToken) -> Generator[Progress, None, _MarkCheck]:
    headers, raw_rows = _read_csv(source)
    total = 2 * len(raw_rows)
    out = _MarkCheck()
    index: dict[str, int] = {}
    for i, h in enumerate(headers):
        key = normalise_header(h)
        key = {"minuteslate": "minutes_late", "ampm": "session"}.get(key, key)
        if key in MARK_COLUMNS and key not in index:
            index[key] = i
    for col_name in ("upn", "date", "session", "code"):
        if col_name not in index:
            out.problems.append(Problem(None, col_name, f"the file has no '{col_name}' "
                                        f"column (expected {','.join(MARK_COLUMNS)})"))
    if out.problems:
        return out
    names = {k: headers[i] for k, i in index.items()}
    roll = {u: _PupilRoll(pid, adm, left, dob, assumed)
            for pid, u, adm, left, dob, assumed in s.exec(
                select(Pupil.id, Pupil.upn, Pupil.admission_date, Pupil.leaving_date,
                       Pupil.dob, Pupil.admission_assumed)).all() if u}
    today = clock.now(s).date()
    days_ok = _Calendar(s, today, read_policy(s).import_future_days)
    seen: dict[tuple[str, dt.date, str], int] = {}
    # A year's file repeats ~200 UPNs, ~380 dates and a few codes: parse each once.
    upns: dict[str, str] = {}
    days: dict[str, dt.date | str] = {}  # text -> date, or the problem message
    valid: dict[tuple[str, dt.date], codes.AttendanceCode | str] = {}
    slots: dict[tuple[dt.date, str], tuple[str, str]] = {}
    width = len(headers)
    i_upn, i_date, i_session, i_code = (index[k] for k in ("upn", "date", "session", "code"))
    i_minutes, i_comment = index.get("minutes_late"), index.get("comment")
    problems = out.problems
    # Rows that passed every other check, for the on-roll check once each pupil's first
    # imported mark is known: (row, pupil, day, found, upn).
    pending: list[tuple[int, _PupilRoll, dt.date, codes.AttendanceCode, str]] = []
    candidates: list[_MarkInput] = []
    for n, (row_no, cells) in enumerate(raw_rows):
        if n % _CHUNK == 0:
            token.check()
            yield Progress(n, total, f"Checking row {n + 1} of {len(raw_rows)}")
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))

        def bad(key: str, message: str, _row: int = row_no) -> None:
            problems.append(Problem(_row, names.get(key, key), message))

        before = len(problems)
        raw_upn = cells[i_upn].strip()
        pupil_upn = upns.get(raw_upn)
        if pupil_upn is None:
            pupil_upn = upns[raw_upn] = upn.normalise(raw_upn)
        pupil = roll.get(pupil_upn)
        if not pupil_upn:
            bad("upn", "UPN is missing")
        elif pupil is None:
            bad("upn", f"no pupil has the UPN {_show(pupil_upn)}")
        day: dt.date | None = None
        date_text = cells[i_date].strip()
        if not date_text:
            bad("date", "date is missing")
        else:
            parsed_day = days.get(date_text)
            if parsed_day is None:
                try:
                    parsed_day = parse_date(date_text)
                except ValueError as exc:
                    parsed_day = str(exc)
                days[date_text] = parsed_day
            if isinstance(parsed_day, str):
                bad("date", parsed_day)
            else:
                day = parsed_day
        session = cells[i_session].strip().upper()
        if session not in ("AM", "PM"):
            bad("session", f"session must be AM or PM, not '{_show(cells[i_session])}'")
        only_code = ""
        if day is not None and session in ("AM", "PM"):
            slot = slots.get((day, session))
            if slot is None:
                slot = slots[(day, session)] = days_ok.day_problem(day, session)
            why, only_code = slot
            if why and not only_code:
                bad("date", why)
        comment = cells[i_comment].strip() if i_comment is not None else ""
        if len(comment) > MAX_LONG_TEXT:
            bad("comment", f"the comment is {len(comment)} characters long; at most "
                           f"{MAX_LONG_TEXT}")
        minutes: int | None = None
        text = cells[i_minutes].strip() if i_minutes is not None else ""
        if text:
            # Checked as text first: '9' * 30 must not reach the database as a number.
            if text.isascii() and text.isdigit() and len(text) <= 4 \
                    and int(text) <= MAX_MINUTES_LATE:
                minutes = int(text)
            else:
                bad("minutes_late", f"minutes late must be a whole number from 0 to "
                                    f"{MAX_MINUTES_LATE}, not '{_show(text)}'")
        code_text = cells[i_code].strip()
        found: codes.AttendanceCode | None = None
        if not code_text:
            bad("code", "code is missing")
        elif day is not None:
            checked = valid.get((code_text, day))
            if checked is None:
                try:
                    checked = codes.validate(code_text, day)
                except CodeError as exc:
                    checked = str(exc)
                valid[(code_text, day)] = checked
            if isinstance(checked, str):
                bad("code", checked)
            else:
                found = checked
                try:
                    codes.check_note(found, comment)
                except CodeError as exc:
                    bad("comment", str(exc))
                if only_code and found.code != only_code:
                    bad("date", f"{slots[(day, session)][0]}: only {only_code} may be "
                                f"recorded, not {found.code}")
        if pupil_upn and day is not None and session in ("AM", "PM"):
            key = (pupil_upn, day, session)
            if key in seen:
                bad("session", f"{pupil_upn} {day:%d/%m/%Y} {session} is also on row "
                               f"{seen[key]}")
            else:
                seen[key] = row_no
        if len(problems) == before and pupil is not None and day is not None \
                and found is not None:
            pending.append((row_no, pupil, day, found, pupil_upn))
            candidates.append(_MarkInput(pupil.id, day, session, found.code, minutes, comment))
    # A pupil whose admission date was never given is on roll for the history imported:
    # the admission moves back to the first mark of the file (a Z mark is for before
    # admission, so it does not count).
    for _, pupil, day, found, _ in pending:
        if pupil.assumed and found.code != "Z" and day < out.admissions.get(
                pupil.id, pupil.admission):
            out.admissions[pupil.id] = day
    for (row_no, pupil, day, found, pupil_upn), mark in zip(pending, candidates, strict=True):
        admitted = out.admissions.get(pupil.id, pupil.admission)
        problem = register_service.code_problem(found, day, pupil.dob, admitted,
                                                pupil.leaving, "import")
        if "not on roll" in problem:
            left = f", left {pupil.leaving:%d/%m/%Y}" if pupil.leaving else ""
            problems.append(Problem(row_no, names["date"], (
                f"pupil {pupil_upn} was not on roll on {day:%d/%m/%Y} "
                f"(admitted {admitted:%d/%m/%Y}{left})")))
        elif problem:
            problems.append(Problem(row_no, names["code"], problem))
        else:
            out.marks.append(mark)
    problems.sort(key=lambda p: p.row or 0)  # stable: a row's problems keep their order
    if not raw_rows:
        out.problems.append(Problem(None, "", "the file has a header row but no marks"))
    return out


def _move_assumed_admissions(s: Session, admissions: dict[int, dt.date]) -> int:
    """Before the marks are written (same transaction): pupils imported without an
    admission date are on roll from their first imported mark. Only a date still assumed
    moves, and only earlier."""
    moved = 0
    for pupil_id, day in admissions.items():
        pupil = s.get(Pupil, pupil_id)
        if pupil is not None and pupil.admission_assumed and day < pupil.admission_date:
            pupil.admission_date = day
            s.add(pupil)
            moved += 1
    s.flush()
    return moved


def import_marks(engine: Engine, source: Path, actor: Actor = CLI_ACTOR,
                 reason: str = "") -> MarkImportResult:
    """Import register marks, all or nothing; changed marks leave an amendment."""
    return run_to_end(import_marks_job(engine, source, actor, reason=reason))


def import_marks_job(engine: Engine, source: Path, actor: Actor = CLI_ACTOR,
                     token: CancelToken | None = None, *, reason: str = "",
                     ) -> Generator[Progress, None, MarkImportResult]:
    """import_marks as a job for a worker thread: yields Progress, and Cancel (or any
    problem) leaves the database exactly as it was.

    Everything is checked first without the write lock (the file, codes, pupils, and the
    marks on record), so other writers (the kiosk) are not kept waiting; the new and
    changed marks are then written in one short transaction through the register path.
    Changing marks in registers that have closed needs `reason`. A cell someone changes
    during the check is not overwritten: the import is planned again once, then refused.
    """
    if not (actor.can_write_register and actor.can_amend):
        raise PermissionDenied(f"{actor.role.label} users cannot import marks")
    source = Path(source)
    token = token or CancelToken()
    with session_scope(engine) as s:
        checked = yield from _check_marks(s, source, token)
    if checked.problems:
        log.info("mark import %s refused: %d problems", source.name, len(checked.problems))
        raise ImportRejected(source.name, checked.problems)
    n = len(checked.marks)
    reason = reason.strip()
    for attempt in range(2):
        token.check()
        yield Progress(n, 2 * n, "Comparing with the register")
        with session_scope(engine) as s:
            plan = _plan(s, checked.marks, clock.now(s))
        if plan.closed_changed and not reason:
            raise ServiceError(
                f"{source.name} would change {plan.closed_changed} marks in registers that"
                " have closed; give the reason for the amendments (--reason)")
        why = f"Imported from {source.name}" + (f": {reason}" if reason else "")
        moved: list[int] = []

        def before(s: Session, moved: list[int] = moved) -> None:
            moved.append(_move_assumed_admissions(s, checked.admissions))

        def after(s: Session, done: register_service.BulkResult, plan: _Plan = plan,
                  moved: list[int] = moved) -> MarkImportResult:
            # What the write did (a cell set to the file's value meanwhile is unchanged).
            got = MarkImportResult(source.name, done.new, done.written - done.new,
                                   plan.unchanged + done.unchanged)
            s.add(SettingChange(
                area="marks", key=f"import {source.name}", changed_at=clock.now(s),
                new_value=(f"{got.new} new, {got.changed} changed, {got.unchanged}"
                           f" unchanged" + (f"; reason: {reason}" if reason else "")
                           + (f"; admission dates not given set from the history for "
                              f"{moved[-1]} pupils" if moved[-1] else "")),
                staff_name=actor.name, staff_role=actor.role.value))
            return got

        def locked(s: Session, plan: _Plan = plan, why: str = why) -> MarkImportResult:
            before(s)
            return after(s, register_service.apply_changes(s, actor, plan.changes,
                                                           source="import", reason=why))

        try:
            if not plan.changes:
                result = MarkImportResult(source.name, 0, 0, plan.unchanged)
            elif not mark_import_writer.usable(engine):
                token.check()
                yield Progress(n + plan.unchanged, 2 * n, "Saving marks")
                token.check()  # the last moment Cancel can stop it: one transaction
                result = run_write(engine, locked)
            else:
                # Decided and staged before the write lock; the lock is held only for
                # the checks that nothing moved and the INSERT ... SELECT (see the module).
                with mark_import_writer.staging(engine) as conn:
                    yield Progress(n + plan.unchanged // 2, 2 * n, "Preparing marks")
                    prepared = mark_import_writer.prepare(conn, actor, plan.changes, why,
                                                          checked.admissions)
                    token.check()
                    yield Progress(n + plan.unchanged, 2 * n, "Saving marks")
                    token.check()  # the last moment Cancel can stop it: one transaction
                    result = mark_import_writer.write(conn, prepared, actor, plan.changes,
                                                      why, before, after)
            break
        except MarkConflict:
            if attempt:
                raise
    log.info("mark import %s by %s: %d new, %d changed, %d unchanged", source.name,
             actor.role.value, result.new, result.changed, result.unchanged)
    # No yield after the commit: a Cancel pressed now must not report a saved import
    # as cancelled.
    return result


def export_marks(engine: Engine, dest: Path, start: dt.date | None = None,
                 end: dt.date | None = None) -> MarkExportResult:
    """Write marks to CSV; see export_marks_job."""
    return run_to_end(export_marks_job(engine, dest, start, end))


def export_marks_job(engine: Engine, dest: Path, start: dt.date | None = None,
                     end: dt.date | None = None, token: CancelToken | None = None,
                     ) -> Generator[Progress, None, MarkExportResult]:
    """Write marks as upn,date,session,code,minutes_late,comment ordered by date, session, UPN.

    Pupils without a UPN cannot be matched on re-import, so their marks are left out
    and counted in the result.
    """
    if start and end and start > end:
        raise ServiceError(f"the start date {start} is after the end date {end}")
    dest = Path(dest)
    m = Mark.__table__.c  # type: ignore[attr-defined]
    p = Pupil.__table__.c  # type: ignore[attr-defined]
    where = []
    if start:
        where.append(m.date >= start)
    if end:
        where.append(m.date <= end)
    q = (sa_select(p.upn, m.pupil_id, m.date, m.session, m.code, m.minutes_late, m.comment)
         .select_from(Mark.__table__.join(Pupil.__table__, p.id == m.pupil_id))
         .where(*where).order_by(m.date, m.session, p.upn))
    token = token or CancelToken()
    exported = skipped = 0
    no_upn: set[int] = set()
    pupils_out: set[int] = set()
    # Written to a temporary file renamed at the end, so a Cancel or an error never
    # leaves half a file (or spoils an older export of the same name).
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        with engine.connect() as conn, _open_for_writing(partial, dest) as fh:
            total = conn.execute(sa_select(func.count()).select_from(Mark.__table__)
                                 .where(*where)).scalar_one()
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(MARK_COLUMNS)
            for n, row in enumerate(conn.execute(q)):
                if n % _CHUNK == 0:
                    token.check()
                    yield Progress(n, total, f"Writing mark {n + 1} of {total}")
                if not row.upn:
                    skipped += 1
                    no_upn.add(row.pupil_id)
                    continue
                # A comment like "-2+3" or "=HYPERLINK(...)" must not run in a spreadsheet;
                # import_marks takes the guarding apostrophe off again.
                writer.writerow(safe_row([
                    row.upn, row.date.isoformat(), row.session, row.code,
                    "" if row.minutes_late is None else row.minutes_late, row.comment or ""]))
                exported += 1
                pupils_out.add(row.pupil_id)
        token.check()
        partial.replace(dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return MarkExportResult(dest.name, exported, len(no_upn), skipped, len(pupils_out))


def _open_for_writing(path: Path, shown: Path) -> io.TextIOWrapper:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ServiceError(f"cannot write {shown}: {exc.strerror or exc}") from None


def problems_text(problems: Iterable[Problem]) -> str:
    """Every problem on its own line, for a dialog or a log."""
    return "\n".join(str(p) for p in problems)
