"""The academic year: terms and half terms, bank holidays, INSET days, closures and
assessment periods. Layout: ui/settings/calendar_page.ui; the term dates editor is
gui/settings/term_dates_editor.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QListWidgetItem, QMessageBox, QWidget
from sqlalchemy.engine import Engine

from attendance_desktop.domain.calendar import (
    default_term_dates,
)
from attendance_desktop.gui.common import pydate, qdate
from attendance_desktop.gui.flow_layout import reflow
from attendance_desktop.gui.folding_splitter import fold
from attendance_desktop.gui.generated.settings.ui_calendar_page import Ui_CalendarSettingsPage
from attendance_desktop.gui.settings.page_load import PageLoad
from attendance_desktop.gui.settings.term_dates_editor import DAY_FMT, TERMS, TermDatesEditor
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import calendar_changes
from attendance_desktop.services.school import calendar_service, school_service

__all__ = ["DAY_FMT", "TERMS", "CalendarSettingsPage", "TermDatesEditor"]


@dataclass(frozen=True)
class CalendarRead:
    years: list[calendar_service.YearInfo]
    current: str | None  # the name of the year holding today
    closures: list[calendar_service.ClosureInfo]  # every year's
    periods: list[school_service.AssessmentInfo]


def read_calendar(engine: Engine, today: dt.date) -> CalendarRead:
    """What the page shows (on the serial worker; no Qt)."""
    years = calendar_service.list_years(engine)
    current = calendar_service.year_containing(engine, today)
    closures = calendar_service.list_closures(engine, min(y.start for y in years),
                                              max(y.end for y in years)) if years else []
    return CalendarRead(years, current.name if current else None, closures,
                        school_service.list_assessment_periods(engine))


class CalendarSettingsPage(QWidget):
    """Settings > Calendar: years, term dates, INSET, closures and assessment periods."""

    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        can = ctx.actor.can_edit_settings
        self.ui = Ui_CalendarSettingsPage()
        self.ui.setupUi(self)
        ui = self.ui
        # at 125-150% scaling the rows wrap and the two boxes stack (no sideways scroll)
        fold(ui.lower)
        reflow(ui.closureRow)
        reflow(ui.assessRow)
        self.year_choice, self.editor = ui.year_choice, ui.editor
        self.save_button, self.result = ui.save_button, ui.calendarSaved
        self.closure_date, self.closure_session = ui.closure_date, ui.closure_session
        self.closure_text, self.closure_list = ui.closure_text, ui.closure_list
        self.add_closure_button = ui.add_closure_button
        self.assess_name, self.assess_years = ui.assess_name, ui.assess_years
        self.assess_start, self.assess_end = ui.assess_start, ui.assess_end
        self.assess_list = ui.assess_list
        for key, label in (("DAY", "All day"), ("AM", "Morning"), ("PM", "Afternoon")):
            self.closure_session.addItem(label, key)
        self.year_choice.currentIndexChanged.connect(self._load_choice)
        for button, slot in ((ui.save_button, self._save),
                             (ui.add_closure_button, self._add_closure),
                             (ui.remove_closure_button, self._remove_closure),
                             (ui.add_assess_button, self._add_assessment),
                             (ui.remove_assess_button, self._remove_assessment)):
            button.setEnabled(can)
            button.clicked.connect(slot)
        self._years: list[calendar_service.YearInfo] = []
        self._closures: list[calendar_service.ClosureInfo] = []
        self.select: str | None = None
        self.lists_only = False
        self.loader = PageLoad(self, lambda: None, self._show, self.result, "the calendar")
        self.reload()

    def reload(self, select: str | None = None, *, lists_only: bool = False) -> None:
        """Read the calendar again on the serial worker. `lists_only`: the closures and
        assessment periods only, so term dates being edited stay as typed."""
        self.select = select
        self.lists_only = self.lists_only and lists_only if self.loader.busy else lists_only
        self.loader.work = partial(read_calendar, self.ctx.engine, self.ctx.today())
        self.loader.request()

    def _show(self, read: CalendarRead) -> None:
        self._years, self._closures = read.years, read.closures
        if not self.lists_only:
            self._show_years(read.current)
        self.lists_only = False
        self._show_lists(read)

    def _show_years(self, current: str | None) -> None:
        self.year_choice.blockSignals(True)
        self.year_choice.clear()
        for y in self._years:
            self.year_choice.addItem(y.name, y.id)
        self.year_choice.addItem("New year…", None)
        wanted = self.select or current
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
        insets = [c.date for c in self._closures
                  if year.start <= c.date <= year.end and c.kind == "inset"
                  and c.session == "DAY"]
        self.editor.load_year(year, insets)
        for d in (self.closure_date, self.assess_start, self.assess_end):
            d.setDate(qdate(max(year.start, min(self.ctx.today(), year.end))))

    def _show_lists(self, read: CalendarRead) -> None:
        self.closure_list.clear()
        for c in read.closures:
            if c.kind in ("planned", "emergency"):
                item = QListWidgetItem(f"{c.date:{DAY_FMT}} {c.session}  {c.description}")
                item.setData(256, (c.date.isoformat(), c.session))
                self.closure_list.addItem(item)
        self.assess_list.clear()
        for p in read.periods:
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
        self.reload(dates.year_name)
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
        self.reload(lists_only=True)
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
        self.reload(lists_only=True)
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
        self.reload(lists_only=True)

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
        self.reload(lists_only=True)
