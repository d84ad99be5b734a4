"""The loopback SMTP server and keyring fixtures for every mail test here."""

from tests.mail.mail_fixtures import file_keyring, inbox, smtp  # noqa: F401
