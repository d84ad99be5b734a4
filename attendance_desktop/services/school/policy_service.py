"""Read and change the school's policy settings, recording every change."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import PolicySetting, SettingChange
from attendance_desktop.domain.policy import Policy, PolicyError, preset
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import PermissionDenied, ServiceError


def write_defaults(session: Session, policy: Policy | None = None) -> None:
    """Store every policy value (used when a database is created)."""
    for key, value in (policy or Policy()).to_dict().items():
        session.merge(PolicySetting(key=key, value_json=json.dumps(value)))


def read_policy(session: Session) -> Policy:
    rows = session.exec(select(PolicySetting)).all()
    return Policy.from_dict({r.key: json.loads(r.value_json) for r in rows})


def load_policy(engine: Engine) -> Policy:
    with session_scope(engine) as s:
        return read_policy(s)


def save_policy(engine: Engine, actor: Actor, new: Policy) -> list[str]:
    """Validate and store a policy; returns the keys that changed (each audited)."""
    if not actor.can_edit_settings:
        raise PermissionDenied("only the headteacher can change the attendance policy")
    try:
        new.validate()
    except PolicyError as exc:
        raise ServiceError(str(exc)) from exc
    changed: list[str] = []
    with session_scope(engine) as s:
        old = read_policy(s).to_dict()
        for key, value in new.to_dict().items():
            if old.get(key) == value:
                continue
            changed.append(key)
            s.merge(PolicySetting(key=key, value_json=json.dumps(value)))
            s.add(SettingChange(area="policy", key=key, old_value=_show(old.get(key)),
                                new_value=_show(value), staff_name=actor.name,
                                staff_role=actor.role.value))
    return changed


def apply_preset(engine: Engine, actor: Actor, name: str) -> list[str]:
    try:
        chosen = preset(name)
    except PolicyError as exc:
        raise ServiceError(str(exc)) from exc
    return save_policy(engine, actor, chosen)


def _show(value: Any) -> str:
    return "" if value is None else json.dumps(value)
