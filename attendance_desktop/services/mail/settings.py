"""The school's outgoing mail server settings (no password: see credentials.py)."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, fields

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import MailSettings, SettingChange
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import PermissionDenied, ServiceError

SECURITY_LABELS = {
    "starttls": "STARTTLS (usually port 587)",
    "tls": "Implicit TLS / SSL (usually port 465)",
    "none": "None: only for a relay on this computer",
}
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
_EMAIL_RE = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


@dataclass(frozen=True, slots=True)
class MailConfig:
    host: str = ""
    port: int = 587
    security: str = "starttls"
    account: str = ""
    from_address: str = ""
    from_name: str = ""
    reply_to: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.host and self.from_address)

    @property
    def credential_user(self) -> str:
        """The name the password is filed under in the credential store."""
        return f"{self.account}@{self.host}:{self.port}"


def is_email(text: str) -> bool:
    return bool(_EMAIL_RE.match(text.strip()))


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def problems(cfg: MailConfig) -> list[str]:
    """What stops these settings from being saved, one plain line each."""
    out = []
    if not cfg.host.strip():
        out.append("Enter the mail server's name (e.g. smtp.office365.com).")
    if not 1 <= cfg.port <= 65535:
        out.append("The port must be a number from 1 to 65535.")
    if cfg.security not in SECURITY_LABELS:
        out.append("Choose the connection security.")
    if not is_email(cfg.from_address):
        out.append("Enter the address the emails come from (e.g. office@school.example).")
    if cfg.reply_to.strip() and not is_email(cfg.reply_to):
        out.append("The reply-to address is not an email address.")
    if cfg.security == "none" and cfg.account.strip() and not is_loopback(cfg.host):
        out.append("Without encryption the password would cross the network readable:"
                   " choose STARTTLS or TLS for this server.")
    return out


def warnings(cfg: MailConfig) -> list[str]:
    """What may be saved but deserves a second look."""
    out = []
    if cfg.security == "none" and cfg.host.strip() and not is_loopback(cfg.host):
        out.append("No encryption: letters about children would cross the network readable."
                   " Use none only for a mail relay on this computer (localhost).")
    if cfg.security in DEFAULT_PORTS and cfg.port not in DEFAULT_PORTS.values():
        out.append(f"Port {cfg.port} is unusual; most servers use 587 (STARTTLS) or 465 (TLS).")
    return out


def _row(s: Session) -> MailSettings | None:
    return s.exec(select(MailSettings).order_by(MailSettings.id)).first()  # type: ignore[arg-type]


def get_settings(engine: Engine) -> MailConfig:
    with session_scope(engine) as s:
        row = _row(s)
        if row is None:
            return MailConfig()
        return MailConfig(row.host, row.port, row.security, row.account, row.from_address,
                          row.from_name, row.reply_to)


def save_settings(engine: Engine, actor: Actor, cfg: MailConfig) -> MailConfig:
    """Save the settings (head only); each changed value goes in the change log."""
    if not actor.can_edit_settings:
        raise PermissionDenied("only the headteacher can change the school's email settings")
    cfg = MailConfig(cfg.host.strip(), cfg.port, cfg.security, cfg.account.strip(),
                     cfg.from_address.strip(), cfg.from_name.strip(), cfg.reply_to.strip())
    found = problems(cfg)
    if found:
        raise ServiceError(found[0])
    with session_scope(engine) as s:
        row = _row(s) or MailSettings()
        for f in fields(MailConfig):
            old, new = getattr(row, f.name), getattr(cfg, f.name)
            if old != new or row.id is None:
                s.add(SettingChange(area="mail", key=f.name.replace("_", " "),
                                    old_value=str(old) if row.id is not None else "",
                                    new_value=str(new), staff_name=actor.name,
                                    staff_role=actor.role.value))
            setattr(row, f.name, new)
        s.add(row)
    return cfg
