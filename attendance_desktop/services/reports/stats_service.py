"""Attendance figures for any set of pupils and dates, counted by SQL aggregates.

GROUP BY over the mark table per code (and per pupil or group), folded into the
national categories from the code table; no Python loop over marks. Used by the
register, trackers, letters, CLI and reports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from attendance_desktop.db import queries
from attendance_desktop.db.models import Mark, Pupil, SchoolClass
from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import Category
from attendance_desktop.domain.groups import GROUP_LABELS
from attendance_desktop.domain.stats import Counts

M = Mark.__table__.c  # type: ignore[attr-defined]
P = Pupil.__table__.c  # type: ignore[attr-defined]
C = SchoolClass.__table__.c  # type: ignore[attr-defined]
MARKS: Any = Mark.__table__  # type: ignore[attr-defined]
PUPILS: Any = Pupil.__table__  # type: ignore[attr-defined]
CLASSES: Any = SchoolClass.__table__  # type: ignore[attr-defined]

GROUPS: dict[str, str] = GROUP_LABELS


@dataclass(frozen=True, slots=True)
class Scope:
    """Which pupils' marks to count. Empty scope = the whole school."""

    pupil_ids: tuple[int, ...] | None = None
    class_id: int | None = None
    year_group: str | None = None
    group: str | None = None  # a key of GROUPS
    compulsory_only: bool = False  # only sessions on or after compulsory school age


@dataclass(frozen=True, slots=True)
class PupilFigures:
    pupil_id: int
    upn: str
    name: str
    class_name: str
    year_group: str
    counts: Counts


_CATEGORY: dict[str, Category] = {c.code: c.category for c in codes.CODES.values()}
_LATE_CODES = ("L", "U")


def code_columns() -> list[Any]:
    """Per-code count and minutes: cheaper for SQL than one CASE sum per category."""
    return [M.code, func.count().label("n"), func.sum(M.minutes_late).label("minutes")]


def fold_counts(rows: Iterable[Any], with_codes: bool = False) -> Counts:
    """Turn (code, n, minutes) aggregate rows into Counts using the national categories."""
    sums = dict.fromkeys(Category, 0)
    late = {"L": 0, "U": 0}
    minutes = 0
    by_code: dict[str, int] = {}
    for code, n, mins in rows:
        n = int(n)
        category = _CATEGORY.get(code)
        if category is not None:
            sums[category] += n
        if code in _LATE_CODES:
            late[code] += n
            minutes += int(mins or 0)
        if with_codes:
            by_code[code] = by_code.get(code, 0) + n
    return Counts(sums[Category.PRESENT], sums[Category.APPROVED], sums[Category.AUTHORISED],
                  sums[Category.UNAUTHORISED], sums[Category.NOT_COUNTED], late["L"],
                  late["U"], minutes, by_code)


def _ymd(col: Any) -> Any:
    return (func.extract("year", col) * 10000 + func.extract("month", col) * 100
            + func.extract("day", col))


def _compulsory_condition() -> ColumnElement[Any]:
    """Mark date on or after the pupil's compulsory school age start, computed in SQL.

    Compulsory school age starts on the first of 31 March, 31 August or 31 December on
    or after the fifth birthday.
    """
    md = func.extract("month", P.dob) * 100 + func.extract("day", P.dob)
    year5 = (func.extract("year", P.dob) + 5) * 10000
    start = year5 + case((md <= 331, literal(331)), (md <= 831, literal(831)), else_=literal(1231))
    result: ColumnElement[Any] = _ymd(M.date) >= start
    return result


def group_condition(group: str) -> ColumnElement[Any]:
    conds: dict[str, ColumnElement[Any]] = {
        "sen_any": P.sen.in_(["K", "E"]),
        "sen_support": P.sen == "K",
        "ehcp": P.sen == "E",
        "fsm": P.fsm.is_(True),
        "pupil_premium": P.pupil_premium.is_(True),
        "looked_after": P.looked_after.is_(True),
        "child_in_need": P.child_in_need.is_(True),
        "eal": P.eal.is_(True),
        "young_carer": P.young_carer.is_(True),
        "female": P.sex == "F",
        "male": P.sex == "M",
    }
    if group not in conds:
        raise ValueError(f"unknown pupil group '{group}'")
    return conds[group]


def scope_filters(start: dt.date, end: dt.date, scope: Scope) -> tuple[list[Any], bool]:
    where: list[Any] = [M.date >= start, M.date <= end]
    needs_pupil = False
    if scope.pupil_ids is not None:
        where.append(M.pupil_id.in_(scope.pupil_ids))
    if scope.class_id is not None:
        where.append(P.class_id == scope.class_id)
        needs_pupil = True
    if scope.year_group is not None:
        where.append(P.year_group == scope.year_group)
        needs_pupil = True
    if scope.group is not None:
        where.append(group_condition(scope.group))
        needs_pupil = True
    if scope.compulsory_only:
        where.append(_compulsory_condition())
        needs_pupil = True
    return where, needs_pupil


