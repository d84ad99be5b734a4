"""Staff sign-in: PINs or passwords hashed with Argon2id; repeated failures slow down.

A copied database must not give up its PINs to an offline search: the Argon2id cost
(`PRODUCTION_COST`) makes one guess take about a quarter of a second on one core, so
trying every 6-digit PIN takes about 3 days, and the PIN rules (`pin_problem`) refuse the
PINs a thief would try first. The cost is stored inside each hash, so hashes made with an
older cost still verify and are re-made with the current one at the next sign-in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Pupil, School, SchoolClass, SettingChange, Staff
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import policy_service


@dataclass(frozen=True, slots=True)
class HashCost:
    """Argon2id parameters (memory in KiB)."""

    time_cost: int
    memory_cost: int
    parallelism: int = 1

    def hasher(self) -> PasswordHasher:
        return PasswordHasher(time_cost=self.time_cost, memory_cost=self.memory_cost,
                              parallelism=self.parallelism)


# Measured with time.perf_counter on the development machine (2 cores, shared): 0.255 s
# per hash, so 10**6 guesses (every 6-digit PIN) take about 2.95 days on one core. One lane,
# so the figure is what an attacker's single core pays too. 96 MiB also slows GPUs.
PRODUCTION_COST: Final = HashCost(time_cost=3, memory_cost=96 * 1024, parallelism=1)
_hasher = PRODUCTION_COST.hasher()


def use_hash_cost(cost: HashCost) -> HashCost:
    """Hash (and rehash) with `cost` from now on; returns the cost used until now.
    Tests choose a cheap cost here; the app never calls it."""
    global _hasher
    old = current_hash_cost()
    _hasher = cost.hasher()
    return old


def current_hash_cost() -> HashCost:
    return HashCost(_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)


MIN_PIN_LENGTH = 4  # the least anyone may have; the policy sets more per role
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
    """The Argon2id hash of a PIN. Only the bare minimum length is checked here: the
    rules for a role are `pin_problem`'s (the demo's published PINs are hashed too)."""
    if len(pin.strip()) < MIN_PIN_LENGTH:
        raise ServiceError(f"a PIN or password needs at least {MIN_PIN_LENGTH} characters")
    return _hasher.hash(pin)


SENIOR_ROLES = frozenset({Role.HEAD, Role.OFFICE})  # full access to personal data


def min_pin_length(role: Role, senior_min: int, staff_min: int) -> int:
    return max(MIN_PIN_LENGTH, senior_min if role in SENIOR_ROLES else staff_min)


def _steps_by_one(digits: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(digits)}
    return steps in ({1}, {9})  # 123456, 890123 / 654321, 210987


def guessable_reason(pin: str) -> str | None:
    """Why a PIN is among the first an attacker tries, or None."""
    if not pin.isdigit():
        return None  # a password: its length and variety are the user's
    if len(set(pin)) == 1:
        return "it repeats one digit"
    if _steps_by_one(pin):
        return "its digits run up or down in order"
    for size in (2, 3):
        if len(pin) % size == 0 and len(pin) > size and pin == pin[:size] * (len(pin) // size):
            return "it repeats a short pattern"
    if len(pin) == 4 and pin[:2] in ("19", "20"):
        return "it looks like a year"
    if len(pin) == 6 and pin[:2] in ("19", "20") and pin[2:] == pin[2:4] * 2:
        return "it looks like a year"
    half = len(pin) // 2
    if len(pin) % 2 == 0 and pin[half:] == pin[:half][::-1]:
        return "it is a mirror pattern"
    return None


def pin_problem(pin: str, role: Role, senior_min: int = 6, staff_min: int = 4) -> str | None:
    """What is wrong with `pin` for an account with `role` (None when it is acceptable).
    Head and office accounts need `senior_min` characters, others `staff_min`."""
    if pin != pin.strip():
        return "a PIN or password cannot start or end with a space"
    need = min_pin_length(role, senior_min, staff_min)
    if len(pin) < need:
        who = "head and office accounts" if role in SENIOR_ROLES else "this account"
        return f"a PIN or password for {who} needs at least {need} characters"
    why = guessable_reason(pin)
    if why:
        return f"that PIN is too easy to guess ({why}); choose another"
    return None


def pin_rules(engine: Engine) -> tuple[int, int]:
    """(head/office minimum, teacher/read-only minimum) from the school's policy."""
    policy = policy_service.load_policy(engine)
    return policy.pin_min_length_senior, policy.pin_min_length_staff


def check_pin(engine: Engine, pin: str, role: Role) -> None:
    """Raise ServiceError when `pin` breaks the school's PIN rules for `role`."""
    senior, staff = pin_rules(engine)
    why = pin_problem(pin, role, senior, staff)
    if why:
        raise ServiceError(why)


