"""A cell's history: the current mark and every recorded change, oldest first."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.services.register.mark_reads import HistoryEntry
from attendance_desktop.services.register.register_service import CellMark


def _show(code: str, minutes: int | None, comment: str) -> str:
    text = code or "(no mark)"
    if minutes is not None:
        text += f" {minutes} min"
    if comment:
        text += f" — {comment}"
    return text


class HistoryDialog(QDialog):
    def __init__(self, parent: QWidget | None, heading: str, current: CellMark,
                 entries: list[HistoryEntry]) -> None:
        super().__init__(parent)
        self.setWindowTitle("History of a mark")
        layout = QVBoxLayout(self)
        now = _show(current.code, current.minutes_late, current.comment)
        who = (f" — entered by {current.entered_by} ({current.entered_role}) on "
               f"{current.entered_at:%d %b %Y %H:%M}" if current.entered_at else "")
        label = QLabel(f"<b>{heading}</b><br>Now: <b>{now}</b>{who}")
        label.setWordWrap(True)
        layout.addWidget(label)
        self.table = QTableWidget(len(entries), 6)
        self.table.setAccessibleName("Changes to this mark")
        self.table.setHorizontalHeaderLabels(["When", "Who", "From", "To", "Reason",
                                              "After close"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, e in enumerate(entries):
            values = (f"{e.at:%d %b %Y %H:%M}", f"{e.staff_name} ({e.staff_role})",
                      _show(e.old_code, e.old_minutes_late, e.old_comment),
                      _show(e.new_code, e.new_minutes_late, e.new_comment),
                      e.reason or "—", "Yes (amendment)" if e.after_close else "No")
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        if not entries:
            layout.addWidget(QLabel("No changes: this is the mark as first entered."))
        layout.addWidget(self.table)
        note = QLabel("Changes are kept permanently and cannot be edited.")
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(860, 360)
