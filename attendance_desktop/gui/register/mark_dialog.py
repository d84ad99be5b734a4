"""Asks for what a mark needs beyond its code: minutes late (L, U), a comment or the
required note (Y7 reason; B K P V W activity), and an amendment's reason after close."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from attendance_desktop.domain import codes
from attendance_desktop.domain.codes import NoteRequirement


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
        self.setWindowTitle("Mark details")
        self.need_reason = need_reason
        form = QFormLayout(self)
        intro = QLabel(heading)
        intro.setWordWrap(True)
        form.addRow(intro)
        self.code = QComboBox()
        self.code.setAccessibleName("Code")
        for c in codes.codes_valid_on(day):
            self.code.addItem(f"{c.code}  —  {c.meaning}", c.code)
        self.code.setCurrentIndex(max(0, self.code.findData(code)))
        self.code.currentIndexChanged.connect(self._code_changed)
        form.addRow("&Code", self.code)
        self.minutes = QSpinBox()
        self.minutes.setRange(0, 240)
        self.minutes.setSuffix(" minutes")
        self.minutes.setAccessibleName("Minutes late")
        self.minutes.setToolTip("How many minutes after the register started the pupil arrived")
        self.minutes.setValue(minutes_late or 0)
        form.addRow("&Minutes late", self.minutes)
        self.comment_label = QLabel("C&omment")
        self.comment = QLineEdit(comment)
        self.comment.setAccessibleName("Comment")
        self.comment_label.setBuddy(self.comment)
        form.addRow(self.comment_label, self.comment)
        self.reason = QLineEdit(reason)
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setPlaceholderText("e.g. Mum phoned at 10:05: dentist")
        self.reason.setToolTip("The register has closed: this change is kept as an amendment"
                               " with your name, role and the time")
        if need_reason:
            form.addRow("&Reason for amendment", self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(520)
        self._code_changed()
        if self.minutes.isEnabled():
            self.minutes.setFocus()
            self.minutes.selectAll()
        elif need_reason and comment == "":
            self.reason.setFocus()

    @property
    def chosen(self) -> codes.AttendanceCode:
        return codes.CODES[self.code.currentData()]

    @Slot()
    def _code_changed(self) -> None:
        found = self.chosen
        self.minutes.setEnabled(found.is_late)
        if found.note is NoteRequirement.REASON:
            self.comment_label.setText("Reason (&required)")
        elif found.note is NoteRequirement.ACTIVITY:
            self.comment_label.setText("Activity note (&required)")
        else:
            self.comment_label.setText("C&omment")
        if found.note is not NoteRequirement.NONE:
            self.comment.setFocus()

    def details(self) -> MarkDetails:
        found = self.chosen
        return MarkDetails(found.code, self.minutes.value() if found.is_late else None,
                           self.comment.text().strip(), self.reason.text().strip())

    @Slot()
    def _accept(self) -> None:
        try:
            codes.check_note(self.chosen, self.comment.text())
        except codes.CodeError as exc:
            QMessageBox.warning(self, "Mark details", str(exc).capitalize() + ".")
            self.comment.setFocus()
            return
        if self.need_reason and not self.reason.text().strip():
            QMessageBox.warning(self, "Mark details",
                                "The register has closed: write the reason for this amendment.")
            self.reason.setFocus()
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
