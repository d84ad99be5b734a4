"""A closure decided on the day (snow, heating failure): one audited step for everyone."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QWidget

from attendance_desktop.domain import codes
from attendance_desktop.gui.generated.register.ui_closure_dialog import Ui_ClosureDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import closure_service


class ClosureDialog(QDialog):
    def __init__(self, parent: QWidget | None, ctx: AppContext, day: dt.date) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result_text = ""
        self.ui = Ui_ClosureDialog()
        self.ui.setupUi(self)
        self.ui.date.setDate(QDate(day.year, day.month, day.day))
        for label, key in (("Whole day", "DAY"), ("Morning only", "AM"),
                           ("Afternoon only", "PM")):
            self.ui.session.addItem(label, key)
        for c in closure_service.EMERGENCY_CODES:
            self.ui.code.addItem(f"{c} — {codes.CODES[c].meaning}", c)
        self.ui.code.setCurrentIndex(self.ui.code.findData("Y4"))
        self.ui.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Close the school")
        self.ui.buttons.accepted.connect(self._apply)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.reason.setFocus()

    @Slot()
    def _apply(self) -> None:
        d = self.ui.date.date()
        day = dt.date(d.year(), d.month(), d.day())
        session = self.ui.session.currentData()
        code = self.ui.code.currentData()
        answer = QMessageBox.question(
            self, "Close the school",
            f"Mark every pupil {code} for {self.ui.session.currentText().lower()} on"
            f" {day:%A %d %B %Y}?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            result = closure_service.emergency_closure(
                self.ctx.engine, self.ctx.actor, day, session, code, self.ui.reason.text())
        except ServiceError as exc:
            QMessageBox.warning(self, "Closure", str(exc)[0].upper() + str(exc)[1:])
            return
        self.result_text = (f"Closure recorded: {result.written} marks set to {code}"
                            f" for {day:%a %d %b}")
        self.accept()
