"""Small dialogs for recording a tracker step: a choice, notes, and the penalty form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import QDateEdit, QDialog, QLineEdit, QWidget

from attendance_desktop.gui.generated.trackers.ui_notice_dialog import Ui_NoticeDialog
from attendance_desktop.gui.generated.trackers.ui_notice_update_dialog import (
    Ui_NoticeUpdateDialog,
)
from attendance_desktop.gui.generated.trackers.ui_penalty_decision_dialog import (
    Ui_PenaltyDecisionDialog,
)
from attendance_desktop.gui.generated.trackers.ui_step_dialog import Ui_StepDialog


class StepDialog(QDialog):
    """Pick one of `choices` (key, label) if any, and write notes."""

    def __init__(self, parent: QWidget | None, title: str, intro: str,
                 choices: list[tuple[str, str]] | None = None, choice_label: str = "Choice",
                 notes_label: str = "Notes (who, what was said, outcome)",
                 selected: str = "", notes_required: bool = False) -> None:
        super().__init__(parent)
        self.ui = Ui_StepDialog()
        self.ui.setupUi(self)
        self.setWindowTitle(title)
        self.notes_required = notes_required
        self.ui.intro.setText(intro)
        self.ui.choice_label.setText(f"{choice_label}:")
        self.ui.choice.setAccessibleName(choice_label)
        for key, label in choices or []:
            self.ui.choice.addItem(label, key)
        if selected:
            i = self.ui.choice.findData(selected)
            if i >= 0:
                self.ui.choice.setCurrentIndex(i)
        self.ui.form.setRowVisible(self.ui.choice, bool(choices))
        self.ui.notes_label.setText(f"{notes_label}:")
        self.ui.notes.setAccessibleName(notes_label)
        self.ui.buttons.accepted.connect(self._check)
        self.ui.buttons.rejected.connect(self.reject)

    def _check(self) -> None:
        if self.notes_required and not self.ui.notes.toPlainText().strip():
            self.ui.error.setText("Please write what was done.")
            self.ui.notes.setFocus()
            return
        self.accept()

    def value(self) -> tuple[str, str]:
        return str(self.ui.choice.currentData() or ""), self.ui.notes.toPlainText().strip()


class PenaltyDecisionDialog(QDialog):
    """The head's considerations (the policy's questions) and the decision."""

    def __init__(self, parent: QWidget | None, pupil: str, threshold: str,
                 questions: tuple[str, ...], decisions: dict[str, str]) -> None:
        super().__init__(parent)
        self.ui = Ui_PenaltyDecisionDialog()
        self.ui.setupUi(self)
        self.setWindowTitle(f"Penalty notice: considerations for {pupil}")
        self.ui.intro.setText(f"<b>{threshold}</b><br>Meeting the threshold means the school"
                              " must <i>consider</i> a notice. Answer each question, then"
                              " record the decision and why.")
        # The policy's questions, one answer each, above the decision.
        self.answers: list[QLineEdit] = []
        for row, q in enumerate(questions):
            edit = QLineEdit()
            edit.setAccessibleName(q)
            edit.setPlaceholderText("Answer (required)")
            self.ui.form.insertRow(row, q, edit)
            self.answers.append(edit)
        if self.answers:
            QWidget.setTabOrder(self.answers[-1], self.ui.decision)
        for key, label in decisions.items():
            self.ui.decision.addItem(label, key)
        self.ui.buttons.accepted.connect(self._check)
        self.ui.buttons.rejected.connect(self.reject)

    def _check(self) -> None:
        for edit in self.answers:
            if not edit.text().strip():
                self.ui.error.setText(f"Please answer: {edit.accessibleName()}")
                edit.setFocus()
                return
        if not self.ui.reasons.toPlainText().strip():
            self.ui.error.setText("Please write down the reasons for the decision.")
            self.ui.reasons.setFocus()
            return
        self.accept()

    def value(self) -> tuple[list[str], str, str]:
        return ([e.text().strip() for e in self.answers], str(self.ui.decision.currentData()),
                self.ui.reasons.toPlainText().strip())


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
        self.ui = Ui_NoticeDialog()
        self.ui.setupUi(self)
        self._preview = preview
        for cid, name in parents:
            self.ui.parent_box.addItem(name, cid)
        self.ui.date.setMaximumDate(_qdate(today))
        self.ui.date.setDate(_qdate(today))
        self.ui.buttons.accepted.connect(self.accept)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.parent_box.currentIndexChanged.connect(self._update)
        self.ui.date.dateChanged.connect(self._update)
        self._update()

    @Slot()
    def _update(self) -> None:
        if self._preview is not None and self.ui.parent_box.count():
            self.ui.terms.setText(self._preview(int(self.ui.parent_box.currentData()),
                                                _pydate(self.ui.date)))

    def value(self) -> tuple[int, dt.date, str]:
        return (int(self.ui.parent_box.currentData()), _pydate(self.ui.date),
                self.ui.notes.text().strip())


NOTICE_OUTCOMES = (("paid", "Paid"), ("withdrawn", "Withdrawn by the local authority"),
                   ("prosecuted", "Not paid: prosecution"))


class NoticeUpdateDialog(QDialog):
    """A notice paid (date and amount), withdrawn or prosecuted. `expected(paid on)` gives
    the amount that settles it on that date (None when too late to pay), so the amount
    is filled in and a wrong one is caught before saving."""

    def __init__(self, parent: QWidget | None, notice: str, terms: str, issued_on: dt.date,
                 today: dt.date, expected: Callable[[dt.date], int | None]) -> None:
        super().__init__(parent)
        self.ui = Ui_NoticeUpdateDialog()
        self.ui.setupUi(self)
        self._expected = expected
        self.ui.intro.setText(f"<b>{notice}</b><br>{terms}")
        for key, label in NOTICE_OUTCOMES:
            self.ui.outcome.addItem(label, key)
        self.ui.date.setDateRange(_qdate(issued_on), _qdate(today))
        self.ui.date.setDate(_qdate(today))
        self.ui.buttons.accepted.connect(self._check)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.outcome.currentIndexChanged.connect(self._update)
        self.ui.date.dateChanged.connect(self._update)
        self._update()

    @Slot()
    def _update(self) -> None:
        paid = self.ui.outcome.currentData() == "paid"
        self.ui.amount.setEnabled(paid)
        self.ui.error.clear()
        if not paid:
            self.ui.check.setText("")
            return
        due = self._expected(_pydate(self.ui.date))
        if due is None:
            self.ui.check.setText("Too late to pay on this date: after the days to pay the "
                                  "local authority decides on prosecution or withdraws it.")
        else:
            self.ui.amount.setValue(due)
            self.ui.check.setText(f"£{due} settles the notice when paid on "
                                  f"{_pydate(self.ui.date):%d %b %Y}.")

    def _check(self) -> None:
        if self.ui.outcome.currentData() == "paid":
            due = self._expected(_pydate(self.ui.date))
            if due is None:
                self.ui.error.setText("A payment on this date is too late.")
                self.ui.date.setFocus()
                return
            if self.ui.amount.value() != due:
                self.ui.error.setText(f"£{due} settles the notice on this date, not "
                                      f"£{self.ui.amount.value()}.")
                self.ui.amount.setFocus()
                return
        self.accept()

    def value(self) -> tuple[str, dt.date, int]:
        return (str(self.ui.outcome.currentData()), _pydate(self.ui.date),
                self.ui.amount.value())
