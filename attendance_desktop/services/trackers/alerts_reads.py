"""The reads behind `alerts_service.snapshot`, shaped so their cost does not grow with the
years held or the pupil's history: marks per pupil and date segment counted in SQL, and
one read of the rest: the marks runs need from a bounded recent window, and over the
counted window only the marks that are not on time (late, absent, not counted: a small
share, which give the period counts their categories and the other rules their marks).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    Date,
    String,
    and_,
    bindparam,
    func,
    not_,
    or_,
    select,
    type_coerce,
)
from sqlmodel import Session, col

from attendance_desktop.db.models import AcademicYear, Mark, Pupil, Term
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.codes import Category
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.school.calendar_service import YearInfo

Session3 = tuple[dt.date, str, str]
_INDEX = {Category.PRESENT: 0, Category.APPROVED: 1, Category.AUTHORISED: 2,
          Category.UNAUTHORISED: 3, Category.NOT_COUNTED: 4}


_TERMS = select(col(Term.academic_year_id), col(Term.name), col(Term.start_date),
                col(Term.end_date), col(Term.term_name)).order_by(col(Term.start_date),
                                                                   col(Term.id))
_YEARS = select(col(AcademicYear.id), col(AcademicYear.name), col(AcademicYear.start_date),
                col(AcademicYear.end_date)).order_by(col(AcademicYear.start_date))


def read_years(s: Session) -> list[YearInfo]:
    """Every academic year with its half terms and terms, in two queries of plain rows."""
    conn = s.connection()
    halves: dict[int, list[Span]] = {}
    names: dict[int, list[str]] = {}  # each half's term name
    for yid, name, start, end, term_name in conn.execute(_TERMS).all():
        halves.setdefault(yid, []).append(Span(name, start, end))
        names.setdefault(yid, []).append(term_name)
    out = []
    for year_id, name, start, end in conn.execute(_YEARS).all():
        assert year_id is not None  # a stored row
        mine = halves.get(year_id, [])
        terms: dict[str, list[Span]] = {}
        for h, term_name in zip(mine, names.get(year_id, []), strict=True):
            terms.setdefault(term_name, []).append(h)
        out.append(YearInfo(year_id, name, start, end, tuple(mine),
                            tuple(Span(n, v[0].start, v[-1].end) for n, v in terms.items())))
    return out


@dataclass
class PeriodCounts:
    """One pupil's counts per date segment; a span's counts add up its segments."""

    bounds: Sequence[dt.date]  # segment i is [bounds[i], bounds[i+1]); shared
    tallies: dict[int, list[int]]  # segment -> present, aec, auth, unauth, nc, L, U, I
    # sums and Counts already worked out, per range of segments (spans often coincide)
    _sums: dict[tuple[int, int], list[int]] = field(default_factory=dict, repr=False)
    _counts: dict[tuple[int, int], Counts] = field(default_factory=dict, repr=False)

    def _range(self, start: dt.date, end: dt.date) -> tuple[int, int]:
        # segments first..last-1 make up the span
        return bisect_right(self.bounds, start) - 1, bisect_right(self.bounds, end)

    def _sum(self, key: tuple[int, int]) -> list[int]:
        got = self._sums.get(key)
        if got is None:
            first, last = key
            rows = [t for seg, t in self.tallies.items() if first <= seg < last]
            if len(rows) == 1:
                got = rows[0]
            else:
                got = [sum(c) for c in zip(*rows, strict=True)] if rows else [0] * 8
            self._sums[key] = got
        return got

    def counts(self, start: dt.date, end: dt.date) -> Counts:
        key = self._range(start, end)
        got = self._counts.get(key)
        if got is None:
            t = self._sum(key)
            got = self._counts[key] = Counts(t[0], t[1], t[2], t[3], t[4], t[5], t[6])
        return got

    def illness(self, start: dt.date, end: dt.date) -> int:
        """Sessions coded I between the dates."""
        return self._sum(self._range(start, end))[7]


# marked on time: by far the most common codes, counted without being read
ON_TIME = frozenset({"/", "\\"})


def segment_bounds(spans: Iterable[Span | None], on: dt.date) -> list[dt.date]:
    """The spans' edges (clipped to `on`): segment i is [bounds[i], bounds[i+1])."""
    cuts = {on + dt.timedelta(days=1)}
    for sp in spans:
        if sp is not None and sp.start <= on:
            cuts.add(sp.start)
            cuts.add(min(sp.end, on) + dt.timedelta(days=1))
    return sorted(cuts)


