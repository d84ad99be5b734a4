"""Print register…: a class's week or month saved as a PDF for the office's paper copy."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal, Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QMessageBox, QWidget

from attendance_desktop.gui.generated.register.ui_print_register_dialog import (
    Ui_PrintRegisterDialog,
)
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.errors import ServiceError
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.register import grid_service, register_pdf

EVERY_CLASS = -1


class PrintRegisterDialog(QDialog):
    saved = Signal(str)  # what was saved, for the page's status line

    def __init__(self, parent: QWidget | None, ctx: AppContext, class_id: int | None,
                 day: dt.date) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ui = Ui_PrintRegisterDialog()
        self.ui.setupUi(self)
        for c in grid_service.list_classes(ctx.engine):
            self.ui.class_box.addItem(c.name, c.id)
        self.ui.class_box.addItem("Every class (each from a new page)", EVERY_CLASS)
        self.ui.class_box.setCurrentIndex(max(0, self.ui.class_box.findData(
            EVERY_CLASS if class_id is None else class_id)))
        monday, friday = register_pdf.week_of(day)
        first, last = register_pdf.month_of(day)
        self.ui.period_box.addItem(f"Week of {monday:%d %B %Y}", (monday, friday))
        self.ui.period_box.addItem(f"{first:%B %Y}", (first, last))
        save = self.ui.buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("&Save PDF…")
        save.setDefault(True)
        self.ui.buttons.accepted.connect(self.save)
        self.ui.buttons.rejected.connect(self.reject)

    def class_ids(self) -> list[int]:
        chosen = self.ui.class_box.currentData()
        if chosen == EVERY_CLASS:
            return [self.ui.class_box.itemData(i) for i in range(self.ui.class_box.count())
                    if self.ui.class_box.itemData(i) != EVERY_CLASS]
        return [int(chosen)]

    def period(self) -> tuple[dt.date, dt.date]:
        start, end = self.ui.period_box.currentData()
        return start, end

    def _suggested_name(self) -> str:
        start, _end = self.period()
        who = self.ui.class_box.currentText() if self.ui.class_box.currentData() != EVERY_CLASS \
            else "all classes"
        safe = re.sub(r"[^\w-]+", "-", who).strip("-").lower() or "class"
        return f"register-{safe}-{start:%Y-%m-%d}.pdf"

    @Slot()
    def save(self) -> None:
        folder = Path(QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation) or Path.home())
        name, _filter = QFileDialog.getSaveFileName(
            self, "Save the register", str(folder / self._suggested_name()), "PDF (*.pdf)")
        if not name:
            return
        path = Path(name if name.lower().endswith(".pdf") else f"{name}.pdf")
        start, end = self.period()
        try:
            result = register_pdf.write_register_pdf(
                self.ctx.engine, self.class_ids(), start, end, path,
                printed_by=self.ctx.actor.name, now=self.ctx.now(),
                totals=self.ui.totals.isChecked())
        except ServiceError as exc:
            text = str(exc)
            QMessageBox.warning(self, "Print register", text[:1].upper() + text[1:])
            return
        audit_service.record_export(self.ctx.engine, self.ctx.actor, "printable register",
                                    result.pupils, path, kind="print",
                                    details=f"{start.isoformat()} to {end.isoformat()}")
        self.saved.emit(f"Register saved to {path} ({result.pupils} pupils, "
                        f"{result.pages} page(s))")
        self.accept()
