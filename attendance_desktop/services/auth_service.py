"""Staff sign-in: PINs or passwords hashed with Argon2id; repeated failures slow down."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import SchoolClass, Staff
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import ServiceError

_HASHER = PasswordHasher()
MIN_PIN_LENGTH = 4
FREE_ATTEMPTS = 3  # failures before a delay is imposed
MAX_DELAY_SECONDS = 300


class SignInRefused(ServiceError):
    def __init__(self, message: str, wait_seconds: int = 0) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


@dataclass(frozen=True, slots=True)
class StaffInfo:
    id: int
    name: str
    role: Role
    active: bool


def hash_pin(pin: str) -> str:
    if len(pin.strip()) < MIN_PIN_LENGTH:
        raise ServiceError(f"a PIN or password needs at least {MIN_PIN_LENGTH} characters")
    return _HASHER.hash(pin)


def delay_after(failures: int) -> int:
    """Seconds to wait after this many consecutive failures (0 for the first few)."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(MAX_DELAY_SECONDS, 2 ** (failures - FREE_ATTEMPTS + 1) * 5)


def actor_for(staff: Staff, class_ids: frozenset[int]) -> Actor:
    assert staff.id is not None
    return Actor(staff.name, Role(staff.role), staff.id, class_ids)


def sign_in(engine: Engine, staff_id: int, pin: str, now: dt.datetime | None = None) -> Actor:
    """Check a PIN; return the signed-in Actor or raise SignInRefused (never says which part)."""
    when = now or dt.datetime.now()
    with session_scope(engine) as s:
        staff = s.get(Staff, staff_id)
        if staff is None or not staff.active:
            raise SignInRefused("that account is not in use; ask the headteacher")
        if staff.locked_until is not None and staff.locked_until > when:
            wait = int((staff.locked_until - when).total_seconds()) + 1
            raise SignInRefused(f"too many wrong attempts: try again in {wait} seconds", wait)
        try:
            _HASHER.verify(staff.pin_hash, pin)
        except (VerificationError, InvalidHashError):
            staff.failed_attempts += 1
            wait = delay_after(staff.failed_attempts)
            staff.locked_until = when + dt.timedelta(seconds=wait) if wait else None
            s.add(staff)
            s.commit()  # keep the failure count: the raise below would roll it back
            extra = f"; wait {wait} seconds before trying again" if wait else ""
            raise SignInRefused(f"wrong PIN or password{extra}", wait) from None
        staff.failed_attempts = 0
        staff.locked_until = None
        if _HASHER.check_needs_rehash(staff.pin_hash):
            staff.pin_hash = _HASHER.hash(pin)
        s.add(staff)
        class_ids = frozenset(
            c.id for c in s.exec(select(SchoolClass).where(SchoolClass.teacher_id == staff.id))
            if c.id is not None)
        return actor_for(staff, class_ids)


def list_staff(engine: Engine, include_inactive: bool = False) -> list[StaffInfo]:
    with session_scope(engine) as s:
        q = select(Staff).order_by(Staff.name)
        if not include_inactive:
            q = q.where(Staff.active)
        return [StaffInfo(r.id, r.name, Role(r.role), r.active) for r in s.exec(q)
                if r.id is not None]


def verify_any_staff_pin(engine: Engine, pin: str, roles: frozenset[Role] | None = None,
                         now: dt.datetime | None = None) -> Actor | None:
    """For the kiosk exit: the first active staff member (of the roles) whose PIN matches.
    A miss is not counted against anyone's account (the kiosk has its own slow-down)."""
    when = now or dt.datetime.now()
    with session_scope(engine) as s:
        for r in s.exec(select(Staff).where(Staff.active)):
            if r.id is None or (roles is not None and Role(r.role) not in roles):
                continue
            if r.locked_until is not None and r.locked_until > when:
                continue
            try:
                _HASHER.verify(r.pin_hash, pin)
            except (VerificationError, InvalidHashError):
                continue
            class_ids = frozenset(
                c.id for c in s.exec(select(SchoolClass).where(SchoolClass.teacher_id == r.id))
                if c.id is not None)
            return actor_for(r, class_ids)
    return None