def pin_needs_change(engine: Engine, actor: Actor, pin: str) -> str | None:
    """After a successful sign-in: why the PIN just typed must be changed now (it no
    longer meets the rules), or None. Demo accounts keep their published PINs."""
    if actor.staff_id is None:
        return None
    with session_scope(engine) as s:
        row = s.get(Staff, actor.staff_id)
        if row is None or row.is_demo:
            return None
    senior, staff = pin_rules(engine)
    return pin_problem(pin, actor.role, senior, staff)


def change_own_pin(engine: Engine, actor: Actor, old_pin: str, new_pin: str) -> None:
    """A signed-in member of staff replaces their own PIN (checked against the rules)."""
    if actor.staff_id is None:
        raise ServiceError("only a member of staff with an account can change a PIN")
    if new_pin == old_pin:
        raise ServiceError("the new PIN must differ from the old one")
    check_pin(engine, new_pin, actor.role)
    with session_scope(engine) as s:
        row = s.get(Staff, actor.staff_id)
        if row is None or not row.active:
            raise ServiceError("that account is not in use; ask the headteacher")
        try:
            _hasher.verify(row.pin_hash, old_pin)
        except (VerificationError, InvalidHashError):
            raise ServiceError("the current PIN is not right") from None
        row.pin_hash = _hasher.hash(new_pin)
        s.add(row)
        s.add(SettingChange(area="staff", key=f"staff {row.name}", old_value="PIN",
                            new_value="PIN changed by its owner", staff_name=actor.name,
                            staff_role=actor.role.value))


# --- the first headteacher account -----------------------------------------------------


def needs_head_account(engine: Engine) -> bool:
    """True when the database holds pupils (or a finished set-up) but no account anyone
    can sign in with: the head's account must be created before anything opens."""
    with session_scope(engine) as s:
        usable = s.exec(select(Staff.id).where(Staff.active, Staff.pin_hash != "")).first()
        if usable is not None:
            return False
        has_pupils = s.exec(select(Pupil.id)).first() is not None
        school = s.exec(select(School)).first()
        return has_pupils or bool(school is not None and school.set_up_complete)


def create_first_head(engine: Engine, name: str, pin: str) -> Actor:
    """Create the headteacher's account when `needs_head_account`, and sign it in."""
    name = name.strip()
    if not name:
        raise ServiceError("enter the headteacher's name")
    check_pin(engine, pin, Role.HEAD)
    pin_hash = hash_pin(pin)
    with session_scope(engine) as s:
        if s.exec(select(Staff.id).where(Staff.active, Staff.pin_hash != "")).first():
            raise ServiceError("staff accounts exist already; sign in with one of them")
        row = Staff(name=name, role=Role.HEAD.value, pin_hash=pin_hash)
        s.add(row)
        s.flush()
        assert row.id is not None
        s.add(SettingChange(area="staff", key=f"staff {name}", new_value=(
            "added as Headteacher / attendance lead (first account)"),
            staff_name=name, staff_role=Role.HEAD.value))
        return actor_for(row, frozenset())


def delay_after(failures: int) -> int:
    """Seconds to wait after this many consecutive failures (0 for the first few)."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(MAX_DELAY_SECONDS, int(2 ** (failures - FREE_ATTEMPTS + 1)) * 5)


def actor_for(staff: Staff, class_ids: frozenset[int]) -> Actor:
    assert staff.id is not None
    return Actor(staff.name, Role(staff.role), staff.id, class_ids)


def sign_in(engine: Engine, staff_id: int, pin: str, now: dt.datetime | None = None) -> Actor:
    """Check a PIN; return the signed-in Actor or raise SignInRefused (never says which part)."""
    when = now or clock.now(engine)
    with session_scope(engine) as s:
        staff = s.get(Staff, staff_id)
        if staff is None or not staff.active:
            raise SignInRefused("that account is not in use; ask the headteacher")
        if staff.locked_until is not None and staff.locked_until > when:
            wait = int((staff.locked_until - when).total_seconds()) + 1
            raise SignInRefused(f"too many wrong attempts: try again in {wait} seconds", wait)
        try:
            _hasher.verify(staff.pin_hash, pin)
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
        if _hasher.check_needs_rehash(staff.pin_hash):
            # Made with an older (or cheaper) cost: re-made with today's.
            staff.pin_hash = _hasher.hash(pin)
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
    when = now or clock.now(engine)
    with session_scope(engine) as s:
        for r in s.exec(select(Staff).where(Staff.active)):
            if r.id is None or (roles is not None and Role(r.role) not in roles):
                continue
            if r.locked_until is not None and r.locked_until > when:
                continue
            try:
                _hasher.verify(r.pin_hash, pin)
            except (VerificationError, InvalidHashError):
                continue
            class_ids = frozenset(
                c.id for c in s.exec(select(SchoolClass).where(SchoolClass.teacher_id == r.id))
                if c.id is not None)
            return actor_for(r, class_ids)
    return None
