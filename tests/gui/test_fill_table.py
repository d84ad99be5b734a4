"""fill_table keeps each column's resize mode and sizes content-fitted columns once, after
the rows are in (measuring after every cell made 2,000 rows take minutes)."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView

from attendance_desktop.gui.tables import fill_table, read_only_table

LONG = "Adeyemi-Fitzgerald, Oluwaseun Alexandra"


def test_fill_table_keeps_the_modes_and_fits_the_contents(qtbot):
    table = read_only_table(["Pupil", "Class", "Note"], "Test table")
    header = table.horizontalHeader()
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
    table.setSortingEnabled(True)
    qtbot.addWidget(table)
    table.resize(900, 300)
    table.show()
    fill_table(table, [["Ann", "Oak", "x"], [LONG, "Ash", "y"]] * 300)
    assert table.rowCount() == 600
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.ResizeToContents
    assert header.sectionResizeMode(1) == QHeaderView.ResizeMode.ResizeToContents
    assert header.sectionResizeMode(2) == QHeaderView.ResizeMode.Stretch
    assert table.isSortingEnabled()
    assert table.columnWidth(0) >= table.fontMetrics().horizontalAdvance(LONG)
    assert table.item(599, 0).text() == LONG
