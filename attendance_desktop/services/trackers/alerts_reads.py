"""The reads behind `alerts_service.snapshot`, shaped so their cost does not grow with the
years held or the pupil's history: period counts as one SQL aggregate (GROUP BY pupil,
code and date segment), the marks runs need from a bounded recent window, and the few
marks other rules need (late, penalty-notice codes, N) filtered in SQL.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from sqlalchemy import String, bindparam, case, func, or_, select, type_coerce
from sqlmodel import Session, col

from attendance_desktop.db.models import AcademicYear, Mark, Term
from attendance_desktop.domain import codes
from attendance_desktop.domain.calendar import Span
from attendance_desktop.domain.codes import Category
from attendance_desktop.domain.stats import Counts
from attendance_desktop.services.school.calendar_service import YearInfo

Session3 = tuple[dt.date, str, str]
_INDEX = {Category.PRESENT: 0, Category.APPROVED: 1, Category.AUTHORISED: 2,
          Category.UNAUTHORISED: 3, Category.NOT_COUNTED: 4}


def read_years(s: Session) -> list[YearInfo]:
    """Every academic year with its half terms and terms, in two queries."""
    halves: dict[int, list[Term]] = {}
    for t in s.execute(select(Term).order_by(col(Term.start_date))).scalars():
        halves.setdefault(t.academic_year_id, []).append(t)
    out = []
    for y in s.execute(select(AcademicYear).order_by(
            col(AcademicYear.start_date))).scalars():
        assert y.id is not None
        mine = halves.get(y.id, [])
        terms: dict[str, list[Term]] = {}
        for h in mine:
            terms.setdefault(h.term_name, []).append(h)
        out.append(YearInfo(y.id, y.name, y.start_date, y.end_date,
                            tuple(Span(h.name, h.start_date, h.end_date) for h in mine),
                            tuple(Span(n, v[0].start_date, v[-1].end_date)
                                  for n, v in terms.items())))
    return out


@dataclass
class PeriodCounts:
    """One pupil's counts per date segment; a span's counts add up its segments."""

    bounds: Sequence[dt.date]  # segment i is [bounds[i], bounds[i+1]); shared
    tallies: dict[int, list[int]]  # segment -> present, aec, auth, unauth, nc, L, U, I

    def _sum(self, start: dt.date, end: dt.date) -> list[int]:
        first = bisect_right(self.bounds, start) - 1
        last = bisect_right(self.bounds, end)  # segments first..last-1 make up the span
        rows = [t for seg, t in self.tallies.items() if first <= seg < last]
        return [sum(c) for c in zip(*rows, strict=True)] if rows else [0] * 8

    def counts(self, start: dt.date, end: dt.date) -> Counts:
        return Counts(*self._sum(start, end)[:7])

    def illness(self, start: dt.date, end: dt.date) -> int:
        """Sessions coded I between the dates."""
        return self._sum(start, end)[7]


# marked on time: by far the most common codes, counted without grouping by code
_ON_TIME = ("/", "\\")


def period_counts(s: Session, ids: Sequence[int] | None, spans: Iterable[Span | None],
                  on: dt.date) -> tuple[dict[int, PeriodCounts], dt.date]:
    """Counts per pupil for every span (clipped to `on`), and the window's first day.

    The spans' edges cut the window into segments. Per segment, one GROUP BY pupil counts
    every mark; one GROUP BY (pupil, code, segment) over the other marks (late, absent,
    not counted: a small share) gives the rest; on time = all - the rest. Grouping all the
    marks by code as well would cost as much as reading them."""
    cuts = {on + dt.timedelta(days=1)}
    for sp in spans:
        if sp is not None and sp.start <= on:
            cuts.add(sp.start)
            cuts.add(min(sp.end, on) + dt.timedelta(days=1))
    bounds = sorted(cuts)
    lo = bounds[0]
    out: dict[int, PeriodCounts] = {}

    def tally(pid: int, segment: int) -> list[int]:
        pc = out.get(pid)
        if pc is None:
            pc = out[pid] = PeriodCounts(bounds, {})
        t = pc.tallies.get(segment)
        if t is None:
            t = pc.tallies[segment] = [0] * 8
        return t

    only = list(ids) if ids is not None else None
    conn = s.connection()  # plain rows: no ORM processing for these reads
    per_segment = (select(Mark.pupil_id, func.count())
                   .where(Mark.date >= bindparam("a"), Mark.date < bindparam("b"))
                   .group_by(Mark.pupil_id))
    if only is not None:
        per_segment = per_segment.where(col(Mark.pupil_id).in_(only))
    for segment, (a, b) in enumerate(pairwise(bounds)):
        for pid, n in conn.execute(per_segment, {"a": a, "b": b}).all():
            tally(pid, segment)[0] += n  # all marks for now; the others come off below
    seg = case(*((Mark.date < b, i) for i, b in enumerate(bounds[1:])), else_=len(bounds) - 1)
    q = (select(Mark.pupil_id, Mark.code, seg, func.count())
         .where(Mark.date >= lo, Mark.date <= on, col(Mark.code).not_in(_ON_TIME))
         .group_by(Mark.pupil_id, Mark.code, seg))
    if only is not None:
        q = q.where(col(Mark.pupil_id).in_(only))
    for pid, code, segment, n in conn.execute(q).all():
        t = tally(pid, segment)
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
    return out, lo


def some_marks(s: Session, ids: Sequence[int] | None, start: dt.date, on: dt.date,
               only: Iterable[str] | None = None,
               closed: set[tuple[dt.date, str]] | None = None) -> dict[int, list[Session3]]:
    """(date, session, code) per pupil between two dates, only some codes if asked, none
    of a session in `closed` (the calendar's closed sessions: not school sessions)."""
    shut_days = {d for d, _s in closed} if closed else set()
    # the date as the database hands it over (SQLite: text), turned into a date once per
    # distinct day rather than once per row
    q = select(Mark.pupil_id, type_coerce(Mark.date, String), Mark.session, Mark.code).where(
        Mark.date >= start, Mark.date <= on)
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
                      closed: set[tuple[dt.date, str]]
                      ) -> tuple[dict[int, list[Session3]], dict[int, list[Session3]]]:
    """In one read: every mark from `recent_start` (none of a closed session), and the
    marks with `picked_codes` from `start`, per pupil."""
    wanted = frozenset(picked_codes)
    conn = s.connection()
    if conn.dialect.name == "sqlite" and ids is None:
        # the whole school's rows straight from the driver (SQLAlchemy's row handling is
        # a third of this read at 2,000 pupils); the same statement as below
        marks = ",".join("?" * len(wanted))
        cur = conn.connection.cursor()
        try:
            cur.execute("SELECT pupil_id, date, session, code FROM mark WHERE date >= ?"
                        f" AND date <= ? AND (date >= ? OR code IN ({marks}))",
                        (start.isoformat(), on.isoformat(), recent_start.isoformat(),
                         *sorted(wanted)))
            rows: Sequence[Any] = cur.fetchall()
        finally:
            cur.close()
    else:
        q = select(Mark.pupil_id, type_coerce(Mark.date, String), Mark.session,
                   Mark.code).where(Mark.date >= start, Mark.date <= on,
                                    or_(Mark.date >= recent_start,
                                        col(Mark.code).in_(sorted(wanted))))
        if ids is not None:
            q = q.where(col(Mark.pupil_id).in_(list(ids)))
        rows = conn.execute(q).all()
    recent: dict[int, list[Session3]] = {}
    picked: dict[int, list[Session3]] = {}
    days: dict[Any, dt.date] = {}
    shut_days = {d for d, _s in closed}
    for pid, raw, session, code in rows:
        day = days.get(raw)
        if day is None:
            day = days[raw] = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
        mark = (day, session, code)
        if code in wanted:
            got = picked.get(pid)
            if got is None:
                got = picked[pid] = []
            got.append(mark)
        if day >= recent_start and not (day in shut_days and (day, session) in closed):
            got = recent.get(pid)
            if got is None:
                got = recent[pid] = []
            got.append(mark)
    return recent, picked
