"""School calendar maths: school days, sessions, school weeks, default term dates.

A session is open when its date lies inside a half term, is a weekday, and neither
the day nor that session is a closure. Everything here is pure and Qt/DB free.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import holidays

SESSIONS = ("AM", "PM")
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Span:
    name: str
    start: dt.date
    end: dt.date  # inclusive

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class TermDates:
    """An academic year's terms, each split into two half terms."""

    year_name: str
    terms: tuple[tuple[Span, Span, Span], ...]  # (term, first half, second half)

    @property
    def half_terms(self) -> list[Span]:
        return [h for _, a, b in self.terms for h in (a, b)]

    @property
    def start(self) -> dt.date:
        return self.terms[0][0].start

    @property
    def end(self) -> dt.date:
        return self.terms[-1][0].end


def daterange(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += ONE_DAY


def england_bank_holidays(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """Bank holidays in England between start and end (inclusive)."""
    years = range(start.year, end.year + 1)
    found = holidays.country_holidays("GB", subdiv="ENG", years=years)
    return {d: str(n) for d, n in sorted(found.items()) if start <= d <= end}


def academic_year_start(day: dt.date) -> int:
    """The calendar year in which the academic year containing `day` began (1 Aug cut)."""
    return day.year if day.month >= 8 else day.year - 1


def academic_year_name(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def _weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)


def default_term_dates(start_year: int) -> TermDates:
    """Typical English term dates for an academic year (the school edits them after)."""
    mon, fri = 0, 4
    easter_monday = next(
        d for d, n in holidays.country_holidays("GB", subdiv="ENG", years=start_year + 1).items()
        if "Easter Monday" in str(n)
    )
    a1_start = dt.date(start_year, 9, 3)
    if a1_start.weekday() >= 5:
        a1_start = _weekday_on_or_after(a1_start, mon)
    oct_half = _weekday_on_or_before(dt.date(start_year, 10, 31), mon)  # last Monday of Oct
    a2_end = _weekday_on_or_before(dt.date(start_year, 12, 19), fri)
    s1_start = dt.date(start_year + 1, 1, 4)
    if s1_start.weekday() >= 5:
        s1_start = _weekday_on_or_after(s1_start, mon)
    feb_half = _weekday_on_or_after(dt.date(start_year + 1, 2, 14), mon)
    easter_break = easter_monday - dt.timedelta(days=7)  # Monday of Good Friday's week
    may_bank = _weekday_on_or_before(dt.date(start_year + 1, 5, 31), mon)
    su2_end = dt.date(start_year + 1, 7, 22)
    if su2_end.weekday() >= 5:
        su2_end = _weekday_on_or_before(su2_end, fri)

    def term(name: str, a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> tuple[
            Span, Span, Span]:
        return (Span(name, a[0], b[1]), Span(f"{name} 1", *a), Span(f"{name} 2", *b))

    return TermDates(
        academic_year_name(start_year),
        (
            term("Autumn", (a1_start, oct_half - dt.timedelta(days=3)),
                 (oct_half + dt.timedelta(days=7), a2_end)),
            term("Spring", (s1_start, feb_half - dt.timedelta(days=3)),
                 (feb_half + dt.timedelta(days=7), easter_break - dt.timedelta(days=3))),
            term("Summer", (easter_monday + dt.timedelta(days=7), may_bank - dt.timedelta(days=3)),
                 (may_bank + dt.timedelta(days=7), su2_end)),
        ),
    )


class SchoolCalendar:
    """Which sessions are open, from half-term spans and closures.

    `closures` maps a date to the closed sessions on it ({"AM", "PM"} for a whole day).
    """

    def __init__(self, half_terms: Iterable[Span],
                 closures: dict[dt.date, frozenset[str]] | None = None) -> None:
        self.half_terms = sorted(half_terms, key=lambda s: s.start)
        self.closures = dict(closures or {})
        self._days: list[dt.date] = [
            d for span in self.half_terms for d in daterange(span.start, span.end)
            if d.weekday() < 5 and len(self.closures.get(d, frozenset())) < 2
        ]
        # Sorted list of every open school day, for fast counting and rolling windows.
        self._days.sort()

    def in_term(self, day: dt.date) -> bool:
        return any(day in span for span in self.half_terms)

    def is_open(self, day: dt.date, session: str) -> bool:
        if day.weekday() >= 5 or not self.in_term(day):
            return False
        return session not in self.closures.get(day, frozenset())

    def is_school_day(self, day: dt.date) -> bool:
        """A day with at least one open session."""
        return self.is_open(day, "AM") or self.is_open(day, "PM")

    def school_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        return self._days[bisect_left(self._days, start):bisect_right(self._days, end)]

    def sessions(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        return [(d, s) for d in self.school_days(start, end) for s in SESSIONS
                if s not in self.closures.get(d, frozenset())]

    def count_sessions(self, start: dt.date, end: dt.date) -> int:
        return len(self.sessions(start, end))

    def add_school_days(self, start: dt.date, count: int) -> dt.date:
        """The date `count` school days after `start` (count may be negative)."""
        if count >= 0:
            i = bisect_right(self._days, start) + count - 1
        else:
            i = bisect_left(self._days, start) + count
        if not 0 <= i < len(self._days):
            raise ValueError("outside the school calendar")
        return self._days[i]

    def school_weeks(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Mondays of the weeks between start and end that contain at least one session."""
        mondays = {d - dt.timedelta(days=d.weekday()) for d in self.school_days(start, end)}
        return sorted(mondays)

    def span_containing(self, day: dt.date) -> Span | None:
        for span in self.half_terms:
            if day in span:
                return span
        return None


def compulsory_school_age_start(dob: dt.date) -> dt.date:
    """First prescribed day (31 Dec, 31 Mar, 31 Aug) on or after the 5th birthday."""
    try:
        fifth = dob.replace(year=dob.year + 5)
    except ValueError:  # 29 February
        fifth = dt.date(dob.year + 5, 3, 1)
    for candidate in (dt.date(fifth.year, 3, 31), dt.date(fifth.year, 8, 31),
                      dt.date(fifth.year, 12, 31)):
        if candidate >= fifth:
            return candidate
    raise AssertionError("unreachable")
