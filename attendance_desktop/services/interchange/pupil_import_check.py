"""A pupil file checked before anything is written: each row read, every problem found."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil
from attendance_desktop.domain import upn
from attendance_desktop.domain.calendar import academic_year_start
from attendance_desktop.services import clock
from attendance_desktop.services.errors import Problem
from attendance_desktop.services.interchange.import_service import (
    parse_date,
    parse_flag,
    parse_sen,
    parse_sex,
    parse_year_group,
    read_csv,
    shown_cell,
)
from attendance_desktop.services.interchange.pupil_fields import (
    CONTACT_PARTS,
    EXTRA_FIELDS,
    FIELDS_BY_KEY,
    FLAG_KEYS,
    HOME_KEYS,
    MAX_CONTACTS,
    PUPIL_FIELDS,
    guess_mapping,
)
from attendance_desktop.services.pupils import pupil_service
from attendance_desktop.services.school.policy_service import read_policy

T = TypeVar("T")

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


def _age_on(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _expected_age(year_group: str) -> int:
    """Age on 31 August before the academic year (Reception 4, Year 1 5, ...)."""
    return {"N": 3, "R": 4}.get(year_group) or 4 + int(year_group)


# --- pupils ----------------------------------------------------------------------


def default_admission_date(s: Session, today: dt.date) -> dt.date:
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


def check_pupil_file(s: Session, source: Path, mapping: dict[str, str] | None,
             today: dt.date) -> PupilImportPreview:
    headers, raw_rows = read_csv(source)
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
        select(col(Pupil.id), col(Pupil.upn), col(Pupil.admission_date),
               col(Pupil.admission_assumed))).all()
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

        def column(key: str) -> str:
            return mapping.get(key, FIELDS_BY_KEY[key].label)

        def bad(key: str, message: str, _rp: list[Problem] = row_problems,
                _row: int = row_no) -> None:
            _rp.append(Problem(_row, column(key), message))

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
            upn_problem = upn.problem(pupil_upn)
            if upn_problem:
                bad("upn", upn_problem)
            elif pupil_upn in seen:
                bad("upn", f"UPN {pupil_upn} is also on row {seen[pupil_upn]}")
            else:
                seen[pupil_upn] = row_no
                warnings.extend(Problem(row_no, column("upn"), w) for w in upn.warnings(pupil_upn))

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
                                     f"'{shown_cell(text)}'")
        for part in ("phone", "mobile", "work_phone"):
            if values[part] and not _PHONE.fullmatch(values[part]):
                bad(key(part), f"'{shown_cell(values[part])}' is not a phone number")
        if values["email"] and not _EMAIL.fullmatch(values["email"]):
            bad(key("email"), f"'{shown_cell(values['email'])}' is not an email address")
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
        return check_pupil_file(s, Path(source), mapping, today or clock.today(s))
