"""Who did what and who saw what: the pupil-change log and the access log.

Both tables are append-only (database triggers). Pupil changes are written by the services
that change pupils, in the same transaction as the change. Anything that puts pupils'
personal data into a file or onto paper calls `record_export` once, after the file is
written; the entry names what was exported, how many pupils and the file name, never the
pupils themselves. The command line records the operating-system account that ran it.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import AccessLog, Pupil, PupilChange
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock
from attendance_desktop.services.errors import PermissionDenied

KINDS = ("export", "print", "retention")
# The pupil fields whose changes are recorded, with the words Settings shows.
PUPIL_FIELDS: dict[str, str] = {
    "upn": "UPN",
    "legal_forename": "Legal forename",
    "legal_surname": "Legal surname",
    "preferred_forename": "Preferred forename",
    "preferred_surname": "Preferred surname",
    "dob": "Date of birth",
    "sex": "Sex",
    "year_group": "Year group",
    "class_id": "Class",
    "admission_date": "Admission date",
    "leaving_date": "Leaving date",
    "leaving_reason": "Leaving reason",
    "sen": "SEN",
    "fsm": "FSM",
    "pupil_premium": "Pupil premium",
    "looked_after": "Looked after",
    "child_in_need": "Child in need",
    "eal": "EAL",
    "young_carer": "Young carer",
    "ethnicity": "Ethnicity",
    "notes": "Notes",
    "photo_png": "Photo",
}


def command_line_actor() -> Actor:
    """Who runs a command: the operating-system account, with the role "command line"."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name (e.g. a service account)
        name = "unknown account"
    return Actor(name, Role.COMMAND_LINE)


def show(value: object) -> str:
    """A value as the logs keep it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return "(photo)"
    return str(value)


# --- pupil changes --------------------------------------------------------------------


def record_pupil_change(s: Session, actor: Actor, pupil_id: int, field: str, old: object,
                        new: object, *, source: str = "editor", contact_id: int | None = None,
                        at: dt.datetime | None = None) -> None:
    """One entry, in the caller's transaction; nothing when the value did not change."""
    old_text, new_text = show(old), show(new)
    if old_text == new_text:
        return
    s.add(PupilChange(pupil_id=pupil_id, contact_id=contact_id, field=field,
                      old_value=old_text, new_value=new_text, source=source,
                      changed_at=at or clock.now(s), staff_name=actor.name,
                      staff_role=actor.role.value))


def record_pupil_fields(s: Session, actor: Actor, pupil_id: int, before: Mapping[str, object],
                        after: Mapping[str, object], *, source: str = "editor",
                        at: dt.datetime | None = None) -> int:
    """An entry for each recorded field whose value differs; returns how many."""
    n = 0
    for key in PUPIL_FIELDS:
        if key in after and show(before.get(key)) != show(after[key]):
            record_pupil_change(s, actor, pupil_id, key, before.get(key), after[key],
                                source=source, at=at)
            n += 1
    return n


def pupil_values(p: Pupil) -> dict[str, object]:
    return {key: getattr(p, key) for key in PUPIL_FIELDS}


# --- exports and printouts -----------------------------------------------------------


def _count(pupils: int | Iterable[object]) -> int:
    if isinstance(pupils, int):
        return pupils
    return len(set(pupils))


def _target_name(target: str | Path | None) -> str:
    if target is None:
        return ""
    # The file's name only: folders can name people (C:\Users\jsmith\...).
    return str(target).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def add_access(s: Session, actor: Actor, kind: str, what: str, pupils: int | Iterable[object],
               target: str | Path | None = "", details: str = "",
               at: dt.datetime | None = None) -> None:
    """An access-log entry in the caller's transaction."""
    s.add(AccessLog(kind=kind, what=what, pupils=_count(pupils), target=_target_name(target),
                    details=details, at=at or clock.now(s), staff_name=actor.name,
                    staff_role=actor.role.value))


