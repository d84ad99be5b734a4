"""The academic year: terms and half terms, bank holidays, INSET days, closures and
assessment periods."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.calendar import (
    Span,
    TermDates,
    academic_year_name,
    default_term_dates,
    england_bank_holidays,
)
from attendance_desktop.gui.settings.common import MessageLabel, hint, pydate, qdate
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import calendar_changes
from attendance_desktop.services.school import calendar_service, school_service
from attendance_desktop.services.school.calendar_service import YearInfo

TERMS = ("Autumn", "Spring", "Summer")
DAY_FMT = "%a %d %b %Y"


def _date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("ddd dd MMM yyyy")
    edit.setAccessibleName(name)
    edit.setToolTip(name)
    edit.setMinimumWidth(140)
    return edit


class TermDatesEditor(QWidget):
    """One academic year's six half terms, England's bank holidays, and INSET days."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start_year = QSpinBox()
        self.start_year.setRange(2000, 2100)
        self.start_year.setAccessibleName("Academic year starting in")
        self.start_year.setToolTip("The calendar year in which the academic year starts")
        self.year_label = QLabel("")
        self.fill_button = QPushButton("Fill in &typical dates")
        self.fill_button.setToolTip("Replace the dates below with typical English term dates"
                                    " for this year (then edit them to match your school)")
        self.fill_button.clicked.connect(self._fill_typical)
        self.start_year.valueChanged.connect(self._year_changed)
        top = QHBoxLayout()
        top.addWidget(QLabel("Academic year starting in"))
        top.addWidget(self.start_year)
        top.addWidget(self.year_label)
        top.addStretch(1)
        top.addWidget(self.fill_button)

        terms_box = QGroupBox("Half terms (first and last day in school)")
        grid = QGridLayout(terms_box)
        grid.addWidget(QLabel("<b>First day</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Last day</b>"), 0, 2)
        self.halves: list[tuple[str, str, QDateEdit, QDateEdit]] = []
        row = 1
        for term in TERMS:
            for n in (1, 2):
                name = f"{term} {n}"
                first = _date_edit(f"{name} first day")
                last = _date_edit(f"{name} last day")
                first.dateChanged.connect(self._dates_changed)
                last.dateChanged.connect(self._dates_changed)
                grid.addWidget(QLabel(name), row, 0)
                grid.addWidget(first, row, 1)
                grid.addWidget(last, row, 2)
                self.halves.append((term, name, first, last))
                row += 1

        inset_box = QGroupBox("INSET (staff training) days — no pupils in school")
        self.inset_date = _date_edit("INSET day to add")
        self.add_inset = QPushButton("&Add INSET day")
        self.add_inset.clicked.connect(self._add_inset)
        self.remove_inset = QPushButton("Remove")
        self.remove_inset.setAccessibleName("Remove INSET day")
        self.remove_inset.clicked.connect(self._remove_inset)
        self.inset_list = QListWidget()
        self.inset_list.setAccessibleName("INSET days")
        self.inset_list.setMaximumHeight(110)
        inset_row = QHBoxLayout()
        inset_row.addWidget(self.inset_date)
        inset_row.addWidget(self.add_inset)
        inset_row.addWidget(self.remove_inset)
        inset_row.addStretch(1)
        inset_layout = QVBoxLayout(inset_box)
        inset_layout.addLayout(inset_row)
        inset_layout.addWidget(self.inset_list)

        holidays_box = QGroupBox("Bank holidays in England (closed automatically)")
        self.holidays = QListWidget()
        self.holidays.setAccessibleName("Bank holidays")
        QVBoxLayout(holidays_box).addWidget(self.holidays)

        left = QVBoxLayout()
        left.addWidget(terms_box)
        left.addWidget(inset_box)
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 3)
        columns.addWidget(holidays_box, 2)
        self.message = MessageLabel("calendarMessage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addLayout(columns)
        layout.addWidget(self.message)
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


class CalendarSettingsPage(QWidget):
    """Settings > Calendar: years, term dates, INSET, closures and assessment periods."""

    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        can = ctx.actor.can_edit_settings
        self.year_choice = QComboBox()
        self.year_choice.setAccessibleName("Academic year")
        self.year_choice.currentIndexChanged.connect(self._load_choice)
        self.editor = TermDatesEditor()
        self.save_button = QPushButton("&Save term dates")
        self.save_button.setAccessibleName("Save term dates")
        self.save_button.setEnabled(can)
        self.save_button.clicked.connect(self._save)
        self.result = MessageLabel("calendarSaved")
        top = QHBoxLayout()
        top.addWidget(QLabel("Year:"))
        top.addWidget(self.year_choice)
        top.addStretch(1)
        top.addWidget(self.save_button)

        closures = QGroupBox("Planned closures (polling day, extra holiday)")
        self.closure_date = _date_edit("Closure date")
        self.closure_session = QComboBox()
        self.closure_session.setAccessibleName("Closure session")
        for key, label in (("DAY", "All day"), ("AM", "Morning"), ("PM", "Afternoon")):
            self.closure_session.addItem(label, key)
        self.closure_text = QLineEdit()
        self.closure_text.setPlaceholderText("Why (e.g. polling station)")
        self.closure_text.setMinimumWidth(200)
        self.closure_text.setAccessibleName("Closure reason")
        self.add_closure_button = add_closure = QPushButton("Add closure")
        add_closure.setEnabled(can)
        add_closure.clicked.connect(self._add_closure)
        self.closure_list = QListWidget()
        self.closure_list.setAccessibleName("Closures")
        remove_closure = QPushButton("Remove selected closure")
        remove_closure.setEnabled(can)
        remove_closure.clicked.connect(self._remove_closure)
        row = QHBoxLayout()
        for w in (self.closure_date, self.closure_session, self.closure_text, add_closure):
            row.addWidget(w)
        box = QVBoxLayout(closures)
        box.addLayout(row)
        box.addWidget(self.closure_list)
        box.addWidget(remove_closure)

        assess = QGroupBox("Assessment periods (KS2 tests, phonics check, …)")
        self.assess_name = QLineEdit()
        self.assess_name.setPlaceholderText("Name")
        self.assess_name.setAccessibleName("Assessment name")
        self.assess_start = _date_edit("Assessment first day")
        self.assess_end = _date_edit("Assessment last day")
        self.assess_years = QLineEdit()
        self.assess_years.setPlaceholderText("Year groups, e.g. 6")
        self.assess_years.setAccessibleName("Assessment year groups")
        add_assess = QPushButton("Add period")
        add_assess.setEnabled(can)
        add_assess.clicked.connect(self._add_assessment)
        self.assess_list = QListWidget()
        self.assess_list.setAccessibleName("Assessment periods")
        remove_assess = QPushButton("Remove selected period")
        remove_assess.setEnabled(can)
        remove_assess.clicked.connect(self._remove_assessment)
        arow = QHBoxLayout()
        for w in (self.assess_name, self.assess_start, self.assess_end, self.assess_years,
                  add_assess):
            arow.addWidget(w)
        abox = QVBoxLayout(assess)
        abox.addLayout(arow)
        abox.addWidget(self.assess_list)
        abox.addWidget(remove_assess)

        lower = QHBoxLayout()
        lower.addWidget(closures)
        lower.addWidget(assess)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(hint("Changes to term dates and closures are recorded (who, when, old"
                              " and new) and figures are recalculated from the new calendar."))
        layout.addWidget(self.editor)
        layout.addWidget(self.result)
        layout.addLayout(lower, 1)
        self._reload_years()
        self._reload_lists()

    def _reload_years(self, select: str | None = None) -> None:
        self._years = calendar_service.list_years(self.ctx.engine)
        self.year_choice.blockSignals(True)
        self.year_choice.clear()
        for y in self._years:
            self.year_choice.addItem(y.name, y.id)
        self.year_choice.addItem("New year…", None)
        current = calendar_service.year_containing(self.ctx.engine, self.ctx.today())
        wanted = select or (current.name if current else None)
        idx = self.year_choice.findText(wanted) if wanted else -1
        self.year_choice.setCurrentIndex(idx if idx >= 0 else 0)
        self.year_choice.blockSignals(False)
        self._load_choice()

    @Slot()
    def _load_choice(self) -> None:
        year_id = self.year_choice.currentData()
        year = next((y for y in self._years if y.id == year_id), None)
        # an existing year keeps its name; a new one chooses its starting year
        self.editor.start_year.setEnabled(year is None)
        if year is None:
            last = max((y.end for y in self._years), default=self.ctx.today())
            start = last.year if last.month < 8 else last.year + 1
            if not self._years:
                start = self.ctx.today().year if self.ctx.today().month >= 8 else \
                    self.ctx.today().year - 1
            self.editor.load_dates(default_term_dates(start), [])
            return
        insets = [c.date for c in calendar_service.list_closures(self.ctx.engine, year.start,
                                                                  year.end)
                  if c.kind == "inset" and c.session == "DAY"]
        self.editor.load_year(year, insets)
        for d in (self.closure_date, self.assess_start, self.assess_end):
            d.setDate(qdate(max(year.start, min(self.ctx.today(), year.end))))

    def _reload_lists(self) -> None:
        self.closure_list.clear()
        years = calendar_service.list_years(self.ctx.engine)
        if years:
            for c in calendar_service.list_closures(self.ctx.engine, years[0].start,
                                                    years[-1].end):
                if c.kind in ("planned", "emergency"):
                    item = QListWidgetItem(f"{c.date:{DAY_FMT}} {c.session}  {c.description}")
                    item.setData(256, (c.date.isoformat(), c.session))
                    self.closure_list.addItem(item)
        self.assess_list.clear()
        for p in school_service.list_assessment_periods(self.ctx.engine):
            groups = f" (years {p.year_groups})" if p.year_groups else ""
            item = QListWidgetItem(f"{p.name}: {p.start:%d %b} to {p.end:%d %b %Y}{groups}")
            item.setData(256, p.id)
            self.assess_list.addItem(item)

    @Slot()
    def _save(self) -> None:
        problems = self.editor.problems()
        if problems:
            self.result.show_error("Not saved:\n" + "\n".join(f"• {p}" for p in problems))
            return
        dates = self.editor.term_dates()
        try:
            calendar_changes.save_year(self.ctx.engine, self.ctx.actor, dates,
                                     self.editor.inset_days())
        except ServiceError as exc:
            self.result.show_error(f"Not saved: {exc}")
            return
        self.result.show_ok(f"Saved {dates.year_name}; the change is recorded.")
        self._reload_years(dates.year_name)
        self._reload_lists()
        self.saved.emit()

    @Slot()
    def _add_closure(self) -> None:
        try:
            calendar_changes.add_closure(self.ctx.engine, self.ctx.actor,
                                       pydate(self.closure_date.date()),
                                       self.closure_session.currentData(), "planned",
                                       self.closure_text.text())
        except ServiceError as exc:
            self.result.show_error(f"Closure not added: {exc}")
            return
        self.result.show_ok("Closure added and recorded.")
        self.closure_text.clear()
        self._reload_lists()
        self.saved.emit()

    @Slot()
    def _remove_closure(self) -> None:
        item = self.closure_list.currentItem()
        if item is None:
            return
        day, session = item.data(256)
        answer = QMessageBox.question(self, "Remove closure",
                                      f"Open the school again on {item.text().strip()}?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            calendar_changes.remove_closure(self.ctx.engine, self.ctx.actor,
                                          dt.date.fromisoformat(day), session)
        except ServiceError as exc:
            self.result.show_error(str(exc))
            return
        self._reload_lists()
        self.saved.emit()

    @Slot()
    def _add_assessment(self) -> None:
        try:
            school_service.add_assessment_period(
                self.ctx.engine, self.ctx.actor, self.assess_name.text(),
                pydate(self.assess_start.date()), pydate(self.assess_end.date()),
                self.assess_years.text())
        except ServiceError as exc:
            self.result.show_error(f"Assessment period not added: {exc}")
            return
        self.assess_name.clear()
        self._reload_lists()

    @Slot()
    def _remove_assessment(self) -> None:
        item = self.assess_list.currentItem()
        if item is None:
            return
        try:
            school_service.remove_assessment_period(self.ctx.engine, self.ctx.actor,
                                                    int(item.data(256)))
        except ServiceError as exc:
            self.result.show_error(str(exc))
            return
        self._reload_lists()
