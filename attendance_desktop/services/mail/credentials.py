"""The mail account's password: in the operating system's credential store, never on disk.

`keyring` picks the store: Windows Credential Manager on the school PC, the Secret Service
(GNOME keyring, KWallet) on a Linux desktop, the Keychain on a Mac. A backend of priority
below 1 is a fallback (keyring's own convention): keyrings.alt's plain-text and
passphrase-prompting files, the null and fail backends. Those are refused unless someone
chose one on purpose (`trust_backend`: tests, or IT with their own store), so a headless
machine says plainly that it cannot keep the password and asks for it each session instead
of writing it to a file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail

from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.mail.settings import MailConfig

SERVICE = "Attendance Desktop school email"
_session: dict[str, str] = {}  # passwords typed for this session only (no safe store)
_trusted: list[KeyringBackend] = []


@dataclass(frozen=True, slots=True)
class StoreStatus:
    usable: bool
    name: str  # e.g. "Windows Credential Manager (WinVaultKeyring)"
    message: str  # one plain line for the settings page


def trust_backend(backend: KeyringBackend) -> None:
    """Use `backend` and accept it whatever its priority (chosen on purpose)."""
    keyring.set_keyring(backend)
    _trusted.clear()
    _trusted.append(backend)


def _effective(backend: KeyringBackend) -> KeyringBackend | None:
    """The backend a password would actually be written to."""
    if isinstance(backend, chainer.ChainerBackend):
        subs: list[Any] = list(backend.backends)
        return subs[0] if subs else None
    return backend


def store_status() -> StoreStatus:
    backend = keyring.get_keyring()
    if any(backend is t for t in _trusted):
        return StoreStatus(True, type(backend).__name__, "The password is kept in the chosen"
                           f" credential store ({type(backend).__name__}).")
    target = _effective(backend)
    name = type(target).__name__ if target is not None else "none"
    if target is None or isinstance(target, fail.Keyring) or float(target.priority) < 1:
        return StoreStatus(False, name, "This computer has no safe password store"
                           f" (found: {name}). The password will be asked for once each time"
                           " the app starts and is never written to disk.")
    label = getattr(target, "name", "") or name
    return StoreStatus(True, name, f"The password is kept in the computer's credential store"
                       f" ({label}), not in the database.")


def save_password(cfg: MailConfig, password: str) -> bool:
    """Keep the password: in the credential store if there is a safe one (True), otherwise
    in memory for this session only (False)."""
    user = cfg.credential_user
    if not store_status().usable:
        _session[user] = password
        return False
    try:
        keyring.set_password(SERVICE, user, password)
    except keyring.errors.KeyringError as exc:
        raise ServiceError(f"the credential store refused the password ({exc})") from None
    _session.pop(user, None)
    return True


def get_password(cfg: MailConfig) -> str | None:
    user = cfg.credential_user
    if user in _session:
        return _session[user]
    if not store_status().usable:
        return None
    try:
        return keyring.get_password(SERVICE, user)
    except keyring.errors.KeyringError:
        return None


def forget_password(cfg: MailConfig) -> None:
    user = cfg.credential_user
    _session.pop(user, None)
    if store_status().usable:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):  # nothing stored
            keyring.delete_password(SERVICE, user)


def forget_session() -> None:
    _session.clear()