_totals_statements: dict[tuple[int, int], Any] = {}


def _totals_statement(segments: int, closed: int) -> Any:
    """The per-pupil statement for that many segments and closed sessions, with bound
    values (built once: building it costs as much as running it at 210 pupils)."""
    got = _totals_statements.get((segments, closed))
    if got is None:
        cols = [select(func.count()).select_from(Mark).where(
            col(Mark.pupil_id) == Pupil.id, col(Mark.date) >= bindparam(f"a{i}", type_=Date),
            col(Mark.date) < bindparam(f"b{i}", type_=Date)).scalar_subquery()
            for i in range(segments)]
        # the last day with an on-time mark in the recent window, none of a closed session:
        # the index walked back from the day, usually one row
        last = select(col(Mark.date)).where(
            col(Mark.pupil_id) == Pupil.id, col(Mark.date) >= bindparam("recent", type_=Date),
            col(Mark.date) <= bindparam("on", type_=Date),
            col(Mark.code).in_(sorted(ON_TIME)),
            *(not_(and_(col(Mark.date) == bindparam(f"cd{i}", type_=Date),
                        col(Mark.session) == bindparam(f"cs{i}", type_=String)))
              for i in range(closed))).order_by(col(Mark.date).desc()).limit(1)
        got = _totals_statements[(segments, closed)] = select(
            col(Pupil.id), last.scalar_subquery(), *cols).where(
            col(Pupil.admission_date) <= bindparam("on", type_=Date),
            or_(col(Pupil.leaving_date).is_(None),
                col(Pupil.leaving_date) >= bindparam("on", type_=Date)))
    return got


def segment_totals(s: Session, ids: Sequence[int] | None, on: dt.date,
                   bounds: Sequence[dt.date], recent_start: dt.date,
                   closed: Iterable[tuple[dt.date, str]]
                   ) -> tuple[dict[int, list[int]], dict[int, dt.date]]:
    """For every pupil on roll (or those asked for), in one statement: marks per segment,
    and the last day from `recent_start` with an on-time mark (none of a session in
    `closed`), for pupils with one.

    A correlated count per segment walks the (pupil, date, session) index for each pupil:
    no sorting, where a GROUP BY pupil over the date index sorts every mark of the window."""
    shut = sorted((d, ss) for d, ss in closed if recent_start <= d <= on)
    q = _totals_statement(len(bounds) - 1, len(shut))
    if ids is not None:
        q = q.where(col(Pupil.id).in_(list(ids)))
    params: dict[str, Any] = {"on": on, "recent": recent_start}
    for i, (a, b) in enumerate(pairwise(bounds)):
        params[f"a{i}"], params[f"b{i}"] = a, b
    for i, (d, ss) in enumerate(shut):
        params[f"cd{i}"], params[f"cs{i}"] = d, ss
    totals: dict[int, list[int]] = {}
    last: dict[int, dt.date] = {}
    for row in s.connection().execute(q, params).all():
        totals[row[0]] = list(row[2:])
        if row[1] is not None:
            last[row[0]] = row[1]
    return totals, last


def period_counts(totals: dict[int, list[int]], others: dict[tuple[int, int, str], int],
                  bounds: Sequence[dt.date]) -> dict[int, PeriodCounts]:
    """Each pupil's counts per segment: the marks that are not on time (late, absent, not
    counted: a small share, read as rows) by category; on time = all marks - the rest."""
    out = {pid: PeriodCounts(bounds, {i: [n, 0, 0, 0, 0, 0, 0, 0]
                                      for i, n in enumerate(ns) if n})
           for pid, ns in totals.items()}
    for (pid, segment, code), n in others.items():
        pc = out.get(pid)
        if pc is None:  # not a pupil asked about
            continue
        t = pc.tallies.get(segment)
        if t is None:
            t = pc.tallies[segment] = [0] * 8
        t[0] -= n
        found = codes.CODES.get(code)
        if found is None:  # not a code: counted nowhere
            continue
        t[_INDEX[found.category]] += n
        if code == "L":
            t[5] += n
        elif code == "U":
            t[6] += n
        elif code == "I":
            t[7] += n
    return out


