"""The register grid's data: a Qt-free snapshot of pupils x sessions, loaded with one query.

Pupils come from one small query, session columns from the SchoolCalendar, and every mark
in the span from ONE query of plain tuples (no ORM objects: a whole-school year is ~80k
cells). Who entered a mark and when is read lazily, per cell, for tooltips.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col, select

from attendance_desktop.db import queries
from attendance_desktop.db.engine import session_scope
from attendance_desktop.db.models import Closure, Pupil, SchoolClass
from attendance_desktop.domain.calendar import SESSIONS, Span, daterange
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.school.calendar_service import YearInfo

SPANS = ("day", "week", "half_term", "term", "year")
# Marks shown distinctly in the grid: prefilled from granted leave, or signed in at the kiosk.
DISTINCT_SOURCES = frozenset({"leave", "kiosk"})
SPAN_LABELS = {"day": "Day", "week": "Week", "half_term": "Half term", "term": "Term",
               "year": "Year"}


@dataclass(frozen=True, slots=True)
class ClassChoice:
    id: int
    name: str
    teacher_id: int | None


@dataclass(frozen=True, slots=True)
class GridPupil:
    id: int
    name: str  # "Surname, Forename"
    class_id: int | None
    class_name: str
    year_group: str
    flags: str  # short markers, e.g. "SEN K · FSM · PP"
    admitted: dt.date
    left: dt.date | None
    upn: str

    def on_roll(self, day: dt.date) -> bool:
        return self.admitted <= day and (self.left is None or day <= self.left)


@dataclass(frozen=True, slots=True)
class GridColumn:
    day: dt.date
    session: str
    open: bool  # False: closure (shaded, read-only)
    closure: str  # description of the closure, "" when open
    closure_code: str


@dataclass
class GridSnapshot:
    """Rows x columns. `codes[row][col]` is the code ("" for no mark); mutable so that the
    grid model can update a cell after a write without reloading."""

    start: dt.date
    end: dt.date
    label: str
    class_id: int | None
    pupils: list[GridPupil]
    columns: list[GridColumn]
    codes: list[list[str]]
    # Sparse extras: (row, col) -> (minutes_late, comment) only where either is set.
    extras: dict[tuple[int, int], tuple[int | None, str]] = field(default_factory=dict)
    # Sparse: (row, col) -> source, only for marks the grid shows distinctly.
    sources: dict[tuple[int, int], str] = field(default_factory=dict)

    def column_index(self, day: dt.date, session: str) -> int | None:
        for i, c in enumerate(self.columns):
            if c.day == day and c.session == session:
                return i
        return None

    def row_index(self, pupil_id: int) -> int | None:
        for i, p in enumerate(self.pupils):
            if p.id == pupil_id:
                return i
        return None


def list_classes(engine: Engine) -> list[ClassChoice]:
    with session_scope(engine) as s:
        return [ClassChoice(c.id, c.name, c.teacher_id) for c in s.exec(
            select(SchoolClass).order_by(col(SchoolClass.sort_order), col(SchoolClass.name)))
            if c.id is not None]


def span_for(kind: str, anchor: dt.date, year: YearInfo | None) -> Span:
    """The day, week (Mon-Fri), half term, term or academic year containing `anchor`."""
    if kind == "day":
        return Span(f"{anchor:%a %d %b %Y}", anchor, anchor)
    if kind == "week":
        monday = anchor - dt.timedelta(days=anchor.weekday())
        friday = monday + dt.timedelta(days=4)
        return Span(f"Week of {monday:%d %b %Y}", monday, friday)
    if year is None:
        raise ServiceError(f"no academic year covers {anchor:%d %b %Y}; set the term dates first")
    if kind == "year":
        return Span(f"Academic year {year.name}", year.start, year.end)
    spans = year.half_terms if kind == "half_term" else year.terms
    for span in spans:
        if anchor in span:
            return span
    # In a holiday: the next one that starts after the anchor, else the last.
    later = [sp for sp in spans if sp.start > anchor]
    return later[0] if later else spans[-1]


def _flags(p: Pupil) -> str:
    out = []
    if p.sen in ("K", "E"):
        out.append("EHCP" if p.sen == "E" else "SEN")
    for attr, label in (("fsm", "FSM"), ("pupil_premium", "PP"), ("looked_after", "LAC"),
                        ("child_in_need", "CIN"), ("eal", "EAL"), ("young_carer", "YC")):
        if getattr(p, attr):
            out.append(label)
    return " · ".join(out)


def columns_for(engine: Engine, start: dt.date, end: dt.date) -> list[GridColumn]:
    """Weekday sessions inside half terms; closures kept as shaded columns."""
    with session_scope(engine) as s:
        calendar = calendar_service.read_calendar(s)
        closures: dict[tuple[dt.date, str], tuple[str, str]] = {}
        for c in s.exec(select(Closure).where(Closure.date >= start, Closure.date <= end)):
            label = c.description or c.kind.replace("_", " ")
            for sess in (SESSIONS if c.session == "DAY" else (c.session,)):
                closures[(c.date, sess)] = (label, c.code)
    cols = []
    for day in daterange(start, end):
        if day.weekday() >= 5 or not calendar.in_term(day):
            continue
        for sess in SESSIONS:
            label, code = closures.get((day, sess), ("", ""))
            cols.append(GridColumn(day, sess, not label, label, code))
    return cols


def load_snapshot(engine: Engine, start: dt.date, end: dt.date, class_id: int | None = None,
                  label: str = "") -> GridSnapshot:
    """Pupils on roll at any time in [start, end] (of one class or the whole school), the
    session columns, and every mark in the span from one query."""
    columns = columns_for(engine, start, end)
    with session_scope(engine) as s:
        classes = {c.id: (c.name, c.sort_order) for c in s.exec(select(SchoolClass))}
        q = select(Pupil).where(queries.on_roll_between(start, end))
        if class_id is not None:
            q = q.where(Pupil.class_id == class_id)
        pupils = []
        for p in s.exec(q):
            assert p.id is not None
            cname = classes.get(p.class_id, ("", 0))[0] if p.class_id else ""
            pupils.append(GridPupil(
                p.id, f"{p.legal_surname}, {p.preferred_forename or p.legal_forename}",
                p.class_id, cname, p.year_group, _flags(p), p.admission_date, p.leaving_date,
                p.upn or ""))
        pupils.sort(key=lambda g: (classes.get(g.class_id, ("", 10**6))[1], g.class_name,
                                   g.name.lower()))
        rows = _mark_rows(s.connection(), start, end, class_id)
    return build_snapshot(start, end, label, class_id, pupils, columns, rows)


def _mark_rows(conn: Connection, start: dt.date, end: dt.date,
               class_id: int | None) -> list[tuple[Any, ...]]:
    """(pupil_id, date, session, code, minutes_late, comment, source) for the span, as plain
    tuples.
    On SQLite the DBAPI cursor is used directly: building 80k SQLAlchemy Row objects
    would double the time to open a whole-school year."""
    where = " WHERE date >= {a} AND date <= {b}"
    sql = ("SELECT pupil_id, date, session, code, minutes_late, comment, source FROM mark"
           + where)
    if class_id is not None:
        sql += " AND pupil_id IN (SELECT id FROM pupil WHERE class_id = {c})"
    if conn.dialect.name == "sqlite":
        cur = conn.connection.cursor()
        try:
            cur.execute(sql.format(a="?", b="?", c="?"),
                        (start.isoformat(), end.isoformat(),
                         *(() if class_id is None else (class_id,))))
            return list(cur.fetchall())
        finally:
            cur.close()
    params: dict[str, object] = {"a": start, "b": end, "c": class_id}
    return [tuple(r) for r in conn.execute(text(sql.format(a=":a", b=":b", c=":c")), params)]


def build_snapshot(start: dt.date, end: dt.date, label: str, class_id: int | None,
                   pupils: list[GridPupil], columns: list[GridColumn],
                   rows: list[tuple[Any, ...]]) -> GridSnapshot:
    """Place mark tuples (pupil_id, date, session, code, minutes_late, comment, source) in
    cells."""
    row_of = {p.id: i for i, p in enumerate(pupils)}
    col_of: dict[object, int] = {}
    for i, c in enumerate(columns):
        col_of[(c.day.isoformat(), c.session)] = i
        col_of[(c.day, c.session)] = i  # PostgreSQL returns dates, SQLite ISO text
    width = len(columns)
    grid = [[""] * width for _ in pupils]
    by_pid = {p.id: grid[i] for i, p in enumerate(pupils)}
    extras: dict[tuple[int, int], tuple[int | None, str]] = {}
    sources: dict[tuple[int, int], str] = {}
    for pid, day, sess, code, minutes, comment, source in rows:
        line = by_pid.get(pid)
        at = col_of.get((day, sess))
        if line is None or at is None:
            continue
        line[at] = code
        if minutes is not None or comment:
            extras[(row_of[pid], at)] = (minutes, comment or "")
        if source in DISTINCT_SOURCES:
            sources[(row_of[pid], at)] = source
    return GridSnapshot(start, end, label, class_id, pupils, columns, grid, extras, sources)
