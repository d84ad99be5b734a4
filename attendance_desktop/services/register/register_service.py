"""Writing marks, through one path. Every change to an existing mark leaves an append-only
amendment row; see apply_changes. The rules each write is checked against are in
mark_rules, reading cells and their history in mark_reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import delete as sa_delete
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from attendance_desktop.db.models import Mark, MarkAmendment
from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import CodeError
from attendance_desktop.domain.policy import Policy
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock
from attendance_desktop.services.errors import (
    CellConflict,
    MarkConflict,
    PermissionDenied,
    ServiceError,
)
from attendance_desktop.services.register import live_revision, register_facts
from attendance_desktop.services.register.mark_rows import (
    MARK_COLS,
    bind_processor,
    bulk_insert_rows,
    write_chained,
)
from attendance_desktop.services.register.mark_rules import (
    PupilFacts,
    as_date,
    as_datetime,
    check_may_write,
    code_problem,
    pupil_facts,
    register_closed,
)
from attendance_desktop.services.write_lock import holds_write_lock, lock_pupils, run_write

SOURCES = ("register", "kiosk", "leave", "closure", "import", "demo")


# --- the one mark writer ---------------------------------------------------------------
# Every mark, from the grid, the bulk actions, the kiosk, leave, closures, imports and
# the Today page, is written by apply_changes. It takes the write lock before reading,
# decides "after close" from the application's clock and the policy, compares each cell
# with what the user saw, and writes the batch with a few executemany statements.


@dataclass(frozen=True, slots=True)
class MarkChange:
    """One cell to set. code "" clears the cell (recorded as a change to no mark).

    `seen_code` is the cell as the user saw it ("" for an empty cell); when the cell holds
    something else now, the batch is refused with MarkConflict. None = do not compare
    (imports, and bulk fills that only fill empty cells).
    """

    pupil_id: int
    day: dt.date
    session: str
    code: str
    minutes_late: int | None = None
    comment: str = ""
    seen_code: str | None = None


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
class BulkResult:
    written: int  # new or changed cells
    unchanged: int
    skipped: int  # cells left alone (already marked, closed, off roll)
    cells: tuple[CellMark, ...] = ()  # the cells as they now are, for the grid to refresh
    # (none for a closure, or above CELLS_RETURNED_UP_TO)
    new: int = 0  # of `written`, cells that had no mark
    amended_after_close: int = 0  # existing marks changed after their register closed


CELLS_RETURNED_UP_TO = 20_000  # an import of a year does not need its cells back
# Blank cells filled after the register closed leave an amendment ("recorded") for every
# source except a file import and a closure, whose batch is recorded once (the import's or
# the closure's own record: who, when, what) and whose mark rows carry source, who and
# when: a migrated year would otherwise add a million history rows, and a snow day one
# per pupil. Changes to existing marks are amendments from every source.
_BLANK_FILLS_NOT_RECORDED = frozenset({"import", "closure"})
DEFAULT_LATE_ENTRY_REASON = "Mark entered after the register closed"


def _where(f: PupilFacts, ch: MarkChange) -> str:
    """The cell, in a message."""
    return f"{f.name}, {ch.day:%a %d %b} {ch.session}"


# (id, code, minutes_late, comment, source, entered_by, entered_role, entered_at)
_Existing = tuple[int, str, int | None, str, str, str, str, dt.datetime | None]
_Key = tuple[int, dt.date, str]


_M = Mark.__table__.c  # type: ignore[attr-defined]
_MARK_READ = (_M.id, _M.pupil_id, _M.date, _M.session, _M.code, _M.minutes_late, _M.comment,
              _M.source, _M.entered_by, _M.entered_role, _M.entered_at)


_CELL_Q = sa_select(*_MARK_READ).where(_M.pupil_id == bindparam("p"), _M.date == bindparam("d"),
                                       _M.session == bindparam("s"))


_RANGE_Q = sa_select(*_MARK_READ).where(_M.date >= bindparam("lo"), _M.date <= bindparam("hi"),
                                        _M.pupil_id.in_(bindparam("ids", expanding=True)))


def _existing_marks(s: Session, keys: set[_Key]) -> dict[_Key, _Existing]:
    """The marks now in these cells (read inside the write lock)."""
    if not keys:
        return {}
    conn = s.connection()
    out: dict[_Key, _Existing] = {}
    pupils = sorted({k[0] for k in keys})
    if len(keys) <= 40:
        rows = [r for p, d, ss in keys for r in conn.execute(_CELL_Q, {"p": p, "d": d, "s": ss})]
    elif conn.dialect.name == "sqlite":
        # Plain tuples straight from the driver: an import reads up to a year of marks.
        lo, hi = min(k[1] for k in keys), max(k[1] for k in keys)
        raw: Any = conn.connection.cursor()
        try:
            for i in range(0, len(pupils), 500):
                chunk = pupils[i:i + 500]
                raw.execute(
                    "SELECT id, pupil_id, date, session, code, minutes_late, comment, source,"
                    " entered_by, entered_role, entered_at FROM mark WHERE date >= ? AND"
                    f" date <= ? AND pupil_id IN ({','.join('?' * len(chunk))})",
                    (lo.isoformat(), hi.isoformat(), *chunk))
                for (i_, pid, d, ss, code, mins, comment, src, by, role, at) in raw:
                    key = (pid, as_date(d), ss)
                    if key in keys:
                        out[key] = (i_, code, mins, comment or "", src, by, role, at)
        finally:
            raw.close()
        return out
    else:
        lo, hi = min(k[1] for k in keys), max(k[1] for k in keys)
        rows = [r for i in range(0, len(pupils), 500)
                for r in conn.execute(_RANGE_Q, {"lo": lo, "hi": hi,
                                                 "ids": pupils[i:i + 500]})]
    for r in rows:
        key = (r.pupil_id, r.date, r.session)
        if key in keys:
            out[key] = (r.id, r.code, r.minutes_late, r.comment or "", r.source,
                        r.entered_by, r.entered_role, r.entered_at)
    return out


def _last_change(s: Session, key: _Key) -> tuple[str, str, dt.datetime | None]:
    """Who cleared or last changed a cell, from its history (for a conflict message)."""
    a = MarkAmendment
    row = s.exec(select(a).where(a.pupil_id == key[0], a.date == key[1],
                                 a.session == key[2]).order_by(col(a.id).desc())).first()
    return (row.staff_name, row.staff_role, row.amended_at) if row else ("", "", None)


def apply_changes(target: Engine | Session, actor: Actor, changes: Sequence[MarkChange], *,
                  source: str = "register", reason: str = "",
                  only_empty: bool = False) -> BulkResult:
    """Write many cells as ONE all-or-nothing batch: the only way marks are written.

    `target` is the engine (a transaction of its own, holding the write lock from its
    first statement) or a session opened with write_lock.write_scope (the caller's
    transaction, for services that write more alongside). The time is the application's
    clock (services.clock), never the caller's: a change to a register that has closed is
    an amendment that needs `reason` and an office or headteacher account. `only_empty`
    leaves cells that already have a mark alone. Raises MarkConflict (nothing written)
    when a cell no longer holds its `seen_code`, PermissionDenied, or ServiceError.
    """
    if isinstance(target, Engine):
        return run_write(target, lambda s: _apply(s, actor, changes, source, reason,
                                                  only_empty))
    if not holds_write_lock(target):
        raise ServiceError("internal: marks must be written inside write_lock.write_scope")
    return _apply(target, actor, changes, source, reason, only_empty)


@dataclass(slots=True)
class Batch:
    """A batch decided (checked and turned into rows) but not yet written, with what the
    decision was read from: see decide_batch and write_mark_batch; mark_import_writer prepares one
    outside the write lock and checks these inputs are unchanged once it holds it."""

    inserts: list[tuple[Any, ...]]  # MARK_COLS order (SQLite: dates and times as text)
    updates: list[dict[str, object]]
    deletes: list[dict[str, object]]
    amendments: list[dict[str, object]]
    writes: list[tuple[Any, ...]]  # every cell written, for the ledger (MARK.fields order)
    cells: list[CellMark]
    unchanged: int
    skipped: int
    amended: int
    keys: set[_Key]
    facts: dict[int, PupilFacts]
    policy: Policy
    calendar: Any  # SchoolCalendar


def _apply(s: Session, actor: Actor, changes: Sequence[MarkChange], source: str,
           reason: str, only_empty: bool) -> BulkResult:
    batch = decide_batch(s, actor, changes, source, reason, only_empty)
    return BulkResult(0, 0, 0) if batch is None else write_mark_batch(s, batch)


def decide_batch(s: Session, actor: Actor, changes: Sequence[MarkChange], source: str,
            reason: str, only_empty: bool,
            admitted_from: dict[int, dt.date] | None = None) -> Batch | None:
    """Check every change against the cells, the pupils, the calendar, the policy and the
    clock as `s` sees them, and turn the batch into rows (nothing written). Raises like
    apply_changes. `admitted_from`: pupils whose assumed admission date an import moves
    back to that day in the same transaction (it counts as moved already)."""
    if not changes:
        return None
    if source not in SOURCES:
        raise ServiceError(f"unknown source '{source}'")
    if not actor.can_write_register:
        raise PermissionDenied(f"{actor.role.label} users can view the register but not change it")
    pupil_ids = {c.pupil_id for c in changes}
    lock_pupils(s, pupil_ids)  # PostgreSQL; SQLite holds its write lock already
    now = clock.now(s)
    policy, calendar = register_facts.facts_in(s)  # read now; parsed once per version
    facts = pupil_facts(s, pupil_ids)
    checked = facts
    if admitted_from:
        checked = dict(facts)
        for pid, day in admitted_from.items():
            f = checked.get(pid)
            if f is not None and day < f.admitted:
                checked[pid] = f._replace(admitted=day)
    keys = {(c.pupil_id, c.day, c.session) for c in changes}
    if len(keys) != len(changes):
        raise ServiceError("the same cell appears twice in one change")
    existing = _existing_marks(s, keys)
    reason = reason.strip()
    record_fills = source not in _BLANK_FILLS_NOT_RECORDED
    valid: dict[tuple[str, dt.date], codes.AttendanceCode] = {}
    closed_at: dict[tuple[dt.date, str], bool] = {}
    open_at: dict[tuple[dt.date, str], bool] = {}
    who = (actor.name, actor.role.value)
    is_teacher, may_amend = actor.role is Role.TEACHER, actor.can_amend
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, object]] = []
    deletes: list[dict[str, object]] = []
    amendments: list[dict[str, object]] = []
    writes: list[tuple[Any, ...]] = []  # every cell written, for the ledger (db/chains.py)
    conflicts: list[CellConflict] = []
    cells: list[CellMark] = []
    # A closure's cells are not returned: its columns close, so a page showing them
    # reloads; an import of a year does not need its cells back either.
    want_cells = len(changes) <= CELLS_RETURNED_UP_TO and source != "closure"
    # SQLite: new rows carry the date and time as the text stored, converted once here.
    mt = Mark.__table__  # type: ignore[attr-defined]
    as_text = s.connection().dialect.paramstyle == "qmark"
    to_day = bind_processor(s.connection().dialect, mt, "date") if as_text else None
    now_w = bind_processor(s.connection().dialect, mt, "entered_at")(now) if as_text else now
    day_w: dict[dt.date, Any] = {}
    unchanged = skipped = amended = 0

    def amendment(ch: MarkChange, old: _Existing | None, code: str, minutes: int | None,
                  comment: str, after: bool, why: str) -> dict[str, object]:
        return {"pupil_id": ch.pupil_id, "date": ch.day, "session": ch.session,
                "old_code": old[1] if old else "", "old_minutes_late": old[2] if old else None,
                "old_comment": old[3] if old else "", "new_code": code,
                "new_minutes_late": minutes, "new_comment": comment, "reason": why,
                "after_close": after, "source": source, "amended_at": now,
                "staff_name": who[0], "staff_role": who[1]}

    for ch in changes:
        if ch.session not in ("AM", "PM"):
            raise ServiceError(f"session must be AM or PM, not '{ch.session}'")
        f = checked.get(ch.pupil_id)
        if f is None:
            raise ServiceError(f"pupil {ch.pupil_id} is not on the register")
        key = (ch.pupil_id, ch.day, ch.session)
        old = existing.get(key)

        if only_empty and old is not None:
            skipped += 1
            continue
        slot = (ch.day, ch.session)
        is_open = open_at.get(slot)
        if is_open is None:
            is_open = open_at[slot] = calendar.is_open(ch.day, ch.session)
        # Closures write on closed sessions; imports bring history from before the
        # school's term dates were entered here.
        if not is_open and source not in ("closure", "import"):
            if only_empty:
                skipped += 1
                continue
            raise ServiceError(f"{ch.day:%a %d %b %Y} {ch.session} is not an open school"
                               " session (weekend, holiday or closure)")
        found: codes.AttendanceCode | None = None
        minutes: int | None = None
        comment = ch.comment
        if ch.code:
            found = valid.get((ch.code, ch.day))
            if found is None:
                try:
                    found = valid[(ch.code, ch.day)] = codes.validate(ch.code, ch.day)
                except CodeError as exc:
                    raise ServiceError(f"{_where(f, ch)}: {exc}") from None
            try:
                codes.check_note(found, comment)
            except CodeError as exc:
                raise ServiceError(f"{_where(f, ch)}: {exc}") from None
            problem = code_problem(found, ch.day, f.dob, f.admitted, f.left, source)
            if problem:
                if only_empty and "not on roll" in problem:
                    skipped += 1
                    continue
                raise ServiceError(f"{_where(f, ch)}: {problem}")
            minutes = ch.minutes_late
            if minutes is not None and (minutes < 0 or not found.is_late):
                minutes = None if not found.is_late else max(0, minutes)
        elif old is None:
            unchanged += 1
            if want_cells:
                cells.append(CellMark(*key, "", None, "", "", "", "", None))
            continue
        new_code = found.code if found else ""
        if old is not None and (old[1], old[2], old[3]) == (new_code, minutes, comment):
            unchanged += 1
            if want_cells:
                cells.append(CellMark(*key, old[1], old[2], old[3], old[4], old[5], old[6],
                                      as_datetime(old[7])))
            continue
        current = old[1] if old else ""
        if (ch.seen_code is not None and ch.seen_code != current) or (
                source == "kiosk" and current not in ("", "N")):
            by, role, at = ((old[5], old[6], as_datetime(old[7])) if old
                            else _last_change(s, key))
            conflicts.append(CellConflict(ch.pupil_id, f.name, ch.day, ch.session,
                                          ch.seen_code if ch.seen_code is not None else "",
                                          current, by, role, at))
            continue
        closed = closed_at.get(slot)
        if closed is None:
            closed = closed_at[slot] = register_closed(policy, ch.day, ch.session, now)
        if is_teacher or (closed and not may_amend):  # everyone else may write any cell
            try:
                check_may_write(actor, f.name, f.class_id, ch.day, ch.session, closed, policy)
            except PermissionDenied as exc:
                raise PermissionDenied(f"{_where(f, ch)}: {exc}") from None
        if old is None:
            day = ch.day
            if to_day is not None:
                day = day_w.get(ch.day) or day_w.setdefault(ch.day, to_day(ch.day))
            inserts.append((ch.pupil_id, day, ch.session, new_code, minutes, comment,
                            source, who[0], who[1], now_w))
            writes.append(inserts[-1])
            if closed and record_fills:
                amendments.append(amendment(ch, None, new_code, minutes, comment, True,
                                            reason or DEFAULT_LATE_ENTRY_REASON))
        else:
            if closed and not reason:
                raise ServiceError(f"{_where(f, ch)}: the register has closed: an amendment needs"
                                   " a reason")
            amended += closed
            amendments.append(amendment(ch, old, new_code, minutes, comment, closed, reason))
            writes.append((ch.pupil_id, ch.day, ch.session, new_code,
                           minutes if new_code else None, comment if new_code else "",
                           source, who[0], who[1], now))
            if new_code:
                updates.append({"_id": old[0], "code": new_code, "minutes_late": minutes,
                                "comment": comment, "source": source, "entered_by": who[0],
                                "entered_role": who[1], "entered_at": now})
            else:
                deletes.append({"_id": old[0]})
        if want_cells:
            cells.append(CellMark(*key, new_code, minutes, comment if new_code else "",
                                  source if new_code else "", who[0] if new_code else "",
                                  who[1] if new_code else "", now if new_code else None))
    if conflicts:
        raise MarkConflict(tuple(conflicts))
    return Batch(inserts, updates, deletes, amendments, writes, cells, unchanged, skipped,
                 amended, keys, facts, policy, calendar)


def write_mark_batch(s: Session, b: Batch, inserts: bool = True, ledger: bool = True
                 ) -> BulkResult:
    """Write a decided batch in `s` (holding the write lock). `inserts` / `ledger` False:
    the caller writes the new marks / the ledger rows itself (mark_import_writer)."""
    mt = Mark.__table__  # type: ignore[attr-defined]
    conn = s.connection()
    if inserts:
        bulk_insert_rows(s, mt, MARK_COLS, b.inserts,
                          stored=conn.dialect.paramstyle == "qmark")
    if b.updates:
        conn.execute(sa_update(mt).where(mt.c.id == bindparam("_id")).values(
            code=bindparam("code"), minutes_late=bindparam("minutes_late"),
            comment=bindparam("comment"), source=bindparam("source"),
            entered_by=bindparam("entered_by"), entered_role=bindparam("entered_role"),
            entered_at=bindparam("entered_at")), b.updates)
    if b.deletes:
        conn.execute(sa_delete(mt).where(mt.c.id == bindparam("_id")), b.deletes)
    write_chained(s, b.writes if ledger else [], b.amendments)
    written = len(b.inserts) + len(b.updates) + len(b.deletes)
    if written:
        live_revision.mark_changed(s)  # open screens everywhere reload after the commit
    return BulkResult(written, b.unchanged, b.skipped, tuple(b.cells), len(b.inserts),
                      b.amended)


def set_mark(engine: Engine, actor: Actor, change: MarkChange, *, reason: str = "",
             source: str = "register") -> CellMark:
    """Set (or clear) one cell; one transaction. Returns the cell as it now is."""
    return apply_changes(engine, actor, [change], reason=reason, source=source).cells[0]


def mark_all_present(engine: Engine, actor: Actor, day: dt.date, session: str,
                     pupil_ids: list[int]) -> BulkResult:
    """Present for every listed pupil without a mark for the session (others untouched)."""
    code = codes.present_code(session)
    return apply_changes(engine, actor, [MarkChange(p, day, session, code) for p in pupil_ids],
                         only_empty=True)


def copy_am_to_pm(engine: Engine, actor: Actor, day: dt.date,
                  pupil_ids: list[int]) -> BulkResult:
    """Copy morning marks into empty afternoon cells. Present (/ or L) becomes \\ ;
    absence codes are copied with their comment; minutes late are not carried over.
    The morning marks are read inside the same locked transaction as the write."""
    wanted = set(pupil_ids)

    def work(s: Session) -> BulkResult:
        rows = s.exec(select(Mark.pupil_id, Mark.code, Mark.comment).where(
            Mark.date == day, Mark.session == "AM")).all()
        changes = []
        for pid, code, comment in rows:
            found = codes.CODES.get(code)
            if pid not in wanted or found is None or code == "#":
                continue
            if found.category is codes.Category.PRESENT:
                changes.append(MarkChange(pid, day, "PM", codes.PRESENT_PM))
            else:
                changes.append(MarkChange(pid, day, "PM", code, comment=comment))
        return _apply(s, actor, changes, "register", "", True)

    return run_write(engine, work)
