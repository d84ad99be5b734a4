"""Building the email itself (standard library `email`): headers, text, PDF attachment."""

from __future__ import annotations

import datetime as dt
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from attendance_desktop.services.mail.settings import MailConfig


def message_domain(cfg: MailConfig) -> str:
    _, _, domain = cfg.from_address.rpartition("@")
    return domain or "attendance-desktop.invalid"


def new_message_id(cfg: MailConfig) -> str:
    """A world-unique Message-ID, made once when a message is queued."""
    return make_msgid(idstring="attendance", domain=message_domain(cfg))


def _address(name: str, addr: str) -> Address:
    user, _, domain = addr.strip().partition("@")
    return Address(display_name=name.strip(), username=user, domain=domain)


def build(cfg: MailConfig, *, recipient: str, recipient_name: str, subject: str, body: str,
          message_id: str, date: dt.datetime, attachment: bytes | None = None,
          attachment_name: str = "") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = _address(cfg.from_name, cfg.from_address)
    msg["To"] = _address(recipient_name, recipient)
    if cfg.reply_to:
        msg["Reply-To"] = _address(cfg.from_name, cfg.reply_to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date.astimezone())  # local time with its UTC offset
    msg["Message-ID"] = message_id
    msg.set_content(body)
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf",
                           filename=attachment_name or "letter.pdf")
    return msg
