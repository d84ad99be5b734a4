"""A cell's history: the current mark and every recorded change, oldest first."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHeaderView, QTableWidgetItem, QWidget

from attendance_desktop.gui.generated.register.ui_history_dialog import Ui_HistoryDialog
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
        self.ui = Ui_HistoryDialog()
        self.ui.setupUi(self)
        now = _show(current.code, current.minutes_late, current.comment)
        who = (f" — entered by {current.entered_by} ({current.entered_role}) on "
               f"{current.entered_at:%d %b %Y %H:%M}" if current.entered_at else "")
        self.ui.heading.setText(f"<b>{heading}</b><br>Now: <b>{now}</b>{who}")
        self.ui.table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            values = (f"{e.at:%d %b %Y %H:%M}", f"{e.staff_name} ({e.staff_role})",
                      _show(e.old_code, e.old_minutes_late, e.old_comment),
                      _show(e.new_code, e.new_minutes_late, e.new_comment),
                      e.reason or "—", "Yes (amendment)" if e.after_close else "No")
            for col, value in enumerate(values):
                self.ui.table.setItem(row, col, QTableWidgetItem(value))
        self.ui.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.ui.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.ui.no_changes.setVisible(not entries)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.buttons.accepted.connect(self.accept)
