"""Writing marks. Every change to an existing mark leaves an append-only amendment row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, MarkAmendment, Pupil, SchoolClass
from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import CodeError
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services.calendar_service import read_calendar
from attendance_desktop.services.errors import PermissionDenied, ServiceError
from attendance_desktop.services.policy_service import read_policy

SOURCES = ("register", "kiosk", "leave", "closure", "import", "demo")


@dataclass(frozen=True, slots=True)
class MarkWrite:
    """What write_mark did: 'new', 'changed' or 'unchanged'."""

    outcome: str
    old_code: str
    new_code: str


def write_mark(s: Session, actor: Actor, pupil_id: int, day: dt.date, session: str, code: str,
               *, minutes_late: int | None = None, comment: str = "", source: str = "register",
               reason: str = "", after_close: bool = False,
               now: dt.datetime | None = None) -> MarkWrite:
    """Insert or change one mark inside the caller's transaction.

    Raises ServiceError for a bad code, a missing note, or a change after the register
    closed without a reason. Does not commit.
    """
    if session not in ("AM", "PM"):
        raise ServiceError(f"session must be AM or PM, not '{session}'")
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users cannot change the register")
    try:
        found = codes.validate(code, day)
        codes.check_note(found, comment)
    except CodeError as exc:
        raise ServiceError(str(exc)) from exc
    if minutes_late is not None and (minutes_late < 0 or not found.is_late):
        minutes_late = None if not found.is_late else max(0, minutes_late)
    when = now or dt.datetime.now()
    existing = s.exec(select(Mark).where(Mark.pupil_id == pupil_id, Mark.date == day,
                                         Mark.session == session)).first()
    if existing is None:
        if after_close and not actor.can_amend:
            raise PermissionDenied(
                f"the register has closed; {actor.role.label.lower()}s cannot amend it")
        s.add(Mark(pupil_id=pupil_id, date=day, session=session, code=found.code,
                   minutes_late=minutes_late, comment=comment, source=source,
                   entered_by=actor.name, entered_role=actor.role.value, entered_at=when))
        if after_close:
            # A blank filled after the register closed is kept in the history too, so the
            # amendments report shows every late entry (the kiosk's included).
            s.add(MarkAmendment(
                pupil_id=pupil_id, date=day, session=session, new_code=found.code,
                new_minutes_late=minutes_late, new_comment=comment,
                reason=reason.strip() or "Mark entered after the register closed",
                after_close=True, source=source, amended_at=when, staff_name=actor.name,
                staff_role=actor.role.value))
        return MarkWrite("new", "", found.code)
    if (existing.code, existing.minutes_late, existing.comment) == (
            found.code, minutes_late, comment):
        return MarkWrite("unchanged", existing.code, found.code)
    if after_close and not actor.can_amend:
        raise PermissionDenied(
            f"the register has closed; {actor.role.label.lower()}s cannot amend it")
    if after_close and not reason.strip():
        raise ServiceError("the register has closed: an amendment needs a reason")
    s.add(MarkAmendment(
        pupil_id=pupil_id, date=day, session=session, old_code=existing.code,
        old_minutes_late=existing.minutes_late, old_comment=existing.comment,
        new_code=found.code, new_minutes_late=minutes_late, new_comment=comment,
        reason=reason.strip(), after_close=after_close, source=source, amended_at=when,
        staff_name=actor.name, staff_role=actor.role.value,
    ))
    old = existing.code
    existing.code = found.code
    existing.minutes_late = minutes_late
    existing.comment = comment
    existing.source = source
    existing.entered_by = actor.name
    existing.entered_role = actor.role.value
    existing.entered_at = when
    s.add(existing)
    return MarkWrite("changed", old, found.code)


# --- taking and correcting registers (one transaction per user action) -------------------
# Everything below writes through write_mark/_clear_mark, so every change leaves history.


@dataclass(frozen=True, slots=True)
class MarkChange:
    """One cell to set. code "" clears the cell (recorded as a change to no mark)."""

    pupil_id: int
    day: dt.date
    session: str
    code: str
    minutes_late: int | None = None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class CellMark:
    """The current mark in one cell (None fields when the cell is empty)."""

    pupil_id: int
    day: dt.date
    session: str
    code: str
    minutes_late: int | None
    comment: str
    source: str
    entered_by: str
    entered_role: str
    entered_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    old_code: str
    old_minutes_late: int | None
    old_comment: str
    new_code: str
    new_minutes_late: int | None
    new_comment: str
    reason: str
    after_close: bool
    source: str
    staff_name: str
    staff_role: str


@dataclass(frozen=True, slots=True)
class BulkResult:
    written: int  # new or changed cells
    unchanged: int
    skipped: int  # cells left alone (already marked, closed, off roll)
    cells: tuple[CellMark, ...] = ()  # the cells as they now are, for the grid to refresh


def register_closed(policy: Policy, day: dt.date, session: str, now: dt.datetime) -> bool:
    """True when the register for (day, session) has closed at `now` (any earlier date)."""
    if day != now.date():
        return day < now.date()
    return now.time() >= policy.session_times(session).closes


def _pupil_facts(s: Session, pupil_ids: set[int]) -> dict[int, tuple[str, int | None, dt.date,
                                                                      dt.date | None]]:
    out: dict[int, tuple[str, int | None, dt.date, dt.date | None]] = {}
    ids = sorted(pupil_ids)
    for i in range(0, len(ids), 500):
        for p in s.exec(select(Pupil).where(Pupil.id.in_(ids[i:i + 500]))):  # type: ignore[union-attr]
            assert p.id is not None
            name = f"{p.preferred_forename or p.legal_forename} {p.legal_surname}"
            out[p.id] = (name, p.class_id, p.admission_date, p.leaving_date)
    return out


def check_may_write(actor: Actor, pupil_name: str, class_id: int | None, day: dt.date,
                    session: str, closed: bool, policy: Policy) -> None:
    """Raise PermissionDenied unless `actor` may change this pupil's mark for this session."""
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users can view the register but not change it")
    if actor.role is Role.TEACHER:
        if not actor.may_mark_class(class_id):
            raise PermissionDenied(
                f"{pupil_name} is not in your class: teachers take only their own class's"
                " register")
        if closed:
            closes = policy.session_times(session).closes
            raise PermissionDenied(
                f"the {session} register for {day:%a %d %b %Y} closed at {closes:%H:%M};"
                " ask the office or the headteacher to amend it")


