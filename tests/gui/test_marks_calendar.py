"""The calendar of marks: a day number on every day, months that wrap to the width, a
legend that wraps, and each day's marks on hover."""

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QColor

from attendance_desktop.gui import theme
from attendance_desktop.gui.trackers.marks_calendar_widget import MarksCalendarWidget

START, END = dt.date(2025, 9, 1), dt.date(2026, 7, 31)


def _calendar(qtbot, width: int) -> MarksCalendarWidget:  # type: ignore[no-untyped-def]
    days = {START + dt.timedelta(n) for n in range(330)
            if (START + dt.timedelta(n)).weekday() < 5}
    marks = {(d, s): "/" if s == "AM" else "\\" for d in days if d < dt.date(2025, 11, 20)
             for s in ("AM", "PM")}
    marks[(dt.date(2025, 9, 10), "AM")] = "N"
    w = MarksCalendarWidget()
    qtbot.addWidget(w)
    w.resize(width, 400)
    w.set_data(START, END, marks, days, today=dt.date(2025, 11, 20))
    w.show()
    qtbot.waitExposed(w)
    return w


def test_every_day_shows_its_number(qtbot) -> None:
    w = _calendar(qtbot, 1100)
    w.grab()  # paint once: the day rectangles are laid out while painting
    image = w.grab().toImage()
    present = theme.colour("cal_present")
    ratio = image.devicePixelRatio()
    checked = 0
    for rect, day in w._day_rects:
        if day.month != 9 or day.weekday() >= 5 or day == dt.date(2025, 9, 10):
            continue
        inside = {QColor(image.pixel(int(x * ratio), int(y * ratio))).name()
                  for x in range(rect.left() + 2, rect.right() - 1)
                  for y in range(rect.top() + 2, rect.bottom() - 1)}
        assert present.name() in inside
        # the number: pixels of a text colour on the green, beyond the fill itself
        assert len(inside) > 2, f"{day}: no day number drawn"
        checked += 1
    assert checked >= 20


def test_months_and_legend_wrap_to_the_width(qtbot) -> None:
    wide = _calendar(qtbot, 1100)
    narrow = _calendar(qtbot, 560)
    assert wide.columns() == 6
    assert narrow.columns() == 3
    assert narrow.height() > wide.height()  # more rows of months and of legend
    assert len(narrow._legend_lines(560)) > len(wide._legend_lines(1100))


def test_a_day_tells_its_marks(qtbot) -> None:
    w = _calendar(qtbot, 1100)
    w.grab()
    assert w.day_text(dt.date(2025, 9, 10)) == "Wed 10 Sep 2025: morning N, afternoon \\"
    assert w.day_text(dt.date(2025, 9, 13)).endswith("no school")
    assert w.day_text(dt.date(2026, 1, 7)).endswith("still to come")
    rect, day = w._day_rects[10]
    assert w.day_at(rect.center()) == day
