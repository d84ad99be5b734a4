"""Penalty notices: the log per parent and child, each notice's terms from its own issue
date (National Framework, Aug 2024: £80 within 21 days, £160 within 28, a second notice
£160 with no reduction, at most 2 per parent per child in 3 years), the payment record,
and the head's considerations read back as questions and answers."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Contact, PenaltyNotice, PupilContact, TrackerEvent
from attendance_desktop.domain import penalty
from attendance_desktop.domain.calendar import compulsory_school_age_start
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, ServiceError
from attendance_desktop.services.school.policy_service import read_policy
from attendance_desktop.services.trackers.tracker_records import add_event as _add
from attendance_desktop.services.trackers.tracker_records import get_pupil as _pupil
from attendance_desktop.services.trackers.tracker_records import need_head as _need_head
from attendance_desktop.services.trackers.tracker_records import record_time as _now

PN_DECISIONS = {
    "issue": "Issue a penalty notice",
    "notice_to_improve": "Issue a Notice to Improve first",
    "support": "More support first (no notice now)",
    "other_route": "Another legal route (contract, supervision order, prosecution)",
    "no_action": "No notice: reasons recorded",
}
NOTICE_STATUSES = ("issued", "paid", "withdrawn", "prosecuted")


@dataclass(frozen=True, slots=True)
class NoticeInfo:
    id: int
    pupil_id: int
    contact_id: int
    parent: str
    issued_on: dt.date
    amount: int
    status: str
    status_date: dt.date | None
    notes: str
    staff_name: str
    paid_on: dt.date | None = None
    amount_paid: int | None = None
    terms: penalty.PaymentTerms | None = None  # from this notice's own issue date

    @property
    def number(self) -> int:
        return self.terms.number if self.terms is not None else 1

    def payment_text(self, on: dt.date | None = None) -> str:
        """What was paid, or what is payable and by when (on `on`: unpaid too late)."""
        if self.paid_on is not None and self.amount_paid is not None:
            return f"£{self.amount_paid} paid {self.paid_on:%d %b %Y}"
        if self.status == "issued" and self.terms is not None:
            if on is not None and on > self.terms.pay_until:
                return (f"not paid by {self.terms.pay_until:%d %b %Y}: for the local "
                        "authority (prosecution or withdrawal)")
            return self.terms.describe()
        return ""


@dataclass(frozen=True, slots=True)
class Consideration:
    """One recorded penalty-notice decision, as questions and answers."""

    at: dt.datetime
    decision: str  # label
    answers: tuple[tuple[str, str], ...]  # (question, answer)
    reasons: str
    staff_name: str


def _notice_records(s: Session, pupil_id: int, contact_id: int) -> list[PenaltyNotice]:
    return list(s.exec(select(PenaltyNotice).where(PenaltyNotice.pupil_id == pupil_id,
                                                   PenaltyNotice.contact_id == contact_id)
                       .order_by(PenaltyNotice.issued_on)))  # type: ignore[arg-type]


def _records(rows: list[PenaltyNotice], leave_out: int | None = None
             ) -> list[penalty.NoticeRecord]:
    return [penalty.NoticeRecord(n.issued_on, n.status) for n in rows if n.id != leave_out]


def _terms(policy: Policy, rows: list[PenaltyNotice],
           notice: PenaltyNotice) -> penalty.PaymentTerms:
    """A notice's terms from its own issue date and the notices issued before it."""
    number = penalty.notice_number(policy, _records(rows, notice.id), notice.issued_on)
    return penalty.payment_terms(policy, number, notice.issued_on)


