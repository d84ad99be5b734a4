"""CSV import of pupils and marks, and export of marks. Imports no Qt.

Imports are all-or-nothing: every row is checked first and every problem is reported
(row and column) in one `ImportRejected`; only a clean file is written, in one
transaction. Mark changes go through `register_service` so amendments are recorded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    Mark,
    Pupil,
    PupilContact,
    SchoolClass,
    SettingChange,
    Staff,
)
from attendance_desktop.domain import codes, upn
from attendance_desktop.domain.calendar import academic_year_start
from attendance_desktop.domain.codes import CodeError
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import CLI_ACTOR, Actor
from attendance_desktop.services import audit_service, clock, register_service
from attendance_desktop.services.csv_safe import restore_cell, safe_row
from attendance_desktop.services.errors import (
    ImportRejected,
    MarkConflict,
    PermissionDenied,
    Problem,
    ServiceError,
)
from attendance_desktop.services.policy_service import read_policy
from attendance_desktop.services.write_lock import run_write

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
    PupilField("contact1_name", "First contact name", False,
               ("Contact 1 name", "Contact name", "Primary contact", "Parent name",
                "Priority 1 contact", "Contact 1")),
    PupilField("contact1_relationship", "First contact relationship", False,
               ("Contact 1 relationship", "Contact relationship", "Relationship",
                "Parent relationship")),
    PupilField("contact1_phone", "First contact phone", False,
               ("Contact 1 phone", "Contact phone", "Contact telephone", "Parent phone",
                "Phone", "Telephone", "Mobile", "Contact 1 mobile")),
    PupilField("contact1_email", "First contact email", False,
               ("Contact 1 email", "Contact email", "Parent email", "Email",
                "Email address")),
]
FIELDS_BY_KEY = {f.key: f for f in PUPIL_FIELDS}
FLAG_KEYS = ("fsm", "pupil_premium", "looked_after", "child_in_need", "eal", "young_carer")


def normalise_header(text: str) -> str:
    """Case, spaces and punctuation do not matter: 'Date of Birth' == 'date_of_birth'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _spellings(f: PupilField) -> set[str]:
    return {normalise_header(s) for s in (f.key, f.label, *f.synonyms)}


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Field key -> the file header that matches it (each header used at most once)."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for f in PUPIL_FIELDS:
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

    def __str__(self) -> str:
        extra = (f", {len(self.classes_created)} new class"
                 f"{'es' if len(self.classes_created) != 1 else ''}"
                 if self.classes_created else "")
        if self.demo_accounts_disabled:
            extra += (f"; the {self.demo_accounts_disabled} demo staff accounts are disabled:"
                      " create the headteacher's account at the next sign-in")
        return f"imported {self.file}: {self.new} new, {self.updated} updated{extra}"


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


