"""A year of marks as small coloured month grids: each school day split AM (left) / PM."""

from __future__ import annotations

import calendar
import datetime as dt

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import Category

COLOURS = {
    Category.PRESENT: QColor("#5cb85c"),
    Category.APPROVED: QColor("#5b9bd5"),
    Category.AUTHORISED: QColor("#f0c23b"),
    Category.UNAUTHORISED: QColor("#d9534f"),
    Category.NOT_COUNTED: QColor("#b0b0b0"),
}
LATE = QColor("#f08a24")
UNMARKED = QColor("#ffffff")
CLOSED = QColor("#ececec")
FUTURE = QColor("#f8f8f8")
LEGEND = [("Present", COLOURS[Category.PRESENT]), ("Late (L)", LATE),
          ("Approved activity", COLOURS[Category.APPROVED]),
          ("Authorised absence", COLOURS[Category.AUTHORISED]),
          ("Unauthorised (incl. U)", COLOURS[Category.UNAUTHORISED]),
          ("Not counted", COLOURS[Category.NOT_COUNTED]), ("No mark", UNMARKED),
          ("Still to come", FUTURE), ("No school", CLOSED)]


def colour_for(code: str) -> QColor:
    if code == "L":
        return LATE
    found = codes.CODES.get(code)
    return COLOURS[found.category] if found else UNMARKED


class MarksCalendarWidget(QWidget):
    CELL = 19
    COLS = 6

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Calendar of marks for the school year")
        self.months: list[tuple[int, int]] = []
        self.marks: dict[tuple[dt.date, str], str] = {}
        self.school_days: set[dt.date] = set()
        self.today: dt.date | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_data(self, start: dt.date, end: dt.date, marks: dict[tuple[dt.date, str], str],
                 school_days: set[dt.date], today: dt.date | None = None) -> None:
        self.months = []
        y, m = start.year, start.month
        while (y, m) <= (end.year, end.month):
            self.months.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        self.marks = marks
        self.school_days = school_days
        self.today = today
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def _month_size(self) -> QSize:
        return QSize(7 * self.CELL + 22, 8 * self.CELL + 10)

    def sizeHint(self) -> QSize:
        ms = self._month_size()
        rows = (len(self.months) + self.COLS - 1) // self.COLS
        return QSize(self.COLS * ms.width(), rows * ms.height() + 30)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        ms = self._month_size()
        c = self.CELL
        for i, (y, m) in enumerate(self.months):
            ox = (i % self.COLS) * ms.width()
            oy = (i // self.COLS) * ms.height()
            p.setPen(self.palette().windowText().color())
            p.drawText(QRect(ox, oy, 7 * c, c + 2), Qt.AlignmentFlag.AlignLeft,
                       f"{calendar.month_abbr[m]} {y}")
            for col, letter in enumerate("MTWTFSS"):
                p.drawText(QRect(ox + col * c, oy + c + 1, c, c),
                           Qt.AlignmentFlag.AlignCenter, letter)
            for week, days in enumerate(calendar.Calendar().monthdatescalendar(y, m)):
                for col, day in enumerate(days):
                    if day.month != m:
                        continue
                    r = QRect(ox + col * c, oy + (week + 2) * c + 2, c - 1, c - 1)
                    if day not in self.school_days:
                        p.fillRect(r, CLOSED)
                        continue
                    if self.today is not None and day > self.today:
                        p.fillRect(r, FUTURE)
                        p.setPen(QColor("#dddddd"))
                        p.drawRect(r)
                        continue
                    am = self.marks.get((day, "AM"))
                    pm = self.marks.get((day, "PM"))
                    half = r.width() // 2
                    p.fillRect(QRect(r.x(), r.y(), half, r.height()),
                               colour_for(am) if am else UNMARKED)
                    p.fillRect(QRect(r.x() + half, r.y(), r.width() - half, r.height()),
                               colour_for(pm) if pm else UNMARKED)
                    p.setPen(QColor("#999999"))
                    p.drawRect(r)
        # legend along the bottom
        x = 0
        y0 = self.height() - 20
        for label, colour in LEGEND:
            p.fillRect(QRect(x, y0 + 3, 12, 12), colour)
            p.setPen(QColor("#999999"))
            p.drawRect(QRect(x, y0 + 3, 12, 12))
            p.setPen(self.palette().windowText().color())
            width = p.fontMetrics().horizontalAdvance(label) + 12
            p.drawText(QRect(x + 16, y0, width, 18), Qt.AlignmentFlag.AlignVCenter, label)
            x += width + 24
        p.end()
