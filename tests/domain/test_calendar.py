from __future__ import annotations

import datetime as dt

from attendance_desktop.domain.calendar import (
    SchoolCalendar,
    Span,
    compulsory_school_age_start,
    default_term_dates,
    england_bank_holidays,
)

D = dt.date


def test_england_bank_holidays_come_from_the_holidays_package():
    found = england_bank_holidays(D(2025, 9, 1), D(2026, 8, 31))
    assert D(2025, 12, 25) in found
    assert D(2026, 4, 6) in found  # Easter Monday 2026
    assert D(2026, 5, 25) in found  # spring bank holiday
    assert all(d.weekday() < 5 for d in found)


def test_default_year_has_six_half_terms_and_about_190_days_after_inset():
    dates = default_term_dates(2025)
    halves = dates.half_terms
    assert [h.name for h in halves] == ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2",
                                        "Summer 1", "Summer 2"]
    closures = {d: frozenset({"AM", "PM"})
                for d in england_bank_holidays(dates.start, dates.end)}
    cal = SchoolCalendar(halves, closures)
    days = len(cal.school_days(dates.start, dates.end))
    assert 190 <= days <= 196  # five INSET days bring it to 190 or so


def test_sessions_skip_weekends_half_term_and_closures():
    halves = [Span("A1", D(2025, 10, 20), D(2025, 10, 24)),
              Span("A2", D(2025, 11, 3), D(2025, 11, 7))]
    cal = SchoolCalendar(halves, {D(2025, 11, 3): frozenset({"AM", "PM"}),
                                  D(2025, 11, 4): frozenset({"PM"})})
    assert cal.count_sessions(D(2025, 10, 20), D(2025, 11, 7)) == 10 + 6 + 1
    assert not cal.is_open(D(2025, 10, 27), "AM")  # half term
    assert not cal.is_open(D(2025, 11, 1), "AM")  # Saturday
    assert cal.is_open(D(2025, 11, 4), "AM")
    assert not cal.is_open(D(2025, 11, 4), "PM")
    assert cal.is_school_day(D(2025, 11, 4))
    assert not cal.is_school_day(D(2025, 11, 3))


def test_adding_school_days_and_school_weeks_skip_holidays():
    halves = [Span("A1", D(2025, 10, 20), D(2025, 10, 24)),
              Span("A2", D(2025, 11, 3), D(2025, 11, 7))]
    cal = SchoolCalendar(halves)
    assert cal.add_school_days(D(2025, 10, 23), 3) == D(2025, 11, 4)
    assert cal.add_school_days(D(2025, 11, 4), -3) == D(2025, 10, 23)
    assert cal.school_weeks(D(2025, 10, 20), D(2025, 11, 7)) == [D(2025, 10, 20),
                                                                 D(2025, 11, 3)]


def test_compulsory_school_age_starts_on_the_prescribed_day_after_the_fifth_birthday():
    assert compulsory_school_age_start(D(2020, 9, 1)) == D(2025, 12, 31)
    assert compulsory_school_age_start(D(2021, 1, 15)) == D(2026, 3, 31)
    assert compulsory_school_age_start(D(2021, 3, 31)) == D(2026, 3, 31)
    assert compulsory_school_age_start(D(2021, 4, 1)) == D(2026, 8, 31)
    assert compulsory_school_age_start(D(2020, 8, 31)) == D(2025, 8, 31)
    assert compulsory_school_age_start(D(2020, 2, 29)) == D(2025, 3, 31)
