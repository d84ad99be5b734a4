"""One academic year's six half terms, England's bank holidays, and INSET days
(ui/settings/term_dates_editor.ui). The calendar settings page and the wizard use it."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QDateEdit, QListWidgetItem, QWidget

from attendance_desktop.domain.calendar import (
    Span,
    TermDates,
    academic_year_name,
    default_term_dates,
    england_bank_holidays,
)
from attendance_desktop.gui.common import pydate, qdate
from attendance_desktop.gui.flow_layout import reflow
from attendance_desktop.gui.folding_splitter import fold
from attendance_desktop.gui.generated.settings.ui_term_dates_editor import Ui_TermDatesEditor
from attendance_desktop.services.school import calendar_service
from attendance_desktop.services.school.calendar_service import YearInfo

TERMS = ("Autumn", "Spring", "Summer")
DAY_FMT = "%a %d %b %Y"


class TermDatesEditor(QWidget):
    """One academic year's six half terms, England's bank holidays, and INSET days."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_TermDatesEditor()
        self.ui.setupUi(self)
        ui = self.ui
        # at 125-150% scaling the holidays go under the terms (no sideways scroll)
        fold(ui.columns)
        reflow(ui.top)
        self.start_year, self.year_label, self.fill_button = (ui.start_year, ui.year_label,
                                                              ui.fill_button)
        self.inset_date, self.inset_list, self.holidays = (ui.inset_date, ui.inset_list,
                                                           ui.holidays)
        self.message = ui.calendarMessage
        self.halves: list[tuple[str, str, QDateEdit, QDateEdit]] = []
        for term in TERMS:
            for n in (1, 2):
                key = f"{term.lower()}{n}"
                first, last = getattr(ui, f"{key}_first"), getattr(ui, f"{key}_last")
                first.dateChanged.connect(self._dates_changed)
                last.dateChanged.connect(self._dates_changed)
                self.halves.append((term, f"{term} {n}", first, last))
        ui.fill_button.clicked.connect(self._fill_typical)
        ui.start_year.valueChanged.connect(self._year_changed)
        ui.add_inset.clicked.connect(self._add_inset)
        ui.remove_inset.clicked.connect(self._remove_inset)
        self._insets: set[dt.date] = set()
        self._loading = False

    # -- values ------------------------------------------------------------------------
    def load_dates(self, dates: TermDates, insets: list[dt.date] | None = None) -> None:
        self._loading = True
        start_year = dates.start.year
        self.start_year.blockSignals(True)
        self.start_year.setValue(start_year)
        self.start_year.blockSignals(False)
        by_name = {h.name: h for h in dates.half_terms}
        for _, name, first, last in self.halves:
            span = by_name.get(name)
            if span is not None:
                first.setDate(qdate(span.start))
                last.setDate(qdate(span.end))
        self._insets = set(insets or [])
        self._loading = False
        self._dates_changed()

    def load_year(self, year: YearInfo, insets: list[dt.date]) -> None:
        halves = {h.name: h for h in year.half_terms}
        terms = []
        for term in TERMS:
            a, b = halves.get(f"{term} 1"), halves.get(f"{term} 2")
            if a and b:
                terms.append((Span(term, a.start, b.end), a, b))
        self.load_dates(TermDates(year.name, tuple(terms)), insets)

    def term_dates(self) -> TermDates:
        terms = []
        for i in range(0, len(self.halves), 2):
            term, n1, f1, l1 = self.halves[i]
            _, n2, f2, l2 = self.halves[i + 1]
            a = Span(n1, pydate(f1.date()), pydate(l1.date()))
            b = Span(n2, pydate(f2.date()), pydate(l2.date()))
            terms.append((Span(term, a.start, b.end), a, b))
        return TermDates(academic_year_name(self.start_year.value()), tuple(terms))

    def inset_days(self) -> list[dt.date]:
        return sorted(self._insets)

    def problems(self) -> list[str]:
        # the same checks as `calendar import` (calendar_service.term_date_problems)
        return [str(p) for p in calendar_service.term_date_problems(self.term_dates(),
                                                                    self._insets)]

    # -- slots -------------------------------------------------------------------------
    @Slot()
    def _year_changed(self) -> None:
        self.year_label.setText(academic_year_name(self.start_year.value()))

    @Slot()
    def _fill_typical(self) -> None:
        self.load_dates(default_term_dates(self.start_year.value()), [])

    @Slot()
    def _dates_changed(self) -> None:
        if self._loading:
            return
        self._year_changed()
        dates = self.term_dates()
        self.holidays.clear()
        if dates.start <= dates.end:
            for day, name in england_bank_holidays(dates.start, dates.end).items():
                self.holidays.addItem(f"{day:{DAY_FMT}}  {name}")
        self.inset_list.clear()
        for day in sorted(self._insets):
            item = QListWidgetItem(f"{day:{DAY_FMT}}")
            item.setData(256, day.isoformat())
            self.inset_list.addItem(item)
        if not self.inset_date.date().isValid() or self.inset_date.date().year() < 2001:
            self.inset_date.setDate(qdate(dates.start))
        problems = self.problems()
        if problems:
            self.message.show_error("Please correct:\n" + "\n".join(f"• {p}" for p in problems))
        else:
            self.message.clear_message()
        self.changed.emit()

    @Slot()
    def _add_inset(self) -> None:
        day = pydate(self.inset_date.date())
        if day.weekday() >= 5:
            self.message.show_error(f"{day:{DAY_FMT}} is a weekend day; INSET days are school"
                                    " days")
            return
        self._insets.add(day)
        self._dates_changed()

    @Slot()
    def _remove_inset(self) -> None:
        item = self.inset_list.currentItem()
        if item is not None:
            self._insets.discard(dt.date.fromisoformat(item.data(256)))
            self._dates_changed()
