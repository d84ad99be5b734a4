"""A closure decided on the day (snow, heating failure): one audited step for everyone."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from attendance_desktop.domain import codes
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import closure_service


class ClosureDialog(QDialog):
    def __init__(self, parent: QWidget | None, ctx: AppContext, day: dt.date) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_text = ""
        self.setWindowTitle("Close the school for a session or day")
        form = QFormLayout(self)
        intro = QLabel("Every pupil on roll gets the closure code for the chosen session(s)."
                       " Marks already entered are changed as amendments with this reason."
                       " The closure is added to the calendar.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.date = QDateEdit(QDate(day.year, day.month, day.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dddd dd MMMM yyyy")
        self.date.setAccessibleName("Closure date")
        form.addRow("&Date", self.date)
        self.session = QComboBox()
        self.session.setAccessibleName("Session")
        for label, key in (("Whole day", "DAY"), ("Morning only", "AM"),
                           ("Afternoon only", "PM")):
            self.session.addItem(label, key)
        form.addRow("&Session", self.session)
        self.code = QComboBox()
        self.code.setAccessibleName("Closure code")
        for c in closure_service.EMERGENCY_CODES:
            self.code.addItem(f"{c} — {codes.CODES[c].meaning}", c)
        self.code.setCurrentIndex(self.code.findData("Y4"))
        form.addRow("&Code", self.code)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("e.g. Snow: site unsafe, decided by the head at 07:10")
        form.addRow("&Reason", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Close the school")
        buttons.accepted.connect(self._apply)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(620)
        self.reason.setFocus()

    @Slot()
    def _apply(self) -> None:
        d = self.date.date()
        day = dt.date(d.year(), d.month(), d.day())
        session = self.session.currentData()
        code = self.code.currentData()
        answer = QMessageBox.question(
            self, "Close the school",
            f"Mark every pupil {code} for {self.session.currentText().lower()} on"
            f" {day:%A %d %B %Y}?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            result = closure_service.emergency_closure(
                self.ctx.engine, self.ctx.actor, day, session, code, self.reason.text())
        except ServiceError as exc:
            QMessageBox.warning(self, "Closure", str(exc)[0].upper() + str(exc)[1:])
            return
        self.result_text = (f"Closure recorded: {result.written} marks set to {code}"
                            f" for {day:%a %d %b}")
        self.accept()
