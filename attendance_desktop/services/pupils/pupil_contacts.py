"""A pupil's contacts: list in calling order, add, link an existing contact (siblings),
edit, reorder, unlink, search, and the emergency-contact warning.

Every change is recorded in the append-only pupil-change log (audit_service), in the same
transaction. A contact is never deleted: unlinking keeps it for siblings and call logs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, PupilContact
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import NotFound, ServiceError
from attendance_desktop.services.pupils.pupil_access import find_pupil, require_editor
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.school import policy_service


@dataclass(frozen=True, slots=True)
class ContactInput:
    surname: str
    forename: str = ""
    title: str = ""
    phone_mobile: str = ""
    phone_home: str = ""
    phone_work: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""


@dataclass(frozen=True, slots=True)
class LinkInput:
    relationship: str = ""
    priority: int = 1
    parental_responsibility: bool = True
    lives_with_pupil: bool = True
    emergency_contact: bool = True


@dataclass(frozen=True, slots=True)
class ContactLink:
    link_id: int
    contact_id: int
    contact: ContactInput
    link: LinkInput
    other_pupils: int  # siblings sharing this contact

    @property
    def name(self) -> str:
        c = self.contact
        return " ".join(p for p in (c.title, c.forename, c.surname) if p)

    @property
    def best_phone(self) -> str:
        c = self.contact
        return c.phone_mobile or c.phone_home or c.phone_work


# --- contacts --------------------------------------------------------------------------


def _contact_input(c: Contact) -> ContactInput:
    return ContactInput(**{f.name: getattr(c, f.name) for f in dataclasses.fields(ContactInput)})


def list_contacts(engine: Engine, pupil_id: int) -> list[ContactLink]:
    """A pupil's contacts in priority order (1 = call first)."""
    with session_scope(engine) as s:
        links = s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id)
                       .order_by(col(PupilContact.priority), col(PupilContact.id))).all()
        out = []
        for ln in links:
            c = s.get(Contact, ln.contact_id)
            if c is None or ln.id is None or c.id is None:
                continue
            others = len(s.exec(select(PupilContact).where(
                PupilContact.contact_id == c.id, PupilContact.pupil_id != pupil_id)).all())
            out.append(ContactLink(ln.id, c.id, _contact_input(c), LinkInput(
                ln.relationship, ln.priority, ln.parental_responsibility, ln.lives_with_pupil,
                ln.emergency_contact), others))
        return out


def emergency_warning(engine: Engine, pupil_id: int, contacts: list[ContactLink] | None = None
                      ) -> str | None:
    """A warning when fewer emergency contacts are held than the policy asks for."""
    wanted = policy_service.load_policy(engine).min_emergency_contacts
    held = sum(1 for c in (contacts if contacts is not None else list_contacts(engine, pupil_id))
               if c.link.emergency_contact)
    if held >= wanted:
        return None
    return (f"Only {held} emergency contact{'s' if held != 1 else ''} held; the school asks"
            f" for at least {wanted}. Add another before the pupil next needs collecting.")


def _contact_problems(c: ContactInput) -> list[str]:
    out = []
    if not c.surname.strip():
        out.append("Surname: enter the contact's surname")
    if c.email.strip() and "@" not in c.email:
        out.append(f"Email: '{c.email.strip()}' is not an email address")
    return out


def _renumber(s: Session, pupil_id: int, first_link: int | None = None) -> None:
    links = list(s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id)
                        .order_by(col(PupilContact.priority), col(PupilContact.id))))
    if first_link is not None:
        links.sort(key=lambda ln: 0 if ln.id == first_link else 1)
    for n, ln in enumerate(links, start=1):
        if ln.priority != n:
            ln.priority = n
            s.add(ln)


def add_contact(engine: Engine, actor: Actor, pupil_id: int, contact: ContactInput,
                link: LinkInput) -> int:
    """A new contact linked to the pupil at `link.priority` (others move down)."""
    require_editor(actor)
    found = _contact_problems(contact)
    if found:
        raise ServiceError("; ".join(found))
    with session_scope(engine) as s:
        find_pupil(s, pupil_id)
        row = Contact(**dataclasses.asdict(contact))
        s.add(row)
        s.flush()
        assert row.id is not None
        _link(s, pupil_id, row.id, link)
        _record_contact_added(s, actor, pupil_id, row.id, contact, link)
        return row.id


def link_contact(engine: Engine, actor: Actor, pupil_id: int, contact_id: int,
                 link: LinkInput) -> None:
    """Link an existing contact (e.g. a sibling's parent) to this pupil."""
    require_editor(actor)
    with session_scope(engine) as s:
        find_pupil(s, pupil_id)
        if s.get(Contact, contact_id) is None:
            raise NotFound("that contact no longer exists")
        if s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id,
                                             PupilContact.contact_id == contact_id)).first():
            raise ServiceError("that contact is already linked to this pupil")
        _link(s, pupil_id, contact_id, link)
        c = s.get(Contact, contact_id)
        assert c is not None
        _record_contact_added(s, actor, pupil_id, contact_id, _contact_input(c), link)


