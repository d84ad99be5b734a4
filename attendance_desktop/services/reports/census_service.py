"""Per-pupil school census attendance figures for one collection period, as CSV.

The school's management system (MIS) builds the census XML; this file gives it (or the
person keying it in) the figures. Collection periods follow the DfE's "Pupil absence in
schools in England" methodology, section 4.1, table 6 (explore-education-statistics):

- autumn term (returned in the spring census): 1 August to 31 December;
- spring term (summer census): 1 January to Easter Sunday;
- summer term, returned in the autumn census as two halves, separately:
  Summer 1 from Easter Monday to the Sunday before the spring bank holiday, and
  Summer 2 from the spring bank holiday to 31 July.

The field names are in one table, FIELDS, so that a later specification can be followed
by editing it. They follow the census's attendance element names as far as they could be
confirmed (SessionsPossible, SessionsAuthorised, SessionsUnauthorised, and a per-reason
AttendanceReason/Sessions pair, written here as one `Sessions_<code>` column per code);
the exact element names of the 2025-26 technical specification were not confirmed (see
docs/ecosystem.md). Counting is stats_service's, so the totals agree with `stats` for the
same dates: every pupil with a mark in the period has a row; `InCensusScope` says whether
the census takes the pupil (aged 4 to 15 on 31 August before the year, at least one
possible session).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Mark, Pupil
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import (
    academic_year_name,
    academic_year_start,
    england_bank_holidays,
)
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.csv_safe import safe_cell
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.reports import stats_service

PERIODS = ("Autumn", "Spring", "Summer 1", "Summer 2")
# (CSV column, what it holds) — the one place the census field names live.
FIELDS: tuple[tuple[str, str], ...] = (
    ("UPN", "unique pupil number"),
    ("Surname", "legal surname"),
    ("Forename", "legal forename"),
    ("DOB", "date of birth, YYYY-MM-DD"),
    ("NCyearActual", "national curriculum year group (R for reception)"),
    ("TermlyAttendancePeriod", "collection period, e.g. 'Autumn 2025/26'"),
    ("PeriodStart", "first day of the collection period"),
    ("PeriodEnd", "last day of the collection period"),
    ("InCensusScope", "Y if aged 4-15 on 31 August before the year with a possible session"),
    ("SessionsPossible", "sessions the pupil could attend (present, AEA, absent)"),
    ("SessionsAttended", "present: / \\ and L"),
    ("SessionsAEA", "approved educational activity: K, V, P, W, B"),
    ("SessionsAuthorised", "authorised absence"),
    ("SessionsUnauthorised", "unauthorised absence, U included"),
    ("SessionsUnableToAttend", "unable to attend: Q, Y1-Y7 (not possible sessions)"),
    ("SessionsNotRequired", "attendance not required: X, Z, D, # (not possible sessions)"),
)
M = Mark.__table__.c  # type: ignore[attr-defined]
UNABLE = {"Q", "Y", "Y1", "Y2", "Y3", "Y4", "Y5", "Y6", "Y7"}


@dataclass(frozen=True, slots=True)
class CensusPeriod:
    term: str  # one of PERIODS
    year_name: str  # 2025/26
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"{self.term} {self.year_name}"


@dataclass(frozen=True, slots=True)
class CensusExportResult:
    file: str
    periods: tuple[CensusPeriod, ...]
    pupils: int
    totals: Counts

    def __str__(self) -> str:
        which = " and ".join(f"{p.label} ({p.start:%d/%m/%Y} to {p.end:%d/%m/%Y})"
                             for p in self.periods)
        return (f"exported census attendance for {which} to {self.file}: {self.pupils} "
                f"pupil rows, {self.totals.possible} possible sessions")


def _spring_bank_holiday(year: int) -> dt.date:
    found = [d for d, n in england_bank_holidays(dt.date(year, 5, 1), dt.date(year, 6, 30))
             .items() if "spring bank" in n.lower()]
    if not found:  # the last Monday in May, as the Banking and Financial Dealings Act sets
        day = dt.date(year, 5, 31)
        return day - dt.timedelta(days=day.weekday())
    return found[0]


def _easter_monday(year: int) -> dt.date:
    return next(d for d, n in england_bank_holidays(dt.date(year, 3, 1),
                                                    dt.date(year, 5, 1)).items()
                if "easter monday" in n.lower())


def census_period(term: str, start_year: int) -> CensusPeriod:
    """The collection period for a term of the academic year starting in `start_year`."""
    key = " ".join(term.split()).lower().replace("summer1", "summer 1").replace(
        "summer2", "summer 2")
    name = next((p for p in PERIODS if p.lower() == key), None)
    if name is None:
        raise ServiceError(f"'{term}' is not a census term; use Autumn, Spring, Summer 1, "
                           "Summer 2 or Summer")
    year = start_year + 1
    easter_monday = _easter_monday(year)
    bank = _spring_bank_holiday(year)
    spans = {
        "Autumn": (dt.date(start_year, 8, 1), dt.date(start_year, 12, 31)),
        "Spring": (dt.date(year, 1, 1), easter_monday - dt.timedelta(days=1)),
        "Summer 1": (easter_monday, bank - dt.timedelta(days=1)),
        "Summer 2": (bank, dt.date(year, 7, 31)),
    }
    first, last = spans[name]
    return CensusPeriod(name, academic_year_name(start_year), first, last)


def periods_for(term: str | None, year: str | None, today: dt.date) -> list[CensusPeriod]:
    """The periods `export census` writes: a named term (Summer = both halves) of the year
    given, or by default the term the next census collects (the last one finished)."""
    chosen: int | None = None
    if year is not None:
        text = year.strip()
        try:
            chosen = int(text[:4])
            ok = len(text) == 7 and text[4] == "/" and (chosen + 1) % 100 == int(text[5:])
        except ValueError:
            ok = False
        if not ok:
            raise ServiceError(f"'{year}' is not an academic year like 2025/26")
    if term is None:
        start = academic_year_start(today)
        if today <= dt.date(start, 12, 31):  # autumn census time: last year's summer
            return _periods("Summer", start - 1 if chosen is None else chosen)
        if today <= census_period("Spring", start).end:
            return _periods("Autumn", start if chosen is None else chosen)
        return _periods("Spring", start if chosen is None else chosen)
    if chosen is None:
        chosen = academic_year_start(today)
        if _periods(term, chosen)[0].start > today:  # not reached yet: last year's
            chosen -= 1
    return _periods(term, chosen)


def _periods(term: str, start_year: int) -> list[CensusPeriod]:
    if " ".join(term.split()).lower() == "summer":
        return [census_period("Summer 1", start_year), census_period("Summer 2", start_year)]
    return [census_period(term, start_year)]


def _in_scope(dob: dt.date, start_year: int, counts: Counts) -> bool:
    aug31 = dt.date(start_year, 8, 31)
    age = aug31.year - dob.year - ((aug31.month, aug31.day) < (dob.month, dob.day))
    return 4 <= age <= 15 and counts.possible > 0


def census_rows(engine: Engine, periods: list[CensusPeriod]) -> tuple[list[str],
                                                                       list[list[str]], Counts]:
    """(header, rows, totals): one row per pupil with marks, per period."""
    code_order = [c.code for c in codes.CODES.values()]
    per: list[tuple[CensusPeriod, list[stats_service.PupilFigures]]] = []
    used: set[str] = set()
    total = Counts()
    by_code: dict[tuple[CensusPeriod, int], dict[str, int]] = {}
    for period in periods:
        figures = stats_service.per_pupil(engine, period.start, period.end)
        per.append((period, figures))
        for f in figures:
            total = total + f.counts
        # stats_service folds codes into categories per pupil; the per-code table needs
        # the codes themselves: one GROUP BY pupil and code over the same marks
        q = (sa_select(M.pupil_id, M.code, func.count())
             .where(M.date >= period.start, M.date <= period.end)
             .group_by(M.pupil_id, M.code))
        with engine.connect() as conn:
            for pupil_id, code, n in conn.execute(q):
                by_code.setdefault((period, pupil_id), {})[code] = int(n)
                used.add(code)
    code_columns = [c for c in code_order if c in used] + sorted(used - set(code_order))
    header = [name for name, _ in FIELDS] + [f"Sessions_{c}" for c in code_columns]
    ids = {f.pupil_id for _, figs in per for f in figs}
    with session_scope(engine) as s:
        pupils = {p.id: (p.legal_surname, p.legal_forename, p.dob) for p in s.exec(
            select(Pupil).where(Pupil.id.in_(ids)))}  # type: ignore[union-attr]
    rows: list[list[str]] = []
    for period, figures in per:
        start_year = int(period.year_name[:4])
        for f in figures:
            c = f.counts
            surname, forename, dob = pupils[f.pupil_id]
            mine = by_code.get((period, f.pupil_id), {})
            unable = sum(n for code, n in mine.items() if code in UNABLE)
            values: list[object] = [
                f.upn, surname, forename, dob.isoformat(), f.year_group, period.label,
                period.start.isoformat(), period.end.isoformat(),
                "Y" if _in_scope(dob, start_year, c) else "N", c.possible, c.present,
                c.approved, c.authorised, c.unauthorised, unable, c.not_counted - unable]
            values += [mine.get(code, 0) for code in code_columns]
            rows.append([safe_cell(v) for v in values])
    return header, rows, total


def export_census(engine: Engine, dest: Path, periods: list[CensusPeriod]) -> CensusExportResult:
    """Write the census figures as CSV (UTF-8 with a BOM for Excel); a temporary file is
    renamed at the end so a failure never leaves half a file."""
    dest = Path(dest)
    header, rows, total = census_rows(engine, periods)
    partial = dest.with_name(f".{dest.name}.partial")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
        partial.replace(dest)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ServiceError(f"cannot write {dest}: {exc.strerror or exc}") from None
    return CensusExportResult(dest.name, tuple(periods), len(rows), total)


def recent_choices(today: dt.date, years: int = 2) -> list[tuple[str, list[CensusPeriod]]]:
    """Census terms that have started, newest first, for a picker (the Reports page): the
    default term first. Summer is offered whole (both halves, as the autumn census asks)."""
    default = periods_for(None, None, today)
    out: list[tuple[str, list[CensusPeriod]]] = []
    start = academic_year_start(today)
    for year in range(start, start - years, -1):
        for term in ("Summer", "Spring", "Autumn"):
            periods = _periods(term, year)
            if periods[0].start <= today:
                label = f"{term} {academic_year_name(year)} ({periods[0].start:%d/%m/%Y} to " \
                        f"{periods[-1].end:%d/%m/%Y})"
                out.append((label, periods))
    out.sort(key=lambda c: c[1] != default)
    return out
