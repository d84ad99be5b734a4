"""Import pupils from a CSV file: column mapping, a preview with every problem, then import.

Nothing is saved until Import is pressed, and Import stays disabled while any problem is
shown (the service imports all or nothing). Layout: ui/setup/pupil_import.ui; the
field-to-column rows are built here from pupil_fields.PUPIL_FIELDS.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QTableWidgetItem,
    QWidget,
)

from attendance_desktop.gui import theme
from attendance_desktop.gui.generated.setup.ui_pupil_import import Ui_PupilImportWidget
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ImportRejected, ServiceError
from attendance_desktop.services.interchange import (
    pupil_import,
    pupil_import_check,
)
from attendance_desktop.services.interchange.pupil_fields import PUPIL_FIELDS
from attendance_desktop.services.interchange.pupil_import import PupilImportResult
from attendance_desktop.services.interchange.pupil_import_check import PupilImportPreview

NOT_IN_FILE = "(not in file)"
SHOWN = [("upn", "UPN"), ("legal_forename", "Forename"), ("legal_surname", "Surname"),
         ("dob", "Date of birth"), ("year_group", "Year"), ("class_name", "Class"),
         ("sex", "Sex"), ("admission_date", "Admitted"), ("contact1_name", "Contact")]


class PupilImportWidget(QWidget):
    imported = Signal(int, int)  # new, updated

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path: Path | None = None
        self.preview: PupilImportPreview | None = None
        self.task: BackgroundTask | None = None
        self._updating = False
        self.ui = Ui_PupilImportWidget()
        self.ui.setupUi(self)
        ui = self.ui
        self.choose, self.file_label = ui.chooseCsv, ui.csvFile
        self.mapping_box, self.summary = ui.mappingBox, ui.importSummary
        self.problem_list, self.table = ui.importProblems, ui.importRows
        self.import_button, self.message = ui.importPupils, ui.importMessage
        self.choose.clicked.connect(self._choose)
        self.problem_list.itemActivated.connect(self._go_to_problem)
        self.import_button.clicked.connect(self._import)
        ui.split.setSizes([300, 120])
        # One row per field the import knows (pupil_fields.PUPIL_FIELDS), in three columns.
        grid = ui.mappingGrid
        self.combos: dict[str, QComboBox] = {}
        per_col = (len(PUPIL_FIELDS) + 2) // 3
        for n, f in enumerate(PUPIL_FIELDS):
            combo = QComboBox()
            combo.setObjectName(f"map_{f.key}")
            combo.setAccessibleName(f"Column for {f.label}")
            combo.setToolTip(f"Headers recognised: {', '.join(f.synonyms)}")
            combo.setMinimumContentsLength(10)
            combo.currentIndexChanged.connect(self._mapping_changed)
            label = QLabel(f"{f.label}{' *' if f.required else ''}")
            label.setBuddy(combo)
            row, col = n % per_col, (n // per_col) * 2
            grid.addWidget(label, row, col)
            grid.addWidget(combo, row, col + 1)
            self.combos[f.key] = combo
        for c in (1, 3, 5):
            grid.setColumnStretch(c, 1)

    # -- loading -----------------------------------------------------------------------
    def load_file(self, path: Path) -> None:
        self.path = Path(path)
        self.file_label.setText(str(self.path))
        self.message.clear_message()
        self._run_preview(None)

    def mapping(self) -> dict[str, str]:
        return {k: c.currentText() for k, c in self.combos.items()
                if c.currentIndex() > 0}

    def _run_preview(self, mapping: dict[str, str] | None) -> None:
        assert self.path is not None
        try:
            preview = pupil_import_check.preview_pupils(self.ctx.engine, self.path, mapping,
                                                    today=self.ctx.today())
        except ServiceError as exc:
            self.preview = None
            self.mapping_box.setEnabled(False)
            self.table.setRowCount(0)
            self.problem_list.clear()
            self.summary.setText("")
            self.import_button.setEnabled(False)
            self.message.show_error(f"{self.path.name}: {exc}")
            return
        self.preview = preview
        self._show_mapping(preview)
        self._show_rows(preview)

    def _show_mapping(self, p: PupilImportPreview) -> None:
        self._updating = True
        for key, combo in self.combos.items():
            combo.clear()
            combo.addItem(NOT_IN_FILE)
            combo.addItems(list(p.headers))
            header = p.mapping.get(key)
            combo.setCurrentIndex(combo.findText(header) if header else 0)
        self._updating = False
        self.mapping_box.setEnabled(True)

    def _show_rows(self, p: PupilImportPreview) -> None:
        by_row: dict[int, list[str]] = {}
        cols_by_row: dict[int, set[str]] = {}
        for prob in p.problems:
            if prob.row is not None:
                by_row.setdefault(prob.row, []).append(prob.message)
                cols_by_row.setdefault(prob.row, set()).add(prob.column)
        header_to_key = {h: k for k, h in p.mapping.items()}
        label_to_key = {f.label: f.key for f in PUPIL_FIELDS}
        self.table.setRowCount(len(p.rows))
        for r, row in enumerate(p.rows):
            values = [str(row.row)]
            for key, _ in SHOWN:
                v = getattr(row, key, "")
                values.append("" if v is None else
                              f"{v:%d/%m/%Y}" if hasattr(v, "strftime") else str(v))
            problems = by_row.get(row.row, [])
            values.append("; ".join(problems) if problems else
                          ("New" if row.is_new else "Update"))
            bad_keys = {header_to_key.get(c, label_to_key.get(c, "")) for c in
                        cols_by_row.get(row.row, set())}
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if problems:
                    item.setBackground(theme.colour("tint_refused"))
                    item.setToolTip("\n".join(problems))
                    if 1 <= col <= len(SHOWN) and SHOWN[col - 1][0] in bad_keys:
                        item.setBackground(theme.colour("tint_problem"))
                        item.setForeground(theme.colour("error"))
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()
        self.problem_list.clear()
        for prob in p.problems:
            self.problem_list.addItem(str(prob))
            self.problem_list.item(self.problem_list.count() - 1).setData(
                Qt.ItemDataRole.UserRole, prob.row)
        for warning in p.warnings:  # shown, but they do not stop the import
            self.problem_list.addItem(f"Warning: {warning}")
            self.problem_list.item(self.problem_list.count() - 1).setData(
                Qt.ItemDataRole.UserRole, warning.row)
        n = len(p.rows)
        text = f"{n} pupil{'s' if n != 1 else ''} in the file: {p.new_count} new," \
               f" {p.update_count} already here (will be updated)."
        if p.unmapped_headers:
            text += f" Columns not used: {', '.join(p.unmapped_headers)}."
        if p.warnings:
            text += (f" {len(p.warnings)} warning{'s' if len(p.warnings) != 1 else ''} listed"
                     " below (they do not stop the import).")
        if p.problems:
            red = theme.hex_colour("error")
            text = (f"<b style='color:{red}'>{len(p.problems)} problem"
                    f"{'s' if len(p.problems) != 1 else ''} to fix before importing</b>"
                    f" (listed below; nothing has been saved). {text}")
        self.summary.setText(text)
        self.problem_list.setVisible(bool(p.problems or p.warnings))
        self.import_button.setEnabled(not p.problems and n > 0
                                      and self.ctx.actor.can_edit_pupils)

    # -- slots -------------------------------------------------------------------------
    @Slot()
    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose the pupils CSV file", "",
                                              "CSV files (*.csv);;All files (*)")
        if path:
            self.load_file(Path(path))

    @Slot()
    def _mapping_changed(self) -> None:
        if not self._updating and self.path is not None:
            self._run_preview(self.mapping())

    @Slot()
    def _go_to_problem(self) -> None:
        item = self.problem_list.currentItem()
        row = item.data(Qt.ItemDataRole.UserRole) if item else None
        if row is None or self.preview is None:
            return
        for r, pr in enumerate(self.preview.rows):
            if pr.row == row:
                self.table.selectRow(r)
                self.table.scrollToItem(self.table.item(r, 0))
                self.table.setFocus()
                return

    @Slot()
    def _import(self) -> None:
        if self.path is None:
            return
        path, mapping, today = self.path, self.mapping(), self.ctx.today()
        engine, actor = self.ctx.engine, self.ctx.actor
        self.import_button.setEnabled(False)
        self.choose.setEnabled(False)
        self.mapping_box.setEnabled(False)
        self.task = BackgroundTask(self, "Importing pupils", lambda token: (
            pupil_import.import_pupils_job(engine, path, actor, mapping, today, token)))
        self.task.succeeded.connect(self._import_done)
        self.task.failed.connect(self._import_failed)
        self.task.cancelled.connect(self._import_cancelled)
        self.task.start()

    def _unlock(self) -> None:
        self.choose.setEnabled(True)
        self.mapping_box.setEnabled(True)

    @Slot(object)
    def _import_failed(self, exc: object) -> None:
        self._unlock()
        self.message.show_error(str(exc))
        if isinstance(exc, ImportRejected) and self.path is not None:
            self._run_preview(self.mapping())

    @Slot()
    def _import_cancelled(self) -> None:
        self._unlock()
        self.message.show_warning("Import cancelled: nothing was saved.")
        self.import_button.setEnabled(True)

    @Slot(object)
    def _import_done(self, result: object) -> None:
        self._unlock()
        assert isinstance(result, PupilImportResult)
        made = f" Classes created: {', '.join(result.classes_created)}." \
            if result.classes_created else ""
        self.message.show_ok(f"Imported {result.new} new pupil(s) and updated"
                             f" {result.updated}.{made}")
        self.import_button.setEnabled(False)
        last = self.table.columnCount() - 1
        for r in range(self.table.rowCount()):
            item = self.table.item(r, last)
            if item is not None:
                item.setText("Imported" if item.text() == "New" else "Updated")
        self.summary.setText(f"Done: {result.new} added, {result.updated} updated. Choose"
                             " another file to import more.")
        self.imported.emit(result.new, result.updated)
