"""A table editor for a tuple of small frozen dataclasses (bands, escalation stages,
lateness steps) on the policy page: one row per record, one column per field."""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.domain.policy import PolicyError
from attendance_desktop.gui.settings.labels import field_label


class RecordsTable(QWidget):
    """Edits a tuple of small frozen dataclasses (bands, escalation stages, lateness steps)
    as a table: one row per record, one column per field; tick boxes for yes/no fields."""

    changed = Signal()

    def __init__(self, record_type: type, title: str) -> None:
        super().__init__()
        self.record_type = record_type
        self.title = title
        self.fields = list(dataclasses.fields(record_type))
        self.table = QTableWidget(0, len(self.fields))
        self.table.setHorizontalHeaderLabels(
            [field_label(f.name) for f in self.fields])
        header = self.table.horizontalHeader()
        for col, f in enumerate(self.fields):
            if f.name in ("label", "action"):
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        # a stretched column never narrower than its heading (a narrow table at 125-150%
        # scrolls within itself instead of cutting "Shown as" to "Sh")
        metrics = header.fontMetrics()
        header.setMinimumSectionSize(max(
            [metrics.horizontalAdvance(field_label(f.name)) + 24 for f in self.fields
             if f.name in ("label", "action")] + [header.minimumSectionSize()]))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(170)
        self.table.itemChanged.connect(self._changed)
        add = QPushButton("Add row")
        add.setAccessibleName(f"Add to {title}")
        add.clicked.connect(self._add)
        remove = QPushButton("Remove row")
        remove.setAccessibleName(f"Remove from {title}")
        remove.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)

    def load(self, records: tuple[Any, ...]) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(0)
        for rec in records:
            self._append(rec)
        self.table.blockSignals(False)

    def _append(self, rec: Any) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for col, f in enumerate(self.fields):
            value = getattr(rec, f.name) if rec is not None else None
            if f.type == "bool":
                item = QTableWidgetItem("")
                item.setCheckState(Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
            elif f.type == "float":
                item = QTableWidgetItem(f"{(value or 0.0):g}")
            else:
                item = QTableWidgetItem("" if value is None else str(value))
            self.table.setItem(r, col, item)

    def records(self) -> tuple[Any, ...]:
        out = []
        for r in range(self.table.rowCount()):
            values: dict[str, Any] = {}
            for col, f in enumerate(self.fields):
                item = self.table.item(r, col)
                text = item.text().strip() if item else ""
                if f.type == "bool":
                    values[f.name] = item is not None and \
                        item.checkState() == Qt.CheckState.Checked
                elif f.type in ("int", "float"):
                    try:
                        values[f.name] = (int if f.type == "int" else float)(text.rstrip("%"))
                    except ValueError:
                        raise PolicyError(f"{self.title}, row {r + 1}: "
                                          f"{f.name.replace('_', ' ')} must be a number"
                                          ) from None
                else:
                    values[f.name] = text
            out.append(self.record_type(**values))
        return tuple(out)

    @Slot()
    def _add(self) -> None:
        self.table.blockSignals(True)
        self._append(None)
        self.table.blockSignals(False)
        self.changed.emit()

    @Slot()
    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    @Slot()
    def _changed(self) -> None:
        self.changed.emit()
