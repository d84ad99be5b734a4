"""Term dates in and out as a CSV file (`attendance-desktop calendar import/export`).

The file has a header row and one row per item::

    kind,name,start,end,session
    year,2025/26,2025-09-03,2026-07-22,
    term,Autumn,2025-09-03,2025-12-19,
    half_term,Autumn 1,2025-09-03,2025-10-24,
    half_term,Autumn 2,2025-11-03,2025-12-19,
    (Spring and Summer the same way)
    inset,INSET day,2025-11-03,2025-11-03,DAY
    closure,Polling station,2026-05-07,2026-05-07,AM
    bank_holiday,Christmas Day,2025-12-25,2025-12-25,DAY

- `year`: the academic year's name (YYYY/YY); start and end may be left empty, and if
  given are the first day of its first half term and the last day of its last.
- `term`: Autumn, Spring and Summer, each the first and last day in school.
- `half_term`: the two halves of each term *in school* (as on Settings > Calendar),
  named "<term> 1" and "<term> 2" (an empty name is filled in).
- `inset`: INSET days (whole days); `closure`: other planned closures, session DAY, AM
  or PM; a start-to-end range closes every weekday in it. Both only on school days.
- `bank_holiday`: England's bank holidays are added by themselves (as Settings does);
  a row for one is accepted, and a row for a day not in the list (a one-off bank holiday
  announced later) adds it.

Dates are YYYY-MM-DD or DD/MM/YYYY. Emergency closures (snow: Y4) are register events and
are neither exported nor imported. Imports are all-or-nothing: every problem is listed
by row and column before anything is saved. A year already in the calendar is left alone
when the file has it unchanged, and is replaced only with `replace=True` (`--replace`);
a change that would leave existing marks on days the school is closed is refused, with
the marks listed. Years are written through `calendar_changes.save_year` and closures
through `calendar_changes.add_closure`, the same path (and records) as Settings.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    Span,
    TermDates,
    academic_year_name,
    academic_year_start,
    daterange,
    england_bank_holidays,
)
from attendance_desktop.domain.roles import Actor
from attendance_desktop.services.csv_safe import safe_cell, unsafe_cell
from attendance_desktop.services.errors import (
    ImportRejected,
    PermissionDenied,
    Problem,
    ServiceError,
)
from attendance_desktop.services.interchange.import_service import parse_date
from attendance_desktop.services.office_files import read_table
from attendance_desktop.services.register import calendar_changes
from attendance_desktop.services.school import calendar_service

COLUMNS = ("kind", "name", "start", "end", "session")
KINDS = ("year", "term", "half_term", "inset", "closure", "bank_holiday")
TERMS = ("Autumn", "Spring", "Summer")
SESSIONS = ("DAY", "AM", "PM")
EXPORTED_CLOSURES = ("inset", "planned", "bank_holiday")
MAX_LISTED_MARKS = 50


@dataclass(frozen=True, slots=True)
class _Row:
    row: int
    kind: str
    name: str
    start: dt.date
    end: dt.date
    session: str


@dataclass
class _Year:
    row: _Row
    name: str
    terms: list[_Row] = field(default_factory=list)
    halves: list[_Row] = field(default_factory=list)
    insets: list[_Row] = field(default_factory=list)
    closures: list[_Row] = field(default_factory=list)
    bank_holidays: list[_Row] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlannedYear:
    """One year of the file, checked: what save_year and add_closure will be given."""

    dates: TermDates
    insets: tuple[dt.date, ...]
    closures: tuple[tuple[dt.date, str, str], ...]  # (day, DAY|AM|PM, description)
    extra_bank_holidays: tuple[tuple[dt.date, str], ...]


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


# --- reading -----------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _parse_rows(source: Path) -> tuple[list[_Row], list[Problem]]:
    table = read_table(source)
    problems: list[Problem] = []
    index = {_norm(h): i for i, h in enumerate(table.headers)}
    missing = [c for c in COLUMNS if _norm(c) not in index]
    if missing:
        raise ImportRejected(source.name, [Problem(1, c, "this column is missing; the header "
                                                  f"must be {','.join(COLUMNS)}")
                                           for c in missing])
    rows: list[_Row] = []
    for number, cells in table.rows:
        def cell(column: str, cells: list[str] = cells) -> str:
            i = index[_norm(column)]
            return unsafe_cell(cells[i].strip()) if i < len(cells) else ""

        kind = _norm(cell("kind"))
        kind = {"halfterm": "half_term", "bankholiday": "bank_holiday"}.get(kind, kind)
        bad = len(problems)
        if kind not in KINDS:
            problems.append(Problem(number, "kind", f"'{cell('kind')}' is not one of "
                                                    f"{', '.join(KINDS)}"))
        name = " ".join(cell("name").split())
        if len(name) > 200:
            problems.append(Problem(number, "name", "the name is longer than 200 characters"))
        dates: dict[str, dt.date | None] = {}
        for column in ("start", "end"):
            text = cell(column)
            dates[column] = None
            if not text:
                continue
            try:
                dates[column] = parse_date(text)
            except ValueError as exc:
                problems.append(Problem(number, column, str(exc)))
        session = cell("session").upper() or "DAY"
        if session not in SESSIONS:
            problems.append(Problem(number, "session", f"'{cell('session')}' is not DAY, AM "
                                                       "or PM"))
        elif session != "DAY" and kind in ("year", "term", "half_term", "inset",
                                           "bank_holiday"):
            problems.append(Problem(number, "session", f"a {kind} row is for whole days; "
                                                       "leave the session empty or DAY"))
        start, end = dates["start"], dates["end"]
        if start is None and kind != "year" and not any(
                p.row == number and p.column == "start" for p in problems):
            problems.append(Problem(number, "start", "the first day is missing"))
        if kind == "year":
            if not re.fullmatch(r"\d{4}/\d{2}", name) or \
                    (int(name[:4]) + 1) % 100 != int(name[5:]):
                problems.append(Problem(number, "name", f"'{name}' is not an academic year "
                                                        "like 2025/26"))
        elif kind in ("term", "half_term") and end is None and start is not None:
            problems.append(Problem(number, "end", "the last day is missing"))
        if start is not None and end is not None and end < start:
            problems.append(Problem(number, "end", f"the last day ({end:%d/%m/%Y}) is before "
                                                   f"the first ({start:%d/%m/%Y})"))
        if len(problems) > bad:
            continue
        if kind == "year":
            # placeholders; checked against the half terms later
            start = start or dt.date.min
            end = end or dt.date.min
        assert start is not None
        rows.append(_Row(number, kind, name, start, end or start, session))
    if not table.rows:
        problems.append(Problem(None, "", "the file has a header but no rows"))
    return rows, problems


def _group(rows: list[_Row], problems: list[Problem]) -> dict[str, _Year]:
    years: dict[str, _Year] = {}
    for r in rows:
        if r.kind == "year":
            if r.name in years:
                problems.append(Problem(r.row, "name", f"{r.name} is already on row "
                                                       f"{years[r.name].row.row}"))
            else:
                years[r.name] = _Year(r, r.name)
    for r in rows:
        if r.kind == "year":
            continue
        name = academic_year_name(academic_year_start(r.start))
        year = years.get(name)
        if year is None:
            problems.append(Problem(r.row, "start", f"{r.start:%d/%m/%Y} is in the academic "
                                                    f"year {name}, which has no 'year' row"))
            continue
        {"term": year.terms, "half_term": year.halves, "inset": year.insets,
         "closure": year.closures, "bank_holiday": year.bank_holidays}[r.kind].append(r)
    return years


def _plan_year(year: _Year, problems: list[Problem]) -> PlannedYear | None:
    before = len(problems)
    terms: dict[str, _Row] = {}
    for t in year.terms:
        canonical = next((n for n in TERMS if n.lower() == t.name.lower()), None)
        if canonical is None:
            problems.append(Problem(t.row, "name", f"'{t.name}' is not a term; use Autumn, "
                                                   "Spring or Summer"))
        elif canonical in terms:
            problems.append(Problem(t.row, "name", f"{canonical} {year.name} is already on "
                                                   f"row {terms[canonical].row}"))
        else:
            terms[canonical] = t
    for name in TERMS:
        if name not in terms and len(problems) == before:
            problems.append(Problem(year.row.row, "", f"{year.name} has no {name} term row"))
    halves_of: dict[str, list[_Row]] = {n: [] for n in terms}
    for h in year.halves:
        owner = next((n for n, t in terms.items() if t.start <= h.start and h.end <= t.end),
                     None)
        if owner is None:
            problems.append(Problem(h.row, "start", f"the half term {h.start:%d/%m/%Y} to "
                                                    f"{h.end:%d/%m/%Y} is not inside a term"))
            continue
        halves_of[owner].append(h)
    if len(problems) > before:
        return None
    y = year.row
    if y.start != dt.date.min and y.start != terms["Autumn"].start:
        problems.append(Problem(y.row, "start", f"{year.name} starts on the first day of "
                                                f"Autumn 1 ({terms['Autumn'].start:%d/%m/%Y})"))
    if y.end != dt.date.min and y.end != terms["Summer"].end:
        problems.append(Problem(y.row, "end", f"{year.name} ends on the last day of Summer 2 "
                                              f"({terms['Summer'].end:%d/%m/%Y})"))
    triples: list[tuple[Span, Span, Span]] = []
    row_of: dict[str, int] = {}
    for name in TERMS:
        t = terms[name]
        halves = sorted(halves_of[name], key=lambda h: h.start)
        if len(halves) != 2:
            problems.append(Problem(t.row, "", f"{name} {year.name} needs two half_term rows "
                                               f"inside it, not {len(halves)}"))
            continue
        first, second = halves
        for n, h in enumerate(halves, 1):
            expected = f"{name} {n}"
            if h.name and h.name.lower() != expected.lower():
                problems.append(Problem(h.row, "name", f"this half term is {expected}, not "
                                                       f"'{h.name}'"))
            row_of[expected] = h.row
        if first.start != t.start:
            problems.append(Problem(first.row, "start", f"{name} 1 must start on the term's "
                                                        f"first day ({t.start:%d/%m/%Y})"))
        if second.end != t.end:
            problems.append(Problem(second.row, "end", f"{name} 2 must end on the term's last "
                                                       f"day ({t.end:%d/%m/%Y})"))
        triples.append((Span(name, t.start, t.end), Span(f"{name} 1", first.start, first.end),
                        Span(f"{name} 2", second.start, second.end)))
    if len(triples) < len(TERMS):
        return None
    dates = TermDates(year.name, tuple(triples))
    insets: dict[dt.date, int] = {}
    for r in year.insets:
        for day in daterange(r.start, r.end):
            if r.start != r.end and day.weekday() >= 5:
                continue  # a range of INSET days skips the weekend
            if day in insets:
                problems.append(Problem(r.row, "start", f"INSET day {day:%d/%m/%Y} is already "
                                                        f"on row {insets[day]}"))
            insets[day] = r.row
    for p in calendar_service.term_date_problems(dates, insets):
        row = row_of.get(p.about)
        if row is None and p.about:
            row = insets.get(dt.date.fromisoformat(p.about)) if p.about[:1].isdigit() else None
        problems.append(Problem(row, "start" if row else "", p.message))
    cal = SchoolCalendar(dates.half_terms, {})
    holidays = england_bank_holidays(dates.start, dates.end)
    taken: dict[tuple[dt.date, str], int] = {(d, "DAY"): r for d, r in insets.items()}
    closures: list[tuple[dt.date, str, str]] = []
    for r in year.closures:
        days = [d for d in daterange(r.start, r.end) if r.start == r.end or d.weekday() < 5]
        for day in days:
            if not cal.is_school_day(day):
                why = "a weekend day" if day.weekday() >= 5 else "in a holiday"
                problems.append(Problem(r.row, "start", f"{day:%a %d/%m/%Y} is {why}, not a "
                                                        "school day"))
                continue
            if day in holidays:
                problems.append(Problem(r.row, "start", f"{day:%d/%m/%Y} is a bank holiday "
                                                        f"({holidays[day]}) already"))
                continue
            clash = [row for (d, s), row in taken.items() if d == day
                     and (r.session == "DAY" or s in ("DAY", r.session))]
            if clash:
                problems.append(Problem(r.row, "start", f"{day:%d/%m/%Y} is already closed "
                                                        f"by row {clash[0]}"))
                continue
            taken[(day, r.session)] = r.row
            closures.append((day, r.session, r.name or "Planned closure"))
    extra: list[tuple[dt.date, str]] = []
    for r in year.bank_holidays:
        for day in daterange(r.start, r.end):
            if day in holidays:
                continue
            if day.weekday() >= 5:
                problems.append(Problem(r.row, "start", f"{day:%a %d/%m/%Y} is a weekend day"))
            elif not dates.start <= day <= dates.end:
                problems.append(Problem(r.row, "start", f"{day:%d/%m/%Y} is outside "
                                                        f"{year.name}"))
            elif (day, "DAY") in taken or (day, "AM") in taken or (day, "PM") in taken:
                problems.append(Problem(r.row, "start", f"{day:%d/%m/%Y} is already closed"))
            else:
                taken[(day, "DAY")] = r.row
                extra.append((day, r.name or "Bank holiday"))
    if len(problems) > before:
        return None
    return PlannedYear(dates, tuple(sorted(insets)), tuple(sorted(closures)),
                       tuple(sorted(extra)))


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
    rows, problems = _parse_rows(source)
    years = _group(rows, problems)
    plans: dict[str, PlannedYear] = {}
    for name, year in sorted(years.items()):
        plan = _plan_year(year, problems)
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
