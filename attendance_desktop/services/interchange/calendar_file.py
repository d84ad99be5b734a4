"""Reading a term-dates CSV file (`attendance-desktop calendar import`) into checked
years, every problem listed by row and column; calendar_io compares them with the
database, saves them and writes the file back out.

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
are neither exported nor imported."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    Span,
    TermDates,
    academic_year_name,
    academic_year_start,
    daterange,
    england_bank_holidays,
)
from attendance_desktop.services.csv_safe import unsafe_cell
from attendance_desktop.services.errors import (
    ImportRejected,
    Problem,
)
from attendance_desktop.services.interchange.import_service import parse_date
from attendance_desktop.services.office_files import read_table
from attendance_desktop.services.school import calendar_service

COLUMNS = ("kind", "name", "start", "end", "session")
KINDS = ("year", "term", "half_term", "inset", "closure", "bank_holiday")
TERMS = ("Autumn", "Spring", "Summer")
SESSIONS = ("DAY", "AM", "PM")


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


# --- reading -----------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def parse_rows(source: Path) -> tuple[list[_Row], list[Problem]]:
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


def group_years(rows: list[_Row], problems: list[Problem]) -> dict[str, _Year]:
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


def plan_year(year: _Year, problems: list[Problem]) -> PlannedYear | None:
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
