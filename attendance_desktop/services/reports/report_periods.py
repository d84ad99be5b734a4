"""The periods a report can cover: the half terms, terms and years offered on the Reports
page, custom dates, the period before one (for the comparison), and the published
statistics' period that matches a report's dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from attendance_desktop.domain import benchmarks as published
from attendance_desktop.domain.calendar import Span
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.school import calendar_service

KIND_LABELS = {"half_term": "half term", "term": "term", "year": "year to date",
               "custom": "custom dates"}


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    label: str  # "Autumn 1 2025/26", "Year to date 2025/26 (to 20 Nov 2025)"
    kind: str  # half_term | term | year | custom
    start: dt.date
    end: dt.date  # inclusive


# -- periods ------------------------------------------------------------------------------


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def period_options(engine: Engine, today: dt.date) -> list[ReportPeriod]:
    """The periods offered on the Reports page, current ones first, then earlier ones.

    Current periods run to today; earlier half terms and terms of this and past years are
    listed most recent first."""
    years = calendar_service.list_years(engine)
    current: list[ReportPeriod] = []
    earlier: list[ReportPeriod] = []
    for year in years:
        if year.start <= today <= year.end:
            half = next((h for h in year.half_terms if today in h), None)
            if half is None:  # a holiday: the last half term that has started
                half = next((h for h in reversed(year.half_terms) if h.start <= today), None)
            term = next((t for t in reversed(year.terms) if t.start <= today), None)
            if half is not None:
                current.append(ReportPeriod(
                    f"This half term: {half.name} {year.name} (to {_long(min(today, half.end))})",
                    "half_term", half.start, min(today, half.end)))
            if term is not None:
                current.append(ReportPeriod(
                    f"This term: {term.name} {year.name} (to {_long(min(today, term.end))})",
                    "term", term.start, min(today, term.end)))
            current.append(ReportPeriod(
                f"Year to date: {year.name} (to {_long(today)})", "year", year.start, today))
        for span, kind in [*((h, "half_term") for h in year.half_terms),
                           *((t, "term") for t in year.terms)]:
            if span.end < today:
                earlier.append(ReportPeriod(f"{span.name} {year.name} ({KIND_LABELS[kind]})",
                                            kind, span.start, span.end))
        if year.end < today:
            earlier.append(ReportPeriod(f"Whole year {year.name}", "year", year.start,
                                        year.end))
    earlier.sort(key=lambda p: (p.end, p.kind != "half_term"), reverse=True)
    return current + earlier


def custom_period(start: dt.date, end: dt.date) -> ReportPeriod:
    if end < start:
        raise ServiceError(f"the report period ends ({end:%d/%m/%Y}) before it starts "
                           f"({start:%d/%m/%Y})")
    return ReportPeriod(f"{_long(start)} to {_long(end)}", "custom", start, end)


def previous_period(engine: Engine, period: ReportPeriod) -> ReportPeriod | None:
    """The period of the same kind before this one, as far into it as this one runs.

    A half term (or term) compares with the half term (term) before it, whole; the year to
    date compares with the same stretch of the previous year; custom dates compare with the
    same number of school days just before them (weekends and holidays skipped)."""
    if period.kind == "custom":
        cal = calendar_service.load_calendar(engine)
        wanted = len(cal.school_days(period.start, period.end))
        days = cal.school_days(period.start - dt.timedelta(days=400),
                               period.start - dt.timedelta(days=1))[-wanted:]
        if not wanted or not days:
            return None
        start, end = days[0], days[-1]
        return ReportPeriod(f"{_long(start)} to {_long(end)}", "custom", start, end)
    years = calendar_service.list_years(engine)
    if period.kind == "year":
        for i, year in enumerate(years):
            if year.start == period.start and i > 0:
                before = years[i - 1]
                offset = period.end - period.start
                end = min(before.end, before.start + offset)
                label = (f"Whole year {before.name}" if end == before.end
                         else f"{before.name} to {_long(end)}")
                return ReportPeriod(label, "year", before.start, end)
        return None
    spans: list[tuple[Span, str]] = []
    for year in years:
        for s in (year.half_terms if period.kind == "half_term" else year.terms):
            spans.append((s, year.name))
    spans.sort(key=lambda x: x[0].start)
    for i, (span, _name) in enumerate(spans):
        if span.start == period.start and i > 0:
            prior, name = spans[i - 1]
            return ReportPeriod(f"{prior.name} {name}", period.kind, prior.start, prior.end)
    return None


def statistics_period(engine: Engine, period: ReportPeriod) -> tuple[str, str] | None:
    """The academic year and the published statistics' period (domain.benchmarks) that
    match a report's dates: a term, autumn and spring together, or the year."""
    year = next((y for y in calendar_service.list_years(engine)
                 if y.start <= period.start <= y.end), None)
    if year is None:
        return None
    terms = [t.name for t in year.terms if t.start <= period.end and t.end >= period.start]
    return year.name, published.period_for_dates(terms)