def _link(s: Session, pupil_id: int, contact_id: int, link: LinkInput) -> None:
    for ln in s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id,
                                                PupilContact.priority >= link.priority)):
        ln.priority += 1
        s.add(ln)
    s.add(PupilContact(pupil_id=pupil_id, contact_id=contact_id, **dataclasses.asdict(link)))
    s.flush()
    _renumber(s, pupil_id)


def update_contact(engine: Engine, actor: Actor, link_id: int, contact: ContactInput,
                   link: LinkInput) -> None:
    """Change a contact's details (seen by every sibling) and this pupil's link to them."""
    require_editor(actor)
    found = _contact_problems(contact)
    if found:
        raise ServiceError("; ".join(found))
    with session_scope(engine) as s:
        ln = s.get(PupilContact, link_id)
        if ln is None:
            raise NotFound("that contact is no longer linked to the pupil")
        c = s.get(Contact, ln.contact_id)
        assert c is not None
        for key, value in dataclasses.asdict(contact).items():
            audit_service.record_pupil_change(s, actor, ln.pupil_id, f"contact {key}",
                                              getattr(c, key), value, contact_id=c.id)
            setattr(c, key, value)
        s.add(c)
        moved = ln.priority != link.priority
        for key, value in dataclasses.asdict(link).items():
            audit_service.record_pupil_change(s, actor, ln.pupil_id, f"contact {key}",
                                              getattr(ln, key), value, contact_id=c.id)
            setattr(ln, key, value)
        s.add(ln)
        s.flush()
        if moved:
            others = [x for x in s.exec(select(PupilContact).where(
                PupilContact.pupil_id == ln.pupil_id).order_by(col(PupilContact.priority),
                                                               col(PupilContact.id)))
                      if x.id != ln.id]
            others.insert(max(0, min(len(others), link.priority - 1)), ln)
            for n, x in enumerate(others, start=1):
                x.priority = n
                s.add(x)
        else:
            _renumber(s, ln.pupil_id)


def move_contact(engine: Engine, actor: Actor, link_id: int, up: bool) -> None:
    """Swap a contact with the one above (up) or below it in the calling order."""
    require_editor(actor)
    with session_scope(engine) as s:
        ln = s.get(PupilContact, link_id)
        if ln is None:
            raise NotFound("that contact is no longer linked to the pupil")
        links = list(s.exec(select(PupilContact).where(PupilContact.pupil_id == ln.pupil_id)
                            .order_by(col(PupilContact.priority), col(PupilContact.id))))
        i = next(n for n, x in enumerate(links) if x.id == link_id)
        j = i - 1 if up else i + 1
        if 0 <= j < len(links):
            links[i], links[j] = links[j], links[i]
            audit_service.record_pupil_change(s, actor, ln.pupil_id, "contact priority",
                                              i + 1, j + 1, contact_id=ln.contact_id)
        for n, x in enumerate(links, start=1):
            x.priority = n
            s.add(x)


def remove_link(engine: Engine, actor: Actor, link_id: int) -> None:
    """Unlink a contact from this pupil; the contact stays for siblings and call logs."""
    require_editor(actor)
    with session_scope(engine) as s:
        ln = s.get(PupilContact, link_id)
        if ln is None:
            raise NotFound("that contact is no longer linked to the pupil")
        pupil_id = ln.pupil_id
        c = s.get(Contact, ln.contact_id)
        audit_service.record_pupil_change(
            s, actor, pupil_id, "contact removed",
            _contact_label(c, ln.relationship) if c else f"contact {ln.contact_id}", "",
            contact_id=ln.contact_id)
        s.delete(ln)
        s.flush()
        _renumber(s, pupil_id)


def _contact_label(c: Contact | ContactInput, relationship: str) -> str:
    name = " ".join(p for p in (c.title, c.forename, c.surname) if p)
    return f"{name} ({relationship})" if relationship else name


def _record_contact_added(s: Session, actor: Actor, pupil_id: int, contact_id: int,
                          contact: ContactInput, link: LinkInput) -> None:
    audit_service.record_pupil_change(s, actor, pupil_id, "contact added", "",
                                      _contact_label(contact, link.relationship),
                                      contact_id=contact_id)
    for key, value in dataclasses.asdict(contact).items():
        if key not in ("title", "forename", "surname"):
            audit_service.record_pupil_change(s, actor, pupil_id, f"contact {key}", "",
                                              value, contact_id=contact_id)


def find_contacts(engine: Engine, text: str, limit: int = 20) -> list[tuple[int, str]]:
    """Existing contacts whose name, phone or postcode contains the text (for siblings)."""
    words = text.lower().split()
    if not words:
        return []
    with session_scope(engine) as s:
        out = []
        for c in s.exec(select(Contact).order_by(Contact.surname, Contact.forename)):
            hay = " ".join((c.forename, c.surname, c.phone_mobile, c.phone_home,
                            c.postcode)).lower()
            if all(w in hay for w in words):
                assert c.id is not None
                label = " ".join(p for p in (c.title, c.forename, c.surname) if p)
                out.append((c.id, f"{label} {c.phone_mobile or c.phone_home}".strip()))
                if len(out) >= limit:
                    break
        return out
