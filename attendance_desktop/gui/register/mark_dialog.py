"""Asks for what a mark needs beyond its code: minutes late (L, U), a comment or the
required note (Y7 reason; B K P V W activity), and an amendment's reason after close."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import NoteRequirement
from attendance_desktop.gui.generated.register.ui_mark_dialog import Ui_MarkDialog


@dataclass(frozen=True, slots=True)
class MarkDetails:
    code: str
    minutes_late: int | None
    comment: str
    reason: str


class MarkDialog(QDialog):
    def __init__(self, parent: QWidget | None, *, heading: str, day: dt.date, code: str,
                 minutes_late: int | None = None, comment: str = "",
                 need_reason: bool = False, reason: str = "") -> None:
        super().__init__(parent)
        self.ui = Ui_MarkDialog()
        self.ui.setupUi(self)
        self.need_reason = need_reason
        self.ui.intro.setText(heading)
        for c in codes.codes_valid_on(day):
            self.ui.code.addItem(f"{c.code}  —  {c.meaning}", c.code)
        self.ui.code.setCurrentIndex(max(0, self.ui.code.findData(code)))
        self.ui.code.currentIndexChanged.connect(self._code_changed)
        self.ui.minutes.setValue(minutes_late or 0)
        self.ui.comment.setText(comment)
        self.ui.reason.setText(reason)
        self.ui.form.setRowVisible(self.ui.reason, need_reason)
        self.ui.buttons.accepted.connect(self._accept)
        self.ui.buttons.rejected.connect(self.reject)
        self._code_changed()
        if self.ui.minutes.isEnabled():
            self.ui.minutes.setFocus()
            self.ui.minutes.selectAll()
        elif need_reason and comment == "":
            self.ui.reason.setFocus()

    @property
    def chosen(self) -> codes.AttendanceCode:
        return codes.CODES[self.ui.code.currentData()]

    @Slot()
    def _code_changed(self) -> None:
        found = self.chosen
        self.ui.minutes.setEnabled(found.is_late)
        if found.note is NoteRequirement.REASON:
            self.ui.comment_label.setText("Reason (&required)")
        elif found.note is NoteRequirement.ACTIVITY:
            self.ui.comment_label.setText("Activity note (&required)")
        else:
            self.ui.comment_label.setText("C&omment")
        if found.note is not NoteRequirement.NONE:
            self.ui.comment.setFocus()

    def details(self) -> MarkDetails:
        found = self.chosen
        return MarkDetails(found.code, self.ui.minutes.value() if found.is_late else None,
                           self.ui.comment.text().strip(), self.ui.reason.text().strip())

    @Slot()
    def _accept(self) -> None:
        try:
            codes.check_note(self.chosen, self.ui.comment.text())
        except codes.CodeError as exc:
            QMessageBox.warning(self, "Mark details", str(exc).capitalize() + ".")
            self.ui.comment.setFocus()
            return
        if self.need_reason and not self.ui.reason.text().strip():
            QMessageBox.warning(self, "Mark details",
                                "The register has closed: write the reason for this amendment.")
            self.ui.reason.setFocus()
            return
        self.accept()

    @staticmethod
    def get_details(parent: QWidget | None, **kwargs: object) -> MarkDetails | None:
        """Show the dialog; None if cancelled. (Tests replace this.)"""
        dialog = MarkDialog(parent, **kwargs)  # type: ignore[arg-type]
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.details()
        return None


def ask_reason(parent: QWidget | None, text: str) -> str | None:
    """Ask only for an amendment's reason (bulk changes after close). None if cancelled."""
    from PySide6.QtWidgets import QInputDialog

    value, ok = QInputDialog.getText(parent, "Reason for amendment", text)
    if not ok:
        return None
    return value.strip() or None