def issue_notice(engine: Engine, actor: Actor, pupil_id: int, contact_id: int,
                 issued_on: dt.date, notes: str = "", now: dt.datetime | None = None) -> int:
    """Log a penalty notice to one parent for one child. Refuses a third within the
    period (withdrawn notices do not count; a back-dated notice may not make a later one
    the third either), dates in the future, and pupils below compulsory school age."""
    _need_head(actor, "issue a penalty notice")
    when = _now(engine, now)
    if issued_on > when.date():
        raise ServiceError("a notice cannot be logged before it is issued (the date is in "
                           "the future)")
    with session_scope(engine) as s:
        pupil = _pupil(s, pupil_id)
        link = s.exec(select(PupilContact).where(PupilContact.pupil_id == pupil_id,
                                                 PupilContact.contact_id == contact_id)).first()
        if link is None:
            raise ServiceError("that adult is not a contact of this pupil")
        if issued_on < compulsory_school_age_start(pupil.dob):
            raise ServiceError("penalty notices are only for pupils of compulsory school age")
        policy = read_policy(s)
        existing = _records(_notice_records(s, pupil_id, contact_id))
        refusal = penalty.refusal_reason(policy, existing, issued_on)
        if refusal:
            raise ServiceError(refusal)
        number = penalty.notice_number(policy, existing, issued_on)
        terms = penalty.payment_terms(policy, number, issued_on)
        notice = PenaltyNotice(pupil_id=pupil_id, contact_id=contact_id, issued_on=issued_on,
                               amount=terms.full, notes=notes.strip(), staff_name=actor.name)
        s.add(notice)
        s.flush()
        assert notice.id is not None
        _add(s, actor, pupil_id, "penalty", "note", "issued",
             f"Notice {notice.id} issued {issued_on:%d %b %Y} "
             f"({'first' if number == 1 else 'second'} notice): {terms.describe()}", when)
        return notice.id


def record_payment(engine: Engine, actor: Actor, notice_id: int, paid_on: dt.date,
                   amount: int) -> None:
    """Record a notice's payment: the date paid and the amount, checked against the
    framework from the notice's own issue date (reduced amount within the early days of a
    first notice, the full amount after; a second notice is the full amount; nothing can
    be paid after the days to pay)."""
    _need_head(actor, "record a penalty notice payment")
    when = clock.now(engine)
    if paid_on > when.date():
        raise ServiceError("the payment date is in the future")
    with session_scope(engine) as s:
        notice = s.get(PenaltyNotice, notice_id)
        if notice is None:
            raise NotFound(f"there is no penalty notice {notice_id}")
        if notice.status != "issued":
            raise ServiceError(f"this notice is already {notice.status}")
        policy = read_policy(s)
        terms = _terms(policy, _notice_records(s, notice.pupil_id, notice.contact_id), notice)
        problem = penalty.payment_problem(terms, paid_on, amount)
        if problem:
            raise ServiceError(problem)
        notice.status = "paid"
        notice.status_date = paid_on
        notice.paid_on = paid_on
        notice.amount_paid = amount
        notice.amount = amount
        s.add(notice)
        _add(s, actor, notice.pupil_id, "penalty", "note", "paid",
             f"Notice {notice_id} (issued {notice.issued_on:%d %b %Y}) paid "
             f"{paid_on:%d %b %Y}: £{amount}", when)


def set_notice_status(engine: Engine, actor: Actor, notice_id: int, status: str,
                      on: dt.date, now: dt.datetime | None = None) -> int:
    """Mark a notice paid (on `on`, the amount that date settles), withdrawn or
    prosecuted. Returns the notice's amount."""
    _need_head(actor, "change a penalty notice")
    if status not in NOTICE_STATUSES:
        raise ServiceError(f"'{status}' is not a notice status")
    with session_scope(engine) as s:
        notice = s.get(PenaltyNotice, notice_id)
        if notice is None:
            raise NotFound(f"there is no penalty notice {notice_id}")
        if on < notice.issued_on:
            raise ServiceError("the date is before the notice was issued")
        if status == "paid":
            terms = _terms(read_policy(s), _notice_records(s, notice.pupil_id,
                                                           notice.contact_id), notice)
            due = penalty.amount_due_on(terms, on)
            if due is None:
                raise ServiceError(penalty.payment_problem(terms, on, 0) or "too late to pay")
    if status == "paid":
        assert due is not None
        record_payment(engine, actor, notice_id, on, due)
        return due
    with session_scope(engine) as s:
        notice = s.get(PenaltyNotice, notice_id)
        assert notice is not None
        old = notice.status
        notice.status = status
        notice.status_date = on
        s.add(notice)
        _add(s, actor, notice.pupil_id, "penalty", "note", status,
             f"Notice {notice_id}: {old} -> {status} on {on:%d %b %Y} (£{notice.amount})",
             _now(engine, now))
        return notice.amount