def _read_text(source: Path) -> str:
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise ServiceError(f"cannot read {source}: no such file") from None
    except IsADirectoryError:
        raise ServiceError(f"cannot read {source}: it is a folder, not a file") from None
    except OSError as exc:
        raise ServiceError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(source: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Headers and (row, cells) for each non-blank data row."""
    text = _read_text(source)
    first = text.split("\n", 1)[0]
    delimiter = ","
    if first.count(",") == 0:
        for d in (";", "\t"):
            if d in first:
                delimiter = d
                break
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    row = 0  # rows as a spreadsheet shows them: header = 1, blank rows counted
    for cells in reader:
        if headers is None:
            if not any(c.strip() for c in cells):
                continue
            headers = [c.strip() for c in cells]
            row = 1
            continue
        row += 1
        if any(c.strip() for c in cells):
            # Our own exports guard formula-like cells with an apostrophe; undo it.
            rows.append((row, [restore_cell(c) for c in cells]))
    if headers is None:
        raise ImportRejected(source.name, [Problem(None, "", "the file is empty")])
    return headers, rows


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


def parse_year_group(text: str) -> str:
    norm = normalise_header(text)
    if norm in _YEAR_WORDS:
        return _YEAR_WORDS[norm]
    m = re.fullmatch(r"(?:year|yr|y|ncyear|nc)?0?([1-9]\d?)", norm)
    if m and 1 <= int(m.group(1)) <= 6:
        return m.group(1)
    raise ValueError(f"'{_show(text)}' is not a primary year group "
                     "(use N, R or Reception, or 1 to 6)")


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


def _preview(s: Session, source: Path, mapping: dict[str, str] | None,
             today: dt.date) -> PupilImportPreview:
    headers, raw_rows = _read_csv(source)
    problems: list[Problem] = []
    if mapping is None:
        mapping = guess_mapping(headers)
    else:
        mapping = {k: v for k, v in mapping.items() if v}
        for key, header in mapping.items():
            if key not in FIELDS_BY_KEY:
                problems.append(Problem(None, header, f"'{key}' is not a pupil field"))
            elif header not in headers:
                problems.append(Problem(None, header, "there is no such column in the file"))
    for f in PUPIL_FIELDS:
        if f.required and f.key not in mapping:
            hint = "', '".join(f.synonyms[:3])
            problems.append(Problem(None, f.label,
                                    f"no column for {f.label.lower()} "
                                    f"(expected a header like '{hint}')"))
    index = {h: i for i, h in enumerate(headers)}
    existing = {u: (pid, adm) for pid, u, adm in s.exec(
        select(Pupil.id, Pupil.upn, Pupil.admission_date)).all() if u}
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

        pupil_upn = upn.normalise(cell("upn")) if cell("upn") else ""
        if pupil_upn:
            why = upn.problem(pupil_upn)
            if why:
                bad("upn", why)
            elif pupil_upn in seen:
                bad("upn", f"UPN {pupil_upn} is also on row {seen[pupil_upn]}")
            else:
                seen[pupil_upn] = row_no

        def parsed(key: str, fn: Callable[[str], T], default: T | None = None) -> T | None:
            text = cell(key)
            if not text:
                return default
            try:
                return fn(text)
            except ValueError as exc:
                bad(key, str(exc))
                return None

        dob = parsed("dob", parse_date)
        year_group = parsed("year_group", parse_year_group)
        sex = parsed("sex", parse_sex, "")
        admission = parsed("admission_date", parse_date)
        leaving = parsed("leaving_date", parse_date)
        sen = parsed("sen", parse_sen, "N")
        flags = {k: parsed(k, parse_flag, False) for k in FLAG_KEYS}
        email = cell("contact1_email")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            bad("contact1_email", f"'{_show(email)}' is not an email address")
        phone = cell("contact1_phone")
        if phone and not re.fullmatch(r"[+0-9 ()\-]{6,20}", phone):
            bad("contact1_phone", f"'{_show(phone)}' is not a phone number")

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
        if admission and leaving and admission > leaving:
            bad("admission_date", f"admission date {admission:%d/%m/%Y} is after the "
                                  f"leaving date {leaving:%d/%m/%Y}")
        elif leaving and admission is None and pupil_upn in existing \
                and existing[pupil_upn][1] > leaving:
            bad("leaving_date", f"leaving date {leaving:%d/%m/%Y} is before the pupil's "
                                f"admission date {existing[pupil_upn][1]:%d/%m/%Y}")
        problems.extend(row_problems)
        rows.append(PupilRow(
            row=row_no, upn=pupil_upn, legal_forename=cell("legal_forename"),
            legal_surname=cell("legal_surname"),
            preferred_forename=cell("preferred_forename"),
            preferred_surname=cell("preferred_surname"), dob=dob, year_group=year_group,
            class_name=cell("class_name"), sex=sex, admission_date=admission,
            leaving_date=leaving, sen=sen, ethnicity=cell("ethnicity"),
            contact1_name=cell("contact1_name"),
            contact1_relationship=cell("contact1_relationship"),
            contact1_phone=phone, contact1_email=email,
            is_new=pupil_upn not in existing, ok=not row_problems, **flags,
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
    )


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
                pupil = Pupil(upn=r.upn, legal_forename=r.legal_forename,
                              legal_surname=r.legal_surname, dob=r.dob,
                              year_group=r.year_group,
                              admission_date=r.admission_date or default_admission)
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
            s.add(pupil)
            s.flush()
            assert pupil.id is not None
            if not before:
                audit_service.record_pupil_change(s, actor, pupil.id, "record", "", "added",
                                                  source="import")
            audit_service.record_pupil_fields(s, actor, pupil.id, before,
                                              audit_service.pupil_values(pupil),
                                              source="import")
            if r.contact1_name:
                _save_first_contact(s, pupil, r, actor)
        disabled = _retire_demo_staff(s, actor) if new else 0
        s.add(SettingChange(
            area="pupils", key=f"import {source.name}",
            new_value=f"{new} new, {updated} updated"
                      + (f", classes created: {', '.join(created)}" if created else ""),
            staff_name=actor.name, staff_role=actor.role.value))
        return PupilImportResult(source.name, new, updated, tuple(created),
                                 demo_accounts_disabled=disabled)


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


def _save_first_contact(s: Session, pupil: Pupil, r: PupilRow, actor: Actor) -> None:
    assert pupil.id is not None
    link = s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil.id)
                  .order_by(PupilContact.priority)).first()
    contact = s.get(Contact, link.contact_id) if link else None
    title, forename, surname = _split_name(r.contact1_name)
    if contact is None:
        contact = Contact(surname=surname)
    old = {k: getattr(contact, k) for k in ("title", "forename", "surname", "phone_mobile",
                                            "email")} if link else {}
    contact.title, contact.forename, contact.surname = title, forename, surname
    if r.contact1_phone:
        contact.phone_mobile = r.contact1_phone
    if r.contact1_email:
        contact.email = r.contact1_email
    s.add(contact)
    s.flush()
    assert contact.id is not None
    if link is None:
        link = PupilContact(pupil_id=pupil.id, contact_id=contact.id, priority=1)
        audit_service.record_pupil_change(s, actor, pupil.id, "contact added", "",
                                          r.contact1_name, source="import",
                                          contact_id=contact.id)
    for key, was in old.items():
        audit_service.record_pupil_change(s, actor, pupil.id, f"contact {key}", was,
                                          getattr(contact, key), source="import",
                                          contact_id=contact.id)
    if r.contact1_relationship:
        if link.relationship != r.contact1_relationship:
            audit_service.record_pupil_change(s, actor, pupil.id, "contact relationship",
                                              link.relationship, r.contact1_relationship,
                                              source="import", contact_id=contact.id)
        link.relationship = r.contact1_relationship
    s.add(link)


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


@dataclass
class _MarkCheck:
    marks: list[_MarkInput] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


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
    for col in ("upn", "date", "session", "code"):
        if col not in index:
            out.problems.append(Problem(None, col, f"the file has no '{col}' column "
                                        f"(expected {','.join(MARK_COLUMNS)})"))
    if out.problems:
        return out
    names = {k: headers[i] for k, i in index.items()}
    roll = {u: _PupilRoll(pid, adm, left, dob) for pid, u, adm, left, dob in s.exec(
        select(Pupil.id, Pupil.upn, Pupil.admission_date, Pupil.leaving_date,
               Pupil.dob)).all() if u}
    seen: dict[tuple[str, dt.date, str], int] = {}
    # A year's file repeats ~200 UPNs, ~380 dates and a few codes: parse each once.
    upns: dict[str, str] = {}
    days: dict[str, dt.date | str] = {}  # text -> date, or the problem message
    valid: dict[tuple[str, dt.date], codes.AttendanceCode | str] = {}
    width = len(headers)
    i_upn, i_date, i_session, i_code = (index[k] for k in ("upn", "date", "session", "code"))
    i_minutes, i_comment = index.get("minutes_late"), index.get("comment")
    problems = out.problems
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
        comment = cells[i_comment].strip() if i_comment is not None else ""
        minutes: int | None = None
        text = cells[i_minutes].strip() if i_minutes is not None else ""
        if text:
            if text.isascii() and text.isdigit():
                minutes = int(text)
            else:
                bad("minutes_late", f"minutes late must be a whole number of 0 or more, "
                                    f"not '{_show(text)}'")
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
        if pupil is not None and day is not None and found is not None:
            problem = register_service.code_problem(found, day, pupil.dob, pupil.admission,
                                                    pupil.leaving, "import")
            if "not on roll" in problem:
                left = f", left {pupil.leaving:%d/%m/%Y}" if pupil.leaving else ""
                bad("date", f"pupil {pupil_upn} was not on roll on {day:%d/%m/%Y} "
                            f"(admitted {pupil.admission:%d/%m/%Y}{left})")
            elif problem:
                bad("code", problem)
        if pupil_upn and day is not None and session in ("AM", "PM"):
            key = (pupil_upn, day, session)
            if key in seen:
                bad("session", f"{pupil_upn} {day:%d/%m/%Y} {session} is also on row "
                               f"{seen[key]}")
            else:
                seen[key] = row_no
        if len(problems) == before and pupil is not None and day is not None \
                and found is not None:
            out.marks.append(_MarkInput(pupil.id, day, session, found.code, minutes, comment))
    if not raw_rows:
        out.problems.append(Problem(None, "", "the file has a header row but no marks"))
    return out


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
        token.check()
        yield Progress(n + plan.unchanged, 2 * n, "Saving marks")
        token.check()  # the last moment Cancel can stop it: the write is one transaction
        why = f"Imported from {source.name}" + (f": {reason}" if reason else "")

        def write(s: Session, plan: _Plan = plan, why: str = why) -> MarkImportResult:
            done = register_service.apply_changes(s, actor, plan.changes, source="import",
                                                  reason=why)
            # What the write did (a cell set to the file's value meanwhile is unchanged).
            got = MarkImportResult(source.name, done.new, done.written - done.new,
                                   plan.unchanged + done.unchanged)
            s.add(SettingChange(
                area="marks", key=f"import {source.name}", changed_at=clock.now(s),
                new_value=(f"{got.new} new, {got.changed} changed, {got.unchanged}"
                           f" unchanged" + (f"; reason: {reason}" if reason else "")),
                staff_name=actor.name, staff_role=actor.role.value))
            return got

        try:
            result = (run_write(engine, write) if plan.changes else
                      MarkImportResult(source.name, 0, 0, plan.unchanged))
            break
        except MarkConflict:
            if attempt:
                raise
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
