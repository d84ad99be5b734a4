"""Save (or print) the amendments report for a date range, as PDF or CSV."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path

from PySide6.QtCore import QDate, Slot
from PySide6.QtGui import QPageLayout
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from attendance_desktop.gui.generated.register.ui_amendments_dialog import Ui_AmendmentsDialog
from attendance_desktop.services.context import AppContext
from attendance_desktop.services.records import audit_service
from attendance_desktop.services.register import amendments_report, mark_reads


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class AmendmentsDialog(QDialog):
    def __init__(self, parent: QWidget | None, ctx: AppContext, start: dt.date,
                 end: dt.date) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ui = Ui_AmendmentsDialog()
        self.ui.setupUi(self)
        self.ui.start.setDate(_qdate(start))
        self.ui.end.setDate(_qdate(end))
        self.ui.pdf.clicked.connect(self.save_pdf)
        self.ui.csv.clicked.connect(self.save_csv)
        self.ui.print.clicked.connect(self.print_report)
        self.ui.buttons.rejected.connect(self.reject)
        for w in (self.ui.start, self.ui.end):
            w.dateChanged.connect(self._count)
        self.ui.after_close.toggled.connect(self._count)
        self._count()

    def _range(self) -> tuple[dt.date, dt.date]:
        a, b = self.ui.start.date(), self.ui.end.date()
        return dt.date(a.year(), a.month(), a.day()), dt.date(b.year(), b.month(), b.day())

    @Slot()
    def _count(self) -> None:
        start, end = self._range()
        n = len(mark_reads.amendments_between(
            self.ctx.engine, start, end, after_close_only=self.ui.after_close.isChecked()))
        self.ui.count.setText(f"{n} change(s) in this range")

    def _ask_path(self, suffix: str, filter_text: str) -> Path | None:
        start, end = self._range()
        default = str(self.ctx.paths.data_dir / f"amendments_{start}_{end}.{suffix}")
        name, _ = QFileDialog.getSaveFileName(self, "Save amendments report", default,
                                              filter_text)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(f".{suffix}")

    @Slot()
    def save_pdf(self) -> None:
        path = self._ask_path("pdf", "PDF files (*.pdf)")
        if path is None:
            return
        start, end = self._range()
        n = amendments_report.write_pdf(self.ctx.engine, start, end, path,
                                        after_close_only=self.ui.after_close.isChecked(),
                                        printed_by=self.ctx.actor.name, now=self.ctx.now(),
                                        actor=self.ctx.actor)
        QMessageBox.information(self, "Amendments report", f"Saved {n} change(s) to {path}")

    def report_html(self) -> str:
        """The report as an HTML table, for printing."""
        start, end = self._range()
        rows = mark_reads.amendments_between(
            self.ctx.engine, start, end, after_close_only=self.ui.after_close.isChecked())
        head = "".join(f"<th>{escape(h)}</th>" for h in amendments_report.HEADERS)
        body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>"
                                        for v in amendments_report.row_values(r)) + "</tr>"
                       for r in rows)
        return (f"<h2>Register amendments</h2><p>Sessions {start:%d %B %Y} to {end:%d %B %Y};"
                f" printed {self.ctx.now():%d %B %Y %H:%M} by {escape(self.ctx.actor.name)}."
                f" {len(rows)} change(s).</p><table border='1' cellspacing='0'"
                f" cellpadding='3' style='font-size:8pt'><tr>{head}</tr>{body}</table>")

    @Slot()
    def print_report(self) -> None:
        from PySide6.QtGui import QTextDocument
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        doc = QTextDocument()
        doc.setHtml(self.report_html())
        doc.print_(printer)
        start, end = self._range()
        rows = mark_reads.amendments_between(
            self.ctx.engine, start, end, after_close_only=self.ui.after_close.isChecked())
        audit_service.record_export(self.ctx.engine, self.ctx.actor, "amendments report",
                                    [r.pupil_id for r in rows], "printer", kind="print")

    @Slot()
    def save_csv(self) -> None:
        path = self._ask_path("csv", "CSV files (*.csv)")
        if path is None:
            return
        start, end = self._range()
        n = amendments_report.write_csv(self.ctx.engine, start, end, path,
                                        after_close_only=self.ui.after_close.isChecked(),
                                        actor=self.ctx.actor)
        QMessageBox.information(self, "Amendments report", f"Saved {n} change(s) to {path}")
