"""The outbox: messages wait here until a connection takes them, and each is sent at most once.

States: queued -> sending -> sent; queued -> (attempt failed, no connection) queued again
with a later `next_attempt_at`; failed (refused by the server, or too many attempts);
cancelled; check ("needs checking").

At most once. A message is claimed before it is sent: one UPDATE ... WHERE status='queued'
in its own committed transaction moves it to 'sending' (two PCs or a scheduled task racing
for it: only one UPDATE matches). It is marked 'sent' after the server accepted it. If the
app dies in between, the row stays 'sending' and we cannot know whether the server took it;
after `STALE_AFTER` it becomes 'check', never re-sent on its own. The office looks for its
Message-ID (shown in the Outbox) in the account's sent items or asks the family, then marks
it sent or sends it again; a re-send keeps the same Message-ID, so mail programs that saw the
first copy can recognise the second. Sending twice would tell a family twice that their child
is a concern; not sending is visible in the Outbox and the letters log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import CallLog, LetterLog, MailEvent, OutboxMessage
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError

STALE_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 12  # about a day and a half of trying with the backoff below
_BACKOFF_MIN = (1, 2, 5, 10, 30, 60, 120, 240)
STATUS_LABELS = {
    "queued": "Waiting", "sending": "Sending", "sent": "Sent", "failed": "Failed",
    "cancelled": "Cancelled", "check": "Needs checking",
}
_OT = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    message_id: str
    kind: str
    recipient: str
    recipient_name: str
    subject: str
    status: str
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    letterlog_id: int | None
    has_attachment: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One letter's email outcome, for the letters log."""

    letterlog_id: int
    recipients: tuple[str, ...]
    summary: str  # "sent 01/12 10:03" / "waiting: no connection (3 tries)"


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=_BACKOFF_MIN[min(max(attempts, 1), len(_BACKOFF_MIN)) - 1])


def _event(s: Session, msg: OutboxMessage, outcome: str, detail: str, at: dt.datetime,
           staff: str = "") -> None:
    assert msg.id is not None
    s.add(MailEvent(outbox_id=msg.id, letterlog_id=msg.letterlog_id, at=at, outcome=outcome,
                    detail=detail[:500], staff_name=staff))
    if msg.kind == "first_day" and outcome in ("queued", "sent", "failed", "cancelled",
                                               "needs checking"):
        # First-day messages are part of chasing the absence: they show with the calls.
        for pid in [int(p) for p in msg.pupil_ids.split(",") if p.strip().isdigit()]:
            s.add(CallLog(pupil_id=pid, contact_id=msg.contact_id, called_at=at,
                          method="email", outcome=f"email {outcome}",
                          notes=f"to {msg.recipient}" + (
                              f": {detail}" if outcome not in ("queued", "sent") and detail
                              else ""),
                          staff_name=staff or "Outbox"))


def queue(s: Session, *, message_id: str, recipient: str, recipient_name: str, subject: str,
          body: str, now: dt.datetime, actor: Actor, kind: str = "letter",
          contact_id: int | None = None, pupil_ids: Sequence[int] = (),
          letterlog_id: int | None = None, attachment: bytes | None = None,
          attachment_name: str = "") -> OutboxMessage:
    """Add a message inside the caller's transaction (with its letters-log row)."""
    msg = OutboxMessage(message_id=message_id, kind=kind, recipient=recipient.strip(),
                        recipient_name=recipient_name, contact_id=contact_id,
                        pupil_ids=",".join(str(p) for p in pupil_ids),
                        letterlog_id=letterlog_id, subject=subject, body=body,
                        attachment=attachment, attachment_name=attachment_name,
                        status="queued", next_attempt_at=now, queued_at=now,
                        queued_by=actor.name)
    s.add(msg)
    s.flush()
    _event(s, msg, "queued", f"to {msg.recipient}", now, actor.name)
    return msg


def attachment_for(engine: Engine, msg: OutboxMessage) -> bytes | None:
    """The PDF to attach: the message's own, or its letter's as kept in the letters log
    (a letter's PDF is stored once, in LetterLog)."""
    if msg.attachment is not None or msg.letterlog_id is None:
        return msg.attachment
    with session_scope(engine) as s:
        row = s.get(LetterLog, msg.letterlog_id)
        return bytes(row.pdf) if row is not None and row.pdf is not None else None


