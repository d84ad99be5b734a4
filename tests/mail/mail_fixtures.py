"""A real SMTP server on loopback (aiosmtpd) and a real keyring backend for the mail tests.

The keyring: the secure stores (Windows Credential Manager, the Secret Service) need a
desktop session that a headless test run does not have, so the tests use keyrings.alt's
file backend, a real `keyring` backend that writes a real file, placed in the test's temp
folder and chosen on purpose (credentials.trust_backend). The app itself refuses that
backend when keyring picks it on its own (priority below 1): tested in test_credentials.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import keyring
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from attendance_desktop.services.mail import credentials

ACCOUNT, PASSWORD = "office@hillside.example", "correct horse battery staple"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    port: int
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                          address: str, rcpt_options: list[str]) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, pw = auth_data.login.decode(), auth_data.password.decode()
            self.logins.append((login, pw))
            return AuthResult(success=login == ACCOUNT and pw == PASSWORD, handled=False)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """Start and stop a loopback SMTP server on a fixed port (down, then up again)."""

    def __init__(self, port: int) -> None:
        self.inbox = Inbox(port)
        self.controller: Controller | None = None

    def start(self) -> Inbox:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.inbox.port,
                                     authenticator=self.inbox.authenticate,
                                     auth_require_tls=False)
        self.controller.start()
        return self.inbox

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def inbox(smtp: SmtpServer) -> Inbox:
    return smtp.start()


@pytest.fixture
def file_keyring(tmp_path: Path) -> Iterator[Any]:
    from keyrings.alt.file import PlaintextKeyring

    before = keyring.get_keyring()
    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "keyring" / "passwords.cfg")  # type: ignore[misc]
    credentials.trust_backend(kr)
    yield kr
    keyring.set_keyring(before)
    credentials._trusted.clear()
    credentials.forget_session()
