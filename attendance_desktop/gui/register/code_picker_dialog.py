"""F4: the national codes valid on a date, with meaning and category, filterable."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QDialog, QHeaderView, QTableWidgetItem, QWidget

from attendance_desktop.domain import codes
from attendance_desktop.gui import theme
from attendance_desktop.gui.generated.register.ui_code_picker_dialog import Ui_CodePickerDialog
from attendance_desktop.gui.register.colours import category_colour


class CodePickerDialog(QDialog):
    def __init__(self, parent: QWidget | None, day: dt.date) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Codes for {day:%a %d %b %Y}")
        self.ui = Ui_CodePickerDialog()
        self.ui.setupUi(self)
        self.ui.filter.textChanged.connect(self._filter)
        valid = codes.codes_valid_on(day)
        self.ui.table.setRowCount(len(valid))
        for row, c in enumerate(valid):
            for col, value in enumerate((c.code, c.meaning, c.category.label)):
                item = QTableWidgetItem(value)
                item.setBackground(category_colour(c.category))
                item.setForeground(theme.colour("cell_text"))
                item.setData(Qt.ItemDataRole.UserRole, c.code)
                self.ui.table.setItem(row, col, item)
        h = self.ui.table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.ui.table.doubleClicked.connect(self.accept)
        self.ui.table.selectRow(0)
        self.ui.buttons.accepted.connect(self.accept)
        self.ui.buttons.rejected.connect(self.reject)
        self.ui.filter.setFocus()

    @Slot(str)
    def _filter(self, text: str) -> None:
        text = text.strip().lower()
        first = -1
        for row in range(self.ui.table.rowCount()):
            code = self.ui.table.item(row, 0).text().lower()
            meaning = self.ui.table.item(row, 1).text().lower()
            hide = bool(text) and not (code.startswith(text) or text in meaning)
            self.ui.table.setRowHidden(row, hide)
            if not hide and (first < 0 or code == text):
                first = row  # an exact code match wins over a match in a meaning
        if first >= 0:
            self.ui.table.selectRow(first)

    def selected_code(self) -> str | None:
        rows = self.ui.table.selectionModel().selectedRows()
        if not rows or self.ui.table.isRowHidden(rows[0].row()):
            return None
        return str(rows[0].data(Qt.ItemDataRole.UserRole))

    @staticmethod
    def pick(parent: QWidget | None, day: dt.date) -> str | None:
        dialog = CodePickerDialog(parent, day)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.selected_code()
        return None
