"""Read-only tables as the office pages use them: whole-row selection, no editing."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem


def read_only_table(headers: Sequence[str], accessible_name: str, *,
                    object_name: str = "") -> QTableWidget:
    """A table of text rows: select whole rows, one at a time, no editing in place;
    columns fit their contents. Callers add their own stretch and sorting."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(accessible_name)
    if object_name:
        table.setObjectName(object_name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]], *,
               tooltips: bool = False) -> None:
    """Replace the rows (sorting is paused while filling so rows do not jump about)."""
    sorting = table.isSortingEnabled()
    table.setSortingEnabled(False)
    # Columns sized to their contents are measured again after every setItem (quadratic:
    # minutes for 2,000 rows): fixed while filling, measured once when put back.
    header = table.horizontalHeader()
    modes = [header.sectionResizeMode(c) for c in range(header.count())]
    for c in range(header.count()):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.Fixed)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if tooltips:
                item.setToolTip(text)
            table.setItem(r, c, item)
    for c, mode in enumerate(modes):
        header.setSectionResizeMode(c, mode)
    table.setSortingEnabled(sorting)
