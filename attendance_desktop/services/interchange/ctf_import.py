"""Import a Common Transfer File: preview every change, then save all of it or nothing.

Pupils are matched by UPN (new ones created, existing ones updated); the user picks the
sections (details, contacts, attendance). The attendance a CTF carries is kept as
previous-school history (table `previousattendance`), never as marks in this school's
register. Each import is recorded in `ctfimport` (who, when, file, what changed), and a
file imported before is recognised by its SHA-256 or by its header (source school and
date-time) and warned about.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    CtfImport,
    PreviousAttendance,
    Pupil,
    PupilContact,
    PupilHome,
)
from attendance_desktop.domain.roles import CLI_ACTOR, Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import PermissionDenied, Problem, ServiceError
from attendance_desktop.services.interchange import ctf_model as m
from attendance_desktop.services.interchange.ctf_parse import (
    CtfProblem,
    CtfRejected,
    read_ctf,
    year_group,
)
from attendance_desktop.services.pupils import pupil_service
from attendance_desktop.services.pupils.pupil_service import PupilInput

_log = logging.getLogger(__name__)

DETAIL_LABELS = {
    "upn": "UPN",
    "legal_forename": "Legal forename", "legal_surname": "Legal surname",
    "preferred_forename": "Preferred forename", "preferred_surname": "Preferred surname",
    "dob": "Date of birth", "sex": "Sex", "year_group": "Year group", "sen": "SEN",
    "fsm": "Free school meals", "ethnicity": "Ethnicity", "address": "Home address",
    "postcode": "Postcode", "phone_home": "Home phone", "phone_mobile": "Mobile phone",
    "email": "Email",
}
# pupil_service.problems() names its fields; the CTF element each comes from
_ELEMENT_FOR = {"Legal forename": "Forename", "Legal surname": "Surname", "UPN": "UPN",
                "Year group": "NCyearActual", "SEN": "SENprovision", "Sex": "Sex",
                "Date of birth": "DOB", "Admission date": "DOB"}
CONTACT_FIELDS = ("title", "phone_mobile", "phone_home", "phone_work", "email", "address",
                  "postcode")


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old or '(blank)'} → {self.new or '(blank)'}"


@dataclass(frozen=True, slots=True)
class PupilPreview:
    upn: str
    name: str
    is_new: bool
    changes: tuple[Change, ...] = ()  # details (all fields for a new pupil)
    contacts_added: tuple[str, ...] = ()
    contacts_changed: tuple[str, ...] = ()
    years: tuple[str, ...] = ()  # previous-school attendance, one line per year

    @property
    def unchanged(self) -> bool:
        return not (self.is_new or self.changes or self.contacts_added
                    or self.contacts_changed or self.years)

    def lines(self) -> list[str]:
        # a new pupil has no "old" values: just the values it will have
        out = [f"{c.field}: {c.new}" if self.is_new else str(c) for c in self.changes]
        out += [f"Contact added: {c}" for c in self.contacts_added]
        out += [f"Contact changed: {c}" for c in self.contacts_changed]
        out += [f"Previous school: {y}" for y in self.years]
        return out or ["No changes"]


@dataclass(frozen=True, slots=True)
class CtfPreview:
    file_name: str
    sha256: str
    version: str
    date_time: str
    source_school: str
    sections: tuple[str, ...]
    pupils: tuple[PupilPreview, ...]
    imported_before: str  # a warning, or "" when this file is new here

    @property
    def new_pupils(self) -> int:
        return sum(p.is_new for p in self.pupils)

    @property
    def updated_pupils(self) -> int:
        return sum(not p.is_new and not p.unchanged for p in self.pupils)

    def summary(self) -> str:
        return (f"{self.file_name} (CTF {self.version} from {self.source_school or 'unknown'}"
                f"{', ' + self.date_time if self.date_time else ''}): "
                f"{len(self.pupils)} pupils, {self.new_pupils} new, "
                f"{self.updated_pupils} with changes")


@dataclass(frozen=True, slots=True)
class CtfResult:
    import_id: int
    created: int
    updated: int
    contacts_added: int
    years: int

    def __str__(self) -> str:
        return (f"Imported the CTF: {self.created} pupils added, {self.updated} updated, "
                f"{self.contacts_added} contacts added, {self.years} years of previous-school "
                "attendance kept")


def _sections(sections: Sequence[str]) -> tuple[str, ...]:
    bad = [x for x in sections if x not in m.SECTIONS]
    if bad:
        raise ServiceError(f"'{bad[0]}' is not a CTF section (choose from "
                           f"{', '.join(m.SECTIONS)})")
    if not sections:
        raise ServiceError("choose at least one section to import")
    return tuple(x for x in m.SECTIONS if x in sections)


def preview(engine: Engine, path: Path, sections: Sequence[str] = m.SECTIONS,
            admission_date: dt.date | None = None, today: dt.date | None = None) -> CtfPreview:
    """Everything the import would change; nothing is saved."""
    chosen = _sections(sections)
    ctf, raw = read_ctf(path)
    with session_scope(engine) as s:
        plan = _Plan(s, ctf, chosen, admission_date or today or clock.today(s), today,
                     path.name)
        out = plan.run()
        s.rollback()  # a preview never saves
    return CtfPreview(path.name, hashlib.sha256(raw).hexdigest(), ctf.header.version,
                      ctf.header.date_time, _school_label(ctf.header.source), chosen,
                      tuple(out), _imported_before(engine, raw, ctf))


def import_ctf(engine: Engine, path: Path, sections: Sequence[str] = m.SECTIONS,
               actor: Actor = CLI_ACTOR, admission_date: dt.date | None = None,
               expect_sha256: str | None = None, today: dt.date | None = None,
               now: dt.datetime | None = None) -> CtfResult:
    """Save the import in one transaction. `expect_sha256` is the previewed file's hash:
    a file changed since the preview is refused."""
    if not actor.can_edit_pupils:
        raise PermissionDenied(f"{actor.role.label} users cannot import pupils")
    chosen = _sections(sections)
    ctf, raw = read_ctf(path)
    digest = hashlib.sha256(raw).hexdigest()
    if expect_sha256 is not None and digest != expect_sha256:
        raise ServiceError(f"{path.name} changed after the preview; preview it again")
    now = now or clock.now(engine)
    with session_scope(engine) as s:
        record = CtfImport(file_name=path.name, file_sha256=digest,
                           ctf_version=ctf.header.version, header_datetime=ctf.header.date_time,
                           source_lea=ctf.header.source.lea, source_estab=ctf.header.source.estab,
                           source_school=ctf.header.source.name, sections=",".join(chosen),
                           imported_at=now, staff_name=actor.name, staff_role=actor.role.value)
        s.add(record)
        s.flush()
        assert record.id is not None
        plan = _Plan(s, ctf, chosen, admission_date or today or now.date(), today, path.name,
                     import_id=record.id)
        previews = plan.run()
        record.pupils_created = sum(p.is_new for p in previews)
        record.pupils_updated = sum(not p.is_new and not p.unchanged for p in previews)
        record.contacts_added = sum(len(p.contacts_added) for p in previews)
        record.years_added = sum(len(p.years) for p in previews)
        record.summary = "\n".join(_audit_line(p) for p in previews)
        s.add(record)
        result = CtfResult(record.id, record.pupils_created, record.pupils_updated,
                           record.contacts_added, record.years_added)
    # counts only: names and details stay out of the log file
    _log.info("CTF import %s by %s: %d created, %d updated, %d contacts, %d years",
              result.import_id, actor.role.value, result.created, result.updated,
              result.contacts_added, result.years)
    return result


def _audit_line(p: PupilPreview) -> str:
    if p.is_new:
        return f"{p.upn}: created"
    parts = [c.field for c in p.changes]
    parts += [f"contact added ({len(p.contacts_added)})"] if p.contacts_added else []
    parts += [f"contact changed ({len(p.contacts_changed)})"] if p.contacts_changed else []
    parts += [f"previous attendance ({len(p.years)} years)"] if p.years else []
    return f"{p.upn}: {', '.join(parts) if parts else 'no changes'}"


def _school_label(school: m.School) -> str:
    number = "/".join(x for x in (school.lea, school.estab) if x)
    return f"{school.name} ({number})" if school.name and number else school.name or number


def _imported_before(engine: Engine, raw: bytes, ctf: m.CtfFile) -> str:
    digest = hashlib.sha256(raw).hexdigest()
    h = ctf.header
    with session_scope(engine) as s:
        same_header = (CtfImport.header_datetime == h.date_time) & \
            (CtfImport.source_lea == h.source.lea) & (CtfImport.source_estab == h.source.estab)
        q = select(CtfImport).where(or_(CtfImport.file_sha256 == digest,
                                        same_header if h.date_time else False))
        earlier = s.exec(q.order_by(col(CtfImport.imported_at))).first()
        if earlier is None:
            return ""
        how = "this same file" if earlier.file_sha256 == digest else \
            "a file with the same source school and date-time"
        return (f"{how} was imported on {earlier.imported_at:%d %b %Y at %H:%M} by "
                f"{earlier.staff_name or 'someone'} ({earlier.file_name}); importing again "
                "updates the same pupils")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


class _Plan:
    """Works out (and, inside the caller's transaction, applies) one CTF's changes.
    A preview runs it and rolls back, so preview and import can never disagree."""

    def __init__(self, s: Session, ctf: m.CtfFile, sections: tuple[str, ...],
                 admission: dt.date, today: dt.date | None, source: str,
                 import_id: int | None = None) -> None:
        self.s, self.ctf, self.sections = s, ctf, sections
        self.admission, self.source = admission, source
        self.today: dt.date = today or clock.today(s)
        self.import_id = import_id
        self.problems: list[Problem] = []

    def run(self) -> list[PupilPreview]:
        out = [self.pupil(p) for p in self.ctf.pupils]
        if self.problems:
            raise CtfRejected(self.source, self.problems)
        return out

    def bad(self, upn: str, element: str, message: str) -> None:
        self.problems.append(CtfProblem(None, element, message, upn))

    # --- details -----------------------------------------------------------------------

    def pupil(self, p: m.Pupil) -> PupilPreview:
        row = self.s.exec(select(Pupil).where(Pupil.upn == p.upn)).first()
        if row is None and p.former_upn:  # a temporary UPN since replaced
            row = self.s.exec(select(Pupil).where(Pupil.upn == p.former_upn.upper())).first()
        is_new = row is None
        name = f"{p.preferred_forename or p.forename} {p.preferred_surname or p.surname}"
        if row is None and "details" not in self.sections:
            self.bad(p.upn, "UPN", "no pupil here has this UPN; include the details section "
                     "to add the pupil")
            return PupilPreview(p.upn, name, True)
        changes: list[Change] = []
        if "details" in self.sections:
            row, changes = self.details(p, row)
        if row is None or row.id is None:
            return PupilPreview(p.upn, name, True, tuple(changes))
        added: list[str] = []
        changed: list[str] = []
        if "contacts" in self.sections:
            added, changed = self.contacts(p, row.id)
        years = self.attendance(p, row.id) if "attendance" in self.sections else []
        return PupilPreview(p.upn, name, is_new, tuple(changes), tuple(added), tuple(changed),
                            tuple(years))

    def details(self, p: m.Pupil, row: Pupil | None) -> tuple[Pupil | None, list[Change]]:
        before = len(self.problems)
        yg = year_group(p.nc_year) if p.nc_year else None
        if row is None and yg is None:
            self.bad(p.upn, "NCyearActual", "missing: a new pupil needs a year group")
            return None, []
        base = PupilInput(legal_forename="", legal_surname="", dob=p.dob, year_group=yg or "",
                          admission_date=self.admission) if row is None else \
            _input_of(row)
        wanted = dataclasses.replace(
            base, upn=p.upn, legal_forename=p.forename, legal_surname=p.surname, dob=p.dob,
            sex=p.sex or base.sex, year_group=yg or base.year_group,
            preferred_forename=p.preferred_forename or base.preferred_forename,
            preferred_surname=p.preferred_surname or base.preferred_surname,
            sen=p.sen_provision or base.sen, ethnicity=p.ethnicity or base.ethnicity,
            fsm=base.fsm if p.fsm is None else p.fsm)
        for why in pupil_service.problems(wanted, self.today):
            label = why.split(":", 1)[0]
            self.bad(p.upn, _ELEMENT_FOR.get(label, label), why.split(": ", 1)[-1])
        changes = [Change(DETAIL_LABELS[f], _show(getattr(base, f)), _show(getattr(wanted, f)))
                   for f in DETAIL_LABELS if hasattr(wanted, f)
                   and (row is None or getattr(base, f) != getattr(wanted, f))
                   and (row is not None or getattr(wanted, f) not in ("", False, None))]
        home = self.s.get(PupilHome, row.id) if row is not None else None
        new_home = self.home_values(p, home)
        for key, value in new_home.items():
            old = getattr(home, key) if home is not None else ""
            if value != old:
                changes.append(Change(DETAIL_LABELS[key], old, value))
        if len(self.problems) > before:
            return row, changes
        if row is None:
            row = Pupil(**(dataclasses.asdict(wanted) | {"upn": p.upn}))
        else:
            for key, value in dataclasses.asdict(wanted).items():
                setattr(row, key, value)
        self.s.add(row)
        self.s.flush()
        assert row.id is not None
        if new_home:
            home = home or PupilHome(pupil_id=row.id)
            for key, value in new_home.items():
                setattr(home, key, value)
            self.s.add(home)
        return row, changes

    @staticmethod
    def home_values(p: m.Pupil, home: PupilHome | None) -> dict[str, str]:
        """The home fields the file gives a value for (a blank never wipes one out)."""
        values = {"address": p.address.text if p.address else "",
                  "postcode": p.address.postcode if p.address else "",
                  "phone_home": p.phone("H"), "phone_mobile": p.phone("M"), "email": p.email}
        return {k: v for k, v in values.items() if v}

    # --- contacts ----------------------------------------------------------------------

    def contacts(self, p: m.Pupil, pupil_id: int) -> tuple[list[str], list[str]]:
        added: list[str] = []
        changed: list[str] = []
        links = list(self.s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id)
                                 .order_by(col(PupilContact.priority))))
        held = {ln.contact_id: ln for ln in links}
        for c in sorted(p.contacts, key=lambda c: c.order):
            values: dict[str, Any] = self.contact_values(p, c)
            existing = self.find_contact(c, values, held)
            rel = m.RELATIONSHIPS.get(c.relationship, c.relationship)
            if existing is None:
                row = Contact(**values)
                self.s.add(row)
                self.s.flush()
                assert row.id is not None
                link = PupilContact(pupil_id=pupil_id, contact_id=row.id, relationship=rel,
                                    priority=c.order, parental_responsibility=c.responsibility,
                                    lives_with_pupil=c.address_as_pupil)
                self.s.add(link)
                held[row.id] = link
                added.append(f"{c.name} ({rel or 'relationship not given'}, order {c.order}, "
                             f"parental responsibility {_yes(c.responsibility)})")
                continue
            diffs = [Change(k.replace("_", " "), getattr(existing, k), v)
                     for k, v in values.items() if v and getattr(existing, k) != v]
            for k, v in values.items():
                if v:
                    setattr(existing, k, v)
            self.s.add(existing)
            assert existing.id is not None
            held_link = held.get(existing.id)
            if held_link is None:  # a sibling's contact, now linked to this pupil too
                link = PupilContact(pupil_id=pupil_id, contact_id=existing.id)
                added.append(f"{c.name} (already a contact of a sibling; linked)")
                held[existing.id] = link
            else:
                link = held_link
                if link.relationship != rel and rel:
                    diffs.append(Change("relationship", link.relationship, rel))
                if link.parental_responsibility != c.responsibility:
                    diffs.append(Change("parental responsibility",
                                        _yes(link.parental_responsibility),
                                        _yes(c.responsibility)))
            link.relationship = rel or link.relationship
            link.parental_responsibility = c.responsibility
            link.lives_with_pupil = c.address_as_pupil or link.lives_with_pupil
            link.priority = c.order
            self.s.add(link)
            if diffs:
                changed.append(f"{c.name}: " + "; ".join(str(d) for d in diffs))
        self.s.flush()
        self.renumber(pupil_id)
        return added, changed

    def contact_values(self, p: m.Pupil, c: m.Contact) -> dict[str, str]:
        address = p.address if c.address_as_pupil else c.address
        return {"title": c.title, "forename": c.forename, "surname": c.surname,
                "phone_mobile": c.phone("M"), "phone_home": c.phone("H"),
                "phone_work": c.phone("W"), "email": c.email,
                "address": address.text if address else "",
                "postcode": address.postcode if address else ""}

    def find_contact(self, c: m.Contact, values: dict[str, str],
                     held: dict[int, PupilContact]) -> Contact | None:
        """This pupil's contact with the same name, else a sibling's contact with the same
        name and a shared phone or email (so families are not duplicated)."""
        same_name = list(self.s.exec(select(Contact).where(
            Contact.surname == c.surname, Contact.forename == c.forename)))
        for row in same_name:
            if row.id in held:
                return row
        keys = {v for k, v in values.items() if k.startswith("phone") or k == "email"} - {""}
        for row in same_name:
            if keys & {row.phone_mobile, row.phone_home, row.phone_work, row.email}:
                return row
        return None

    def renumber(self, pupil_id: int) -> None:
        """The file's contacts first in their order, then the others as they were."""
        links = list(self.s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id)
                                 .order_by(col(PupilContact.priority), col(PupilContact.id))))
        for n, ln in enumerate(links, start=1):
            if ln.priority != n:
                ln.priority = n
                self.s.add(ln)

    # --- attendance --------------------------------------------------------------------

    def attendance(self, p: m.Pupil, pupil_id: int) -> list[str]:
        out = []
        for y in p.attendance:
            row = self.s.exec(select(PreviousAttendance).where(
                PreviousAttendance.pupil_id == pupil_id,
                PreviousAttendance.academic_year == y.year, PreviousAttendance.lea == y.lea,
                PreviousAttendance.estab == y.estab)).first()
            values = {"school_name": y.school_name, "sessions_possible": y.possible,
                      "sessions_attended": y.attended, "sessions_authorised": y.authorised,
                      "sessions_unauthorised": y.unauthorised, "start_date": y.start_date,
                      "marks": y.marks}
            if row is not None and all(getattr(row, k) == v for k, v in values.items()):
                continue  # the same history imported before: nothing to change
            marks = sum(1 for _ in y.sessions())
            label = (f"{y.year}/{(y.year + 1) % 100:02d} at {y.school_name or 'a school'}"
                     f" ({y.lea}/{y.estab}): {y.possible} possible, {y.attended} attended, "
                     f"{y.authorised} authorised, {y.unauthorised} unauthorised"
                     + (f"; {marks} session marks from {y.start_date:%d/%m/%Y}"
                        if y.start_date and marks else "")
                     + ("; replaces the copy imported before" if row is not None else ""))
            row = row or PreviousAttendance(pupil_id=pupil_id, academic_year=y.year,
                                            lea=y.lea, estab=y.estab)
            for k, v in values.items():
                setattr(row, k, v)
            row.ctf_import_id = self.import_id
            self.s.add(row)
            out.append(label)
        return out


def _input_of(row: Pupil) -> PupilInput:
    values: dict[str, Any] = {f.name: getattr(row, f.name) or ("" if f.name == "upn" else
                                                               getattr(row, f.name))
                              for f in dataclasses.fields(PupilInput)}
    return PupilInput(**values)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return _yes(value)
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)
