"""Who can be emailed about a pupil: contacts with parental responsibility with an address."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, PupilContact
from attendance_desktop.services.mail.settings import is_email


@dataclass(frozen=True, slots=True)
class Recipient:
    contact_id: int
    name: str
    email: str


def email_recipients(engine: Engine, pupil_ids: Sequence[int]) -> dict[int, list[Recipient]]:
    """Per pupil, in priority order, each contact with parental responsibility whose email
    address looks valid (one entry per address)."""
    out: dict[int, list[Recipient]] = {p: [] for p in pupil_ids}
    if not pupil_ids:
        return out
    with session_scope(engine) as s:
        rows = s.exec(select(PupilContact, Contact)
                      .join(Contact, col(Contact.id) == col(PupilContact.contact_id))
                      .where(col(PupilContact.pupil_id).in_(list(pupil_ids)),
                             col(PupilContact.parental_responsibility).is_(True))
                      .order_by(col(PupilContact.priority), col(Contact.id))).all()
    for link, c in rows:
        assert c.id is not None
        if not is_email(c.email):
            continue
        name = " ".join(x for x in (c.title.strip(), c.forename.strip(), c.surname.strip()) if x)
        seen = {r.email.lower() for r in out[link.pupil_id]}
        if c.email.strip().lower() not in seen:
            out[link.pupil_id].append(Recipient(c.id, name, c.email.strip()))
    return out


def family_recipients(by_pupil: dict[int, list[Recipient]],
                      pupil_ids: Sequence[int]) -> tuple[Recipient, ...]:
    found: dict[str, Recipient] = {}
    for pid in pupil_ids:
        for r in by_pupil.get(pid, []):
            found.setdefault(r.email.lower(), r)
    return tuple(found.values())
