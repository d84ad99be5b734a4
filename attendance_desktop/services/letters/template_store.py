"""The school's letter templates: seeded from the ready-made wording, edited, reset, recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    LetterTemplate,
    SettingChange,
)
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError
from attendance_desktop.services.letters.letter_templates import DEFAULTS, TemplateDef, for_preset
from attendance_desktop.services.letters.template_syntax import check_template
from attendance_desktop.services.letters.template_syntax import inputs_needed as _inputs_needed
from attendance_desktop.services.school import policy_service

SENDER_ROLES = (Role.OFFICE, Role.HEAD, Role.SYSTEM)


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    key: str
    title: str
    body: str
    layout: str
    family: bool
    description: str
    is_default: bool  # the ready-made wording, unchanged
    updated_at: dt.datetime | None
    updated_by: str
    inputs: tuple[str, ...]  # meeting fields and extras the caller must supply


# --- templates ------------------------------------------------------------------------


def need_sender(actor: Actor, what: str) -> None:
    if actor.role not in SENDER_ROLES:
        raise PermissionDenied(f"only office staff and the headteacher can {what}")


def _ensure_templates(s: Session) -> dict[str, LetterTemplate]:
    rows = {r.key: r for r in s.exec(select(LetterTemplate))}
    for key, d in DEFAULTS.items():
        if key not in rows:
            row = LetterTemplate(key=key, title=d.title, body=d.body,
                                 updated_by="ready-made wording")
            s.add(row)
            rows[key] = row
    s.flush()
    return rows


def template_definition(key: str) -> TemplateDef:
    try:
        return DEFAULTS[key]
    except KeyError:
        raise NotFound(f"there is no letter called '{key}'") from None


def _info(row: LetterTemplate) -> TemplateInfo:
    d = template_definition(row.key)
    return TemplateInfo(row.key, row.title, row.body, d.layout, d.family, d.description,
                        row.body == d.body and row.title == d.title, row.updated_at,
                        row.updated_by, tuple(_inputs_needed(row.body)))


def list_templates(engine: Engine, *, every_preset: bool = False) -> list[TemplateInfo]:
    """The letters of the school's policy preset (its own, then the shared ones); every
    ready-made letter when asked, or when the preset is not one of the five."""
    policy = policy_service.load_policy(engine)
    wanted = tuple(DEFAULTS) if every_preset else for_preset(policy.preset)
    # a letter the school's (perhaps edited) policy names is always listed
    named = [k for k in _policy_letters(policy) if k in DEFAULTS and k not in wanted]
    wanted = (*wanted, *named)
    with session_scope(engine) as s:
        rows = _ensure_templates(s)
        return [_info(rows[k]) for k in wanted]


def _policy_letters(policy: Policy) -> list[str]:
    keys = [t for _b, t in policy.band_letters]
    keys += [st.letter for st in policy.escalation_stages if st.letter != "{band}"]
    keys += [st.letter for st in policy.lateness_steps]
    return [k for k in dict.fromkeys(keys) if k]


def get_template(engine: Engine, key: str) -> TemplateInfo:
    template_definition(key)
    with session_scope(engine) as s:
        return _info(_ensure_templates(s)[key])


def inputs_needed(engine: Engine, key: str) -> list[str]:
    """What must be typed before this letter can be made: `meeting_date`, `extra:name`..."""
    return list(get_template(engine, key).inputs)


def save_template(engine: Engine, actor: Actor, key: str, body: str,
                  title: str | None = None) -> TemplateInfo:
    """Store new wording; refused (nothing saved) when the checker finds a problem."""
    need_sender(actor, "change letter wording")
    d = template_definition(key)
    body = body.replace("\r\n", "\n").strip("\n")
    problems = check_template(body, family=d.family)
    if title is not None and not title.strip():
        problems.append("the letter needs a title")
    if problems:
        raise ServiceError(f"'{d.title}' was not saved: " + "; ".join(problems))
    with session_scope(engine) as s:
        row = _ensure_templates(s)[key]
        old_body, old_title = row.body, row.title
        row.body = body
        if title is not None:
            row.title = title.strip()
        if (old_body, old_title) != (row.body, row.title):
            row.updated_at = clock.now(s)
            row.updated_by = actor.name
            s.add(row)
            s.add(SettingChange(area="letters", key=f"template {key}",
                                old_value=f"{old_title}\n\n{old_body}",
                                new_value=f"{row.title}\n\n{row.body}", staff_name=actor.name,
                                staff_role=actor.role.value))
        return _info(row)


def reset_template(engine: Engine, actor: Actor, key: str) -> TemplateInfo:
    """Put back the ready-made wording and title (recorded like any edit)."""
    d = template_definition(key)
    return save_template(engine, actor, key, d.body, d.title)


def letter_title(key: str) -> str:
    return DEFAULTS[key].title if key in DEFAULTS else key
