"""Sending what the outbox holds through the school's SMTP server (standard `smtplib`).

`flush` is safe to call from a timer, the "Send now" button or a scheduled task
(`attendance-desktop outbox send`), on several PCs at once: each message is claimed before it
is sent (outbox.claim) and a server that cannot be reached leaves everything queued.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Generator
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.services import clock
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.mail import compose, credentials, outbox
from attendance_desktop.services.mail.settings import MailConfig, get_settings, is_loopback

TIMEOUT_S = 20.0


class MailNotReady(ServiceError):
    """The settings or password are missing: nothing can be sent until someone fixes it."""


@dataclass(frozen=True, slots=True)
class FlushResult:
    sent: int
    retry_later: int  # still queued (no connection, or the server said try later)
    failed: int
    needs_checking: int
    error: str = ""  # the connection problem, if any

    def __str__(self) -> str:
        parts = [f"{self.sent} sent"]
        if self.retry_later:
            parts.append(f"{self.retry_later} to try again later")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.needs_checking:
            parts.append(f"{self.needs_checking} need checking")
        return ", ".join(parts) + (f" ({self.error})" if self.error else "")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "the server refused the account name or password"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"the server answered {exc.smtp_code}: {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "the server refused the address " + ", ".join(
            f"{addr} ({code} {text.decode(errors='replace')})"
            for addr, (code, text) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ("the server does not accept a login on this connection: check the security"
                " setting and the port")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the mail server closed the connection ({exc})"
    if isinstance(exc, socket.gaierror):
        return "the mail server's name could not be found (no connection?)"
    if isinstance(exc, ssl.SSLError):
        return f"the secure connection failed ({exc.reason or exc})"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "the mail server did not answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "the mail server refused the connection (is it running?)"
    if isinstance(exc, OSError):
        return f"no connection to the mail server ({exc.strerror or exc})"
    return str(exc) or type(exc).__name__


def password_for(cfg: MailConfig) -> str | None:
    if not cfg.account:
        return None
    password = credentials.get_password(cfg)
    if password is None:
        raise MailNotReady("the email password is not set on this computer: enter it on"
                           " Settings > Email")
    return password


def connect(cfg: MailConfig, password: str | None) -> smtplib.SMTP:
    """An open, logged-in connection (the caller quits it)."""
    if not cfg.configured:
        raise MailNotReady("the school's email is not set up (Settings > Email)")
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if cfg.security == "tls":
        server = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=TIMEOUT_S, context=context)
    else:
        server = smtplib.SMTP(cfg.host, cfg.port, timeout=TIMEOUT_S)
    try:
        server.ehlo()
        if cfg.security == "starttls":
            server.starttls(context=context)
            server.ehlo()
        if cfg.account:
            if cfg.security == "none" and not is_loopback(cfg.host):
                raise MailNotReady("refusing to send the password without encryption")
            server.login(cfg.account, password or "")
    except BaseException:
        server.close()
        raise
    return server


def send_test(engine: Engine, to: str, password: str | None = None) -> str:
    """Send one test message straight away (not through the outbox); one plain line back."""
    cfg = get_settings(engine)
    pw = password if password is not None else password_for(cfg)
    msg = compose.build(cfg, recipient=to, recipient_name="", subject="Test message from"
                        " Attendance Desktop", body="This is a test message: the school's"
                        " email settings work.\n", message_id=compose.new_message_id(cfg),
                        date=clock.now(engine))
    try:
        server = connect(cfg, pw)
        try:
            server.send_message(msg)
        finally:
            server.quit()
    except MailNotReady:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise ServiceError(_describe(exc)) from None
    return f"Test message sent to {to} through {cfg.host}:{cfg.port}."


def flush_steps(engine: Engine, cancel: CancelToken | None = None,
                limit: int | None = None) -> Generator[Progress, None, FlushResult]:
    """Send every due message; a generator for gui.workers (progress, Cancel between
    messages: a message being handed to the server is always finished)."""
    stale = outbox.recover_stale(engine)
    due = outbox.due_ids(engine, limit)
    if not due:
        return FlushResult(0, 0, 0, stale)
    cfg = get_settings(engine)
    yield Progress(0, len(due), f"Connecting to {cfg.host or 'the mail server'}…")
    try:
        server = connect(cfg, password_for(cfg))
    except MailNotReady as exc:  # nothing tried: no attempt counted, someone must act
        return FlushResult(0, len(due), 0, stale, str(exc))
    except (smtplib.SMTPException, OSError) as exc:
        error = _describe(exc)
        outbox.record_no_connection(engine, due, error)
        return FlushResult(0, len(due), 0, stale, error)
    sent = failed = later = check = 0
    try:
        for n, mid in enumerate(due, start=1):
            if cancel is not None and cancel.cancelled:
                later += len(due) - n + 1
                break
            msg = outbox.claim(engine, mid)
            if msg is None:
                continue  # taken by another PC, or cancelled meanwhile
            assert msg.id is not None
            pdf = outbox.attachment_for(engine, msg)
            if pdf is None and msg.attachment_name:
                outbox.mark_attempt_failed(engine, msg.id, "the letter's PDF is no longer"
                                           " kept (removed under the retention policy)",
                                           permanent=True)
                failed += 1
                continue
            email = compose.build(cfg, recipient=msg.recipient,
                                  recipient_name=msg.recipient_name, subject=msg.subject,
                                  body=msg.body, message_id=msg.message_id,
                                  date=clock.now(engine), attachment=pdf,
                                  attachment_name=msg.attachment_name)
            try:
                server.send_message(email)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                    smtplib.SMTPDataError) as exc:
                code = getattr(exc, "smtp_code", 550)
                if isinstance(exc, smtplib.SMTPRecipientsRefused):
                    code = min((c for c, _ in exc.recipients.values()), default=550)
                outbox.mark_attempt_failed(engine, msg.id, _describe(exc),
                                           permanent=code >= 500)
                failed, later = failed + (code >= 500), later + (code < 500)
                continue
            except (smtplib.SMTPException, OSError) as exc:
                # The line broke while the message was going: it may have arrived.
                outbox.mark_attempt_failed(engine, msg.id, _describe(exc), uncertain=True)
                check += 1
                later += len(due) - n  # not claimed: still queued for the next run
                break
            outbox.mark_sent(engine, msg.id)
            sent += 1
            yield Progress(n, len(due), f"Sent {n} of {len(due)}: {msg.recipient}")
    finally:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()
    return FlushResult(sent, later, failed, stale + check)


def flush(engine: Engine, limit: int | None = None) -> FlushResult:
    gen = flush_steps(engine, None, limit)
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            result: FlushResult = stop.value
            return result
