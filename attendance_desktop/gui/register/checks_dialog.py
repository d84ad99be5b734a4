"""Data checks: a list of problems, each with a "Go there" to the cell or pupil record."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.register import checks_service
from attendance_desktop.services.register.checks_service import KINDS, CheckItem


class ChecksDialog(QDialog):
    cellRequested = Signal(int, object, str)  # pupil id, date, session
    pupilRequested = Signal(int)

    def __init__(self, parent: QWidget | None, ctx: AppContext) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Data checks")
        self.items: list[CheckItem] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Show")
        self.kind.addItem("All problems", "")
        for key, label in KINDS.items():
            self.kind.addItem(label, key)
        self.kind.currentIndexChanged.connect(self._fill)
        top.addWidget(QLabel("Show"))
        top.addWidget(self.kind)
        refresh = QPushButton("&Refresh")
        refresh.setToolTip("Run the checks again (F5)")
        refresh.setShortcut("F5")
        refresh.clicked.connect(self.refresh)
        top.addWidget(refresh)
        layout.addLayout(top)
        self.table = QTableWidget(0, 5)
        self.table.setAccessibleName("Problems found")
        self.table.setHorizontalHeaderLabels(["Problem", "Pupil", "Class", "Where", "Detail"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(True)
        for col, width in enumerate((250, 170, 150, 130)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(self.go_there)
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        hint = QLabel("Double-click a row or press Go there to fix it.")
        hint.setStyleSheet("color: #555;")
        bottom.addWidget(hint, 1)
        go = QPushButton("&Go there")
        go.setToolTip("Open the register cell, or the pupil's record (Enter)")
        go.setDefault(True)
        go.clicked.connect(self.go_there)
        bottom.addWidget(go)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.resize(1000, 560)
        self.loader = BackgroundLoad(self, self._read)
        self.loader.loaded.connect(self._show)
        self.loader.failed.connect(self._load_failed)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Run the checks off the GUI thread: the register stays usable meanwhile."""
        if not self.loader.busy:
            self.summary.setText("Running the checks…")
        self.loader.request()

    def _read(self) -> checks_service.ChecksResult:
        return checks_service.run_checks(self.ctx.engine, self.ctx.now())

    @Slot()
    def _load_failed(self) -> None:
        exc = self.loader.error
        self.summary.setText(str(exc) if isinstance(exc, ServiceError)
                             else "The checks could not be run: see the log.")

    @Slot()
    def _show(self) -> None:
        result: checks_service.ChecksResult = self.loader.result
        self.items = list(result.items)
        parts = [f"{KINDS[k]}: <b>{n}</b>" for k, n in result.totals.items()]
        since = f" (register checked from {result.since:%d %b %Y})" if result.since else ""
        self.summary.setText(" · ".join(parts) + since)
        self._fill()

    @Slot()
    def _fill(self) -> None:
        wanted = self.kind.currentData()
        shown = [(n, i) for n, i in enumerate(self.items) if not wanted or i.kind == wanted]
        self.table.setRowCount(len(shown))
        for row, (number, item) in enumerate(shown):
            where = (f"{item.day:%a %d %b} {item.session}" if item.day else "Pupil record")
            for col, value in enumerate((item.kind_label, item.pupil_name, item.class_name,
                                         where, item.detail)):
                cell = QTableWidgetItem(value)
                if col == 0:
                    cell.setData(Qt.ItemDataRole.UserRole, number)
                self.table.setItem(row, col, cell)
        if shown:
            self.table.selectRow(0)

    def selected_item(self) -> CheckItem | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        index = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return self.items[int(index)]

    @Slot()
    def go_there(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        if item.day is not None:
            self.cellRequested.emit(item.pupil_id, item.day, item.session)
        else:
            self.pupilRequested.emit(item.pupil_id)
