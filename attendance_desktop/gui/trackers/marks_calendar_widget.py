"""A year of marks as small coloured month grids: each school day split AM (left) / PM,
with its day number on it. As many months a row as the width allows."""

from __future__ import annotations

import calendar
import datetime as dt

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import Category
from attendance_desktop.gui import theme

# Legend text and the colour's name in gui/theme.py.
LEGEND = [("Present", "cal_present"), ("Late (L)", "cal_late"),
          ("Approved activity", "cal_approved"), ("Authorised absence", "cal_authorised"),
          ("Unauthorised (incl. U)", "cal_unauthorised"), ("Not counted", "cal_not_counted"),
          ("No mark", "cal_unmarked"), ("Still to come", "cal_future"),
          ("No school", "cal_closed")]


def colour_for(code: str) -> QColor:
    if code == "L":
        return theme.colour("cal_late")
    found = codes.CODES.get(code)
    return theme.colour(f"cal_{found.category.value}" if found else "cal_unmarked")


def category_colour(category: Category) -> QColor:
    return theme.colour(f"cal_{category.value}")


def _mix(a: QColor, b: QColor) -> QColor:
    return QColor((a.red() + b.red()) // 2, (a.green() + b.green()) // 2,
                  (a.blue() + b.blue()) // 2)


class MarksCalendarWidget(QWidget):
    CELL = 22
    LEGEND_ROW = 20

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Calendar of marks for the school year")
        self.setToolTip("Each school day: the morning mark on the left, the afternoon on"
                        " the right. Point at a day for its marks.")
        self.months: list[tuple[int, int]] = []
        self.marks: dict[tuple[dt.date, str], str] = {}
        self.school_days: set[dt.date] = set()
        self.today: dt.date | None = None
        self._day_rects: list[tuple[QRect, dt.date]] = []
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
        self._fit()
        self.update()

    # -- layout: months per row and legend lines from the width --------------------------
    def _month_size(self) -> QSize:
        return QSize(7 * self.CELL + 14, 8 * self.CELL + 8)

    def columns(self, width: int | None = None) -> int:
        w = self.width() if width is None else width
        return max(1, min(6, w // self._month_size().width()))

    def _legend_lines(self, width: int) -> list[list[tuple[str, str, int]]]:
        fm = self.fontMetrics()
        lines: list[list[tuple[str, str, int]]] = [[]]
        x = 0
        for label, name in LEGEND:
            item = 16 + fm.horizontalAdvance(label) + 18
            if lines[-1] and x + item > width:
                lines.append([])
                x = 0
            lines[-1].append((label, name, x))
            x += item
        return lines

    def _height_for(self, width: int) -> int:
        rows = (len(self.months) + self.columns(width) - 1) // self.columns(width)
        legend = len(self._legend_lines(width)) * self.LEGEND_ROW
        return rows * self._month_size().height() + legend + 8

    def _fit(self) -> None:
        self.setFixedHeight(self._height_for(max(self.width(), self._month_size().width())))

    def sizeHint(self) -> QSize:
        width = 6 * self._month_size().width()
        return QSize(width, self._height_for(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(self._month_size().width(), 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        ms = self._month_size()
        c = self.CELL
        cols = self.columns()
        text = self.palette().windowText().color()
        line, label_colour = theme.colour("cal_line"), theme.colour("cal_label")
        number_font = QFont(self.font())
        number_font.setPixelSize(max(8, c * 9 // 20))
        self._day_rects = []
        for i, (y, m) in enumerate(self.months):
            ox = (i % cols) * ms.width()
            oy = (i // cols) * ms.height()
            p.setFont(self.font())
            p.setPen(text)
            p.drawText(QRect(ox, oy, 7 * c, c + 2), Qt.AlignmentFlag.AlignLeft,
                       f"{calendar.month_abbr[m]} {y}")
            p.setPen(label_colour)
            for col, letter in enumerate("MTWTFSS"):
                p.drawText(QRect(ox + col * c, oy + c + 1, c, c),
                           Qt.AlignmentFlag.AlignCenter, letter)
            p.setFont(number_font)
            for week, days in enumerate(calendar.Calendar().monthdatescalendar(y, m)):
                for col, day in enumerate(days):
                    if day.month != m:
                        continue
                    r = QRect(ox + col * c, oy + (week + 2) * c + 2, c - 1, c - 1)
                    self._day_rects.append((r, day))
                    if day not in self.school_days:
                        behind = theme.colour("cal_closed")
                        p.fillRect(r, behind)
                    elif self.today is not None and day > self.today:
                        behind = theme.colour("cal_future")
                        p.fillRect(r, behind)
                        p.setPen(line)
                        p.drawRect(r)
                    else:
                        am = self.marks.get((day, "AM"))
                        pm = self.marks.get((day, "PM"))
                        left = colour_for(am) if am else theme.colour("cal_unmarked")
                        right = colour_for(pm) if pm else theme.colour("cal_unmarked")
                        half = r.width() // 2
                        p.fillRect(QRect(r.x(), r.y(), half, r.height()), left)
                        p.fillRect(QRect(r.x() + half, r.y(), r.width() - half, r.height()),
                                   right)
                        p.setPen(label_colour)
                        p.drawRect(r)
                        behind = _mix(left, right)
                    p.setPen(theme.text_on(behind) if day in self.school_days
                             else label_colour)
                    p.drawText(r, Qt.AlignmentFlag.AlignCenter, str(day.day))
        # legend along the bottom, wrapped to the width
        p.setFont(self.font())
        y0 = self.height() - len(self._legend_lines(self.width())) * self.LEGEND_ROW - 4
        for n, items in enumerate(self._legend_lines(self.width())):
            top = y0 + n * self.LEGEND_ROW
            for label, name, x in items:
                p.fillRect(QRect(x, top + 3, 12, 12), theme.colour(name))
                p.setPen(label_colour)
                p.drawRect(QRect(x, top + 3, 12, 12))
                p.setPen(text)
                width = p.fontMetrics().horizontalAdvance(label) + 4
                p.drawText(QRect(x + 16, top, width, 18), Qt.AlignmentFlag.AlignVCenter, label)
        p.end()

    # -- a day's marks on hover ----------------------------------------------------------
    def day_at(self, point: QPoint) -> dt.date | None:
        for rect, day in self._day_rects:
            if rect.contains(point):
                return day
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            day = self.day_at(event.pos())
            if day is not None:
                QToolTip.showText(event.globalPos(), self.day_text(day), self)
                return True
        return super().event(event)

    def day_text(self, day: dt.date) -> str:
        if day not in self.school_days:
            return f"{day:%a %d %b %Y}: no school"
        if self.today is not None and day > self.today:
            return f"{day:%a %d %b %Y}: still to come"
        am = self.marks.get((day, "AM")) or "no mark"
        pm = self.marks.get((day, "PM")) or "no mark"
        return f"{day:%a %d %b %Y}: morning {am}, afternoon {pm}"