def erase_for_pupils(s: Session, pupil_ids: set[int]) -> int:
    """Retention: blank the messages about these pupils only (addresses, text, PDF); a
    message still waiting is cancelled. Returns how many were blanked."""
    n = 0
    for msg in s.exec(select(OutboxMessage)):
        ids = {int(x) for x in msg.pupil_ids.split(",") if x.strip().isdigit()}
        if not ids or not ids <= pupil_ids or msg.recipient == "(removed)":
            continue
        if msg.status in ("queued", "check", "failed"):
            msg.status = "cancelled"
        msg.recipient, msg.recipient_name, msg.subject = "(removed)", "", "(removed)"
        msg.body, msg.attachment, msg.last_error = "", None, ""
        s.add(msg)
        for ev in s.exec(select(MailEvent).where(MailEvent.outbox_id == msg.id)):
            ev.detail = ""
            s.add(ev)
        n += 1
    return n


def due_ids(engine: Engine, limit: int | None = None) -> list[int]:
    now = clock.now(engine)
    with session_scope(engine) as s:
        q = (select(OutboxMessage.id).where(OutboxMessage.status == "queued",
                                            OutboxMessage.next_attempt_at <= now)
             .order_by(col(OutboxMessage.id)))
        if limit:
            q = q.limit(limit)
        return [i for i in s.exec(q).all() if i is not None]


def claim(engine: Engine, message_id: int) -> OutboxMessage | None:
    """Move one message from queued to sending and commit; None if someone else has it."""
    now = clock.now(engine)
    with session_scope(engine) as s:
        done = s.execute(update(_OT).where(_OT.c.id == message_id, _OT.c.status == "queued")
                         .values(status="sending", claimed_at=now,
                                 attempts=_OT.c.attempts + 1))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return None
        msg = s.get(OutboxMessage, message_id)
        assert msg is not None
        s.expunge(msg)
        return msg


def mark_sent(engine: Engine, message_id: int) -> None:
    now = clock.now(engine)
    with session_scope(engine) as s:
        msg = s.get(OutboxMessage, message_id)
        assert msg is not None
        msg.status, msg.sent_at, msg.last_error = "sent", now, ""
        s.add(msg)
        _event(s, msg, "sent", f"to {msg.recipient}, attempt {msg.attempts}", now)


def mark_attempt_failed(engine: Engine, message_id: int, error: str, *,
                        permanent: bool = False, uncertain: bool = False) -> None:
    """After a claimed message's attempt: retry later, give up, or 'needs checking' when the
    server may have taken it (the connection broke while it was being sent)."""
    now = clock.now(engine)
    with session_scope(engine) as s:
        msg = s.get(OutboxMessage, message_id)
        assert msg is not None
        msg.last_error = error[:500]
        if uncertain:
            msg.status = "check"
            _event(s, msg, "needs checking", error, now)
        elif permanent or msg.attempts >= MAX_ATTEMPTS:
            msg.status = "failed"
            _event(s, msg, "failed", error, now)
        else:
            msg.status = "queued"
            msg.next_attempt_at = now + backoff(msg.attempts)
            _event(s, msg, "retry", f"{error}; next try {msg.next_attempt_at:%H:%M}", now)
        s.add(msg)


def record_no_connection(engine: Engine, ids: Sequence[int], error: str) -> None:
    """The server could not be reached: nothing was sent; each due message counts an
    attempt and waits longer (the same backoff), still queued."""
    now = clock.now(engine)
    with session_scope(engine) as s:
        for msg in s.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(list(ids)),
                                                      OutboxMessage.status == "queued")):
            msg.attempts += 1
            msg.last_error = error[:500]
            if msg.attempts >= MAX_ATTEMPTS:
                msg.status = "failed"
                _event(s, msg, "failed", f"{error} (gave up after {msg.attempts} tries)", now)
            else:
                msg.next_attempt_at = now + backoff(msg.attempts)
                _event(s, msg, "retry", f"{error}; next try {msg.next_attempt_at:%H:%M}", now)
            s.add(msg)


def recover_stale(engine: Engine) -> int:
    """Messages left 'sending' by a crash become 'needs checking' (never re-sent blindly)."""
    now = clock.now(engine)
    n = 0
    with session_scope(engine) as s:
        for msg in s.exec(select(OutboxMessage).where(OutboxMessage.status == "sending")):
            if msg.claimed_at is not None and now - msg.claimed_at < STALE_AFTER:
                continue  # another PC may be sending it right now
            msg.status = "check"
            msg.last_error = ("the app stopped while sending: the server may have received it."
                              f" Look for Message-ID {msg.message_id} in the sent items")
            s.add(msg)
            _event(s, msg, "needs checking", "left half-sent by an earlier run", now)
            n += 1
    return n