def apply_marks(engine: Engine, actor: Actor, changes: list[MarkChange], *, now: dt.datetime,
                reason: str = "", source: str = "register",
                only_empty: bool = False) -> BulkResult:
    """Write many cells in ONE transaction (all or nothing), checking role, calendar and roll.

    A change to a register that has closed is an amendment: it needs `reason` and an office
    or headteacher account. `only_empty` leaves cells that already have a mark alone.
    """
    with session_scope(engine) as s:
        return apply_marks_in(s, actor, changes, now=now, reason=reason, source=source,
                              only_empty=only_empty)


def apply_marks_in(s: Session, actor: Actor, changes: list[MarkChange], *, now: dt.datetime,
                   reason: str = "", source: str = "register",
                   only_empty: bool = False) -> BulkResult:
    """apply_marks inside the caller's transaction (for services that write more)."""
    if not changes:
        return BulkResult(0, 0, 0)
    if source not in SOURCES:
        raise ServiceError(f"unknown source '{source}'")
    written = unchanged = skipped = 0
    touched: list[tuple[int, dt.date, str]] = []
    policy = read_policy(s)
    calendar = read_calendar(s)
    facts = _pupil_facts(s, {c.pupil_id for c in changes})
    existing: set[tuple[int, dt.date, str]] = set()
    if only_empty:
        days = sorted({c.day for c in changes})
        rows = s.exec(select(col(Mark.pupil_id), col(Mark.date), col(Mark.session)).where(
            Mark.date >= days[0], Mark.date <= days[-1])).all()
        existing = {(p, d, ss) for p, d, ss in rows}
    for ch in changes:
        if ch.pupil_id not in facts:
            raise ServiceError(f"pupil {ch.pupil_id} is not on the register")
        name, class_id, admitted, left = facts[ch.pupil_id]
        if only_empty and (ch.pupil_id, ch.day, ch.session) in existing:
            skipped += 1
            continue
        if ch.day < admitted or (left is not None and ch.day > left):
            if only_empty:
                skipped += 1
                continue
            raise ServiceError(f"{name} was not on roll on {ch.day:%a %d %b %Y}")
        if not calendar.is_open(ch.day, ch.session) and source != "closure":
            if only_empty:
                skipped += 1
                continue
            raise ServiceError(
                f"{ch.day:%a %d %b %Y} {ch.session} is not an open school session"
                " (weekend, holiday or closure)")
        closed = register_closed(policy, ch.day, ch.session, now)
        check_may_write(actor, name, class_id, ch.day, ch.session, closed, policy)
        try:
            if ch.code == "":
                done = _clear_mark(s, actor, ch.pupil_id, ch.day, ch.session, reason=reason,
                                   after_close=closed, now=now, source=source)
            else:
                done = write_mark(s, actor, ch.pupil_id, ch.day, ch.session, ch.code,
                                  minutes_late=ch.minutes_late, comment=ch.comment,
                                  source=source, reason=reason, after_close=closed, now=now)
        except ServiceError as exc:
            raise type(exc)(f"{name}, {ch.day:%a %d %b} {ch.session}: {exc}") from exc
        if done.outcome == "unchanged":
            unchanged += 1
        else:
            written += 1
        touched.append((ch.pupil_id, ch.day, ch.session))
    s.flush()
    return BulkResult(written, unchanged, skipped, _read_cells(s, touched))


