"""Settings → Benchmarks: national and local-authority figures to set the school's beside
(services.benchmark_service). Typed in, or imported from the DfE's statistics file.
Layout: ui/settings/benchmarks.ui and figure_dialog.ui."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QWidget,
)

from attendance_desktop.domain import benchmarks as rules
from attendance_desktop.domain.benchmarks import AREA_LABELS, PERIOD_LABELS, Figure
from attendance_desktop.domain.progress import CancelToken, Progress
from attendance_desktop.gui.flow_layout import reflow
from attendance_desktop.gui.generated.settings.ui_benchmarks import Ui_BenchmarksPage
from attendance_desktop.gui.generated.settings.ui_figure_dialog import Ui_FigureDialog
from attendance_desktop.gui.progress import BackgroundTask
from attendance_desktop.gui.tables import fill_table
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.reports import benchmark_service

NOT_GIVEN = -1.0  # the spin boxes' "not given" value (shown as a dash)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


class FigureDialog(QDialog):
    """Type in (or correct) one area's figures for one period."""

    def __init__(self, parent: QWidget, current: Figure | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_FigureDialog()
        self.ui.setupUi(self)
        ui = self.ui
        self.area, self.area_name, self.year, self.period = (ui.area, ui.area_name, ui.year,
                                                             ui.period)
        self.overall, self.persistent, self.severe = ui.overall, ui.persistent, ui.severe
        for key, label in AREA_LABELS.items():
            self.area.addItem(label, key)
        for key in rules.PERIODS:
            self.period.addItem(PERIOD_LABELS[key], key)
        for box in (self.persistent, self.severe):  # optional: "not given" below zero
            box.setMinimum(NOT_GIVEN)
            box.setSpecialValueText("not given")
            box.setValue(NOT_GIVEN)
        ui.buttons.accepted.connect(self.accept)
        ui.buttons.rejected.connect(self.reject)
        if current is not None:
            self.area.setCurrentIndex(self.area.findData(current.area))
            self.area_name.setText(current.area_name)
            self.year.setText(current.academic_year)
            self.period.setCurrentIndex(self.period.findData(current.period))
            self.overall.setValue(current.overall_absence_pct)
            for box, value in ((self.persistent, current.persistent_absence_pct),
                               (self.severe, current.severe_absence_pct)):
                box.setValue(NOT_GIVEN if value is None else value)

    def figure(self) -> Figure:
        def value(box: QDoubleSpinBox) -> float | None:
            return None if box.value() == NOT_GIVEN else round(box.value(), 1)

        return Figure(str(self.area.currentData()), self.area_name.text().strip(),
                      self.year.text().strip(), str(self.period.currentData()),
                      round(self.overall.value(), 1), persistent_absence_pct=value(
                          self.persistent), severe_absence_pct=value(self.severe))


class BenchmarksPage(QWidget):
    saved = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.rows: list[benchmark_service.StoredFigure] = []
        self.task: BackgroundTask | None = None
        self.ui = Ui_BenchmarksPage()
        self.ui.setupUi(self)
        reflow(self.ui.row)  # wraps at 125-150% scaling instead of scrolling sideways
        ui = self.ui
        self.table, self.la_code, self.message = ui.benchmarks, ui.la_code, ui.benchmarksMessage
        self.import_button, self.add_button, self.remove_button = (
            ui.import_button, ui.add_button, ui.remove_button)
        # columns fit their contents; the last one stretches (set in the form)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.import_button.clicked.connect(self.choose_file)
        self.add_button.clicked.connect(self.add_figure)
        self.remove_button.clicked.connect(self.remove_selected)
        self.table.itemDoubleClicked.connect(self.edit_selected)
        head = ctx.actor.can_edit_settings
        for button in (self.import_button, self.add_button, self.remove_button):
            button.setEnabled(head)
            button.setToolTip("" if head else "Only the headteacher can change these")
        self.la_code.setText(benchmark_service.school_la_code(ctx.engine))
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        self.rows = benchmark_service.list_figures(self.ctx.engine)
        fill_table(self.table, [
            (f.figure.academic_year, PERIOD_LABELS[f.figure.period],
             f"{AREA_LABELS[f.figure.area]} ({f.figure.area_name})" if f.figure.area_name
             else AREA_LABELS[f.figure.area], _pct(f.figure.attendance_pct),
             _pct(f.figure.overall_absence_pct), _pct(f.figure.persistent_absence_pct),
             _pct(f.figure.severe_absence_pct), f.source, f"{f.recorded_at:%d/%m/%Y} "
             f"{f.recorded_by}") for f in self.rows], tooltips=True)

    def _selected(self) -> benchmark_service.StoredFigure | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    # --- typed in ----------------------------------------------------------------------

    @Slot()
    def add_figure(self) -> None:
        self._edit(None)

    @Slot()
    def edit_selected(self) -> None:
        chosen = self._selected()
        if chosen is not None and self.ctx.actor.can_edit_settings:
            self._edit(chosen.figure)

    def _edit(self, current: Figure | None) -> None:
        dialog = FigureDialog(self, current)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                benchmark_service.save_figure(self.ctx.engine, self.ctx.actor, dialog.figure())
            except ServiceError as exc:
                QMessageBox.warning(self, "Benchmark figure", str(exc)[:1].upper()
                                    + str(exc)[1:] + ".")
                continue
            self.message.show_ok("Figure saved.")
            self._changed()
            return

    @Slot()
    def remove_selected(self) -> None:
        chosen = self._selected()
        if chosen is None:
            self.message.show_warning("Choose a figure in the list first.")
            return
        f = chosen.figure
        what = f"{AREA_LABELS[f.area]} {PERIOD_LABELS[f.period].lower()} {f.academic_year}"
        if QMessageBox.question(self, "Remove a figure", f"Remove the figure for {what}?",
                                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                QMessageBox.StandardButton.No) \
                != QMessageBox.StandardButton.Yes:
            return
        try:
            benchmark_service.remove_figure(self.ctx.engine, self.ctx.actor, f.area,
                                            f.academic_year, f.period)
        except ServiceError as exc:
            self.message.show_error(str(exc)[:1].upper() + str(exc)[1:] + ".")
        else:
            self.message.show_ok(f"Removed the figure for {what}.")
        self._changed()

    # --- imported ----------------------------------------------------------------------

    @Slot()
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a DfE statistics file", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.import_file(path)

    def import_file(self, path: str) -> None:
        """Read and check the file off the GUI thread, then ask before saving."""
        if self.task is not None:
            return
        la_code, phase = self.la_code.text().strip(), rules.DEFAULT_PHASE

        def job(_token: CancelToken) -> Generator[Progress, None, object]:
            yield Progress(0, 1, "Reading the file")
            return benchmark_service.preview_import(Path(path), la_code, phase)

        self.import_button.setEnabled(False)
        self.task = BackgroundTask(self, "Reading the statistics file", job)
        self.task.succeeded.connect(self._read)
        self.task.failed.connect(self._failed)
        self.task.ended.connect(self._ended)
        self.task.start()

    @Slot(object)
    def _read(self, preview: benchmark_service.ImportPreview) -> None:
        listed = "\n".join(
            f"• {AREA_LABELS[f.area]} {PERIOD_LABELS[f.period].lower()} {f.academic_year}: "
            f"attendance {f.attendance_pct:.1f}%" for f in preview.figures[:12])
        more = (f"\n… and {len(preview.figures) - 12} more" if len(preview.figures) > 12
                else "")
        la_note = ("" if preview.la_code else "\n\nNo local authority number was given, so "
                   "only national figures were read.")
        if QMessageBox.question(
                self, "Import figures", f"{preview.source}: {len(preview.figures)} figures "
                f"found.\n\n{listed}{more}{la_note}\n\nSave them? Figures already held for "
                "the same area and period are replaced.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes) != QMessageBox.StandardButton.Yes:
            return
        try:
            saved = benchmark_service.import_figures(self.ctx.engine, self.ctx.actor, preview)
        except ServiceError as exc:
            self.message.show_error(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return
        self.message.show_ok(f"{saved} figures new or changed, from {preview.source}.")
        self._changed()

    @Slot(object)
    def _failed(self, exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, ServiceError) else \
            f"unexpected error ({type(exc).__name__}); see the log file"
        self.message.show_error(text)

    @Slot()
    def _ended(self) -> None:
        # The finished task stays a child of this widget and goes with it: deleting it
        # just after its job ended (deleteLater) crashed Qt now and then (gui/progress.py).
        self.task = None
        self.import_button.setEnabled(self.ctx.actor.can_edit_settings)

    def _changed(self) -> None:
        self.refresh()
        self.saved.emit()
