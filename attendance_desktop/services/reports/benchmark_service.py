"""National and local-authority figures: typed in, or imported from a DfE statistics file,
and looked up for a report's period (domain.benchmarks).

A figure for a period not yet published (the current term, usually) falls back to the
same period of the latest earlier year, then to the latest whole year, and says which
one it is, so a report never passes off last year's figure as this year's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import BenchmarkFigure, School, SettingChange
from attendance_desktop.domain import benchmarks as rules
from attendance_desktop.domain.benchmarks import AREA_LABELS, PERIOD_LABELS, Figure
from attendance_desktop.domain.la_codes import LA_NAMES
from attendance_desktop.domain.roles import Actor, Role
from attendance_desktop.services import clock, office_files
from attendance_desktop.services.errors import (
    ImportRejected,
    PermissionDenied,
    Problem,
    ServiceError,
)
from attendance_desktop.services.write_lock import run_write

TYPED_IN = "typed in"
_VALUES = ("overall_absence_pct", "authorised_pct", "unauthorised_pct",
           "persistent_absence_pct", "severe_absence_pct")


def _need_head(actor: Actor) -> None:
    # The command line too (IT, recorded under the computer account's name).
    if not actor.can_edit_settings and actor.role is not Role.COMMAND_LINE:
        raise PermissionDenied("only the headteacher can change the benchmark figures")


def _figure(row: BenchmarkFigure) -> Figure:
    return Figure(row.area, row.area_name, row.academic_year, row.period,
                  row.overall_absence_pct, row.authorised_pct, row.unauthorised_pct,
                  row.persistent_absence_pct, row.severe_absence_pct)


@dataclass(frozen=True, slots=True)
class StoredFigure:
    figure: Figure
    source: str
    recorded_at: dt.datetime
    recorded_by: str


def list_figures(engine: Engine) -> list[StoredFigure]:
    """Newest year first; within a year in the order of the year, national first."""
    with session_scope(engine) as s:
        rows = s.exec(select(BenchmarkFigure)).all()
        out = [StoredFigure(_figure(r), r.source, r.recorded_at, r.recorded_by) for r in rows]
    order = {p: i for i, p in enumerate(rules.PERIODS)}
    return sorted(out, key=lambda f: (-int(f.figure.academic_year[:4]),
                                      order[f.figure.period], f.figure.area != rules.NATIONAL))


def _describe(f: Figure) -> str:
    extra = "".join(f", {label} {value}%" for label, value in (
        ("persistent absence", f.persistent_absence_pct),
        ("severe absence", f.severe_absence_pct)) if value is not None)
    return f"overall absence {f.overall_absence_pct}%{extra}"


def _store(s: Session, actor: Actor, figure: Figure, source: str, when: dt.datetime) -> bool:
    """Insert or replace one figure; False when it was already there unchanged."""
    row = s.exec(select(BenchmarkFigure).where(
        BenchmarkFigure.area == figure.area, BenchmarkFigure.academic_year ==
        figure.academic_year, BenchmarkFigure.period == figure.period)).first()
    old = "" if row is None else _describe(_figure(row))
    if row is not None and _figure(row) == figure:
        return False
    if row is None:
        row = BenchmarkFigure(area=figure.area, academic_year=figure.academic_year,
                              period=figure.period, overall_absence_pct=0.0,
                              recorded_at=when)
    row.area_name = figure.area_name
    for name in _VALUES:
        setattr(row, name, getattr(figure, name))
    row.source, row.recorded_at, row.recorded_by = source, when, actor.name
    s.add(row)
    s.add(SettingChange(
        area="benchmarks", key=f"{AREA_LABELS[figure.area]} {PERIOD_LABELS[figure.period]}"
        f" {figure.academic_year}", old_value=old, new_value=f"{_describe(figure)} ({source})",
        changed_at=when, staff_name=actor.name, staff_role=actor.role.value))
    return True


def save_figure(engine: Engine, actor: Actor, figure: Figure) -> None:
    """Typed in on Settings → Benchmarks (replaces the same area, year and period)."""
    _need_head(actor)
    try:
        figure = dataclasses.replace(figure, academic_year=rules.academic_year_label(
            figure.academic_year))
        figure.check()
    except rules.BenchmarkError as exc:
        raise ServiceError(str(exc)) from None
    when = clock.now(engine)
    run_write(engine, lambda s: _store(s, actor, figure, TYPED_IN, when))


def remove_figure(engine: Engine, actor: Actor, area: str, academic_year: str,
                  period: str) -> None:
    _need_head(actor)
    when = clock.now(engine)

    def work(s: Session) -> None:
        row = s.exec(select(BenchmarkFigure).where(
            BenchmarkFigure.area == area, BenchmarkFigure.academic_year == academic_year,
            BenchmarkFigure.period == period)).first()
        if row is None:
            raise ServiceError("that figure is no longer there")
        s.add(SettingChange(
            area="benchmarks", key=f"{AREA_LABELS[area]} {PERIOD_LABELS[period]} "
            f"{academic_year}", old_value=_describe(_figure(row)), new_value="(removed)",
            changed_at=when, staff_name=actor.name, staff_role=actor.role.value))
        s.delete(row)

    run_write(engine, work)


# --- importing a statistics file ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportPreview:
    source: str
    figures: tuple[Figure, ...]
    rows_read: int
    la_names: tuple[str, ...]  # "330 Birmingham", ... as found in the file
    la_code: str


def school_la_code(engine: Engine) -> str:
    """The school's LA number when its local authority (Settings → School) names one
    the DfE list knows, or is the number itself; "" otherwise."""
    with session_scope(engine) as s:
        school = s.exec(select(School)).first()
        text = (school.local_authority if school is not None else "").strip()
    if text.isdigit():
        return text.zfill(3)
    wanted = text.lower().removesuffix(" council").removesuffix(" county council")
    for number, name in LA_NAMES.items():
        if name.lower() == wanted:
            return f"{number:03d}"
    return ""


def preview_import(path: Path, la_code: str = "",
                   phase: str = rules.DEFAULT_PHASE) -> ImportPreview:
    """Read and check a statistics file; ImportRejected (file, row, column) if any row
    that would be used is wrong, or nothing in it can be used. Changes nothing."""
    table = office_files.read_table(path)
    parsed = rules.parse_rows(table.headers, table.rows, la_code=la_code, phase=phase)
    name = Path(path).name
    if parsed.problems:
        raise ImportRejected(name, [Problem(p.row, p.column, p.message)
                                    for p in parsed.problems])
    if not parsed.figures:
        hint = (f"no {phase} rows for England" + (f" or for authority {la_code}"
                                                   if la_code else ""))
        raise ImportRejected(name, [Problem(None, "", f"{hint} with an overall absence "
                                            "figure for a term or a year")])
    return ImportPreview(name, parsed.figures, parsed.rows_read, parsed.la_names, la_code)


def import_figures(engine: Engine, actor: Actor, preview: ImportPreview) -> int:
    """Save a checked file's figures, all in one transaction; how many were new or
    changed."""
    _need_head(actor)
    when = clock.now(engine)
    return run_write(engine, lambda s: sum(
        _store(s, actor, f, preview.source, when) for f in preview.figures))


def import_file(engine: Engine, actor: Actor, path: Path, la_code: str = "",
                phase: str = rules.DEFAULT_PHASE) -> tuple[ImportPreview, int]:
    _need_head(actor)
    preview = preview_import(path, la_code or school_la_code(engine), phase)
    return preview, import_figures(engine, actor, preview)


# --- looking figures up ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    figure: Figure
    exact: bool  # the report's own year and period

    def label(self) -> str:
        name = AREA_LABELS[self.figure.area]
        if self.exact:
            return name
        return (f"{name} ({PERIOD_LABELS[self.figure.period].lower()} "
                f"{self.figure.academic_year})")


def figures_for(engine: Engine, academic_year: str, period: str) -> dict[str, Found]:
    """For each area: the figure for this year and period; else the same period of the
    latest earlier year; else the latest whole year not after this one."""
    stored = [f.figure for f in list_figures(engine)]
    start = int(academic_year[:4])
    out: dict[str, Found] = {}
    for area in (rules.NATIONAL, rules.LOCAL_AUTHORITY):
        mine = [f for f in stored if f.area == area and int(f.academic_year[:4]) <= start]
        exact = next((f for f in mine if f.academic_year == academic_year
                      and f.period == period), None)
        if exact is not None:
            out[area] = Found(exact, True)
            continue
        earlier = [f for f in mine if f.period == period] or \
            [f for f in mine if f.period == "year"]
        if earlier:
            out[area] = Found(max(earlier, key=lambda f: f.academic_year), False)
    return out
