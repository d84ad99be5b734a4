"""The chronology's "Add entry" dialog: kind, date, who with, outcome, details.

Who records it and when come from the signed-in member of staff and the application clock
(shown, not editable). A correction is the same dialog, filled from the entry it corrects.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Slot
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

from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.trackers import chronology_service
from attendance_desktop.services.trackers.chronology_service import ENTRY_KINDS, EntryInfo

KIND_TIPS = {
    "note": "Anything worth keeping on the record: what was said, seen or agreed",
    "meeting": "A meeting with the family or professionals, and what was agreed",
    "early_help": "A referral to the local Early Help service, and its outcome",
    "dsl": "A concern passed to the Designated Safeguarding Lead",
    "social_care": "A referral to children's social care (e.g. severe absence), and its"
                   " outcome",
    "la_attendance": "A referral to the local authority's attendance officer or team",
    "cme": "The notice to the LA of a child missing education (e.g. 20 days absent"
           " without reason, or not back after leave)",
    "illness_15_day": "The notice to the LA of a pupil likely to miss 15 school days"
                      " through illness",
}


class AddEntryDialog(QDialog):
    """Record a note, meeting or referral (or a correction of an earlier entry)."""

    def __init__(self, ctx: AppContext, pupil_id: int, pupil_name: str,
                 parent: QWidget | None = None, corrects: EntryInfo | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.pupil_id = pupil_id
        self.corrects = corrects
        self.entry_id: int | None = None
        self.setWindowTitle("Correct a chronology entry" if corrects else
                            "Add to the chronology")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = (f"A correction of entry #{corrects.id} for {pupil_name}. The original stays"
                 " on the record; this entry is shown as correcting it." if corrects else
                 f"A new entry in {pupil_name}'s chronology. Entries cannot be changed or"
                 " deleted later: a correction is a new entry.")
        text = QLabel(intro)
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of entry")
        for key, label in ENTRY_KINDS.items():
            self.kind.addItem(label, key)
            self.kind.setItemData(self.kind.count() - 1, KIND_TIPS.get(key, ""),
                                  Qt.ItemDataRole.ToolTipRole)
        self.kind.currentIndexChanged.connect(self._kind_tip)
        form.addRow("&Kind:", self.kind)
        today = ctx.today()
        self.date = QDateEdit(QDate(today.year, today.month, today.day))
        self.date.setAccessibleName("Date it happened")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.date.setMaximumDate(QDate(today.year, today.month, today.day))
        form.addRow("&Date:", self.date)
        self.with_whom = QLineEdit()
        self.with_whom.setAccessibleName("Who with")
        self.with_whom.setPlaceholderText("e.g. Mother; Early Help hub; LA attendance officer")
        form.addRow("&With:", self.with_whom)
        self.outcome = QLineEdit()
        self.outcome.setAccessibleName("Outcome")
        self.outcome.setPlaceholderText("What was agreed or decided (can follow later as a"
                                        " correction)")
        form.addRow("&Outcome:", self.outcome)
        self.details = QPlainTextEdit()
        self.details.setAccessibleName("Details")
        self.details.setTabChangesFocus(True)
        self.details.setFixedHeight(110)
        form.addRow("De&tails:", self.details)
        who = ctx.actor
        self.recorded = QLabel(f"{who.name} ({who.role.label}), at the time you press OK")
        self.recorded.setObjectName("chronologyRecordedBy")
        form.addRow("Recorded by:", self.recorded)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("chronologyError")
        self.error.setStyleSheet("color: #a00000;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if corrects is not None:
            i = self.kind.findData(corrects.kind)
            self.kind.setCurrentIndex(max(i, 0))
            d = corrects.occurred_on
            self.date.setDate(QDate(d.year, d.month, d.day))
            self.with_whom.setText(corrects.with_whom)
            self.outcome.setText(corrects.outcome)
            self.details.setPlainText(corrects.details)
        self._kind_tip()

    @Slot()
    def _kind_tip(self) -> None:
        self.kind.setToolTip(KIND_TIPS.get(str(self.kind.currentData()), ""))

    def picked_date(self) -> dt.date:
        q = self.date.date()
        return dt.date(q.year(), q.month(), q.day())

    @Slot()
    def save(self) -> None:
        try:
            self.entry_id = chronology_service.add_entry(
                self.ctx.engine, self.ctx.actor, self.pupil_id, str(self.kind.currentData()),
                self.picked_date(), with_whom=self.with_whom.text(),
                outcome=self.outcome.text(), details=self.details.toPlainText(),
                corrects_id=self.corrects.id if self.corrects else None)
        except ServiceError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
