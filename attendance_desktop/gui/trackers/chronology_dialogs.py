"""The chronology's "Add entry" dialog: kind, date, who with, outcome, details.

Who records it and when come from the signed-in member of staff and the application clock
(shown, not editable). A correction is the same dialog, filled from the entry it corrects.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtWidgets import QDialog, QWidget

from attendance_desktop.gui.generated.trackers.ui_add_entry_dialog import Ui_AddEntryDialog
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
        self.ui = Ui_AddEntryDialog()
        self.ui.setupUi(self)
        self.setWindowTitle("Correct a chronology entry" if corrects else
                            "Add to the chronology")
        intro = (f"A correction of entry #{corrects.id} for {pupil_name}. The original stays"
                 " on the record; this entry is shown as correcting it." if corrects else
                 f"A new entry in {pupil_name}'s chronology. Entries cannot be changed or"
                 " deleted later: a correction is a new entry.")
        self.ui.intro.setText(intro)
        for key, label in ENTRY_KINDS.items():
            self.ui.kind.addItem(label, key)
            self.ui.kind.setItemData(self.ui.kind.count() - 1, KIND_TIPS.get(key, ""),
                                     Qt.ItemDataRole.ToolTipRole)
        self.ui.kind.currentIndexChanged.connect(self._kind_tip)
        day = ctx.today()
        today = QDate(day.year, day.month, day.day)
        self.ui.date.setMaximumDate(today)
        self.ui.date.setDate(today)
        who = ctx.actor
        self.ui.recorded.setText(f"{who.name} ({who.role.label}), at the time you press OK")
        self.ui.buttons.accepted.connect(self.save)
        self.ui.buttons.rejected.connect(self.reject)
        if corrects is not None:
            i = self.ui.kind.findData(corrects.kind)
            self.ui.kind.setCurrentIndex(max(i, 0))
            d = corrects.occurred_on
            self.ui.date.setDate(QDate(d.year, d.month, d.day))
            self.ui.with_whom.setText(corrects.with_whom)
            self.ui.outcome.setText(corrects.outcome)
            self.ui.details.setPlainText(corrects.details)
        self._kind_tip()

    @Slot()
    def _kind_tip(self) -> None:
        self.ui.kind.setToolTip(KIND_TIPS.get(str(self.ui.kind.currentData()), ""))

    def picked_date(self) -> dt.date:
        q = self.ui.date.date()
        return dt.date(q.year(), q.month(), q.day())

    @Slot()
    def save(self) -> None:
        try:
            self.entry_id = chronology_service.add_entry(
                self.ctx.engine, self.ctx.actor, self.pupil_id, str(self.ui.kind.currentData()),
                self.picked_date(), with_whom=self.ui.with_whom.text(),
                outcome=self.ui.outcome.text(), details=self.ui.details.toPlainText(),
                corrects_id=self.corrects.id if self.corrects else None)
        except ServiceError as exc:
            self.ui.error.setText(str(exc))
            return
        self.accept()