def _read_cells(s: Session, touched: list[tuple[int, dt.date, str]]) -> tuple[CellMark, ...]:
    if len(touched) <= 20:
        return tuple(_read_cell(s, *t) for t in touched)
    days = sorted({t[1] for t in touched})
    found = {(m.pupil_id, m.date, m.session): m for m in s.exec(select(Mark).where(
        Mark.date >= days[0], Mark.date <= days[-1]))}
    out = []
    for t in touched:
        m = found.get(t)
        out.append(CellMark(*t, "", None, "", "", "", "", None) if m is None else CellMark(
            *t, m.code, m.minutes_late, m.comment, m.source, m.entered_by, m.entered_role,
            m.entered_at))
    return tuple(out)


def set_mark(engine: Engine, actor: Actor, change: MarkChange, *, now: dt.datetime,
             reason: str = "", source: str = "register") -> CellMark:
    """Set (or clear) one cell; one transaction. Returns the cell as it now is."""
    return apply_marks(engine, actor, [change], now=now, reason=reason, source=source).cells[0]


def _clear_mark(s: Session, actor: Actor, pupil_id: int, day: dt.date, session: str, *,
                reason: str, after_close: bool, now: dt.datetime, source: str) -> MarkWrite:
    existing = s.exec(select(Mark).where(Mark.pupil_id == pupil_id, Mark.date == day,
                                         Mark.session == session)).first()
    if existing is None:
        return MarkWrite("unchanged", "", "")
    if after_close and not actor.can_amend:
        raise PermissionDenied(
            f"the register has closed; {actor.role.label.lower()}s cannot amend it")
    if after_close and not reason.strip():
        raise ServiceError("the register has closed: an amendment needs a reason")
    s.add(MarkAmendment(
        pupil_id=pupil_id, date=day, session=session, old_code=existing.code,
        old_minutes_late=existing.minutes_late, old_comment=existing.comment, new_code="",
        reason=reason.strip(), after_close=after_close, source=source, amended_at=now,
        staff_name=actor.name, staff_role=actor.role.value))
    s.delete(existing)
    return MarkWrite("changed", existing.code, "")


def _read_cell(s: Session, pupil_id: int, day: dt.date, session: str) -> CellMark:
    m = s.exec(select(Mark).where(Mark.pupil_id == pupil_id, Mark.date == day,
                                  Mark.session == session)).first()
    if m is None:
        return CellMark(pupil_id, day, session, "", None, "", "", "", "", None)
    return CellMark(pupil_id, day, session, m.code, m.minutes_late, m.comment, m.source,
                    m.entered_by, m.entered_role, m.entered_at)


