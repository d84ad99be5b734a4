"""Small dialogs for recording a tracker step: a choice, notes, and the penalty form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui import theme


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
        theme.set_role(self.error, "error")
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
        theme.set_role(self.error, "error")
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


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(edit: QDateEdit) -> dt.date:
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


class NoticeDialog(QDialog):
    """Log a penalty notice: which parent and the date of issue. Below, what the notice
    will cost and until when (or why it cannot be issued), worked out from that date by
    `preview(contact id, issue date)`."""

    def __init__(self, parent: QWidget | None, parents: list[tuple[int, str]],
                 today: dt.date,
                 preview: Callable[[int, dt.date], str] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log a penalty notice")
        self.setMinimumWidth(520)
        self._preview = preview
        layout = QFormLayout(self)
        self.parent_box = QComboBox()
        self.parent_box.setAccessibleName("Parent the notice is issued to")
        for cid, name in parents:
            self.parent_box.addItem(name, cid)
        layout.addRow("Issued &to:", self.parent_box)
        self.date = QDateEdit(_qdate(today))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setMaximumDate(_qdate(today))
        self.date.setAccessibleName("Date of issue")
        self.date.setToolTip("The date the local authority issued the notice; the payment "
                             "days are counted from it")
        layout.addRow("Issued &on:", self.date)
        self.notes = QLineEdit()
        self.notes.setAccessibleName("Notes")
        layout.addRow("&Notes:", self.notes)
        self.terms = QLabel()
        self.terms.setObjectName("noticeTerms")
        self.terms.setWordWrap(True)
        self.terms.setAccessibleName("What the notice costs")
        layout.addRow("Payment:", self.terms)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)
        self.parent_box.currentIndexChanged.connect(self._update)
        self.date.dateChanged.connect(self._update)
        self._update()

    @Slot()
    def _update(self) -> None:
        if self._preview is not None and self.parent_box.count():
            self.terms.setText(self._preview(int(self.parent_box.currentData()),
                                             _pydate(self.date)))

    def value(self) -> tuple[int, dt.date, str]:
        return int(self.parent_box.currentData()), _pydate(self.date), self.notes.text().strip()


NOTICE_OUTCOMES = (("paid", "Paid"), ("withdrawn", "Withdrawn by the local authority"),
                   ("prosecuted", "Not paid: prosecution"))


class NoticeUpdateDialog(QDialog):
    """A notice paid (date and amount), withdrawn or prosecuted. `expected(paid on)` gives
    the amount that settles it on that date (None when too late to pay), so the amount
    is filled in and a wrong one is caught before saving."""

    def __init__(self, parent: QWidget | None, notice: str, terms: str, issued_on: dt.date,
                 today: dt.date, expected: Callable[[dt.date], int | None]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Penalty notice: payment or outcome")
        self.setMinimumWidth(560)
        self._expected = expected
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{notice}</b><br>{terms}")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.outcome = QComboBox()
        self.outcome.setAccessibleName("Outcome")
        for key, label in NOTICE_OUTCOMES:
            self.outcome.addItem(label, key)
        form.addRow("&Outcome:", self.outcome)
        self.date = QDateEdit(_qdate(today))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        self.date.setMinimumDate(_qdate(issued_on))
        self.date.setMaximumDate(_qdate(today))
        self.date.setAccessibleName("Date paid, withdrawn or prosecuted")
        form.addRow("&Date:", self.date)
        self.amount = QSpinBox()
        self.amount.setRange(0, 10000)
        self.amount.setPrefix("£")
        self.amount.setAccessibleName("Amount paid")
        self.amount.setToolTip("The amount the parent paid; it must be what the national "
                               "framework asks on that date")
        form.addRow("&Amount paid:", self.amount)
        layout.addLayout(form)
        self.check = QLabel()
        self.check.setObjectName("paymentCheck")
        self.check.setWordWrap(True)
        layout.addWidget(self.check)
        self.error = QLabel()
        theme.set_role(self.error, "error")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.outcome.currentIndexChanged.connect(self._update)
        self.date.dateChanged.connect(self._update)
        self._update()

    @Slot()
    def _update(self) -> None:
        paid = self.outcome.currentData() == "paid"
        self.amount.setEnabled(paid)
        self.error.clear()
        if not paid:
            self.check.setText("")
            return
        due = self._expected(_pydate(self.date))
        if due is None:
            self.check.setText("Too late to pay on this date: after the days to pay the "
                               "local authority decides on prosecution or withdraws it.")
        else:
            self.amount.setValue(due)
            self.check.setText(f"£{due} settles the notice when paid on "
                               f"{_pydate(self.date):%d %b %Y}.")

    def _check(self) -> None:
        if self.outcome.currentData() == "paid":
            due = self._expected(_pydate(self.date))
            if due is None:
                self.error.setText("A payment on this date is too late.")
                self.date.setFocus()
                return
            if self.amount.value() != due:
                self.error.setText(f"£{due} settles the notice on this date, not "
                                   f"£{self.amount.value()}.")
                self.amount.setFocus()
                return
        self.accept()

    def value(self) -> tuple[str, dt.date, int]:
        return str(self.outcome.currentData()), _pydate(self.date), self.amount.value()