def notices_for(engine: Engine, pupil_id: int) -> list[NoticeInfo]:
    """The pupil's notices, each with its terms worked out from its own issue date."""
    with session_scope(engine) as s:
        policy = read_policy(s)
        rows = s.exec(select(PenaltyNotice, Contact).join(
            Contact, Contact.id == PenaltyNotice.contact_id).where(  # type: ignore[arg-type]
            PenaltyNotice.pupil_id == pupil_id).order_by(col(PenaltyNotice.issued_on))).all()
        by_parent: dict[int, list[PenaltyNotice]] = {}
        for n, _c in rows:
            by_parent.setdefault(n.contact_id, []).append(n)
        return [NoticeInfo(n.id or 0, n.pupil_id, n.contact_id,
                           f"{c.title} {c.forename} {c.surname}".strip(), n.issued_on, n.amount,
                           n.status, n.status_date, n.notes, n.staff_name, n.paid_on,
                           n.amount_paid, _terms(policy, by_parent[n.contact_id], n))
                for n, c in rows]


def notice_preview(engine: Engine, pupil_id: int, contact_id: int, issued_on: dt.date) -> str:
    """What a notice to this parent issued on `issued_on` would cost and until when, or
    why it may not be issued (for the notice form, before saving)."""
    with session_scope(engine) as s:
        policy = read_policy(s)
        existing = _records(_notice_records(s, pupil_id, contact_id))
    refusal = penalty.refusal_reason(policy, existing, issued_on)
    if refusal:
        return f"Cannot be issued: {refusal}."
    number = penalty.notice_number(policy, existing, issued_on)
    terms = penalty.payment_terms(policy, number, issued_on)
    which = "First notice" if number == 1 else "Second notice"
    return (f"{which} to this parent for this child within {policy.pn_period_years} years: "
            f"{terms.describe()}.")


def expected_payment(engine: Engine, notice_id: int, paid_on: dt.date) -> int | None:
    """The amount that settles a notice on `paid_on` (None: too late or before issue)."""
    with session_scope(engine) as s:
        notice = s.get(PenaltyNotice, notice_id)
        if notice is None:
            raise NotFound(f"there is no penalty notice {notice_id}")
        terms = _terms(read_policy(s), _notice_records(s, notice.pupil_id, notice.contact_id),
                       notice)
        return penalty.amount_due_on(terms, paid_on)


def decision_answers(details: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """The (question, answer) pairs and the reasons stored with a penalty decision.
    Details that are not the stored form come back as the reasons, unchanged."""
    try:
        data = json.loads(details)
    except (ValueError, TypeError):
        return (), details
    if not isinstance(data, dict):
        return (), details
    answers = data.get("answers") or {}
    pairs = tuple((str(q), str(a)) for q, a in answers.items()) if isinstance(
        answers, dict) else ()
    return pairs, str(data.get("reasons", ""))


def considerations(engine: Engine, pupil_id: int) -> list[Consideration]:
    """The head's penalty-notice decisions for a pupil, newest first, as questions and
    answers."""
    with session_scope(engine) as s:
        rows = s.exec(select(TrackerEvent).where(
            TrackerEvent.pupil_id == pupil_id, TrackerEvent.tracker == "penalty",
            TrackerEvent.kind == "decision").order_by(
            TrackerEvent.at.desc(), TrackerEvent.id.desc())).all()  # type: ignore[attr-defined,union-attr]
        out = []
        for e in rows:
            pairs, reasons = decision_answers(e.details)
            out.append(Consideration(e.at, PN_DECISIONS.get(e.value, e.value), pairs, reasons,
                                     e.staff_name))
        return out