def some_marks(s: Session, ids: Sequence[int] | None, start: dt.date, on: dt.date,
               only: Iterable[str] | None = None,
               closed: set[tuple[dt.date, str]] | None = None) -> dict[int, list[Session3]]:
    """(date, session, code) per pupil between two dates, only some codes if asked, none
    of a session in `closed` (the calendar's closed sessions: not school sessions)."""
    shut_days = {d for d, _s in closed} if closed else set()
    # the date as the database hands it over (SQLite: text), turned into a date once per
    # distinct day rather than once per row
    q = select(col(Mark.pupil_id), type_coerce(Mark.date, String), col(Mark.session),
               col(Mark.code)).where(
        col(Mark.date) >= start, col(Mark.date) <= on)
    if only is not None:
        q = q.where(col(Mark.code).in_(sorted(set(only))))
    if ids is not None:
        q = q.where(col(Mark.pupil_id).in_(list(ids)))
    out: dict[int, list[Session3]] = {}
    days: dict[Any, dt.date] = {}
    for pid, raw, session, code in s.connection().execute(q).all():
        day = days.get(raw)
        if day is None:
            day = days[raw] = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
        if day in shut_days and closed and (day, session) in closed:
            continue
        got = out.get(pid)
        if got is None:
            got = out[pid] = []
        got.append((day, session, code))
    return out


def recent_and_picked(s: Session, ids: Sequence[int] | None, start: dt.date,
                      recent_start: dt.date, on: dt.date, picked_codes: Iterable[str],
                      closed: set[tuple[dt.date, str]], bounds: Sequence[dt.date]
                      ) -> tuple[dict[int, list[Session3]], dict[int, list[Session3]],
                                 dict[tuple[int, int, str], int]]:
    """In one read of the marks that are not on time (a small share: late, absent, not
    counted), per pupil: those from `recent_start` (none of a closed session), those with
    `picked_codes` from `start`, and their count per (pupil, segment of `bounds`, code)
    from the first bound up to `on`."""
    wanted = frozenset(picked_codes)
    start = min(start, bounds[0])
    conn = s.connection()
    # on-time marks are the bulk of the window and not read (segment_totals has the
    # rest: their number, and the last day with one)
    also = sorted(wanted & ON_TIME)  # (never, with real policies)
    if conn.dialect.name == "sqlite" and ids is None:
        # the whole school's rows straight from the driver (SQLAlchemy's row handling is
        # a third of this read at 2,000 pupils); the same statement as below
        extra = f" OR code IN ({','.join('?' * len(also))})" if also else ""
        cur = conn.connection.cursor()
        try:
            cur.execute("SELECT pupil_id, date, session, code FROM mark WHERE date >= ?"
                        f" AND date <= ? AND (code NOT IN (?, ?){extra})",
                        (start.isoformat(), on.isoformat(), *sorted(ON_TIME), *also))
            rows: Sequence[Any] = cur.fetchall()
        finally:
            cur.close()
    else:
        which: list[Any] = [col(Mark.code).not_in(sorted(ON_TIME))]
        if also:
            which.append(col(Mark.code).in_(also))
        q = select(col(Mark.pupil_id), type_coerce(Mark.date, String), col(Mark.session),
                   col(Mark.code)).where(col(Mark.date) >= start, col(Mark.date) <= on,
                                         or_(*which))
        if ids is not None:
            q = q.where(col(Mark.pupil_id).in_(list(ids)))
        rows = conn.execute(q).all()
    recent: dict[int, list[Session3]] = {}
    picked: dict[int, list[Session3]] = {}
    others: dict[tuple[int, int, str], int] = {}
    days: dict[Any, dt.date] = {}
    segments: dict[Any, int] = {}  # -1: outside the counted window
    first, last = bounds[0], on
    shut_days = {d for d, _s in closed}
    for pid, raw, session, code in rows:
        day = days.get(raw)
        if day is None:
            day = days[raw] = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
            segments[raw] = (bisect_right(bounds, day) - 1 if first <= day <= last else -1)
        mark = (day, session, code)
        if code in wanted:
            got = picked.get(pid)
            if got is None:
                got = picked[pid] = []
            got.append(mark)
        if code in ON_TIME:  # read for `picked` only
            continue
        segment = segments[raw]
        if segment >= 0:
            key = (pid, segment, code)
            others[key] = others.get(key, 0) + 1
        if day >= recent_start and not (day in shut_days and (day, session) in closed):
            got = recent.get(pid)
            if got is None:
                got = recent[pid] = []
            got.append(mark)
    return recent, picked, others
