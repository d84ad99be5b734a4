"""Importing pupils and their contacts from a checked pupil file."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Contact,
    Pupil,
    PupilContact,
    PupilHome,
    SchoolClass,
    SettingChange,
    Staff,
)
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import (
    ImportRejected,
    PermissionDenied,
    Problem,
)
from attendance_desktop.services.interchange.pupil_fields import FIELDS_BY_KEY, FLAG_KEYS
from attendance_desktop.services.interchange.pupil_import_check import (
    ContactRow,
    PupilRow,
    check_pupil_file,
    default_admission_date,
)
from attendance_desktop.services.records import audit_service

log = logging.getLogger(__name__)  # file names and counts only, never pupils' data


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
    today = today or clock.today(engine)
    with session_scope(engine) as s:
        preview = check_pupil_file(s, source, mapping, today)
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
        default_admission = default_admission_date(s, today)
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
                assert r.dob is not None  # required: a row without it is a problem
                assert r.year_group is not None
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
            func.lower(Contact.surname) == name_key[1])):
        if _fold(other.forename) != name_key[0]:
            continue
        phones = {re.sub(r"\D", "", x) for x in (other.phone_mobile, other.phone_home,
                                                 other.phone_work) if x}
        if (wanted & phones) or (email and other.email.casefold() == email):
            return other
    return None
