"""Term dates in and out as a CSV file (`attendance-desktop calendar import/export`);
the file's format and reading it are in calendar_file.py.

Imports are all-or-nothing: every problem is listed by row and column before anything is
saved. A year already in the calendar is left alone when the file has it unchanged, and is
replaced only with `replace=True` (`--replace`); a change that would leave existing marks
on days the school is closed is refused, with the marks listed. Years are written through
`calendar_changes.save_year` and closures through `calendar_changes.add_closure`, the same
path (and records) as Settings. Emergency closures (snow: Y4) are register events and are
neither exported nor imported."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    TermDates,
    academic_year_start,
    england_bank_holidays,
)
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.csv_safe import safe_cell
from attendance_desktop.services.errors import (
    ImportRejected,
    PermissionDenied,
    Problem,
    ServiceError,
)
from attendance_desktop.services.interchange.calendar_file import (
    COLUMNS,
    PlannedYear,
    group_years,
    parse_rows,
    plan_year,
)
from attendance_desktop.services.register import calendar_changes
from attendance_desktop.services.school import calendar_service

EXPORTED_CLOSURES = ("inset", "planned", "bank_holiday")
MAX_LISTED_MARKS = 50


@dataclass(frozen=True, slots=True)
class CalendarImportResult:
    file: str
    created: tuple[str, ...]
    replaced: tuple[str, ...]
    unchanged: tuple[str, ...]
    closures_added: int
    closures_removed: int

    def __str__(self) -> str:
        parts = []
        for label, names in (("added", self.created), ("replaced", self.replaced),
                             ("unchanged", self.unchanged)):
            if names:
                parts.append(f"{label} {', '.join(names)}")
        text = f"{self.file}: " + ("; ".join(parts) or "no years in the file")
        if self.closures_added or self.closures_removed:
            text += (f" ({self.closures_added} closures added, {self.closures_removed} "
                     "removed)")
        if self.created or self.replaced:
            text += "; England's bank holidays added"
        return text


@dataclass(frozen=True, slots=True)
class CalendarExportResult:
    file: str
    years: tuple[str, ...]
    rows: int

    def __str__(self) -> str:
        return (f"exported {', '.join(self.years) or 'no years'} to {self.file} "
                f"({self.rows} rows)")


# --- comparing with the database ---------------------------------------------------------


def _stored(engine: Engine, year: calendar_service.YearInfo) -> PlannedYear:
    """A stored year in the shape of a planned one, to compare and to export."""
    halves = {h.name: h for h in year.half_terms}
    triples = []
    for t in year.terms:
        a, b = halves.get(f"{t.name} 1"), halves.get(f"{t.name} 2")
        if a is not None and b is not None:
            triples.append((t, a, b))
    listed = calendar_service.list_closures(engine, year.start, year.end)
    holidays = england_bank_holidays(year.start, year.end)
    return PlannedYear(
        TermDates(year.name, tuple(triples)),
        tuple(sorted(c.date for c in listed if c.kind == "inset" and c.session == "DAY")),
        tuple(sorted((c.date, c.session, c.description) for c in listed
                     if c.kind == "planned")),
        tuple(sorted((c.date, c.description) for c in listed
                     if c.kind == "bank_holiday" and c.date not in holidays)))


def _calendar_after(engine: Engine, plans: list[PlannedYear]) -> SchoolCalendar:
    """The school calendar as it would be with the planned years in place of stored ones."""
    names = {p.dates.year_name for p in plans}
    years = calendar_service.list_years(engine)
    halves = [h for y in years if y.name not in names for h in y.half_terms]
    ranges = [(y.start, y.end) for y in years if y.name in names]
    closures: dict[dt.date, frozenset[str]] = {}

    def close(day: dt.date, session: str) -> None:
        sessions = frozenset({"AM", "PM"}) if session == "DAY" else frozenset({session})
        closures[day] = closures.get(day, frozenset()) | sessions

    lo = min([y.start for y in years] + [p.dates.start for p in plans], default=dt.date.min)
    hi = max([y.end for y in years] + [p.dates.end for p in plans], default=dt.date.min)
    for c in calendar_service.list_closures(engine, lo, hi):
        replaced = any(a <= c.date <= b for a, b in ranges) and c.kind in EXPORTED_CLOSURES
        if not replaced:
            close(c.date, c.session)
    for p in plans:
        halves.extend(p.dates.half_terms)
        for day in england_bank_holidays(p.dates.start, p.dates.end):
            close(day, "DAY")
        for day in p.insets:
            close(day, "DAY")
        for day, session, _ in p.closures:
            close(day, session)
        for day, _ in p.extra_bank_holidays:
            close(day, "DAY")
    return SchoolCalendar(halves, closures)


def _orphaned_marks(engine: Engine, plans: list[PlannedYear]) -> list[str]:
    """Marks that would sit on a session the school is closed after the import, and were
    on an open session (or on dates no year covered) before. '#' marks are closures."""
    if not plans:
        return []
    before = calendar_service.load_calendar(engine)
    years = calendar_service.list_years(engine)
    after = _calendar_after(engine, plans)
    names = {p.dates.year_name for p in plans}
    lo = min([p.dates.start for p in plans] + [y.start for y in years if y.name in names])
    hi = max([p.dates.end for p in plans] + [y.end for y in years if y.name in names])
    # from 1 August to 31 July around the years, to catch marks in newly covered holidays
    lo = min(lo, dt.date(academic_year_start(lo), 8, 1))
    hi = max(hi, dt.date(academic_year_start(hi) + 1, 7, 31))
    out = []
    with session_scope(engine) as s:
        rows = s.exec(select(  # type: ignore[call-overload]  # (more than 4 columns)
                             Mark.date, Mark.session, Mark.code, Pupil.upn,
                             Pupil.legal_forename, Pupil.legal_surname)
                      .join(Pupil, Pupil.id == Mark.pupil_id)
                      .where(Mark.date >= lo, Mark.date <= hi, Mark.code != "#")
                      .order_by(Mark.date, Mark.session)).all()
    for day, session, code, upn, fore, sur in rows:
        if after.is_open(day, session):
            continue
        was_covered = any(y.start <= day <= y.end for y in years)
        if was_covered and not before.is_open(day, session):
            continue
        out.append(f"{fore} {sur} ({upn or 'no UPN'}) has {code} on {day:%a %d/%m/%Y} "
                   f"{session}, which would be a day the school is closed")
    return out


# --- import ------------------------------------------------------------------------------


def check_file(engine: Engine, source: Path, *, replace: bool = False
               ) -> tuple[list[PlannedYear], list[str], list[str]]:
    """Read and check a term-dates file without saving anything.

    Returns (years to write, names of years to replace, names unchanged); raises
    ImportRejected with every problem."""
    source = Path(source)
    rows, problems = parse_rows(source)
    years = group_years(rows, problems)
    plans: dict[str, PlannedYear] = {}
    for name, year in sorted(years.items()):
        plan = plan_year(year, problems)
        if plan is not None:
            plans[name] = plan
    stored = {y.name: y for y in calendar_service.list_years(engine)}
    writes: list[PlannedYear] = []
    replacing: list[str] = []
    unchanged: list[str] = []
    for name, plan in plans.items():
        row = years[name].row.row
        for other in stored.values():
            if other.name != name and other.start <= plan.dates.end \
                    and plan.dates.start <= other.end:
                problems.append(Problem(row, "name", f"{name} overlaps {other.name}, already "
                                                     "in the calendar"))
        old = stored.get(name)
        if old is None:
            writes.append(plan)
        elif _stored(engine, old) == plan:
            unchanged.append(name)
        elif not replace:
            problems.append(Problem(row, "name", f"{name} is already in the calendar with "
                                                 "other dates; import with --replace to "
                                                 "replace it"))
        else:
            writes.append(plan)
            replacing.append(name)
    if not problems:
        problems.extend(_emergency_clashes(engine, writes))
    if not problems:
        orphans = _orphaned_marks(engine, writes)
        listed = orphans[:MAX_LISTED_MARKS]
        problems.extend(Problem(None, "", text) for text in listed)
        if len(orphans) > len(listed):
            problems.append(Problem(None, "", f"and {len(orphans) - len(listed)} more marks "
                                              "on days that would be closed"))
    if problems:
        raise ImportRejected(source.name, problems)
    return writes, replacing, unchanged


def _emergency_clashes(engine: Engine, plans: list[PlannedYear]) -> list[Problem]:
    """Closures in the file on a session already closed in an emergency (kept as is)."""
    out = []
    for p in plans:
        kept = {(c.date, c.session) for c in calendar_service.list_closures(
            engine, p.dates.start, p.dates.end) if c.kind not in EXPORTED_CLOSURES}
        wanted = [(d, "DAY") for d in p.insets] + [(d, s) for d, s, _ in p.closures]
        for day, session in wanted:
            if any(d == day and (session == "DAY" or s in ("DAY", session)) for d, s in kept):
                out.append(Problem(None, "", f"{day:%d/%m/%Y} was closed in an emergency; "
                                             "that closure stays, so leave the day out"))
    return out


def import_calendar(engine: Engine, actor: Actor, source: Path, *, replace: bool = False
                    ) -> CalendarImportResult:
    """Check the whole file, then save each year as Settings > Calendar saves it."""
    if not actor.can_edit_settings:
        raise PermissionDenied("only the headteacher can set term dates")
    source = Path(source)
    writes, replacing, unchanged = check_file(engine, source, replace=replace)
    added = removed = 0
    for plan in writes:
        old = next((y for y in calendar_service.list_years(engine)
                    if y.name == plan.dates.year_name), None)
        calendar_changes.save_year(engine, actor, plan.dates, plan.insets)
        keep = {(d, s): text for d, s, text in plan.closures}
        keep_extra = dict(plan.extra_bank_holidays)
        if old is not None:
            for c in calendar_service.list_closures(engine, min(old.start, plan.dates.start),
                                                    max(old.end, plan.dates.end)):
                if c.kind == "planned" and keep.get((c.date, c.session)) == c.description:
                    del keep[(c.date, c.session)]
                elif c.kind == "bank_holiday" and keep_extra.get(c.date) == c.description:
                    del keep_extra[c.date]
                elif c.kind == "planned" or (
                        c.kind == "bank_holiday"
                        and c.date not in england_bank_holidays(c.date, c.date)):
                    calendar_changes.remove_closure(engine, actor, c.date, c.session)
                    removed += 1
        for (day, session), text in sorted(keep.items()):
            calendar_changes.add_closure(engine, actor, day, session, "planned", text)
            added += 1
        for day, text in sorted(keep_extra.items()):
            calendar_changes.add_closure(engine, actor, day, "DAY", "bank_holiday", text)
            added += 1
    created = tuple(p.dates.year_name for p in writes if p.dates.year_name not in replacing)
    return CalendarImportResult(source.name, created, tuple(replacing), tuple(unchanged),
                                added, removed)


# --- export ------------------------------------------------------------------------------


def calendar_rows(engine: Engine) -> list[list[str]]:
    """The stored calendar as file rows (header first)."""
    out: list[list[str]] = [list(COLUMNS)]
    for year in calendar_service.list_years(engine):
        plan = _stored(engine, year)
        out.append(["year", year.name, year.start.isoformat(), year.end.isoformat(), ""])
        for term, first, second in plan.dates.terms:
            out.append(["term", term.name, term.start.isoformat(), term.end.isoformat(), ""])
            for half in (first, second):
                out.append(["half_term", half.name, half.start.isoformat(),
                            half.end.isoformat(), ""])
        items: list[tuple[dt.date, str, str, str]] = []
        for c in calendar_service.list_closures(engine, year.start, year.end):
            kind = {"planned": "closure"}.get(c.kind, c.kind)
            if c.kind in EXPORTED_CLOSURES:
                items.append((c.date, c.session, kind, c.description))
        for day, session, kind, text in sorted(items):
            out.append([kind, text, day.isoformat(), day.isoformat(), session])
    return out


def export_calendar(engine: Engine, dest: Path) -> CalendarExportResult:
    """Write every academic year, term, half term, INSET day, planned closure and bank
    holiday; written to a temporary file and renamed, so a failure leaves no half file."""
    dest = Path(dest)
    rows = calendar_rows(engine)
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            for row in rows:
                writer.writerow([safe_cell(v) for v in row])
        partial.replace(dest)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"cannot write {dest}: {exc.strerror or exc}") from None
    years = tuple(r[1] for r in rows if r[0] == "year")
    return CalendarExportResult(dest.name, years, len(rows) - 1)