def read_cell(engine: Engine, pupil_id: int, day: dt.date, session: str) -> CellMark:
    with session_scope(engine) as s:
        return _read_cell(s, pupil_id, day, session)


def cell_history(engine: Engine, pupil_id: int, day: dt.date,
                 session: str) -> list[HistoryEntry]:
    """Every recorded change to one cell, oldest first."""
    with session_scope(engine) as s:
        rows = s.exec(select(MarkAmendment).where(
            MarkAmendment.pupil_id == pupil_id, MarkAmendment.date == day,
            MarkAmendment.session == session).order_by(col(MarkAmendment.id))).all()
        return [HistoryEntry(r.amended_at, r.old_code, r.old_minutes_late, r.old_comment,
                             r.new_code, r.new_minutes_late, r.new_comment, r.reason,
                             r.after_close, r.source, r.staff_name, r.staff_role) for r in rows]


def mark_all_present(engine: Engine, actor: Actor, day: dt.date, session: str,
                     pupil_ids: list[int], *, now: dt.datetime) -> BulkResult:
    """Present for every listed pupil without a mark for the session (others untouched)."""
    code = codes.present_code(session)
    return apply_marks(engine, actor, [MarkChange(p, day, session, code) for p in pupil_ids],
                       now=now, only_empty=True)


def copy_am_to_pm(engine: Engine, actor: Actor, day: dt.date, pupil_ids: list[int], *,
                  now: dt.datetime) -> BulkResult:
    """Copy morning marks into empty afternoon cells. Present (/ or L) becomes \\ ;
    absence codes are copied with their comment; minutes late are not carried over."""
    with session_scope(engine) as s:
        rows = s.exec(select(Mark.pupil_id, Mark.code, Mark.comment).where(
            Mark.date == day, Mark.session == "AM")).all()
    wanted = set(pupil_ids)
    changes = []
    for pid, code, comment in rows:
        if pid not in wanted:
            continue
        found = codes.CODES.get(code)
        if found is None:
            continue
        if found.category is codes.Category.PRESENT:
            changes.append(MarkChange(pid, day, "PM", codes.PRESENT_PM))
        else:
            changes.append(MarkChange(pid, day, "PM", code, comment=comment))
    return apply_marks(engine, actor, changes, now=now, only_empty=True)


@dataclass(frozen=True, slots=True)
class AmendmentRow:
    at: dt.datetime
    pupil_id: int
    pupil_name: str
    class_name: str
    day: dt.date
    session: str
    old_code: str
    new_code: str
    old_detail: str
    new_detail: str
    reason: str
    after_close: bool
    staff_name: str
    staff_role: str


def _detail(minutes: int | None, comment: str) -> str:
    parts = []
    if minutes is not None:
        parts.append(f"{minutes} min late")
    if comment:
        parts.append(comment)
    return "; ".join(parts)


def amendments_between(engine: Engine, start: dt.date, end: dt.date, *,
                       after_close_only: bool = True) -> list[AmendmentRow]:
    """Changes to marks for sessions from start to end (inclusive), in date order."""
    with session_scope(engine) as s:
        q = (select(MarkAmendment, Pupil, SchoolClass)
             .join(Pupil, Pupil.id == MarkAmendment.pupil_id)  # type: ignore[arg-type]
             .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)  # type: ignore[arg-type]
             .where(MarkAmendment.date >= start, MarkAmendment.date <= end)
             .order_by(col(MarkAmendment.date), col(MarkAmendment.session),
                       col(MarkAmendment.id)))
        if after_close_only:
            q = q.where(MarkAmendment.after_close)
        out = []
        for a, p, c in s.exec(q):
            out.append(AmendmentRow(
                a.amended_at, a.pupil_id,
                f"{p.legal_surname}, {p.preferred_forename or p.legal_forename}",
                c.name if c else "", a.date, a.session, a.old_code, a.new_code,
                _detail(a.old_minutes_late, a.old_comment),
                _detail(a.new_minutes_late, a.new_comment), a.reason, a.after_close,
                a.staff_name, a.staff_role))
        return out
