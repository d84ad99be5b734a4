"""First-day absence messages: the office emails the families on the Today board's
"no reason yet" list from an editable template.

Merge fields: {child_name} {child_forename} {date} {school_name} {school_phone}
{parent_name}. Each message is queued in the outbox and recorded in the call log (CallLog,
method "email") for that pupil: the call log is where the office chases an absence, so the
email shows beside the calls on the Today board and on the same day's record, and its sent /
failed outcome is added there when the outbox gets it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import MailTemplate, Pupil, SettingChange
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError
from attendance_desktop.services.mail import compose, outbox
from attendance_desktop.services.mail.contacts import email_recipients
from attendance_desktop.services.mail.sender import MailNotReady
from attendance_desktop.services.mail.settings import get_settings
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.school import school_service

FIELDS = {
    "child_name": "the child's name (preferred forename and surname)",
    "child_forename": "the child's preferred forename",
    "date": "the day of the absence, e.g. Thursday 20 November 2025",
    "school_name": "the school's name",
    "school_phone": "the school's phone number",
    "parent_name": "the contact's name as recorded",
}
_FIELD_RE = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    title: str
    subject: str
    body: str


DEFAULTS = {
    "first_day": Template(
        "first_day", "First day: no reason yet",
        "{child_name} is not in school today",
        "Dear {parent_name},\n\n{child_forename} is not in school today, {date}, and we have"
        " not heard why.\n\nPlease ring the school office on {school_phone} as soon as you"
        " can to let us know the reason and when {child_forename} will be back.\n\n"
        "Thank you,\n{school_name}\n"),
    "first_day_reminder": Template(
        "first_day_reminder", "Second contact: still no reason",
        "{child_name}: we still need a reason for the absence",
        "Dear {parent_name},\n\nWe have not yet been told why {child_forename} was not in"
        " school on {date}. Please ring {school_phone} today.\n\nIf we cannot reach you we"
        " may need to follow our attendance and safeguarding procedures.\n\n{school_name}\n"),
}


@dataclass(frozen=True, slots=True)
class Preview:
    pupil_id: int
    child_name: str
    recipient: str  # "" = nobody to email: ring instead
    recipient_name: str
    contact_id: int | None
    subject: str
    body: str


def check(text: str) -> list[str]:
    return [f"unknown merge field {{{f}}}" for f in _FIELD_RE.findall(text) if f not in FIELDS]


def _seed(s: Session) -> dict[str, MailTemplate]:
    rows = {r.key: r for r in s.exec(select(MailTemplate))}
    for key, d in DEFAULTS.items():
        if key not in rows:
            rows[key] = MailTemplate(key=key, title=d.title, subject=d.subject, body=d.body)
            s.add(rows[key])
    return rows


def templates(engine: Engine) -> list[Template]:
    with session_scope(engine) as s:
        rows = _seed(s)
        return [Template(r.key, r.title, r.subject, r.body) for r in rows.values()]


def save_template(engine: Engine, actor: Actor, key: str, subject: str, body: str) -> None:
    if actor.role.value not in ("office", "head", "system"):
        raise PermissionDenied("only office staff and the headteacher can change email wording")
    found = check(subject) + check(body)
    if found:
        raise ServiceError(found[0])
    if not subject.strip() or not body.strip():
        raise ServiceError("an email needs a subject and some text")
    with session_scope(engine) as s:
        row = _seed(s).get(key)
        if row is None:
            raise NotFound(f"no email template {key}")
        s.add(SettingChange(area="mail", key=f"template {key}", old_value=row.body,
                            new_value=body, staff_name=actor.name,
                            staff_role=actor.role.value))
        row.subject, row.body = subject.strip(), body.strip() + "\n"
        row.updated_at, row.updated_by = clock.now(s), actor.name
        s.add(row)


def _merge(text: str, values: dict[str, str]) -> str:
    return _FIELD_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def preview(engine: Engine, key: str, pupil_ids: Sequence[int], day: dt.date, *,
            subject: str | None = None, body: str | None = None) -> list[Preview]:
    """One message per contact with parental responsibility and an email address; a pupil
    with none gets one row with no recipient (the office rings instead)."""
    tpl = next((t for t in templates(engine) if t.key == key), None)
    if tpl is None:
        raise NotFound(f"no email template {key}")
    subject = tpl.subject if subject is None else subject
    body = tpl.body if body is None else body
    school = school_service.get_school(engine).details
    by_pupil = email_recipients(engine, pupil_ids)
    with session_scope(engine) as s:
        pupils = {p.id: p for p in s.exec(select(Pupil).where(col(Pupil.id).in_(pupil_ids)))}
    out = []
    for pid in pupil_ids:
        p = pupils.get(pid)
        if p is None:
            raise NotFound(f"pupil record {pid} no longer exists")
        fore = p.preferred_forename or p.legal_forename
        values = {"child_name": f"{fore} {p.preferred_surname or p.legal_surname}",
                  "child_forename": fore, "date": f"{day:%A} {day.day} {day:%B %Y}",
                  "school_name": school.name, "school_phone": school.phone or "the office"}
        rcpts = by_pupil.get(pid, [])
        if not rcpts:
            out.append(Preview(pid, values["child_name"], "", "", None,
                               _merge(subject, {**values, "parent_name": "Parent or carer"}),
                               ""))
        for r in rcpts:
            v = {**values, "parent_name": r.name or "Parent or carer"}
            out.append(Preview(pid, values["child_name"], r.email, r.name, r.contact_id,
                               _merge(subject, v), _merge(body, v)))
    return out


def queue_messages(engine: Engine, actor: Actor, items: Sequence[Preview]) -> list[int]:
    """Queue the previewed messages (those with a recipient); returns the outbox ids."""
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users cannot email families")
    cfg = get_settings(engine)
    if not cfg.configured:
        raise MailNotReady("set up the school's email first (Settings > Email)")
    now = clock.now(engine)
    ids = []
    with session_scope(engine) as s:
        for item in items:
            if not item.recipient:
                continue
            msg = outbox.queue(s, message_id=compose.new_message_id(cfg),
                               recipient=item.recipient, recipient_name=item.recipient_name,
                               subject=item.subject, body=item.body, now=now, actor=actor,
                               kind="first_day", contact_id=item.contact_id,
                               pupil_ids=(item.pupil_id,))
            assert msg.id is not None
            ids.append(msg.id)
        if ids:  # children's names leave the school by email: in the access log
            audit_service.record_export(
                s, actor, "first-day absence emails",
                {i.pupil_id for i in items if i.recipient}, "email outbox",
                details=f"{len(ids)} messages")
    return ids