def _counts(row: Any, by_code: dict[str, int] | None = None) -> Counts:
    return Counts(int(row.present), int(row.approved), int(row.authorised),
                  int(row.unauthorised), int(row.not_counted), int(row.late_l),
                  int(row.late_u), int(row.minutes_late), by_code or {})


def totals(engine: Engine, start: dt.date, end: dt.date, scope: Scope = Scope(),
           with_codes: bool = True) -> Counts:
    """Counts for everyone in scope over the dates, from one GROUP BY code."""
    where, needs_pupil = scope_filters(start, end, scope)
    source: Any = MARKS
    if needs_pupil:
        source = source.join(PUPILS, P.id == M.pupil_id)
    q = select(*code_columns()).select_from(source).where(and_(*where)).group_by(M.code)
    with engine.connect() as conn:
        return fold_counts(conn.execute(q), with_codes)


def per_pupil(engine: Engine, start: dt.date, end: dt.date, scope: Scope = Scope(),
              include_unmarked: bool = False) -> list[PupilFigures]:
    """One row per pupil with marks in the range (or every pupil in scope if asked).

    One GROUP BY pupil and code over the marks, folded into categories per pupil, and
    one query for the pupils' names and classes.
    """
    return per_pupil_and_total(engine, start, end, scope, include_unmarked)[0]


def per_pupil_and_total(engine: Engine, start: dt.date, end: dt.date, scope: Scope = Scope(),
                        include_unmarked: bool = False) -> tuple[list[PupilFigures], Counts]:
    """per_pupil, and the whole scope's counts with the codes (as `totals` gives them),
    folded from the same aggregate: one pass over the marks instead of two."""
    where, needs_pupil = scope_filters(start, end, scope)
    source: Any = MARKS
    if needs_pupil:
        source = source.join(PUPILS, P.id == M.pupil_id)
    agg = (select(M.pupil_id, *code_columns()).select_from(source).where(and_(*where))
           .group_by(M.pupil_id, M.code))
    q = (select(P.id, P.upn, P.legal_forename, P.preferred_forename, P.legal_surname,
                P.year_group, C.name.label("class_name"))
         .select_from(PUPILS.outerjoin(CLASSES, C.id == P.class_id))
         .order_by(C.sort_order, P.legal_surname, P.legal_forename, P.id))
    if include_unmarked:
        pw = []
        if scope.pupil_ids is not None:
            pw.append(P.id.in_(scope.pupil_ids))
        if scope.class_id is not None:
            pw.append(P.class_id == scope.class_id)
        if scope.year_group is not None:
            pw.append(P.year_group == scope.year_group)
        if scope.group is not None:
            pw.append(group_condition(scope.group))
        pw.append(queries.on_roll_between(start, end))
        q = q.where(and_(*pw))
    per: dict[int, list[tuple[str, int, int | None]]] = {}
    by_code: dict[str, list[int]] = {}
    out = []
    with engine.connect() as conn:
        for pupil_id, code, n, mins in conn.execute(agg):
            per.setdefault(pupil_id, []).append((code, n, mins))
            summed = by_code.setdefault(code, [0, 0])
            summed[0] += int(n)
            summed[1] += int(mins or 0)
        for r in conn.execute(q):
            rows = per.get(r.id)
            if rows is None and not include_unmarked:
                continue
            counts = fold_counts(rows) if rows is not None else Counts()
            forename = r.preferred_forename or r.legal_forename
            out.append(PupilFigures(r.id, r.upn or "", f"{forename} {r.legal_surname}",
                                    r.class_name or "", r.year_group, counts))
    total = fold_counts(((code, n, mins) for code, (n, mins) in by_code.items()), with_codes=True)
    return out, total


def per_class(engine: Engine, start: dt.date, end: dt.date,
              scope: Scope = Scope()) -> dict[str, Counts]:
    """Counts per class name (one GROUP BY)."""
    return _grouped(engine, start, end, scope, C.name)


def per_year_group(engine: Engine, start: dt.date, end: dt.date,
                   scope: Scope = Scope()) -> dict[str, Counts]:
    return _grouped(engine, start, end, scope, P.year_group)


def _grouped(engine: Engine, start: dt.date, end: dt.date, scope: Scope,
             key: Any) -> dict[str, Counts]:
    where, _ = scope_filters(start, end, scope)
    q = (select(key.label("k"), *code_columns())
         .select_from(MARKS.join(PUPILS, P.id == M.pupil_id)
                      .outerjoin(CLASSES, C.id == P.class_id))
         .where(and_(*where)).group_by(key, M.code).order_by(key))
    grouped: dict[str, list[tuple[str, int, int | None]]] = {}
    with engine.connect() as conn:
        for k, code, n, mins in conn.execute(q):
            grouped.setdefault(str(k or "No class"), []).append((code, n, mins))
    return {k: fold_counts(rows) for k, rows in grouped.items()}
