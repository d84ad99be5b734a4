"""Email through a real SMTP server on loopback: a letter batch by email and on paper, the
outbox offline then online, never sent twice, a crash between acceptance and marking sent."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import AccessLog, Contact, LetterLog, MailEvent, OutboxMessage
from attendance_desktop.domain.progress import Cancelled, CancelToken
from attendance_desktop.services.letters import letter_plans
from attendance_desktop.services.mail import batch, credentials, outbox, sender
from attendance_desktop.services.mail.settings import MailConfig, save_settings
from tests.conftest import HEAD, OFFICE, clock_at
from tests.mail.mail_fixtures import ACCOUNT, PASSWORD, Inbox, SmtpServer
from tests.services.letters.test_letter_service import TODAY, build_school

NOW = dt.datetime(2025, 11, 20, 9, 40)
EMAILS = {("Jo", "Example"): "jo@home.example", ("Ian", "Faraway"): "ian@far.example",
          ("Kim", "Other"): "kim@other.example", ("Pat", "Other"): "gran@other.example",
          ("Al", "Split"): "al@split.example"}


def configure(engine: Engine, port: int) -> MailConfig:
    cfg = save_settings(engine, HEAD, MailConfig(
        host="127.0.0.1", port=port, security="none", account=ACCOUNT,
        from_address="office@hillside.example", from_name="Hillside Primary School",
        reply_to="attendance@hillside.example"))
    assert credentials.save_password(cfg, PASSWORD) is True  # into the file keyring
    return cfg


def _build_school_with_emails(engine: Engine) -> dict[str, int]:
    ids = build_school(engine)
    with session_scope(engine) as s:
        for c in s.exec(select(Contact)):
            c.email = EMAILS.get((c.forename, c.surname), "")
            s.add(c)
    return ids


def school_with_emails(engine: Engine, built_once: Callable[..., Any] | None = None
                       ) -> dict[str, int]:
    """build_school's school with the families' e-mail addresses, the clock at NOW; from
    the run's copy when given the `built_once` fixture (the engine's database new)."""
    ids: dict[str, int] = (built_once(engine, _build_school_with_emails) if built_once
                           else _build_school_with_emails(engine))
    clock_at(engine, NOW)
    return ids


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
                    .split())


def run(gen):  # type: ignore[no-untyped-def]
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def statuses(engine: Engine) -> list[tuple[str, str, int]]:
    with session_scope(engine) as s:
        return [(m.recipient, m.status, m.attempts)
                for m in s.exec(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_batch_emails_families_with_an_address_and_prints_the_rest(built_once,
        engine: Engine, inbox: Inbox, file_keyring: object, tmp_path: Path) -> None:
    ids = school_with_emails(engine, built_once)
    configure(engine, inbox.port)
    plan = letter_plans.plan_batch(engine, "half_termly_report", list(ids.values()),
                                     today=TODAY)
    delivery = batch.plan_delivery(engine, plan)
    by_child = {x.letter.pupil_names[0]: [r.email for r in x.recipients]
                for x in delivery.email}
    # Amy and Ben share a letter to Jo (Lee has no email); Cara's goes to her mother and
    # to her father who has parental responsibility but lives elsewhere, not to her gran.
    assert sorted(by_child) == ["Amy Example", "Cara Other", "Dan Split"]
    assert by_child["Cara Other"] == ["kim@other.example", "ian@far.example"]
    # Dan's parents live apart: Al's letter goes by email, Bo (no address) gets paper, as
    # does Eve, whose only contact has no parental responsibility.
    assert sorted((x.pupil_names, x.addressee) for x in delivery.paper) == [
        (("Dan Split",), "Ms Split"), (("Eve Alone",), "The Parent or Carer of Eve Alone")]

    result = run(batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                                       cancel=CancelToken()))
    assert (result.letters_emailed, result.messages_queued) == (3, 4)
    assert result.paper is not None
    assert result.paper.letters_made == 2
    printed = pdf_text(result.paper.combined_pdf.read_bytes())  # type: ignore[union-attr]
    assert "Eve" in printed
    assert "2 South Way" in printed
    assert "Amy" not in printed
    assert "Cara" not in printed
    assert "1 North Way" not in printed
    assert inbox.messages == []  # queued, not sent yet

    got = sender.flush(engine)
    assert (got.sent, got.retry_later, got.failed) == (4, 0, 0)
    by_rcpt = {m.rcpt_tos[0]: m for m in inbox.messages}
    assert sorted(by_rcpt) == ["al@split.example", "ian@far.example", "jo@home.example",
                               "kim@other.example"]
    cara = by_rcpt["ian@far.example"].message
    assert cara["Subject"].startswith(plan.title)
    assert "Cara Other" in cara["Subject"]
    assert cara["From"] == "Hillside Primary School <office@hillside.example>"
    assert cara["Reply-To"] == "Hillside Primary School <attendance@hillside.example>"
    (att,) = list(cara.iter_attachments())
    pdf = att.get_content()
    assert att.get_content_type() == "application/pdf"
    assert pdf.startswith(b"%PDF")
    assert "Cara" in pdf_text(pdf)
    jo = by_rcpt["jo@home.example"].message
    jo_pdf = next(iter(jo.iter_attachments())).get_content()
    assert "Amy" in pdf_text(jo_pdf)
    assert "Ben" in pdf_text(jo_pdf)
    assert inbox.logins == [(ACCOUNT, PASSWORD)]  # the password came from the keyring

    # The letters log holds each emailed letter with its PDF and its outcome.
    with session_scope(engine) as s:
        logged = {r.id: r for r in s.exec(select(LetterLog))}
        assert len(logged) == 5  # 3 emailed + 2 printed
        assert s.exec(select(AccessLog).where(AccessLog.what.contains("emailed"))).first()
    deliveries = outbox.deliveries(engine, result.log_ids)
    assert all("sent 20/11 09:40" in d.summary for d in deliveries.values())
    assert set(deliveries) == set(result.log_ids)

    # Never twice: flushing again sends nothing.
    assert sender.flush(engine).sent == 0
    assert len(inbox.messages) == 4
    ids_seen = [m.message["Message-ID"] for m in inbox.messages]
    assert len(set(ids_seen)) == 4


def test_cancel_keeps_nothing(built_once, engine: Engine, inbox: Inbox, file_keyring: object,
                              tmp_path: Path) -> None:
    ids = school_with_emails(engine, built_once)
    configure(engine, inbox.port)
    plan = letter_plans.plan_batch(engine, "half_termly_report", list(ids.values()),
                                     today=TODAY)
    token = CancelToken()
    gen = batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                                cancel=token)
    next(gen)
    token.cancel()
    with pytest.raises(Cancelled):
        run(gen)
    assert statuses(engine) == []
    with session_scope(engine) as s:
        assert s.exec(select(LetterLog)).first() is None


def test_offline_waits_then_sends_exactly_once(built_once, engine: Engine, smtp: SmtpServer,
                                               file_keyring: object, tmp_path: Path) -> None:
    ids = school_with_emails(engine, built_once)
    configure(engine, smtp.inbox.port)  # the server is down
    plan = letter_plans.plan_batch(engine, "half_termly_report", [ids["cara"]], today=TODAY)
    run(batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                              cancel=CancelToken()))
    got = sender.flush(engine)
    assert (got.sent, got.retry_later) == (0, 2)
    assert "refused the connection" in got.error
    assert statuses(engine) == [("kim@other.example", "queued", 1),
                                ("ian@far.example", "queued", 1)]
    with session_scope(engine) as s:
        msg = s.exec(select(OutboxMessage)).first()
        assert msg is not None
        assert "refused the connection" in msg.last_error
        assert msg.next_attempt_at == NOW + dt.timedelta(minutes=1)
        outcomes = [e.outcome for e in s.exec(select(MailEvent).where(
            MailEvent.outbox_id == msg.id))]
        assert outcomes == ["queued", "retry"]
        assert all(e.letterlog_id == msg.letterlog_id for e in s.exec(select(MailEvent)))

    # Still down a minute later: a second attempt, a longer wait.
    clock_at(engine, NOW + dt.timedelta(minutes=1))
    assert sender.flush(engine).retry_later == 2
    assert statuses(engine)[0][2] == 2
    # Connection back; not due yet, so nothing goes until the wait is over.
    inbox = smtp.start()
    assert sender.flush(engine).sent == 0
    clock_at(engine, NOW + dt.timedelta(minutes=4))
    assert sender.flush(engine).sent == 2
    assert statuses(engine) == [("kim@other.example", "sent", 3),
                                ("ian@far.example", "sent", 3)]
    clock_at(engine, NOW + dt.timedelta(hours=3))
    assert sender.flush(engine).sent == 0
    assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["ian@far.example",
                                                            "kim@other.example"]


def test_crash_after_the_server_accepted_is_not_resent_blindly(built_once,
        engine: Engine, inbox: Inbox, file_keyring: object, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = school_with_emails(engine, built_once)
    configure(engine, inbox.port)
    plan = letter_plans.plan_batch(engine, "half_termly_report", [ids["dan"]], today=TODAY)
    run(batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                              cancel=CancelToken()))

    def die(engine: Engine, message_id: int) -> None:
        raise SystemExit("power cut")  # the process ends before it can record 'sent'

    monkeypatch.setattr(outbox, "mark_sent", die)
    with pytest.raises(SystemExit):
        sender.flush(engine)
    monkeypatch.undo()
    assert len(inbox.messages) == 1  # the server has it
    assert statuses(engine) == [("al@split.example", "sending", 1)]
    # A restart soon after: another PC might be mid-send, so it is left alone...
    clock_at(engine, NOW + dt.timedelta(minutes=2))
    assert sender.flush(engine).sent == 0
    assert statuses(engine) == [("al@split.example", "sending", 1)]
    # ...and once stale it needs checking: still not re-sent.
    clock_at(engine, NOW + dt.timedelta(minutes=11))
    assert sender.flush(engine).needs_checking == 1
    assert statuses(engine) == [("al@split.example", "check", 1)]
    assert len(inbox.messages) == 1
    (row,) = outbox.list_messages(engine)
    assert row.message_id in row.last_error  # the office can look for it in sent items
    # The office decides to send again: same Message-ID, so the copy is recognisable.
    outbox.retry(engine, OFFICE, row.id)
    assert sender.flush(engine).sent == 1
    assert [m.message["Message-ID"].strip() for m in inbox.messages] == [row.message_id] * 2
    assert outbox.deliveries(engine, [row.letterlog_id])[row.letterlog_id].summary \
        .startswith("al@split.example: sent")  # type: ignore[index]


def test_claim_is_taken_once_and_refusals_fail_for_good(built_once,
        engine: Engine, inbox: Inbox, file_keyring: object) -> None:
    from attendance_desktop.services.mail import absence

    ids = school_with_emails(engine, built_once)
    configure(engine, inbox.port)
    items = absence.preview(engine, "first_day", [ids["amy"]], TODAY)
    items = [items[0], type(items[0])(ids["amy"], "Amy Example", "nobody@refused.example",
                                      "Nobody", None, "Test", "Body")]
    first, _refused = absence.queue_messages(engine, OFFICE, items)
    assert outbox.claim(engine, first) is not None
    assert outbox.claim(engine, first) is None  # a second PC gets nothing
    got = sender.flush(engine)
    assert (got.sent, got.failed) == (0, 1)
    (failed,) = outbox.list_messages(engine, ["failed"])
    assert "550" in failed.last_error
    assert failed.recipient == "nobody@refused.example"
    with pytest.raises(Exception, match="cannot be cancelled"):
        outbox.cancel(engine, OFFICE, outbox.list_messages(engine, ["sending"])[0].id)


def test_wrong_password_waits_and_says_so(built_once, engine: Engine, inbox: Inbox,
                                          file_keyring: object, tmp_path: Path) -> None:
    ids = school_with_emails(engine, built_once)
    cfg = configure(engine, inbox.port)
    credentials.save_password(cfg, "wrong")
    plan = letter_plans.plan_batch(engine, "half_termly_report", [ids["dan"]], today=TODAY)
    run(batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                              cancel=CancelToken()))
    got = sender.flush(engine)
    assert got.sent == 0
    assert "account name or password" in got.error
    assert statuses(engine) == [("al@split.example", "queued", 1)]
    assert inbox.messages == []


def test_the_pdf_is_kept_once_and_retention_blanks_the_messages(built_once,
        engine: Engine, inbox: Inbox, file_keyring: object, tmp_path: Path) -> None:
    ids = school_with_emails(engine, built_once)
    configure(engine, inbox.port)
    plan = letter_plans.plan_batch(engine, "half_termly_report", [ids["cara"]], today=TODAY)
    result = run(batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                                       cancel=CancelToken()))
    with session_scope(engine) as s:
        msgs = list(s.exec(select(OutboxMessage)))
        assert [m.attachment for m in msgs] == [None, None]  # the letters log holds it
        pdf = s.get(LetterLog, result.log_ids[0]).pdf  # type: ignore[union-attr]
    assert all(r.has_attachment for r in outbox.list_messages(engine))
    assert sender.flush(engine).sent == 2
    assert next(inbox.messages[0].message.iter_attachments()).get_content() == pdf
    # Another letter queued, then the pupil's records go under the retention policy.
    run(batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                              cancel=CancelToken(), include_repeats=True))
    with session_scope(engine) as s:
        for row in s.exec(select(LetterLog)):
            row.pdf = None  # as retention_service._erase_letters does
            s.add(row)
        assert outbox.erase_for_pupils(s, {ids["cara"]}) == 4
    rows = outbox.list_messages(engine)
    assert {(r.recipient, r.subject) for r in rows} == {("(removed)", "(removed)")}
    assert sorted(r.status for r in rows) == ["cancelled", "cancelled", "sent", "sent"]
    with session_scope(engine) as s:
        assert all(e.detail == "" for e in s.exec(select(MailEvent)))
    assert sender.flush(engine).sent == 0
    assert len(inbox.messages) == 2


def test_a_letter_whose_pdf_was_removed_fails_plainly(built_once,
        engine: Engine, inbox: Inbox, file_keyring: object, tmp_path: Path) -> None:
    ids = school_with_emails(engine, built_once)
    configure(engine, inbox.port)
    plan = letter_plans.plan_batch(engine, "half_termly_report", [ids["dan"]], today=TODAY)
    run(batch.run_email_batch(engine, OFFICE, plan, today=TODAY, out_dir=tmp_path,
                              cancel=CancelToken()))
    with session_scope(engine) as s:
        for row in s.exec(select(LetterLog)):
            row.pdf = None
            s.add(row)
    got = sender.flush(engine)
    assert (got.sent, got.failed) == (0, 1)
    (row,) = outbox.list_messages(engine)
    assert "retention" in row.last_error
    assert inbox.messages == []
