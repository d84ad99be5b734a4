"""Mail settings rules and the password store: keyring only, never the database or disk in
plain text when keyring picked a fallback on its own."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import SettingChange
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.mail import credentials, sender
from attendance_desktop.services.mail.settings import (
    MailConfig,
    get_settings,
    problems,
    save_settings,
    warnings,
)
from tests.conftest import HEAD, OFFICE, clock_at
from tests.mail.mail_fixtures import ACCOUNT, PASSWORD, Inbox

GOOD = MailConfig(host="smtp.school.example", port=587, security="starttls",
                  account="office@school.example", from_address="office@school.example",
                  from_name="Hillside Primary School")


def test_settings_rules() -> None:
    assert problems(GOOD) == []
    assert warnings(GOOD) == []
    plain_remote = MailConfig(host="smtp.school.example", port=25, security="none",
                              account="office", from_address="office@school.example")
    assert any("password would cross the network" in p for p in problems(plain_remote))
    relay = MailConfig(host="smtp.school.example", port=25, security="none",
                       from_address="office@school.example")
    assert problems(relay) == []  # no login: allowed, but warned
    assert any("No encryption" in w for w in warnings(relay))
    local = MailConfig(host="127.0.0.1", port=25, security="none", account="x",
                       from_address="office@school.example")
    assert problems(local) == []
    assert not any("No encryption" in w for w in warnings(local))
    assert problems(MailConfig(host="h", from_address="not an address"))
    assert problems(MailConfig(host="h", from_address="a@b.example", reply_to="nope"))


def test_only_the_head_saves_and_changes_are_logged(engine: Engine) -> None:
    with pytest.raises(PermissionDenied):
        save_settings(engine, OFFICE, GOOD)
    with pytest.raises(ServiceError, match="mail server's name"):
        save_settings(engine, HEAD, MailConfig(from_address="office@school.example"))
    save_settings(engine, HEAD, GOOD)
    assert get_settings(engine) == GOOD
    save_settings(engine, HEAD, MailConfig(**{**{f: getattr(GOOD, f) for f in (
        "host", "security", "account", "from_address", "from_name")}, "port": 465}))
    with session_scope(engine) as s:
        keys = [c.key for c in s.exec(select(SettingChange).where(SettingChange.area == "mail"))]
    assert keys.count("port") == 2
    assert "host" in keys


def test_password_goes_to_the_keyring_not_the_database(engine: Engine, paths: object,
                                                       file_keyring: PlaintextKeyring) -> None:
    save_settings(engine, HEAD, GOOD)
    assert credentials.store_status().usable
    assert credentials.save_password(GOOD, PASSWORD) is True
    assert keyring.get_password(credentials.SERVICE, GOOD.credential_user) == PASSWORD
    again = PlaintextKeyring()  # a new process reading the same store
    again.file_path = file_keyring.file_path  # type: ignore[misc]
    assert again.get_password(credentials.SERVICE, GOOD.credential_user) == PASSWORD
    credentials.forget_session()
    assert credentials.get_password(GOOD) == PASSWORD  # read back from the store
    encoded = base64.b64encode(PASSWORD.encode())
    for f in Path(engine.url.database or "").parent.rglob("*"):
        if f.is_file():  # the database, its WAL, the logs: neither plain nor encoded
            data = f.read_bytes()
            assert PASSWORD.encode() not in data, f
            assert encoded not in data, f
    credentials.forget_password(GOOD)
    assert credentials.get_password(GOOD) is None


def test_a_fallback_store_picked_by_keyring_is_refused(tmp_path: Path) -> None:
    # What a headless Linux PC with keyrings.alt installed gets: keyring's own choice is
    # the plain-text file. The app must not write the password there.
    before = keyring.get_keyring()
    kr = PlaintextKeyring()
    kr.file_path = str(tmp_path / "plain.cfg")  # type: ignore[misc]
    keyring.set_keyring(kr)  # chosen by keyring, not trusted by the app
    try:
        status = credentials.store_status()
        assert not status.usable
        assert "no safe password store" in status.message
        assert credentials.save_password(GOOD, PASSWORD) is False  # this session only
        assert credentials.get_password(GOOD) == PASSWORD
        assert not (tmp_path / "plain.cfg").exists()
        credentials.forget_session()  # the app restarts: it must be asked for again
        assert credentials.get_password(GOOD) is None
        from keyring.backends import fail
        keyring.set_keyring(fail.Keyring())
        assert not credentials.store_status().usable
    finally:
        keyring.set_keyring(before)
        credentials.forget_session()


def test_send_test_message(engine: Engine, inbox: Inbox, file_keyring: object) -> None:
    clock_at(engine, dt.datetime(2025, 11, 20, 9, 0))
    cfg = save_settings(engine, HEAD, MailConfig(
        host="localhost", port=inbox.port, security="none", account=ACCOUNT,
        from_address="office@hillside.example", from_name="Hillside"))
    credentials.save_password(cfg, PASSWORD)
    line = sender.send_test(engine, "head@hillside.example")
    assert "sent to head@hillside.example" in line
    (got,) = inbox.messages
    assert got.rcpt_tos == ["head@hillside.example"]
    assert "Test message" in got.message["Subject"]
    credentials.save_password(cfg, "wrong")
    with pytest.raises(ServiceError, match="account name or password"):
        sender.send_test(engine, "head@hillside.example")
