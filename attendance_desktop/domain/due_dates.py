"""Due dates that fall on school days (issue 16, point 4). Pure.

A step due "5 days after the stage started" is worked out in calendar days and then moved
to the next school day: never a weekend, a bank holiday, a holiday or an INSET day. Past
the end of the term dates held (no calendar for next year yet) the weekend is still
skipped, so a date is never a Saturday or a Sunday.
"""

from __future__ import annotations

import datetime as dt

from attendance_desktop.domain.calendar import SchoolCalendar

MAX_HOLIDAY_DAYS = 62  # the summer holiday is about 6 weeks


def on_school_day(calendar: SchoolCalendar | None, day: dt.date) -> dt.date:
    """`day` if the school is open that day, else the first school day after it."""
    if calendar is not None:
        try:
            found = calendar.add_school_days(day - dt.timedelta(days=1), 1)
        except ValueError:
            found = None  # beyond the term dates held: at least skip the weekend
        # a jump longer than any holiday means the day is before the dates held
        if found is not None and (found - day).days <= MAX_HOLIDAY_DAYS:
            return found
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def due_after(calendar: SchoolCalendar | None, start: dt.date, days: int = 0,
              weeks: int = 0) -> dt.date:
    """`days` and `weeks` after `start`, on the next school day."""
    return on_school_day(calendar, start + dt.timedelta(days=days, weeks=weeks))
