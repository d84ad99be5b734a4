"""Pupil records: list and search, add, edit, move class, leave, photo, and this year's
figures (the contacts are in pupil_contacts.py).

Pupils are never deleted: a leaver keeps every mark and is still reported for the dates
they were on roll. Every change to a pupil is recorded in the append-only pupil-change
log (audit_service), in the same transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil, SchoolClass
from attendance_desktop.domain import upn as upn_rules
from attendance_desktop.domain.groups import FLAG_GROUPS, GROUP_LABELS
from attendance_desktop.domain.roles import Actor
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services import clock
from attendance_desktop.services.errors import NotFound, ServiceError
from attendance_desktop.services.pupils.pupil_access import find_pupil, require_editor
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.reports import stats_service
from attendance_desktop.services.school import calendar_service

YEAR_GROUPS = ("N", "R", "1", "2", "3", "4", "5", "6")
SEN_LABELS = {"N": "None", "K": "SEN support", "E": "EHC plan"}
GROUP_FLAGS = {key: GROUP_LABELS[key] for key in FLAG_GROUPS}
MAX_PHOTO_BYTES = 1_000_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True, slots=True)
class PupilInput:
    """What staff type in for a pupil (add or edit)."""

    legal_forename: str
    legal_surname: str
    dob: dt.date
    year_group: str
    admission_date: dt.date
    class_id: int | None = None
    upn: str = ""
    preferred_forename: str = ""
    preferred_surname: str = ""
    sex: str = ""
    sen: str = "N"
    fsm: bool = False
    pupil_premium: bool = False
    looked_after: bool = False
    child_in_need: bool = False
    eal: bool = False
    young_carer: bool = False
    ethnicity: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class PupilSummary:
    id: int
    name: str  # preferred forename (or legal) + surname
    upn: str
    year_group: str
    class_id: int | None
    class_name: str
    leaving_date: dt.date | None

    @property
    def on_roll(self) -> bool:
        return self.leaving_date is None


@dataclass(frozen=True, slots=True)
class PupilDetails:
    id: int
    data: PupilInput
    class_name: str
    leaving_date: dt.date | None
    leaving_reason: str
    has_photo: bool

    @property
    def name(self) -> str:
        d = self.data
        forename = d.preferred_forename or d.legal_forename
        return f"{forename} {d.preferred_surname or d.legal_surname}"

    @property
    def groups(self) -> list[str]:
        out = [SEN_LABELS[self.data.sen]] if self.data.sen in ("K", "E") else []
        return out + [label for key, label in GROUP_FLAGS.items() if getattr(self.data, key)]


@dataclass(frozen=True, slots=True)
class AttendanceSummary:
    year_name: str
    start: dt.date
    end: dt.date
    counts: Counts


def _display_name(p: Pupil) -> str:
    return f"{p.preferred_forename or p.legal_forename} {p.preferred_surname or p.legal_surname}"


# --- listing ---------------------------------------------------------------------------


def list_pupils(engine: Engine, search: str = "", class_id: int | None = None,
                include_leavers: bool = False) -> list[PupilSummary]:
    """Pupils in class order then surname; every word of `search` must match the name
    (legal or preferred), the UPN or the class name."""
    words = search.lower().split()
    with session_scope(engine) as s:
        classes = {c.id: c for c in s.exec(select(SchoolClass))}
        q = select(Pupil)
        if class_id is not None:
            q = q.where(Pupil.class_id == class_id)
        if not include_leavers:
            q = q.where(Pupil.leaving_date.is_(None))  # type: ignore[union-attr]
        out = []
        for p in s.exec(q):
            cls = classes.get(p.class_id)
            cname = cls.name if cls else ""
            hay = " ".join((p.legal_forename, p.legal_surname, p.preferred_forename,
                            p.preferred_surname, p.upn or "", cname, f"year {p.year_group}")
                           ).lower()
            if all(w in hay for w in words):
                assert p.id is not None
                out.append((cls.sort_order if cls else 10**6, p.legal_surname.lower(),
                            p.legal_forename.lower(),
                            PupilSummary(p.id, _display_name(p), p.upn or "", p.year_group,
                                         p.class_id, cname, p.leaving_date)))
        return [row[-1] for row in sorted(out, key=lambda r: r[:3])]


def get_pupil(engine: Engine, pupil_id: int) -> PupilDetails:
    with session_scope(engine) as s:
        p = find_pupil(s, pupil_id)
        cls = s.get(SchoolClass, p.class_id) if p.class_id else None
        values: dict[str, Any] = {f.name: getattr(p, f.name) or ("" if f.name == "upn" else
                                                                 getattr(p, f.name))
                                  for f in dataclasses.fields(PupilInput)}
        data = PupilInput(**values)
        assert p.id is not None
        return PupilDetails(p.id, data, cls.name if cls else "", p.leaving_date,
                            p.leaving_reason, p.photo_png is not None)


def get_photo(engine: Engine, pupil_id: int) -> bytes | None:
    with session_scope(engine) as s:
        return find_pupil(s, pupil_id).photo_png


# --- validation and writes ----------------------------------------------------------------


def problems(data: PupilInput, today: dt.date) -> list[str]:
    """Every problem with the input, each naming its field (empty when it can be saved)."""
    out = []
    if not data.legal_forename.strip():
        out.append("Legal forename: enter the pupil's forename")
    if not data.legal_surname.strip():
        out.append("Legal surname: enter the pupil's surname")
    if data.upn.strip():
        why = upn_rules.problem(data.upn.strip())
        if why:
            out.append(f"UPN: {why}")
    if data.year_group not in YEAR_GROUPS:
        out.append(f"Year group: '{data.year_group}' is not one of {', '.join(YEAR_GROUPS)}")
    if data.sen not in SEN_LABELS:
        out.append("SEN: choose none, SEN support or EHC plan")
    if data.sex not in ("", "F", "M", "X"):
        out.append(f"Sex: '{data.sex}' should be F, M or X")
    if data.dob >= today:
        out.append(f"Date of birth: {data.dob:%d %b %Y} is not in the past")
    elif not 1 <= (today.year - data.dob.year) <= 19:
        out.append(f"Date of birth: {data.dob:%d %b %Y} is not a primary-age child's")
    if data.admission_date < data.dob:
        out.append("Admission date: it is before the date of birth")
    return out


def upn_warnings(upn: str) -> list[str]:
    """What the editor shows under a valid UPN that is saved all the same (a temporary UPN,
    an LA number missing from the DfE list)."""
    return upn_rules.warnings(upn) if upn.strip() else []


# --- who is on roll when --------------------------------------------------------------
# One rule everywhere: a pupil is on roll from admission_date to leaving_date, both
# inclusive. A date that would leave marks already on record outside it is refused with
# the list of those marks, never saved so that the marks silently become "not on roll".

CONFLICTS_LISTED = 8


def marks_before(s: Session, pupil_id: int, admission: dt.date) -> list[tuple[dt.date, str, str]]:
    """Marks (date, session, code) on record before `admission`, except Z (the code for a
    prospective pupil, the only one allowed before admission)."""
    rows = s.exec(select(col(Mark.date), Mark.session, Mark.code).where(
        Mark.pupil_id == pupil_id, Mark.date < admission, Mark.code != "Z")
        .order_by(col(Mark.date), Mark.session)).all()
    return [(d, ss, code) for d, ss, code in rows]


def marks_before_text(admission: dt.date, marks: list[tuple[dt.date, str, str]]) -> str:
    shown = ", ".join(f"{d:%d/%m/%Y} {ss} {code}" for d, ss, code in marks[:CONFLICTS_LISTED])
    more = f" and {len(marks) - CONFLICTS_LISTED} more" if len(marks) > CONFLICTS_LISTED else ""
    return (f"admission date {admission:%d/%m/%Y} would leave {len(marks)} mark"
            f"{'s' if len(marks) != 1 else ''} on record before it, when the pupil was "
            f"not on roll: {shown}{more}. Give the date of the first mark or earlier, or "
            "amend those marks first")


def _check(s: Session, data: PupilInput, pupil_id: int | None,
           today: dt.date | None) -> PupilInput:
    found = problems(data, today or clock.today(s))
    upn = upn_rules.normalise(data.upn) if data.upn.strip() else ""
    if upn:
        clash = s.exec(select(Pupil).where(Pupil.upn == upn)).first()
        if clash is not None and clash.id != pupil_id:
            found.append(f"UPN: {upn} already belongs to {_display_name(clash)}")
    if data.class_id is not None and s.get(SchoolClass, data.class_id) is None:
        found.append("Class: that class no longer exists")
    if pupil_id is not None:
        earlier = marks_before(s, pupil_id, data.admission_date)
        if earlier:
            found.append(f"Admission date: {marks_before_text(data.admission_date, earlier)}")
    if found:
        raise ServiceError("; ".join(found))
    return dataclasses.replace(
        data, upn=upn, legal_forename=data.legal_forename.strip(),
        legal_surname=data.legal_surname.strip(),
        preferred_forename=data.preferred_forename.strip(),
        preferred_surname=data.preferred_surname.strip())


def add_pupil(engine: Engine, actor: Actor, data: PupilInput,
              today: dt.date | None = None) -> int:
    require_editor(actor)
    with session_scope(engine) as s:
        clean = _check(s, data, None, today)
        values = dataclasses.asdict(clean)
        values["upn"] = values["upn"] or None
        row = Pupil(**values)
        s.add(row)
        s.flush()
        assert row.id is not None
        audit_service.record_pupil_change(s, actor, row.id, "record", "", "added")
        audit_service.record_pupil_fields(s, actor, row.id, {}, audit_service.pupil_values(row))
        return row.id


def update_pupil(engine: Engine, actor: Actor, pupil_id: int, data: PupilInput,
                 today: dt.date | None = None) -> None:
    require_editor(actor)
    with session_scope(engine) as s:
        row = find_pupil(s, pupil_id)
        clean = _check(s, data, pupil_id, today)
        before = audit_service.pupil_values(row)
        if clean.admission_date != row.admission_date:
            row.admission_assumed = False  # a date given by staff, no longer assumed
        for key, value in dataclasses.asdict(clean).items():
            setattr(row, key, value or None if key == "upn" else value)
        audit_service.record_pupil_fields(s, actor, pupil_id, before,
                                          audit_service.pupil_values(row))
        s.add(row)


def move_class(engine: Engine, actor: Actor, pupil_id: int, class_id: int | None) -> None:
    require_editor(actor)
    with session_scope(engine) as s:
        row = find_pupil(s, pupil_id)
        if class_id is not None and s.get(SchoolClass, class_id) is None:
            raise NotFound("that class no longer exists")
        audit_service.record_pupil_change(s, actor, pupil_id, "class_id", row.class_id,
                                          class_id)
        row.class_id = class_id
        s.add(row)


def leave(engine: Engine, actor: Actor, pupil_id: int, leaving_date: dt.date,
          reason: str) -> None:
    """Record that a pupil left (last day on roll). Nothing is deleted."""
    require_editor(actor)
    if not reason.strip():
        raise ServiceError("Leaving reason: say why the pupil left (e.g. moved school)")
    with session_scope(engine) as s:
        row = find_pupil(s, pupil_id)
        if leaving_date < row.admission_date:
            raise ServiceError(f"Leaving date: {leaving_date:%d %b %Y} is before the admission"
                               f" date ({row.admission_date:%d %b %Y})")
        before = audit_service.pupil_values(row)
        row.leaving_date = leaving_date
        row.leaving_reason = reason.strip()
        audit_service.record_pupil_fields(s, actor, pupil_id, before,
                                          audit_service.pupil_values(row))
        s.add(row)


def cancel_leaving(engine: Engine, actor: Actor, pupil_id: int) -> None:
    """Put a pupil recorded as leaving by mistake back on roll."""
    require_editor(actor)
    with session_scope(engine) as s:
        row = find_pupil(s, pupil_id)
        before = audit_service.pupil_values(row)
        row.leaving_date = None
        row.leaving_reason = ""
        audit_service.record_pupil_fields(s, actor, pupil_id, before,
                                          audit_service.pupil_values(row))
        s.add(row)


def set_photo(engine: Engine, actor: Actor, pupil_id: int, png: bytes | None) -> None:
    require_editor(actor)
    if png is not None:
        if not png.startswith(PNG_SIGNATURE):
            raise ServiceError("Photo: the photo must be stored as a PNG image")
        if len(png) > MAX_PHOTO_BYTES:
            raise ServiceError("Photo: the image is larger than 1 MB; choose a smaller one")
    with session_scope(engine) as s:
        row = find_pupil(s, pupil_id)
        if row.photo_png != png:
            audit_service.record_pupil_change(
                s, actor, pupil_id, "photo_png", "photo" if row.photo_png else "",
                "new photo" if png else "removed")
        row.photo_png = png
        s.add(row)


# --- attendance ------------------------------------------------------------------------


def attendance_summary(engine: Engine, pupil_id: int, today: dt.date) -> AttendanceSummary | None:
    """This academic year's figures up to today (None when no year is set up)."""
    year = calendar_service.year_containing(engine, today)
    if year is None:
        return None
    end = min(today, year.end)
    counts = stats_service.totals(engine, year.start, end,
                                  stats_service.Scope(pupil_ids=(pupil_id,)))
    return AttendanceSummary(year.name, year.start, end, counts)
