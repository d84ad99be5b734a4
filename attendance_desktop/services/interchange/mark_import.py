"""Importing marks from a CSV file: every row checked first, then written in one go."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import (
    Mark,
    Pupil,
    SettingChange,
)
from attendance_desktop.domain import codes, upn
from attendance_desktop.domain.calendar import academic_year_start, england_bank_holidays
from attendance_desktop.domain.codes import CodeError
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.domain.roles import CLI_ACTOR, Actor
from attendance_desktop.services import clock
from attendance_desktop.services.errors import (
    ImportRejected,
    MarkConflict,
    PermissionDenied,
    Problem,
    ServiceError,
)
from attendance_desktop.services.interchange.import_service import (
    CHUNK,
    MARK_COLUMNS,
    parse_date,
    read_csv,
    run_to_end,
    shown_cell,
)
from attendance_desktop.services.interchange.pupil_fields import normalise_header
from attendance_desktop.services.interchange.pupil_import_check import MAX_LONG_TEXT
from attendance_desktop.services.register import mark_import_writer, mark_rules, register_service
from attendance_desktop.services.school.calendar_service import read_calendar
from attendance_desktop.services.school.policy_service import read_policy
from attendance_desktop.services.write_lock import run_write

log = logging.getLogger(__name__)  # file names and counts only, never pupils' data


@dataclass(frozen=True, slots=True)
class MarkImportResult:
    file: str
    new: int
    changed: int
    unchanged: int

    def __str__(self) -> str:
        return (f"imported {self.file}: {self.new} new, {self.changed} changed, "
                f"{self.unchanged} unchanged")


# --- marks -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _MarkInput:
    pupil_id: int
    day: dt.date
    session: str
    code: str
    minutes_late: int | None = None
    comment: str = ""


def _stored_minutes_late(found: codes.AttendanceCode, minutes: int | None) -> int | None:
    # Same rule as the register path: minutes are kept only on late codes.
    if minutes is not None and (minutes < 0 or not found.is_late):
        return None if not found.is_late else max(0, minutes)
    return minutes


@dataclass
class _Plan:
    """What an import would change, worked out without the write lock."""

    changes: list[register_service.MarkChange] = field(default_factory=list)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    closed_changed: int = 0  # existing marks in registers that have closed


def _plan(s: Session, marks: Sequence[_MarkInput], now: dt.datetime) -> _Plan:
    """Compare the file with the register as it is now (a plain read, no lock): identical
    marks drop out; the rest carry the mark seen now as `seen_code`, so a cell someone
    changes before the write is a conflict, never overwritten unseen."""
    plan = _Plan()
    if not marks:
        return plan
    m = Mark.__table__.c  # type: ignore[attr-defined]
    ids = sorted({x.pupil_id for x in marks})
    first, last = min(x.day for x in marks), max(x.day for x in marks)
    current: dict[tuple[int, dt.date, str], tuple[str, int | None, str]] = {}
    conn = s.connection()
    for i in range(0, len(ids), 500):
        q = sa_select(m.pupil_id, m.date, m.session, m.code, m.minutes_late, m.comment).where(
            m.pupil_id.in_(ids[i:i + 500]), m.date >= first, m.date <= last)
        for r in conn.execute(q):
            current[(r.pupil_id, r.date, r.session)] = (r.code, r.minutes_late, r.comment)
    policy = read_policy(s)
    closed: dict[tuple[dt.date, str], bool] = {}
    for x in marks:
        found = codes.CODES[x.code]
        minutes = _stored_minutes_late(found, x.minutes_late)
        old = current.get((x.pupil_id, x.day, x.session))
        if old == (found.code, minutes, x.comment):
            plan.unchanged += 1
            continue
        if old is None:
            plan.new += 1
        else:
            plan.changed += 1
            slot = (x.day, x.session)
            if slot not in closed:
                closed[slot] = mark_rules.register_closed(policy, x.day, x.session, now)
            plan.closed_changed += closed[slot]
        plan.changes.append(register_service.MarkChange(
            x.pupil_id, x.day, x.session, found.code, minutes, x.comment,
            seen_code=old[0] if old else ""))
    return plan


@dataclass(frozen=True, slots=True)
class _PupilRoll:
    id: int
    admission: dt.date
    leaving: dt.date | None
    dob: dt.date
    assumed: bool  # admission date not given: the imported history sets it


@dataclass
class _MarkCheck:
    marks: list[_MarkInput] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # pupils whose assumed admission date moves back to their first imported mark
    admissions: dict[int, dt.date] = field(default_factory=dict)


MAX_MINUTES_LATE = 720  # a whole school day; more is a typo or a spreadsheet's overflow


class _Calendar:
    """Which days and sessions may carry an imported mark: never a weekend; in an academic
    year the school has term dates for (1 August to 31 August next), only a half-term day,
    and on a closure only the closure's own code; before the school's term dates were
    entered here, never an England bank holiday except with '#'. Nothing more than
    `future_days` after today."""

    def __init__(self, s: Session, today: dt.date, future_days: int) -> None:
        from attendance_desktop.db.models import AcademicYear, Closure

        self.calendar = read_calendar(s)
        self.today = today
        self.last = today + dt.timedelta(days=future_days)
        self.future_days = future_days
        self.covered = [(dt.date(academic_year_start(y.start_date), 8, 1),
                         dt.date(academic_year_start(y.start_date) + 1, 8, 31))
                        for y in s.exec(select(AcademicYear))]
        self.closures: dict[tuple[dt.date, str], tuple[str, str]] = {}
        for c in s.exec(select(Closure)):
            what = c.description or c.kind.replace("_", " ")
            for ss in (("AM", "PM") if c.session == "DAY" else (c.session,)):
                self.closures[(c.date, ss)] = (c.code, what)
        self._holidays: dict[int, dict[dt.date, str]] = {}

    def _bank_holiday(self, day: dt.date) -> str:
        if day.year not in self._holidays:
            self._holidays[day.year] = england_bank_holidays(dt.date(day.year, 1, 1),
                                                             dt.date(day.year, 12, 31))
        return self._holidays[day.year].get(day, "")

    def day_problem(self, day: dt.date, session: str) -> tuple[str, str]:
        """(problem, the only code allowed): ('', '') when any code may go here."""
        if day > self.last:
            return (f"{day:%d/%m/%Y} is more than {self.future_days} days ahead (the "
                    "furthest an imported mark may be; Settings: import future days)", "")
        if day.weekday() >= 5:
            return f"{day:%A %d/%m/%Y} is a weekend day, not a school session", ""
        if any(a <= day <= b for a, b in self.covered):
            if not self.calendar.in_term(day):
                return (f"{day:%A %d/%m/%Y} is in a holiday in the school's term dates, "
                        "not a school session"), ""
            closure = self.closures.get((day, session))
            if closure is not None:
                return (f"the school was closed on {day:%d/%m/%Y} {session} "
                        f"({closure[1]})"), closure[0]
            return "", ""
        holiday = self._bank_holiday(day)
        if holiday:
            return f"{day:%A %d/%m/%Y} is a bank holiday ({holiday})", "#"
        return "", ""


def _check_marks(s: Session, source: Path,
                 token: CancelToken) -> Generator[Progress, None, _MarkCheck]:
    headers, raw_rows = read_csv(source)
    total = 2 * len(raw_rows)
    out = _MarkCheck()
    index: dict[str, int] = {}
    for i, h in enumerate(headers):
        key = normalise_header(h)
        key = {"minuteslate": "minutes_late", "ampm": "session"}.get(key, key)
        if key in MARK_COLUMNS and key not in index:
            index[key] = i
    for col_name in ("upn", "date", "session", "code"):
        if col_name not in index:
            out.problems.append(Problem(None, col_name, f"the file has no '{col_name}' "
                                        f"column (expected {','.join(MARK_COLUMNS)})"))
    if out.problems:
        return out
    names = {k: headers[i] for k, i in index.items()}
    roll = {u: _PupilRoll(pid, adm, left, dob, assumed)
            for pid, u, adm, left, dob, assumed in s.exec(
                select(Pupil.id, Pupil.upn, Pupil.admission_date, Pupil.leaving_date,  # type: ignore[call-overload]
                       Pupil.dob, Pupil.admission_assumed)).all() if u}
    today = clock.now(s).date()
    days_ok = _Calendar(s, today, read_policy(s).import_future_days)
    seen: dict[tuple[str, dt.date, str], int] = {}
    # A year's file repeats ~200 UPNs, ~380 dates and a few codes: parse each once.
    upns: dict[str, str] = {}
    days: dict[str, dt.date | str] = {}  # text -> date, or the problem message
    valid: dict[tuple[str, dt.date], codes.AttendanceCode | str] = {}
    slots: dict[tuple[dt.date, str], tuple[str, str]] = {}
    width = len(headers)
    i_upn, i_date, i_session, i_code = (index[k] for k in ("upn", "date", "session", "code"))
    i_minutes, i_comment = index.get("minutes_late"), index.get("comment")
    problems = out.problems
    # Rows that passed every other check, for the on-roll check once each pupil's first
    # imported mark is known: (row, pupil, day, found, upn).
    pending: list[tuple[int, _PupilRoll, dt.date, codes.AttendanceCode, str]] = []
    candidates: list[_MarkInput] = []
    for n, (row_no, cells) in enumerate(raw_rows):
        if n % CHUNK == 0:
            token.check()
            yield Progress(n, total, f"Checking row {n + 1} of {len(raw_rows)}")
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))

        def bad(key: str, message: str, _row: int = row_no) -> None:
            problems.append(Problem(_row, names.get(key, key), message))

        before = len(problems)
        raw_upn = cells[i_upn].strip()
        pupil_upn = upns.get(raw_upn)
        if pupil_upn is None:
            pupil_upn = upns[raw_upn] = upn.normalise(raw_upn)
        pupil = roll.get(pupil_upn)
        if not pupil_upn:
            bad("upn", "UPN is missing")
        elif pupil is None:
            bad("upn", f"no pupil has the UPN {shown_cell(pupil_upn)}")
        day: dt.date | None = None
        date_text = cells[i_date].strip()
        if not date_text:
            bad("date", "date is missing")
        else:
            parsed_day = days.get(date_text)
            if parsed_day is None:
                try:
                    parsed_day = parse_date(date_text)
                except ValueError as exc:
                    parsed_day = str(exc)
                days[date_text] = parsed_day
            if isinstance(parsed_day, str):
                bad("date", parsed_day)
            else:
                day = parsed_day
        session = cells[i_session].strip().upper()
        if session not in ("AM", "PM"):
            bad("session", f"session must be AM or PM, not '{shown_cell(cells[i_session])}'")
        only_code = ""
        if day is not None and session in ("AM", "PM"):
            slot = slots.get((day, session))
            if slot is None:
                slot = slots[(day, session)] = days_ok.day_problem(day, session)
            why, only_code = slot
            if why and not only_code:
                bad("date", why)
        comment = cells[i_comment].strip() if i_comment is not None else ""
        if len(comment) > MAX_LONG_TEXT:
            bad("comment", f"the comment is {len(comment)} characters long; at most "
                           f"{MAX_LONG_TEXT}")
        minutes: int | None = None
        text = cells[i_minutes].strip() if i_minutes is not None else ""
        if text:
            # Checked as text first: '9' * 30 must not reach the database as a number.
            if text.isascii() and text.isdigit() and len(text) <= 4 \
                    and int(text) <= MAX_MINUTES_LATE:
                minutes = int(text)
            else:
                bad("minutes_late", f"minutes late must be a whole number from 0 to "
                                    f"{MAX_MINUTES_LATE}, not '{shown_cell(text)}'")
        code_text = cells[i_code].strip()
        found: codes.AttendanceCode | None = None
        if not code_text:
            bad("code", "code is missing")
        elif day is not None:
            checked = valid.get((code_text, day))
            if checked is None:
                try:
                    checked = codes.validate(code_text, day)
                except CodeError as exc:
                    checked = str(exc)
                valid[(code_text, day)] = checked
            if isinstance(checked, str):
                bad("code", checked)
            else:
                found = checked
                try:
                    codes.check_note(found, comment)
                except CodeError as exc:
                    bad("comment", str(exc))
                if only_code and found.code != only_code:
                    bad("date", f"{slots[(day, session)][0]}: only {only_code} may be "
                                f"recorded, not {found.code}")
        if pupil_upn and day is not None and session in ("AM", "PM"):
            seen_key = (pupil_upn, day, session)
            if seen_key in seen:
                bad("session", f"{pupil_upn} {day:%d/%m/%Y} {session} is also on row "
                               f"{seen[seen_key]}")
            else:
                seen[seen_key] = row_no
        if len(problems) == before and pupil is not None and day is not None \
                and found is not None:
            pending.append((row_no, pupil, day, found, pupil_upn))
            candidates.append(_MarkInput(pupil.id, day, session, found.code, minutes, comment))
    # A pupil whose admission date was never given is on roll for the history imported:
    # the admission moves back to the first mark of the file (a Z mark is for before
    # admission, so it does not count).
    for _, pupil, day, found, _ in pending:
        if pupil.assumed and found.code != "Z" and day < out.admissions.get(
                pupil.id, pupil.admission):
            out.admissions[pupil.id] = day
    for (row_no, pupil, day, found, pupil_upn), mark in zip(pending, candidates, strict=True):
        admitted = out.admissions.get(pupil.id, pupil.admission)
        problem = mark_rules.code_problem(found, day, pupil.dob, admitted,
                                                pupil.leaving, "import")
        if "not on roll" in problem:
            left = f", left {pupil.leaving:%d/%m/%Y}" if pupil.leaving else ""
            problems.append(Problem(row_no, names["date"], (
                f"pupil {pupil_upn} was not on roll on {day:%d/%m/%Y} "
                f"(admitted {admitted:%d/%m/%Y}{left})")))
        elif problem:
            problems.append(Problem(row_no, names["code"], problem))
        else:
            out.marks.append(mark)
    problems.sort(key=lambda p: p.row or 0)  # stable: a row's problems keep their order
    if not raw_rows:
        out.problems.append(Problem(None, "", "the file has a header row but no marks"))
    return out


def _move_assumed_admissions(s: Session, admissions: dict[int, dt.date]) -> int:
    """Before the marks are written (same transaction): pupils imported without an
    admission date are on roll from their first imported mark. Only a date still assumed
    moves, and only earlier."""
    moved = 0
    for pupil_id, day in admissions.items():
        pupil = s.get(Pupil, pupil_id)
        if pupil is not None and pupil.admission_assumed and day < pupil.admission_date:
            pupil.admission_date = day
            s.add(pupil)
            moved += 1
    s.flush()
    return moved


def import_marks(engine: Engine, source: Path, actor: Actor = CLI_ACTOR,
                 reason: str = "") -> MarkImportResult:
    """Import register marks, all or nothing; changed marks leave an amendment."""
    return run_to_end(import_marks_job(engine, source, actor, reason=reason))


def import_marks_job(engine: Engine, source: Path, actor: Actor = CLI_ACTOR,
                     token: CancelToken | None = None, *, reason: str = "",
                     ) -> Generator[Progress, None, MarkImportResult]:
    """import_marks as a job for a worker thread: yields Progress, and Cancel (or any
    problem) leaves the database exactly as it was.

    Everything is checked first without the write lock (the file, codes, pupils, and the
    marks on record), so other writers (the kiosk) are not kept waiting; the new and
    changed marks are then written in one short transaction through the register path.
    Changing marks in registers that have closed needs `reason`. A cell someone changes
    during the check is not overwritten: the import is planned again once, then refused.
    """
    if not (actor.can_write_register and actor.can_amend):
        raise PermissionDenied(f"{actor.role.label} users cannot import marks")
    source = Path(source)
    token = token or CancelToken()
    with session_scope(engine) as s:
        checked = yield from _check_marks(s, source, token)
    if checked.problems:
        log.info("mark import %s refused: %d problems", source.name, len(checked.problems))
        raise ImportRejected(source.name, checked.problems)
    n = len(checked.marks)
    reason = reason.strip()
    for attempt in range(2):
        token.check()
        yield Progress(n, 2 * n, "Comparing with the register")
        with session_scope(engine) as s:
            plan = _plan(s, checked.marks, clock.now(s))
        if plan.closed_changed and not reason:
            raise ServiceError(
                f"{source.name} would change {plan.closed_changed} marks in registers that"
                " have closed; give the reason for the amendments (--reason)")
        why = f"Imported from {source.name}" + (f": {reason}" if reason else "")
        moved: list[int] = []

        def before(s: Session, moved: list[int] = moved) -> None:
            moved.append(_move_assumed_admissions(s, checked.admissions))

        def after(s: Session, done: register_service.BulkResult, plan: _Plan = plan,
                  moved: list[int] = moved) -> MarkImportResult:
            # What the write did (a cell set to the file's value meanwhile is unchanged).
            got = MarkImportResult(source.name, done.new, done.written - done.new,
                                   plan.unchanged + done.unchanged)
            s.add(SettingChange(
                area="marks", key=f"import {source.name}", changed_at=clock.now(s),
                new_value=(f"{got.new} new, {got.changed} changed, {got.unchanged}"
                           f" unchanged" + (f"; reason: {reason}" if reason else "")
                           + (f"; admission dates not given set from the history for "
                              f"{moved[-1]} pupils" if moved[-1] else "")),
                staff_name=actor.name, staff_role=actor.role.value))
            return got

        def locked(s: Session, plan: _Plan = plan, why: str = why) -> MarkImportResult:
            before(s)
            return after(s, register_service.apply_changes(s, actor, plan.changes,
                                                           source="import", reason=why))

        try:
            if not plan.changes:
                result = MarkImportResult(source.name, 0, 0, plan.unchanged)
            elif not mark_import_writer.usable(engine):
                token.check()
                yield Progress(n + plan.unchanged, 2 * n, "Saving marks")
                token.check()  # the last moment Cancel can stop it: one transaction
                result = run_write(engine, locked)
            else:
                # Decided and staged before the write lock; the lock is held only for
                # the checks that nothing moved and the INSERT ... SELECT (see the module).
                with mark_import_writer.staging(engine) as conn:
                    yield Progress(n + plan.unchanged // 2, 2 * n, "Preparing marks")
                    prepared = mark_import_writer.prepare(conn, actor, plan.changes, why,
                                                          checked.admissions)
                    token.check()
                    yield Progress(n + plan.unchanged, 2 * n, "Saving marks")
                    token.check()  # the last moment Cancel can stop it: one transaction
                    result = mark_import_writer.write(conn, prepared, actor, plan.changes,
                                                      why, before, after)
            break
        except MarkConflict:
            if attempt:
                raise
    log.info("mark import %s by %s: %d new, %d changed, %d unchanged", source.name,
             actor.role.value, result.new, result.changed, result.unchanged)
    # No yield after the commit: a Cancel pressed now must not report a saved import
    # as cancelled.
    return result