def record_export(engine_or_session: Engine | Session, actor: Actor, what: str,
                  pupils: int | Iterable[object], target: str | Path | None = "", *,
                  kind: str = "export", details: str = "",
                  at: dt.datetime | None = None) -> None:
    """Log that `actor` took `what` naming `pupils` (a count or the pupil ids) out of the
    app, into `target` (a file: only its name is kept; "printer" for paper).

    The one call every export and printout makes (CTF, census and future exports too).
    Given a Session it joins that transaction; given an Engine it commits on its own.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown access kind {kind!r}")
    if isinstance(engine_or_session, Session):
        add_access(engine_or_session, actor, kind, what, pupils, target, details, at)
        return
    with session_scope(engine_or_session) as s:
        add_access(s, actor, kind, what, pupils, target, details, at)


# --- reading (Settings -> Records) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessEntry:
    id: int
    at: dt.datetime
    kind: str
    what: str
    pupils: int
    target: str
    details: str
    staff_name: str
    staff_role: str


@dataclass(frozen=True, slots=True)
class PupilChangeEntry:
    id: int
    at: dt.datetime
    pupil_id: int
    pupil_name: str
    field: str
    field_label: str
    old_value: str
    new_value: str
    source: str
    staff_name: str
    staff_role: str


def _need(actor: Actor) -> None:
    # The logs say who looked at which pupils: the head (and the system) may read them.
    if actor.role not in (Role.HEAD, Role.SYSTEM, Role.COMMAND_LINE):
        raise PermissionDenied("only the headteacher can read the access and change logs")


def _day_bounds(start: dt.date | None, end: dt.date | None
                ) -> tuple[dt.datetime | None, dt.datetime | None]:
    lo = dt.datetime.combine(start, dt.time()) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time()) if end else None
    return lo, hi


def list_access(engine: Engine, actor: Actor, *, kind: str = "", start: dt.date | None = None,
                end: dt.date | None = None, limit: int = 2000) -> list[AccessEntry]:
    """Newest first; `kind` "" for every kind."""
    _need(actor)
    lo, hi = _day_bounds(start, end)
    with session_scope(engine) as s:
        q = select(AccessLog).order_by(col(AccessLog.at).desc(), col(AccessLog.id).desc())
        if kind:
            q = q.where(AccessLog.kind == kind)
        if lo:
            q = q.where(AccessLog.at >= lo)
        if hi:
            q = q.where(AccessLog.at < hi)
        return [AccessEntry(r.id or 0, r.at, r.kind, r.what, r.pupils, r.target, r.details,
                            r.staff_name, r.staff_role) for r in s.exec(q.limit(limit))]


def list_pupil_changes(engine: Engine, actor: Actor, *, pupil_id: int | None = None,
                       source: str = "", start: dt.date | None = None,
                       end: dt.date | None = None, limit: int = 2000) -> list[PupilChangeEntry]:
    """Newest first, with the pupil's current name (the log itself is what changed)."""
    _need(actor)
    lo, hi = _day_bounds(start, end)
    with session_scope(engine) as s:
        q = (select(PupilChange, Pupil)
             .join(Pupil, col(Pupil.id) == col(PupilChange.pupil_id))
             .order_by(col(PupilChange.changed_at).desc(), col(PupilChange.id).desc()))
        if pupil_id is not None:
            q = q.where(PupilChange.pupil_id == pupil_id)
        if source:
            q = q.where(PupilChange.source == source)
        if lo:
            q = q.where(PupilChange.changed_at >= lo)
        if hi:
            q = q.where(PupilChange.changed_at < hi)
        out = []
        for c, p in s.exec(q.limit(limit)):
            name = f"{p.preferred_forename or p.legal_forename} {p.legal_surname}"
            out.append(PupilChangeEntry(
                c.id or 0, c.changed_at, c.pupil_id, name, c.field,
                _field_label(c.field), c.old_value, c.new_value, c.source, c.staff_name,
                c.staff_role))
        return out


def _field_label(field: str) -> str:
    if field in PUPIL_FIELDS:
        return PUPIL_FIELDS[field]
    return field[:1].upper() + field[1:]
