"""Staff accounts, managed by the headteacher: add, change role, reset PIN, disable.

Accounts are never deleted (their names stay on the marks they entered), and the last
active headteacher can be neither disabled nor demoted.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import SchoolClass, SettingChange, Staff
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError
from attendance_desktop.services.school.auth_service import StaffInfo, check_pin, hash_pin

ASSIGNABLE_ROLES = (Role.HEAD, Role.OFFICE, Role.TEACHER, Role.READONLY)


def _need(actor: Actor) -> None:
    if not actor.can_manage_staff:
        raise PermissionDenied("only the headteacher can manage staff accounts")


def _record(s: Session, actor: Actor, key: str, old: str, new: str) -> None:
    s.add(SettingChange(area="staff", key=key, old_value=old, new_value=new,
                        staff_name=actor.name, staff_role=actor.role.value))


def _role(value: Role | str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        raise ServiceError(f"unknown role '{value}'") from None
    if role not in ASSIGNABLE_ROLES:
        raise ServiceError(f"a staff account cannot have the role '{role.label}'")
    return role


def _get(s: Session, staff_id: int) -> Staff:
    row = s.get(Staff, staff_id)
    if row is None:
        raise NotFound("that staff account no longer exists")
    return row


def _other_active_heads(s: Session, staff_id: int) -> int:
    return sum(1 for r in s.exec(select(Staff).where(Staff.active, Staff.role == Role.HEAD.value))
               if r.id != staff_id)


def list_staff(engine: Engine, include_inactive: bool = True) -> list[StaffInfo]:
    with session_scope(engine) as s:
        q = select(Staff).order_by(Staff.active.desc(), Staff.name)  # type: ignore[attr-defined]
        if not include_inactive:
            q = q.where(Staff.active)
        return [StaffInfo(r.id, r.name, Role(r.role), r.active) for r in s.exec(q)
                if r.id is not None]


def add_staff(engine: Engine, actor: Actor, name: str, role: Role | str, pin: str) -> int:
    _need(actor)
    name = name.strip()
    if not name:
        raise ServiceError("enter the member of staff's name")
    chosen = _role(role)
    check_pin(engine, pin, chosen)
    pin_hash = hash_pin(pin)
    with session_scope(engine) as s:
        same = s.exec(select(Staff).where(Staff.name == name, Staff.active)).first()
        if same is not None:
            raise ServiceError(f"there is already an active account called '{name}'")
        row = Staff(name=name, role=chosen.value, pin_hash=pin_hash)
        s.add(row)
        s.flush()
        _record(s, actor, f"staff {name}", "", f"added as {chosen.label}")
        assert row.id is not None
        return row.id


def rename_staff(engine: Engine, actor: Actor, staff_id: int, name: str) -> None:
    _need(actor)
    name = name.strip()
    if not name:
        raise ServiceError("enter the member of staff's name")
    with session_scope(engine) as s:
        row = _get(s, staff_id)
        if row.name != name:
            _record(s, actor, f"staff {row.name}", row.name, name)
            row.name = name
            s.add(row)


def change_role(engine: Engine, actor: Actor, staff_id: int, role: Role | str) -> None:
    _need(actor)
    chosen = _role(role)
    with session_scope(engine) as s:
        row = _get(s, staff_id)
        if row.role == chosen.value:
            return
        if (row.role == Role.HEAD.value and row.active
                and _other_active_heads(s, staff_id) == 0):
            raise ServiceError(f"{row.name} is the only active headteacher account; make"
                               " someone else headteacher first")
        _record(s, actor, f"staff {row.name}", Role(row.role).label, chosen.label)
        # A PIN that was long enough for a teacher may be short for head or office: the
        # owner is asked to change it at the next sign-in (auth_service.pin_needs_change).
        row.role = chosen.value
        s.add(row)


def reset_pin(engine: Engine, actor: Actor, staff_id: int, pin: str) -> None:
    """Set a new PIN (the old one stops working) and clear any lock-out."""
    _need(actor)
    with session_scope(engine) as s:
        role = Role(_get(s, staff_id).role)
    check_pin(engine, pin, role)
    pin_hash = hash_pin(pin)
    with session_scope(engine) as s:
        row = _get(s, staff_id)
        row.pin_hash = pin_hash
        row.failed_attempts = 0
        row.locked_until = None
        s.add(row)
        _record(s, actor, f"staff {row.name}", "PIN", "PIN reset")


def set_active(engine: Engine, actor: Actor, staff_id: int, active: bool) -> None:
    """Disable (or re-enable) an account; never deletes it."""
    _need(actor)
    with session_scope(engine) as s:
        row = _get(s, staff_id)
        if row.active == active:
            return
        if (not active and row.role == Role.HEAD.value
                and _other_active_heads(s, staff_id) == 0):
            raise ServiceError(f"{row.name} is the only active headteacher account and cannot"
                               " be disabled")
        if not active:
            for c in s.exec(select(SchoolClass).where(SchoolClass.teacher_id == staff_id)):
                c.teacher_id = None
                s.add(c)
        _record(s, actor, f"staff {row.name}", "active" if row.active else "disabled",
                "active" if active else "disabled")
        row.active = active
        s.add(row)