def _change(engine: Engine, actor: Actor, message_id: int, allowed: Sequence[str],
            verb: str) -> OutboxMessage:
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users cannot change the outbox")
    now = clock.now(engine)
    with session_scope(engine) as s:
        msg = s.get(OutboxMessage, message_id)
        if msg is None:
            raise NotFound(f"outbox message {message_id} does not exist")
        if msg.status not in allowed:
            raise ServiceError(f"a message that is {STATUS_LABELS[msg.status].lower()}"
                               f" cannot be {verb}")
        if verb == "retried":
            msg.status, msg.next_attempt_at = "queued", now
            _event(s, msg, "retry", f"sent again by {actor.name}", now, actor.name)
        elif verb == "cancelled":
            msg.status = "cancelled"
            _event(s, msg, "cancelled", "", now, actor.name)
        else:  # marked sent after checking
            msg.status, msg.sent_at = "sent", msg.claimed_at or now
            _event(s, msg, "sent", f"confirmed by {actor.name}", now, actor.name)
        s.add(msg)
        s.flush()
        s.expunge(msg)
        return msg


def retry(engine: Engine, actor: Actor, message_id: int) -> None:
    """Send again as soon as possible (same Message-ID)."""
    _change(engine, actor, message_id, ("queued", "failed", "check"), "retried")


def cancel(engine: Engine, actor: Actor, message_id: int) -> None:
    _change(engine, actor, message_id, ("queued", "failed", "check"), "cancelled")


def confirm_sent(engine: Engine, actor: Actor, message_id: int) -> None:
    """After checking: the family did get it."""
    _change(engine, actor, message_id, ("check",), "marked sent")


def list_messages(engine: Engine, statuses: Sequence[str] = (),
                  limit: int = 1000) -> list[OutboxRow]:
    c = _OT.c
    q = select(  # type: ignore[call-overload]  # (more columns than sqlmodel's overloads)
               c.id, c.message_id, c.kind, c.recipient, c.recipient_name, c.subject, c.status,
               c.attempts, c.last_error, c.next_attempt_at, c.queued_at, c.sent_at,
               c.letterlog_id, c.attachment.is_not(None) | c.letterlog_id.is_not(None))
    if statuses:
        q = q.where(c.status.in_(list(statuses)))
    q = q.order_by(c.id.desc()).limit(limit)
    with session_scope(engine) as s:
        return [OutboxRow(*r) for r in s.execute(q).all()]


def counts(engine: Engine) -> dict[str, int]:
    from sqlalchemy import func
    with session_scope(engine) as s:
        rows = s.execute(select(_OT.c.status, func.count()).group_by(_OT.c.status)).all()
        return {str(k): int(v) for k, v in rows}


def events(engine: Engine, message_id: int) -> list[MailEvent]:
    with session_scope(engine) as s:
        rows = list(s.exec(select(MailEvent).where(MailEvent.outbox_id == message_id)
                           .order_by(col(MailEvent.id))))
        for r in rows:
            s.expunge(r)
        return rows


def deliveries(engine: Engine, letterlog_ids: Sequence[int]) -> dict[int, Delivery]:
    """The email outcome of each letter that went by email (letters not emailed: absent)."""
    if not letterlog_ids:
        return {}
    c = _OT.c
    with session_scope(engine) as s:
        rows = s.execute(select(  # type: ignore[call-overload]
            c.letterlog_id, c.recipient, c.status, c.sent_at, c.attempts, c.last_error)
                         .where(c.letterlog_id.in_(list(letterlog_ids)))
                         .order_by(c.id)).all()
    grouped: dict[int, list[tuple[str, str, dt.datetime | None, int, str]]] = {}
    for lid, rcpt, status, sent_at, attempts, err in rows:
        grouped.setdefault(int(lid), []).append((rcpt, status, sent_at, attempts, err))
    # (the error itself is in the Outbox; the letters log stays short)
    out = {}
    for lid, items in grouped.items():
        parts = []
        for rcpt, status, sent_at, attempts, _err in items:
            if status == "sent" and sent_at is not None:
                parts.append(f"{rcpt}: sent {sent_at:%d/%m %H:%M}")
            elif status == "queued" and attempts:
                parts.append(f"{rcpt}: waiting ({attempts} {'try' if attempts == 1 else 'tries'}"
                             " so far; see the Outbox)")
            else:
                parts.append(f"{rcpt}: {STATUS_LABELS.get(status, status).lower()}")
        out[lid] = Delivery(lid, tuple(i[0] for i in items), "; ".join(parts))
    return out
