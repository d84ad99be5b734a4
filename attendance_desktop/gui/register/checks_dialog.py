"""Data checks: a list of problems, each with a "Go there" to the cell or pupil record."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QDialog, QTableWidgetItem, QWidget

from attendance_desktop.gui.background_load import BackgroundLoad
from attendance_desktop.gui.generated.register.ui_checks_dialog import Ui_ChecksDialog
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
        self.items: list[CheckItem] = []
        self.ui = Ui_ChecksDialog()
        self.ui.setupUi(self)
        self.ui.kind.addItem("All problems", "")
        for key, label in KINDS.items():
            self.ui.kind.addItem(label, key)
        self.ui.kind.currentIndexChanged.connect(self._fill)
        self.ui.refresh.clicked.connect(self.refresh)
        for col, width in enumerate((250, 170, 150, 130)):
            self.ui.table.setColumnWidth(col, width)
        self.ui.table.doubleClicked.connect(self.go_there)
        self.ui.go.clicked.connect(self.go_there)
        self.ui.close_button.clicked.connect(self.close)
        self.loader = BackgroundLoad(self, self._read)
        self.loader.loaded.connect(self._show)
        self.loader.failed.connect(self._load_failed)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Run the checks off the GUI thread: the register stays usable meanwhile."""
        if not self.loader.busy:
            self.ui.summary.setText("Running the checks…")
        self.loader.request()

    def _read(self) -> checks_service.ChecksResult:
        return checks_service.run_checks(self.ctx.engine, self.ctx.now())

    @Slot()
    def _load_failed(self) -> None:
        exc = self.loader.error
        self.ui.summary.setText(str(exc) if isinstance(exc, ServiceError)
                             else "The checks could not be run: see the log.")

    @Slot()
    def _show(self) -> None:
        result: checks_service.ChecksResult = self.loader.result
        self.items = list(result.items)
        parts = [f"{KINDS[k]}: <b>{n}</b>" for k, n in result.totals.items()]
        since = f" (register checked from {result.since:%d %b %Y})" if result.since else ""
        self.ui.summary.setText(" · ".join(parts) + since)
        self._fill()

    @Slot()
    def _fill(self) -> None:
        wanted = self.ui.kind.currentData()
        shown = [(n, i) for n, i in enumerate(self.items) if not wanted or i.kind == wanted]
        self.ui.table.setRowCount(len(shown))
        for row, (number, item) in enumerate(shown):
            where = (f"{item.day:%a %d %b} {item.session}" if item.day else "Pupil record")
            for col, value in enumerate((item.kind_label, item.pupil_name, item.class_name,
                                         where, item.detail)):
                cell = QTableWidgetItem(value)
                if col == 0:
                    cell.setData(Qt.ItemDataRole.UserRole, number)
                self.ui.table.setItem(row, col, cell)
        if shown:
            self.ui.table.selectRow(0)

    def selected_item(self) -> CheckItem | None:
        rows = self.ui.table.selectionModel().selectedRows()
        if not rows:
            return None
        index = self.ui.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
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
