"""School details, set-up state, and editing the calendar after it was created.

Every change is checked against the actor's role and recorded in SettingChange
(who, when, old and new value).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    AssessmentPeriod,
    Pupil,
    School,
    SettingChange,
)
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.errors import NotFound, PermissionDenied, ServiceError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_LOGO_BYTES = 2_000_000
DETAIL_FIELDS = ("name", "address", "postcode", "phone", "email", "urn", "local_authority",
                 "head_name", "attendance_lead_name")


FIELD_LABELS = {
    "name": "School name", "address": "Address", "postcode": "Postcode", "phone": "Phone",
    "email": "Email", "urn": "URN", "local_authority": "Local authority",
    "head_name": "Headteacher", "attendance_lead_name": "Attendance lead",
}


@dataclass(frozen=True, slots=True)
class SchoolDetails:
    name: str
    address: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""
    urn: str = ""
    local_authority: str = ""
    head_name: str = ""
    attendance_lead_name: str = ""
    logo_png: bytes | None = None


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    details: SchoolDetails
    is_demo: bool
    set_up_complete: bool


@dataclass(frozen=True, slots=True)
class AssessmentInfo:
    id: int
    name: str
    start: dt.date
    end: dt.date
    year_groups: str


def record_setting_change(s: Session, actor: Actor, area: str, key: str, old: str,
                          new: str) -> None:
    s.add(SettingChange(area=area, key=key, old_value=old, new_value=new,
                        staff_name=actor.name, staff_role=actor.role.value))


def need_settings(actor: Actor, what: str) -> None:
    if not actor.can_edit_settings:
        raise PermissionDenied(f"only the headteacher can {what}")


def _school_row(s: Session) -> School:
    row = s.exec(select(School).order_by(col(School.id))).first()
    if row is None:
        row = School(name="New school")
        s.add(row)
        s.flush()
    return row


# --- school details ---------------------------------------------------------------


def get_school(engine: Engine) -> SchoolInfo:
    with session_scope(engine) as s:
        row = _school_row(s)
        details = SchoolDetails(**{f: getattr(row, f) for f in DETAIL_FIELDS},
                                logo_png=row.logo_png)
        return SchoolInfo(details, row.is_demo, row.set_up_complete)


def detail_problems(details: SchoolDetails) -> list[str]:
    """What is wrong with the details, field by field (empty when they can be saved)."""
    out = []
    if not details.name.strip():
        out.append("School name: enter the school's name")
    urn = details.urn.strip()
    if urn and not (len(urn) == 6 and urn.isdigit()):
        out.append(f"URN: '{urn}' is not a URN; a URN is 6 digits, like 123456")
    if details.email.strip() and "@" not in details.email:
        out.append(f"Email: '{details.email.strip()}' is not an email address")
    if details.logo_png is not None:
        if not details.logo_png.startswith(PNG_SIGNATURE):
            out.append("Logo: the logo must be stored as a PNG image")
        elif len(details.logo_png) > MAX_LOGO_BYTES:
            out.append("Logo: the image is larger than 2 MB; choose a smaller one")
    return out


def save_school(engine: Engine, actor: Actor, details: SchoolDetails) -> list[str]:
    """Validate and store the school's details; returns the changed fields (each recorded)."""
    need_settings(actor, "change the school's details")
    problems = detail_problems(details)
    if problems:
        raise ServiceError("; ".join(problems))
    clean = dataclasses.replace(details, **{f: getattr(details, f).strip()
                                            for f in DETAIL_FIELDS})
    changed: list[str] = []
    with session_scope(engine) as s:
        row = _school_row(s)
        for f in DETAIL_FIELDS:
            old, new = getattr(row, f), getattr(clean, f)
            if old != new:
                changed.append(f)
                record_setting_change(s, actor, "school", f, old, new)
                setattr(row, f, new)
        if row.logo_png != clean.logo_png:
            changed.append("logo_png")
            record_setting_change(s, actor, "school", "logo",
                    "image" if row.logo_png else "", "image" if clean.logo_png else "")
            row.logo_png = clean.logo_png
        s.add(row)
    return changed


def needs_setup(engine: Engine) -> bool:
    """A brand-new database: no pupils and the set-up wizard never finished."""
    with session_scope(engine) as s:
        pupils = s.exec(select(func.count()).select_from(Pupil)).one()
        return pupils == 0 and not _school_row(s).set_up_complete


def complete_setup(engine: Engine, actor: Actor) -> None:
    need_settings(actor, "finish setting up the school")
    with session_scope(engine) as s:
        row = _school_row(s)
        if not row.set_up_complete:
            row.set_up_complete = True
            s.add(row)
            record_setting_change(s, actor, "school", "set_up_complete", "false", "true")


def list_assessment_periods(engine: Engine) -> list[AssessmentInfo]:
    with session_scope(engine) as s:
        rows = s.exec(select(AssessmentPeriod).order_by(col(AssessmentPeriod.start_date))).all()
        return [AssessmentInfo(r.id, r.name, r.start_date, r.end_date, r.year_groups)
                for r in rows if r.id is not None]


def add_assessment_period(engine: Engine, actor: Actor, name: str, start: dt.date,
                          end: dt.date, year_groups: str = "") -> int:
    need_settings(actor, "enter assessment periods")
    if not name.strip():
        raise ServiceError("give the assessment period a name, like 'KS2 tests'")
    if end < start:
        raise ServiceError(f"{name}: the last day is before the first")
    with session_scope(engine) as s:
        row = AssessmentPeriod(name=name.strip(), start_date=start, end_date=end,
                               year_groups=year_groups.replace(" ", ""))
        s.add(row)
        s.flush()
        record_setting_change(s, actor, "calendar", f"assessment {name.strip()}", "",
                f"{start} to {end} {row.year_groups}".strip())
        assert row.id is not None
        return row.id


def remove_assessment_period(engine: Engine, actor: Actor, period_id: int) -> None:
    need_settings(actor, "change assessment periods")
    with session_scope(engine) as s:
        row = s.get(AssessmentPeriod, period_id)
        if row is None:
            raise NotFound("that assessment period no longer exists")
        record_setting_change(s, actor, "calendar", f"assessment {row.name}",
                f"{row.start_date} to {row.end_date} {row.year_groups}".strip(), "")
        s.delete(row)


@dataclass(frozen=True, slots=True)
class ChangeInfo:
    at: dt.datetime
    area: str
    key: str
    old: str
    new: str
    staff_name: str
    staff_role: str


def recent_changes(engine: Engine, area: str | None = None, limit: int = 200) -> list[ChangeInfo]:
    """The settings change log, newest first."""
    with session_scope(engine) as s:
        q = select(SettingChange).order_by(SettingChange.id.desc()).limit(limit)  # type: ignore[union-attr]
        if area:
            q = q.where(SettingChange.area == area)
        return [ChangeInfo(r.changed_at, r.area, r.key, r.old_value, r.new_value,
                           r.staff_name, r.staff_role) for r in s.exec(q)]
