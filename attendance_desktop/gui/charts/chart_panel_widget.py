"""One chart with its numbers beside it: the table is the chart's text alternative (screen
readers read it; it is what the chart shows, to the same rounding)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.charts.colours import ChartColours, chart_colours
from attendance_desktop.services.reports.chart_data import ChartTable

SIDE_BY_SIDE = 600  # px wide: at least this for the numbers beside the chart

Draw = Callable[[ChartColours], QWidget]


class ChartPanelWidget(QWidget):
    """A title, the chart (drawn on first show, redrawn when the palette changes) and the
    chart's table; "Show as table" hides the chart for a larger table."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.draw: Draw | None = None
        self.data_table: ChartTable | None = None
        self.chart: QWidget | None = None
        self._dirty = False
        self._sized = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.heading = QLabel(f"<b>{title}</b>")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        top.addWidget(self.heading, 1)
        self.as_table = QCheckBox("Show as table")
        self.as_table.setAccessibleName(f"Show {title} as a table only")
        self.as_table.setToolTip("Hide the chart and show only its numbers")
        self.as_table.toggled.connect(self._toggle)
        top.addWidget(self.as_table)
        layout.addLayout(top)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.chart_host = QWidget()
        self.chart_host.setMinimumSize(240, 220)  # (narrower: the table goes under it)
        self.host_layout = QVBoxLayout(self.chart_host)
        self.host_layout.setContentsMargins(0, 0, 0, 0)
        self.placeholder = QLabel("Loading…")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.host_layout.addWidget(self.placeholder)
        self.splitter.addWidget(self.chart_host)
        self.table = QTableWidget()
        self.table.setObjectName("chartTable")
        self.table.setAccessibleName(f"{title}: the numbers")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.splitter.addWidget(self.table)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)

    def set_message(self, text: str) -> None:
        self._clear_chart()
        self.placeholder.setText(text)
        self.placeholder.show()
        self.table.setRowCount(0)
        self.data_table = None

    def set_chart(self, table: ChartTable, draw: Draw, summary: str = "") -> None:
        """Show the numbers now; draw the chart when the panel is visible."""
        self.heading.setText(f"<b>{table.title}</b>")
        self.draw = draw
        self.fill_table(table)
        self.chart_host.setAccessibleDescription(summary or table.title)
        self._dirty = True
        if self.isVisible():
            self.redraw()

    def fill_table(self, table: ChartTable) -> None:
        self.data_table = table
        self.table.clear()
        self.table.setColumnCount(len(table.header))
        self.table.setHorizontalHeaderLabels(list(table.header))
        self.table.setRowCount(len(table.rows))
        for r, row in enumerate(table.rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c > 0 and (text[:1].isdigit() or text[:1] in "–−+"):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)

    def table_text(self) -> list[list[str]]:
        """The table as text (tests, and a check that it shows what the chart shows)."""
        return [[self.table.item(r, c).text() if self.table.item(r, c) else ""
                 for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]

    def redraw(self) -> None:
        if self.draw is None:
            return
        self._clear_chart()
        self.placeholder.hide()
        self.chart = self.draw(chart_colours(self.palette()))
        self.host_layout.addWidget(self.chart)
        self.chart.setVisible(not self.as_table.isChecked())
        self._dirty = False

    def _clear_chart(self) -> None:
        if self.chart is not None:
            self.host_layout.removeWidget(self.chart)
            self.chart.deleteLater()
            self.chart = None

    @Slot(bool)
    def _toggle(self, table_only: bool) -> None:
        self.chart_host.setVisible(not table_only)

    def showEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().showEvent(event)  # type: ignore[arg-type]
        if not self._sized:  # the chart gets most of the width
            self._sized = True
            width = max(self.width(), 600)
            self.splitter.setSizes([width * 64 // 100, width * 36 // 100])
        if self._dirty:
            self.redraw()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Narrow (a pupil's profile at 125-150% scaling): the numbers go under the chart
        # instead of beside it, so the pane need not scroll sideways.
        across = event.size().width() >= SIDE_BY_SIDE
        wanted = Qt.Orientation.Horizontal if across else Qt.Orientation.Vertical
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.draw is not None:
            self._dirty = True
            if self.isVisible():
                self.redraw()
