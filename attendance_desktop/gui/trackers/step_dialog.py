"""Small dialogs for recording a tracker step: a choice, notes, and the penalty form."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)


class StepDialog(QDialog):
    """Pick one of `choices` (key, label) if any, and write notes."""

    def __init__(self, parent: QWidget | None, title: str, intro: str,
                 choices: list[tuple[str, str]] | None = None, choice_label: str = "Choice",
                 notes_label: str = "Notes (who, what was said, outcome)",
                 selected: str = "", notes_required: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.notes_required = notes_required
        layout = QVBoxLayout(self)
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.choice = QComboBox()
        self.choice.setAccessibleName(choice_label)
        for key, label in choices or []:
            self.choice.addItem(label, key)
        if selected:
            i = self.choice.findData(selected)
            if i >= 0:
                self.choice.setCurrentIndex(i)
        if choices:
            form.addRow(f"{choice_label}:", self.choice)
        else:
            self.choice.hide()
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName(notes_label)
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(90)
        form.addRow(f"{notes_label}:", self.notes)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #a00000;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if self.notes_required and not self.notes.toPlainText().strip():
            self.error.setText("Please write what was done.")
            self.notes.setFocus()
            return
        self.accept()

    def value(self) -> tuple[str, str]:
        return str(self.choice.currentData() or ""), self.notes.toPlainText().strip()


class PenaltyDecisionDialog(QDialog):
    """The head's considerations (the policy's questions) and the decision."""

    def __init__(self, parent: QWidget | None, pupil: str, threshold: str,
                 questions: tuple[str, ...], decisions: dict[str, str]) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Penalty notice: considerations for {pupil}")
        self.setMinimumWidth(680)
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{threshold}</b><br>Meeting the threshold means the school must "
                       "<i>consider</i> a notice. Answer each question, then record the "
                       "decision and why.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.answers: list[QLineEdit] = []
        for q in questions:
            edit = QLineEdit()
            edit.setAccessibleName(q)
            edit.setPlaceholderText("Answer (required)")
            form.addRow(q, edit)
            self.answers.append(edit)
        self.decision = QComboBox()
        self.decision.setAccessibleName("Decision")
        for key, label in decisions.items():
            self.decision.addItem(label, key)
        form.addRow("Decision:", self.decision)
        self.reasons = QPlainTextEdit()
        self.reasons.setAccessibleName("Reasons for the decision")
        self.reasons.setTabChangesFocus(True)
        self.reasons.setFixedHeight(70)
        form.addRow("Reasons for the decision:", self.reasons)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #a00000;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _check(self) -> None:
        for edit in self.answers:
            if not edit.text().strip():
                self.error.setText(f"Please answer: {edit.accessibleName()}")
                edit.setFocus()
                return
        if not self.reasons.toPlainText().strip():
            self.error.setText("Please write down the reasons for the decision.")
            self.reasons.setFocus()
            return
        self.accept()

    def value(self) -> tuple[list[str], str, str]:
        return ([e.text().strip() for e in self.answers], str(self.decision.currentData()),
                self.reasons.toPlainText().strip())


class NoticeDialog(QDialog):
    """Log a penalty notice: which parent and the date of issue."""

    def __init__(self, parent: QWidget | None, parents: list[tuple[int, str]],
                 today: dt.date) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log a penalty notice")
        layout = QFormLayout(self)
        self.parent_box = QComboBox()
        self.parent_box.setAccessibleName("Parent the notice is issued to")
        for cid, name in parents:
            self.parent_box.addItem(name, cid)
        layout.addRow("Issued to:", self.parent_box)
        self.date = QDateEdit(QDate(today.year, today.month, today.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setAccessibleName("Date of issue")
        layout.addRow("Issued on:", self.date)
        self.notes = QLineEdit()
        self.notes.setAccessibleName("Notes")
        layout.addRow("Notes:", self.notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def value(self) -> tuple[int, dt.date, str]:
        d = self.date.date()
        return int(self.parent_box.currentData()), dt.date(d.year(), d.month(), d.day()), \
            self.notes.text().strip()
