"""A letter batch by email where we can, on paper for the rest.

Each family letter goes as one PDF to every contact with parental responsibility for those
children who has an email address (one message each, same PDF). Families with no such
contact are printed: the batch's print folder and combined PDF hold only their letters
(letter_service.run_batch on the paper part). Cancel leaves nothing recorded or queued.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import LetterLog
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import PermissionDenied
from attendance_desktop.services.letters import letter_layout, letter_service, template_store
from attendance_desktop.services.letters.letter_facts import FamilyLetter
from attendance_desktop.services.letters.letter_plans import BatchPlan
from attendance_desktop.services.letters.letter_service import BatchResult
from attendance_desktop.services.mail import compose, outbox
from attendance_desktop.services.mail.contacts import (
    Recipient,
    email_recipients,
    family_recipients,
)
from attendance_desktop.services.mail.sender import MailNotReady
from attendance_desktop.services.mail.settings import get_settings
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.school import school_service


@dataclass(frozen=True, slots=True)
class EmailLetter:
    letter: FamilyLetter
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    email: tuple[EmailLetter, ...]
    paper: tuple[FamilyLetter, ...]
    skipped_repeats: int


@dataclass(frozen=True, slots=True)
class EmailBatchResult:
    letters_emailed: int
    messages_queued: int
    outbox_ids: tuple[int, ...]
    log_ids: tuple[int, ...]
    paper: BatchResult | None  # the print folder for families without email
    paper_letters: tuple[FamilyLetter, ...] = ()  # what to print


def plan_delivery(engine: Engine, plan: BatchPlan, *,
                  include_repeats: bool = False) -> DeliveryPlan:
    """Who gets email and who gets paper (the preview shows this before anything is made).

    A letter goes by email to those it is addressed to (parents with parental
    responsibility in that household) who have an address; a parent with parental
    responsibility who lives elsewhere, and so has no letter of their own, is copied on
    their children's letter when they have an address. A household with no address on
    record gets paper."""
    letters = [x for x in plan.letters if include_repeats or x.repeat_of is None]
    by_pupil = email_recipients(engine, [p for x in letters for p in x.pupil_ids])
    addressed = {c for x in plan.letters for c in x.contact_ids}
    email, paper = [], []
    for letter in letters:
        rcpts = family_recipients(by_pupil, letter.pupil_ids)
        own = [r for r in rcpts if r.contact_id in letter.contact_ids]
        elsewhere = [r for r in rcpts if r.contact_id not in addressed]
        if own:
            email.append(EmailLetter(letter, tuple(own + elsewhere)))
            addressed.update(r.contact_id for r in elsewhere)  # copied once only
        else:
            paper.append(letter)
    return DeliveryPlan(tuple(email), tuple(paper), len(plan.letters) - len(letters))


def _file_name(title: str, letter: FamilyLetter) -> str:
    text = re.sub(r"[^A-Za-z0-9 ._-]+", "", f"{title} {letter.pupil_names[0]}").strip()
    return (text[:80] or "letter") + ".pdf"


def _body(letter: FamilyLetter, school: str, phone: str, title: str) -> str:
    names = " and ".join(letter.pupil_names)
    ask = f" please ring the school office on {phone}" if phone else " please contact the school"
    return (f"{letter.salutation},\n\nPlease find attached a letter from {school} about "
            f"{names}: {title}.\n\nIf you have any questions,{ask}.\n\n{school}\n")


def run_email_batch(engine: Engine, actor: Actor, plan: BatchPlan, *, today: dt.date,
                    out_dir: Path | str, cancel: CancelToken,
                    include_repeats: bool = False
                    ) -> Generator[Progress, None, EmailBatchResult]:
    """Make the letters; queue emailed ones in the outbox and print the rest."""
    if actor.role not in template_store.SENDER_ROLES:
        raise PermissionDenied("only office staff and the headteacher can send letters")
    cfg = get_settings(engine)
    if not cfg.configured:
        raise MailNotReady("set up the school's email first (Settings > Email)")
    delivery = plan_delivery(engine, plan, include_repeats=include_repeats)
    details = school_service.get_school(engine).details
    extra = dict(plan.extra)
    made: list[tuple[EmailLetter, bytes]] = []
    total = len(delivery.email)
    for n, item in enumerate(delivery.email, start=1):
        cancel.check()
        pdf = letter_layout.render_family_letter(engine, plan.template_key,
                                                  item.letter.pupil_ids, today=today,
                                                  extra=extra, period=plan.period)
        made.append((item, pdf))
        yield Progress(n, total, f"Email letter {n} of {total}: {item.letter.addressee}")
    paper: BatchResult | None = None
    if delivery.paper:
        paper_plan = dataclasses.replace(plan, letters=delivery.paper)
        paper = yield from letter_service.run_batch(engine, actor, paper_plan, today=today,
                                                    out_dir=out_dir, cancel=cancel,
                                                    include_repeats=True)
    if paper is None:  # once the paper part is recorded, the email part is finished too
        cancel.check()
    now = clock.now(engine)
    log_ids, outbox_ids = [], []
    with session_scope(engine) as s:
        for item, pdf in made:
            letter = item.letter
            row = LetterLog(template_key=plan.template_key, family_key=letter.family_key,
                            pupil_ids=letter.family_key, addressee=letter.addressee,
                            sent_on=today, staff_name=actor.name, pdf=pdf)
            s.add(row)
            s.flush()
            assert row.id is not None
            log_ids.append(row.id)
            for r in item.recipients:
                msg = outbox.queue(
                    s, message_id=compose.new_message_id(cfg), recipient=r.email,
                    recipient_name=r.name,
                    subject=f"{plan.title}: {' and '.join(letter.pupil_names)}",
                    body=_body(letter, details.name, details.phone, plan.title), now=now,
                    actor=actor, kind="letter", contact_id=r.contact_id,
                    pupil_ids=letter.pupil_ids, letterlog_id=row.id,  # the PDF: row.pdf
                    attachment_name=_file_name(plan.title, letter))
                assert msg.id is not None
                outbox_ids.append(msg.id)
        if made:
            audit_service.record_export(
                s, actor, f"letters emailed ({plan.template_key})",
                {p for item, _ in made for p in item.letter.pupil_ids}, "email outbox",
                details=f"{len(made)} letters, {len(outbox_ids)} messages")
    return EmailBatchResult(len(made), len(outbox_ids), tuple(outbox_ids), tuple(log_ids),
                            paper, delivery.paper)
