"""Local-authority and national attendance figures to set the school's own beside.

The figures come from the DfE's statistics service ("Pupil absence in schools in
England"), whose underlying data files are CSV with one row per time period, geographic
level, area and school phase. The columns read here (others are ignored):

    time_period       202425 (the academic year 2024/25)
    time_identifier   Academic year | Autumn term | Spring term | Summer term |
                      Autumn and spring term
    geographic_level  National | Regional | Local authority | ...
    old_la_code       the three-digit LA number (Local authority rows)
    la_name           the authority's name (Local authority rows)
    education_phase   State-funded primary | State-funded secondary | Special | Total
                      (older files call it school_type)
    sess_overall_percent, sess_authorised_percent, sess_unauthorised_percent
    enrolments_pa_10_exact_percent   persistent absence (10% or more of sessions missed)
    enrolments_pa_50_exact_percent   severe absence (50% or more)

The statistics service writes symbols instead of numbers where a figure is not
available: ":" not applicable, "c" confidential, "x" unavailable, "z" not applicable,
"u" low reliability, "low" a very small number. Those read as "no figure". Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NATIONAL = "national"
LOCAL_AUTHORITY = "la"
AREA_LABELS = {NATIONAL: "National", LOCAL_AUTHORITY: "Local authority"}

# Periods of a year the statistics are published for, in the order of the year.
PERIODS = ("autumn", "spring", "summer", "autumn_spring", "year")
PERIOD_LABELS = {"autumn": "Autumn term", "spring": "Spring term", "summer": "Summer term",
                 "autumn_spring": "Autumn and spring terms", "year": "Whole year"}
_TIME_IDENTIFIERS = {"academic year": "year", "autumn term": "autumn",
                     "spring term": "spring", "summer term": "summer",
                     "autumn and spring term": "autumn_spring",
                     "autumn and spring terms": "autumn_spring"}
NOT_AVAILABLE = frozenset({":", "c", "x", "z", "u", "low", "~", ""})
DEFAULT_PHASE = "State-funded primary"

REQUIRED = ("time_period", "time_identifier", "geographic_level", "sess_overall_percent")
_PHASE_COLUMNS = ("education_phase", "school_type")


class BenchmarkError(ValueError):
    """A figure or a row that cannot be used; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One area's figures for one period of one academic year (percentages, 1 dp)."""

    area: str  # NATIONAL | LOCAL_AUTHORITY
    area_name: str  # "England", "Exampleshire"
    academic_year: str  # "2024/25"
    period: str  # one of PERIODS
    overall_absence_pct: float
    authorised_pct: float | None = None
    unauthorised_pct: float | None = None
    persistent_absence_pct: float | None = None
    severe_absence_pct: float | None = None

    @property
    def attendance_pct(self) -> float:
        """Attendance is what overall absence leaves of the possible sessions."""
        return round(100.0 - self.overall_absence_pct, 1)

    def check(self) -> None:
        if self.area not in AREA_LABELS:
            raise BenchmarkError(f"unknown area '{self.area}'")
        if self.period not in PERIODS:
            raise BenchmarkError(f"unknown period '{self.period}'")
        academic_year_label(self.academic_year)
        for name in ("overall_absence_pct", "authorised_pct", "unauthorised_pct",
                     "persistent_absence_pct", "severe_absence_pct"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 100.0:
                raise BenchmarkError(f"{name.replace('_', ' ').replace('pct', '%')} must be "
                                     f"between 0 and 100, not {value}")


def academic_year_label(text: str) -> str:
    """'2024/25' from '2024/25', '202425' or '2024-25'; BenchmarkError otherwise."""
    m = re.fullmatch(r"\s*(\d{4})\s*[/-]?\s*(\d{2})\s*", text)
    if m is None or (int(m.group(1)) + 1) % 100 != int(m.group(2)):
        raise BenchmarkError(f"'{text}' is not an academic year like 2024/25 or 202425")
    return f"{m.group(1)}/{m.group(2)}"


def period_of(time_identifier: str) -> str | None:
    """Our period for the statistics' time_identifier; None for ones we do not use
    (e.g. half terms or calendar years)."""
    return _TIME_IDENTIFIERS.get(time_identifier.strip().lower())


def number(text: str) -> float | None:
    """A percentage cell: None for the service's 'not available' symbols."""
    value = text.strip()
    if value.lower() in NOT_AVAILABLE:
        return None
    try:
        return round(float(value), 1)
    except ValueError:
        raise BenchmarkError(f"'{value}' is not a number or one of the statistics' "
                             "symbols (: c x z u low)") from None


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class Parsed:
    figures: tuple[Figure, ...]
    problems: tuple[RowProblem, ...]
    rows_read: int
    la_names: tuple[str, ...]  # the authorities the file has, for choosing one


def parse_rows(headers: Sequence[str], rows: Iterable[tuple[int, Sequence[str]]], *,
               la_code: str = "", phase: str = DEFAULT_PHASE) -> Parsed:
    """Figures for England and for one authority (its three-digit number) from a
    statistics file; rows for other areas, phases and periods are skipped. Every problem
    in a row that would be used is reported with its row and column."""
    index = {h.strip().lower(): i for i, h in enumerate(headers)}
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        return Parsed((), (RowProblem(1, missing[0], "this column is missing: the file is "
                                      "not a DfE pupil absence data file"),), 0, ())
    phase_col = next((c for c in _PHASE_COLUMNS if c in index), None)
    wanted_la = la_code.strip()
    if wanted_la and "old_la_code" not in index:
        return Parsed((), (RowProblem(1, "old_la_code", "this column is missing, so the "
                                      "local authority's rows cannot be found"),), 0, ())

    def cell(cells: Sequence[str], column: str) -> str:
        i = index.get(column)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    figures: dict[tuple[str, str, str], Figure] = {}
    problems: list[RowProblem] = []
    names: set[str] = set()
    count = 0
    for row, cells in rows:
        count += 1
        level = cell(cells, "geographic_level").lower()
        if level == "local authority":
            names.add(f"{cell(cells, 'old_la_code')} {cell(cells, 'la_name')}".strip())
        if level == "national":
            area, area_name = NATIONAL, cell(cells, "country_name") or "England"
        elif level == "local authority" and wanted_la and \
                cell(cells, "old_la_code") == wanted_la:
            area, area_name = LOCAL_AUTHORITY, cell(cells, "la_name") or wanted_la
        else:
            continue
        if phase_col is not None and cell(cells, phase_col).lower() != phase.lower():
            continue
        period = period_of(cell(cells, "time_identifier"))
        if period is None:
            continue
        try:
            year = academic_year_label(cell(cells, "time_period"))
        except BenchmarkError as exc:
            problems.append(RowProblem(row, "time_period", str(exc)))
            continue
        values: dict[str, float | None] = {}
        for ours, theirs in (("overall_absence_pct", "sess_overall_percent"),
                             ("authorised_pct", "sess_authorised_percent"),
                             ("unauthorised_pct", "sess_unauthorised_percent"),
                             ("persistent_absence_pct", "enrolments_pa_10_exact_percent"),
                             ("severe_absence_pct", "enrolments_pa_50_exact_percent")):
            try:
                values[ours] = number(cell(cells, theirs))
            except BenchmarkError as exc:
                problems.append(RowProblem(row, theirs, str(exc)))
        overall = values.pop("overall_absence_pct", None)
        if overall is None:
            continue  # no figure for this area and period: nothing to compare with
        figure = Figure(area, area_name, year, period, overall, **values)
        try:
            figure.check()
        except BenchmarkError as exc:
            problems.append(RowProblem(row, "", str(exc)))
            continue
        key = (area, year, period)
        if key in figures and figures[key] != figure:
            problems.append(RowProblem(row, "", f"a second, different row for "
                                       f"{AREA_LABELS[area]} {PERIOD_LABELS[period]} {year}"))
            continue
        figures[key] = figure
    return Parsed(tuple(figures.values()), tuple(problems), count, tuple(sorted(names)))


def period_for_dates(term_names: Sequence[str]) -> str:
    """The statistics period that matches a report covering these terms ('Autumn 1',
    'Autumn 2', 'Spring 1', ...): a single term, autumn and spring together, or the
    year for anything else."""
    seasons = {name.split()[0].lower() for name in term_names if name.strip()}
    if seasons == {"autumn"}:
        return "autumn"
    if seasons == {"spring"}:
        return "spring"
    if seasons == {"summer"}:
        return "summer"
    if seasons == {"autumn", "spring"}:
        return "autumn_spring"
    return "year"
