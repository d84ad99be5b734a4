"""STARTTLS and implicit TLS against a real loopback server with a certificate from a test
certificate authority (trusted through SSL_CERT_FILE, as a school's own CA would be through
the system store); an untrusted certificate is refused before the password is sent."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine

from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.mail import credentials, sender
from attendance_desktop.services.mail.settings import MailConfig, save_settings
from tests.conftest import HEAD, clock_at
from tests.mail.mail_fixtures import ACCOUNT, PASSWORD, Inbox, free_port

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@pytest.fixture
def certs(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(ca.pem, server.pem, server.key) for localhost and 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Test school CA"))
          .issuer_name(_name("Test school CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("localhost"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    paths = tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"
    paths[0].write_bytes(ca.public_bytes(pem))
    paths[1].write_bytes(cert.public_bytes(pem))
    paths[2].write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def _server_context(certs: tuple[Path, Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(certs[1], certs[2])
    return ctx


@pytest.fixture(params=["starttls", "tls"])
def tls_server(request: pytest.FixtureRequest,
               certs: tuple[Path, Path, Path]) -> Iterator[tuple[str, Inbox]]:
    inbox = Inbox(free_port())
    context = _server_context(certs)
    if request.param == "tls":
        controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port,
                                ssl_context=context, authenticator=inbox.authenticate,
                                auth_require_tls=False)  # the whole connection is TLS
    else:  # AUTH only after STARTTLS: the password never crosses in the clear
        controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port,
                                tls_context=context, require_starttls=True,
                                authenticator=inbox.authenticate, auth_require_tls=True)
    controller.start()
    yield request.param, inbox
    controller.stop()


def test_encrypted_connections(engine: Engine, tls_server: tuple[str, Inbox],
                               certs: tuple[Path, Path, Path], file_keyring: object,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    security, inbox = tls_server
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 0))
    cfg = save_settings(engine, HEAD, MailConfig(
        host="localhost", port=inbox.port, security=security, account=ACCOUNT,
        from_address="office@hillside.example"))
    credentials.save_password(cfg, PASSWORD)
    # Not trusted yet: refused before anything (the password included) is sent.
    monkeypatch.setenv("SSL_CERT_FILE", str(certs[1].with_name("nothing.pem")))
    with pytest.raises(ServiceError, match="secure connection failed"):
        sender.send_test(engine, "head@hillside.example")
    assert inbox.logins == []
    monkeypatch.setenv("SSL_CERT_FILE", str(certs[0]))
    assert "sent to head@hillside.example" in sender.send_test(engine,
                                                               "head@hillside.example")
    assert inbox.logins == [(ACCOUNT, PASSWORD)]
    assert len(inbox.messages) == 1
